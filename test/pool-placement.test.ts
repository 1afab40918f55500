// The pool places keys exactly where twemproxy does: real nutcracker 0.5 over N Ferrite servers
// (N from 1 to 12) for every hash and distribution, with weights, server names and hash tags, over
// both protocols. Keys are written through nutcracker; each is then looked for on every server
// directly and must sit on the one server the pool computes (and on no other).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { createPool, HASH_NAMES, type HashName } from '../src/cluster-client/index.js';
import type { Distribution } from '../src/cluster-client/ring.js';
import { startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';
import { startNutcracker } from './helpers/nutcracker.js';
import { mulberry32 } from './helpers/random.js';
import { RawClient } from './helpers/servers.js';

const MAX_SERVERS = 12;
let servers: FerriteMemcached[] = [];
let direct: Redis[] = [];

test.before(async () => {
  // One at a time: the servers' Lua engines initialise in sequence.
  for (let i = 0; i < MAX_SERVERS; i++) servers.push(await startFerriteMemcached());
  direct = servers.map((s) => new Redis({ port: s.ferrite.port, lazyConnect: true }));
  await Promise.all(direct.map((r) => r.connect()));
});

test.after(async () => {
  for (const r of direct) r.disconnect();
  await Promise.all(servers.map((s) => s.ferrite.close()));
});

/** Keys of every shape: ASCII, bytes >= 0x80 (signed-char arithmetic), hash tags, long keys. */
function corpus(seed: number, n: number): string[] {
  const rand = mulberry32(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.{}';
  const keys = new Set<string>();
  while (keys.size < n) {
    const shape = Math.floor(rand() * 5);
    const len = 1 + Math.floor(rand() * (shape === 4 ? 120 : 24));
    let k = '';
    for (let i = 0; i < len; i++) k += alphabet[Math.floor(rand() * alphabet.length)];
    if (shape === 1) k = `ключ-${k}-é`;
    if (shape === 2) k = `{user${Math.floor(rand() * 40)}}.${k}`;
    if (shape === 3) k = `${k}{${Math.floor(rand() * 9)}}x`;
    keys.add(k);
  }
  return [...keys];
}

interface Case {
  readonly redis: boolean;
  readonly n: number;
  readonly hash: HashName;
  readonly distribution: Distribution;
  /** true for a mix of weights, or the weights themselves. */
  readonly weights?: boolean | readonly number[];
  readonly names?: boolean;
  readonly hashTag?: string;
}

function serverLines(c: Case): string[] {
  return servers.slice(0, c.n).map((s, i) => {
    const port = c.redis ? s.ferrite.port : s.port;
    const weight = Array.isArray(c.weights) ? c.weights[i] : c.weights === true ? 1 + ((i * 7) % 5) : 1;
    return `127.0.0.1:${port}:${weight}${c.names ? ` cache-${String.fromCharCode(97 + ((i * 5) % 26))}${i}` : ''}`;
  });
}

/** Writes every key through nutcracker in one pipelined batch and checks each reply. */
async function writeThrough(port: number, redis: boolean, keys: string[]): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    if (redis) {
      for (const k of keys) client.command('SET', Buffer.from(k), 'v');
      const replies = await client.replies(keys.length);
      assert.ok(replies.every((r) => r === '+OK\r\n'), `nutcracker replied ${replies.find((r) => r !== '+OK\r\n')}`);
    } else {
      client.send(Buffer.from(keys.map((k) => `set ${k} 0 0 1\r\nv\r\n`).join('')));
      const out = await client.waitFor((s) => s.split('\r\n').length > keys.length);
      assert.is(out.split('\r\n').filter((l) => l === 'STORED').length, keys.length, out.slice(0, 200));
    }
  } finally {
    client.close();
  }
}

/** Which servers hold each key, read from every server directly (the keyspace is shared with RESP). */
async function holders(n: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const lists = await Promise.all(direct.slice(0, n).map((r) => r.keys('*')));
  lists.forEach((keys, i) => {
    for (const k of keys) out.set(k, [...(out.get(k) ?? []), i]);
  });
  return out;
}

