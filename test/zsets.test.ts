// Sorted sets over TCP: typical use through ioredis, every option and error of 7.0 checked byte for
// byte against Debian's real redis-server (RESP2 and RESP3), blocking pops with several clients run
// on both servers, keyspace events, encodings, ZSCAN on big sets, what is propagated, and a
// property test: rank and range answers equal a naive sorted array's after random operations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

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

/** Runs the commands on both servers (after FLUSHALL, with an optional HELLO first) and asserts equal replies. */
async function sameCommands(commands: string[][], hello?: '3'): Promise<void> {
  const prelude = [['FLUSHALL'], ...(hello === undefined ? [] : [['HELLO', hello]])];
  const results = await differential(redis.port, ferrite.port, [...prelude, ...commands]);
  for (const r of results.slice(prelude.length)) assert.is(JSON.stringify(r.ferrite), JSON.stringify(r.redis), JSON.stringify(r.command));
}

const same = (lines: string[], hello?: '3'): Promise<void> => sameCommands(lines.map(split), hello);

// ---- typical use (ioredis) ----

test('ZADD, ZSCORE, ZRANGE WITHSCORES, ZINCRBY, ZREM through ioredis', async () => {
  await io.flushall();
  assert.is(await io.zadd('board', 10, 'ann', 20, 'bob', 15, 'cid'), 3);
  assert.is(await io.zscore('board', 'bob'), '20');
  assert.equal(await io.zrange('board', 0, -1, 'WITHSCORES'), ['ann', '10', 'cid', '15', 'bob', '20']);
  assert.is(await io.zincrby('board', 1.1, 'ann'), '11.1');
  assert.is(await io.zrevrank('board', 'ann'), 2);
  assert.equal(await io.zrangebyscore('board', '(11.1', '+inf'), ['cid', 'bob']);
  assert.is(await io.zrem('board', 'ann', 'nobody'), 1);
  assert.is(await io.zcard('board'), 2);
  assert.equal(await io.zpopmax('board'), ['bob', '20']);
  assert.is(await io.zrem('board', 'cid'), 1);
  assert.is(await io.exists('board'), 0);
});

test('scores print like Redis 7.0 (%.17g)', async () => {
  await io.flushall();
  await io.zadd('z', 1.1, 'a', 0.1, 'b', 1e17, 'c', 1e-5, 'd', '-inf', 'e', 123456789012345678, 'f');
  assert.equal(await io.zmscore('z', 'a', 'b', 'c', 'd', 'e', 'f', 'missing'), [
    '1.1000000000000001', '0.10000000000000001', '1e+17', '1.0000000000000001e-05', '-inf', '1.2345678901234568e+17', null,
  ]);
});

// ---- options and errors, against the real server ----

test('ZADD options: NX XX GT LT CH INCR, their conflicts and results', () =>
  same([
    'ZADD z 1 a 2 b 3 c', 'ZADD z NX XX 1 a', 'ZADD z GT LT 1 a', 'ZADD z NX GT 1 a', 'ZADD z LT NX 1 a',
    'ZADD z INCR 1 a 2 b', 'ZADD z INCR NX 1 a', 'ZADD z INCR XX 1 zz', 'ZADD z XX INCR 1 a', 'ZADD z 1',
    'ZADD z 1 a 2', 'ZADD z abc a', 'ZADD z nan a', 'ZADD z CH', 'ZADD z CH 1', 'ZADD z GT CH 5 a',
    'ZADD z LT CH 5 a', 'ZADD z GT INCR 1 a', 'ZADD z GT 1 a', 'ZADD z GT INCR -100 a', 'ZADD z XX CH 9 a 9 new',
    'ZADD z CH 9 a 1 b 7 new', 'ZADD z NX CH 0 a 0 other', 'ZADD z ch gt xx 100 b 100 never', 'ZADD z INCR 0 b',
    'ZRANGE z 0 -1 WITHSCORES', 'ZADD missing XX 1 a', 'ZADD missing XX INCR 1 a', 'EXISTS missing',
    'ZADD z 1 a 2 b x c', 'ZSCORE z c',
  ]));

test('scores: strtod forms Redis takes (hex, inf, exponents) and those it refuses', () =>
  same([
    'ZADD z 0x10 a', 'ZADD z 0x1p3 b', 'ZADD z 0x1.8p1 c', 'ZADD z 0x d', 'ZADD z 1e400 d', 'ZADD z 1e-400 d',
    'ZADD z 1e-310 d', 'ZADD z inf e', 'ZADD z -Infinity f', 'ZADD z +inf g', 'ZADD z INF h', 'ZADD z nan(1) i',
    'ZADD z .5 j', 'ZADD z 5. k', 'ZADD z . l', 'ZADD z 1E+2 m', 'ZADD z 12345678901234567890 n', 'ZADD z 1.5e o',
    'ZADD z -0 p', 'ZADD z 0x1P-1074 q', 'ZRANGE z 0 -1 WITHSCORES',
  ]));

test('ZINCRBY and INCR: NaN refused, infinities kept, -0 printed as computed', () =>
  same([
    'ZINCRBY z', 'ZINCRBY z x a', 'ZINCRBY z 1 a', 'ZINCRBY z 1.5 a', 'ZINCRBY z 1e308 a', 'ZINCRBY z 1e308 a',
    'ZINCRBY z -inf a', 'ZADD z INCR -inf a', 'ZINCRBY z inf a', 'ZINCRBY n -0 m', 'ZSCORE n m', 'ZADD z inf x -inf y',
    'ZINCRBY z -inf x', 'ZSCORE z x', 'SET str v', 'ZINCRBY str 1 a', 'ZINCRBY str x a',
  ]));

