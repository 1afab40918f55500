// MULTI/EXEC/DISCARD/WATCH: reply shapes and WATCH invalidation compared with the real redis-server,
// races between real connections, atomicity under concurrent writers, and what reaches the
// propagation sinks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { Client } from '../src/engine/client.js';
import type { RunningServer } from '../src/index.js';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { quiet, runSessions, send, sleep, type Step } from './helpers/sessions.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis.close(), ferrite.close()]);
});

async function sameTranscripts(steps: readonly Step[]): Promise<void> {
  const [expected, actual] = await Promise.all([runSessions(redis.port, steps), runSessions(ferrite.port, steps)]);
  assert.equal(actual, expected);
}

test('error and reply shapes match redis-server', async () => {
  const pairs = await differential(redis.port, ferrite.port, [
    ['EXEC'], ['DISCARD'],
    ['MULTI'], ['MULTI'], ['WATCH', 'x'], ['SET', 'a', '1'], ['EXEC'],
    ['MULTI'], ['NOSUCHCOMMAND', 'x'], ['SET', 'a'], ['GET', 'a'], ['EXEC'],
    ['MULTI'], ['SET', 's', 'abc'], ['INCR', 's'], ['GET', 's'], ['EXEC'],
    ['MULTI'], ['EXEC'],
    ['MULTI'], ['SET', 'a', '2'], ['DISCARD'], ['GET', 'a'],
    ['WATCH'], ['UNWATCH'], ['MULTI'], ['UNWATCH'], ['EXEC'],
    ['MULTI'], ['SUBSCRIBE', 'ch'], ['EXEC'], ['PING'], ['UNSUBSCRIBE'],
    ['MULTI'], ['SSUBSCRIBE', 'sch'], ['EXEC'],
    ['MULTI'], ['SELECT', '2'], ['SET', 'indb2', 'v'], ['EXEC'], ['GET', 'indb2'], ['SELECT', '0'],
  ]);
  for (const p of pairs) assert.is(p.ferrite, p.redis, p.command);
});

test('blocking commands answer at once inside EXEC', async () => {
  const pairs = await differential(redis.port, ferrite.port, [
    ['MULTI'], ['RPUSH', 'blist', 'a'], ['BLPOP', 'blist', '0'], ['BLPOP', 'blist', '0'], ['EXEC'],
  ]);
  for (const p of pairs) assert.is(p.ferrite, p.redis, p.command);
});

test('RESP3: a dirty EXEC is a null, not a null array', async () => {
  await sameTranscripts([
    quiet('a', 'HELLO', '3'), send('a', 'WATCH', 'r3'), send('b', 'SET', 'r3', '1'),
    send('a', 'MULTI'), send('a', 'PING'), send('a', 'EXEC'),
  ]);
});

test('keys expire against one frozen clock during EXEC', async () => {
  await sameTranscripts([
    send('a', 'MULTI'), send('a', 'SET', 'frozen', 'v', 'PX', '100'), send('a', 'DEBUG', 'SLEEP', '0.2'),
    send('a', 'GET', 'frozen'), send('a', 'EXISTS', 'frozen'), send('a', 'EXEC'), send('a', 'GET', 'frozen'),
  ]);
});

/** Client w watches `key`, something happens, then w runs a transaction: its EXEC reply tells whether it was dirtied. */
function watchThen(key: string, ...between: Step[]): Step[] {
  return [send('w', 'WATCH', key), ...between, send('w', 'MULTI'), send('w', 'PING'), send('w', 'EXEC')];
}

