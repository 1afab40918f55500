// Blocking XREAD and XREADGROUP with several clients, on Debian's real redis-server and on Ferrite,
// every client's replies byte for byte the same: who is served by an XADD (every XREAD reader, one
// group reader per entry in FIFO order), `$` fixed at block time, timeouts, CLIENT UNBLOCK, the
// errors of a reader whose stream or group disappears, and no blocking inside MULTI or scripts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { runScenario, type Step } from './helpers/scenarios.js';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(['--hz', '100']), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

async function scenarioReplies(clients: number, steps: Step[]): Promise<string[][]> {
  const expected = await runScenario(redis.port, clients, steps);
  const actual = await runScenario(ferrite.port, clients, steps);
  assert.equal(actual, expected);
  return actual;
}

async function sameScenario(clients: number, steps: Step[]): Promise<void> {
  await scenarioReplies(clients, steps);
}

test('an XADD serves every XREAD waiting on the stream, from what was there when they blocked', async () => {
  const replies = await scenarioReplies(4, [
    { c: 3, cmd: 'XADD s 1-0 a 1' },
    { c: 0, cmd: 'XREAD BLOCK 0 STREAMS s $', blocks: true, then: 1 },
    { c: 1, cmd: 'XREAD COUNT 1 BLOCK 0 STREAMS other s $ 1-0', blocks: true, then: 2 },
    { c: 2, cmd: 'XREAD BLOCK 0 STREAMS s 5-0', blocks: true, then: 3 },
    { c: 3, cmd: 'XADD s 2-0 b 2', then: 1 },
    { c: 3, cmd: 'XADD s 6-0 c 3', then: 0 },
  ]);
  assert.is(replies[0].length, 1);
});

test('group readers blocked on > get one new entry each, first blocked first served', () =>
  sameScenario(4, [
    { c: 3, cmd: 'XGROUP CREATE s g $ MKSTREAM' },
    { c: 0, cmd: 'XREADGROUP GROUP g alice BLOCK 0 STREAMS s >', blocks: true, then: 1 },
    { c: 1, cmd: 'XREADGROUP GROUP g bob COUNT 5 BLOCK 0 STREAMS s >', blocks: true, then: 2 },
    { c: 2, cmd: 'XREADGROUP GROUP g carol NOACK BLOCK 0 STREAMS s >', blocks: true, then: 3 },
    { c: 3, cmd: 'XADD s 1-0 a 1', then: 2 },
    { c: 3, cmd: 'MULTI' },
    { c: 3, cmd: 'XADD s 2-0 b 2' },
    { c: 3, cmd: 'XADD s 3-0 c 3' },
    { c: 3, cmd: 'EXEC', then: 1 },
    { c: 3, cmd: 'XADD s 4-0 d 4', then: 0 },
    { c: 3, cmd: 'XPENDING s g' },
    { c: 3, cmd: 'XINFO GROUPS s' },
  ]));

test('timeouts reply a null array in RESP2 and RESP3; BLOCK is ignored inside MULTI and scripts', () =>
  sameScenario(2, [
    { c: 0, cmd: 'XREAD BLOCK 30 STREAMS s $', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 1, cmd: 'XGROUP CREATE s g $ MKSTREAM' },
    { c: 0, cmd: 'XREADGROUP GROUP g c BLOCK 30 STREAMS s >', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 1, cmd: 'HELLO 3', ignore: true },
    { c: 1, cmd: 'XREAD BLOCK 30 STREAMS s $', blocks: true, then: 1 },
    { c: 1, then: 0 },
    { c: 0, cmd: 'MULTI' },
    { c: 0, cmd: 'XREAD BLOCK 0 STREAMS s $' },
    { c: 0, cmd: 'XREADGROUP GROUP g c BLOCK 0 STREAMS s >' },
    { c: 0, cmd: 'EXEC' },
  ]));

test("a script's XREAD BLOCK and XREADGROUP BLOCK return at once", async () => {
  const script = "return {redis.call('XREAD','BLOCK','0','STREAMS',KEYS[1],'$'), redis.call('XREADGROUP','GROUP','g','c','BLOCK','0','STREAMS',KEYS[1],'>')}";
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['EVAL', script, '1', 's']]);
  for (const r of results) assert.is(r.ferrite, r.redis, r.command);
});

test('CLIENT UNBLOCK ends a stream read with a timeout or an error', () =>
  sameScenario(3, [
    { c: 0, cmd: 'XREAD BLOCK 0 STREAMS s $', blocks: true, then: 1 },
    { c: 1, cmd: 'XREAD BLOCK 0 STREAMS s $', blocks: true, then: 2 },
    { c: 2, cmd: 'CLIENT UNBLOCK $0', then: 1 },
    { c: 2, cmd: 'CLIENT UNBLOCK $1 ERROR', then: 0 },
    { c: 2, cmd: 'CLIENT UNBLOCK $1' },
  ]));

test('deleting the stream or its group wakes group readers with an error; XREAD keeps waiting', () =>
  sameScenario(4, [
    { c: 3, cmd: 'XGROUP CREATE s g $ MKSTREAM' },
    { c: 3, cmd: 'XGROUP CREATE s h $' },
    { c: 0, cmd: 'XREADGROUP GROUP g alice BLOCK 0 STREAMS s >', blocks: true, then: 1 },
    { c: 1, cmd: 'XREADGROUP GROUP h bob BLOCK 0 STREAMS s >', blocks: true, then: 2 },
    { c: 2, cmd: 'XREAD BLOCK 0 STREAMS s $', blocks: true, then: 3 },
    { c: 3, cmd: 'XGROUP DESTROY s g', then: 2 },
    { c: 3, cmd: 'DEL s', then: 1 },
    { c: 3, cmd: 'SET s string' },
    { c: 3, cmd: 'DEL s' },
    { c: 3, cmd: 'XADD s 1-0 a 1', then: 0 },
    { c: 3, cmd: 'XGROUP CREATE t g $ MKSTREAM' },
    { c: 0, cmd: 'XREADGROUP GROUP g alice BLOCK 0 STREAMS t >', blocks: true, then: 1 },
    { c: 3, cmd: 'SET t string', then: 0 },
    { c: 3, cmd: 'XGROUP CREATE u g $ MKSTREAM' },
    { c: 1, cmd: 'XREADGROUP GROUP g bob BLOCK 0 STREAMS u >', blocks: true, then: 1 },
    { c: 3, cmd: 'FLUSHALL', then: 0 },
  ]));

test('a reader blocked on several streams is served from the one that got the entry', () =>
  sameScenario(3, [
    { c: 2, cmd: 'XADD a 1-0 x 1' },
    { c: 2, cmd: 'XGROUP CREATE a g $' },
    { c: 2, cmd: 'XGROUP CREATE b g $ MKSTREAM' },
    { c: 0, cmd: 'XREAD BLOCK 0 STREAMS a b $ $', blocks: true, then: 1 },
    { c: 1, cmd: 'XREADGROUP GROUP g c BLOCK 0 STREAMS a b > >', blocks: true, then: 2 },
    { c: 2, cmd: 'XADD b 1-0 y 1', then: 0 },
    { c: 2, cmd: 'XLEN a' },
  ]));

test.run();
