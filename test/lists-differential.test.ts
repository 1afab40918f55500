// List commands against Debian's real redis-server, byte for byte: hand-picked edge cases (errors,
// option parsing, RESP2/RESP3 null shapes, MULTI), keyspace notifications, and a generated corpus
// from a seeded PRNG whose replies and final dataset must match.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { mulberry32 as prng } from './helpers/random.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  // hz 100: the real server checks blocked clients' timeouts on its cron, and the corpus has many short ones.
  [redis, ferrite] = await Promise.all([startRedis(['--hz', '100']), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

const cmd = (line: string): string[] => line.split(' ');

/** Runs the commands on one connection per server and asserts every reply is identical (bar `skip`). */
async function same(commands: (string | Buffer)[][], skip: ReadonlySet<number> = new Set()): Promise<void> {
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ...commands]);
  results.forEach((r, i) => {
    if (!skip.has(i - 1)) assert.is(JSON.stringify(r.ferrite), JSON.stringify(r.redis), `#${i - 1} ${r.command}`);
  });
}

const sameLines = (lines: string[]): Promise<void> => same(lines.map(cmd));

/** HELLO's reply names the server and its version; everything after it must match. */
const resp3 = (lines: string[]): Promise<void> => same([['HELLO', '3'], ...lines.map(cmd)], new Set([0]));

test('pushes: lengths, variadic order, the X forms, WRONGTYPE and arity', () =>
  sameLines([
    'LPUSH l a b c', 'RPUSH l d e', 'LRANGE l 0 -1', 'LPUSHX l z', 'RPUSHX l y x', 'LRANGE l 0 -1',
    'LPUSHX missing a', 'RPUSHX missing a b', 'EXISTS missing', 'LPUSH l', 'RPUSH', 'LPUSHX l', 'SET s v',
    'LPUSH s a', 'RPUSH s a', 'LPUSHX s a', 'RPUSHX s a', 'GET s', 'LLEN l', 'LLEN missing', 'LLEN s', 'LLEN',
    'OBJECT ENCODING l', 'TYPE l',
  ]));

test('LPOP/RPOP with and without COUNT, RESP2 null shapes', () =>
  sameLines([
    'RPUSH l a b c d e f', 'LPOP l', 'RPOP l', 'LPOP l 2', 'RPOP l 2', 'LPOP l 0', 'RPOP l 0', 'LPOP l 10', 'EXISTS l',
    'LPOP l', 'LPOP l 0', 'LPOP l 3', 'RPOP l 1', 'RPUSH l a', 'LPOP l -1', 'LPOP l x', 'LPOP l 1.5', 'RPOP l 01',
    'LPOP l 9223372036854775807', 'RPUSH l a', 'LPOP l 9223372036854775808', 'LPOP l 1 2', 'RPOP l a b c', 'SET s v',
    'LPOP s', 'LPOP s 0', 'RPOP s 2', 'LPOP s -1', 'LPOP missing -1',
  ]));

test('LPOP/RPOP/LMPOP/LPOS null shapes in RESP3', () =>
  resp3([
    'LPOP missing', 'LPOP missing 1', 'LPOP missing 0', 'RPUSH l a b', 'LPOP l 0', 'RPOP l 5', 'RPOP l', 'LMPOP 1 l LEFT',
    'LPOS missing a', 'LPOS missing a COUNT 0', 'RPUSH l a', 'LPOS l z', 'LPOS l z COUNT 2', 'LINDEX l 5', 'LRANGE l 5 6',
    'BLPOP missing 0.01', 'BLMOVE missing l LEFT LEFT 0.01', 'BRPOPLPUSH missing l 0.01', 'BLMPOP 0.01 1 missing RIGHT',
    'LMOVE missing l LEFT LEFT', 'RPOPLPUSH missing l',
  ]));