async function checkCase(c: Case, seed: number, count = 300): Promise<void> {
  await Promise.all(direct.map((r) => r.flushall()));
  const lines = serverLines(c);
  const nut = await startNutcracker({ redis: c.redis, servers: lines, hash: c.hash, distribution: c.distribution, hashTag: c.hashTag });
  const pool = createPool({ servers: lines, protocol: c.redis ? 'redis' : 'memcached', hash: c.hash, distribution: c.distribution, hashTag: c.hashTag });
  try {
    const keys = corpus(seed, count);
    await writeThrough(nut.port, c.redis, keys);
    const where = await holders(c.n);
    const portOf = (i: number): number => (c.redis ? servers[i].ferrite.port : servers[i].port);
    let mismatches = 0;
    const examples: string[] = [];
    for (const k of keys) {
      const on = where.get(k) ?? [];
      assert.is(on.length, 1, `key ${JSON.stringify(k)} is on ${on.length} servers`);
      const expected = pool.serverFor(k);
      if (expected !== `127.0.0.1:${portOf(on[0])}`) {
        mismatches++;
        if (examples.length < 3) examples.push(`${JSON.stringify(k)}: nutcracker ${portOf(on[0])}, pool ${expected}`);
      }
    }
    assert.is(mismatches, 0, `${JSON.stringify(c)}: ${examples.join('; ')}`);
    // A placement that sends everything to one server would pass trivially; the keys must spread.
    // Except libmemcached's crc32 on ketama: its 15-bit hashes all fall before the ring's first
    // points, so nutcracker too puts every key on one server.
    if (c.n > 1 && !(c.hash === 'crc32' && c.distribution === 'ketama')) assert.ok(new Set([...where.values()].map((v) => v[0])).size > 1, `${JSON.stringify(c)}: keys all on one server`);
  } finally {
    await pool.close();
    await nut.close();
  }
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

test('every hash with ketama: N servers from 1 to 12, weights, names and a hash tag', async () => {
  for (const [i, hash] of HASH_NAMES.entries()) {
    await checkCase({ redis: i % 2 === 0, n: SIZES[i % SIZES.length], hash, distribution: 'ketama', weights: i % 3 !== 0, names: i % 4 === 1, hashTag: i % 3 === 2 ? '{}' : undefined }, 1000 + i);
  }
});

test('every hash with modula: weights make several slots per server', async () => {
  for (const [i, hash] of HASH_NAMES.entries()) {
    await checkCase({ redis: i % 2 === 1, n: SIZES[(i + 5) % SIZES.length], hash, distribution: 'modula', weights: i % 2 === 0, names: i % 3 === 0, hashTag: i % 4 === 0 ? '{}' : undefined }, 2000 + i);
  }
});

test('the default pool (ketama, fnv1a_64) over 3, 5 and 12 servers, both protocols', async () => {
  for (const n of [3, 5, 12]) {
    await checkCase({ redis: true, n, hash: 'fnv1a_64', distribution: 'ketama' }, 3000 + n);
    await checkCase({ redis: false, n, hash: 'fnv1a_64', distribution: 'ketama', weights: true }, 3100 + n);
  }
});

test('weights where C float rounding differs from double: 1,6,6,6,6 and 29,1,30', async () => {
  await checkCase({ redis: true, n: 5, hash: 'fnv1a_64', distribution: 'ketama', weights: [1, 6, 6, 6, 6] }, 4001, 4000);
  await checkCase({ redis: false, n: 3, hash: 'md5', distribution: 'ketama', weights: [29, 1, 30] }, 4002, 4000);
});

test('random: nutcracker and the pool both spread keys over every server, each key on one', async () => {
  const pool = createPool({ servers: serverLines({ redis: true, n: 4, hash: 'md5', distribution: 'random' }), protocol: 'redis', distribution: 'random' });
  const seen = new Set(corpus(7, 400).map((k) => pool.serverFor(k)));
  assert.is(seen.size, 4);
  await pool.close();
  await Promise.all(direct.map((r) => r.flushall()));
  const nut = await startNutcracker({ redis: true, servers: serverLines({ redis: true, n: 4, hash: 'md5', distribution: 'random' }), distribution: 'random' });
  try {
    await writeThrough(nut.port, true, corpus(8, 400));
    const where = await holders(4);
    assert.is(where.size, 400);
    assert.is(new Set([...where.values()].map((v) => v[0])).size, 4);
  } finally {
    await nut.close();
  }
});

test.run();
