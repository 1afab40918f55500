// The HyperLogLog commands (PFADD, PFCOUNT, PFMERGE) over the wire: ioredis checks of the API,
// and differential runs against Debian's real redis-server (7.0) comparing raw replies, the
// resulting HLL bytes (sparse and dense, cached cardinality included), corrupted values,
// keyspace events, dirty counts and what is propagated. Set HLL_SEED to replay a failing corpus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { mulberry32 as makeRandom } from './helpers/random.js';
import { commandsIn } from './helpers/aof.js';

const SEED = Number(process.env.HLL_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`hyperloglog seed: ${SEED} (set HLL_SEED to replay)`);

const random = makeRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
const chance = (p: number): boolean => random() < p;

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

let ferrite: RunningServer;
let redis: ExternalServer;
let pair: Pair;
let client: Redis;

/** Raw connections to both servers: pipelined batches whose replies must match byte for byte. */
class Pair {
  constructor(readonly redis: RawClient, readonly ferrite: RawClient) {}

  async replies(commands: readonly string[][]): Promise<{ redis: string[]; ferrite: string[] }> {
    for (const c of commands) {
      this.redis.command(...c);
      this.ferrite.command(...c);
    }
    const [r, f] = await Promise.all([this.redis.replies(commands.length), this.ferrite.replies(commands.length)]);
    return { redis: r, ferrite: f };
  }

  async same(commands: readonly string[][]): Promise<void> {
    const { redis: r, ferrite: f } = await this.replies(commands);
    commands.forEach((c, i) => {
      if (f[i] !== r[i]) assert.unreachable(`${show(c)} (seed ${SEED}):\n ferrite ${hexOf(f[i])}\n redis   ${hexOf(r[i])}`);
    });
  }
}

function hexOf(reply: string): string {
  return reply.length > 40 ? Buffer.from(reply, 'latin1').toString('hex') : JSON.stringify(reply);
}

function show(argv: readonly string[]): string {
  const shown = argv.slice(0, 8).map((a) => (a.length > 40 ? `${a.slice(0, 40)}...(${a.length})` : a));
  return JSON.stringify(argv.length > 8 ? [...shown, `...${argv.length - 8} more`] : shown);
}

/** The error text a call fails with (fails the test if it succeeds). */
async function errorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    return (e as Error).message;
  }
  assert.unreachable('expected an error reply');
  return '';
}

/** A list under `key` on both servers, for WRONGTYPE cases. */
async function makeList(key: string): Promise<void> {
  await pair.same([['DEL', key], ['RPUSH', key, 'x']]);
}

test.before(async () => {
  [ferrite, redis] = await Promise.all([startFerrite(), startRedis()]);
  pair = new Pair(await RawClient.connect(redis.port), await RawClient.connect(ferrite.port));
  client = new Redis({ port: ferrite.port, host: '127.0.0.1', lazyConnect: true });
  await client.connect();
});

test.after(async () => {
  pair.redis.close();
  pair.ferrite.close();
  client.disconnect();
  await Promise.all([ferrite.close(), redis.close()]);
});

test('PFADD, PFCOUNT and PFMERGE through ioredis', async () => {
  await client.del('io:h1', 'io:h2', 'io:h3', 'io:h4');
  assert.is(await client.pfadd('io:h1', 'a', 'b', 'c'), 1);
  assert.is(await client.pfadd('io:h1', 'a', 'b'), 0);
  assert.is(await client.pfadd('io:h2'), 1);
  assert.is(await client.pfadd('io:h2'), 0);
  assert.is(await client.pfadd('io:h2', 'c', 'd'), 1);
  assert.is(await client.pfcount('io:h1'), 3);
  assert.is(await client.pfcount('io:h1', 'io:h2', 'nosuchkey'), 4);
  assert.is(await client.pfcount('nosuchkey'), 0);
  assert.is(await client.pfmerge('io:h3', 'io:h1', 'io:h2'), 'OK');
  assert.is(await client.pfcount('io:h3'), 4);
  assert.is(await client.pfmerge('io:h4'), 'OK');
  assert.is(await client.pfcount('io:h4'), 0);
  const raw = await client.getBuffer('io:h3');
  assert.is(raw?.subarray(0, 4).toString(), 'HYLL');
});

