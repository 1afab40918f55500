// SORT and SORT_RO: typical use through ioredis, then every option, error and edge checked byte for
// byte against Debian's real redis-server — lists, sets (intset and hashtable), sorted sets, BY
// patterns (strings, hash fields, nosort), GET (# and patterns, repeated), LIMIT, ALPHA, STORE —
// a seeded random corpus, keyspace events and propagation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { mulberry32 as prng } from './helpers/random.js';

let redis: ExternalServer;
let ferrite: RunningServer;
let io: Redis;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
  io = new Redis({ port: ferrite.port, host: '127.0.0.1', lazyConnect: true });
  await io.connect();
});

test.after(async () => {
  io?.disconnect();
  await Promise.all([ferrite?.close(), redis?.close()]);
});

const split = (line: string): string[] => line.split(' ');

async function sameCommands(commands: string[][], hello?: '3'): Promise<void> {
  const prelude = [['FLUSHALL'], ...(hello === undefined ? [] : [['HELLO', hello]])];
  const results = await differential(redis.port, ferrite.port, [...prelude, ...commands]);
  for (const r of results.slice(prelude.length)) assert.is(JSON.stringify(r.ferrite), JSON.stringify(r.redis), r.command);
}

const same = (lines: string[], hello?: '3'): Promise<void> => sameCommands(lines.map(split), hello);

test('typical use through ioredis: numbers, ALPHA, BY a hash field, GET, STORE', async () => {
  await io.flushall();
  await io.rpush('ids', '3', '1', '2');
  assert.equal(await io.sort('ids'), ['1', '2', '3']);
  assert.equal(await io.sort('ids', 'DESC', 'LIMIT', 0, 2), ['3', '2']);
  await io.hset('user:1', 'name', 'zoe', 'age', '31');
  await io.hset('user:2', 'name', 'adam', 'age', '45');
  await io.hset('user:3', 'name', 'mia', 'age', '27');
  assert.equal(await io.sort('ids', 'BY', 'user:*->age', 'GET', 'user:*->name'), ['mia', 'zoe', 'adam']);
  assert.equal(await io.call('SORT', 'ids', 'BY', 'user:*->name', 'ALPHA', 'GET', '#', 'GET', 'user:*->age'), ['2', '45', '3', '27', '1', '31']);
  assert.is(await io.sort('ids', 'BY', 'nosort', 'GET', 'user:*->name', 'STORE', 'names'), 3);
  assert.equal(await io.lrange('names', 0, -1), ['mia', 'zoe', 'adam']);
  assert.equal(await io.call('SORT_RO', 'ids', 'ALPHA', 'DESC'), ['3', '2', '1']);
});

test('lists: numeric order with ties by bytes, DESC, ALPHA, LIMIT edges, conversion errors', () =>
  same([
    'RPUSH l 3 1 2 10 1.5 01 1.0 +1 -0 0x10 1e1', 'SORT l', 'SORT l DESC', 'SORT l ALPHA', 'SORT l ALPHA DESC',
    'SORT l LIMIT 1 2', 'SORT l LIMIT 1', 'SORT l LIMIT a 2', 'SORT l LIMIT -5 2', 'SORT l LIMIT 10 2', 'SORT l LIMIT 11 2',
    'SORT l LIMIT 0 -1', 'SORT l LIMIT 0 0', 'SORT l LIMIT 4 100', 'SORT l LIMIT 0 1 LIMIT 1 1', 'SORT l ALPHA ASC DESC',
    'SORT l DESC ASC', 'SORT l foo', 'SORT l STORE', 'RPUSH bad 1 x 2', 'SORT bad', 'SORT bad ALPHA', 'SORT bad STORE dst',
    'EXISTS dst', 'RPUSH odd inf -inf 1e308 -1e308 5', 'SORT odd', 'RPUSH nanl nan', 'SORT nanl',
    'RPUSH dup 2 1 2 1', 'SORT dup', 'SORT dup DESC', 'SORT dup ALPHA', 'RPUSH al b10 a2 B1 a10', 'SORT al ALPHA',
    'SORT al ALPHA DESC', 'SORT al', 'SORT nokey', 'SORT nokey LIMIT 0 1', 'SORT nokey DESC ALPHA',
  ]));

