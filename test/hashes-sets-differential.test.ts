// Hashes and sets against Debian's real redis-server (7.0): scripted edge cases compared byte for
// byte (errors, RESP2 and RESP3 shapes, encodings, TTLs, keyspace events), and a generated corpus
// (seeded PRNG; binary members, canonical and non-canonical integers, long values, config changes)
// where every reply must match — exactly where Redis' order is defined (listpack, intset), as sorted
// multisets where it is its hash table's, by membership and size for random picks — and the
// encoding of every key is compared at checkpoints. Set HS_SEED to replay a failing corpus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { mulberry32 as makeRandom } from './helpers/random.js';

const SEED = Number(process.env.HS_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`hashes/sets seed: ${SEED} (set HS_SEED to replay)`);

const random = makeRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const between = (lo: number, hi: number): number => lo + int(hi - lo + 1);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
const chance = (p: number): boolean => random() < p;

// ---------------------------------------------------------------------------------------------
// RESP replies as trees, to compare aggregates without their order.

interface Node {
  t: string;
  v?: string;
  items?: Node[];
}

function parse(s: string): Node {
  const pos = { i: 0 };
  const node = parseAt(s, pos);
  if (pos.i !== s.length) throw new Error(`trailing bytes in ${JSON.stringify(s)}`);
  return node;
}

function parseAt(s: string, pos: { i: number }): Node {
  const type = s[pos.i];
  const eol = s.indexOf('\r\n', pos.i);
  const head = s.slice(pos.i + 1, eol);
  pos.i = eol + 2;
  switch (type) {
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return { t: 'nil' };
      const v = s.substr(pos.i, n);
      pos.i += n + 2;
      return { t: '$', v };
    }
    case '*': case '~': case '%': case '>': {
      const n = Number(head);
      if (n < 0) return { t: 'nil' };
      const items: Node[] = [];
      for (let k = 0; k < (type === '%' ? 2 * n : n); k++) items.push(parseAt(s, pos));
      return { t: type, items };
    }
    case '_':
      return { t: 'nil' };
    default:
      return { t: type, v: head };
  }
}

/** The aggregate's items grouped `group` at a time, each group as text, sorted. */
function sortedGroups(node: Node, group: number): string[] {
  const items = node.items ?? [];
  const out: string[] = [];
  for (let i = 0; i < items.length; i += group) out.push(JSON.stringify(items.slice(i, i + group)));
  return out.sort();
}

function bulks(node: Node): string[] {
  return (node.items ?? []).map((n) => n.v ?? '');
}

const show = (args: readonly string[]): string => JSON.stringify(args).slice(0, 300);

/** Replies whose order is that of Redis' hash table when the collection is a hashtable. */
const UNORDERED_REPLIES = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SPOP', 'SRANDMEMBER', 'HGETALL', 'HKEYS', 'HVALS', 'HRANDFIELD']);
/** ...and those whose order is that of a result computed from several keys. */
const MULTI_KEY = new Set(['SINTER', 'SUNION', 'SDIFF']);

// ---------------------------------------------------------------------------------------------
// The two servers.

let redis: ExternalServer;
let ferrite: RunningServer;

class Pair {
  constructor(readonly redis: RawClient, readonly ferrite: RawClient) {}

  static async open(): Promise<Pair> {
    return new Pair(await RawClient.connect(redis.port), await RawClient.connect(ferrite.port));
  }

  both(args: readonly string[]): Promise<[string, string]> {
    return Promise.all([this.redis.call(...args), this.ferrite.call(...args)]);
  }

  /** Byte-for-byte equal replies; returns Redis'. */
  async exact(args: readonly string[], context = ''): Promise<string> {
    const [r, f] = await this.both(args);
    if (f !== r) assert.unreachable(`${show(args)} ${context}(seed ${SEED}):\n ferrite ${JSON.stringify(f).slice(0, 600)}\n redis   ${JSON.stringify(r).slice(0, 600)}`);
    return r;
  }

  /** Each command's replies must match: exactly, or as multisets for replies in hash-table order. */
  async script(commands: readonly string[][]): Promise<void> {
    for (const c of commands) {
      const name = c[0].toUpperCase();
      if (UNORDERED_REPLIES.has(name)) await this.unordered(c, name.startsWith('H'), MULTI_KEY.has(name) ? undefined : c[1]);
      else await this.exact(c);
    }
  }

  /**
   * Equal replies, or, when Redis' order is its hash table's (key undefined: the order of a computed
   * result), equal as multisets of elements (of field-value pairs when `pairs`).
   */
  async unordered(args: readonly string[], pairs: boolean, key: string | undefined): Promise<void> {
    const [r, f] = await this.both(args);
    if (r === f) return;
    const encoding = key === undefined ? 'hashtable' : parse(await this.redis.call('OBJECT', 'ENCODING', key)).v ?? 'none';
    const smallEncoding = encoding.includes('listpack') || encoding.includes('intset');
    if (smallEncoding || r[0] === '-' || f[0] === '-') assert.unreachable(`${show(args)} (seed ${SEED}, ${encoding}):\n ferrite ${JSON.stringify(f).slice(0, 600)}\n redis   ${JSON.stringify(r).slice(0, 600)}`);
    const [pr, pf] = [parse(r), parse(f)];
    assert.is(pf.t, pr.t, `${show(args)} reply type (seed ${SEED})`);
    // RESP2 flattens pairs; RESP3 nests HRANDFIELD's (and parse() flattens maps).
    const group = pairs && pr.items?.[0]?.items === undefined ? 2 : 1;
    assert.equal(sortedGroups(pf, group), sortedGroups(pr, group), `${show(args)} (seed ${SEED})`);
  }

  close(): void {
    this.redis.close();
    this.ferrite.close();
  }
}

/** Runs a script on fresh connections after FLUSHALL, in RESP2 and then RESP3, comparing every reply. */
async function same(commands: readonly string[][]): Promise<void> {
  for (const protocol of ['2', '3']) {
    const pair = await Pair.open();
    try {
      await pair.both(['FLUSHALL']);
      await pair.both(['HELLO', protocol]);
      await pair.script(commands);
    } finally {
      pair.close();
    }
  }
}

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

// ---------------------------------------------------------------------------------------------
// Scripted edge cases.