test('ZSCORE ZMSCORE ZCARD ZRANK ZREVRANK ZCOUNT ZLEXCOUNT (WITHSCORE is 7.2: 7.0 rejects it)', () =>
  same([
    'ZADD z 1 a 2 b 3 c 3 d', 'SET str v', 'ZSCORE z a', 'ZSCORE z nope', 'ZSCORE nokey a', 'ZSCORE str a',
    'ZMSCORE z a nope d', 'ZMSCORE nokey a b', 'ZMSCORE z', 'ZMSCORE str a', 'ZCARD z', 'ZCARD nokey', 'ZCARD str',
    'ZRANK z c', 'ZREVRANK z c', 'ZRANK z nope', 'ZRANK nokey a', 'ZRANK z a WITHSCORE', 'ZREVRANK z a WITHSCORE',
    'ZRANK str a', 'ZCOUNT z (1 3', 'ZCOUNT z -inf +inf', 'ZCOUNT z 3 1', 'ZCOUNT z a b', 'ZCOUNT nokey 0 1',
    'ZCOUNT str 0 1', 'ZADD lex 0 a 0 b 0 c 0 d', 'ZLEXCOUNT lex - +', 'ZLEXCOUNT lex [b (d', 'ZLEXCOUNT lex a b',
    'ZLEXCOUNT lex (b (b', 'ZLEXCOUNT lex + -', 'ZLEXCOUNT nokey - +', 'ZLEXCOUNT str - +',
  ]));

test('the ZRANGE family: BYSCORE BYLEX REV LIMIT WITHSCORES and every 7.0 error', () =>
  same([
    'ZADD z 1 a 2 b 3 c 4 d', 'ZRANGE z 0 -1 LIMIT 0 1', 'ZRANGE z 0 -1 LIMIT 0 -1', 'ZRANGE z 0 -1 LIMIT 5 -1',
    'ZRANGE z 0 -1 BYSCORE LIMIT 0 1', 'ZRANGE z 0 -1 BYLEX', 'ZRANGE z [a [c BYLEX', 'ZRANGE z [a [c BYLEX WITHSCORES',
    'ZRANGE z 0 3 BYSCORE BYLEX', 'ZRANGE z 0 3 REV', 'ZRANGE z 0 3 REV REV', 'ZRANGE z 3 0 BYSCORE REV',
    'ZRANGE z 0 3 BYSCORE REV', 'ZRANGE z (1 +inf BYSCORE LIMIT 1 -1 WITHSCORES', 'ZRANGE z (1 +inf BYSCORE LIMIT 1',
    'ZRANGE z (1 +inf BYSCORE LIMIT a 1', 'ZRANGE z a b BYSCORE', 'ZRANGE z a b', 'ZRANGE z 0 1 foo',
    'ZRANGE z 0 1 WITHSCORES WITHSCORES', 'ZRANGE z 0 1 LIMIT 1 1 WITHSCORES', 'ZRANGE nokey 0 -1', 'ZRANGE nokey a b',
    'ZRANGE nokey a b BYSCORE', 'ZRANGE nokey a b BYLEX', 'ZRANGE z - + BYLEX LIMIT 1 2', 'ZRANGE z + - BYLEX REV LIMIT 1 2',
    'ZRANGE z 0 -1 BYSCORE LIMIT 0 -5', 'ZRANGE z 0 -1 BYSCORE LIMIT -1 2', 'ZRANGE z -inf +inf BYSCORE LIMIT 4 2',
    'ZRANGE z -inf +inf BYSCORE LIMIT 3 2', 'ZRANGE z -inf +inf BYSCORE LIMIT 3 0', 'ZRANGE z +inf -inf BYSCORE REV LIMIT 3 2',
    'ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 0 2', 'ZRANGEBYSCORE z -inf +inf LIMIT 0', 'ZRANGEBYSCORE z -inf +inf REV',
    'ZRANGEBYSCORE z -inf +inf BYLEX', 'ZRANGEBYSCORE z ( (', 'ZRANGEBYSCORE z 1e400 1e500', 'ZRANGEBYSCORE z 0x1 0x2',
    'ZRANGEBYSCORE z nan 1', 'ZRANGEBYSCORE z (nan 1', 'ZRANGEBYSCORE z (1 (1', 'ZRANGEBYSCORE z 1 1', 'ZRANGEBYSCORE z 3 1',
    'ZRANGEBYLEX z a b', 'ZRANGEBYLEX z [a (c WITHSCORES', 'ZRANGEBYLEX z [a (c LIMIT 0 1', 'ZRANGEBYLEX z +a [b',
    'ZRANGEBYLEX z [c [a', 'ZRANGEBYLEX z - -', 'ZRANGEBYLEX z + -', 'ZREVRANGEBYLEX z + - LIMIT 1 2', 'ZREVRANGEBYLEX z [c (a',
    'ZREVRANGEBYLEX z [c (a BYSCORE', 'ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2', 'ZREVRANGEBYSCORE z (4 (1 WITHSCORES',
    'ZREVRANGE z 0 1 WITHSCORES', 'ZREVRANGE z 0 1 WITHSCORES x', 'ZREVRANGE z 0 1 LIMIT 0 1', 'ZREVRANGE z 0 1 REV',
    'ZREVRANGE z -2 -1 WITHSCORES', 'ZREVRANGE z 1 100', 'ZRANGE z -100 1', 'ZRANGE z 5 10', 'ZRANGE z 2 1',
    'SET str v', 'ZRANGE str 0 -1', 'ZRANGEBYSCORE str 0 1', 'ZRANGE str a b',
  ]));

