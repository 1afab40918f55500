// Users and exposure from configuration: `user` lines in redis.conf, the aclfile (ACL LOAD/SAVE, a
// malformed file refused with its line numbers, at start-up and at ACL LOAD), rename-command,
// protected mode against a client on this machine's non-loopback address, and the memcached front
// end authenticating ACL users and running as them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { Config } from '../src/config.js';
import { FerriteServer } from '../src/server.js';
import { exchange, lines, startFerriteMemcached } from './helpers/memcached.js';
import { RawClient, startFerrite } from './helpers/servers.js';

let dir: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferrite-acl-'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function fromConfigText(text: string): Promise<FerriteServer> {
  const config = new Config();
  config.loadText(`port 0\nbind 127.0.0.1\nmemcached-port 0\nloglevel warning\n${text}`);
  const server = new FerriteServer(config);
  await server.listen();
  return server;
}

async function startError(text: string): Promise<string> {
  try {
    const s = await fromConfigText(text);
    await s.close();
    return 'started';
  } catch (e) {
    return (e as Error).message;
  }
}

test('user lines in the config file define users; a bad one stops the start with its line', async () => {
  const server = await fromConfigText('user alice on >pw ~a:* +get +set\nuser default on >dpw ~* &* +@all\n');
  try {
    const c = await RawClient.connect(server.port);
    assert.is(await c.call('PING'), '-NOAUTH Authentication required.\r\n', "the default user's line gave it a password");
    assert.is(await c.call('AUTH', 'alice', 'pw'), '+OK\r\n');
    assert.is(await c.call('SET', 'a:1', 'v'), '+OK\r\n');
    assert.is(await c.call('SET', 'b:1', 'v'), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
    c.close();
  } finally {
    await server.close();
  }
  const bad = await startError('user bob on +nosuch\n');
  assert.match(bad, /Reading the configuration file, at line 5\n>>> 'user bob on \+nosuch'\nError in user declaration 'bob': Error in ACL SETUSER modifier '\+nosuch': Unknown command or category name in ACL/);
  const both = await startError(`user bob on\naclfile ${join(dir, 'x.acl')}\n`);
  assert.match(both, /^Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid/);
});

test('aclfile: loaded at start, ACL SAVE writes it, ACL LOAD reloads it and disconnects old users', async () => {
  const file = join(dir, 'users.acl');
  writeFileSync(file, 'user alice on >pw ~a:* +@read\n\nuser default on nopass ~* &* +@all\n');
  const server = await fromConfigText(`aclfile ${file}\n`);
  const admin = new Redis({ port: server.port, lazyConnect: true });
  try {
    await admin.connect();
    assert.equal(await admin.call('ACL', 'USERS'), ['alice', 'default']);
    assert.is(await admin.call('ACL', 'SETUSER', 'carol', 'on', '>c', '(~x +set)'), 'OK');
    assert.is(await admin.call('ACL', 'SAVE'), 'OK');
    const saved = readFileSync(file, 'latin1');
    assert.is(saved, `${((await admin.call('ACL', 'LIST')) as string[]).join('\n')}\n`);
    assert.not.ok(saved.includes('>c') || saved.includes(' c '), 'only password hashes are saved');
    const alice = new Redis({ port: server.port, username: 'alice', password: 'pw', lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    await alice.connect();
    const closed = new Promise<void>((resolve) => alice.once('end', () => resolve()));
    writeFileSync(file, 'user alice on >new ~a:* +@read\n');
    assert.is(await admin.call('ACL', 'LOAD'), 'OK');
    await closed;
    assert.equal(await admin.call('ACL', 'USERS'), ['alice', 'default']);
    assert.is(await admin.ping(), 'PONG', "the default user's clients stay");
    writeFileSync(file, 'user ok on\n# a comment is not a user line\nuser bad on +nosuch resetpass #abc\nuser ok off\n');
    let error = '';
    await admin.call('ACL', 'LOAD').catch((e: Error) => (error = e.message));
    assert.is(
      error,
      `ERR ${file}:2 should start with user keyword followed by the username. ${file}:3: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:3: The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters. WARNING: Duplicate user 'ok' found on line 4. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`,
    );
    assert.equal(await admin.call('ACL', 'USERS'), ['alice', 'default'], 'nothing changed');
  } finally {
    admin.disconnect();
    await server.close();
  }
  writeFileSync(file, 'user alice on\nuser bob on (~x +get\n');
  assert.match(await startError(`aclfile ${file}\n`), new RegExp(`^Aborting Redis startup because of ACL errors: ${file}:2: Unmatched parenthesis in selector definition\\.WARNING`));
});

test('CONFIG REWRITE writes the users as user lines, and a restart from the file has them', async () => {
  const file = join(dir, 'rewrite.conf');
  writeFileSync(file, 'port 0\nbind 127.0.0.1\nmemcached-port 0\nloglevel warning\nuser old on nopass +@all\n');
  const config = new Config();
  config.loadFile(file);
  const first = new FerriteServer(config);
  await first.listen();
  const admin = new Redis({ port: first.port, lazyConnect: true });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', 'bob', 'on', '>bobpw', '~b:*', '+get');
    await admin.call('ACL', 'DELUSER', 'old');
    assert.is(await admin.call('CONFIG', 'REWRITE'), 'OK');
  } finally {
    admin.disconnect();
    await first.close();
  }
  const text = readFileSync(file, 'latin1');
  assert.ok(text.includes('user bob on #'), text);
  assert.ok(text.includes('user default on nopass ~* &* +@all'), text);
  assert.not.ok(text.includes('user old'), text);
  const again = new Config();
  again.loadFile(file);
  const second = new FerriteServer(again);
  await second.listen();
  try {
    const c = await RawClient.connect(second.port);
    assert.is(await c.call('AUTH', 'bob', 'bobpw'), '+OK\r\n');
    assert.is(await c.call('SET', 'b:1', 'x'), "-NOPERM this user has no permissions to run the 'set' command\r\n");
    c.close();
  } finally {
    await second.close();
  }
});

test('rename-command in the config file: a new name, and "" removes the command', async () => {
  const server = await fromConfigText('rename-command flushall wipe-everything\nrename-command config ""\n');
  try {
    const c = await RawClient.connect(server.port);
    assert.is(await c.call('FLUSHALL'), "-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
    assert.is(await c.call('WIPE-EVERYTHING'), '+OK\r\n');
    assert.is(await c.call('CONFIG', 'GET', 'port'), "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n");
    c.close();
  } finally {
    await server.close();
  }
  assert.match(await startError('rename-command nosuch x\n'), /No such command in rename-command$/);
  assert.match(await startError('rename-command get set\n'), /Target command name already exists$/);
});

/** An IPv4 address of this machine that is not loopback (eth0's), for protected-mode tests. */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address to test protected mode with');
}

function firstBytes(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port, localAddress: host }, () => s.write('PING\r\n'));
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      // A served client stays connected: its first reply is enough. A denied one is closed on.
      if (!got.startsWith('-DENIED') && got.endsWith('\r\n')) {
        resolve(got);
        s.destroy();
      }
    });
    s.on('close', () => resolve(`${got}<closed>`));
    s.on('error', () => resolve(`${got}<error>`));
  });
}