test('hashes: HSET/HMSET/HSETNX/HGET/HMGET/HDEL/HLEN/HSTRLEN/HEXISTS and their errors', async () => {
  await same([
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'a', '10', 'c', '3'], ['HGET', 'h', 'a'], ['HGET', 'h', 'zz'], ['HGET', 'nokey', 'a'],
    ['HSET', 'h'], ['HSET', 'h', 'a'], ['HSET', 'h', 'a', 'b', 'c'], ['HMSET', 'h', 'd', '4'], ['HMSET', 'h', 'd'], ['HMSET', 'h', 'd', '4', 'e'],
    ['HSETNX', 'h', 'a', 'x'], ['HSETNX', 'h', 'z', 'x'], ['HSETNX', 'new', 'f', 'v'], ['HSETNX', 'h', 'a'],
    ['HMGET', 'h', 'a', 'nope', 'b'], ['HMGET', 'nokey', 'a', 'b'], ['HMGET', 'h'],
    ['HLEN', 'h'], ['HLEN', 'nokey'], ['HSTRLEN', 'h', 'a'], ['HSTRLEN', 'h', 'nope'], ['HSTRLEN', 'nokey', 'a'],
    ['HEXISTS', 'h', 'a'], ['HEXISTS', 'h', 'nope'], ['HEXISTS', 'nokey', 'a'],
    ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey'],
    ['HDEL', 'h', 'a', 'a', 'nope'], ['HDEL', 'nokey', 'a'], ['HDEL', 'h'], ['HDEL', 'new', 'f'], ['EXISTS', 'new'],
    ['HDEL', 'h', 'b', 'c', 'd', 'z', 'more'], ['EXISTS', 'h'],
    ['HSET', 'bin', 'f\0\r\n', 'v\xff\x00', '', ''], ['HGET', 'bin', 'f\0\r\n'], ['HGET', 'bin', ''], ['HGETALL', 'bin'], ['HSTRLEN', 'bin', 'f\0\r\n'],
    ['SET', 'str', 'x'], ['HSET', 'str', 'a', '1'], ['HSETNX', 'str', 'a', '1'], ['HGET', 'str', 'a'], ['HMGET', 'str', 'a'], ['HDEL', 'str', 'a'],
    ['HLEN', 'str'], ['HSTRLEN', 'str', 'a'], ['HEXISTS', 'str', 'a'], ['HGETALL', 'str'], ['HKEYS', 'str'], ['HVALS', 'str'],
    ['HINCRBY', 'str', 'a', '1'], ['HINCRBYFLOAT', 'str', 'a', '1'], ['HRANDFIELD', 'str'], ['HSCAN', 'str', '0'], ['HMSET', 'str', 'a', '1'],
    ['SADD', 'set', 'a'], ['HGET', 'set', 'a'], ['TYPE', 'bin'], ['OBJECT', 'ENCODING', 'bin'],
  ]);
});

test('hashes: HINCRBY and HINCRBYFLOAT (long double results, errors, overflow)', async () => {
  await same([
    ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-10'], ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'], ['HINCRBY', 'h', 'n', ''],
    ['HINCRBY', 'h', 'n', '9223372036854775807'], ['HINCRBY', 'h', 'big', '9223372036854775807'], ['HINCRBY', 'h', 'big', '1'],
    ['HINCRBY', 'h', 'small', '-9223372036854775808'], ['HINCRBY', 'h', 'small', '-1'], ['HINCRBY', 'h', 'n', '9223372036854775808'],
    ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'z', '01', 'neg0', '-0', 'f', '1.5', 'e', '1e3', 'inf', 'inf', 'huge', '1e5000'],
    ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'z', '1'], ['HINCRBY', 'h', 'neg0', '1'], ['HINCRBY', 'h', 'f', '1'],
    ['HINCRBYFLOAT', 'h', 'f', '0.1'], ['HINCRBYFLOAT', 'h', 'f', '-1.6'], ['HINCRBYFLOAT', 'h', 'e', '1'], ['HINCRBYFLOAT', 'h', 'n', '2.5'],
    ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'inf', '1'], ['HINCRBYFLOAT', 'h', 'huge', '1'], ['HINCRBYFLOAT', 'h', 'new', '3'],
    ['HINCRBYFLOAT', 'h', 'new', 'x'], ['HINCRBYFLOAT', 'h', 'new', 'inf'], ['HINCRBYFLOAT', 'h', 'new', '-infinity'], ['HINCRBYFLOAT', 'h', 'new', 'nan'],
    ['HINCRBYFLOAT', 'h', 'new', '1e5000'], ['HINCRBYFLOAT', 'h', 'new', ''], ['HINCRBYFLOAT', 'h', 'new', '-0'], ['HINCRBYFLOAT', 'h', 'new', '1e-5'],
    ['HSET', 'h', 'x', '10.5'], ['HINCRBYFLOAT', 'h', 'x', '0.1'], ['HINCRBYFLOAT', 'h', 'x', '1000'], ['HINCRBYFLOAT', 'h', 'x', '1.0e2'],
    ['HSET', 'h', 'm', '1e308'], ['HINCRBYFLOAT', 'h', 'm', '1e308'], ['HGET', 'h', 'm'], ['HINCRBYFLOAT', 'h', 'tiny', '0.0000001'],
    ['HINCRBYFLOAT', 'h', 'frac', '.5'], ['HINCRBYFLOAT', 'h', 'frac', '5.'], ['HINCRBYFLOAT', 'h', 'frac', '+1'],
    ['HINCRBYFLOAT', 'nokey2', 'f', '1e300'], ['HGETALL', 'h'], ['OBJECT', 'ENCODING', 'nokey2'],
    ['HSET', 'ttl', 'a', '1'], ['EXPIRE', 'ttl', '1000'], ['HINCRBYFLOAT', 'ttl', 'a', '1'], ['HINCRBY', 'ttl', 'a', '1'], ['TTL', 'ttl'],
  ]);
});

test('hashes: HRANDFIELD shapes and errors (deterministic cases)', async () => {
  await same([
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'], ['HSET', 'one', 'only', 'v'],
    ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '3'], ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'], ['HRANDFIELD', 'h', '0'],
    ['HRANDFIELD', 'h', '0', 'withvalues'], ['HRANDFIELD', 'h', '4'], ['HRANDFIELD', 'h', '10', 'WITHVALUES'], ['HRANDFIELD', 'one'],
    ['HRANDFIELD', 'one', '-3'], ['HRANDFIELD', 'one', '-2', 'WITHVALUES'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
    ['HRANDFIELD', 'h', 'x'], ['HRANDFIELD', 'h', '1.5'], ['HRANDFIELD', 'h', '1', 'WITHVALUE'], ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
    ['HRANDFIELD', 'h', 'x', 'foo'], ['HRANDFIELD', 'h', '-9223372036854775808'], ['HRANDFIELD', 'h', '9223372036854775808'],
    ['HRANDFIELD', 'h', '9223372036854775807'], ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
    ['SET', 'str', 'x'], ['HRANDFIELD', 'str', '0'], ['HRANDFIELD', 'str', '3'],
  ]);
});