test('score and lex bounds as strtod and zslParseLexRange read them: spaces, empty, NUL bytes', () =>
  sameCommands([
    ['ZADD', 'z', '0', 'a', '0', 'b', '1', 'c'], ['ZRANGEBYSCORE', 'z', ' 1', '2'], ['ZRANGEBYSCORE', 'z', '', ''],
    ['ZRANGEBYSCORE', 'z', '1 ', '2'], ['ZRANGEBYSCORE', 'z', '0\x00x', '(3\x00'], ['ZRANGEBYSCORE', 'z', '(', '+inf'],
    ['ZRANGEBYLEX', 'z', '+\x00x', '-'], ['ZRANGEBYLEX', 'z', '-\x00x', '+'], ['ZRANGEBYLEX', 'z', '', '+'],
    ['ZRANGEBYLEX', 'z', '[', '(b'], ['ZRANGEBYLEX', 'z', '(', '[\xff'], ['ZCOUNT', 'z', '\t0', '\n1'],
  ]));

test('ZRANGESTORE: stores, deletes the destination on an empty result, refuses WITHSCORES', () =>
  same([
    'ZADD z 1 a 2 b 3 c 4 d', 'ZRANGESTORE dst z 0 -1 WITHSCORES', 'ZRANGESTORE dst z 0 -1', 'ZRANGE dst 0 -1 WITHSCORES',
    'ZRANGESTORE dst z 0 -1 BYSCORE REV', 'EXISTS dst', 'ZRANGESTORE dst z [b + BYLEX LIMIT 0 2', 'ZRANGE dst 0 -1 WITHSCORES',
    'ZRANGESTORE dst z +inf -inf BYSCORE REV LIMIT 0 2', 'ZRANGE dst 0 -1 WITHSCORES', 'ZRANGESTORE dst nokey 0 -1',
    'EXISTS dst', 'SET str v', 'ZRANGESTORE dst str 0 -1', 'ZRANGESTORE str z 0 0', 'TYPE str', 'ZRANGESTORE z z 1 2',
    'ZRANGE z 0 -1 WITHSCORES', 'ZRANGESTORE dst z 0', 'ZRANGESTORE dst z a b',
  ]));

test('ZREM and ZREMRANGEBYRANK|SCORE|LEX: counts, errors, emptied keys deleted', () =>
  same([
    'ZADD z 1 a 2 b 3 c 4 d 5 e', 'ZREM z a x', 'ZREM z', 'ZREMRANGEBYRANK z 0 0', 'ZREMRANGEBYRANK z a 1',
    'ZREMRANGEBYSCORE z (2 3', 'ZREMRANGEBYSCORE z x 3', 'ZREMRANGEBYLEX z [a (b', 'ZREMRANGEBYLEX z x y',
    'ZRANGE z 0 -1 WITHSCORES', 'ZREMRANGEBYRANK z 5 10', 'ZREMRANGEBYRANK z -1 -1', 'ZREMRANGEBYRANK nokey 0 -1',
    'ZREMRANGEBYSCORE z -inf +inf', 'EXISTS z', 'ZADD l 0 a 0 b 0 c', 'ZREMRANGEBYLEX l - +', 'EXISTS l',
    'ZADD z 1 a', 'ZREM z a', 'EXISTS z', 'SET str v', 'ZREM str a', 'ZREMRANGEBYRANK str 0 1', 'ZREMRANGEBYSCORE str 0 1',
    'ZREMRANGEBYLEX str - +',
  ]));

test('ZPOPMIN ZPOPMAX ZMPOP and the blocking forms when they need not block: replies and errors', () =>
  same([
    'ZADD z 1 a 2 b 3 c 4 d 5 e', 'ZPOPMIN z', 'ZPOPMIN z 0', 'ZPOPMIN z -1', 'ZPOPMIN z a', 'ZPOPMIN z 1 2',
    'ZPOPMAX nokey', 'ZPOPMAX nokey 2', 'ZPOPMAX z 2', 'ZPOPMIN z 10', 'EXISTS z', 'ZADD z 1 a 2 b 3 c',
    'ZMPOP 1 z MIN', 'ZMPOP 1 z max COUNT 5', 'ZMPOP 1 z MIN', 'ZMPOP 0 z MIN', 'ZMPOP -1 z MIN', 'ZMPOP a z MIN',
    'ZMPOP 2 z MIN', 'ZMPOP 1 z foo', 'ZMPOP 1 z MIN COUNT 0', 'ZMPOP 1 z MIN COUNT -1', 'ZMPOP 1 z MIN COUNT a',
    'ZMPOP 1 z MIN COUNT 1 COUNT 2', 'ZMPOP 1 z MIN foo', 'ZMPOP 3 a b c MAX', 'BZPOPMIN z a', 'BZPOPMIN z -1',
    'BZPOPMIN z 0.01', 'BZPOPMAX z 0.01', 'BZMPOP 0.01 1 z MIN', 'BZMPOP 0.01 0 z MIN', 'BZMPOP x 1 z MIN',
    'BZMPOP -1 1 z MIN', 'BZMPOP 0.01 1 z MIN COUNT 0', 'BZMPOP x 0 z MIN', 'BZMPOP x 1 z foo', 'SET str v',
    'BZPOPMIN str 0', 'BZPOPMIN z str 0', 'BZMPOP 0 2 z str MIN', 'ZMPOP 2 z str MIN', 'ZMPOP 2 str z MIN',
    'ZADD z 1 a', 'ZPOPMIN str z', 'ZPOPMIN str', 'ZPOPMIN str 0', 'BZPOPMIN nokey z 0', 'ZADD z 1 a 2 b',
    'BZMPOP 0 2 y z MAX COUNT 10', 'ZADD z 1 a 2 b', 'ZMPOP 1 z MAX COUNT 1', 'BZPOPMAX z 0',
  ]));

