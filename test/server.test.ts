// Server and connection commands: CONFIG, CLIENT, INFO, COMMAND, SLOWLOG, LATENCY, DEBUG, MONITOR,
// AUTH, maxclients, idle timeout, SHUTDOWN — through ioredis and raw sockets, with CONFIG's error
// texts compared against the real redis-server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejects } from './helpers/assert.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { Config } from '../src/config.js';
import { FerriteServer, type RunningServer } from '../src/index.js';

let redis: ExternalServer;
let ferrite: RunningServer;
let client: Redis;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
  client = new Redis({ port: ferrite.port, lazyConnect: false });
});

test.after(async () => {
  client?.disconnect();
  await Promise.all([redis?.close(), ferrite?.close()]);
});

const until = async (pred: () => Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
};

test('CONFIG SET/GET errors and values match redis-server', async () => {
  const cmds = [
    ['CONFIG', 'SET', 'hz', 'abc'], ['CONFIG', 'SET', 'appendonly', 'maybe'], ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
    ['CONFIG', 'SET', 'databases', '4'], ['CONFIG', 'SET', 'nosuchoption', '1'], ['CONFIG', 'SET', 'maxmemory', '10zz'],
    ['CONFIG', 'SET', 'hz', '10', 'maxmemory', '1mb'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '0', 'hz', '10', 'hz', '11'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['CONFIG', 'GET', 'notify-keyspace-events'], ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'gx$E'], ['CONFIG', 'GET', 'notify-keyspace-events'], ['CONFIG', 'SET', 'notify-keyspace-events', ''],
    ['CONFIG', 'SET', 'hz', '1000000'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10'], ['CONFIG', 'SET', 'timeout', '-1'],
    ['CONFIG', 'SET', 'save', '3600 1 300 100'], ['CONFIG', 'GET', 'save'], ['CONFIG', 'SET', 'save', '3600'], ['CONFIG', 'SET', 'save', ''],
    ['CONFIG', 'GET', 'nomatch*'], ['CONFIG', 'SET', 'maxmemory'],
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '64'], ['CONFIG', 'GET', 'hash-max-listpack-entries'], ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 512kb 30'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 33554432 8388608 60'], ['CONFIG', 'SET', 'maxmemory-clients', '10%'],
    ['CONFIG', 'GET', 'maxmemory-clients'], ['CONFIG', 'SET', 'maxmemory-clients', '0'], ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'],
    ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'], ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
    ['CONFIG', 'SET', 'dir', '/nonexistent/dir'], ['CONFIG', 'GET', 'slave-read-only'], ['CONFIG', 'RESETSTAT'], ['CONFIG', 'REWRITE'],
    ['CONFIG', 'HELP'],
  ];
  for (const r of await differential(redis.port, ferrite.port, cmds)) assert.is(r.ferrite, r.redis, r.command);
});

test('CONFIG GET with patterns returns the same pairs as redis-server (order is unspecified)', async () => {
  const real = new Redis({ port: redis.port });
  try {
    for (const args of [['maxmemory*'], ['hz', 'maxmemory-policy'], ['lazyfree-*'], ['*max-*-entries'], ['slave-*']]) {
      const pairs = (r: string[]): string[] => r.reduce<string[]>((acc, v, i) => (i % 2 === 0 ? [...acc, `${v}=${r[i + 1]}`] : acc), []).sort();
      assert.equal(pairs((await client.call('CONFIG', 'GET', ...args)) as string[]), pairs((await real.call('CONFIG', 'GET', ...args)) as string[]), args.join(' '));
    }
  } finally {
    real.disconnect();
  }
});

test('CONFIG GET * lists every Redis 7 option name', async () => {
  const real = new Redis({ port: redis.port });
  const realNames = new Set((await real.call('CONFIG', 'GET', '*') as string[]).filter((_, i) => i % 2 === 0));
  real.disconnect();
  const ours = new Set((await client.call('CONFIG', 'GET', '*') as string[]).filter((_, i) => i % 2 === 0));
  const missing = [...realNames].filter((n) => !ours.has(n));
  assert.equal(missing, []);
});