test('hashes: encodings convert at insertion, one way, with the limits of the moment', async () => {
  const fields = (n: number, prefix = 'f'): string[] => Array.from({ length: n }, (_, i) => [`${prefix}${i}`, String(i)]).flat();
  await same([
    ['HSET', 'full', ...fields(512)], ['OBJECT', 'ENCODING', 'full'], ['HSET', 'full', 'f0', 'again'], ['OBJECT', 'ENCODING', 'full'],
    ['HSET', 'full', 'one-more', 'x'], ['OBJECT', 'ENCODING', 'full'], ['HDEL', 'full', ...fields(512).filter((_, i) => i % 2 === 0)],
    ['OBJECT', 'ENCODING', 'full'], ['HLEN', 'full'],
    ['HSET', 'v64', 'f', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'v64'], ['HSET', 'v65', 'f', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'v65'],
    ['HSET', 'k65', 'y'.repeat(65), 'v'], ['OBJECT', 'ENCODING', 'k65'], ['HSET', 'mixed', 'a', '1', 'b', 'z'.repeat(100)], ['OBJECT', 'ENCODING', 'mixed'],
    ['HSET', 'nx', 'a', '1'], ['HSETNX', 'nx', 'a', 'w'.repeat(100)], ['OBJECT', 'ENCODING', 'nx'], ['HSETNX', 'nx', 'b', 'w'.repeat(100)], ['OBJECT', 'ENCODING', 'nx'],
    ['HSET', 'flt', 'a', '1'], ['HINCRBYFLOAT', 'flt', 'a', '1e70'], ['OBJECT', 'ENCODING', 'flt'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '2'], ['HSET', 'inc', 'a', '99'], ['OBJECT', 'ENCODING', 'inc'], ['HINCRBY', 'inc', 'a', '1'],
    ['OBJECT', 'ENCODING', 'inc'], ['HSET', 'upd', 'a', '1'], ['HSET', 'upd', 'a', '123'], ['OBJECT', 'ENCODING', 'upd'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '64'], ['HSET', 'shrink', 'a', '1', 'b', '2', 'c', '3'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '1'], ['OBJECT', 'ENCODING', 'shrink'], ['HGET', 'shrink', 'a'], ['HDEL', 'shrink', 'c'],
    ['OBJECT', 'ENCODING', 'shrink'], ['HSET', 'shrink', 'a', '5'], ['OBJECT', 'ENCODING', 'shrink'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'zero', 'a', '1'], ['OBJECT', 'ENCODING', 'zero'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['HSET', 'ord', 'z', '1', 'a', '2', 'm', '3'], ['HSET', 'ord', 'a', 'x'],
    ['HDEL', 'ord', 'z'], ['HSET', 'ord', 'z', 'again'], ['HGETALL', 'ord'], ['HKEYS', 'ord'], ['HVALS', 'ord'], ['HSCAN', 'ord', '0'],
    ['HRANDFIELD', 'ord', '3', 'WITHVALUES'], ['COPY', 'full', 'copy'], ['OBJECT', 'ENCODING', 'copy'], ['COPY', 'ord', 'copy2'], ['OBJECT', 'ENCODING', 'copy2'],
    ['HGETALL', 'copy2'],
  ]);
});

test('hashes: HSCAN of a listpack answers whole in order; options and errors', async () => {
  await same([
    ['HSET', 'h', 'b', '1', 'a', '2', 'key:1', '3', 'key:2', '4', 'other', '5'],
    ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'COUNT', '1'], ['HSCAN', 'h', '7'], ['HSCAN', 'h', '0', 'MATCH', 'key:*'], ['HSCAN', 'h', '0', 'MATCH', 'nomatch*'],
    ['HSCAN', 'h', '0', 'COUNT', '0'], ['HSCAN', 'h', '0', 'COUNT', 'x'], ['HSCAN', 'h', '0', 'COUNT'], ['HSCAN', 'h', '0', 'FOO', 'bar'],
    ['HSCAN', 'h', '0', 'TYPE', 'string'], ['HSCAN', 'h', 'x'], ['HSCAN', 'h', '18446744073709551616'],
    ['HSCAN', 'nokey', '0'], ['HSCAN', 'nokey', '0', 'COUNT', '0'], ['HSCAN', 'nokey', 'x'], ['HSCAN', 'h'],
    ['HSCAN', 'h', '0', 'MATCH', 'key:*', 'COUNT', '100'],
  ]);
});

test('sets: SADD/SREM/SISMEMBER/SMISMEMBER/SCARD/SMEMBERS and their errors', async () => {
  await same([
    ['SADD', 's', '3', '1', '2', '2'], ['SADD', 's', '1'], ['SMEMBERS', 's'], ['SCARD', 's'], ['SCARD', 'nokey'], ['SISMEMBER', 's', '1'],
    ['SISMEMBER', 's', '9'], ['SISMEMBER', 'nokey', '1'], ['SMISMEMBER', 's', '1', '9', '2'], ['SMISMEMBER', 'nokey', 'a', 'b'],
    ['SMEMBERS', 'nokey'], ['SREM', 's', '1', '1', '9'], ['SREM', 'nokey', 'a'], ['SREM', 's', '2', '3'], ['EXISTS', 's'],
    ['SADD', 'bin', 'a\0b', '\r\n', '\xff', ''], ['SISMEMBER', 'bin', ''], ['SCARD', 'bin'], ['SREM', 'bin', '\xff'],
    ['SET', 'str', 'x'], ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'], ['SCARD', 'str'],
    ['SMEMBERS', 'str'], ['SPOP', 'str'], ['SPOP', 'str', '1'], ['SRANDMEMBER', 'str'], ['SRANDMEMBER', 'str', '1'], ['SSCAN', 'str', '0'],
    ['SADD', 's'], ['SREM', 's'], ['SISMEMBER', 's'], ['SMISMEMBER', 's'], ['SCARD'], ['SMEMBERS', 's', 'x'],
    ['HSET', 'h', 'a', '1'], ['SADD', 'h', 'a'], ['SMEMBERS', 'h'],
  ]);
});

