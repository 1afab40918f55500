// Random picks with a count (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER) are uniform for every encoding, by
// the chi-square check Redis' own suite uses: 10 elements (9 degrees of freedom), a value under 40 has
// a 0.99999 probability for a uniform pick. Run on redis-server too, so the check itself is shown sane.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;
let clients: [string, Redis][];

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
  clients = [['redis-server', new Redis(redis.port, '127.0.0.1')], ['ferrite', new Redis(ferrite.port, '127.0.0.1')]];
});

test.after(async () => {
  for (const [, c] of clients) c.disconnect();
  await Promise.all([redis.close(), ferrite.close()]);
});

function chiSquare(picks: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const p of picks) counts.set(p, (counts.get(p) ?? 0) + 1);
  const expected = picks.length / counts.size;
  let sum = 0;
  for (const n of counts.values()) sum += ((n - expected) * (n - expected)) / expected;
  return sum;
}

/** A negative count (independent picks), then positive counts 8 and 2 (distinct picks), repeated to ~1000 picks. */
async function assertUniform(name: string, pick: (count: number) => Promise<string[]>): Promise<void> {
  const negative = await pick(-1000);
  assert.ok(chiSquare(negative) < 40, `${name} -1000: chi-square ${chiSquare(negative).toFixed(1)}`);
  for (const size of [8, 2]) {
    const all: string[] = [];
    for (let i = 0; i < 1000 / size; i++) all.push(...(await pick(size)));
    assert.ok(chiSquare(all) < 40, `${name} ${size}: chi-square ${chiSquare(all).toFixed(1)}`);
  }
}

const MEMBERS: Record<string, string[]> = {
  small: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
  ints: ['1', '5', '10', '50', '125', '50000', '33959417', '4775547', '65434162', '12098459'],
  long: Array.from({ length: 10 }, (_, i) => `${'x'.repeat(80)}${i}`),
};

test('SRANDMEMBER is uniform for intset and hashtable sets', async () => {
  for (const [server, c] of clients) {
    for (const [kind, members] of Object.entries(MEMBERS)) {
      const key = `set:${kind}`;
      await c.del(key);
      await c.sadd(key, ...members);
      await assertUniform(`${server} SRANDMEMBER ${kind} (${await c.object('ENCODING', key)})`, (n) => c.srandmember(key, n) as Promise<string[]>);
    }
  }
});

test('HRANDFIELD is uniform for listpack and hashtable hashes', async () => {
  for (const [server, c] of clients) {
    for (const [kind, members] of Object.entries(MEMBERS)) {
      const key = `hash:${kind}`;
      await c.del(key);
      await c.hset(key, ...members.flatMap((m) => [m, 'v']));
      await assertUniform(`${server} HRANDFIELD ${kind} (${await c.object('ENCODING', key)})`, (n) => c.hrandfield(key, n) as Promise<string[]>);
    }
  }
});

test('ZRANDMEMBER is uniform for listpack and skiplist sorted sets', async () => {
  for (const [server, c] of clients) {
    for (const [kind, members] of Object.entries(MEMBERS)) {
      const key = `zset:${kind}`;
      await c.del(key);
      await c.zadd(key, ...members.flatMap((m, i) => [i, m]));
      await assertUniform(`${server} ZRANDMEMBER ${kind} (${await c.object('ENCODING', key)})`, (n) => c.zrandmember(key, n) as Promise<string[]>);
    }
  }
});

test.run();