test('WATCH is invalidated by every kind of change, as in redis-server', async () => {
  await sameTranscripts([
    send('o', 'FLUSHALL'), send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'),
    // writes, from another client, from inside another transaction, from the watcher itself
    send('o', 'SET', 'k', '1'),
    ...watchThen('k', send('o', 'SET', 'k', '2')),
    ...watchThen('k', send('o', 'MULTI'), send('o', 'INCR', 'k'), send('o', 'EXEC')),
    ...watchThen('k', send('w', 'SET', 'k', '3')),
    ...watchThen('k', send('o', 'EXPIRE', 'k', '100')),
    // reads, a DEL of a missing key and writes to another database are no change
    ...watchThen('k', send('o', 'GET', 'k'), send('o', 'DEL', 'missing')),
    ...watchThen('k', send('o', 'SELECT', '1'), send('o', 'SET', 'k', 'x'), send('o', 'SELECT', '0')),
    // RENAME touches both names
    send('o', 'SET', 'src', 'v'),
    ...watchThen('dst', send('o', 'RENAME', 'src', 'dst')),
    ...watchThen('dst', send('o', 'RENAME', 'dst', 'src')),
    // UNWATCH and DISCARD forget the watch
    send('w', 'WATCH', 'src'), send('o', 'SET', 'src', 'u'), send('w', 'UNWATCH'), send('w', 'MULTI'), send('w', 'PING'), send('w', 'EXEC'),
    send('w', 'WATCH', 'src'), send('w', 'MULTI'), send('w', 'DISCARD'), send('o', 'SET', 'src', 'w'), send('w', 'MULTI'), send('w', 'PING'), send('w', 'EXEC'),
  ]);
});

test('WATCH and expiry: lazy, active, and keys already expired when watched', async () => {
  await sameTranscripts([
    send('o', 'FLUSHALL'), send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'),
    // a live key that logically expires before EXEC
    send('o', 'SET', 'live', 'v', 'PX', '500'),
    ...watchThen('live', sleep(700)),
    // a key expired when watched: its lazy deletion is no change, setting it again is
    send('o', 'SET', 'gone', 'v', 'PX', '20'), sleep(100),
    ...watchThen('gone'),
    ...watchThen('gone', send('o', 'GET', 'gone')),
    send('o', 'SET', 'gone2', 'v', 'PX', '20'), sleep(100),
    ...watchThen('gone2', send('o', 'SET', 'gone2', 'x')),
    // PEXPIRE on a live key, then the active cycle deletes it
    send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'), send('o', 'SET', 'active', 'v'),
    ...watchThen('active', send('o', 'PEXPIRE', 'active', '50'), sleep(400), send('o', 'EXISTS', 'active')),
  ]);
});

test('WATCH across FLUSHDB, FLUSHALL and SWAPDB, as in redis-server', async () => {
  await sameTranscripts([
    send('o', 'FLUSHALL'), send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'),
    send('o', 'SET', 'f1', 'v'),
    ...watchThen('f1', send('o', 'FLUSHALL')),
    ...watchThen('f2', send('o', 'FLUSHDB')),
    send('o', 'SET', 'f3', 'v'),
    ...watchThen('f3', send('o', 'SELECT', '5'), send('o', 'FLUSHDB'), send('o', 'SELECT', '0')),
    // SWAPDB dirties watchers of keys that exist in either database
    ...watchThen('s1', send('o', 'SELECT', '1'), send('o', 'SET', 's1', 'v'), send('o', 'SWAPDB', '0', '1'), send('o', 'SELECT', '0')),
    ...watchThen('s2', send('o', 'SWAPDB', '0', '1')),
    // ...but expired keys swapped in or out are no logical change
    send('o', 'SELECT', '1'), send('o', 'SET', 's3', 'v', 'PX', '20'), send('o', 'SELECT', '0'), sleep(100),
    ...watchThen('s3', send('o', 'SWAPDB', '0', '1')),
    send('o', 'SET', 's4', 'v', 'PX', '20'), sleep(100),
    ...watchThen('s4', send('o', 'SWAPDB', '0', '1')),
    send('o', 'SET', 's5', 'v', 'PX', '20'), sleep(100),
    ...watchThen('s5', send('o', 'FLUSHALL')),
    send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'),
  ]);
});

test('RESET forgets watches and the open transaction', async () => {
  await sameTranscripts([
    send('w', 'WATCH', 'rk'), send('w', 'MULTI'), send('w', 'SET', 'rk', '1'), send('w', 'RESET'),
    send('o', 'SET', 'rk', '2'), send('w', 'MULTI'), send('w', 'GET', 'rk'), send('w', 'EXEC'),
  ]);
});

