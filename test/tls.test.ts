// TLS on node:tls with certificates the suite makes with openssl: port 0 + tls-port serves TLS only,
// redis-cli --tls and ioredis `tls` connect, tls-auth-clients yes|optional|no refuses or accepts
// client certificates during the handshake, an encrypted key with tls-key-file-pass, a CA directory,
// tls-protocols, and CONFIG SET tls-* reloading the certificate (or refusing a broken one).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { createConnection } from 'node:net';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RunningServer, StartOptions } from '../src/index.js';
import { makeCertificates, type TestCertificates } from './helpers/certificates.js';
import { freePort, startFerrite } from './helpers/servers.js';

let certs: TestCertificates;

test.before(() => {
  certs = makeCertificates();
});

test.after(() => {
  certs.remove();
});

async function startTls(options: StartOptions = {}): Promise<{ ferrite: RunningServer; port: number }> {
  const port = await freePort();
  const ferrite = await startFerrite({
    port: 0, 'tls-port': port, 'tls-cert-file': certs.serverCert, 'tls-key-file': certs.serverKey, 'tls-ca-cert-file': certs.ca, ...options,
  });
  return { ferrite, port };
}

function redisCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: `${stdout}${stderr}` });
    });
  });
}

/** A TLS handshake and one PING; resolves to the reply, the peer's CN, or the handshake's failure. */
function tlsPing(port: number, options: ConnectionOptions = {}): Promise<{ reply?: string; cn?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(certs.ca), servername: 'localhost', ...options }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN);
      s.write('PING\r\n');
      s.once('data', (d) => {
        resolve({ reply: d.toString(), cn });
        s.destroy();
      });
    });
    s.on('error', (e) => resolve({ error: e.message }));
    s.on('close', () => resolve({ error: 'closed' }));
  });
}

const clientCert = () => ({ cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) });
const rogueCert = () => ({ cert: readFileSync(certs.rogueCert), key: readFileSync(certs.rogueKey) });

test('port 0 with a tls-port serves TLS only; redis-cli --tls and ioredis tls work', async () => {
  const { ferrite, port } = await startTls({ 'tls-auth-clients': 'no' });
  try {
    assert.is(ferrite.port, 0, 'no plain TCP listener');
    assert.is(ferrite.server.tlsPort, port);
    const cli = await redisCli(['--tls', '--cacert', certs.ca, '-h', '127.0.0.1', '-p', String(port), 'SET', 'tls-key', 'over-tls']);
    assert.equal(cli, { code: 0, out: 'OK\n' });
    const client = new Redis({ port, host: '127.0.0.1', tls: { ca: readFileSync(certs.ca), servername: 'localhost' }, lazyConnect: true });
    await client.connect();
    assert.is(await client.get('tls-key'), 'over-tls');
    assert.match(String(await client.call('CLIENT', 'LIST')), /addr=127\.0\.0\.1:/);
    client.disconnect();
    // A plain-text client on the TLS port gets no Redis reply.
    const plain = await new Promise<string>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    assert.not.match(plain, /PONG/);
  } finally {
    await ferrite.close();
  }
});

test('tls-auth-clients yes: no certificate or an untrusted one is refused in the handshake', async () => {
  const { ferrite, port } = await startTls({ 'tls-auth-clients': 'yes' });
  try {
    assert.ok((await tlsPing(port)).error !== undefined, 'no client certificate');
    assert.ok((await tlsPing(port, rogueCert())).error !== undefined, 'untrusted client certificate');
    assert.is((await tlsPing(port, clientCert())).reply, '+PONG\r\n');
    const cli = await redisCli(['--tls', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, '-h', '127.0.0.1', '-p', String(port), 'PING']);
    assert.equal(cli, { code: 0, out: 'PONG\n' });
    const refused = await redisCli(['--tls', '--cacert', certs.ca, '-h', '127.0.0.1', '-p', String(port), 'PING']);
    assert.not.match(refused.out, /PONG/);
  } finally {
    await ferrite.close();
  }
});