test('leading white space is taken, trailing is not; an empty string counts as 0', () =>
  sameCommands([
    ['RPUSH', 'l', ' 5', '\t2', '1', ''], ['SORT', 'l'], ['RPUSH', 'trail', '5 ', '1'], ['SORT', 'trail'],
    ['RPUSH', 'nul', '5\x00x', '1'], ['SORT', 'nul'], ['SORT', 'nul', 'ALPHA'],
  ]));

test('BY: string keys, hash fields, missing keys (score 0, ties by element), nosort in all its forms', () =>
  same([
    'RPUSH l 3 1 2 10 1.5', 'SET w_3 1', 'SET w_1 3', 'SET w_2 2', 'SORT l BY w_*', 'SORT l BY w_* DESC',
    'SORT l BY w_* GET # GET w_* GET nokey_*', 'SORT l BY nosort', 'SORT l BY nosort DESC', 'SORT l BY nosort LIMIT 1 2',
    'SORT l BY nosort DESC LIMIT 1 2', 'SORT l BY nosort DESC LIMIT 10 2', 'SORT l BY nosort LIMIT -1 -1',
    'SORT l BY nosort LIMIT 2 0', 'SORT l BY nosort LIMIT 4 9', 'HSET h_1 f 30', 'HSET h_2 f 20', 'HSET h_3 f 10',
    'SORT l BY h_*->f GET h_*->f GET #', 'SORT l BY h_*-> GET h_*->', 'SORT l BY h_*->f ALPHA GET h_*->f',
    'SORT l BY w_*->f', 'SORT l BY h_*->g', 'SORT l GET h_*->f->x', 'SORT l BY w_* ALPHA', 'SORT l BY h_*->f ALPHA DESC',
    'SORT l BY nosort BY w_*', 'SORT l BY w_* BY nosort', 'SORT l BY # GET #', 'SORT l BY *', 'SET 3 9', 'SET 1 8', 'SORT l BY * GET *',
    'SORT l BY w_*_x GET w_*_x', 'SET pre3post 5', 'SORT l BY pre*post GET pre*post', 'SORT l GET fixedkey', 'SORT l GET # GET #',
    'SET wrongtype_1 x', 'LPUSH wt_1 x', 'SORT l BY wt_* GET wt_*', 'SORT l BY h_* GET h_*',
  ]));

test('STORE: a list of the output (GET values, "" for missing), replaces any type, deletes on empty', () =>
  same([
    'RPUSH l 3 1 2', 'HSET h_1 f 30', 'HSET h_3 f 10', 'SORT l STORE dst', 'LRANGE dst 0 -1', 'SORT l GET h_*->f STORE dst',
    'LRANGE dst 0 -1', 'SORT l GET # GET h_*->f STORE dst', 'LRANGE dst 0 -1', 'SET str v', 'SORT l STORE str', 'TYPE str',
    'SORT nokey STORE dst', 'EXISTS dst', 'SORT l LIMIT 5 5 STORE str', 'EXISTS str', 'SORT l STORE a STORE b', 'EXISTS a',
    'LRANGE b 0 -1', 'SORT l STORE l', 'LRANGE l 0 -1', 'SORT l DESC BY nosort STORE l2', 'LRANGE l2 0 -1', 'SORT_RO l STORE dst',
    'SORT_RO l ALPHA DESC', 'SORT_RO l BY nosort GET #', 'SORT_RO nokey',
  ]));

test('sets: intsets keep numeric order under BY nosort; STORE forces an ALPHA sort of any set', () =>
  same([
    'SADD s 5 3 9 1 -7 100', 'SORT s', 'SORT s DESC LIMIT 1 2', 'SORT s BY nosort', 'SORT s BY nosort DESC', 'SORT s BY nosort STORE dst',
    'LRANGE dst 0 -1', 'SORT s BY nosort LIMIT 1 2 STORE dst', 'LRANGE dst 0 -1', 'SADD words pear apple fig 10 9', 'SORT words ALPHA',
    'SORT words ALPHA DESC LIMIT 0 3', 'SORT words BY nosort STORE dst', 'LRANGE dst 0 -1', 'SORT words BY nosort DESC STORE dst',
    'LRANGE dst 0 -1', 'SORT words BY nosort GET # STORE dst', 'LRANGE dst 0 -1', 'SORT words', 'SET w_pear 3', 'SET w_apple 1',
    'SORT words BY w_* GET # GET w_*',
  ]));