test('sets: intset order and conversions (integers, bounds, non-canonical forms, limits)', async () => {
  const ints = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => String(from + n - i));
  await same([
    ['SADD', 'i', '10', '-5', '3', '0', '-9223372036854775808', '9223372036854775807'], ['SMEMBERS', 'i'], ['OBJECT', 'ENCODING', 'i'],
    ['SSCAN', 'i', '0'], ['SSCAN', 'i', '0', 'MATCH', '-*'], ['SRANDMEMBER', 'i', '100'], ['SPOP', 'i', '0'],
    ['SADD', 'o1', '9223372036854775808'], ['OBJECT', 'ENCODING', 'o1'], ['SADD', 'o2', '-9223372036854775809'], ['OBJECT', 'ENCODING', 'o2'],
    ['SADD', 'nc1', '-0'], ['OBJECT', 'ENCODING', 'nc1'], ['SADD', 'nc2', '01'], ['OBJECT', 'ENCODING', 'nc2'], ['SADD', 'nc3', '+1'],
    ['OBJECT', 'ENCODING', 'nc3'], ['SADD', 'nc4', ' 1'], ['OBJECT', 'ENCODING', 'nc4'], ['SADD', 'nc5', '1.0'], ['OBJECT', 'ENCODING', 'nc5'],
    ['SADD', 'nc6', ''], ['OBJECT', 'ENCODING', 'nc6'], ['SADD', 'mix', '1', '2'], ['SADD', 'mix', 'a'], ['OBJECT', 'ENCODING', 'mix'],
    ['SREM', 'mix', 'a'], ['OBJECT', 'ENCODING', 'mix'],
    ['SADD', 'big', ...ints(512)], ['OBJECT', 'ENCODING', 'big'], ['SMEMBERS', 'big'], ['SADD', 'big', '1'], ['OBJECT', 'ENCODING', 'big'],
    ['SADD', 'big', '100000'], ['OBJECT', 'ENCODING', 'big'], ['SREM', 'big', ...ints(500)], ['OBJECT', 'ENCODING', 'big'], ['SCARD', 'big'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '2'], ['SADD', 'lim', '1', '2'], ['OBJECT', 'ENCODING', 'lim'], ['SADD', 'lim', '3'],
    ['OBJECT', 'ENCODING', 'lim'], ['SADD', 'keep', '1'], ['CONFIG', 'SET', 'set-max-intset-entries', '0'], ['OBJECT', 'ENCODING', 'keep'],
    ['SADD', 'keep', '1'], ['OBJECT', 'ENCODING', 'keep'], ['SADD', 'keep', '2'], ['OBJECT', 'ENCODING', 'keep'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'], ['SADD', 'cp', '5', '1'], ['COPY', 'cp', 'cp2'], ['OBJECT', 'ENCODING', 'cp2'], ['SMEMBERS', 'cp2'],
  ]);
});

test('sets: SINTER/SUNION/SDIFF, STORE forms, SINTERCARD, errors and TTLs', async () => {
  await same([
    ['SADD', 'a', '1', '2', '3', '4'], ['SADD', 'b', '3', '4', '5'], ['SADD', 'c', '4', 'x'], ['SET', 'str', 'v'],
    ['SINTER', 'a', 'b'], ['SINTER', 'a', 'nokey'], ['SINTER', 'nokey', 'str'], ['SINTER', 'str', 'nokey'], ['SINTER', 'a', 'a'],
    ['SUNION', 'a', 'b'], ['SUNION', 'nokey'], ['SUNION', 'a', 'str'], ['SDIFF', 'a', 'b'], ['SDIFF', 'a', 'a'], ['SDIFF', 'nokey', 'a'],
    ['SDIFF', 'a', 'nokey'], ['SDIFF', 'str', 'a'], ['SDIFF', 'a', 'b', 'c'],
    ['SINTERSTORE', 'd', 'a', 'b'], ['SMEMBERS', 'd'], ['OBJECT', 'ENCODING', 'd'], ['SINTERSTORE', 'd', 'a', 'nokey'], ['EXISTS', 'd'],
    ['SINTERSTORE', 'd', 'nokey', 'nokey2'], ['SINTERSTORE', 'd', 'a', 'str'], ['SUNIONSTORE', 'u', 'a', 'c'], ['SMEMBERS', 'u'],
    ['OBJECT', 'ENCODING', 'u'], ['SUNIONSTORE', 'u', 'nokey'], ['EXISTS', 'u'], ['SDIFFSTORE', 'df', 'a', 'b'], ['SMEMBERS', 'df'],
    ['SDIFFSTORE', 'df', 'a', 'a'], ['EXISTS', 'df'], ['SDIFFSTORE', 'str', 'a', 'b'], ['TYPE', 'str'], ['SDIFFSTORE', 'a', 'a', 'b'], ['SMEMBERS', 'a'],
    ['SADD', 'ttl', 'q'], ['EXPIRE', 'ttl', '1000'], ['SUNIONSTORE', 'ttl', 'b'], ['TTL', 'ttl'],
    ['SINTERCARD', '2', 'b', 'c'], ['SINTERCARD', '1', 'b'], ['SINTERCARD', '2', 'b', 'nokey'], ['SINTERCARD', '2', 'b', 'b', 'LIMIT', '2'],
    ['SINTERCARD', '1', 'b', 'LIMIT', '0'], ['SINTERCARD', '1', 'b', 'limit', '1'], ['SINTERCARD', '0', 'b'], ['SINTERCARD', '-1', 'b'],
    ['SINTERCARD', 'x', 'b'], ['SINTERCARD', '3', 'b', 'c'], ['SINTERCARD', '1', 'b', 'LIMIT', '-1'], ['SINTERCARD', '1', 'b', 'LIMIT', 'x'],
    ['SINTERCARD', '1', 'b', 'LIMIT'], ['SINTERCARD', '1', 'b', 'FOO', '1'], ['SINTERCARD', '2', 'str', 'nokey'], ['SINTERCARD', '2', 'nokey', 'str'],
    ['SINTERCARD', '1'], ['SINTER'], ['SINTERSTORE', 'd'],
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'k1', 'k2', 'LIMIT', '1'], ['COMMAND', 'GETKEYS', 'SINTERSTORE', 'd', 'k1', 'k2'],
    ['COMMAND', 'GETKEYS', 'SMOVE', 'k1', 'k2', 'm'],
  ]);
});

