// The client pool over three real Ferrite servers: redis commands routed by key, the multi-key
// commands split and merged in order, cross-server keys refused with the servers named, EVAL by its
// first key; the memcached text commands with multi-get fan-out; lazy connections, one write per
// tick, typed errors for reply errors, dead servers, timeouts and a closed pool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createPool, PoolClosedError, PoolTimeoutError, ReplyError, RoutingError, ServerUnreachableError, type RedisPool, type MemcachedPool } from '../src/cluster-client/index.js';
import { startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';
import { freePort, startFerrite, startMemcached, startRedis } from './helpers/servers.js';

let servers: FerriteMemcached[] = [];
let direct: Redis[] = [];
let redis: RedisPool;
let mc: MemcachedPool;

test.before(async () => {
  for (let i = 0; i < 3; i++) servers.push(await startFerriteMemcached());
  direct = servers.map((s) => new Redis({ port: s.ferrite.port, lazyConnect: true }));
  await Promise.all(direct.map((r) => r.connect()));
  redis = createPool({ servers: servers.map((s) => `127.0.0.1:${s.ferrite.port}:1`), protocol: 'redis', hashTag: '{}' });
  mc = createPool({ servers: servers.map((s) => `127.0.0.1:${s.port}:1`), protocol: 'memcached' });
});

test.before.each(async () => {
  await Promise.all(direct.map((r) => r.flushall()));
});

test.after(async () => {
  await redis.close();
  await mc.close();
  for (const r of direct) r.disconnect();
  await Promise.all(servers.map((s) => s.ferrite.close()));
});

/** The direct client of the server at "host:port" (a RESP or a memcached port). */
function directFor(address: string): Redis {
  const port = Number(address.split(':')[1]);
  const i = servers.findIndex((s) => s.ferrite.port === port || s.port === port);
  return direct[i];
}

// The varying part leads: twemproxy's fnv1a_64 multiplies by a small prime, so keys that differ only
// in their last bytes hash close together and could all land on one server.
const keys = (n: number, prefix = 'k'): string[] => Array.from({ length: n }, (_, i) => `${i}:${prefix}`);

test('redis: single-key commands go to the server of their key, and only there', async () => {
  const ks = keys(60);
  for (const k of ks) assert.is(await redis.call('SET', k, `v-${k}`), 'OK');
  assert.is(new Set(ks.map((k) => redis.serverFor(k))).size, 3, 'keys spread over the three servers');
  for (const k of ks) {
    assert.is(await directFor(redis.serverFor(k)).get(k), `v-${k}`);
    const holders = (await Promise.all(direct.map((r) => r.exists(k)))).reduce((a, b) => a + b, 0);
    assert.is(holders, 1);
  }
  assert.is(await redis.call('INCR', 'counter'), 1);
  assert.is(await redis.call('HSET', 'h', 'f', 'v', 'g', 'w'), 2);
  assert.equal(await redis.call('HGETALL', 'h'), ['f', 'v', 'g', 'w']);
  assert.is(await redis.call('RPUSH', 'l', 'a', 'b', 'c'), 3);
  assert.equal(await redis.call('LRANGE', 'l', 0, -1), ['a', 'b', 'c']);
  assert.is(await redis.call('EXPIRE', 'l', 100), 1);
  assert.ok((await redis.call('TTL', 'l')) as number > 90);
  assert.is(await redis.call('GET', Buffer.from('1:k')), 'v-1:k');
});

test('redis: MSET/MGET split by server and merged in the caller\'s order', async () => {
  const ks = keys(40, 'm');
  const args = ks.flatMap((k) => [k, `val-${k}`]);
  assert.is(await redis.call('MSET', ...args), 'OK');
  for (const k of ks) assert.is(await directFor(redis.serverFor(k)).get(k), `val-${k}`);
  const order = [ks[7], 'missing', ks[0], ks[39], ks[7], ks[13]];
  assert.equal(await redis.call('MGET', ...order), [`val-${ks[7]}`, null, `val-${ks[0]}`, `val-${ks[39]}`, `val-${ks[7]}`, `val-${ks[13]}`]);
  assert.is(await redis.call('EXISTS', ks[1], ks[2], 'missing', ks[1]), 3);
  assert.is(await redis.call('TOUCH', ks[3], ks[4], 'missing'), 2);
  assert.is(await redis.call('DEL', ks[5], ks[6], 'missing'), 2);
  assert.is(await redis.call('UNLINK', ...ks.slice(7)), 33);
  assert.is(await redis.call('EXISTS', ...ks), 5);
  let error: unknown;
  try {
    await redis.call('MSET', 'a', '1', 'b');
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof RoutingError && /wrong number of arguments for 'mset'/.test(error.message));
});

test('redis: other multi-key commands pass on one server and fail naming servers otherwise', async () => {
  await redis.call('SADD', '{t}.a', 'x', 'y');
  await redis.call('SADD', '{t}.b', 'y', 'z');
  assert.is(await redis.call('SUNIONSTORE', '{t}.u', '{t}.a', '{t}.b'), 3);
  assert.is(await redis.call('RENAME', '{t}.u', '{t}.v'), 'OK');
  assert.is(await directFor(redis.serverFor('t')).scard('{t}.v'), 3);
  // Two keys that hash to different servers.
  const a = 'cross:a';
  const b = keys(50, 'cross').find((k) => redis.serverFor(k) !== redis.serverFor(a)) as string;
  await redis.call('SET', a, '1');
  try {
    await redis.call('RENAME', a, b);
    assert.unreachable('RENAME across servers went through');
  } catch (e) {
    assert.instance(e, RoutingError);
    const message = (e as Error).message;
    assert.ok(message.includes(redis.serverFor(a)) && message.includes(redis.serverFor(b)), message);
    assert.match(message, /more than one server/);
  }
  assert.is(await directFor(redis.serverFor(a)).get(a), '1');
});

test('redis: EVAL and FCALL go to the server of the first key; keyless commands need callOn', async () => {
  const key = 'script:key';
  assert.is(await redis.call('EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", 1, key, 'lua'), 'OK');
  assert.is(await directFor(redis.serverFor(key)).get(key), 'lua');
  try {
    await redis.call('EVAL', 'return 1', 0);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RoutingError);
  }
  try {
    await redis.call('PING');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RoutingError);
    assert.match((e as Error).message, /callOn/);
  }
  assert.is(await redis.callOn(redis.servers()[1], 'PING'), 'PONG');
  assert.is(await redis.callOn(redis.serverFor(key), 'DBSIZE'), 1);
  try {
    await redis.callOn('127.0.0.1:1', 'PING');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, RoutingError);
  }
});