test('LRANGE and LINDEX: negative and out-of-range indexes, integer parsing', () =>
  sameLines([
    'RPUSH l a b c d e', 'LRANGE l 0 -1', 'LRANGE l -2 -1', 'LRANGE l -100 1', 'LRANGE l 3 1', 'LRANGE l 5 10',
    'LRANGE l 1 100', 'LRANGE l -9223372036854775808 9223372036854775807', 'LRANGE l 0 9223372036854775808',
    'LRANGE l a 1', 'LRANGE l 0 b', 'LRANGE l +1 2', 'LRANGE missing 0 -1', 'LRANGE missing x 1',
    'LINDEX l 0', 'LINDEX l -1', 'LINDEX l -5', 'LINDEX l -6', 'LINDEX l 5', 'LINDEX l x', 'LINDEX missing x',
    'LINDEX l 9223372036854775807', 'LINDEX l -9223372036854775808', 'SET s v', 'LRANGE s 0 -1', 'LRANGE s x 0',
    'LINDEX s 0', 'LINDEX s x',
  ]));

test('LSET and LINSERT', () =>
  sameLines([
    'RPUSH l a b c', 'LSET l 0 A', 'LSET l -1 C', 'LSET l 3 x', 'LSET l -4 x', 'LSET l x v', 'LSET missing 0 v',
    'LSET missing x v', 'LRANGE l 0 -1', 'LINSERT l BEFORE A z', 'LINSERT l after C y', 'LINSERT l before b m',
    'LINSERT l AFTER b n', 'LINSERT l before nope v', 'LINSERT l middle b v', 'LINSERT missing BEFORE a b',
    'LINSERT missing middle a b', 'LRANGE l 0 -1', 'RPUSH d x x x', 'LINSERT d AFTER x y', 'LRANGE d 0 -1', 'SET s v',
    'LSET s 0 v', 'LINSERT s BEFORE a b', 'LINSERT s middle a b',
  ]));

test('LREM and LTRIM, deleting emptied lists', () =>
  sameLines([
    'RPUSH l a b a c a d a', 'LREM l 2 a', 'LRANGE l 0 -1', 'LREM l -1 a', 'LRANGE l 0 -1', 'LREM l 0 a', 'LRANGE l 0 -1',
    'LREM l 0 zz', 'LREM l x a', 'LREM missing 0 a', 'LREM missing x a', 'RPUSH r a a', 'LREM r 0 a', 'EXISTS r',
    'RPUSH m a b a b', 'LREM m -9223372036854775808 b', 'LRANGE m 0 -1', 'RPUSH t 0 1 2 3 4 5 6 7 8 9', 'LTRIM t 1 -2',
    'LRANGE t 0 -1', 'LTRIM t -3 100', 'LRANGE t 0 -1', 'LTRIM t 0 0', 'LRANGE t 0 -1', 'LTRIM t 2 1', 'EXISTS t',
    'LTRIM missing 0 1', 'LTRIM t x 1', 'LTRIM missing x 1', 'RPUSH u a b c', 'LTRIM u -1 -2', 'EXISTS u', 'SET s v',
    'LTRIM s 0 1', 'LREM s 0 a',
  ]));

test('LPOS: RANK, COUNT, MAXLEN and their errors', () =>
  sameLines([
    'RPUSH l a b c a b c a', 'LPOS l a', 'LPOS l c', 'LPOS l z', 'LPOS l a RANK 2', 'LPOS l a RANK -1', 'LPOS l a RANK -3',
    'LPOS l a RANK 4', 'LPOS l a COUNT 0', 'LPOS l a COUNT 2', 'LPOS l a RANK -1 COUNT 2', 'LPOS l a RANK 2 COUNT 0',
    'LPOS l a MAXLEN 3', 'LPOS l a RANK 2 MAXLEN 3', 'LPOS l c RANK -1 MAXLEN 3', 'LPOS l a COUNT 0 MAXLEN 4',
    'LPOS l a RANK 0', 'LPOS l a COUNT -1', 'LPOS l a MAXLEN -1', 'LPOS l a RANK x', 'LPOS l a COUNT x', 'LPOS l a MAXLEN x',
    'LPOS l a RANK', 'LPOS l a COUNT', 'LPOS l a foo 1', 'LPOS l a rank 1 count 1 maxlen 0', 'LPOS missing a',
    'LPOS missing a COUNT 1', 'LPOS missing a RANK 0', 'LPOS l a RANK -9223372036854775808',
    'LPOS l a RANK -9223372036854775808 COUNT 1', 'LPOS l a RANK 9223372036854775807 COUNT 0', 'SET s v', 'LPOS s a',
    'LPOS s a RANK 0',
  ]));