test('sets: SDIFFSTORE and SINTERSTORE results have the encoding Redis builds them with', async () => {
  const ints = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => String(from + i));
  await same([
    // Algorithm 2 (the subtracted sets are small): the copy of 600 integers becomes a hashtable on the way.
    ['SADD', 'big', ...ints(600)], ['SADD', 'small', ...ints(595)], ['SDIFFSTORE', 'd2', 'big', 'small'], ['OBJECT', 'ENCODING', 'd2'], ['SMEMBERS', 'd2'],
    // Algorithm 1 (a large subtracted set): only survivors are added, so an intset.
    ['SADD', 'x1', ...ints(598)], ['SDIFFSTORE', 'd1', 'big', 'x1'], ['OBJECT', 'ENCODING', 'd1'], ['SDIFF', 'big', 'x1'],
    // Just past the cost balance: algorithm 2 again.
    ['SADD', 'x2', '1'], ['SADD', 'x3', '2'], ['SDIFFSTORE', 'd4', 'big', 'x1', 'x2', 'x3'], ['OBJECT', 'ENCODING', 'd4'],
    ['SDIFF', 'big', 'x1', 'x2', 'x3'], ['SINTERSTORE', 'i1', 'big', 'x2'], ['OBJECT', 'ENCODING', 'i1'], ['SINTER', 'big', 'x2'],
    ['SUNIONSTORE', 'u1', 'x2', 'x3'], ['OBJECT', 'ENCODING', 'u1'], ['SUNION', 'x3', 'x2'], ['SUNIONSTORE', 'u2', 'big', 'x2'], ['OBJECT', 'ENCODING', 'u2'],
    ['SADD', 'words', 'b', 'a'], ['SDIFFSTORE', 'd3', 'words', 'x2'], ['OBJECT', 'ENCODING', 'd3'],
  ]);
});

test('sets: SMOVE, SPOP and SRANDMEMBER (deterministic cases)', async () => {
  await same([
    ['SADD', 'src', '1', '2', 'a'], ['SADD', 'dst', '5'], ['SET', 'str', 'x'],
    ['SMOVE', 'src', 'dst', '1'], ['SMOVE', 'src', 'dst', '1'], ['SMOVE', 'src', 'dst', 'nope'], ['SMOVE', 'nokey', 'dst', '1'],
    ['SMOVE', 'nokey', 'str', '1'], ['SMOVE', 'src', 'str', '2'], ['SMOVE', 'str', 'src', '2'], ['SMOVE', 'src', 'src', '2'], ['SMOVE', 'src', 'src', 'z'],
    ['SMOVE', 'src', 'fresh', 'a'], ['OBJECT', 'ENCODING', 'fresh'], ['SMOVE', 'src', 'fresh2', '2'], ['OBJECT', 'ENCODING', 'fresh2'], ['EXISTS', 'src'],
    ['SMEMBERS', 'dst'], ['SADD', 'dst', '6'], ['SMOVE', 'dst', 'fresh2', '6'], ['SMEMBERS', 'fresh2'],
    ['SPOP', 'nokey'], ['SPOP', 'nokey', '3'], ['SPOP', 'nokey', '0'], ['SPOP', 'dst', '0'], ['SPOP', 'dst', '-1'], ['SPOP', 'dst', 'x'], ['SPOP', 'dst', '1', '2'],
    ['SADD', 'one', 'x'], ['SPOP', 'one'], ['EXISTS', 'one'], ['SADD', 'all', '3', '1', '2'], ['SPOP', 'all', '3'], ['EXISTS', 'all'],
    ['SADD', 'all', 'b', 'a'], ['SPOP', 'all', '10'],
    ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '5'], ['SRANDMEMBER', 'nokey', '-5'], ['SRANDMEMBER', 'dst', '0'],
    ['SRANDMEMBER', 'fresh2', '5'], ['SRANDMEMBER', 'dst', 'x'], ['SRANDMEMBER', 'dst', '1', '2'], ['SRANDMEMBER', 'dst', '-9223372036854775808'],
    ['SRANDMEMBER', 'dst', '9223372036854775807'], ['SADD', 'single', 'm'], ['SRANDMEMBER', 'single', '-3'], ['SRANDMEMBER', 'single', '1'],
  ]);
});

test('sets: SPOP that keeps few members rebuilds the set, which may become an intset again', async () => {
  const ints = Array.from({ length: 600 }, (_, i) => String(i));
  const pair = await Pair.open();
  try {
    await pair.both(['FLUSHALL']);
    await pair.script([['SADD', 's', ...ints], ['OBJECT', 'ENCODING', 's'], ['EXPIRE', 's', '1000']]);
    const [r, f] = await pair.both(['SPOP', 's', '595']);
    assert.is(parse(f).items?.length, parse(r).items?.length);
    await pair.script([['OBJECT', 'ENCODING', 's'], ['SCARD', 's'], ['TTL', 's']]);
    await pair.both(['SPOP', 's', '1']);
    await pair.script([['OBJECT', 'ENCODING', 's'], ['SCARD', 's'], ['TTL', 's']]);
    await pair.both(['SPOP', 's']);
    await pair.script([['OBJECT', 'ENCODING', 's'], ['SCARD', 's'], ['TTL', 's']]);
  } finally {
    pair.close();
  }
});

test('SSCAN of an intset answers whole; options and errors', async () => {
  await same([
    ['SADD', 's', '5', '-1', '30', '12'], ['SSCAN', 's', '0'], ['SSCAN', 's', '99'], ['SSCAN', 's', '0', 'MATCH', '1*'], ['SSCAN', 's', '0', 'COUNT', '1'],
    ['SSCAN', 's', '0', 'COUNT', '0'], ['SSCAN', 's', 'x'], ['SSCAN', 'nokey', '0'], ['SSCAN', 's', '0', 'TYPE', 'set'], ['SSCAN', 's', '0', 'MATCH'],
  ]);
});

test('COMMAND INFO: arity, flags and key positions match Redis', async () => {
  const names = [
    'hset', 'hsetnx', 'hget', 'hmset', 'hmget', 'hgetall', 'hdel', 'hexists', 'hlen', 'hkeys', 'hvals', 'hincrby', 'hincrbyfloat', 'hstrlen',
    'hrandfield', 'hscan', 'sadd', 'srem', 'smembers', 'sismember', 'smismember', 'scard', 'spop', 'srandmember', 'smove', 'sinter',
    'sintercard', 'sunion', 'sdiff', 'sinterstore', 'sunionstore', 'sdiffstore', 'sscan',
  ];
  const pair = await Pair.open();
  try {
    const [r, f] = await pair.both(['COMMAND', 'INFO', ...names]);
    const [pr, pf] = [parse(r), parse(f)];
    names.forEach((name, i) => {
      const summary = (n: Node): unknown => n.items?.slice(0, 6).map((x) => (x.items ? x.items.map((y) => y.v).sort() : x.v));
      assert.equal(summary(pf.items![i]), summary(pr.items![i]), name);
    });
  } finally {
    pair.close();
  }
});