test('WRONGTYPE: the generic text for other types, the HLL text for other strings', async () => {
  await makeList('lst');
  await client.set('str', 'not an hll');
  await client.set('num', '12345');
  await client.pfadd('hll', 'x');
  const cases: [string[], string][] = [
    [['PFADD', 'lst', 'a'], WRONGTYPE], [['PFADD', 'str', 'a'], NOT_HLL], [['PFADD', 'num'], NOT_HLL],
    [['PFCOUNT', 'lst'], WRONGTYPE], [['PFCOUNT', 'str'], NOT_HLL], [['PFCOUNT', 'hll', 'lst'], WRONGTYPE],
    [['PFCOUNT', 'str', 'lst'], NOT_HLL], [['PFCOUNT', 'lst', 'str'], WRONGTYPE],
    [['PFMERGE', 'lst', 'hll'], WRONGTYPE], [['PFMERGE', 'hll', 'lst'], WRONGTYPE], [['PFMERGE', 'hll', 'num', 'lst'], NOT_HLL],
  ];
  for (const [argv, message] of cases) assert.is(await errorOf(client.call(argv[0], ...argv.slice(1))), message, show(argv));
});

const HEADER_STALE = 'HYLL\x01\0\0\0' + '\0'.repeat(7) + '\x80';
const CORRUPTED: [string, string][] = [
  // Sparse opcodes covering more than the 16384 registers.
  ['over', HEADER_STALE + '\x7f\xff\x00'],
  // Sparse opcodes covering fewer.
  ['under', HEADER_STALE + '\x00'],
  // A VAL run in the middle of an otherwise empty sparse HLL, then a register too many.
  ['mixed', HEADER_STALE + '\x7f\xfe\x84\x00'],
  // A cached cardinality (not stale) over corrupted registers: Redis trusts the cache.
  ['cached', 'HYLL\x01\0\0\0\x07' + '\0'.repeat(7) + '\x00'],
  // Unknown encoding, and a dense HLL of the wrong length: not HLLs at all.
  ['encoding', 'HYLL\x02\0\0\0' + '\0'.repeat(8) + '\x7f\xff'],
  ['shortdense', 'HYLL\x00\0\0\0' + '\0'.repeat(8) + '\0'.repeat(100)],
  ['tiny', 'HYLL'],
];

test('corrupted and foreign values answer like redis-server', async () => {
  await makeList('lst');
  for (const [name] of CORRUPTED) {
    const key = `bad-${name}`;
    const setup = CORRUPTED.map(([n, bytes]) => ['SET', `bad-${n}`, bytes]);
    await pair.same([...setup, ['DEL', 'h'], ['PFADD', 'h', 'a', 'b']]);
    await pair.same([
      ['PFCOUNT', key], ['GET', key], ['PFCOUNT', key, 'h'], ['PFCOUNT', 'h', key], ['PFCOUNT', key, 'lst'], ['PFCOUNT', 'nothing', key, 'lst'],
      ['PFMERGE', 'h', key], ['GET', 'h'], ['PFMERGE', key, 'h'], ['GET', key], ['PFMERGE', 'new', key, 'lst'], ['EXISTS', 'new'],
    ]);
    await pair.same([...setup, ['PFADD', key, 'a', 'b', 'c'], ['GET', key], ['PFADD', key], ['GET', key]]);
  }
});

test('HLLs built by redis-server are read and extended byte for byte', async () => {
  const elements = Array.from({ length: 3000 }, (_, i) => `e${i}`);
  await pair.redis.call('DEL', 'sparse', 'dense');
  await pair.redis.call('PFADD', 'sparse', ...elements.slice(0, 50));
  await pair.redis.call('PFADD', 'dense', ...elements);
  for (const key of ['sparse', 'dense']) await pair.ferrite.call('SET', key, await bulkOf(pair.redis, key));
  await pair.same([
    ['GET', 'sparse'], ['GET', 'dense'], ['PFCOUNT', 'sparse'], ['PFCOUNT', 'dense'], ['GET', 'sparse'], ['GET', 'dense'],
    ['PFADD', 'sparse', 'x', 'y'], ['PFADD', 'dense', 'x', 'y'], ['PFCOUNT', 'sparse', 'dense'], ['PFMERGE', 'sparse', 'dense'],
    ['GET', 'sparse'], ['PFCOUNT', 'sparse'], ['GET', 'sparse'],
  ]);
});