test('LMOVE and RPOPLPUSH: directions, rotation, WRONGTYPE on either side', () =>
  sameLines([
    'RPUSH src a b c', 'LMOVE src dst LEFT RIGHT', 'LMOVE src dst right left', 'LRANGE src 0 -1', 'LRANGE dst 0 -1',
    'LMOVE dst dst LEFT RIGHT', 'LRANGE dst 0 -1', 'LMOVE dst dst RIGHT RIGHT', 'LMOVE src src LEFT LEFT', 'LRANGE src 0 -1',
    'LMOVE src other LEFT LEFT', 'EXISTS src', 'LMOVE missing dst LEFT LEFT', 'LMOVE dst x up LEFT', 'LMOVE dst x LEFT down',
    'LMOVE missing x up down', 'RPOPLPUSH dst dst', 'RPOPLPUSH dst other', 'LRANGE other 0 -1', 'RPOPLPUSH missing x',
    'SET s v', 'LMOVE dst s LEFT LEFT', 'LRANGE dst 0 -1', 'LMOVE s dst LEFT LEFT', 'RPOPLPUSH dst s', 'RPOPLPUSH s dst',
    'LMOVE missing s LEFT LEFT',
  ]));

test('LMPOP: numkeys, direction, COUNT and their errors', () =>
  sameLines([
    'RPUSH a 1 2 3', 'RPUSH b 4 5', 'LMPOP 2 missing a LEFT', 'LMPOP 2 a b RIGHT COUNT 5', 'LMPOP 2 a b left count 10',
    'LMPOP 2 a b LEFT', 'LMPOP 1 b LEFT', 'LMPOP 0 a LEFT', 'LMPOP -1 a LEFT', 'LMPOP x a LEFT', 'LMPOP 3 a LEFT',
    'LMPOP 2 a LEFT', 'LMPOP 1 a MIDDLE', 'LMPOP 1 a LEFT COUNT 0', 'LMPOP 1 a LEFT COUNT -1', 'LMPOP 1 a LEFT COUNT x',
    'LMPOP 1 a LEFT COUNT', 'LMPOP 1 a LEFT COUNT 1 COUNT 1', 'LMPOP 1 a LEFT foo', 'LMPOP 1 a', 'SET s v',
    'RPUSH c x', 'LMPOP 2 s c LEFT', 'LMPOP 2 missing s LEFT', 'LMPOP 2 c s LEFT', 'LMPOP 9223372036854775807 a LEFT',
    'LMPOP 1 missing LEFT',
  ]));

test('blocking commands that need not block, their parse errors and timeouts', () =>
  sameLines([
    'RPUSH a 1 2 3', 'BLPOP a 0', 'BRPOP missing a 0', 'BLPOP missing 0.01', 'BRPOP missing other 0.02', 'SET s v',
    'BLPOP s 0', 'BLPOP missing s 0', 'BLPOP a s 0', 'RPUSH a 1 2 3 4 5 6', 'BLPOP a -1', 'BLPOP a x', 'BLPOP a inf', 'BLPOP a -inf',
    'BLPOP a nan', 'BLPOP a 1e16', 'BLPOP a 1e-400', 'BLPOP a 9223372036854775807', 'BLPOP a +1', 'BLPOP a .5',
    'BLPOP a 5.', 'BLPOP a ""', 'RPUSH a 1 2', 'BLMOVE a b LEFT RIGHT 0', 'BLMOVE a b up RIGHT 0', 'BLMOVE a b LEFT down 0',
    'BLMOVE a b LEFT RIGHT x', 'BLMOVE missing b LEFT RIGHT 0.01', 'BLMOVE s b LEFT RIGHT 0', 'BLMOVE a s LEFT RIGHT 0',
    'BRPOPLPUSH a b 0', 'BRPOPLPUSH missing b 0.01', 'BRPOPLPUSH s b 0', 'BRPOPLPUSH a b -1', 'LRANGE b 0 -1',
    'RPUSH c 1 2 3', 'BLMPOP 0 2 missing c RIGHT COUNT 2', 'BLMPOP 0.01 1 missing LEFT', 'BLMPOP -1 1 c LEFT',
    'BLMPOP x 1 c LEFT', 'BLMPOP 0 0 c LEFT', 'BLMPOP 0 1 c up', 'BLMPOP 0 1 c LEFT COUNT 0', 'BLMPOP x 0 c LEFT',
    'BLMPOP x 1 c LEFT COUNT 0', 'BLMPOP 0 2 s c LEFT', 'BLMPOP 0 1 c LEFT COUNT 5', 'BLPOP a b', 'BLMPOP 0 1',
  ]));