test('keyspace events are the same, in the same order', async () => {
  const events = async (port: number, commands: string[][]): Promise<string[]> => {
    const sub = await RawClient.connect(port);
    const cmd = await RawClient.connect(port);
    try {
      await cmd.call('FLUSHALL');
      await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await sub.call('PSUBSCRIBE', '__key*__:*');
      for (const c of commands) await cmd.call(...c);
      await cmd.call('SET', 'end-marker', 'x');
      const out: string[] = [];
      while (!out.some((e) => e.includes('end-marker'))) {
        const n = parse(await sub.reply());
        out.push(bulks(n).slice(2).join(' '));
      }
      await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      return out;
    } finally {
      sub.close();
      cmd.close();
    }
  };
  const script = [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HSETNX', 'h', 'a', '1'], ['HSETNX', 'h', 'c', '1'], ['HINCRBY', 'h', 'a', '2'], ['HINCRBYFLOAT', 'h', 'a', '0.5'],
    ['HDEL', 'h', 'zz'], ['HDEL', 'h', 'a', 'b'], ['HDEL', 'h', 'c'], ['HMSET', 'h2', 'x', '1'], ['HINCRBY', 'h2', 'x', 'bad'],
    ['SADD', 's', '1', '2', '3'], ['SADD', 's', '1'], ['SREM', 's', '9'], ['SREM', 's', '1'], ['SMOVE', 's', 't', '2'], ['SMOVE', 's', 't', '3'],
    ['SPOP', 't'], ['SADD', 'p', 'a', 'b', 'c'], ['SPOP', 'p', '1'], ['SPOP', 'p', '5'], ['SPOP', 'p', '0'],
    ['SADD', 'a', '1', '2'], ['SADD', 'b', '2'], ['SINTERSTORE', 'd', 'a', 'b'], ['SUNIONSTORE', 'd', 'a', 'b'], ['SDIFFSTORE', 'd', 'a', 'b'],
    ['SDIFFSTORE', 'd', 'b', 'a'], ['SINTERSTORE', 'd', 'a', 'nokey'], ['SUNIONSTORE', 'none', 'nokey'],
  ];
  const [r, f] = await Promise.all([events(redis.port, script), events(ferrite.port, script)]);
  assert.equal(f, r);
});

