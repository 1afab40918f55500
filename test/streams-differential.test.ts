// Stream commands against Debian's real redis-server, byte for byte: hand-picked edge cases (ID
// forms, trimming options, errors, consumer-group bookkeeping, XINFO), then generated sequences of
// XADD/XTRIM/XDEL/XRANGE/XREADGROUP/XACK/XCLAIM/XAUTOCLAIM/XPENDING/XINFO from a seeded PRNG with
// explicit IDs; only wall-clock values (idle times, delivery and seen times) are masked. Set
// STREAMS_SEED to replay a failing corpus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { mulberry32 as prng } from './helpers/random.js';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

/** Wall-clock values: ms timestamps (13 digits), and the idle times of XPENDING and XINFO CONSUMERS. */
function maskTimes(reply: string, command: string): string {
  let r = reply.replace(/:\d{13}\r\n/g, ':<time>\r\n');
  if (/^XINFO CONSUMERS/i.test(command)) r = r.replace(/idle\r\n:\d+/g, 'idle\r\n:<idle>');
  if (/^XPENDING \S+ \S+ /i.test(command)) r = r.replace(/(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n/g, '$1:<idle>\r\n');
  return r;
}

async function same(lines: string[], setup: string[] = []): Promise<void> {
  const commands = [['FLUSHALL'], ...setup.map((l) => l.split(' ')), ...lines.map((l) => l.split(' '))];
  const results = await differential(redis.port, ferrite.port, commands);
  results.forEach((r, i) => {
    // HELLO's reply names the server and its version.
    if (!/^HELLO/i.test(r.command)) assert.is(maskTimes(r.ferrite, r.command), maskTimes(r.redis, r.command), `#${i} ${r.command}`);
  });
}

test('XADD: ID forms, ordering errors, NOMKSTREAM, arity', () =>
  same([
    'XADD s 1-1 a 1', 'XADD s 1-1 a 1', 'XADD s 1-0 a 1', 'XADD s 1 a 1', 'XADD s 1-* a 1', 'XADD s 2-* a 1', 'XADD s 2-* b 2 c 3',
    'XADD s 0-0 a 1', 'XADD t 0-* a 1', 'XADD t 0 a 1', 'XADD s +5 a 1', 'XADD s " 7" a 1', 'XADD s -1 a 1', 'XADD s 3-x a 1',
    'XADD s 18446744073709551615-18446744073709551614 a 1', 'XADD s 18446744073709551615-* a 1', 'XADD s * a 1', 'XADD s 18446744073709551616 a 1',
    'XADD s a', 'XADD s 5-5 a', 'XADD s 5-5 a 1 b', 'XADD n NOMKSTREAM * a 1', 'EXISTS n', 'XADD n nomkstream 1-1 a 1 NOMKSTREAM x',
    'XLEN s', 'XLEN n', 'XLEN missing', 'SET str v', 'XADD str * a 1', 'XLEN str', 'TYPE s', 'OBJECT ENCODING s',
  ]));

test('XADD and XTRIM trimming: MAXLEN/MINID, = and ~, LIMIT and their errors', () =>
  same([
    'XADD s 1-1 a 1', 'XADD s 2-1 a 1', 'XADD s 3-1 a 1', 'XADD s 4-1 a 1', 'XADD s 5-1 a 1', 'XADD s 6-1 a 1', 'XADD s 7-1 a 1',
    'XADD s MAXLEN 5 8-1 a 1', 'XLEN s', 'XADD s MAXLEN = 4 9-1 a 1', 'XRANGE s - +', 'XADD s MAXLEN ~ 1 10-1 a 1', 'XLEN s',
    'XTRIM s MAXLEN ~ 2', 'XLEN s', 'XTRIM s MINID 9', 'XRANGE s - +', 'XTRIM s MINID = 10-1', 'XTRIM s MAXLEN 0', 'XLEN s', 'EXISTS s',
    'XTRIM s', 'XTRIM s MAXLEN', 'XTRIM s FOO 1', 'XTRIM s MAXLEN -1', 'XTRIM s MAXLEN x', 'XTRIM s MINID x', 'XTRIM s MINID -',
    'XTRIM s MAXLEN 1 LIMIT 10', 'XTRIM s MAXLEN ~ 1 LIMIT -1', 'XTRIM s MAXLEN ~ 1 LIMIT 10', 'XTRIM s MAXLEN 1 MINID 1',
    'XTRIM missing MAXLEN 1', 'XTRIM s LIMIT 10 MAXLEN ~ 1', 'XADD s LIMIT 5 * a 1', 'XADD s MAXLEN 1 LIMIT 5 * a 1', 'XADD s MAXLEN ~ -1 * a 1',
    'XADD s MINID ~ 5 MAXLEN 1 * a 1', 'XTRIM s MAXLEN ~ 1 x', 'SET str v', 'XTRIM str MAXLEN 1', 'XTRIM str MAXLEN x',
  ]));

test('approximate trimming removes whole listpack nodes, as Redis cuts them', () =>
  same(
    [
      ...Array.from({ length: 23 }, (_, i) => `XADD s ${i + 1}-0 f ${i}`),
      'XINFO STREAM s', 'XADD s MAXLEN ~ 7 24-0 f x', 'XLEN s', 'XTRIM s MAXLEN ~ 3', 'XLEN s', 'XTRIM s MINID ~ 22', 'XRANGE s - +',
      'XTRIM s MAXLEN ~ 1 LIMIT 2', 'XLEN s', 'XINFO STREAM s', 'XDEL s 21-0 22-0', 'XINFO STREAM s',
      ...Array.from({ length: 12 }, (_, i) => `XADD b ${i + 1}-0 field-${'x'.repeat(i * 9)} ${'v'.repeat(i * 7)}`),
      'XINFO STREAM b', 'XTRIM b MAXLEN ~ 2', 'XLEN b', 'XINFO STREAM b',
    ],
    ['CONFIG SET stream-node-max-entries 5', 'CONFIG SET stream-node-max-bytes 120'],
  ).finally(() => differential(redis.port, ferrite.port, [['CONFIG', 'SET', 'stream-node-max-entries', '100'], ['CONFIG', 'SET', 'stream-node-max-bytes', '4096']])));

test('XRANGE/XREVRANGE: -, +, exclusive bounds, incomplete IDs, COUNT', () =>
  same([
    'XADD s 1-1 a 1', 'XADD s 1-2 b 2', 'XADD s 2-0 c 3', 'XADD s 3-5 d 4', 'XRANGE s - +', 'XREVRANGE s + -', 'XRANGE s 1 1', 'XRANGE s (1-1 +',
    'XRANGE s - (3-5', 'XREVRANGE s (3-5 (1-1', 'XRANGE s 2 +', 'XRANGE s - 2', 'XRANGE s - + COUNT 2', 'XREVRANGE s + - COUNT 1',
    'XRANGE s - + COUNT 0', 'XRANGE s - + COUNT -1', 'XRANGE s - + COUNT', 'XRANGE s - + LIMIT 1', 'XRANGE s - + COUNT x', 'XRANGE s 3 1',
    'XRANGE s (- +', 'XRANGE s - (+', 'XRANGE s (18446744073709551615-18446744073709551615 +', 'XRANGE s - (0-0', 'XRANGE s x +',
    'XRANGE s 1-x +', 'XRANGE missing - + COUNT 0', 'XRANGE missing - + COUNT x', 'XRANGE s ( +', 'XRANGE s - + COUNT 1 COUNT 2',
    'SET str v', 'XRANGE str - +', 'XREVRANGE str + -',
  ]));

test('XDEL, XSETID and the stream metadata in XINFO STREAM', () =>
  same([
    'XADD s 1-1 a 1', 'XADD s 2-1 a 1', 'XADD s 3-1 a 1', 'XDEL s 2-1 9-9', 'XDEL s 2-1', 'XDEL s x', 'XDEL missing x', 'XINFO STREAM s',
    'XDEL s 1-1 3-1', 'XINFO STREAM s', 'XSETID s 2-0', 'XSETID s 5-0 MAXDELETEDID 6-0', 'XSETID s 5-0 ENTRIESADDED -1', 'XSETID s 5-0 ENTRIESADDED 1 MAXDELETEDID 4-0',
    'XINFO STREAM s', 'XADD s 5-0 a 1', 'XADD s 5-1 a 1', 'XSETID s 5-0', 'XSETID s 6-0 ENTRIESADDED 0', 'XSETID s 6-0 FOO 1', 'XSETID missing 1-1', 'XSETID s -',
    'XSETID s 7-0', 'XINFO STREAM s', 'XINFO STREAM s FULL', 'XINFO STREAM s FULL COUNT 1', 'XINFO STREAM s FULL COUNT', 'XINFO STREAM s FOO',
    'XINFO STREAM missing', 'SET str v', 'XINFO STREAM str', 'XDEL str 1-1', 'XSETID str 1-1',
  ]));

test('XGROUP: CREATE (MKSTREAM, ENTRIESREAD, $), SETID, consumers, DESTROY, errors', () =>
  same([
    'XGROUP CREATE s g $', 'XGROUP CREATE s g $ MKSTREAM', 'XGROUP CREATE s g $', 'XGROUP CREATE s g2 0 ENTRIESREAD 3', 'XGROUP CREATE s g3 0 ENTRIESREAD -2',
    'XGROUP CREATE s g4 x', 'XGROUP CREATE s g5 0 MKSTREAM ENTRIESREAD 1 FOO', 'XGROUP CREATE s g6 - ', 'XGROUP CREATE s g6 +', 'XINFO GROUPS s',
    'XGROUP SETID s g 5-5', 'XGROUP SETID s nope 1', 'XGROUP SETID s g $ ENTRIESREAD 2', 'XGROUP SETID s g 1 MKSTREAM', 'XGROUP SETID s g - ',
    'XGROUP CREATECONSUMER s g c1', 'XGROUP CREATECONSUMER s g c1', 'XGROUP CREATECONSUMER s nope c1', 'XGROUP DELCONSUMER s g c1', 'XGROUP DELCONSUMER s g c1',
    'XGROUP DESTROY s g2', 'XGROUP DESTROY s g2', 'XGROUP CREATE missing g $', 'XGROUP DESTROY missing g', 'XGROUP SETID missing g 0',
    'XGROUP CREATECONSUMER missing g c', 'XGROUP DESTROY s', 'XGROUP FOO s g', 'XGROUP', 'XGROUP HELP', 'XGROUP CREATE s', 'XINFO GROUPS s',
    'SET str v', 'XGROUP CREATE str g $', 'XGROUP CREATE str g $ MKSTREAM', 'XINFO GROUPS missing', 'XINFO CONSUMERS s nope', 'XINFO HELP', 'XINFO FOO',
  ]));

test('XREADGROUP, XACK, XPENDING: delivery, history, NOACK, entries-read and lag', () =>
  same([
    'XADD s 1-0 a 1', 'XADD s 2-0 b 2', 'XADD s 3-0 c 3', 'XGROUP CREATE s g 0', 'XINFO GROUPS s', 'XREADGROUP GROUP g alice COUNT 2 STREAMS s >',
    'XINFO GROUPS s', 'XREADGROUP GROUP g bob STREAMS s >', 'XREADGROUP GROUP g bob STREAMS s >', 'XREADGROUP GROUP g alice STREAMS s 0',
    'XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-0', 'XPENDING s g', 'XPENDING s g - + 10', 'XPENDING s g - + 10 bob', 'XPENDING s g (1-0 + 1',
    'XPENDING s g IDLE 0 - + 10 alice', 'XPENDING s g - + 10 nobody', 'XPENDING s g - +', 'XPENDING s g IDLE 10 - +', 'XPENDING s g - + x',
    'XPENDING s nope', 'XPENDING missing g', 'XACK s g 1-0 9-9', 'XACK s g 1-0', 'XACK s g x', 'XACK s nope 2-0', 'XACK missing g 2-0', 'XPENDING s g',
    'XDEL s 2-0', 'XREADGROUP GROUP g alice STREAMS s 0', 'XINFO GROUPS s', 'XADD s 4-0 d 4', 'XINFO GROUPS s', 'XREADGROUP GROUP g carol NOACK STREAMS s >',
    'XPENDING s g', 'XINFO CONSUMERS s g', 'XINFO STREAM s FULL', 'XGROUP CREATE s late 0', 'XINFO GROUPS s', 'XGROUP SETID s late 3-0 ENTRIESREAD 2', 'XINFO GROUPS s',
    'XREADGROUP GROUP nope c STREAMS s >', 'XREADGROUP GROUP g c STREAMS missing >', 'XREADGROUP GROUP g c STREAMS s $', 'XREAD STREAMS s >',
    'XREADGROUP GROUP g c STREAMS s', 'XREADGROUP STREAMS s >', 'XREADGROUP GROUP g c COUNT x STREAMS s >', 'XREADGROUP GROUP g c BLOCK x STREAMS s >',
    'XREADGROUP GROUP g c FOO STREAMS s >', 'XREAD GROUP g c STREAMS s 0', 'XREAD NOACK STREAMS s 0', 'SET str v', 'XREADGROUP GROUP g c STREAMS str >',
  ]));

test('XREAD: several streams, $, COUNT, errors', () =>
  same([
    'XADD a 1-0 x 1', 'XADD a 2-0 x 2', 'XADD b 5-0 y 1', 'XREAD STREAMS a b 0 0', 'XREAD COUNT 1 STREAMS a b 0 0', 'XREAD STREAMS a b 1 5',
    'XREAD STREAMS a b $ $', 'XREAD STREAMS a missing 0 0', 'XREAD STREAMS a 2', 'XREAD STREAMS a', 'XREAD STREAMS a b 0', 'XREAD COUNT -5 STREAMS a 0',
    'XREAD COUNT 0 STREAMS a 0', 'XREAD STREAMS a x', 'XREAD STREAMS a -', 'XREAD BLOCK -1 STREAMS a 0', 'XREAD BLOCK 1.5 STREAMS a 0', 'XREAD FOO STREAMS a 0',
    'XREAD STREAMS a 18446744073709551615-18446744073709551615', 'SET str v', 'XREAD STREAMS a str 0 0', 'XREAD STREAMS missing $', 'HELLO 3',
    'XREAD STREAMS a b 0 0', 'XREADGROUP GROUP g c STREAMS missing >', 'XREADGROUP GROUP g c STREAMS a b >', 'XGROUP CREATE a g 0',
    'XREADGROUP GROUP g c STREAMS a >', 'XINFO STREAM a', 'XINFO STREAM a FULL', 'XINFO GROUPS a', 'XINFO CONSUMERS a g', 'XPENDING a g', 'XREAD STREAMS a $',
  ]));

test('XCLAIM and XAUTOCLAIM: ownership, FORCE, JUSTID, RETRYCOUNT, deleted entries, cursors', () =>
  same([
    'XADD s 1-0 a 1', 'XADD s 2-0 b 2', 'XADD s 3-0 c 3', 'XADD s 4-0 d 4', 'XGROUP CREATE s g 0', 'XREADGROUP GROUP g alice STREAMS s >',
    'XCLAIM s g bob 0 1-0 2-0', 'XPENDING s g - + 10', 'XCLAIM s g bob 0 1-0 JUSTID', 'XCLAIM s g bob 0 1-0 RETRYCOUNT 7', 'XPENDING s g - + 10',
    'XCLAIM s g bob 3600000 3-0', 'XCLAIM s g carol 0 9-0 FORCE', 'XCLAIM s g carol 0 4-0 FORCE JUSTID', 'XADD s 5-0 e 5', 'XCLAIM s g carol 0 5-0 FORCE',
    'XPENDING s g', 'XCLAIM s g carol 0 1-0 TIME 1000 LASTID 9-0', 'XINFO GROUPS s', 'XCLAIM s g carol 0 1-0 IDLE x', 'XCLAIM s g carol x 1-0',
    'XCLAIM s g carol 0 1-0 FOO', 'XCLAIM s g carol 0 1-0 LASTID x', 'XCLAIM s nope c 0 1-0', 'XCLAIM missing g c 0 1-0', 'XDEL s 2-0',
    'XCLAIM s g dave 0 2-0 3-0', 'XPENDING s g - + 10', 'XAUTOCLAIM s g erin 0 0 COUNT 2', 'XAUTOCLAIM s g erin 0 0 COUNT 2 JUSTID',
    'XAUTOCLAIM s g erin 0 (3-0', 'XAUTOCLAIM s g erin 3600000 0', 'XDEL s 4-0 5-0', 'XAUTOCLAIM s g frank 0 0', 'XPENDING s g',
    'XAUTOCLAIM s g f 0 0 COUNT 0', 'XAUTOCLAIM s g f 0 0 COUNT x', 'XAUTOCLAIM s g f x 0', 'XAUTOCLAIM s g f 0 x', 'XAUTOCLAIM s g f 0 0 FOO',
    'XAUTOCLAIM s nope f 0 0', 'XAUTOCLAIM missing g f 0 0', 'XINFO CONSUMERS s g', 'SET str v', 'XCLAIM str g c 0 1-0', 'XAUTOCLAIM str g c 0 0',
  ]));

test('streams as values: TYPE, COPY, RENAME, SCAN TYPE, DUMP-less round trips through MULTI', () =>
  same([
    'XADD s 1-0 a 1', 'XGROUP CREATE s g 0', 'XREADGROUP GROUP g c STREAMS s >', 'TYPE s', 'OBJECT ENCODING s', 'COPY s s2', 'XINFO STREAM s2 FULL',
    'XADD s2 2-0 b 2', 'XLEN s', 'XLEN s2', 'RENAME s2 s3', 'XINFO GROUPS s3', 'SCAN 0 TYPE stream MATCH s3 COUNT 100', 'SCAN 0 TYPE string MATCH s3 COUNT 100', 'MOVE s3 1', 'SELECT 1', 'XLEN s3',
    'SELECT 0', 'MULTI', 'XADD s 3-0 c 3', 'XREAD STREAMS s 0', 'XREAD BLOCK 0 STREAMS s $', 'EXEC', 'DEL s', 'EXISTS s',
  ]));

// ---- generated sequences ----

function randomCommands(seed: number, n: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (max: number): number => Math.floor(rand() * max);
  let ms = 1;
  const id = (): string => `${int(ms + 2)}-${int(4)}`;
  const bound = (): string => pick(['-', '+', id(), `(${id()}`, String(int(ms + 2))]);
  const consumers = ['c1', 'c2', 'c3'];
  const out: string[] = ['XGROUP CREATE s g1 0 MKSTREAM', 'XGROUP CREATE s g2 $'];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.3) {
      ms += int(3);
      const trim = pick(['', '', '', `MAXLEN ${int(30)} `, `MAXLEN ~ ${int(30)} `, `MINID ${id()} `, `MINID ~ ${id()} `, `MAXLEN ~ ${int(10)} LIMIT ${int(12)} `]);
      const idForm = pick([`${ms}-${int(3)}`, `${ms}-*`, `${ms}`, id()]);
      out.push(`XADD s ${trim}${idForm} f${int(3)} v${int(100)}${rand() < 0.3 ? ` g ${int(9)}` : ''}`);
    } else if (r < 0.36) out.push(`XTRIM s ${pick(['MAXLEN', 'MINID'])} ${pick(['', '= ', '~ '])}${rand() < 0.5 ? int(25) : id()}`);
    else if (r < 0.44) out.push(`XDEL s ${id()} ${id()}`);
    else if (r < 0.52) out.push(`${pick(['XRANGE s', 'XREVRANGE s'])} ${bound()} ${bound()}${rand() < 0.5 ? ` COUNT ${int(6)}` : ''}`);
    else if (r < 0.64) out.push(`XREADGROUP GROUP ${pick(['g1', 'g2'])} ${pick(consumers)} ${rand() < 0.5 ? `COUNT ${1 + int(4)} ` : ''}${rand() < 0.15 ? 'NOACK ' : ''}STREAMS s ${rand() < 0.7 ? '>' : pick(['0', id()])}`);
    else if (r < 0.72) out.push(`XACK s ${pick(['g1', 'g2'])} ${id()} ${id()} ${id()}`);
    else if (r < 0.78) out.push(`XCLAIM s ${pick(['g1', 'g2'])} ${pick(consumers)} 0 ${id()} ${id()}${pick(['', ' JUSTID', ' RETRYCOUNT 3', ' FORCE', ` LASTID ${id()}`])}`);
    else if (r < 0.83) out.push(`XAUTOCLAIM s ${pick(['g1', 'g2'])} ${pick(consumers)} 0 ${pick(['0', id(), `(${id()}`])} COUNT ${1 + int(4)}${rand() < 0.3 ? ' JUSTID' : ''}`);
    else if (r < 0.88) out.push(pick([`XPENDING s g1`, `XPENDING s g2 - + 5`, `XPENDING s g1 ${bound()} ${bound()} 3 ${pick(consumers)}`]));
    else if (r < 0.93) out.push(pick(['XINFO STREAM s', 'XINFO GROUPS s', 'XINFO CONSUMERS s g1', 'XINFO STREAM s FULL COUNT 3', 'XLEN s']));
    else if (r < 0.96) out.push(pick([`XGROUP SETID s g2 ${pick(['$', '0', id()])}`, `XGROUP DELCONSUMER s g1 ${pick(consumers)}`, `XGROUP CREATECONSUMER s g2 ${pick(consumers)}`]));
    else out.push(`XREAD COUNT ${1 + int(5)} STREAMS s ${pick(['0', id(), '$'])}`);
  }
  return out;
}

const SEED = Number(process.env.STREAMS_SEED ?? 0);

test('generated XADD/XTRIM/XDEL/XRANGE/XREADGROUP/XACK/XCLAIM/XAUTOCLAIM/XPENDING/XINFO sequences', async () => {
  const seeds = SEED !== 0 ? [SEED] : [11, 12, 13, 14, 15, 16];
  for (const seed of seeds) {
    const nodeEntries = 3 + (seed % 5);
    await same(randomCommands(seed, 350), [`CONFIG SET stream-node-max-entries ${nodeEntries}`]).catch((e: Error) => {
      throw new Error(`seed ${seed}: ${e.message}`);
    });
  }
  await differential(redis.port, ferrite.port, [['CONFIG', 'SET', 'stream-node-max-entries', '100']]);
});

test.run();