async function bulkOf(raw: RawClient, key: string): Promise<string> {
  const reply = await raw.call('GET', key);
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

test('TTL survives PFADD, PFMERGE and the cache refresh of PFCOUNT', async () => {
  await pair.same([['DEL', 't', 'u'], ['PFADD', 't', 'a'], ['EXPIRE', 't', '1000'], ['PFADD', 'u', 'b']]);
  await pair.same([['PFADD', 't', 'b'], ['PFCOUNT', 't'], ['PFMERGE', 't', 'u'], ['PFCOUNT', 't']]);
  assert.ok((await client.ttl('t')) > 0);
});

test('hll-sparse-max-bytes decides when a sparse HLL turns dense', async () => {
  const elements = Array.from({ length: 400 }, (_, i) => `m${i}`);
  for (const limit of ['0', '64', '700', '3000']) {
    await pair.same([['CONFIG', 'SET', 'hll-sparse-max-bytes', limit], ['DEL', 's', 'm']]);
    for (let i = 0; i < elements.length; i += 40) {
      await pair.same([['PFADD', 's', ...elements.slice(i, i + 40)], ['GET', 's'], ['PFMERGE', 'm', 's', 'nothing'], ['GET', 'm']]);
    }
  }
  await pair.same([['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']]);
});

/** Keyevent notifications both servers publish while `commands` run under notify-keyspace-events `flags`. */
async function eventsOfBoth(flags: string, commands: string[][]): Promise<{ redis: string[]; ferrite: string[] }> {
  const subs = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ferrite.port)]);
  try {
    await pair.same([['CONFIG', 'SET', 'notify-keyspace-events', flags]]);
    await Promise.all(subs.map((s) => s.call('PSUBSCRIBE', '__keyevent@0__:*')));
    await pair.replies(commands);
    await pair.same([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
    const [r, f] = await Promise.all(subs.map(eventsUntilPong));
    return { redis: r, ferrite: f };
  } finally {
    for (const s of subs) s.close();
  }
}

/** The "event key" pairs a subscriber received; a PING sent now marks the end of them. */
async function eventsUntilPong(sub: RawClient): Promise<string[]> {
  const events: string[] = [];
  sub.command('PING');
  for (;;) {
    const message = parseArray(await sub.reply());
    if (message[0] === 'pong') return events;
    events.push(`${message[2].slice('__keyevent@0__:'.length)} ${message[3]}`);
  }
}

/** A RESP array of bulk strings without CR/LF inside (pub/sub messages here). */
function parseArray(raw: string): string[] {
  const out: string[] = [];
  const lines = raw.split('\r\n');
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]);
  return out;
}

const EVENT_SCRIPT: string[][] = [
  ['PFADD', 'e', 'a', 'b', 'c'], ['PFADD', 'e', 'a'], ['PFCOUNT', 'e'], ['PFCOUNT', 'e'], ['PFCOUNT', 'e', 'e2'],
  ['PFMERGE', 'e2', 'e'], ['PFMERGE', 'e2'], ['PFCOUNT', 'e2'], ['PFADD', 'enew'], ['PFADD', 'enew'], ['PFCOUNT', 'enew'],
  ['PFADD', 'e', 'd'], ['PFCOUNT', 'e', 'enew'], ['PFCOUNT', 'e'], ['PFMERGE', 'e3', 'nothing'], ['PFCOUNT', 'nothing'],
];

test('keyspace events match redis-server (PFMERGE signals "pfadd", PFCOUNT nothing)', async () => {
  for (const flags of ['E$', 'EA']) {
    await pair.same([['DEL', 'e', 'e2', 'e3', 'enew', 'nothing']]);
    const events = await eventsOfBoth(flags, EVENT_SCRIPT);
    assert.ok(events.redis.length > 0, flags);
    assert.equal(events.ferrite, events.redis, flags);
  }
});

/** Writes counted (rdb_changes_since_last_save) and key look-ups (keyspace hits and misses). */
async function counters(raw: RawClient): Promise<[dirty: number, hits: number, misses: number]> {
  const info = await raw.call('INFO');
  const field = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  return [field('rdb_changes_since_last_save'), field('keyspace_hits'), field('keyspace_misses')];
}

async function countersDelta(argv: string[]): Promise<{ redis: number[]; ferrite: number[] }> {
  const before = await Promise.all([counters(pair.redis), counters(pair.ferrite)]);
  await pair.same([argv]);
  const after = await Promise.all([counters(pair.redis), counters(pair.ferrite)]);
  return { redis: after[0].map((n, i) => n - before[0][i]), ferrite: after[1].map((n, i) => n - before[1][i]) };
}