test('keyspace hits and misses: reads count, writes do not, as in Redis', async () => {
  const statsOf = async (client: RawClient): Promise<string> => {
    const info = await client.call('INFO', 'stats');
    return info.split('\r\n').filter((l) => l.startsWith('keyspace_')).join(' ');
  };
  const pair = await Pair.open();
  try {
    await pair.both(['FLUSHALL']);
    await pair.script([['HSET', 'h', 'a', '1'], ['SADD', 's', '1', '2'], ['SADD', 't', '2']]);
    await pair.both(['CONFIG', 'RESETSTAT']);
    for (const key of ['h', 's', 'nokey']) {
      await pair.script([
        ['HGET', key, 'a'], ['HMGET', key, 'a'], ['HEXISTS', key, 'a'], ['HLEN', key], ['HSTRLEN', key, 'a'], ['HGETALL', key], ['HKEYS', key],
        ['HSCAN', key, '0'], ['HRANDFIELD', key, '0'], ['HSETNX', key, 'b', '2'], ['HINCRBY', key, 'n', '1'], ['HDEL', key, 'zz'],
        ['SISMEMBER', key, '1'], ['SMISMEMBER', key, '1'], ['SCARD', key], ['SMEMBERS', key], ['SRANDMEMBER', key, '0'], ['SSCAN', key, '0'],
        ['SINTER', key, 't'], ['SUNION', key, 't'], ['SDIFF', key, 't'], ['SINTERCARD', '2', key, 't'], ['SINTERSTORE', 'd', key, 't'],
        ['SUNIONSTORE', 'd', key, 't'], ['SDIFFSTORE', 'd', key, 't'], ['SADD', key, '9'], ['SREM', key, '9'], ['SMOVE', key, 't', 'zz'], ['SPOP', key, '0'],
      ]);
    }
    const [r, f] = await Promise.all([statsOf(pair.redis), statsOf(pair.ferrite)]);
    assert.is(f, r);
  } finally {
    pair.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The generated corpus.

const HASH_KEYS = ['h0', 'h1', 'h2', 'h3'];
const SET_KEYS = ['s0', 's1', 's2', 's3', 's4'];
const OTHER_KEYS = ['str', 'nokey'];
const ALL_KEYS = [...HASH_KEYS, ...SET_KEYS, ...OTHER_KEYS];
const EDGE_INTS = ['9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '-0', '01', '+1', ' 1', '1.5', '0', ''];
const WORDS = ['a', 'b', 'c', 'd', 'e', 'key:1', 'key:2', 'kex'];

function binary(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(pick([0, 10, 13, 32, 42, 63, 91, 92, 127, 128, 200, 255, 97 + int(5)]));
  return s;
}

function member(): string {
  const r = random();
  if (r < 0.55) return String(between(-20, 40));
  if (r < 0.62) return pick(EDGE_INTS);
  if (r < 0.82) return pick(WORDS);
  if (r < 0.94) return binary(between(1, 8));
  return 'L'.repeat(between(10, 70)) + binary(int(3));
}

function floatText(): string {
  return pick(['0.1', '-1.5', '1e3', '3', '-0', '2.5e-3', '100', '1e20', 'inf', 'x', '', '.5', '9007199254740993', '1e308']);
}

function hashValue(): string {
  return chance(0.3) ? pick([String(between(-100, 100)), floatText(), '9223372036854775807']) : member();
}

/** Members for a key: s0 and s1 mostly get small integers, so they stay intsets for a while. */
function memberOf(key: string): string {
  return (key === 's0' || key === 's1') && chance(0.97) ? String(between(-20, 40)) : member();
}

/** Fields and values for a key: h0 and h1 mostly get short ones, so they stay listpacks for a while. */
function shortOf(key: string, long: () => string): string {
  return (key === 'h0' || key === 'h1') && chance(0.95) ? pick(WORDS) + String(int(10)) : long();
}

const setKey = (): string => (chance(0.94) ? pick(SET_KEYS) : pick([...HASH_KEYS, ...OTHER_KEYS]));
const hashKey = (): string => (chance(0.94) ? pick(HASH_KEYS) : pick([...SET_KEYS, ...OTHER_KEYS]));
const members = (lo: number, hi: number, key = ''): string[] => Array.from({ length: between(lo, hi) }, () => memberOf(key));
const pairsFor = (key: string): string[] => Array.from({ length: between(1, 4) }, () => [shortOf(key, member), shortOf(key, hashValue)]).flat();
const withKey = (key: string, make: (key: string) => string[]): string[] => make(key);
const countArg = (): string => pick([String(between(-6, 8)), String(between(-30, 30)), '0', '1', '-1', 'x', '100']);

type Step = (pair: Pair) => Promise<void>;

const exactStep = (make: () => string[]): Step => (pair) => pair.exact(make()).then(() => undefined);

const HASH_STEPS: [number, Step][] = [
  [10, exactStep(() => withKey(hashKey(), (k) => ['HSET', k, ...pairsFor(k)]))],
  [2, exactStep(() => withKey(hashKey(), (k) => ['HMSET', k, ...pairsFor(k), ...(chance(0.2) ? [member()] : [])]))],
  [3, exactStep(() => withKey(hashKey(), (k) => ['HSETNX', k, ...pairsFor(k).slice(0, 2)]))],
  [5, exactStep(() => ['HGET', hashKey(), member()])],
  [3, exactStep(() => ['HMGET', hashKey(), ...members(1, 4)])],
  [5, exactStep(() => ['HDEL', hashKey(), ...members(1, 4)])],
  [2, exactStep(() => ['HLEN', hashKey()])],
  [2, exactStep(() => ['HSTRLEN', hashKey(), member()])],
  [2, exactStep(() => ['HEXISTS', hashKey(), member()])],
  [3, exactStep(() => ['HINCRBY', hashKey(), member(), pick([String(between(-50, 50)), '9223372036854775807', '-9223372036854775808', '1.5', 'x'])])],
  [3, exactStep(() => ['HINCRBYFLOAT', hashKey(), member(), floatText()])],
  [3, (pair) => { const k = hashKey(); return pair.unordered(['HGETALL', k], true, k); }],
  [2, (pair) => { const k = hashKey(); return pair.unordered([pick(['HKEYS', 'HVALS']), k], false, k); }],
  [4, (pair) => randomPick(pair, 'hash')],
  [2, (pair) => scanBoth(pair, 'HSCAN', hashKey())],
];

const SET_STEPS: [number, Step][] = [
  [12, exactStep(() => withKey(setKey(), (k) => ['SADD', k, ...members(1, 5, k)]))],
  [1, exactStep(() => ['SADD', pick(SET_KEYS), ...Array.from({ length: between(100, 600) }, () => String(between(-1000, 1000)))])],
  [6, exactStep(() => withKey(setKey(), (k) => ['SREM', k, ...members(1, 4, k)]))],
  [4, exactStep(() => ['SISMEMBER', setKey(), member()])],
  [3, exactStep(() => ['SMISMEMBER', setKey(), ...members(1, 4)])],
  [2, exactStep(() => ['SCARD', setKey()])],
  [3, (pair) => { const k = setKey(); return pair.unordered(['SMEMBERS', k], false, k); }],
  [4, (pair) => pair.unordered([pick(['SINTER', 'SUNION', 'SDIFF']), ...Array.from({ length: between(1, 3) }, setKey)], false, undefined)],
  [4, exactStep(() => [pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), pick(SET_KEYS), ...Array.from({ length: between(1, 3) }, setKey)])],
  [3, exactStep(() => {
    const keys = Array.from({ length: between(1, 3) }, setKey);
    return ['SINTERCARD', String(keys.length), ...keys, ...(chance(0.5) ? ['LIMIT', String(between(0, 5))] : [])];
  })],
  [3, exactStep(() => ['SMOVE', setKey(), setKey(), member()])],
  [4, (pair) => spopBoth(pair)],
  [4, (pair) => randomPick(pair, 'set')],
  [2, (pair) => scanBoth(pair, 'SSCAN', setKey())],
];

const GENERIC_STEPS: [number, Step][] = [
  [4, exactStep(() => ['DEL', pick(ALL_KEYS)])],
  [1, exactStep(() => ['COPY', pick(ALL_KEYS), pick(ALL_KEYS), 'REPLACE'])],
  [1, exactStep(() => pick([
    ['CONFIG', 'SET', 'hash-max-listpack-entries', String(pick([2, 4, 8, 16, 128]))],
    ['CONFIG', 'SET', 'hash-max-listpack-value', String(pick([4, 16, 64]))],
    ['CONFIG', 'SET', 'set-max-intset-entries', String(pick([2, 4, 8, 16, 512]))],
  ]))],
];

const STEPS = [...HASH_STEPS, ...SET_STEPS, ...GENERIC_STEPS];
const TOTAL_WEIGHT = STEPS.reduce((n, [w]) => n + w, 0);

function nextStep(): Step {
  let r = int(TOTAL_WEIGHT);
  for (const [w, step] of STEPS) {
    if (r < w) return step;
    r -= w;
  }
  return STEPS[0][1];
}

/** The set or hash under key on Redis (the reference), or null if missing or of another type. */
async function contentOf(pair: Pair, key: string, kind: 'set' | 'hash'): Promise<Map<string, string> | null> {
  const reply = await pair.redis.call(kind === 'set' ? 'SMEMBERS' : 'HGETALL', key);
  if (reply[0] === '-') return null;
  const items = bulks(parse(reply));
  const out = new Map<string, string>();
  if (kind === 'set') for (const m of items) out.set(m, m);
  else for (let i = 0; i < items.length; i += 2) out.set(items[i], items[i + 1]);
  return out.size === 0 ? null : out;
}

/** SRANDMEMBER / HRANDFIELD: same shape and size, members of the key, distinct for positive counts, right values. */
async function randomPick(pair: Pair, kind: 'set' | 'hash'): Promise<void> {
  const key = kind === 'set' ? setKey() : hashKey();
  const withCount = chance(0.8);
  const count = countArg();
  const withValues = kind === 'hash' && withCount && chance(0.5);
  const args = [kind === 'set' ? 'SRANDMEMBER' : 'HRANDFIELD', key, ...(withCount ? [count] : []), ...(withValues ? ['WITHVALUES'] : [])];
  const [r, f] = await pair.both(args);
  if (r === f || r[0] === '-') return assert.is(f, r, `${show(args)} (seed ${SEED})`);
  const content = await contentOf(pair, key, kind);
  const [pr, pf] = [parse(r), parse(f)];
  const where = `${show(args)} (seed ${SEED}): ${JSON.stringify(f).slice(0, 300)}`;
  assert.is(pf.t, pr.t, where);
  assert.ok(content !== null, where);
  if (!withCount) return assert.ok(content!.has(pf.v!), where);
  const nested = pf.items!.length > 0 && pf.items![0].items !== undefined;
  const picks: [string, string | undefined][] = [];
  const flat = pf.items!.flatMap((n) => (n.items ? n.items : [n])).map((n) => n.v!);
  const step = withValues ? 2 : 1;
  for (let i = 0; i < flat.length; i += step) picks.push([flat[i], withValues ? flat[i + 1] : undefined]);
  assert.is(pf.items!.length, pr.items!.length, where);
  assert.is(nested, pr.items!.length > 0 && pr.items![0].items !== undefined, where);
  for (const [m, v] of picks) {
    assert.ok(content!.has(m), where);
    if (v !== undefined) assert.is(v, content!.get(m), where);
  }
  if (Number(count) > 1) assert.is(new Set(picks.map(([m]) => m)).size, picks.length, where);
}

/** SPOP on both: same size, popped members came from the set; then both sets are cut to what both kept. */
async function spopBoth(pair: Pair): Promise<void> {
  const key = setKey();
  const before = await contentOf(pair, key, 'set');
  const args = chance(0.7) ? ['SPOP', key, pick([String(between(0, 8)), String(between(0, 40)), '-1', 'x'])] : ['SPOP', key];
  const [r, f] = await pair.both(args);
  if (r === f || r[0] === '-' || before === null) return assert.is(f, r, `${show(args)} (seed ${SEED})`);
  const [pr, pf] = [parse(r), parse(f)];
  const where = `${show(args)} (seed ${SEED}): ${JSON.stringify(f).slice(0, 300)}`;
  assert.is(pf.t, pr.t, where);
  const popped = pf.items ? bulks(pf) : [pf.v!];
  assert.is(popped.length, pr.items ? pr.items.length : 1, where);
  assert.is(new Set(popped).size, popped.length, where);
  for (const m of popped) assert.ok(before.has(m), where);
  await resyncSet(pair, key);
}

async function resyncSet(pair: Pair, key: string): Promise<void> {
  const [r, f] = await pair.both(['SMEMBERS', key]);
  const kept = { redis: new Set(bulks(parse(r))), ferrite: new Set(bulks(parse(f))) };
  assert.is(kept.ferrite.size, kept.redis.size, `sizes after SPOP (seed ${SEED})`);
  const onlyRedis = [...kept.redis].filter((m) => !kept.ferrite.has(m));
  const onlyFerrite = [...kept.ferrite].filter((m) => !kept.redis.has(m));
  if (onlyRedis.length > 0) await pair.redis.call('SREM', key, ...onlyRedis);
  if (onlyFerrite.length > 0) await pair.ferrite.call('SREM', key, ...onlyFerrite);
  // Which members a rebuilding SPOP kept decides the new set's encoding: that may differ by chance.
  const [er, ef] = await pair.both(['OBJECT', 'ENCODING', key]);
  if (er !== ef) await pair.both(['DEL', key]);
}

/** A whole SCAN on both: exact when Redis answers a small encoding in one call, else the same elements. */
async function scanBoth(pair: Pair, command: 'HSCAN' | 'SSCAN', key: string): Promise<void> {
  const options = [...(chance(0.3) ? ['MATCH', pick(['*1*', 'key:*', '-*', '[a-c]', '*'])] : []), ...(chance(0.4) ? ['COUNT', pick(['1', '3', '10', '100', '0'])] : [])];
  const first = [command, key, '0', ...options];
  const [r, f] = await pair.both(first);
  const encoding = await pair.redis.call('OBJECT', 'ENCODING', key);
  if (r === f || r[0] === '-' || !encoding.includes('hashtable')) return assert.is(f, r, `${show(first)} (seed ${SEED})`);
  const all = async (client: RawClient): Promise<string[]> => {
    const out = new Set<string>();
    let cursor = '0';
    for (let calls = 0; calls < 100000; calls++) {
      const reply = parse(await client.call(command, key, cursor, ...options));
      cursor = reply.items![0].v!;
      const items = bulks(reply.items![1]);
      for (let i = 0; i < items.length; i += command === 'HSCAN' ? 2 : 1) out.add(JSON.stringify(items.slice(i, i + (command === 'HSCAN' ? 2 : 1))));
      if (cursor === '0') break;
    }
    return [...out].sort();
  };
  assert.equal(await all(pair.ferrite), await all(pair.redis), `${show(first)} (seed ${SEED})`);
}

/** Every key: same type, same encoding, same content (in order where Redis' order is defined). */
async function checkpoint(pair: Pair, where: string): Promise<void> {
  for (const key of ALL_KEYS) {
    await pair.exact(['TYPE', key], where);
    await pair.exact(['OBJECT', 'ENCODING', key], where);
    await pair.unordered(['SMEMBERS', key], false, key);
    await pair.unordered(['HGETALL', key], true, key);
  }
}

async function runCorpus(protocol: '2' | '3', steps: number): Promise<void> {
  const pair = await Pair.open();
  try {
    await pair.both(['FLUSHALL']);
    await pair.both(['HELLO', protocol]);
    await pair.exact(['SET', 'str', 'a string']);
    for (let i = 1; i <= steps; i++) {
      await nextStep()(pair);
      if (i % 50 === 0) await checkpoint(pair, `after step ${i} `);
    }
    await checkpoint(pair, 'at the end ');
  } finally {
    await pair.both(['CONFIG', 'SET', 'hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64', 'set-max-intset-entries', '512']);
    pair.close();
  }
}

test('generated corpus, RESP2, default limits', async () => {
  await runCorpus('2', 2500);
});

test('generated corpus, RESP3, small limits', async () => {
  const pair = await Pair.open();
  await pair.both(['CONFIG', 'SET', 'hash-max-listpack-entries', '8', 'hash-max-listpack-value', '16', 'set-max-intset-entries', '8']);
  pair.close();
  await runCorpus('3', 2500);
});

test.run();
