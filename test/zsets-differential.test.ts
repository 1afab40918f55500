// Differential corpus for sorted sets: a seeded generator builds sets with many tied scores (so the
// member byte order decides), binary members (NUL, 0xff, CR/LF), infinite and fractional scores,
// and asks both Debian's redis-server and Ferrite the same questions — ranks, rank/score/lex ranges
// with exclusive bounds, LIMIT offsets and negative counts, REV, WITHSCORES, stores, removals,
// pops, the set algebra — comparing every reply byte for byte, in RESP2 and RESP3. ZRANDMEMBER is
// random, so only its shape and membership are compared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { mulberry32 as prng } from './helpers/random.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});


class Gen {
  constructor(readonly next: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

// Few distinct scores, so ties are common; both infinities, a fraction that prints with 17 digits.
const SCORES = ['-inf', '-2.5', '-1', '0', '0', '1', '1', '1.1', '2', '3', '1e-5', '0.1', '100', 'inf'];
// Bytes that sort at both ends, and ones that need care on the wire.
const ALPHABET = ['a', 'b', 'c', 'z', 'A', '0', '9', ' ', '\x00', '\x01', '\x7f', '\x80', '\xff', '\r', '\n', '['];

function member(g: Gen): string {
  let s = '';
  const n = g.int(0, 4);
  for (let i = 0; i < n; i++) s += g.pick(ALPHABET);
  return s;
}

function members(g: Gen, count: number): string[] {
  const out = new Set<string>();
  while (out.size < count) out.add(member(g));
  return [...out];
}

function scoreBound(g: Gen): string {
  const v = g.pick([...SCORES, '0.5', '-inf', '+inf', '2.5', '-0']);
  return g.chance(0.35) ? `(${v}` : v;
}

function lexBound(g: Gen, known: readonly string[]): string {
  if (g.chance(0.15)) return g.pick(['-', '+']);
  const base = g.chance(0.6) ? g.pick(known) : member(g);
  return (g.chance(0.5) ? '(' : '[') + base;
}

function rankIndex(g: Gen, size: number): string {
  return String(g.int(-size - 3, size + 3));
}

function limit(g: Gen, size: number): string[] {
  if (g.chance(0.5)) return [];
  const offset = g.chance(0.1) ? -1 : g.int(0, size + 2);
  const count = g.chance(0.2) ? g.int(-3, -1) : g.int(0, size);
  return ['LIMIT', String(offset), String(count)];
}

type Cmd = string[];

/** ZADD commands that build `key` from `ms` with scores drawn from SCORES (or one score for all). */
function build(g: Gen, key: string, ms: readonly string[], score?: string): Cmd[] {
  const out: Cmd[] = [];
  for (let i = 0; i < ms.length; i += 50) out.push(['ZADD', key, ...ms.slice(i, i + 50).flatMap((m) => [score ?? g.pick(SCORES), m])]);
  return out;
}

interface Corpus {
  setup: Cmd[];
  queries: Cmd[];
}

const SMALL = 'small';
const BIG = 'big';
const LEX = 'lex';
const BIGLEX = 'biglex';
const PLAIN = 'plainset';

/** Read-only questions about one sorted set. */
function readQueries(g: Gen, key: string, known: readonly string[], size: number, lexOnly: boolean): Cmd[] {
  const out: Cmd[] = [];
  const ws = (): string[] => (g.chance(0.5) ? ['WITHSCORES'] : []);
  for (let i = 0; i < 30; i++) {
    const m = g.chance(0.8) ? g.pick(known) : member(g);
    out.push(['ZRANK', key, m], ['ZREVRANK', key, m], ['ZSCORE', key, m]);
    out.push(['ZRANGE', key, rankIndex(g, size), rankIndex(g, size), ...(g.chance(0.3) ? ['REV'] : []), ...ws()]);
    out.push(['ZREVRANGE', key, rankIndex(g, size), rankIndex(g, size), ...ws()]);
    if (!lexOnly) {
      const [lo, hi] = [scoreBound(g), scoreBound(g)];
      out.push(['ZRANGEBYSCORE', key, lo, hi, ...ws(), ...limit(g, size)]);
      out.push(['ZREVRANGEBYSCORE', key, hi, lo, ...ws(), ...limit(g, size)]);
      out.push(['ZRANGE', key, lo, hi, 'BYSCORE', ...(g.chance(0.5) ? ['REV'] : []), ...limit(g, size), ...ws()]);
      out.push(['ZCOUNT', key, lo, hi]);
    } else {
      const [lo, hi] = [lexBound(g, known), lexBound(g, known)];
      out.push(['ZRANGEBYLEX', key, lo, hi, ...limit(g, size)]);
      out.push(['ZREVRANGEBYLEX', key, hi, lo, ...limit(g, size)]);
      out.push(['ZRANGE', key, lo, hi, 'BYLEX', ...(g.chance(0.5) ? ['REV'] : []), ...limit(g, size)]);
      out.push(['ZLEXCOUNT', key, lo, hi]);
    }
  }
  out.push(['ZMSCORE', key, ...known.slice(0, 10), member(g)], ['ZCARD', key], ['ZRANGE', key, '0', '-1', 'WITHSCORES']);
  return out;
}

/** Changes made on copies, each followed by a full read of the result. */
function writeQueries(g: Gen, key: string, known: readonly string[], size: number, lexOnly: boolean): Cmd[] {
  const out: Cmd[] = [];
  const copy = (): Cmd => ['ZUNIONSTORE', 'copy', '1', key];
  const readBack: Cmd = ['ZRANGE', 'copy', '0', '-1', 'WITHSCORES'];
  for (let i = 0; i < 12; i++) {
    out.push(copy(), ['ZREMRANGEBYRANK', 'copy', rankIndex(g, size), rankIndex(g, size)], readBack);
    if (lexOnly) out.push(copy(), ['ZREMRANGEBYLEX', 'copy', lexBound(g, known), lexBound(g, known)], readBack);
    else out.push(copy(), ['ZREMRANGEBYSCORE', 'copy', scoreBound(g), scoreBound(g)], readBack);
    out.push(copy(), ['ZREM', 'copy', ...Array.from({ length: g.int(1, 5) }, () => g.pick(known)), member(g)], readBack);
    out.push(copy(), [g.pick(['ZPOPMIN', 'ZPOPMAX']), 'copy', String(g.int(0, 5))], readBack);
    out.push(copy(), ['ZMPOP', '2', 'nothing', 'copy', g.pick(['MIN', 'MAX']), 'COUNT', String(g.int(1, 4))], readBack);
    out.push(['ZRANGESTORE', 'dst', key, rankIndex(g, size), rankIndex(g, size), ...(g.chance(0.5) ? ['REV'] : [])], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
    if (!lexOnly) out.push(['ZRANGESTORE', 'dst', key, scoreBound(g), scoreBound(g), 'BYSCORE', ...limit(g, size)], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
    const m = g.pick(known);
    out.push(copy(), ['ZINCRBY', 'copy', g.pick(['1', '-1', '0.5', 'inf', '-inf', '1e-5']), m], ['ZSCORE', 'copy', m], readBack);
    const flags = g.pick([[], ['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT'], ['CH'], ['GT', 'CH'], ['LT', 'CH', 'XX']]);
    out.push(copy(), ['ZADD', 'copy', ...flags, g.pick(SCORES), m, g.pick(SCORES), member(g)], readBack);
  }
  return out;
}

function algebraQueries(g: Gen): Cmd[] {
  const out: Cmd[] = [];
  const keys = [SMALL, BIG, LEX, PLAIN, 'missing'];
  for (let i = 0; i < 25; i++) {
    const n = g.int(1, 3);
    const inputs = Array.from({ length: n }, () => g.pick(keys));
    const weights = g.chance(0.5) ? ['WEIGHTS', ...inputs.map(() => g.pick(['1', '2', '-1', '0', '0.5', 'inf', '-inf']))] : [];
    const aggregate = g.chance(0.5) ? ['AGGREGATE', g.pick(['SUM', 'MIN', 'MAX'])] : [];
    for (const op of ['ZUNION', 'ZINTER']) out.push([op, String(n), ...inputs, ...weights, ...aggregate, 'WITHSCORES']);
    out.push(['ZDIFF', String(n), ...inputs, 'WITHSCORES'], ['ZINTERCARD', String(n), ...inputs, ...(g.chance(0.5) ? ['LIMIT', String(g.int(0, 5))] : [])]);
    const store = g.pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
    out.push([store, 'out', String(n), ...inputs, ...(store === 'ZDIFFSTORE' ? [] : [...weights, ...aggregate])], ['ZRANGE', 'out', '0', '-1', 'WITHSCORES']);
  }
  return out;
}

function corpus(seed: number): Corpus {
  const g = new Gen(prng(seed));
  const small = members(g, 24);
  const big = members(g, 300);
  const lex = members(g, 40);
  const biglex = members(g, 200);
  const setup: Cmd[] = [
    ...build(g, SMALL, small),
    ...build(g, BIG, big),
    ...build(g, LEX, lex, '0'),
    ...build(g, BIGLEX, biglex, '7'),
    ['SADD', PLAIN, ...small.slice(0, 10), ...members(g, 5)],
  ];
  const queries: Cmd[] = [
    ...readQueries(g, SMALL, small, small.length, false),
    ...readQueries(g, BIG, big, big.length, false),
    ...readQueries(g, LEX, lex, lex.length, true),
    ...readQueries(g, BIGLEX, biglex, biglex.length, true),
    ...writeQueries(g, SMALL, small, small.length, false),
    ...writeQueries(g, BIG, big, big.length, false),
    ...writeQueries(g, LEX, lex, lex.length, true),
    ...algebraQueries(g),
  ];
  return { setup, queries };
}

const show = (cmd: string): string => JSON.stringify(cmd.length > 200 ? cmd.slice(0, 200) + '...' : cmd);

async function compare(commands: Cmd[]): Promise<number> {
  const results = await differential(redis.port, ferrite.port, commands);
  for (const r of results) assert.is(JSON.stringify(r.ferrite), JSON.stringify(r.redis), show(r.command));
  return results.length;
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: RESP2 replies are byte-for-byte Redis' own`, async () => {
    const { setup, queries } = corpus(seed);
    const n = await compare([['FLUSHALL'], ...setup, ...queries]);
    assert.ok(n > 1000, `corpus of ${n} commands`);
  });
}

test('seed 4: RESP3 replies (doubles, pairs) are byte-for-byte Redis\' own', async () => {
  const { setup, queries } = corpus(4);
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ...setup, ['HELLO', '3'], ...queries]);
  for (const r of results) if (!r.command.startsWith('HELLO')) assert.is(JSON.stringify(r.ferrite), JSON.stringify(r.redis), show(r.command));
});