test('ZUNION ZINTER ZDIFF (and STORE), ZINTERCARD: WEIGHTS, AGGREGATE, sets as inputs, numkeys errors', () =>
  same([
    'ZADD z 1 a 2 b 3 c', 'ZADD z2 10 b 20 c 30 d', 'SADD s a b x', 'SET str v', 'ZUNION 2 z z2', 'ZUNION 2 z z2 WITHSCORES',
    'ZUNION 2 z s WITHSCORES', 'ZUNION 2 z str', 'ZUNION 2 z str WEIGHTS x', 'ZUNION 0 z', 'ZUNION -1 z', 'ZUNION a z',
    'ZUNION 3 z z2', 'ZUNION 1 z WEIGHTS', 'ZUNION 1 z WEIGHTS 2 3', 'ZUNION 2 z z2 WEIGHTS 2', 'ZUNION 2 z z2 WEIGHTS 2 x',
    'ZUNION 2 z z2 WEIGHTS 2 nan', 'ZUNION 2 z z2 WEIGHTS 2 inf WITHSCORES', 'ZUNION 2 z z2 WEIGHTS 2 0x10 WITHSCORES',
    'ZUNION 2 z z2 AGGREGATE foo', 'ZUNION 2 z z2 AGGREGATE', 'ZUNION 2 z z2 AGGREGATE MIN WITHSCORES',
    'ZUNION 2 z z2 aggregate max WITHSCORES', 'ZUNION 2 z z2 AGGREGATE MAX AGGREGATE SUM WEIGHTS 1 2 WEIGHTS 3 4 WITHSCORES',
    'ZINTER 2 z z2 WITHSCORES', 'ZINTER 2 z nokey WITHSCORES', 'ZINTER 2 z s WEIGHTS 1 5 WITHSCORES',
    'ZINTER 2 z s WEIGHTS 1 5 AGGREGATE MAX WITHSCORES', 'ZINTER 2 z z WITHSCORES', 'ZDIFF 2 z z2 WITHSCORES',
    'ZDIFF 2 z z2 WEIGHTS 1 2', 'ZDIFF 2 z z2 AGGREGATE SUM', 'ZDIFF 1 z WITHSCORES', 'ZDIFF 2 s z WITHSCORES',
    'ZDIFF 2 nokey z WITHSCORES', 'ZUNIONSTORE dst 2 z z2', 'ZRANGE dst 0 -1 WITHSCORES', 'ZUNIONSTORE dst 2 z z2 WITHSCORES',
    'ZINTERSTORE dst 2 z nokey', 'EXISTS dst', 'ZDIFFSTORE dst 2 z z2', 'ZRANGE dst 0 -1 WITHSCORES', 'ZINTERSTORE dst 0 z',
    'ZUNIONSTORE dst 1 str', 'ZUNIONSTORE dst 1 s', 'ZRANGE dst 0 -1 WITHSCORES', 'ZUNIONSTORE str 1 z', 'TYPE str',
    'ZINTERSTORE z 2 z z2', 'ZRANGE z 0 -1 WITHSCORES', 'ZINTERCARD 2 z z2', 'ZINTERCARD 2 z2 s', 'ZINTERCARD 2 z2 z2 LIMIT 1',
    'ZINTERCARD 2 z z2 LIMIT -1', 'ZINTERCARD 2 z z2 LIMIT a', 'ZINTERCARD 0 z', 'ZINTERCARD 2 z', 'ZINTERCARD 2 z2 str',
    'ZINTERCARD 1 z foo', 'ZINTERCARD 1 z2 LIMIT 0', 'ZINTERCARD 1 z2 WITHSCORES', 'ZINTERCARD 1 z2 WEIGHTS 1',
  ]));

test('set algebra arithmetic: inf - inf is 0, 0 * inf weights, -0, and the order float sums are made in', () =>
  same([
    'ZADD a 0 x 1 y', 'ZUNION 1 a WEIGHTS -1 WITHSCORES', 'ZUNIONSTORE d 1 a WEIGHTS -1', 'ZSCORE d x',
    'ZADD l 1 a 1 b 1 c', 'ZUNION 2 l l WEIGHTS 1 -1 WITHSCORES', 'ZADD inf 1 a', 'ZUNION 2 inf inf WEIGHTS inf -inf WITHSCORES',
    'ZUNION 2 inf inf WEIGHTS 0 inf WITHSCORES', 'ZINTER 2 inf inf WEIGHTS 0 inf WITHSCORES',
    'ZINTER 2 inf inf WEIGHTS 0 inf AGGREGATE MIN WITHSCORES', 'ZINTER 2 inf inf WEIGHTS inf 0 AGGREGATE MAX WITHSCORES',
    'ZADD f1 0.1 m 0.2 n', 'ZADD f2 0.2 m 0.3 n 1 o', 'ZADD f3 0.3 m', 'ZUNION 3 f1 f2 f3 WITHSCORES',
    'ZUNION 3 f2 f3 f1 WITHSCORES', 'ZUNION 3 f3 f2 f1 WITHSCORES', 'ZINTER 3 f2 f1 f3 WITHSCORES', 'ZINTER 3 f3 f1 f2 WITHSCORES',
  ]));

test('ZRANDMEMBER: counts, errors and shapes (members are random: compared where they are not)', () =>
  same([
    'ZADD z 1 a 2 b 3 c', 'SET str v', 'ZRANDMEMBER nokey', 'ZRANDMEMBER nokey 5', 'ZRANDMEMBER nokey -5 WITHSCORES',
    'ZRANDMEMBER z 0', 'ZRANDMEMBER z a', 'ZRANDMEMBER z 1 WITHSCORES x', 'ZRANDMEMBER z 1 foo',
    'ZRANDMEMBER z -9223372036854775808', 'ZRANDMEMBER z -4611686018427387904 WITHSCORES',
    'ZRANDMEMBER z 4611686018427387904 WITHSCORES', 'ZRANDMEMBER str', 'ZRANDMEMBER str 1', 'ZADD one 7 only',
    'ZRANDMEMBER one', 'ZRANDMEMBER one -3 WITHSCORES', 'ZRANDMEMBER one 3 WITHSCORES',
  ]));

