// ACL users on a real server with ioredis and raw sockets: the app, read-only and monitoring users,
// key permissions by key-spec flags (MSET, SORT ... STORE, EVAL keys, COPY), channels, NOPERM texts
// and ACL LOG entries, AUTH/HELLO, requirepass, MULTI/EXEC and scripts checked as their user, users
// changed or deleted while connected, CLIENT KILL USER, brute force, acllog-max-len, acl-pubsub-default.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { RunningServer } from '../src/index.js';
import { rejects } from './helpers/assert.js';
import { freePort, RawClient, startFerrite } from './helpers/servers.js';

let ferrite: RunningServer;
let admin: Redis;
const opened: Redis[] = [];

test.before(async () => {
  ferrite = await startFerrite();
  admin = new Redis({ port: ferrite.port, lazyConnect: true });
  await admin.connect();
});

test.after(async () => {
  for (const c of opened) c.disconnect();
  admin.disconnect();
  await ferrite.close();
});

test.before.each(async () => {
  await admin.call('ACL', 'LOG', 'RESET');
});

async function as(user: string, password: string): Promise<Redis> {
  const c = new Redis({ port: ferrite.port, username: user, password, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  opened.push(c);
  await c.connect();
  return c;
}

function closedSoon(c: Redis): Promise<void> {
  return new Promise((resolve) => (c.status === 'end' ? resolve() : c.once('end', () => resolve())));
}

type LogEntry = Record<string, string | number>;

async function log(count = 10): Promise<LogEntry[]> {
  const raw = (await admin.call('ACL', 'LOG', String(count))) as (string | number)[][];
  return raw.map((e) => {
    const o: LogEntry = {};
    for (let i = 0; i < e.length; i += 2) o[String(e[i])] = e[i + 1];
    return o;
  });
}

const NOPERM_KEYS = /^NOPERM this user has no permissions to access one of the keys used as arguments$/;
const NOPERM_CHANNELS = /^NOPERM this user has no permissions to access one of the channels used as arguments$/;
const noPermCmd = (name: string) => new RegExp(`^NOPERM this user has no permissions to run the '${name.replace('|', '\\|')}' command$`);

test('an app user limited to ~app:* without @dangerous', async () => {
  assert.is(await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-secret', '~app:*', '&app:*', '+@all', '-@dangerous'), 'OK');
  const app = await as('app', 'app-secret');
  assert.is(await app.set('app:1', 'v'), 'OK');
  assert.is(await app.get('app:1'), 'v');
  assert.is(await app.call('ACL', 'WHOAMI'), 'app');
  await rejects(app.get('other'), NOPERM_KEYS);
  await rejects(app.flushall(), noPermCmd('flushall'));
  await rejects(app.keys('*'), noPermCmd('keys'));
  await rejects(app.call('CONFIG', 'SET', 'maxmemory', '1'), noPermCmd('config|set'));
  // Every key of a multi-key command is checked, wherever it is in argv.
  await rejects(app.mset('app:a', '1', 'other', '2'), NOPERM_KEYS);
  assert.is(await admin.exists('other'), 0, 'MSET wrote nothing');
  assert.is(await app.mset('app:a', '1', 'app:b', '2'), 'OK');
  await rejects(app.call('SORT', 'app:list', 'STORE', 'elsewhere'), noPermCmd('sort'));
  await rejects(app.eval("return redis.call('get', KEYS[1])", 1, 'secret:1'), NOPERM_KEYS);
  assert.is(await app.eval("return redis.call('get', KEYS[1])", 1, 'app:1'), 'v');
  await rejects(app.rename('app:1', 'other:1'), NOPERM_KEYS);
  await rejects(app.publish('news', 'm'), NOPERM_CHANNELS);
  assert.is(await app.publish('app:events', 'm'), 0);
  const entries = await log();
  const objects = entries.map((e) => [e.reason, e.object, e.context, e.username]);
  assert.equal(objects[0], ['channel', 'news', 'toplevel', 'app']);
  assert.ok(objects.some((o) => o[0] === 'key' && o[1] === 'other:1'));
  assert.ok(objects.some((o) => o[0] === 'command' && o[1] === 'flushall'));
  assert.ok(objects.some((o) => o[0] === 'command' && o[1] === 'config|set'));
  assert.ok(objects.some((o) => o[0] === 'key' && o[1] === 'other' && o[2] === 'toplevel'));
  const flushall = entries.find((e) => e.object === 'flushall')!;
  assert.match(String(flushall['client-info']), /cmd=flushall user=app /);
  assert.type(flushall['age-seconds'], 'string');
});

test('a read-only user, and read/write key permissions by key-spec flags (%R~ %W~)', async () => {
  await admin.call('ACL', 'SETUSER', 'ro', 'on', '>ro', '~*', '-@all', '+@read', '+@connection');
  const ro = await as('ro', 'ro');
  await admin.set('shared', 'x');
  assert.is(await ro.get('shared'), 'x');
  assert.is(await ro.call('STRLEN', 'shared'), 1);
  await rejects(ro.set('shared', 'y'), noPermCmd('set'));
  await rejects(ro.del('shared'), noPermCmd('del'));
  await admin.call('ACL', 'SETUSER', 'rw', 'on', '>rw', '%R~in:*', '%W~out:*', '~both:*', '+@all');
  const rw = await as('rw', 'rw');
  await admin.set('in:1', 'src');
  assert.is(await rw.get('in:1'), 'src');
  await rejects(rw.set('in:1', 'x'), NOPERM_KEYS);
  assert.is(await rw.set('out:1', 'x'), 'OK');
  await rejects(rw.get('out:1'), NOPERM_KEYS);
  // SET's flags vary with GET: plain SET only writes, SET ... GET also reads.
  await rejects(rw.set('out:1', 'y', 'GET'), NOPERM_KEYS);
  // COPY reads its source and writes its destination.
  assert.is(await rw.call('COPY', 'in:1', 'out:2'), 1);
  await rejects(rw.call('COPY', 'out:2', 'in:2'), NOPERM_KEYS);
  // Keys a command doesn't read or write (EXISTS, TYPE) need no key permission beyond a pattern.
  assert.is(await rw.exists('out:1'), 1);
  assert.is(await rw.type('out:2'), 'string');
  assert.is(await rw.call('SORT', 'both:l', 'STORE', 'out:sorted'), 0);
  await rejects(rw.call('SORT', 'both:l', 'STORE', 'in:sorted'), NOPERM_KEYS);
});

test('the monitoring user redis_exporter recommends can scrape (redis_exporter itself too) and nothing else', async () => {
  // redis_exporter's README, less the stream and cluster commands (XINFO, XLEN, CLUSTER INFO,
  // READONLY, READWRITE, ASKING, WAIT) Ferrite doesn't have.
  const rules = '-@all +@connection +memory +strlen +config|get +pfcount -quit +zcard +type -command +client +scard +llen +hlen +get +eval +slowlog -hello -echo +info +latency +scan -reset -auth'.split(' ');
  assert.is(await admin.call('ACL', 'SETUSER', 'exporter', 'on', '>scrape', '~*', ...rules), 'OK');
  const mon = new Redis({ port: ferrite.port, username: 'exporter', password: 'scrape', lazyConnect: true });
  opened.push(mon);
  await mon.connect();
  assert.match(String(await mon.info('all')), /# Server/);
  assert.ok(((await mon.call('CONFIG', 'GET', '*')) as string[]).includes('maxmemory'));
  assert.match(String(await mon.call('CLIENT', 'LIST')), /user=exporter/);
  assert.ok(Array.isArray(await mon.call('SLOWLOG', 'GET', '128')));
  assert.type(await mon.call('SLOWLOG', 'LEN'), 'number');
  assert.ok(Array.isArray(await mon.call('LATENCY', 'LATEST')));
  assert.ok(Array.isArray(await mon.call('SCAN', '0', 'COUNT', '100')));
  assert.type(await mon.call('MEMORY', 'USAGE', 'shared'), 'number');
  assert.is(await mon.ping(), 'PONG');
  await rejects(mon.set('k', 'v'), noPermCmd('set'));
  await rejects(mon.call('CONFIG', 'SET', 'maxmemory', '1'), noPermCmd('config|set'));
  await rejects(mon.flushdb(), noPermCmd('flushdb'));
  await rejects(mon.call('COMMAND'), noPermCmd('command'));
  // And Debian's redis_exporter itself scrapes as that user, with nothing denied.
  await admin.call('ACL', 'LOG', 'RESET');
  await admin.set('exported-key', 'abc');
  const web = await freePort();
  const exporter = spawn('prometheus-redis-exporter', ['-redis.addr', `redis://127.0.0.1:${ferrite.port}`, '-redis.user', 'exporter', '-redis.password', 'scrape', '-web.listen-address', `127.0.0.1:${web}`, '-check-keys', 'exported-key'], { stdio: 'ignore' });
  try {
    const metrics = await scrape(web);
    assert.match(metrics, /^redis_up 1$/m);
    assert.match(metrics, /^redis_exporter_last_scrape_error\{err=""\} 0$/m);
    assert.match(metrics, /^redis_key_size\{db="db0",key="exported-key"\} 3$/m);
    assert.match(metrics, /^redis_connected_clients \d+$/m);
    assert.match(metrics, /^redis_config_maxmemory 0$/m);
    assert.equal(await log(), [], 'the exporter was denied nothing');
  } finally {
    exporter.kill('SIGKILL');
  }
});

/** The exporter's /metrics once it serves them (it starts listening a moment after it starts). */
async function scrape(port: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      return await res.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('AUTH and HELLO AUTH: WRONGPASS for bad passwords, unknown and disabled users, each logged', async () => {
  await admin.call('ACL', 'SETUSER', 'alice', 'on', '>one', '>two', '~*', '+@all');
  const c = await RawClient.connect(ferrite.port);
  try {
    assert.is(await c.call('AUTH', 'alice', 'bad'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.is(await c.call('AUTH', 'nobody', 'one'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.is(await c.call('AUTH', 'alice', 'two'), '+OK\r\n');
    assert.is(await c.call('ACL', 'WHOAMI'), '$5\r\nalice\r\n');
    assert.is(await c.call('AUTH', 'only-a-password'), '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n');
    assert.is(await c.call('AUTH', 'default', 'anything'), '+OK\r\n', 'a nopass user takes any password');
    assert.match(await c.call('HELLO', '3', 'AUTH', 'alice', 'one', 'SETNAME', 'me'), /^%7\r\n/);
    assert.is(await c.call('ACL', 'WHOAMI'), '$5\r\nalice\r\n');
    assert.is(await c.call('HELLO', '3', 'AUTH', 'alice', 'nope'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await admin.call('ACL', 'SETUSER', 'alice', 'off');
    assert.is(await c.call('AUTH', 'alice', 'one'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
  } finally {
    c.close();
  }
  const auth = (await log()).filter((e) => e.reason === 'auth');
  assert.equal(auth.map((e) => [e.object, e.username, e.context, e.count]), [
    ['AUTH', 'alice', 'toplevel', 3],
    ['AUTH', 'nobody', 'toplevel', 1],
  ]);
});

test('passwords are kept as SHA-256 only: GETUSER, LIST and the ACL file never show them', async () => {
  await admin.call('ACL', 'SETUSER', 'hashed', '>plain-text-password');
  const user = (await admin.call('ACL', 'GETUSER', 'hashed')) as unknown[];
  assert.equal(user[3], [createHash('sha256').update('plain-text-password').digest('hex')]);
  const list = (await admin.call('ACL', 'LIST')) as string[];
  assert.not.ok(list.join('\n').includes('plain-text-password'));
  assert.is(await admin.call('ACL', 'SETUSER', 'hashed', '<plain-text-password'), 'OK');
  assert.equal(((await admin.call('ACL', 'GETUSER', 'hashed')) as unknown[])[3], []);
});

test('requirepass is the default user\'s password; NOAUTH until AUTH', async () => {
  const locked = await startFerrite({ requirepass: 'pw' });
  const c = await RawClient.connect(locked.port);
  try {
    assert.is(await c.call('GET', 'k'), '-NOAUTH Authentication required.\r\n');
    assert.is(await c.call('HELLO', '3'), '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n');
    assert.is(await c.call('AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.is(await c.call('AUTH', 'pw'), '+OK\r\n');
    assert.is(await c.call('ACL', 'LIST'), `*1\r\n$${'user default on #'.length + 64 + ' ~* &* +@all'.length}\r\nuser default on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all\r\n`);
    assert.is(await c.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
    const fresh = await RawClient.connect(locked.port);
    assert.is(await fresh.call('PING'), '+PONG\r\n');
    fresh.close();
    assert.is(await c.call('CONFIG', 'SET', 'requirepass', 'new'), '+OK\r\n');
    const later = await RawClient.connect(locked.port);
    assert.is(await later.call('PING'), '-NOAUTH Authentication required.\r\n');
    assert.is(await later.call('AUTH', 'default', 'new'), '+OK\r\n');
    later.close();
    assert.is(await c.call('RESET'), '+RESET\r\n');
    assert.is(await c.call('PING'), '-NOAUTH Authentication required.\r\n', 'RESET logs the client out');
  } finally {
    c.close();
    await locked.close();
  }
});

test('MULTI: a denied command aborts the transaction; EXEC checks again after rules change', async () => {
  await admin.call('ACL', 'SETUSER', 'tx', 'on', '>tx', '~*', '-@all', '+multi', '+exec', '+get', '+set');
  const tx = await as('tx', 'tx');
  await tx.call('MULTI');
  await rejects(tx.call('DEL', 'a'), noPermCmd('del'));
  await rejects(tx.call('EXEC'), /^EXECABORT/);
  await tx.call('MULTI');
  assert.is(await tx.call('SET', 'txk', '1'), 'QUEUED');
  assert.is(await tx.call('GET', 'txk'), 'QUEUED');
  await admin.call('ACL', 'SETUSER', 'tx', '-set');
  const replies = (await tx.call('EXEC')) as unknown[];
  assert.is(String(replies[0]), 'ReplyError: NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand');
  assert.is(replies[1], null);
  const [multi] = (await log()).filter((e) => e.context === 'multi');
  assert.equal([multi.reason, multi.object, multi.count], ['command', 'set', 1]);
});

test('scripts run their commands as the caller, with Redis\' script errors and lua log entries', async () => {
  await admin.call('ACL', 'SETUSER', 'scripter', 'on', '>s', '~mine:*', '&ch', '-@all', '+eval', '+get', '+publish');
  const s = await as('scripter', 's');
  await rejects(s.eval("return redis.call('get', 'theirs')", 0), /^ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: /);
  await rejects(s.eval("return redis.call('del', 'mine:1')", 0), /^ERR The user executing the script can't run this command or subcommand script: /);
  await rejects(s.eval("return redis.call('publish', 'other', 'm')", 0), /^ERR The user executing the script can't publish to the channel mentioned in the command script: /);
  assert.is(await s.eval("return redis.acl_check_cmd('get', 'theirs')", 0), null);
  assert.is(await s.eval("return redis.acl_check_cmd('get', 'mine:1')", 0), 1);
  const lua = (await log()).filter((e) => e.context === 'lua').map((e) => [e.reason, e.object]);
  assert.equal(lua, [['channel', 'other'], ['command', 'del'], ['key', 'theirs']]);
});

test('a deleted user\'s clients are disconnected; a subscriber losing its channel too, others stay', async () => {
  await admin.call('ACL', 'SETUSER', 'temp', 'on', '>t', '~*', '&news', '+@all');
  const a = await as('temp', 't');
  const sub = await as('temp', 't');
  await sub.subscribe('news');
  const other = await as('app', 'app-secret');
  await admin.call('ACL', 'SETUSER', 'temp', '-@dangerous');
  assert.is(await a.ping(), 'PONG', 'changing commands does not disconnect');
  const subClosed = closedSoon(sub);
  await admin.call('ACL', 'SETUSER', 'temp', 'resetchannels', '&sport');
  await subClosed;
  assert.is(await a.ping(), 'PONG', 'a client with no subscriptions stays');
  const aClosed = closedSoon(a);
  assert.is(await admin.call('ACL', 'DELUSER', 'temp', 'nobody'), 1);
  await aClosed;
  assert.is(await other.ping(), 'PONG');
});

test('CLIENT LIST user=, CLIENT KILL USER, and its error for an unknown user', async () => {
  await admin.call('ACL', 'SETUSER', 'killme', 'on', '>k', '+@all', '~*');
  const k1 = await as('killme', 'k');
  const k2 = await as('killme', 'k');
  const list = String(await admin.call('CLIENT', 'LIST'));
  assert.is(list.split('\n').filter((l) => l.includes(' user=killme ')).length, 2);
  await rejects(admin.call('CLIENT', 'KILL', 'USER', 'nosuch'), /^ERR No such user 'nosuch'$/);
  const closed = Promise.all([closedSoon(k1), closedSoon(k2)]);
  assert.is(await admin.call('CLIENT', 'KILL', 'USER', 'killme'), 2);
  await closed;
});

test('selectors: a command is allowed when any selector allows it; DRYRUN says which key', async () => {
  await admin.call('ACL', 'SETUSER', 'sel', 'on', '>s', '~a:*', '+get', '(~b:* +set)', '(%R~c:* +get +set)');
  const s = await as('sel', 's');
  await admin.set('c:1', 'c');
  assert.is(await s.get('a:1'), null);
  assert.is(await s.set('b:1', 'v'), 'OK');
  await rejects(s.get('b:1'), NOPERM_KEYS);
  assert.is(await s.get('c:1'), 'c');
  await rejects(s.set('c:1', 'x'), NOPERM_KEYS);
  // SET is allowed by a selector, so what is denied is the key.
  await rejects(s.set('a:1', 'x'), NOPERM_KEYS);
  await rejects(s.del('a:1'), noPermCmd('del'));
  assert.is(await admin.call('ACL', 'DRYRUN', 'sel', 'set', 'c:1', 'x'), "This user has no permissions to access the 'c:1' key");
});

test('acllog-max-len bounds the log; acl-pubsub-default allchannels gives new users &*', async () => {
  await admin.call('CONFIG', 'SET', 'acllog-max-len', '3');
  try {
    await admin.call('ACL', 'SETUSER', 'noisy', 'on', '>n', '~*', '-@all', '+get');
    const n = await as('noisy', 'n');
    for (let i = 0; i < 6; i++) await rejects(n.call('SET', `k${i}`, 'v'), noPermCmd('set'));
    for (let i = 0; i < 6; i++) await rejects(n.call(`DEL`, `k${i}`), noPermCmd('del'));
    await rejects(n.call('INCR', 'x'), noPermCmd('incr'));
    const entries = await log(100);
    assert.equal(entries.map((e) => [e.object, e.count]), [['incr', 1], ['del', 6], ['set', 6]]);
  } finally {
    await admin.call('CONFIG', 'SET', 'acllog-max-len', '128');
  }
  await admin.call('CONFIG', 'SET', 'acl-pubsub-default', 'allchannels');
  try {
    await admin.call('ACL', 'SETUSER', 'chan-all', 'on');
    assert.is(((await admin.call('ACL', 'GETUSER', 'chan-all')) as string[])[9], '&*');
  } finally {
    await admin.call('CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels');
  }
  await admin.call('ACL', 'SETUSER', 'chan-none', 'on');
  assert.is(((await admin.call('ACL', 'GETUSER', 'chan-none')) as string[])[9], '');
});

test('brute-forcing AUTH does not hold up other clients', async () => {
  await admin.call('ACL', 'SETUSER', 'target', 'on', '>the-real-one', '+@all', '~*');
  const attacker = await RawClient.connect(ferrite.port);
  const bystander = await RawClient.connect(ferrite.port);
  try {
    const attempts = 20_000;
    let batch = '';
    for (let i = 0; i < attempts; i++) batch += `*3\r\n$4\r\nAUTH\r\n$6\r\ntarget\r\n$${String(i).length}\r\n${i}\r\n`;
    attacker.send(batch);
    const answered = attacker.waitFor((s) => s.split('-WRONGPASS').length - 1 === attempts, 60_000);
    // The bystander is answered while the attacker's pipeline is still being worked through.
    assert.is(await bystander.call('PING'), '+PONG\r\n');
    const before = attacker.pending().split('-WRONGPASS').length - 1;
    assert.ok(before < attempts, `the bystander waited for all ${attempts} attempts`);
    await answered;
    assert.is(await bystander.call('AUTH', 'target', 'the-real-one'), '+OK\r\n');
  } finally {
    attacker.close();
    bystander.close();
  }
  const [entry] = await log(1);
  assert.equal([entry.reason, entry.username, entry.count], ['auth', 'target', 20_000]);
});

test.run();