// ---- ZRANDMEMBER: shapes and membership ----

/** Bulk strings of a flat RESP2 array reply (nulls as null). */
function bulks(reply: string): (string | null)[] {
  const out: (string | null)[] = [];
  let p = reply.indexOf('\r\n') + 2;
  while (p < reply.length) {
    const eol = reply.indexOf('\r\n', p);
    const len = Number(reply.slice(p + 1, eol));
    if (len < 0) {
      out.push(null);
      p = eol + 2;
      continue;
    }
    out.push(reply.slice(eol + 2, eol + 2 + len));
    p = eol + 2 + len + 2;
  }
  return out;
}

test('ZRANDMEMBER: same reply sizes as Redis, members of the set with their scores, distinct when asked', async () => {
  const g = new Gen(prng(5));
  const small = members(g, 24);
  const big = members(g, 300);
  const setup = [['FLUSHALL'], ...build(g, SMALL, small), ...build(g, BIG, big)];
  const counts = ['1', '5', '7', '8', '23', '24', '30', '100', '299', '300', '400', '-1', '-5', '-50', '-400'];
  const queries: Cmd[] = [];
  for (const key of [SMALL, BIG]) for (const c of counts) queries.push(['ZRANDMEMBER', key, c], ['ZRANDMEMBER', key, c, 'WITHSCORES']);
  const results = await differential(redis.port, ferrite.port, [...setup, ...queries]);
  const scores = await scoresOf(ferrite.port, [SMALL, BIG]);
  for (const r of results.slice(setup.length)) {
    const [, key, count, withScores] = r.command.split(' ');
    const redisItems = bulks(r.redis);
    const items = bulks(r.ferrite);
    assert.is(items.length, redisItems.length, r.command);
    const step = withScores === undefined ? 1 : 2;
    const picked = items.filter((_, i) => i % step === 0) as string[];
    for (const [i, m] of picked.entries()) {
      assert.ok(scores.get(key)!.has(m), `${r.command}: ${JSON.stringify(m)} is a member`);
      if (step === 2) assert.is(items[i * 2 + 1], scores.get(key)!.get(m), `${r.command}: score of ${JSON.stringify(m)}`);
    }
    if (Number(count) > 0) assert.is(new Set(picked).size, picked.length, `${r.command}: distinct`);
  }
});

/** member -> score text of each key, read from the server with ZRANGE WITHSCORES. */
async function scoresOf(port: number, keys: string[]): Promise<Map<string, Map<string, string>>> {
  const c = await RawClient.connect(port);
  try {
    const out = new Map<string, Map<string, string>>();
    for (const key of keys) {
      const items = bulks(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES')) as string[];
      const m = new Map<string, string>();
      for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
      out.set(key, m);
    }
    return out;
  } finally {
    c.close();
  }
}

test.run();