test('blocking commands inside MULTI answer at once as if timed out', () =>
  sameLines([
    'MULTI', 'BLPOP missing 0', 'BRPOP missing 0', 'BLMOVE missing x LEFT LEFT 0', 'BRPOPLPUSH missing x 0',
    'BLMPOP 0 1 missing LEFT', 'RPUSH l a b', 'BLPOP l 0', 'BLMOVE l x LEFT LEFT 0', 'BLMPOP 0 1 l LEFT COUNT 3',
    'BLPOP l 0', 'EXEC', 'MULTI', 'BLPOP missing x', 'LPUSH l', 'EXEC', 'MULTI', 'BLPOP missing -1', 'EXEC',
  ]));

test('lists inside MULTI/EXEC', () =>
  sameLines([
    'MULTI', 'RPUSH l a b c', 'LPOP l', 'LMOVE l m LEFT LEFT', 'LRANGE m 0 -1', 'SET s v', 'LPUSH s x', 'LLEN l', 'EXEC',
    'LRANGE l 0 -1',
  ]));

test('binary-safe elements and keys', () =>
  same([
    ['RPUSH', Buffer.from([0, 255, 13, 10]), Buffer.from([0]), Buffer.from(''), Buffer.from([128, 129]), Buffer.from('a\r\nb')],
    ['LRANGE', Buffer.from([0, 255, 13, 10]), '0', '-1'],
    ['LPOS', Buffer.from([0, 255, 13, 10]), Buffer.from(''), 'COUNT', '0'],
    ['LREM', Buffer.from([0, 255, 13, 10]), '0', Buffer.from([0])],
    ['LINSERT', Buffer.from([0, 255, 13, 10]), 'BEFORE', Buffer.from([128, 129]), Buffer.from([255])],
    ['LSET', Buffer.from([0, 255, 13, 10]), '0', Buffer.from([1, 2, 3])],
    ['LMOVE', Buffer.from([0, 255, 13, 10]), Buffer.from([254]), 'RIGHT', 'LEFT'],
    ['LRANGE', Buffer.from([254]), '0', '-1'],
    ['LMPOP', '2', Buffer.from([9]), Buffer.from([0, 255, 13, 10]), 'LEFT', 'COUNT', '9'],
    ['RPUSH', 'n', '1', '01', '-0', '1.0', ' 1'],
    ['LPOS', 'n', '1'], ['LPOS', 'n', '01'], ['LREM', 'n', '0', '1'], ['LRANGE', 'n', '0', '-1'],
  ]));

