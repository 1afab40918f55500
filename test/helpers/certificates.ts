// Certificates for TLS tests, made with Debian's openssl in a temporary directory: a CA, a server
// certificate for 127.0.0.1/localhost (plain and with an encrypted key), a second server
// certificate, a client certificate from the CA, and one from a CA the server doesn't trust.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** The same server key encrypted with `keyPass`. */
  serverKeyEncrypted: string;
  keyPass: string;
  /** A second server certificate (CN ferrite-2), for reload tests. */
  otherCert: string;
  otherKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by an untrusted CA. */
  rogueCert: string;
  rogueKey: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
}

function signed(dir: string, name: string, ca: string, cn: string, server: boolean): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, server ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${name}.crt`]);
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-tls-'));
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'rogue-ca');
  signed(dir, 'server', 'ca', 'ferrite-1', true);
  signed(dir, 'other', 'ca', 'ferrite-2', true);
  signed(dir, 'client', 'ca', 'client', false);
  signed(dir, 'rogue', 'rogue-ca', 'rogue', false);
  const keyPass = 'key-secret';
  openssl(dir, ['pkey', '-in', 'server.key', '-aes256', '-passout', `pass:${keyPass}`, '-out', 'server-enc.key']);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serverKeyEncrypted: p('server-enc.key'),
    keyPass,
    otherCert: p('other.crt'),
    otherKey: p('other.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