test('tls-auth-clients optional accepts no certificate but refuses a bad one; no accepts any', async () => {
  const optional = await startTls({ 'tls-auth-clients': 'optional' });
  try {
    assert.is((await tlsPing(optional.port)).reply, '+PONG\r\n');
    assert.is((await tlsPing(optional.port, clientCert())).reply, '+PONG\r\n');
    assert.ok((await tlsPing(optional.port, rogueCert())).error !== undefined);
  } finally {
    await optional.ferrite.close();
  }
  const none = await startTls({ 'tls-auth-clients': 'no' });
  try {
    assert.is((await tlsPing(none.port, rogueCert())).reply, '+PONG\r\n');
  } finally {
    await none.ferrite.close();
  }
});

test('an encrypted key with tls-key-file-pass, a CA directory, and tls-protocols', async () => {
  const caDir = join(certs.dir, 'cadir');
  mkdirSync(caDir, { recursive: true });
  copyFileSync(certs.ca, join(caDir, 'ca.pem'));
  const { ferrite, port } = await startTls({
    'tls-key-file': certs.serverKeyEncrypted, 'tls-key-file-pass': certs.keyPass, 'tls-ca-cert-file': '', 'tls-ca-cert-dir': caDir, 'tls-protocols': 'TLSv1.3',
  });
  try {
    assert.is((await tlsPing(port, clientCert())).reply, '+PONG\r\n');
    assert.ok((await tlsPing(port, { ...clientCert(), maxVersion: 'TLSv1.2' })).error !== undefined, 'TLS 1.2 is not offered');
  } finally {
    await ferrite.close();
  }
  const started = await startTls({ 'tls-key-file': certs.serverKeyEncrypted, 'tls-key-file-pass': 'wrong' }).then(
    async (s) => {
      await s.ferrite.close();
      return true;
    },
    (e: Error) => e.message,
  );
  assert.match(String(started), /^Failed to configure TLS/, 'a wrong key passphrase stops the start');
});

test('CONFIG SET tls-* reloads the certificate (a broken one is refused, the old kept) and moves tls-port', async () => {
  const { ferrite, port } = await startTls({ 'tls-auth-clients': 'no', port: await freePort() });
  const admin = new Redis({ port: ferrite.port, lazyConnect: true });
  try {
    await admin.connect();
    assert.is((await tlsPing(port)).cn, 'ferrite-1');
    assert.is(await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.otherCert, 'tls-key-file', certs.otherKey), 'OK');
    assert.is((await tlsPing(port)).cn, 'ferrite-2');
    let error = '';
    await admin.call('CONFIG', 'SET', 'tls-cert-file', join(certs.dir, 'missing.crt')).catch((e: Error) => (error = e.message));
    assert.is(error, "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.");
    assert.is(await admin.call('CONFIG', 'GET', 'tls-cert-file').then((v) => (v as string[])[1]), certs.otherCert);
    assert.is((await tlsPing(port)).cn, 'ferrite-2');
    assert.is(await admin.call('CONFIG', 'SET', 'tls-auth-clients', 'yes'), 'OK');
    assert.ok((await tlsPing(port)).error !== undefined, 'now a client certificate is required');
    assert.is((await tlsPing(port, clientCert())).reply, '+PONG\r\n');
    // tls-port moves the TLS listener.
    const moved = await freePort();
    assert.is(await admin.call('CONFIG', 'SET', 'tls-port', String(moved)), 'OK');
    await ferrite.server.tlsMove;
    assert.is(ferrite.server.tlsPort, moved);
    assert.is((await tlsPing(moved, clientCert())).reply, '+PONG\r\n');
    assert.ok((await tlsPing(port, clientCert())).error !== undefined, 'the old port is closed');
  } finally {
    admin.disconnect();
    await ferrite.close();
  }
});

test.run();
