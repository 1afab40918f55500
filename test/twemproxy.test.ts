// twemproxy in front of Ferrite: real nutcracker over three Ferrite servers, one redis pool and one
// memcached pool (the nutcracker.yml of docs/scaling.md), with ioredis and raw text-protocol clients
// checking the commands users run through it, and what nutcracker refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';
import { startNutcracker, type Nutcracker } from './helpers/nutcracker.js';
import { RawClient } from './helpers/servers.js';

let servers: FerriteMemcached[] = [];
let redisProxy: Nutcracker;
let memcachedProxy: Nutcracker;
let client: Redis;

test.before(async () => {
  for (let i = 0; i < 3; i++) servers.push(await startFerriteMemcached());
  redisProxy = await startNutcracker({ redis: true, hash: 'fnv1a_64', distribution: 'ketama', hashTag: '{}', autoEjectHosts: true, serverFailureLimit: 2, serverRetryTimeoutMs: 30000, timeoutMs: 2000, servers: servers.map((s, i) => `127.0.0.1:${s.ferrite.port}:1 ferrite-${i}`) });
  memcachedProxy = await startNutcracker({ redis: false, hash: 'fnv1a_64', distribution: 'ketama', timeoutMs: 2000, servers: servers.map((s) => `127.0.0.1:${s.port}:1`) });
  // nutcracker answers neither INFO nor CLIENT: no ready check and no CLIENT SETINFO.
  client = new Redis({ port: redisProxy.port, enableReadyCheck: false, disableClientInfo: true, lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
});

test.after(async () => {
  client.disconnect();
  await redisProxy.close();
  await memcachedProxy.close();
  await Promise.all(servers.map((s) => s.ferrite.close()));
});

test('redis through nutcracker: strings, hashes, lists, sets, sorted sets, expiry, counters', async () => {
  assert.is(await client.set('s', 'v'), 'OK');
  assert.is(await client.get('s'), 'v');
  assert.is(await client.set('n', '10', 'EX', 100), 'OK');
  assert.ok((await client.ttl('n')) > 90);
  assert.is(await client.incrby('n', 5), 15);
  assert.is(await client.hset('h', 'a', '1', 'b', '2'), 2);
  assert.equal(await client.hgetall('h'), { a: '1', b: '2' });
  assert.is(await client.rpush('l', 'x', 'y', 'z'), 3);
  assert.equal(await client.lrange('l', 0, -1), ['x', 'y', 'z']);
  assert.is(await client.sadd('set', 'a', 'b'), 2);
  assert.equal((await client.smembers('set')).sort(), ['a', 'b']);
  assert.is(await client.zadd('z', 1, 'one', 2, 'two'), 2);
  assert.equal(await client.zrange('z', 0, -1, 'WITHSCORES'), ['one', '1', 'two', '2']);
  assert.is(await client.pfadd('hll', 'a', 'b', 'c'), 1);
  assert.is(await client.pfcount('hll'), 3);
});

test('redis through nutcracker: MSET/MGET/DEL/EXISTS fragment over the servers; hash tags keep keys together', async () => {
  const keys = Array.from({ length: 30 }, (_, i) => `${i}:frag`);
  assert.is(await client.mset(...keys.flatMap((k) => [k, `v${k}`])), 'OK');
  assert.equal(await client.mget(...keys), keys.map((k) => `v${k}`));
  // Spread over all three: each server holds some of them.
  const direct = servers.map((s) => new Redis({ port: s.ferrite.port, lazyConnect: true }));
  await Promise.all(direct.map((r) => r.connect()));
  const counts = await Promise.all(direct.map((r) => r.exists(...keys)));
  for (const r of direct) r.disconnect();
  assert.is(counts.reduce((a, b) => a + b, 0), 30);
  assert.ok(counts.every((c) => c > 0), `per-server counts ${counts}`);
  assert.is(await client.del(...keys.slice(0, 10)), 10);
  assert.equal(await client.mget(...keys.slice(8, 12)), [null, null, 'v10:frag', 'v11:frag']);
  // nutcracker 0.5 forwards a multi-key EXISTS whole to its first key's server (the pool splits it).
  assert.is(await client.exists(keys[15]), 1);
  await client.sadd('{tag}.a', '1', '2');
  await client.sadd('{tag}.b', '2', '3');
  // nutcracker routes SUNIONSTORE by its first key; the tag keeps all three keys on that server.
  assert.is(await client.sunionstore('{tag}.u', '{tag}.a', '{tag}.b'), 3);
  assert.is(await client.eval("return redis.call('SCARD', KEYS[1])", 1, '{tag}.u'), 3);
});

test('redis through nutcracker: what it refuses (keyless and cross-server commands)', async () => {
  const raw = await RawClient.connect(redisProxy.port);
  try {
    // nutcracker closes the connection on commands it does not support, such as KEYS or CONFIG.
    raw.command('KEYS', '*');
    const out = await raw.waitClosed(3000);
    assert.ok(!out.startsWith('*'), out);
  } finally {
    raw.close();
  }
});

test('memcached through nutcracker: get/gets multi-get, storage commands, counters, cas, touch, delete', async () => {
  const raw = await RawClient.connect(memcachedProxy.port);
  const step = async (text: string, end: string): Promise<string> => {
    raw.send(Buffer.from(text));
    return raw.readUntil(end);
  };
  try {
    const keys = Array.from({ length: 12 }, (_, i) => `${i}:mc`);
    for (const k of keys) assert.is(await step(`set ${k} 5 0 ${k.length}\r\n${k}\r\n`, '\r\n'), 'STORED\r\n');
    const multi = await step(`get ${keys.join(' ')} missing\r\n`, 'END\r\n');
    assert.is(multi, keys.map((k) => `VALUE ${k} 5 ${k.length}\r\n${k}\r\n`).join('') + 'END\r\n');
    const gets = await step(`gets ${keys[0]}\r\n`, 'END\r\n');
    const cas = /VALUE \S+ 5 \d+ (\d+)\r\n/.exec(gets)?.[1];
    assert.ok(cas !== undefined, gets);
    assert.is(await step(`cas ${keys[0]} 0 0 1 ${cas}\r\nz\r\n`, '\r\n'), 'STORED\r\n');
    assert.is(await step(`cas ${keys[0]} 0 0 1 ${cas}\r\nq\r\n`, '\r\n'), 'EXISTS\r\n');
    assert.is(await step('add mc-counter 0 0 1\r\n7\r\n', '\r\n'), 'STORED\r\n');
    assert.is(await step('add mc-counter 0 0 1\r\n8\r\n', '\r\n'), 'NOT_STORED\r\n');
    assert.is(await step('append mc-counter 0 0 1\r\n0\r\n', '\r\n'), 'STORED\r\n');
    assert.is(await step('prepend mc-counter 0 0 1\r\n1\r\n', '\r\n'), 'STORED\r\n');
    assert.is(await step('incr mc-counter 5\r\n', '\r\n'), '175\r\n');
    assert.is(await step('decr mc-counter 200\r\n', '\r\n'), '0\r\n');
    assert.is(await step('replace mc-counter 0 0 2\r\n42\r\n', '\r\n'), 'STORED\r\n');
    assert.is(await step('touch mc-counter 100\r\n', '\r\n'), 'TOUCHED\r\n');
    assert.is(await step('delete mc-counter\r\n', '\r\n'), 'DELETED\r\n');
    assert.is(await step('delete mc-counter\r\n', '\r\n'), 'NOT_FOUND\r\n');
    assert.is(await step('get mc-counter\r\n', 'END\r\n'), 'END\r\n');
  } finally {
    raw.close();
  }
});

test.run();