test('protected mode: a client from a non-loopback address is denied while the default user has no password', async () => {
  const host = outsideAddress();
  const open = await startFerrite({ bind: `127.0.0.1 ${host}` });
  try {
    const denied = await firstBytes(host, open.port);
    assert.ok(denied.startsWith('-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.'), denied);
    assert.ok(denied.endsWith('the outside.\r\n<closed>'), denied);
    const local = await RawClient.connect(open.port);
    assert.is(await local.call('PING'), '+PONG\r\n');
    assert.is(await local.call('CONFIG', 'SET', 'protected-mode', 'no'), '+OK\r\n');
    assert.match(await firstBytes(host, open.port), /^\+PONG\r\n/);
    assert.is(await local.call('CONFIG', 'SET', 'protected-mode', 'yes'), '+OK\r\n');
    assert.is(await local.call('CONFIG', 'SET', 'requirepass', 'pw'), '+OK\r\n');
    assert.match(await firstBytes(host, open.port), /^-NOAUTH Authentication required\.\r\n/, 'with a password, outsiders may try to log in');
    local.close();
  } finally {
    await open.close();
  }
});

test('enable-debug-command, enable-module-command, enable-protected-configs: no, yes, and local only from loopback', async () => {
  const denyDebug = /^-ERR DEBUG command not allowed\. If the enable-debug-command option is set to "local"/;
  const denyModule = /^-ERR MODULE command not allowed\. If the enable-module-command option is set to "local"/;
  const closed = await startFerrite({ 'enable-debug-command': 'no' });
  try {
    const c = await RawClient.connect(closed.port);
    assert.match(await c.call('DEBUG', 'SLEEP', '0'), denyDebug);
    assert.match(await c.call('MODULE', 'LOAD', '/nonexistent.so'), denyModule);
    assert.is(await c.call('MODULE', 'LIST'), '*0\r\n', 'listing is not gated');
    assert.is(await c.call('CONFIG', 'SET', 'dbfilename', 'x.rdb'), "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n");
    c.close();
  } finally {
    await closed.close();
  }
  const host = outsideAddress();
  const local = await startFerrite({ bind: `127.0.0.1 ${host}`, 'protected-mode': 'no', 'enable-debug-command': 'local', 'enable-module-command': 'local', 'enable-protected-configs': 'local' });
  try {
    const c = await RawClient.connect(local.port);
    assert.is(await c.call('MODULE', 'LIST'), '*0\r\n');
    assert.is(await c.call('MODULE', 'LOAD', '/nonexistent.so'), '-ERR Error loading the extension. Please check the server logs.\r\n');
    assert.is(await c.call('DEBUG', 'SLEEP', '0'), '+OK\r\n');
    assert.is(await c.call('CONFIG', 'SET', 'dbfilename', 'x.rdb'), '+OK\r\n');
    c.close();
    const outside = await new Promise<string>((resolve) => {
      const s = createConnection({ host, port: local.port, localAddress: host }, () => s.write('MODULE UNLOAD x\r\nDEBUG SLEEP 0\r\nCONFIG SET dbfilename y.rdb\r\n'));
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.split('\r\n').length > 3) {
          s.destroy();
          resolve(got);
        }
      });
    });
    const [mod, dbg, cfg] = outside.split('\r\n');
    assert.match(`${mod}\r\n`, denyModule);
    assert.match(`${dbg}\r\n`, denyDebug);
    assert.is(cfg, "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
  } finally {
    await local.close();
  }
});