test('CONFIG REWRITE writes the changed options back to the config file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-conf-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, '# my config\nport 0\nbind 127.0.0.1\nhz 20\nmaxmemory 1mb\nmemcached-port 0\n');
  const config = new Config();
  config.loadFile(file);
  const server = new FerriteServer(config);
  server.log.silent = true;
  await server.listen();
  const c = new Redis({ port: server.port });
  try {
    assert.equal(await c.config('GET', 'hz'), ['hz', '20']);
    await c.config('SET', 'hz', '15');
    await c.config('SET', 'maxmemory-policy', 'allkeys-lru');
    assert.is(await c.config('REWRITE'), 'OK');
    const text = readFileSync(file, 'latin1');
    assert.ok(text.includes('# my config'));
    assert.ok(text.includes('hz 15'));
    assert.ok(text.includes('maxmemory-policy allkeys-lru'));
    assert.ok(!text.includes('hz 20'));
    const again = new Config();
    again.loadFile(file);
    assert.is(again.get('hz'), '15');
    assert.is(again.get('maxmemory'), '1048576');
  } finally {
    c.disconnect();
    await server.close();
  }
});

test('CLIENT ID/SETNAME/GETNAME/INFO/LIST/KILL', async () => {
  const other = new Redis({ port: ferrite.port });
  await other.client('SETNAME', 'victim');
  const id = (await other.client('ID')) as number;
  assert.is(await other.client('GETNAME'), 'victim');
  const list = (await client.client('LIST')) as string;
  assert.match(list, new RegExp(`id=${id} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${ferrite.port} fd=\\d+ name=victim `));
  assert.match((await other.client('INFO')) as string, /^id=\d+ .* name=victim .*resp=2\n$/);
  assert.match(String(await client.call('CLIENT', 'LIST', 'ID', String(id))), /name=victim/);
  await rejects(client.call('CLIENT', 'SETNAME', 'has space'), /Client names cannot contain spaces/);
  assert.is(await client.call('CLIENT', 'KILL', 'ID', String(id)), 1);
  await until(async () => other.status !== 'ready' || !String(await client.client('LIST')).includes('name=victim'), 'victim closed');
  other.disconnect();
  assert.is(await client.call('CLIENT', 'KILL', 'ID', '999999'), 0);
  await rejects(client.call('CLIENT', 'KILL', '1.2.3.4:5'), /No such client/);
});