test('redis: returnBuffers gives binary-safe replies', async () => {
  const pool = createPool({ servers: servers.map((s) => `127.0.0.1:${s.ferrite.port}:1`), protocol: 'redis', returnBuffers: true });
  try {
    const bytes = Buffer.from([0, 0xff, 0xfe, 13, 10, 0x80]);
    await pool.call('SET', 'bin', bytes);
    assert.equal(await pool.call('GET', 'bin'), bytes);
    assert.equal((await pool.call('MSET', 'b1', bytes, 'b2', 'x'))?.toString(), 'OK');
    assert.equal(await pool.call('MGET', 'b2', 'b1', 'none'), [Buffer.from('x'), bytes, null]);
    assert.is(await pool.call('DEL', 'b1', 'b2', 'bin'), 3);
  } finally {
    await pool.close();
  }
});

test('redis: server error replies reach the caller as ReplyError with the server, in Redis\' words', async () => {
  await redis.call('SET', 'str', 'abc');
  try {
    await redis.call('INCR', 'str');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ReplyError);
    assert.is((e as ReplyError).message, 'ERR value is not an integer or out of range');
    assert.is((e as ReplyError).server, redis.serverFor('str'));
  }
  try {
    await redis.call('LPUSH', 'str', 'x');
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^WRONGTYPE/);
  }
  // The connection is still in step after errors.
  assert.is(await redis.call('GET', 'str'), 'abc');
});

