// Keyspace notifications: the same command script run on the real redis-server and on Ferrite must
// produce the same sequence of __keyspace@/__keyevent@ messages, for several notify-keyspace-events
// settings, with lazy and active expiry, inside MULTI/EXEC, and to RESP3 subscribers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { drain, quiet, runSessions, send, sleep, type Step } from './helpers/sessions.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis.close(), ferrite.close()]);
});

/**
 * Subscriber `s` listens to every notification channel; the script runs on `o`; a message on "end"
 * marks the end of what `s` must have received. Both servers' transcripts must be equal.
 */
async function sameNotifications(flags: string, script: Step[], subscriberSetup: Step[] = []): Promise<void> {
  const steps: Step[] = [
    send('o', 'FLUSHALL'),
    send('o', 'CONFIG', 'SET', 'notify-keyspace-events', flags),
    ...subscriberSetup,
    send('s', 'PSUBSCRIBE', '__key*@*__:*'),
    send('s', 'SUBSCRIBE', 'end'),
    ...script,
    send('o', 'PUBLISH', 'end', 'done'),
    drain('s', 'done'),
    send('o', 'CONFIG', 'SET', 'notify-keyspace-events', ''),
  ];
  const [expected, actual] = await Promise.all([runSessions(redis.port, steps), runSessions(ferrite.port, steps)]);
  assert.equal(actual, expected);
  assert.is(actual.some((line) => /__key(space|event)@/.test(line)), flags !== '', 'notifications were (or were not) sent at all');
}

const STRINGS_AND_KEYS: Step[] = [
  send('o', 'SET', 'a', '1'), send('o', 'INCR', 'a'), send('o', 'INCRBY', 'a', '5'), send('o', 'DECR', 'a'),
  send('o', 'APPEND', 'a', 'xyz'), send('o', 'SETRANGE', 'a', '1', 'Q'), send('o', 'GETDEL', 'a'),
  send('o', 'SET', 'b', 'v', 'EX', '100'), send('o', 'PERSIST', 'b'), send('o', 'EXPIRE', 'b', '100'), send('o', 'PEXPIRE', 'b', '0'),
  send('o', 'MSET', 'x', '1', 'y', '2'), send('o', 'RENAME', 'x', 'z'), send('o', 'RENAMENX', 'z', 'x'),
  send('o', 'COPY', 'x', 'w'), send('o', 'MOVE', 'w', '3'), send('o', 'DEL', 'x', 'y', 'z', 'nope'),
  send('o', 'SETEX', 'e', '100', 'v'), send('o', 'GETEX', 'e', 'PX', '5000'), send('o', 'GETSET', 'e', 'v2'),
  send('o', 'INCRBYFLOAT', 'f', '1.5'), send('o', 'SETNX', 'g', '1'), send('o', 'SETNX', 'g', '2'), send('o', 'MSETNX', 'h', '1', 'i', '2'),
  send('o', 'UNLINK', 'h', 'i'), send('o', 'GET', 'missing'),
];

test('KEA: strings and generic commands notify like redis-server', async () => {
  await sameNotifications('KEA', STRINGS_AND_KEYS);
});

test('KEA: lazy and active expiry send "expired"', async () => {
  await sameNotifications('KEA', [
    send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'),
    send('o', 'PSETEX', 'lazy', '10', 'v'), sleep(100), send('o', 'GET', 'lazy'),
    send('o', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'),
    send('o', 'SET', 'active', 'v', 'PX', '10'), sleep(500),
  ]);
});

test('class and type filters: Kg, E$, Ex, and "new" with explicit classes', async () => {
  await sameNotifications('Kg', STRINGS_AND_KEYS);
  await sameNotifications('E$', STRINGS_AND_KEYS);
  await sameNotifications('Ex', [send('o', 'SET', 'gone', 'v', 'PX', '10'), sleep(100), send('o', 'GET', 'gone'), send('o', 'SET', 'kept', 'v')]);
  await sameNotifications('KEg$n', [send('o', 'SET', 'n1', 'v'), send('o', 'SET', 'n1', 'w'), send('o', 'RENAME', 'n1', 'n2'), send('o', 'INCR', 'n3')]);
});

test('KEAn keeps "new" although CONFIG GET shows AKE, as redis-server', async () => {
  const newKeys = [send('o', 'SET', 'n1', 'v'), send('o', 'SET', 'n1', 'w'), send('o', 'HSET', 'n2', 'f', 'v'), send('o', 'CONFIG', 'GET', 'notify-keyspace-events')];
  await sameNotifications('KEAn', newKeys);
  await sameNotifications('AnKE', newKeys);
  await sameNotifications('nK', newKeys);
});

test('notifications from inside MULTI/EXEC, to a RESP3 subscriber', async () => {
  await sameNotifications('KEA', [
    send('o', 'MULTI'), send('o', 'SET', 't1', '1'), send('o', 'INCR', 't1'), send('o', 'DEL', 't1'), send('o', 'EXEC'),
  ], [quiet('s', 'HELLO', '3')]);
});

test('evicting a key sends "evicted" (class e)', async () => {
  const sub = new Redis(ferrite.port, '127.0.0.1');
  const c = new Redis(ferrite.port, '127.0.0.1');
  try {
    await c.config('SET', 'notify-keyspace-events', 'KEe');
    await c.set('victim', 'v');
    const got: string[] = [];
    sub.on('pmessage', (_p: string, ch: string, msg: string) => got.push(`${ch} ${msg}`));
    await sub.psubscribe('__key*');
    // What the eviction code does to a key it picked:
    assert.ok(ferrite.server.state.databases[0].evict('victim'));
    await sub.ping();
    assert.equal(got, ['__keyspace@0__:victim evicted', '__keyevent@0__:evicted victim']);
  } finally {
    await c.config('SET', 'notify-keyspace-events', '');
    sub.disconnect();
    c.disconnect();
  }
});

test('no notifications when the option is empty', async () => {
  await sameNotifications('', STRINGS_AND_KEYS);
});

test.run();