test('CLIENT PAUSE WRITE holds writes until UNPAUSE while reads go on', async () => {
  const writer = await RawClient.connect(ferrite.port);
  assert.is(await client.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
  writer.command('SET', 'paused-key', '1');
  assert.is(await client.get('paused-key'), null);
  assert.is(writer.pending(), '');
  assert.is(await client.call('CLIENT', 'UNPAUSE'), 'OK');
  assert.is(await writer.reply(), '+OK\r\n');
  assert.is(await client.get('paused-key'), '1');
  writer.close();
});

test('CLIENT REPLY OFF and SKIP suppress replies', async () => {
  const c = await RawClient.connect(ferrite.port);
  c.command('CLIENT', 'REPLY', 'OFF');
  c.command('SET', 'r1', 'a');
  c.command('CLIENT', 'REPLY', 'ON');
  assert.is(await c.reply(), '+OK\r\n');
  c.command('CLIENT', 'REPLY', 'SKIP');
  c.command('GET', 'r1');
  c.command('GET', 'r1');
  assert.is(await c.reply(), '$1\r\na\r\n');
  c.close();
});

test('CLIENT REPLY OFF mutes replies but not pub/sub pushes; SKIP skips the next command only, ON after SKIP replies (as redis-server)', async () => {
  const scripts = [
    ['CLIENT REPLY OFF', 'SUBSCRIBE ch', 'PING'],
    ['HELLO 3', 'CLIENT REPLY OFF', 'SUBSCRIBE ch', 'PING'],
    ['CLIENT REPLY SKIP', 'CLIENT REPLY ON', 'PING', 'CLIENT REPLY SKIP', 'CLIENT REPLY SKIP', 'PING', 'PING'],
    ['CLIENT REPLY OFF', 'PING', 'RESET', 'PING'],
  ];
  for (const script of scripts) {
    const transcripts: string[] = [];
    for (const port of [redis.port, ferrite.port]) {
      const c = await RawClient.connect(port);
      const pub = new Redis({ port });
      c.send(script.map((line) => `${line}\r\n`).join(''));
      const subscribed = script.includes('SUBSCRIBE ch');
      await until(async () => !subscribed || (await pub.pubsub('NUMSUB', 'ch'))[1] === 1, 'subscribed');
      // A muted subscriber still gets messages: the last one marks the end of its transcript.
      if (subscribed) await pub.publish('ch', 'hello');
      if (subscribed) await pub.publish('ch', 'end');
      else c.send('ECHO end\r\n');
      transcripts.push(await c.readUntil('end\r\n').catch(() => c.pending()));
      c.close();
      pub.disconnect();
    }
    assert.is(transcripts[1].replace(/:\d+\r\n\$4\r\nmode/, ':ID\r\n$4\r\nmode').replace(/\$6\r\n[0-9.]+\r\n\$5\r\nproto/, '$6\r\nVER\r\n$5\r\nproto'),
      transcripts[0].replace(/:\d+\r\n\$4\r\nmode/, ':ID\r\n$4\r\nmode').replace(/\$6\r\n[0-9.]+\r\n\$5\r\nproto/, '$6\r\nVER\r\n$5\r\nproto'), script.join(' / '));
  }
});

test('CLIENT UNBLOCK on a non-blocked client answers 0', async () => {
  assert.is(await client.call('CLIENT', 'UNBLOCK', String(await client.client('ID'))), 0);
});

test('INFO has Redis sections and field names', async () => {
  await client.set('info-key', 'v', 'EX', 100);
  const info = (await client.info()) as string;
  for (const section of ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']) {
    assert.ok(info.includes(`# ${section}\r\n`), section);
  }
  for (const field of ['redis_version:7.0.15', 'tcp_port:', 'connected_clients:', 'used_memory:', 'used_memory_human:', 'used_memory_rss:', 'maxmemory_policy:noeviction', 'mem_fragmentation_ratio:', 'total_commands_processed:', 'keyspace_hits:', 'evicted_keys:', 'role:master']) {
    assert.ok(info.includes(`\r\n${field}`), field);
  }
  assert.match(info, /\r\ndb0:keys=\d+,expires=\d+,avg_ttl=\d+\r\n/);
  const stats = (await client.info('commandstats')) as string;
  assert.match(stats, /cmdstat_set:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=\d+,failed_calls=\d+/);
  await rejects(client.call('NOSUCHCMD'));
  assert.match((await client.info('errorstats')) as string, /errorstat_ERR:count=\d+/);
  assert.ok(!((await client.info('keyspace')) as string).includes('# Server'));
});

test('COMMAND COUNT/INFO/DOCS/LIST/GETKEYS come from the command table', async () => {
  const count = (await client.call('COMMAND', 'COUNT')) as number;
  assert.ok(count > 60);
  const all = (await client.call('COMMAND')) as unknown[];
  assert.is(all.length, count);
  const [get] = (await client.call('COMMAND', 'INFO', 'get')) as [unknown[]];
  assert.equal(get.slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1]);
  assert.ok((get[6] as string[]).includes('@read'));
  const docs = (await client.call('COMMAND', 'DOCS', 'set')) as unknown[];
  assert.is(docs[0], 'set');
  assert.ok((docs[1] as string[]).includes('summary'));
  assert.equal(await client.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'), ['a', 'b']);
  await rejects(client.call('COMMAND', 'GETKEYS', 'PING', 'x'), /The command has no key arguments/);
  const names = (await client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*')) as string[];
  assert.ok(names.includes('config|get'));
  assert.equal(await client.call('COMMAND', 'INFO', 'nosuch'), [null]);
});

test('SLOWLOG records calls over the threshold', async () => {
  await client.config('SET', 'slowlog-log-slower-than', '0');
  await client.slowlog('RESET');
  await client.set('slow', 'x');
  const entries = (await client.slowlog('GET', 5)) as [number, number, number, string[], string, string][];
  assert.ok(entries.some((e) => e[3][0] === 'set' || e[3][0] === 'SET'));
  assert.ok(((await client.slowlog('LEN')) as number) >= 1);
  await client.config('SET', 'slowlog-log-slower-than', '10000');
  assert.is(await client.slowlog('RESET'), 'OK');
  assert.is(await client.slowlog('LEN'), 0);
});

test('LATENCY records a DEBUG SLEEP spike over the threshold', async () => {
  await client.config('SET', 'latency-monitor-threshold', '10');
  await client.call('DEBUG', 'SLEEP', '0.05');
  const latest = (await client.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  const command = latest.find((l) => l[0] === 'command');
  assert.ok(command !== undefined && command[2] >= 10);
  const history = (await client.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
  assert.ok(history.length >= 1);
  assert.ok(((await client.call('LATENCY', 'RESET')) as number) >= 1);
  await client.config('SET', 'latency-monitor-threshold', '0');
});

test('DEBUG OBJECT and TIME', async () => {
  await client.set('dbg', '123');
  assert.match(String(await client.call('DEBUG', 'OBJECT', 'dbg')), /^Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+/);
  await rejects(client.call('DEBUG', 'OBJECT', 'nokey'), /no such key/);
  const [secs, micros] = (await client.call('TIME')) as [string, string];
  assert.ok(Math.abs(Number(secs) - Date.now() / 1000) < 5);
  assert.ok(Number(micros) >= 0 && Number(micros) < 1e6);
});

test('MONITOR streams other clients\' commands', async () => {
  const mon = await RawClient.connect(ferrite.port);
  assert.is(await mon.call('MONITOR'), '+OK\r\n');
  await client.set('watched', 'a b');
  const line = await mon.readUntil('\r\n');
  assert.match(line, /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "watched" "a b"\r\n$/);
  mon.close();
});

test('AUTH with requirepass: NOAUTH until authenticated, WRONGPASS on a bad password', async () => {
  const secured = await startFerrite({ requirepass: 'pw' });
  try {
    const c = await RawClient.connect(secured.port);
    assert.is(await c.call('SET', 'a', 'b'), '-NOAUTH Authentication required.\r\n');
    assert.is(await c.call('AUTH', 'bad'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.is(await c.call('AUTH', 'pw'), '+OK\r\n');
    assert.is(await c.call('SET', 'a', 'b'), '+OK\r\n');
    c.close();
  } finally {
    await secured.close();
  }
  const [r] = await differential(redis.port, ferrite.port, [['AUTH', 'x']]);
  assert.is(r.ferrite, r.redis);
});

test('maxclients refuses connections over the limit with Redis\' error', async () => {
  const small = await startFerrite({ maxclients: 2 });
  try {
    const a = await RawClient.connect(small.port);
    const b = await RawClient.connect(small.port);
    assert.is(await a.call('PING'), '+PONG\r\n');
    assert.is(await b.call('PING'), '+PONG\r\n');
    const c = await RawClient.connect(small.port);
    assert.is(await c.waitClosed(), '-ERR max number of clients reached\r\n');
    a.close();
    b.close();
  } finally {
    await small.close();
  }
});

test('timeout closes idle clients but not blocked or subscribed ones', async () => {
  const s = await startFerrite({ timeout: 1, hz: 50 });
  try {
    const idle = await RawClient.connect(s.port);
    assert.is(await idle.call('PING'), '+PONG\r\n');
    await idle.waitClosed(5000);
    assert.ok(idle.closed);
  } finally {
    await s.close();
  }
});

test('RESET returns the connection to its initial state', async () => {
  const c = await RawClient.connect(ferrite.port);
  await c.call('SELECT', '3');
  await c.call('CLIENT', 'SETNAME', 'x');
  await c.call('HELLO', '3');
  assert.is(await c.call('RESET'), '+RESET\r\n');
  assert.is(await c.call('CLIENT', 'GETNAME'), '$-1\r\n');
  assert.match(await c.call('CLIENT', 'INFO'), / db=0 .*resp=2/);
  c.close();
});

test('SHUTDOWN closes an embedded server', async () => {
  const s = await startFerrite();
  const c = await RawClient.connect(s.port);
  c.command('SHUTDOWN', 'NOSAVE');
  await c.waitClosed();
  assert.ok(c.closed);
  await s.close();
});

test.run();