test('sorted sets: native order under BY nosort (DESC reverses, LIMIT picks ranks), sorting by member', () =>
  same([
    'ZADD z 3 a 1 b 2 c 2 d', 'SORT z', 'SORT z ALPHA', 'SORT z ALPHA DESC', 'SORT z BY nosort', 'SORT z BY nosort DESC',
    'SORT z BY nosort DESC LIMIT 1 5', 'SORT z BY nosort LIMIT 1 1', 'SORT z BY nosort LIMIT 5 1', 'SORT z BY nosort LIMIT -3 2',
    'SORT z ALPHA LIMIT 1 1', 'SORT z BY nosort GET # STORE dst', 'LRANGE dst 0 -1', 'ZADD n 1 10 2 9 3 8', 'SORT n', 'SORT n DESC',
    'SORT n BY nosort', 'SET k_10 1', 'SET k_8 0', 'SORT n BY k_* GET k_*', 'ZADD one 1 x', 'SORT one BY nosort DESC LIMIT 0 0',
  ]));

test('errors: WRONGTYPE, syntax, and the options SORT_RO does not have', () =>
  same([
    'SET str v', 'SORT str', 'SORT str STORE dst', 'HSET hh a 1', 'SORT hh', 'RPUSH l 1 2', 'SORT l GET', 'SORT l BY',
    'SORT l GET # GET', 'SORT l LIMIT 0', 'SORT l LIMIT 0 x', 'SORT l LIMIT x 0', 'SORT l ASC foo', 'SORT l STORE',
    'SORT_RO l STORE dst', 'SORT_RO l STORE', 'SORT_RO str', 'SORT', 'SORT_RO', 'SORT str foo',
  ]));

test('inside a script, BY nosort on a set sorts ALPHA, so the script sees one order everywhere', () =>
  sameCommands([
    ['SADD', 's', 'pear', 'apple', 'fig', 'kiwi', 'date'],
    ['EVAL', "return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 's'],
    ['EVAL', "return redis.call('sort_ro', KEYS[1], 'by', 'nosort', 'desc', 'limit', '0', '2')", '1', 's'],
  ]));

test('RESP3: missing GET values are nulls', () =>
  same(['RPUSH l 2 1', 'SET v_1 one', 'SORT l GET v_* GET #', 'SORT_RO l BY nosort GET nope_*', 'SORT l STORE d'], '3'));

test('COMMAND GETKEYS: the sorted key and the last STORE key, option arguments skipped', () =>
  same([
    'COMMAND GETKEYS SORT l', 'COMMAND GETKEYS SORT l STORE dst', 'COMMAND GETKEYS SORT l STORE a LIMIT 0 1 STORE b',
    'COMMAND GETKEYS SORT l GET store BY store', 'COMMAND GETKEYS SORT_RO l GET x',
  ]));

// ---- a seeded random corpus ----


const NUMBERS = ['0', '1', '-1', '2', '2.5', '-3.75', '10', '100', '1e3', '0.1', '007', '3.0', 'inf', '-inf', '42'];

/**
 * Lists of numeric strings (ties included: numeric order then bytes decide), weight keys and hash
 * fields for BY, GET patterns, LIMIT, ASC/DESC, ALPHA (BY ALPHA only over distinct weights, since
 * Redis leaves the order of equal ALPHA weights to its sort algorithm).
 */
function sortCorpus(seed: number): string[][] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const elements = Array.from({ length: 30 }, () => pick(NUMBERS));
  const ids = [...new Set(elements)];
  const cmds: string[][] = [['RPUSH', 'nums', ...elements]];
  ids.forEach((id, i) => {
    if (r() < 0.8) cmds.push(['SET', `w_${id}`, pick(NUMBERS)]);
    cmds.push(['SET', `u_${id}`, `unique-${String(1000 - i).padStart(4, '0')}`]);
    if (r() < 0.7) cmds.push(['HSET', `h_${id}`, 'score', pick(NUMBERS), 'name', `n${i}`]);
  });
  cmds.push(['ZADD', 'zs', ...ids.flatMap((id, i) => [String(i % 4), id])], ['SADD', 'ints', ...Array.from({ length: 20 }, () => String(Math.floor(r() * 200) - 100))]);
  for (let i = 0; i < 150; i++) {
    const key = pick(['nums', 'nums', 'zs', 'ints']);
    // Only the ids have u_* keys: other elements would all tie under BY u_* ALPHA.
    const by = pick([[], [], ['BY', 'w_*'], ['BY', 'h_*->score'], ['BY', 'nosort'], ...(key === 'ints' ? [] : [['BY', 'u_*', 'ALPHA']])]);
    const alpha = by.length === 0 && r() < 0.3 ? ['ALPHA'] : [];
    const order = pick([[], ['ASC'], ['DESC']]);
    const lim = r() < 0.5 ? ['LIMIT', String(Math.floor(r() * 35) - 3), String(Math.floor(r() * 12) - 2)] : [];
    const gets = pick([[], ['GET', '#'], ['GET', 'w_*', 'GET', '#'], ['GET', 'h_*->name', 'GET', 'h_*->score'], ['GET', 'u_*']]);
    if (key === 'ints' && by[1] === 'nosort' && gets.length === 0) continue;
    const store = r() < 0.25 ? ['STORE', 'out'] : [];
    cmds.push(['SORT', key, ...by, ...alpha, ...order, ...lim, ...gets, ...store]);
    if (store.length > 0) cmds.push(['LRANGE', 'out', '0', '-1']);
  }
  return cmds;
}

