// The bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO) over the
// wire: ioredis checks of the API, and differential runs against Debian's real redis-server
// (7.0) comparing raw replies, resulting bytes, keyspace events, dirty counts and what is
// propagated. Set BITMAPS_SEED to replay a failing generated corpus.
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

const SEED = Number(process.env.BITMAPS_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`bitmaps seed: ${SEED} (set BITMAPS_SEED to replay)`);

const random = makeRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const between = (lo: number, hi: number): number => lo + int(hi - lo + 1);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
const chance = (p: number): boolean => random() < p;

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
    commands.forEach((c, i) => assert.is(f[i], r[i], `${show(c)} (seed ${SEED})`));
  }
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

function show(argv: readonly string[]): string {
  return JSON.stringify(argv.map((a) => (a.length > 60 ? `${a.slice(0, 60)}...(${a.length})` : a)));
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

test('SETBIT and GETBIT through ioredis', async () => {
  await client.del('bits');
  assert.is(await client.setbit('bits', 7, 1), 0);
  assert.is(await client.setbit('bits', 7, 1), 1);
  assert.is(await client.getbit('bits', 7), 1);
  assert.is(await client.getbit('bits', 6), 0);
  assert.is(await client.getbit('bits', 1_000_000), 0);
  assert.is(await client.getbit('nosuchkey', 3), 0);
  assert.equal(await client.getBuffer('bits'), Buffer.from([0x01]));
  assert.is(await client.setbit('bits', 23, 1), 0);
  assert.equal(await client.getBuffer('bits'), Buffer.from([0x01, 0x00, 0x01]));
  assert.is(await client.bitcount('bits'), 2);
  assert.is(await client.bitpos('bits', 1), 7);
  assert.is(await client.bitpos('bits', 0), 0);
});

test('SETBIT and GETBIT argument errors', async () => {
  await client.set('s', 'x');
  const errors: [string[], string][] = [
    [['SETBIT', 's', '-1', '1'], 'ERR bit offset is not an integer or out of range'],
    [['SETBIT', 's', '4294967296', '1'], 'ERR bit offset is not an integer or out of range'],
    [['SETBIT', 's', '#1', '1'], 'ERR bit offset is not an integer or out of range'],
    [['SETBIT', 's', '1', '2'], 'ERR bit is not an integer or out of range'],
    [['SETBIT', 's', '1', '01'], 'ERR bit is not an integer or out of range'],
    [['GETBIT', 's', 'x'], 'ERR bit offset is not an integer or out of range'],
    [['GETBIT', 's', '4294967296'], 'ERR bit offset is not an integer or out of range'],
  ];
  for (const [argv, message] of errors) {
    assert.is(await errorOf(client.call(argv[0], ...argv.slice(1))), message, show(argv));
  }
  assert.is(await client.getbit('s', 4294967295), 0);
});

test('offsets whose string V8 cannot hold are refused, not fatal (Redis would allocate 512 MB)', async () => {
  await client.del('huge');
  const tooLong = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
  assert.is(await errorOf(client.setbit('huge', 4294967295, 1)), tooLong);
  assert.is(await errorOf(client.call('BITFIELD', 'huge', 'SET', 'u8', '#536870911', '1')), tooLong);
  assert.equal(await client.call('BITFIELD', 'huge', 'GET', 'u8', '#536870911'), [0]);
  assert.is(await client.exists('huge'), 0);
});

test('BITCOUNT, BITPOS and BITOP through ioredis', async () => {
  await client.set('a', Buffer.from([0xff, 0xf0, 0x00]));
  await client.set('b', Buffer.from([0x0f]));
  assert.is(await client.bitcount('a'), 12);
  assert.is(await client.bitcount('a', 1, 1), 4);
  assert.is(await client.call('BITCOUNT', 'a', '5', '11', 'BIT'), 7);
  assert.is(await client.bitpos('a', 0), 12);
  assert.is(await client.call('BITPOS', 'a', '1', '1', '-1', 'BYTE'), 8);
  assert.is(await client.call('BITPOS', 'a', '0', '0', '7', 'bit'), -1);
  assert.is(await client.bitop('AND', 'dest', 'a', 'b'), 3);
  assert.equal(await client.getBuffer('dest'), Buffer.from([0x0f, 0x00, 0x00]));
  assert.is(await client.bitop('XOR', 'dest', 'a', 'b', 'nosuchkey'), 3);
  assert.equal(await client.getBuffer('dest'), Buffer.from([0xf0, 0xf0, 0x00]));
  assert.is(await client.bitop('NOT', 'dest', 'b'), 1);
  assert.equal(await client.getBuffer('dest'), Buffer.from([0xf0]));
  assert.is(await client.bitop('OR', 'dest', 'nosuchkey', 'nosuchkey2'), 0);
  assert.is(await client.exists('dest'), 0);
  assert.is(await errorOf(client.bitop('NOT', 'dest', 'a', 'b')), 'ERR BITOP NOT must be called with a single source key.');
  assert.is(await errorOf(client.call('BITOP', 'NAND', 'dest', 'a')), 'ERR syntax error');
});

test('BITFIELD and BITFIELD_RO through ioredis', async () => {
  await client.del('bf');
  assert.equal(await client.call('BITFIELD', 'bf', 'SET', 'u8', '0', '255', 'GET', 'u4', '4', 'INCRBY', 'i8', '#1', '-3'), [0, 15, -3]);
  assert.equal(await client.getBuffer('bf'), Buffer.from([0xff, 0xfd]));
  assert.equal(await client.call('BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '1'), [null, 255]);
  assert.equal(await client.call('BITFIELD', 'bf', 'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '0', '1'), [0]);
  assert.equal(await client.call('BITFIELD_RO', 'bf', 'GET', 'i8', '8', 'GET', 'u2', '100'), [-3, 0]);
  assert.equal(await client.call('BITFIELD', 'nosuchkey', 'GET', 'i64', '0'), [0]);
  assert.is(await client.exists('nosuchkey'), 0);
  assert.equal(await client.call('BITFIELD', 'bf'), []);
  assert.is(await errorOf(client.call('BITFIELD_RO', 'bf', 'SET', 'u8', '0', '1')), 'ERR BITFIELD_RO only supports the GET subcommand');
  assert.is(await errorOf(client.call('BITFIELD', 'bf', 'GET', 'u64', '0')), 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
  assert.is(await errorOf(client.call('BITFIELD', 'bf', 'OVERFLOW', 'LOOP')), 'ERR Invalid OVERFLOW type specified');
});

test('WRONGTYPE for every bitmap command', async () => {
  await makeList('lst');
  await client.set('s', 'abc');
  const commands = [
    ['SETBIT', 'lst', '1', '1'], ['GETBIT', 'lst', '1'], ['BITCOUNT', 'lst'], ['BITPOS', 'lst', '1'],
    ['BITOP', 'AND', 'd', 's', 'lst'], ['BITOP', 'NOT', 'lst', 'lst'], ['BITFIELD', 'lst', 'GET', 'u8', '0'],
    ['BITFIELD', 'lst', 'SET', 'u8', '0', '1'], ['BITFIELD_RO', 'lst', 'GET', 'u8', '0'],
  ];
  for (const argv of commands) {
    assert.is(await errorOf(client.call(argv[0], ...argv.slice(1))), 'WRONGTYPE Operation against a key holding the wrong kind of value', show(argv));
  }
});

test('argument errors and their precedence match redis-server', async () => {
  await makeList('lst');
  await pair.same([['SET', 'k', 'foobar'], ['SET', 'n', '12345'], ['DEL', 'missing', 'd']]);
  await pair.same([
    ['SETBIT', 'k', 'x', 'y'], ['SETBIT', 'lst', '1', '5'], ['SETBIT', 'lst', '-1', '1'], ['SETBIT', 'k', '9223372036854775808', '1'],
    ['SETBIT', 'k', '-0', '1'], ['SETBIT', 'k', ' 1', '1'], ['SETBIT', 'k', '1', '-1'], ['SETBIT', 'k', '1', '1.0'],
    ['GETBIT', 'lst', 'x'], ['GETBIT', 'missing', '-1'], ['GETBIT', 'k'], ['SETBIT', 'k', '1'],
    ['BITCOUNT', 'missing', 'a', 'b'], ['BITCOUNT', 'missing', '1'], ['BITCOUNT', 'k', '1'], ['BITCOUNT', 'k', 'a', 'b'],
    ['BITCOUNT', 'k', '0', 'b'], ['BITCOUNT', 'k', '-1', '-5', 'foo'], ['BITCOUNT', 'k', '0', '0', 'foo'],
    ['BITCOUNT', 'k', '0', '0', 'bit', 'x'], ['BITCOUNT', 'lst', 'a'], ['BITCOUNT', 'n', '0', '-1', 'BIT'],
    ['BITCOUNT', 'k', '9223372036854775807', '-9223372036854775808'], ['BITCOUNT', 'k', '0', '9223372036854775808'],
    ['BITPOS', 'missing', '1', 'a', 'b', 'c', 'd', 'e'], ['BITPOS', 'missing', '0', 'x'], ['BITPOS', 'k', '2'], ['BITPOS', 'k', 'x'],
    ['BITPOS', 'lst', '2'], ['BITPOS', 'lst', '1', 'x'], ['BITPOS', 'k', '1', '0', 'abc', 'xyz'], ['BITPOS', 'k', '1', '0', 'abc'],
    ['BITPOS', 'k', '1', '0', '1', 'bit', 'x'], ['BITPOS', 'k', '1', 'x', '1', 'bit'], ['BITPOS', 'k', '0', '0', '-1', 'BIT'],
    ['BITPOS', 'n', '1', '2'], ['BITPOS', 'k', '-1'],
    ['BITOP', 'foo', 'd', 'k'], ['BITOP', 'not', 'd', 'k', 'n'], ['BITOP', 'not', 'd', 'lst', 'k'], ['BITOP', 'NOT', 'd', 'lst'],
    ['BITOP', 'AND', 'd'], ['BITOP', 'Or', 'd', 'missing', 'lst'], ['BITOP', 'xor', 'lst', 'k', 'n'], ['TYPE', 'lst'],
    ['BITFIELD', 'k', 'get'], ['BITFIELD', 'k', 'get', 'u8'], ['BITFIELD', 'k', 'get', 'u8', '0', 'overflow'],
    ['BITFIELD', 'k', 'overflow', 'foo'], ['BITFIELD', 'k', 'foo', 'u8', '0'], ['BITFIELD', 'k', 'set', 'u8', '0'],
    ['BITFIELD', 'k', 'get', 'u0', '0'], ['BITFIELD', 'k', 'get', 'i65', '0'], ['BITFIELD', 'k', 'get', 'u64', '0'],
    ['BITFIELD', 'k', 'get', 'x8', '0'], ['BITFIELD', 'k', 'get', 'u08', '0'], ['BITFIELD', 'k', 'get', 'u8\u00007', '0'],
    ['BITFIELD', 'k', 'get', 'u8', '-1'], ['BITFIELD', 'k', 'get', 'u8', '#-1'], ['BITFIELD', 'k', 'get', 'u8', '4294967296'],
    ['BITFIELD', 'k', 'get', 'u8', '#536870912'], ['BITFIELD', 'k', 'get', 'u8', '#536870911'], ['BITFIELD', 'k', 'get', 'i8', '#2305843009213693952'],
    ['BITFIELD', 'k', 'set', 'u8', '0', 'x'], ['BITFIELD', 'k', 'incrby', 'u8', '0', '9223372036854775808'],
    ['BITFIELD', 'lst', 'get', 'u8', 'x'], ['BITFIELD', 'lst', 'get', 'u8', '0', 'set', 'x', '0', '1'],
    ['BITFIELD_RO', 'k', 'set', 'u8', '0', '1'], ['BITFIELD_RO', 'k', 'incrby', 'u8', '0', '1', 'get', 'foo', '0'],
    ['BITFIELD_RO', 'lst', 'set', 'u8', '0', '1'], ['BITFIELD_RO', 'k', 'overflow', 'sat'], ['BITFIELD_RO', 'k', 'overflow', 'bad'],
    ['BITFIELD_RO', 'k'], ['BITFIELD', 'missing', 'overflow', 'fail'], ['EXISTS', 'missing'],
    ['GET', 'k'], ['GET', 'n'], ['GET', 'd'],
  ]);
});

test('RESP3: BITFIELD replies nulls for refused writes like redis-server', async () => {
  const resp3 = new Pair(await RawClient.connect(redis.port), await RawClient.connect(ferrite.port));
  try {
    await resp3.replies([['HELLO', '3']]);
    await resp3.same([
      ['DEL', 'r3'], ['BITFIELD', 'r3', 'OVERFLOW', 'FAIL', 'SET', 'i4', '0', '100', 'INCRBY', 'u8', '8', '-1', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'r3', 'GET', 'i64', '0'], ['SETBIT', 'r3', '1', '1'], ['BITCOUNT', 'r3'], ['BITPOS', 'r3', '1'],
    ]);
  } finally {
    resp3.redis.close();
    resp3.ferrite.close();
  }
});

test('proto-max-bulk-len bounds offsets like redis-server', async () => {
  await pair.same([['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], ['DEL', 'big']]);
  try {
    await pair.same([
      ['SETBIT', 'big', '8388608', '1'], ['GETBIT', 'big', '8388608'], ['BITFIELD', 'big', 'GET', 'u8', '#1048576'],
      ['SETBIT', 'big', '8388607', '1'], ['STRLEN', 'big'], ['BITFIELD', 'big', 'SET', 'u16', '8388607', '65535'], ['STRLEN', 'big'],
      ['BITFIELD', 'big', 'GET', 'u8', '8388608'], ['BITFIELD_RO', 'big', 'GET', 'u8', '8388600'],
    ]);
  } finally {
    await pair.same([['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'], ['DEL', 'big']]);
  }
});

test('TTL: in-place edits keep it, BITOP replaces the destination', async () => {
  await pair.same([['SET', 't', 'abc'], ['EXPIRE', 't', '1000'], ['SET', 'd', 'x'], ['EXPIRE', 'd', '1000']]);
  await pair.same([['SETBIT', 't', '100', '1'], ['BITFIELD', 't', 'INCRBY', 'u8', '0', '1'], ['BITOP', 'OR', 'd', 't']]);
  assert.ok((await client.ttl('t')) > 0);
  assert.is(await client.ttl('d'), -1);
  await pair.same([['SETBIT', 't', '0', '0'], ['BITOP', 'AND', 't', 'missing'], ['EXISTS', 't']]);
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

/** A RESP array of bulk strings (pub/sub messages, AOF commands) as strings. */
function parseArray(raw: string): string[] {
  const out: string[] = [];
  const lines = raw.split('\r\n');
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]);
  return out;
}

const EVENT_SCRIPT: string[][] = [
  ['SET', 'e', 'a'], ['SETBIT', 'e', '1', '1'], ['SETBIT', 'e', '0', '1'], ['SETBIT', 'e', '30', '0'], ['SETBIT', 'e', '3', '0'],
  ['DEL', 'enew'], ['SETBIT', 'enew', '0', '0'], ['BITFIELD', 'e', 'GET', 'u8', '0'], ['BITFIELD', 'e', 'SET', 'u8', '0', '0'],
  ['BITFIELD', 'e', 'SET', 'u8', '0', '0'], ['BITFIELD', 'e', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '-1'],
  ['BITFIELD', 'e', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '100', '-1'], ['BITFIELD', 'e', 'SET', 'u8', '0', '1', 'SET', 'u8', '0', '2', 'SET', 'u8', '0', '2'],
  ['DEL', 'efail'], ['BITFIELD', 'efail', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '1000'], ['BITFIELD', 'efail', 'SET', 'i8', '0', '0'],
  ['BITFIELD_RO', 'e', 'GET', 'u8', '0'], ['BITOP', 'AND', 'edest', 'e', 'enew'], ['BITOP', 'AND', 'edest', 'nothing'],
  ['BITOP', 'AND', 'edest', 'nothing'], ['BITOP', 'NOT', 'edest', 'e'], ['GETBIT', 'e', '3'], ['GETBIT', 'nothing', '3'],
  ['BITCOUNT', 'nothing'], ['BITCOUNT', 'e', '0', '-1', 'BIT'], ['BITPOS', 'nothing', '0'], ['BITPOS', 'e', '1', '0'],
];

test('keyspace events match redis-server, class by class', async () => {
  for (const flags of ['E$', 'Eg']) {
    await pair.same([['DEL', 'e', 'enew', 'efail', 'edest', 'nothing']]);
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

test('dirty counts and keyspace hits/misses match redis-server command by command', async () => {
  await pair.same([['DEL', 'e', 'enew', 'efail', 'edest', 'nothing']]);
  for (const argv of EVENT_SCRIPT) {
    const delta = await countersDelta(argv);
    assert.equal(delta.ferrite, delta.redis, show(argv));
  }
});

test('propagation matches what redis-server writes to its AOF', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-bitmaps-aof-'));
  const aofRedis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
  const raw = await RawClient.connect(aofRedis.port);
  const propagated: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void propagated.push(argv);
  ferrite.server.state.sinks.push(sink);
  try {
    await pair.ferrite.call('DEL', 'e', 'enew', 'efail', 'edest', 'nothing');
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
// The generated corpus: random binary values, offsets, ranges and multi-op BITFIELDs.

const KEYS = ['b0', 'b1', 'b2', 'b3', 'b4', 'void', 'lst'];

function randomValue(): string {
  const r = random();
  if (r < 0.1) return String(between(-1e6, 1e9)); // integer-encoded in Redis
  const length = r < 0.4 ? int(9) : r < 0.9 ? int(80) : int(1500);
  const style = int(4);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    if (style === 0) bytes[i] = int(256);
    else if (style === 1) bytes[i] = chance(0.9) ? 0 : int(256);
    else if (style === 2) bytes[i] = chance(0.9) ? 0xff : int(256);
    else bytes[i] = pick([0, 0xff, 0x80, 0x01, 0x7f, 0xfe]);
  }
  return bytes.toString('latin1');
}

function randomInt64(): string {
  const r = random();
  if (r < 0.15) return pick(['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '127', '-128', '255', '256']);
  if (r < 0.2) return pick(['x', '1.5', '9223372036854775808', '', '+1', '-0']);
  const bits = BigInt(between(1, 64));
  const magnitude = BigInt(Math.floor(random() * 2 ** 32)) * BigInt(Math.floor(random() * 2 ** 32)) % (1n << bits);
  return BigInt.asIntN(64, chance(0.4) ? -magnitude : magnitude).toString();
}

function randomOffset(bits: number): string {
  const r = random();
  // Offsets at the very top of the range are left out: a valid one would make both servers
  // allocate 512 MB.
  if (r < 0.03) return pick(['-1', 'x', '4294967296', '9223372036854775807', '01', '']);
  if (r < 0.05) return String(int(2 ** 20));
  return String(int(bits + 64));
}

function randomRangeIndex(size: number): string {
  const r = random();
  if (r < 0.05) return pick(['9223372036854775807', '-9223372036854775808', 'x', '1e3']);
  return String(between(-size - 10, size + 10));
}

function randomUnit(): string {
  return pick(['BIT', 'BYTE', 'bit', 'byte', 'Bit', 'bits']);
}

function bitcountCommand(key: string): string[] {
  const form = int(5);
  if (form === 0) return ['BITCOUNT', key];
  if (form === 1) return ['BITCOUNT', key, randomRangeIndex(100)];
  const args = ['BITCOUNT', key, randomRangeIndex(800), randomRangeIndex(800)];
  if (form >= 3) args.push(randomUnit());
  return args;
}

function bitposCommand(key: string): string[] {
  const args = ['BITPOS', key, chance(0.95) ? pick(['0', '1']) : pick(['2', '-1', 'x'])];
  const extra = int(5);
  if (extra >= 1) args.push(randomRangeIndex(800));
  if (extra >= 2) args.push(randomRangeIndex(800));
  if (extra >= 3) args.push(randomUnit());
  if (extra === 4 && chance(0.2)) args.push('extra');
  return args;
}

function bitopCommand(): string[] {
  const op = chance(0.97) ? pick(['AND', 'OR', 'XOR', 'NOT', 'and', 'oR', 'Xor', 'not']) : 'NAND';
  const count = op.toUpperCase() === 'NOT' && chance(0.9) ? 1 : between(1, 5);
  const sources = Array.from({ length: count }, () => (chance(0.03) ? 'lst' : pick(KEYS.slice(0, 6))));
  return ['BITOP', op, pick(KEYS.slice(0, 6)), ...sources];
}

function bitfieldType(): string {
  if (chance(0.02)) return pick(['u64', 'i0', 'i65', 'x8', 'u']);
  const signed = chance(0.5);
  return `${signed ? 'i' : 'u'}${between(1, signed ? 64 : 63)}`;
}

function bitfieldOffset(): string {
  if (chance(0.2)) return `#${int(40)}`;
  return randomOffset(600);
}

function bitfieldCommand(key: string, readOnly: boolean): string[] {
  const args = [readOnly ? 'BITFIELD_RO' : 'BITFIELD', key];
  const ops = int(7);
  for (let i = 0; i < ops; i++) {
    const r = random();
    if (r < 0.2) args.push('OVERFLOW', chance(0.97) ? pick(['WRAP', 'SAT', 'FAIL', 'wrap', 'sat', 'fail']) : 'LOOP');
    else if (r < 0.45 || (readOnly && chance(0.95))) args.push('GET', bitfieldType(), bitfieldOffset());
    else args.push(chance(0.5) ? 'SET' : 'INCRBY', bitfieldType(), bitfieldOffset(), randomInt64());
  }
  if (chance(0.03)) args.push(pick(['GET', 'SET', 'FOO']), 'u8');
  return args;
}

function corpusCommand(): string[] {
  const key = chance(0.03) ? 'lst' : pick(KEYS.slice(0, 6));
  const r = random();
  if (r < 0.07) return ['SET', key === 'lst' ? 'b0' : key, randomValue()];
  if (r < 0.22) return ['SETBIT', key, randomOffset(800), chance(0.97) ? pick(['0', '1']) : pick(['2', 'x', '-1'])];
  if (r < 0.3) return ['GETBIT', key, randomOffset(800)];
  if (r < 0.42) return bitcountCommand(key);
  if (r < 0.54) return bitposCommand(key);
  if (r < 0.68) return bitopCommand();
  if (r < 0.93) return bitfieldCommand(key, false);
  return bitfieldCommand(key, true);
}

/** The key whose bytes a command may have changed. */
function touchedKey(argv: readonly string[]): string {
  return argv[0] === 'BITOP' ? argv[2] : argv[1];
}

const CORPUS = Number(process.env.BITMAPS_CASES ?? 4000);

test('generated corpus: replies and resulting bytes match redis-server', async () => {
  await makeList('lst');
  await pair.same(KEYS.slice(0, 6).map((k) => (k === 'void' ? ['DEL', k] : ['SET', k, randomValue()])));
  for (let done = 0; done < CORPUS; done += 200) {
    const batch: string[][] = [];
    for (let i = 0; i < 200; i++) {
      const argv = corpusCommand();
      batch.push(argv, ['GET', touchedKey(argv)]);
      // Keep values bounded: a random far offset can grow a key to 128 KB.
      if (chance(0.02)) batch.push(['SET', pick(KEYS.slice(0, 5)), randomValue()], ['DEL', 'void']);
    }
    await pair.same(batch);
  }
});

test.run();