test('ZRANDMEMBER picks members of the set: distinct for a positive count, repeats for a negative one', async () => {
  await io.flushall();
  const members = Array.from({ length: 50 }, (_, i) => `m${i}`);
  await io.zadd('z', ...members.flatMap((m, i) => [i, m]));
  for (const count of [1, 5, 16, 17, 40, 49, 50, 80]) {
    const got = await io.zrandmember('z', count);
    assert.is(got.length, Math.min(count, 50));
    assert.is(new Set(got).size, got.length, `distinct for ${count}`);
    for (const m of got) assert.ok(members.includes(m));
  }
  const repeated = await io.zrandmember('z', -200, 'WITHSCORES');
  assert.is(repeated.length, 400);
  for (let i = 0; i < repeated.length; i += 2) assert.is(repeated[i + 1], String(members.indexOf(repeated[i])));
  assert.ok(new Set(repeated.filter((_, i) => i % 2 === 0)).size < 200, 'a negative count repeats members');
});

test('RESP3: scores are doubles, WITHSCORES pairs, flat ZPOPMIN without a count, nested with one', () =>
  same([
    'ZADD z 1 a 2.5 b 3 c', 'ZADD z INCR 1 a', 'ZADD z NX INCR 1 a', 'ZINCRBY z 1 a', 'ZSCORE z a', 'ZSCORE z nope',
    'ZMSCORE z a nope', 'ZRANK z a', 'ZRANK z nope', 'ZRANGE z 0 -1 WITHSCORES', 'ZRANGE z 0 -1',
    'ZRANGEBYSCORE z -inf +inf WITHSCORES', 'ZREVRANGEBYSCORE z +inf -inf WITHSCORES', 'ZREVRANGE z 0 -1 WITHSCORES',
    'ZUNION 1 z WITHSCORES', 'ZINTER 1 z WITHSCORES', 'ZDIFF 1 z WITHSCORES', 'ZRANDMEMBER one -2 WITHSCORES', 'ZADD one 1 x',
    'ZRANDMEMBER one -2 WITHSCORES', 'ZRANDMEMBER one 2 WITHSCORES', 'ZSCAN z 0', 'ZPOPMIN z', 'ZPOPMIN z 1', 'ZPOPMAX z 5',
    'ZPOPMIN z', 'ZADD z 1 a 2 b', 'ZMPOP 1 z MIN', 'ZMPOP 1 nokey MIN', 'BZPOPMIN nokey 0.01', 'BZPOPMIN z 0',
    'BZMPOP 0.01 1 nokey MIN', 'ZADD inf inf x', 'ZSCORE inf x', 'ZRANGE inf 0 -1 WITHSCORES',
  ], '3'));

test('ZSCAN: a small set in one call in sorted order, MATCH, cursor and option errors', () =>
  same([
    'ZADD z 2 b 1.5 a 3 c', 'ZSCAN z 0', 'ZSCAN z 0 MATCH a', 'ZSCAN z 0 COUNT 0', 'ZSCAN z x', 'ZSCAN nokey 0',
    'ZSCAN nokey 0 COUNT 0', 'SET str v', 'ZSCAN str 0 COUNT 0', 'ZSCAN z 0 COUNT 1', 'ZSCAN z 0 TYPE zset',
    'ZSCAN z 0 NOVALUES', 'ZSCAN z 0 MATCH', 'ZSCAN z 18446744073709551616',
  ]));

test('ZSCAN over a big set returns every member once per full iteration, with its score', async () => {
  await io.flushall();
  const n = 1000;
  await io.zadd('big', ...Array.from({ length: n }, (_, i) => [i / 4, `member:${i}`]).flat());
  const seen = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = await io.zscan('big', cursor, 'COUNT', 20);
    for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
    cursor = next;
    calls++;
  } while (cursor !== '0');
  assert.ok(calls > 10, 'a big set is scanned over several calls');
  assert.is(seen.size, n);
  for (let i = 0; i < n; i++) assert.is(seen.get(`member:${i}`), String(i / 4));
});

test('OBJECT ENCODING: listpack until zset-max-listpack-entries/-value is passed, then skiplist for good', () =>
  same([
    'ZADD z 1 a', 'OBJECT ENCODING z', `ZADD long 1 ${'x'.repeat(64)}`, 'OBJECT ENCODING long', `ZADD longer 1 ${'x'.repeat(65)}`,
    'OBJECT ENCODING longer', 'ZREM longer ' + 'x'.repeat(65), 'CONFIG SET zset-max-listpack-entries 2', 'ZADD z 2 b',
    'OBJECT ENCODING z', 'ZADD z 3 c', 'OBJECT ENCODING z', 'ZREM z c b', 'OBJECT ENCODING z', 'ZUNIONSTORE u 1 z',
    'OBJECT ENCODING u', 'ZADD three 1 a 2 b 3 c', 'ZRANGESTORE r three 0 1', 'OBJECT ENCODING r', 'ZRANGESTORE r three 0 -1',
    'OBJECT ENCODING r', 'CONFIG SET zset-max-listpack-entries 128',
  ]));

test('COMMAND GETKEYS finds the keys of the numkeys and STORE forms', () =>
  same([
    'COMMAND GETKEYS ZUNION 2 a b WEIGHTS 1 2', 'COMMAND GETKEYS ZINTERSTORE dst 2 a b', 'COMMAND GETKEYS ZDIFFSTORE dst 1 a',
    'COMMAND GETKEYS ZINTERCARD 3 a b c LIMIT 1', 'COMMAND GETKEYS ZMPOP 2 a b MIN', 'COMMAND GETKEYS BZMPOP 0 2 a b MAX',
    'COMMAND GETKEYS BZPOPMIN a b c 0', 'COMMAND GETKEYS ZRANGESTORE dst src 0 -1', 'COMMAND GETKEYS ZADD k 1 a',
  ]));