test('dirty counts and keyspace hits/misses match redis-server (PFADD dirty: whether, not how many)', async () => {
  await pair.same([['DEL', 'e', 'e2', 'e3', 'enew', 'nothing']]);
  for (const argv of EVENT_SCRIPT) {
    const { redis: [theirDirty, ...theirLookups], ferrite: [ourDirty, ...ourLookups] } = await countersDelta(argv);
    // Redis adds one per register a PFADD changed; the structure only says whether any did.
    if (argv[0] === 'PFADD') assert.is(ourDirty > 0, theirDirty > 0, show(argv));
    else assert.is(ourDirty, theirDirty, show(argv));
    assert.equal(ourLookups, theirLookups, show(argv));
  }
});

test('propagation matches redis-server\'s AOF (a PFCOUNT that refreshes the cache included)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-hll-aof-'));
  const aofRedis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
  const raw = await RawClient.connect(aofRedis.port);
  const propagated: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void propagated.push(argv);
  ferrite.server.state.sinks.push(sink);
  try {
    await pair.ferrite.call('DEL', 'e', 'e2', 'e3', 'enew', 'nothing');
    propagated.length = 0;
    for (const argv of EVENT_SCRIPT) assert.is(await pair.ferrite.call(...argv), await raw.call(...argv), show(argv));
    const aofDir = join(dir, 'appendonlydir');
    const incr = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
    const written = commandsIn(readFileSync(join(aofDir, incr), 'latin1')).filter((c) => c[0].toUpperCase() !== 'SELECT');
    assert.equal(propagated, written);
  } finally {
    ferrite.server.state.sinks.splice(ferrite.server.state.sinks.indexOf(sink), 1);
    raw.close();
    await aofRedis.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// The generated corpus: sparse and dense HLLs grown, counted and merged in random orders.

const HLL_KEYS = ['h0', 'h1', 'h2', 'h3', 'h4', 'void'];
const FOREIGN_KEYS = ['str', 'num', 'lst'];

function randomElement(space: number): string {
  if (chance(0.05)) return Buffer.from(Array.from({ length: int(12) }, () => int(256))).toString('latin1');
  return `el:${int(space)}`;
}

function pfaddCommand(key: string): string[] {
  const r = random();
  // Mostly small additions, so keys spend most of their life sparse before turning dense.
  const count = r < 0.03 ? 0 : r < 0.63 ? 1 + int(10) : r < 0.93 ? 10 + int(100) : 100 + int(2000);
  const space = pick([50, 5000, 1e9]);
  return ['PFADD', key, ...Array.from({ length: count }, () => randomElement(space))];
}

function someKeys(max: number): string[] {
  return Array.from({ length: 1 + int(max) }, () => (chance(0.03) ? pick(FOREIGN_KEYS) : pick(HLL_KEYS)));
}

function corpusCommands(): string[][] {
  const key = chance(0.02) ? pick(FOREIGN_KEYS) : pick(HLL_KEYS);
  const r = random();
  if (r < 0.4) return [pfaddCommand(key), ['GET', key]];
  if (r < 0.6) return [['PFCOUNT', key], ['GET', key]];
  if (r < 0.72) {
    const keys = someKeys(4);
    return [['PFCOUNT', ...keys], ['GET', keys[0]]];
  }
  if (r < 0.88) {
    const keys = someKeys(4);
    return [['PFMERGE', key, ...(chance(0.1) ? [] : keys)], ['GET', key]];
  }
  if (r < 0.97) return [['DEL', key === 'lst' ? 'void' : key]];
  return [['SET', pick(['str', 'num']), pick(['plain', '12345', 'HYLL'])]];
}

const CORPUS = Number(process.env.HLL_CASES ?? 2000);

test('generated corpus: replies and HLL bytes match redis-server, default and small sparse limits', async () => {
  await makeList('lst');
  await pair.same([['DEL', ...HLL_KEYS], ['SET', 'str', 'plain'], ['SET', 'num', '12345']]);
  for (const limit of ['3000', '300']) {
    await pair.same([['CONFIG', 'SET', 'hll-sparse-max-bytes', limit]]);
    for (let done = 0; done < CORPUS / 2; done += 50) {
      const batch: string[][] = [];
      for (let i = 0; i < 50; i++) batch.push(...corpusCommands());
      await pair.same(batch);
    }
  }
  await pair.same([['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']]);
});

test.run();