test('memcached: multi-get fans out per server and merges in the caller\'s order', async () => {
  const ks = keys(30, 'mc');
  for (const k of ks) assert.is(await mc.set(k, `v-${k}`, { flags: 7 }), true);
  for (const k of ks) assert.is(await directFor(mc.serverFor(k)).get(k), `v-${k}`);
  const order = [ks[9], 'nope', ks[2], ks[29], ks[9], ks[0]];
  const got = await mc.getMulti(order);
  assert.equal([...got.keys()], [ks[9], ks[2], ks[29], ks[0]]);
  assert.equal([...got.values()].map((b) => b.toString()), [`v-${ks[9]}`, `v-${ks[2]}`, `v-${ks[29]}`, `v-${ks[0]}`]);
  const withCas = await mc.getsMulti(ks.slice(0, 5));
  assert.is(withCas.size, 5);
  assert.ok([...withCas.values()].every((v) => v.flags === 7 && typeof v.cas === 'bigint'));
  assert.is(await mc.get('nope'), undefined);
  assert.is((await mc.get(ks[3]))?.toString(), `v-${ks[3]}`);
});

test('memcached: storage, counters, touch, delete and cas over the pool', async () => {
  assert.is(await mc.add('a', '1'), true);
  assert.is(await mc.add('a', '2'), false);
  assert.is(await mc.replace('a', '10'), true);
  assert.is(await mc.replace('missing', 'x'), false);
  assert.is(await mc.append('a', '0'), true);
  assert.is(await mc.prepend('a', '5'), true);
  assert.is((await mc.get('a'))?.toString(), '5100');
  assert.is(await mc.incr('a', 5), 5105n);
  assert.is(await mc.decr('a', 10_000), 0n);
  assert.is(await mc.incr('missing'), undefined);
  const item = await mc.gets('a');
  assert.ok(item !== undefined && item.cas !== undefined);
  assert.is(await mc.cas('a', 'new', item.cas), 'stored');
  assert.is(await mc.cas('a', 'newer', item.cas), 'exists');
  assert.is(await mc.cas('missing', 'x', 1n), 'not_found');
  assert.is(await mc.touch('a', 100), true);
  assert.is(await mc.touch('missing', 100), false);
  assert.ok((await directFor(mc.serverFor('a')).ttl('a')) > 90);
  assert.is(await mc.delete('a'), true);
  assert.is(await mc.delete('a'), false);
  const binary = Buffer.from([0, 1, 13, 10, 255]);
  assert.is(await mc.set('bin', binary), true);
  assert.equal([...((await mc.get('bin')) ?? [])], [...binary]);
  await mc.set('text', 'abc');
  try {
    await mc.incr('text');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ReplyError);
    assert.match((e as Error).message, /^CLIENT_ERROR cannot increment or decrement non-numeric value/);
  }
  for (const bad of ['has space', '', 'x'.repeat(251), 'tab\tkey']) {
    try {
      await mc.set(bad, 'v');
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, RoutingError);
    }
  }
});

test('the pool is a plain client: the same calls over Debian\'s redis-server and memcached', async () => {
  const reals = [await startRedis(), await startRedis()];
  const mcs = [await startMemcached(), await startMemcached()];
  const rp = createPool({ servers: reals.map((r) => `127.0.0.1:${r.port}:1`), protocol: 'redis' });
  const mp = createPool({ servers: mcs.map((m) => `127.0.0.1:${m.port}:1`), protocol: 'memcached' });
  try {
    const ks = keys(20, 'real');
    assert.is(await rp.call('MSET', ...ks.flatMap((k) => [k, k])), 'OK');
    assert.equal(await rp.call('MGET', ...ks.slice().reverse()), ks.slice().reverse());
    assert.is(await rp.call('DEL', ...ks), 20);
    for (const k of ks) assert.is(await mp.set(k, `m${k}`, { flags: 3 }), true);
    const got = await mp.getsMulti(['none', ...ks]);
    assert.equal([...got.keys()], ks);
    assert.ok([...got.values()].every((v) => v.flags === 3 && v.cas !== undefined));
    const first = got.get(ks[0]);
    assert.is(await mp.cas(ks[0], 'c', first?.cas ?? 0n), 'stored');
    assert.is(await mp.incr('none'), undefined);
    assert.is(await mp.touch(ks[1], 10), true);
    assert.is(await mp.delete(ks[2]), true);
    await mp.flushAll();
    assert.is((await mp.getMulti(ks)).size, 0);
  } finally {
    await rp.close();
    await mp.close();
    await Promise.all([...reals, ...mcs].map((s) => s.close()));
  }
});