// ---- keyspace events ----

test('keyspace events: names and order as in Redis 7.0', async () => {
  const lines = [
    'ZADD z 1 a 2 b 3 c', 'ZADD z 1 a', 'ZADD z XX 5 nope', 'ZINCRBY z 1 a', 'ZADD z INCR 1 b', 'ZREM z nope', 'ZREM z a',
    'ZREMRANGEBYRANK z 0 0', 'ZADD z 1 x 2 y', 'ZREMRANGEBYSCORE z 1 1', 'ZADD lx 0 m 0 n', 'ZREMRANGEBYLEX lx [m [m',
    'ZPOPMIN z', 'ZPOPMAX z', 'ZADD z 1 a 2 b', 'ZMPOP 1 z MAX COUNT 5', 'ZADD z 1 a', 'BZPOPMIN z 0', 'ZADD s 1 a',
    'ZRANGESTORE d s 0 -1', 'ZRANGESTORE d s 5 6', 'ZUNIONSTORE u 1 s', 'ZINTERSTORE u 2 s nokey', 'ZDIFFSTORE u 1 s',
    'ZREM s a',
  ];
  const [expected, actual] = await Promise.all([eventLog(redis.port, lines), eventLog(ferrite.port, lines)]);
  assert.ok(expected.length > 20);
  assert.equal(actual, expected);
});

/** The (event, key) pairs a subscriber sees while `lines` run. */
async function eventLog(port: number, lines: string[]): Promise<string[]> {
  const [sub, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    for (const line of lines) await c.call(...split(line));
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    // Every event was published before this SUBSCRIBE runs: read up to its confirmation.
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

// ---- blocking pops with several clients, on both servers ----

interface Step {
  c: number;
  /** The command, split on spaces. */
  cmd?: string;
  /** The command may block: don't wait for its reply now. */
  blocks?: boolean;
  /** Leave this command's reply out of the comparison (HELLO names the client id). */
  ignore?: boolean;
  /** After the step, wait until the server counts this many blocked clients. */
  then?: number;
}

async function waitBlocked(control: RawClient, n: number): Promise<void> {
  for (;;) {
    const m = /blocked_clients:(\d+)/.exec(await control.call('INFO', 'clients'));
    if (m !== null && Number(m[1]) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs the steps with `clients` connections; returns each client's replies in order. */
async function runScenario(port: number, clients: number, steps: Step[]): Promise<string[][]> {
  const control = await RawClient.connect(port);
  const conns = await Promise.all(Array.from({ length: clients }, () => RawClient.connect(port)));
  try {
    await control.call('FLUSHALL');
    const pending: boolean[][] = conns.map(() => []);
    const replies: string[][] = conns.map(() => []);
    const drain = async (i: number): Promise<void> => {
      const got = await conns[i].replies(pending[i].length);
      replies[i].push(...got.filter((_, j) => !pending[i][j]));
      pending[i] = [];
    };
    for (const step of steps) {
      if (step.cmd !== undefined) {
        conns[step.c].command(...split(step.cmd));
        pending[step.c].push(step.ignore === true);
        if (!step.blocks) await drain(step.c);
      }
      if (step.then !== undefined) await waitBlocked(control, step.then);
    }
    for (let i = 0; i < clients; i++) await drain(i);
    return replies;
  } finally {
    control.close();
    for (const c of conns) c.close();
  }
}

/** Runs the scenario on both servers, asserts every client got the same replies, returns them. */
async function scenarioReplies(clients: number, steps: Step[]): Promise<string[][]> {
  const expected = await runScenario(redis.port, clients, steps);
  const actual = await runScenario(ferrite.port, clients, steps);
  assert.equal(actual, expected);
  return actual;
}

async function sameScenario(clients: number, steps: Step[]): Promise<void> {
  await scenarioReplies(clients, steps);
}

test('BZPOPMIN/BZPOPMAX: a ZADD serves the client blocked longest first, one member each', async () => {
  const replies = await scenarioReplies(4, [
    { c: 0, cmd: 'BZPOPMIN k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BZPOPMAX k 0', blocks: true, then: 2 },
    { c: 2, cmd: 'BZPOPMIN other k 0', blocks: true, then: 3 },
    { c: 3, cmd: 'ZADD k 1 a 2 b', then: 1 },
    { c: 3, cmd: 'ZADD k 3 c 4 d', then: 0 },
    { c: 3, cmd: 'ZRANGE k 0 -1 WITHSCORES' },
  ]);
  assert.equal(replies[0], ['*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n']);
  assert.equal(replies[1], ['*3\r\n$1\r\nk\r\n$1\r\nb\r\n$1\r\n2\r\n']);
});

test('BZMPOP is served with up to COUNT members from the key that got them', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BZMPOP 0 2 a b MAX COUNT 2', blocks: true, then: 1 },
    { c: 1, cmd: 'BZMPOP 0 1 b MIN', blocks: true, then: 2 },
    { c: 2, cmd: 'ZADD b 1 w 2 x 3 y 4 z', then: 0 },
    { c: 2, cmd: 'ZRANGE b 0 -1' },
    { c: 0, cmd: 'BZMPOP 0 2 a c MIN COUNT 10', blocks: true, then: 1 },
    { c: 2, cmd: 'ZADD a 5 q', then: 0 },
    { c: 2, cmd: 'EXISTS a' },
  ]));

test('a client waiting on several keys is served from the key that got members first', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BZPOPMIN a b 0', blocks: true, then: 1 },
    { c: 1, cmd: 'MULTI' },
    { c: 1, cmd: 'ZADD b 1 x' },
    { c: 1, cmd: 'ZADD a 1 y' },
    { c: 1, cmd: 'EXEC', then: 0 },
    { c: 1, cmd: 'ZRANGE a 0 -1' },
    { c: 1, cmd: 'ZRANGE b 0 -1' },
    { c: 0, cmd: 'BZMPOP 0 2 c d MAX', blocks: true, then: 1 },
    { c: 1, cmd: 'MULTI' },
    { c: 1, cmd: 'ZADD d 1 x' },
    { c: 1, cmd: 'ZADD c 1 y' },
    { c: 1, cmd: 'EXEC', then: 0 },
    { c: 1, cmd: 'ZRANGE c 0 -1' },
  ]));

test('timeouts give a null array, in RESP2 and RESP3; a fraction of a millisecond waits for a ZADD', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BZPOPMIN k 0.05', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 0, cmd: 'BZMPOP 0.05 2 k j MAX COUNT 2', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 1, cmd: 'HELLO 3', ignore: true },
    { c: 1, cmd: 'BZPOPMAX k 0.05', blocks: true, then: 1 },
    { c: 1, then: 0 },
    { c: 1, cmd: 'BZMPOP 0.05 1 k MIN', blocks: true, then: 1 },
    { c: 1, then: 0 },
    { c: 1, cmd: 'HELLO 2', ignore: true },
    { c: 0, cmd: 'BZPOPMIN k 0.0001', blocks: true, then: 1 },
    { c: 2, cmd: 'ZADD k 1 a', then: 0 },
  ]));