test('writes applied through the dispatcher for a socketless client (a master link) and evictions dirty watchers', async () => {
  const w = new Redis(ferrite.port, '127.0.0.1');
  const state = ferrite.server.state;
  const master = new Client(state.nextClientId++, null, false);
  master.isMaster = true;
  try {
    await w.set('replicated', '1');
    await w.watch('replicated');
    const argv = ['SET', 'replicated', '2'];
    ferrite.server.dispatcher.call(ferrite.server.dispatcher.contextOf(master), ferrite.server.table.resolve(argv)!, argv);
    assert.is(await w.multi().get('replicated').exec(), null);
    await w.set('evictme', '1');
    await w.watch('evictme');
    // What the eviction code does to a key it picked:
    assert.ok(state.databases[0].evict('evictme'));
    assert.is(await w.multi().get('evictme').exec(), null);
  } finally {
    w.disconnect();
  }
});

/** WATCH/GET/MULTI/SET/EXEC until it goes through; returns the number of retries. */
async function casIncrement(c: Redis, key: string): Promise<number> {
  for (let retries = 0; ; retries++) {
    await c.watch(key);
    const current = Number((await c.get(key)) ?? '0');
    const result = await c.multi().set(key, String(current + 1)).exec();
    if (result !== null) return retries;
  }
}

test('WATCH race: concurrent check-and-set increments end with the exact count', async () => {
  const clients = Array.from({ length: 4 }, () => new Redis(ferrite.port, '127.0.0.1'));
  try {
    await clients[0].del('counter');
    const perClient = 150;
    const retries = await Promise.all(clients.map(async (c) => {
      let n = 0;
      for (let i = 0; i < perClient; i++) n += await casIncrement(c, 'counter');
      return n;
    }));
    assert.is(await clients[0].get('counter'), String(clients.length * perClient));
    assert.ok(retries.reduce((a, b) => a + b, 0) > 0, 'the clients did race');
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('EXEC is atomic while other clients hammer the same keys', async () => {
  const tx = new Redis(ferrite.port, '127.0.0.1');
  const hammer = new Redis(ferrite.port, '127.0.0.1');
  const reader = new Redis(ferrite.port, '127.0.0.1');
  try {
    await tx.mset('ta', '0', 'tb', '0');
    let hammering = true;
    const hammers = (async () => {
      while (hammering) {
        const p = hammer.pipeline();
        for (let i = 0; i < 50; i++) p.incr('ta').incr('tb');
        await p.exec();
      }
    })();
    const reads = (async () => {
      let torn = 0;
      while (hammering) {
        const [a, b] = await reader.mget('ta', 'tb');
        if (Number(a) - Number(b) > 1 || Number(b) > Number(a)) torn++;
      }
      return torn;
    })();
    for (let i = 0; i < 200; i++) {
      const result = await tx.multi().incr('ta').get('ta').incr('ta').get('ta').decr('ta').decr('ta').exec();
      const values = result!.map(([err, v]) => {
        assert.is(err, null);
        return Number(v);
      });
      // Nothing ran in between: each step sees exactly the previous step's effect.
      assert.equal(values.slice(1), [values[0], values[0] + 1, values[0] + 1, values[0], values[0] - 1]);
    }
    hammering = false;
    await hammers;
    assert.is(await reads, 0, 'MGET never saw ta and tb more than one step apart');
  } finally {
    tx.disconnect();
    hammer.disconnect();
    reader.disconnect();
  }
});

test('a transaction propagates its writes wrapped in MULTI/EXEC, a single write alone, reads nothing', async () => {
  const seen: [number, string[]][] = [];
  const sink = (db: number, argv: string[]): void => void seen.push([db, argv]);
  const sinks = ferrite.server.state.sinks;
  sinks.push(sink);
  const c = new Redis(ferrite.port, '127.0.0.1');
  try {
    await c.multi().set('p1', 'a').get('p1').exec();
    assert.equal(seen.splice(0), [[0, ['set', 'p1', 'a']]]);
    await c.multi().select(3).set('p2', 'b').incr('p3').exec();
    assert.equal(seen.splice(0), [[3, ['MULTI']], [3, ['set', 'p2', 'b']], [3, ['incr', 'p3']], [3, ['EXEC']]]);
    await c.select(0);
    await c.multi().get('p1').exec();
    assert.equal(seen.splice(0), []);
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
    c.disconnect();
  }
});

test.run();
