// Blocking list commands with several clients. Each scenario runs on Debian's real redis-server and on
// Ferrite, and every client's replies must be byte-for-byte the same: who is served first (FIFO per
// key), with what, timeouts, CLIENT UNBLOCK, disconnects, pushes inside MULTI. A few Ferrite-only
// checks at the end look at what is propagated to replicas and the AOF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { runScenario, waitBlocked, type Step } from './helpers/scenarios.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

/** Runs the scenario on both servers, asserts the replies are the same and returns them. */
async function scenarioReplies(clients: number, steps: Step[]): Promise<string[][]> {
  const expected = await runScenario(redis.port, clients, steps);
  const actual = await runScenario(ferrite.port, clients, steps);
  assert.equal(actual, expected);
  return actual;
}

async function sameScenario(clients: number, steps: Step[]): Promise<void> {
  await scenarioReplies(clients, steps);
}

test('a push serves the client blocked longest first (FIFO per key)', async () => {
  const replies = await scenarioReplies(4, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BRPOP k 0', blocks: true, then: 2 },
    { c: 2, cmd: 'BLPOP other k 0', blocks: true, then: 3 },
    { c: 3, cmd: 'RPUSH k a b', then: 1 },
    { c: 3, cmd: 'LPUSH k c d', then: 0 },
    { c: 3, cmd: 'LRANGE k 0 -1' },
  ]);
  assert.equal(replies[0], ['*2\r\n$1\r\nk\r\n$1\r\na\r\n']);
});

test('timeouts: fractional seconds, RESP2 and RESP3 null replies, BLMOVE and BLMPOP too', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLPOP k 0.05', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 0, cmd: 'BLMOVE k d LEFT LEFT .05', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 0, cmd: 'BRPOPLPUSH k d 0.05', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 0, cmd: 'BLMPOP 0.05 2 k j LEFT COUNT 2', blocks: true, then: 1 },
    { c: 0, then: 0 },
    { c: 1, cmd: 'HELLO 3', ignore: true },
    { c: 1, cmd: 'BRPOP k 0.05', blocks: true, then: 1 },
    { c: 1, then: 0 },
    { c: 1, cmd: 'BLMOVE k d RIGHT LEFT 0.05', blocks: true, then: 1 },
    { c: 1, then: 0 },
    { c: 0, cmd: 'PING' },
  ]));

test('a timeout of 0 or under a millisecond waits until a push', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BLPOP k 0.0001', blocks: true, then: 2 },
    { c: 2, cmd: 'PING' },
    { c: 2, cmd: 'RPUSH k a b', then: 0 },
  ]));

test('commands pipelined behind a blocked one run after it is served', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 0, cmd: 'PING', blocks: true },
    { c: 0, cmd: 'LLEN k', blocks: true },
    { c: 1, cmd: 'RPUSH k a b', then: 0 },
  ]));

test('served from whichever of its keys gets a push; a key given twice serves once', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLPOP a b c 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BRPOP k k 0', blocks: true, then: 2 },
    { c: 2, cmd: 'RPUSH c 1 2', then: 1 },
    { c: 2, cmd: 'RPUSH k 1 2', then: 0 },
    { c: 2, cmd: 'LRANGE k 0 -1' },
    { c: 2, cmd: 'LRANGE c 0 -1' },
  ]));

test('BLMOVE is served, and its push serves the next waiter in a chain', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLMOVE src mid RIGHT LEFT 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BRPOPLPUSH mid dst 0', blocks: true, then: 2 },
    { c: 2, cmd: 'RPUSH src x y', then: 0 },
    { c: 2, cmd: 'LRANGE src 0 -1' },
    { c: 2, cmd: 'LRANGE mid 0 -1' },
    { c: 2, cmd: 'LRANGE dst 0 -1' },
  ]));

test('BLMOVE onto its own key, and onto a key that became a string meanwhile (WRONGTYPE)', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLMOVE k k LEFT RIGHT 0', blocks: true, then: 1 },
    { c: 1, cmd: 'RPUSH k a', then: 0 },
    { c: 1, cmd: 'LRANGE k 0 -1' },
    { c: 0, cmd: 'BLMOVE src dst LEFT LEFT 0', blocks: true, then: 1 },
    { c: 1, cmd: 'SET dst str', then: 1 },
    { c: 1, cmd: 'RPUSH src q', then: 0 },
    { c: 1, cmd: 'LRANGE src 0 -1' },
    { c: 1, cmd: 'GET dst' },
  ]));

test('BLMPOP is served with up to COUNT elements from the first key pushed', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLMPOP 0 2 a b RIGHT COUNT 2', blocks: true, then: 1 },
    { c: 1, cmd: 'BLMPOP 0 1 b LEFT', blocks: true, then: 2 },
    { c: 2, cmd: 'RPUSH b 1 2 3 4', then: 0 },
    { c: 2, cmd: 'LRANGE b 0 -1' },
  ]));

test('a key that becomes another type leaves the client blocked until it holds a list', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'SET k str', then: 1 },
    { c: 1, cmd: 'DEL k', then: 1 },
    { c: 1, cmd: 'SADD k m', then: 1 },
    { c: 1, cmd: 'DEL k' },
    { c: 1, cmd: 'RPUSH k z', then: 0 },
  ]));

test('pushes inside MULTI/EXEC serve waiters only after EXEC', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'MULTI' },
    { c: 1, cmd: 'RPUSH k a' },
    { c: 1, cmd: 'RPUSH k b' },
    { c: 1, cmd: 'LRANGE k 0 -1' },
    { c: 1, cmd: 'EXEC', then: 0 },
    { c: 1, cmd: 'LRANGE k 0 -1' },
  ]));