test('a key that becomes another type leaves the client blocked until it holds a sorted set', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BZPOPMIN k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'SET k str', then: 1 },
    { c: 1, cmd: 'DEL k', then: 1 },
    { c: 1, cmd: 'RPUSH k m', then: 1 },
    { c: 1, cmd: 'DEL k' },
    { c: 1, cmd: 'ZADD k 7 z', then: 0 },
    { c: 0, cmd: 'BZMPOP 0 2 a b MIN', blocks: true, then: 1 },
    { c: 1, cmd: 'SET a str', then: 1 },
    { c: 1, cmd: 'ZADD b 1 m', then: 0 },
  ]));

test('inside MULTI the blocking pops answer at once; ZADDs in a transaction serve waiters after EXEC', () =>
  sameScenario(2, [
    { c: 1, cmd: 'MULTI' },
    { c: 1, cmd: 'BZPOPMIN k 0' },
    { c: 1, cmd: 'BZMPOP 0 1 k MAX' },
    { c: 1, cmd: 'EXEC' },
    { c: 0, cmd: 'BZPOPMAX k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'MULTI' },
    { c: 1, cmd: 'ZADD k 1 a' },
    { c: 1, cmd: 'ZADD k 2 b' },
    { c: 1, cmd: 'ZCARD k' },
    { c: 1, cmd: 'EXEC', then: 0 },
    { c: 1, cmd: 'ZRANGE k 0 -1' },
  ]));

test('inside a script BZMPOP answers at once and BZPOPMIN is refused (noscript)', () =>
  sameCommands([
    ['ZADD', 'z', '1', 'a'],
    ['EVAL', "return redis.call('bzmpop', 0, 1, KEYS[1], 'min')", '1', 'nokey'],
    ['EVAL', "return redis.call('bzmpop', 0, 1, KEYS[1], 'max')", '1', 'z'],
    ['EVAL', "return redis.pcall('bzpopmin', KEYS[1], 0)", '1', 'z'],
  ]));

test('ZUNIONSTORE, ZRANGESTORE and ZINCRBY into a waited key serve the waiter', () =>
  sameScenario(4, [
    { c: 3, cmd: 'ZADD src 1 a 2 b' },
    { c: 0, cmd: 'BZPOPMIN u 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BZPOPMAX r 0', blocks: true, then: 2 },
    { c: 2, cmd: 'BZMPOP 0 1 i MIN', blocks: true, then: 3 },
    { c: 3, cmd: 'ZUNIONSTORE u 1 src', then: 2 },
    { c: 3, cmd: 'ZRANGESTORE r src 0 -1', then: 1 },
    { c: 3, cmd: 'ZINCRBY i 5 m', then: 0 },
    { c: 3, cmd: 'ZRANGE u 0 -1' },
    { c: 3, cmd: 'ZRANGE r 0 -1' },
    { c: 3, cmd: 'EXISTS i' },
  ]));

// ---- Ferrite only: what reaches replicas and the AOF ----

async function propagated(run: (c: RawClient, d: RawClient) => Promise<void>): Promise<string[][]> {
  const log: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void log.push(argv);
  const sinks = ferrite.server.state.sinks;
  const [c, d] = await Promise.all([RawClient.connect(ferrite.port), RawClient.connect(ferrite.port)]);
  try {
    await c.call('FLUSHALL');
    sinks.push(sink);
    await run(c, d);
    return log;
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
    c.close();
    d.close();
  }
}

test('propagation: served blocking pops become ZPOPMIN/ZPOPMAX key count, ZMPOP too', async () => {
  const log = await propagated(async (c, d) => {
    c.command('BZPOPMIN', 'k', '0');
    await waitBlocked(d, 1);
    await d.call('ZADD', 'k', '1', 'a', '2', 'b');
    await c.reply();
    c.command('BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '5');
    await c.reply();
    for (const line of ['ZADD k 3 c', 'BZPOPMAX k 0', 'ZADD k 4 d', 'ZMPOP 1 k MIN', 'ZPOPMIN k', 'ZMPOP 1 k MIN', 'ZADD k 1 x', 'ZPOPMAX k 3']) {
      await c.call(...split(line));
    }
  });
  assert.equal(log, [
    ['ZADD', 'k', '1', 'a', '2', 'b'], ['ZPOPMIN', 'k', '1'], ['ZPOPMAX', 'k', '5'],
    ['ZADD', 'k', '3', 'c'], ['ZPOPMAX', 'k', '1'], ['ZADD', 'k', '4', 'd'], ['ZPOPMIN', 'k', '1'],
    ['ZADD', 'k', '1', 'x'], ['ZPOPMAX', 'k', '3'],
  ]);
});

test('propagation: commands that change nothing are not propagated; stores are', async () => {
  const log = await propagated(async (c) => {
    for (const line of [
      'ZADD z 1 a', 'ZADD z 1 a', 'ZADD z NX 2 a', 'ZREM z nope', 'ZPOPMIN nokey', 'ZREMRANGEBYSCORE z 5 6', 'ZRANGE z 0 -1',
      'ZUNIONSTORE u 1 z', 'ZINTERSTORE none 2 z nokey', 'ZINCRBY z 0 a',
    ]) await c.call(...split(line));
  });
  assert.equal(log, [['ZADD', 'z', '1', 'a'], ['ZUNIONSTORE', 'u', '1', 'z']]);
});

// ---- property: the server's rank and range answers equal a naive sorted array's ----

interface Item { score: number; member: string }

function compareItems(a: Item, b: Item): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

type Op =
  | { kind: 'add'; score: number; member: string }
  | { kind: 'rem'; member: string }
  | { kind: 'incr'; by: number; member: string }
  | { kind: 'remrank'; start: number; stop: number };

const memberArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'z', '\x00', '\xff'), minLength: 1, maxLength: 3 });
const scoreArb = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, -2.25, 1e300));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), score: scoreArb, member: memberArb }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('rem' as const), member: memberArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('incr' as const), by: fc.integer({ min: -3, max: 3 }), member: memberArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('remrank' as const), start: fc.integer({ min: -6, max: 6 }), stop: fc.integer({ min: -6, max: 6 }) }), weight: 1 },
);