for (const seed of [11, 12, 13]) {
  test(`random corpus, seed ${seed}: byte-for-byte Redis' replies`, () => sameCommands(sortCorpus(seed)));
}

// ---- keyspace events and propagation ----

test('keyspace events: sortstore on a stored list, del when STORE empties the destination', async () => {
  const lines = ['RPUSH l 2 1', 'SORT l', 'SORT l STORE d', 'SORT nokey STORE d', 'SORT nokey STORE d'];
  const [expected, actual] = await Promise.all([eventLog(redis.port, lines), eventLog(ferrite.port, lines)]);
  assert.equal(expected, ['rpush l', 'sortstore d', 'del d']);
  assert.equal(actual, expected);
});

async function eventLog(port: number, lines: string[]): Promise<string[]> {
  const [sub, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    for (const line of lines) await c.call(...split(line));
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.command('SUBSCRIBE', 'end');
    const log: string[] = [];
    for (let r = await sub.reply(); !r.includes('subscribe'); r = await sub.reply()) {
      const m = /__keyevent@0__:([^\r]*)\r\n\$\d+\r\n([^\r]*)\r\n$/.exec(r);
      if (m !== null) log.push(`${m[1]} ${m[2]}`);
    }
    return log;
  } finally {
    sub.close();
    c.close();
  }
}

test('propagation: SORT ... STORE as sent, a plain SORT not at all', async () => {
  const log: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void log.push(argv);
  const sinks = ferrite.server.state.sinks;
  await io.flushall();
  sinks.push(sink);
  try {
    for (const line of ['RPUSH l 2 1', 'SORT l', 'SORT_RO l', 'SORT l STORE d', 'SORT nokey STORE nothing']) await io.call(...(split(line) as [string, ...string[]]));
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
  }
  assert.equal(log, [['RPUSH', 'l', '2', '1'], ['SORT', 'l', 'STORE', 'd']]);
});

// Last, because Redis 7.0 never clears errno before its strtod: once a value overflows, later
// numeric SORTs of non-integer strings in the same redis-server fail too, until errno changes.
test('out-of-range numbers (overflow, subnormal) are conversion errors', () =>
  same(['RPUSH big 1e400', 'SORT big', 'RPUSH sub 1e-310', 'SORT sub', 'SORT sub ALPHA', 'SET w_x 1e999', 'RPUSH x x', 'SORT x BY w_*']));

test.run();