test('lazyConnect (the default, as nutcracker\'s preconnect: false): no connection before the first command', async () => {
  const lines = servers.map((s) => `127.0.0.1:${s.ferrite.port}:1`);
  const pool = createPool({ servers: lines, protocol: 'redis' });
  assert.ok(pool.stats().servers.every((s) => s.state === 'idle' && s.connects === 0));
  await pool.call('SET', 'lazy', '1');
  const states = pool.stats().servers.map((s) => s.state);
  assert.is(states.filter((s) => s === 'ready').length, 1);
  assert.is(pool.stats().servers.find((s) => s.address === pool.serverFor('lazy'))?.state, 'ready');
  await pool.close();
  const eager = createPool({ servers: lines, protocol: 'redis', lazyConnect: false });
  for (let i = 0; i < 100 && !eager.stats().servers.every((s) => s.state === 'ready'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(eager.stats().servers.every((s) => s.state === 'ready'));
  await eager.close();
});

/** A TCP server that records what arrives and answers (or not) with `answer`. */
async function fakeServer(answer: (data: Buffer, socket: Socket) => void): Promise<{ port: number; chunks: Buffer[]; server: Server }> {
  const chunks: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('data', (d) => {
      chunks.push(d);
      answer(d, socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, chunks, server };
}

test('pipelining: every command of one tick goes out in one write', async () => {
  const fake = await fakeServer((d, socket) => {
    const n = d.toString().split('*2\r\n').length - 1;
    socket.write('$1\r\nv\r\n'.repeat(n));
  });
  const pool = createPool({ servers: [`127.0.0.1:${fake.port}:1`], protocol: 'redis' });
  await pool.call('GET', 'warm');
  fake.chunks.length = 0;
  const replies = await Promise.all(keys(50).map((k) => pool.call('GET', k)));
  assert.equal(replies, Array(50).fill('v'));
  assert.is(fake.chunks.length, 1, `the 50 commands arrived in ${fake.chunks.length} reads`);
  assert.is(fake.chunks[0].toString().split('*2\r\n').length - 1, 50);
  await pool.close();
  fake.server.close();
});

test('timeouts, dead servers and a closed pool reject with typed errors; nothing hangs', async () => {
  const silent = await fakeServer(() => undefined);
  const pool = createPool({ servers: [`127.0.0.1:${silent.port}:1`], protocol: 'redis', timeoutMs: 100 });
  const started = Date.now();
  try {
    await pool.call('GET', 'k');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PoolTimeoutError);
    assert.match((e as Error).message, /no reply within 100 ms/);
  }
  assert.ok(Date.now() - started < 2000);
  assert.is(pool.stats().servers[0].timeouts, 1);
  await pool.close();
  silent.server.close();

  const deadPort = await freePort();
  const dead = createPool({ servers: [`127.0.0.1:${deadPort}:1`], protocol: 'memcached' });
  try {
    await dead.get('k');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ServerUnreachableError);
    assert.is((e as ServerUnreachableError).server, `127.0.0.1:${deadPort}`);
  }
  // While it backs off, calls fail at once rather than queueing.
  try {
    await dead.get('k');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ServerUnreachableError);
  }
  await dead.close();

  const live = createPool({ servers: [`127.0.0.1:${servers[0].ferrite.port}:1`], protocol: 'redis' });
  const inFlight = live.call('SET', 'x', '1');
  await live.close();
  for (const p of [inFlight, live.call('GET', 'x')]) {
    try {
      await p;
      assert.unreachable();
    } catch (e) {
      assert.instance(e, PoolClosedError);
    }
  }
});

test('redisAuth and redisDb are sent first on every connection', async () => {
  const secured = await startFerrite({ requirepass: 'sesame' });
  const pool = createPool({ servers: [`127.0.0.1:${secured.port}:1`], protocol: 'redis', redisAuth: 'sesame', redisDb: 3 });
  const check = new Redis({ port: secured.port, password: 'sesame', db: 3, lazyConnect: true });
  try {
    assert.is(await pool.call('SET', 'authed', 'yes'), 'OK');
    await check.connect();
    assert.is(await check.get('authed'), 'yes');
    const wrong = createPool({ servers: [`127.0.0.1:${secured.port}:1`], protocol: 'redis', redisAuth: 'wrong' });
    try {
      await wrong.call('GET', 'authed');
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ServerUnreachableError);
      assert.match((e as Error).message, /handshake failed/);
    }
    await wrong.close();
  } finally {
    check.disconnect();
    await pool.close();
    await secured.close();
  }
});

test.run();