test('keyspace notifications: events, their order and "del" for emptied lists', async () => {
  const script = [
    'RPUSH l a b c', 'LPUSH l z', 'LPUSHX l y', 'RPUSHX missing y', 'LPOP l', 'RPOP l 2', 'LSET l 0 q', 'LINSERT l BEFORE q w',
    'LINSERT l BEFORE nope w', 'LREM l 1 w', 'LREM l 1 nope', 'LTRIM l 0 -1', 'LTRIM l 0 0', 'RPUSH l b', 'LMOVE l m LEFT RIGHT',
    'RPOPLPUSH l m', 'LMPOP 1 m RIGHT COUNT 5', 'RPUSH b 1 2', 'BLPOP b 0', 'BRPOP b 0', 'RPUSH b 1', 'BLMOVE b c RIGHT LEFT 0',
    'BRPOPLPUSH c c 0', 'BLMPOP 0 1 c LEFT', 'RPUSH t a', 'LTRIM t 1 0', 'RPUSH r x x', 'LREM r 0 x', 'SET __end x',
  ].map(cmd);
  const streams: string[] = [];
  for (const port of [redis.port, ferrite.port]) {
    const [sub, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
    try {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await sub.call('PSUBSCRIBE', '__key*__:*');
      for (const command of script) await c.call(...command);
      // SET __end's keyevent message is the last one of the run.
      streams.push(await sub.readUntil('$5\r\n__end\r\n'));
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    } finally {
      sub.close();
      c.close();
    }
  }
  assert.is(streams[1], streams[0]);
});

// ---- generated corpus ----


const KEYS = ['l1', 'l2', 'l3', 'str'];
/** Mostly lists; the string key is there for WRONGTYPE. */
const KEY_WEIGHTS = ['l1', 'l1', 'l2', 'l2', 'l3', 'l3', 'str'];
const ELEMENTS = ['a', 'b', 'c', '1', '10', '-1', '', 'x y', '\x00', '\xff\xfe', 'a\r\nb', 'longer-element-value'];
const SIDES = ['LEFT', 'RIGHT', 'left', 'Right'];

function generator(random: () => number): () => string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const key = (): string => pick(KEY_WEIGHTS);
  const el = (): string => pick(ELEMENTS);
  const els = (): string[] => Array.from({ length: 1 + Math.floor(random() * 4) }, el);
  const index = (): string => (random() < 0.05 ? pick(['9223372036854775807', '-9223372036854775808', 'x']) : String(Math.floor(random() * 13) - 6));
  const count = (): string => (random() < 0.05 ? pick(['-1', 'x', '0']) : String(Math.floor(random() * 5)));
  const keys = (): string[] => Array.from({ length: 1 + Math.floor(random() * 3) }, key);
  const push = (): string[] => [pick(['LPUSH', 'RPUSH', 'LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']), key(), ...els()];
  // Pushes are a third of the corpus, so that lists are long enough for the other commands to bite.
  const makers: (() => string[])[] = [
    ...Array.from({ length: 14 }, () => push), () => ['LPOP', key()], () => ['RPOP', key()], () => ['LPOP', key(), count()],
    () => ['RPOP', key(), count()], () => ['LLEN', key()], () => ['LRANGE', key(), index(), index()],
    () => ['LINDEX', key(), index()], () => ['LSET', key(), index(), el()],
    () => ['LINSERT', key(), pick(['BEFORE', 'AFTER', 'after']), el(), el()], () => ['LREM', key(), index(), el()],
    () => ['LTRIM', key(), index(), index()], () => ['LPOS', key(), el()],
    () => ['LPOS', key(), el(), 'RANK', pick(['1', '2', '-1', '-2', '0']), 'COUNT', count()],
    () => ['LPOS', key(), el(), 'MAXLEN', count()], () => ['LMOVE', key(), key(), pick(SIDES), pick(SIDES)],
    () => ['RPOPLPUSH', key(), key()], () => { const ks = keys(); return ['LMPOP', String(ks.length), ...ks, pick(SIDES), 'COUNT', String(1 + Math.floor(random() * 3))]; },
    () => ['BLPOP', ...keys(), '0.01'], () => ['BRPOP', ...keys(), '0.01'], () => ['BLMOVE', key(), key(), pick(SIDES), pick(SIDES), '0.01'],
    () => ['BRPOPLPUSH', key(), key(), '0.01'], () => { const ks = keys(); return ['BLMPOP', '0.01', String(ks.length), ...ks, pick(SIDES)]; },
    () => ['SET', 'str', el()], () => ['DEL', key()],
  ];
  return () => pick(makers)();
}

function corpus(seed: number, n: number): string[][] {
  const next = generator(prng(seed));
  const out: string[][] = [['SET', 'str', 'v']];
  for (let i = 0; i < n; i++) out.push(next());
  for (const k of KEYS) out.push(['TYPE', k], ['LRANGE', k, '0', '-1']);
  return out;
}

test('generated corpus (seed 1, RESP2): every reply and the final dataset match', () => same(corpus(1, 1500)));

test('generated corpus (seed 2, RESP2)', () => same(corpus(2, 1500)));

test('generated corpus (seed 3, RESP3)', () => same([['HELLO', '3'], ...corpus(3, 1500)], new Set([0])));

test.run();