test('memcached front end: SASL and ASCII auth log in ACL users, whose permissions apply', async () => {
  const { ferrite, port } = await startFerriteMemcached({ requirepass: 'rootpw' });
  const admin = new Redis({ port: ferrite.port, password: 'rootpw', lazyConnect: true });
  try {
    await admin.connect();
    // exchange() ends each step with `mg ferrite-sync`, which this user must be able to read.
    await admin.call('ACL', 'SETUSER', 'cache', 'on', '>cpw', '~mc:*', '%R~ferrite-sync', '+@read', '+@write', '-flushall');
    await admin.set('mc:seed', 'v');
    await admin.set('private', 'p');
    const c = await RawClient.connect(port);
    // Until authenticated only the auth `set` is answered, so the steps are read up to their reply.
    c.send(lines('set auth 0 0 8', 'cache no'));
    assert.is(await c.readUntil('\r\n'), lines('CLIENT_ERROR authentication failure'));
    c.send(lines('set auth 0 0 9', 'cache cpw'));
    assert.is(await c.readUntil('\r\n'), lines('STORED'));
    assert.is(await exchange(c, lines('set mc:k 0 0 1', 'x', 'get mc:k')), lines('STORED', 'VALUE mc:k 0 1', 'x', 'END'));
    const noperm = 'CLIENT_ERROR NOPERM this user has no permissions to run this command or access its keys';
    assert.is(await exchange(c, lines('set other 0 0 1', 'x')), lines(noperm));
    assert.is(await exchange(c, lines('get private')), lines(noperm));
    assert.is(await exchange(c, lines('flush_all')), lines(noperm));
    assert.is(await admin.exists('other'), 0);
    c.close();
  } finally {
    admin.disconnect();
    await ferrite.close();
  }
});

test.run();