test('a list pushed and emptied inside one EXEC leaves waiters blocked, in their order', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BLPOP k 0', blocks: true, then: 2 },
    { c: 2, cmd: 'MULTI' },
    { c: 2, cmd: 'RPUSH k x' },
    { c: 2, cmd: 'LPOP k' },
    { c: 2, cmd: 'EXEC', then: 2 },
    { c: 2, cmd: 'RPUSH k y', then: 1 },
    { c: 2, cmd: 'RPUSH k z', then: 0 },
  ]));

test('CLIENT UNBLOCK: TIMEOUT gives the timeout reply, ERROR an UNBLOCKED error', () =>
  sameScenario(2, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'CLIENT UNBLOCK $0', then: 0 },
    { c: 0, cmd: 'BLMOVE k d LEFT LEFT 0', blocks: true, then: 1 },
    { c: 1, cmd: 'CLIENT UNBLOCK $0 TIMEOUT', then: 0 },
    { c: 0, cmd: 'BLMPOP 0 1 k LEFT', blocks: true, then: 1 },
    { c: 1, cmd: 'CLIENT UNBLOCK $0 ERROR', then: 0 },
    { c: 1, cmd: 'CLIENT UNBLOCK $0' },
    { c: 1, cmd: 'CLIENT UNBLOCK $1 ERROR' },
    { c: 0, cmd: 'BRPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'CLIENT UNBLOCK $0 NOW' },
    { c: 1, cmd: 'RPUSH k a', then: 0 },
  ]));

test('a client that disconnects while blocked is forgotten', () =>
  sameScenario(3, [
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BLPOP k 0', blocks: true, then: 2 },
    { c: 0, close: true, then: 1 },
    { c: 2, cmd: 'RPUSH k a b', then: 0 },
    { c: 2, cmd: 'LRANGE k 0 -1' },
  ]));

test('blocking in another database is served only by pushes in that database', () =>
  sameScenario(2, [
    { c: 0, cmd: 'SELECT 1' },
    { c: 0, cmd: 'BLPOP k 0', blocks: true, then: 1 },
    { c: 1, cmd: 'RPUSH k in-db-0', then: 1 },
    { c: 1, cmd: 'SELECT 1' },
    { c: 1, cmd: 'RPUSH k in-db-1', then: 0 },
    { c: 1, cmd: 'SELECT 0' },
    { c: 1, cmd: 'LRANGE k 0 -1' },
  ]));

test('LMOVE, RPOPLPUSH and LMPOP pushes wake blocked clients too', () =>
  sameScenario(3, [
    { c: 2, cmd: 'RPUSH src a b c' },
    { c: 0, cmd: 'BLPOP d1 0', blocks: true, then: 1 },
    { c: 1, cmd: 'BLPOP d2 0', blocks: true, then: 2 },
    { c: 2, cmd: 'LMOVE src d1 LEFT RIGHT', then: 1 },
    { c: 2, cmd: 'RPOPLPUSH src d2', then: 0 },
    { c: 2, cmd: 'LRANGE src 0 -1' },
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

async function blockedThenServed(c: RawClient, d: RawClient, blocking: string, push: string): Promise<void> {
  c.command(...blocking.split(' '));
  await waitBlocked(d, 1);
  await d.call(...push.split(' '));
  await c.reply();
}

test('propagation: served blocking pops become LPOP/RPOP, moves LMOVE/RPOPLPUSH, BLMPOP a counted pop', async () => {
  const log = await propagated(async (c, d) => {
    await blockedThenServed(c, d, 'BLPOP k 0', 'RPUSH k a');
    await blockedThenServed(c, d, 'BRPOP k 0', 'RPUSH k b');
    await blockedThenServed(c, d, 'BLMOVE k d left RIGHT 0', 'RPUSH k c');
    await blockedThenServed(c, d, 'BRPOPLPUSH k d 0', 'RPUSH k e');
    await blockedThenServed(c, d, 'BLMPOP 0 1 k RIGHT COUNT 5', 'RPUSH k f g');
  });
  assert.equal(log, [
    ['RPUSH', 'k', 'a'], ['LPOP', 'k'],
    ['RPUSH', 'k', 'b'], ['RPOP', 'k'],
    ['RPUSH', 'k', 'c'], ['LMOVE', 'k', 'd', 'left', 'RIGHT'],
    ['RPUSH', 'k', 'e'], ['RPOPLPUSH', 'k', 'd'],
    ['RPUSH', 'k', 'f', 'g'], ['RPOP', 'k', '2'],
  ]);
});

test('propagation: blocking forms that need not block, LMPOP, and commands that change nothing', async () => {
  const log = await propagated(async (c) => {
    for (const line of [
      'RPUSH k a b c d e f', 'BLPOP missing k 0', 'BRPOP k 0', 'BLMOVE k d RIGHT LEFT 0', 'BRPOPLPUSH k d 0',
      'BLMPOP 0 2 missing k LEFT COUNT 9', 'RPUSH k a b', 'LMPOP 1 k RIGHT', 'LTRIM d 0 -1', 'LREM d 0 zz',
      'LINSERT d BEFORE zz y', 'LPOP missing', 'LPUSHX missing a', 'LPOP d 0', 'BLPOP missing 0.01',
    ]) await c.call(...line.split(' '));
  });
  assert.equal(log, [
    ['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e', 'f'], ['LPOP', 'k'], ['RPOP', 'k'], ['LMOVE', 'k', 'd', 'RIGHT', 'LEFT'],
    ['RPOPLPUSH', 'k', 'd'], ['LPOP', 'k', '2'], ['RPUSH', 'k', 'a', 'b'], ['RPOP', 'k', '1'],
  ]);
});

test.run();