function applyToModel(model: Map<string, number>, op: Op): void {
  if (op.kind === 'add') model.set(op.member, op.score);
  else if (op.kind === 'rem') model.delete(op.member);
  else if (op.kind === 'incr') model.set(op.member, (model.get(op.member) ?? 0) + op.by);
  else for (const it of indexSpan(sortedModel(model), op.start, op.stop)) model.delete(it.member);
}

function sortedModel(model: Map<string, number>): Item[] {
  return [...model].map(([member, score]) => ({ member, score })).sort(compareItems);
}

const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

async function applyToServer(op: Op): Promise<void> {
  if (op.kind === 'add') await io.zadd(buf('p'), op.score, buf(op.member));
  else if (op.kind === 'rem') await io.zrem(buf('p'), buf(op.member));
  else if (op.kind === 'incr') await io.zincrby(buf('p'), op.by, buf(op.member));
  else await io.zremrangebyrank(buf('p'), op.start, op.stop);
}

/** Redis' start/stop index rules over a list. */
function indexSpan<T>(list: T[], start: number, stop: number): T[] {
  const n = list.length;
  const s = Math.max(start < 0 ? n + start : start, 0);
  const e = Math.min(stop < 0 ? n + stop : stop, n - 1);
  return s > e ? [] : list.slice(s, e + 1);
}

const latin = (bs: Buffer[]): string[] => bs.map((b) => b.toString('latin1'));

async function checkAgainstModel(items: Item[], probes: { a: number; b: number; lo: number; hi: number }): Promise<void> {
  const members = items.map((it) => it.member);
  assert.equal(latin(await io.zrangeBuffer(buf('p'), 0, -1)), members);
  for (const [i, member] of members.entries()) {
    assert.is(await io.zrank(buf('p'), buf(member)), i);
    assert.is(await io.zrevrank(buf('p'), buf(member)), members.length - 1 - i);
  }
  assert.equal(latin(await io.zrangeBuffer(buf('p'), probes.a, probes.b)), indexSpan(members, probes.a, probes.b));
  assert.equal(latin(await io.zrevrangeBuffer(buf('p'), probes.a, probes.b)), indexSpan([...members].reverse(), probes.a, probes.b));
  const inScore = items.filter((it) => it.score >= probes.lo && it.score <= probes.hi).map((it) => it.member);
  assert.equal(latin(await io.zrangebyscoreBuffer(buf('p'), probes.lo, probes.hi)), inScore);
  assert.equal(latin(await io.zrevrangebyscoreBuffer(buf('p'), probes.hi, probes.lo)), [...inScore].reverse());
  assert.is(await io.zcount(buf('p'), probes.lo, probes.hi), inScore.length);
  assert.equal(latin(await io.zrangebyscoreBuffer(buf('p'), probes.lo, '+inf', 'LIMIT', 1, 2)), items.filter((it) => it.score >= probes.lo).map((it) => it.member).slice(1, 3));
}

test('property: ranks and ranges equal a naive sorted array after random operations', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 5, maxLength: 80, size: 'max' }),
      fc.record({ a: fc.integer({ min: -8, max: 8 }), b: fc.integer({ min: -8, max: 8 }), lo: fc.integer({ min: -6, max: 6 }), hi: fc.integer({ min: -6, max: 6 }) }),
      async (ops, probes) => {
        await io.del('p');
        const model = new Map<string, number>();
        for (const op of ops) {
          applyToModel(model, op);
          await applyToServer(op);
        }
        await checkAgainstModel(sortedModel(model), probes);
      },
    ),
    { numRuns: 60, seed: 20240607 },
  );
});

test.run();
