// A mixed dataset (strings, integers, binary values, lists, sets, sorted sets, hashes, TTLs, several
// databases) written through any client, and its canonical dump: what two servers must agree on
// after files move between them.
import type { Redis } from 'ioredis';
import * as assert from 'uvu/assert';

type Rng = () => number;

function binary(rng: Rng, max: number): Buffer {
  const n = Math.floor(rng() * max);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

/** Writes `n` keys of mixed types into databases 0..dbs-1; some with a TTL far in the future. */
export async function fillMixed(client: Redis, rng: Rng, n: number, dbs = 3): Promise<void> {
  const p = client.pipeline();
  for (let i = 0; i < n; i++) {
    const db = i % dbs;
    p.select(db);
    const key = `k:${i}:${binary(rng, 4).toString('hex')}`;
    switch (i % 7) {
      case 0: p.set(key, binary(rng, 40)); break;
      case 1: p.set(key, String(Math.floor(rng() * 2 ** 40) - 2 ** 39)); break;
      case 2: p.rpush(key, ...Array.from({ length: 1 + Math.floor(rng() * 150) }, () => binary(rng, 12))); break;
      case 3: p.sadd(key, ...Array.from({ length: 1 + Math.floor(rng() * 100) }, (_, j) => (j % 2 === 0 ? String(j * 7) : binary(rng, 8)))); break;
      case 4: p.zadd(key, ...Array.from({ length: 1 + Math.floor(rng() * 100) }, (_, j) => [String((rng() - 0.5) * 1e6), `m${j}`]).flat()); break;
      case 5: p.hset(key, ...Array.from({ length: 1 + Math.floor(rng() * 80) }, (_, j) => [`f${j}`, binary(rng, 10)]).flat()); break;
      default: p.incrbyfloat(key, (rng() * 100).toFixed(3)); break;
    }
    if (i % 5 === 0) p.pexpire(key, 1_000_000 + Math.floor(rng() * 1_000_000));
  }
  p.select(0);
  await p.exec();
}

export interface DumpedKey {
  type: string;
  value: unknown;
  /** Absolute expiry (now + PTTL) in ms, -1 when persistent. */
  expireAt: number;
}

/** Every key of databases 0..dbs-1 with its type, value and TTL, in a canonical order. */
export async function dumpDataset(client: Redis, dbs = 3): Promise<Record<string, DumpedKey>> {
  const out: Record<string, DumpedKey> = {};
  for (let db = 0; db < dbs; db++) {
    await client.select(db);
    const keys = ((await client.callBuffer('KEYS', '*')) as Buffer[]).map((k) => k.toString('latin1')).sort();
    for (const key of keys) {
      const k = Buffer.from(key, 'latin1');
      const type = String(await client.type(k));
      const s = (b: Buffer[]): string[] => b.map((x) => x.toString('latin1'));
      let value: unknown;
      if (type === 'string') value = ((await client.getBuffer(k)) as Buffer).toString('latin1');
      else if (type === 'list') value = s((await client.callBuffer('LRANGE', k, '0', '-1')) as Buffer[]);
      else if (type === 'set') value = s((await client.callBuffer('SMEMBERS', k)) as Buffer[]).sort();
      else if (type === 'zset') value = s((await client.callBuffer('ZRANGE', k, '0', '-1', 'WITHSCORES')) as Buffer[]);
      else if (type === 'hash') {
        const flat = s((await client.callBuffer('HGETALL', k)) as Buffer[]);
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
        value = pairs.sort();
      }
      const pttl = Number(await client.pttl(k));
      out[`${db}:${key}`] = { type, value, expireAt: pttl < 0 ? pttl : Date.now() + pttl };
    }
  }
  await client.select(0);
  return out;
}

/**
 * Asserts two dumps hold the same keys, types and values, and expiries within a second of each
 * other: PTTL is read at different moments on the two servers.
 */
export function assertSameDataset(actual: Record<string, DumpedKey>, expected: Record<string, DumpedKey>): void {
  const strip = (d: Record<string, DumpedKey>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(d).map(([k, v]) => [k, { type: v.type, value: v.value, volatile: v.expireAt >= 0 }]));
  assert.equal(strip(actual), strip(expected));
  for (const [k, v] of Object.entries(expected)) {
    if (v.expireAt < 0) continue;
    const diff = Math.abs(actual[k].expireAt - v.expireAt);
    assert.ok(diff <= 1000, `expiry of ${JSON.stringify(k)} differs by ${diff} ms`);
  }
}
