// Set commands on Ferrite alone: the API through ioredis, RESP3 shapes through raw sockets, what is
// propagated (SPOP as SREMs of the popped members, or DEL), random picks, SSCAN's guarantee under
// concurrent changes, COMMAND GETKEYS for SINTERCARD, and the SetValue structure itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { isInt64, SetValue, type SetEncodingLimits } from '../src/structures/set.js';
import { rejects } from './helpers/assert.js';
import { RawClient, startFerrite } from './helpers/servers.js';

const WRONGTYPE = /^WRONGTYPE Operation against a key holding the wrong kind of value/;

let ferrite: RunningServer;
let client: Redis;
let propagated: string[][] = [];

test.before(async () => {
  ferrite = await startFerrite();
  ferrite.server.state.sinks.push((_db, argv) => propagated.push(argv));
  client = new Redis(ferrite.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
});

test.after(async () => {
  client?.disconnect();
  await ferrite?.close();
});

test.before.each(async () => {
  await client.flushall();
  await client.config('SET', 'set-max-intset-entries', '512');
  propagated = [];
});

const sorted = (xs: string[]): string[] => [...xs].sort();

test('SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD', async () => {
  assert.is(await client.sadd('s', 'a', 'b', 'a'), 2);
  assert.is(await client.sadd('s', 'b', 'c'), 1);
  assert.equal(sorted(await client.smembers('s')), ['a', 'b', 'c']);
  assert.is(await client.sismember('s', 'a'), 1);
  assert.is(await client.sismember('s', 'z'), 0);
  assert.equal(await client.smismember('s', 'a', 'z', 'c'), [1, 0, 1]);
  assert.equal(await client.smismember('missing', 'a'), [0]);
  assert.is(await client.scard('s'), 3);
  assert.is(await client.srem('s', 'a', 'z'), 1);
  assert.is(await client.srem('s', 'b', 'c'), 2);
  assert.is(await client.exists('s'), 0, 'an emptied set is deleted');
  assert.equal(await client.smembers('missing'), []);
  assert.is(await client.scard('missing'), 0);
});

test('an intset answers in numeric order, 64-bit extremes included', async () => {
  await client.sadd('i', '10', '-5', '9223372036854775807', '0', '-9223372036854775808', '3');
  assert.is(await client.object('ENCODING', 'i'), 'intset');
  assert.equal(await client.smembers('i'), ['-9223372036854775808', '-5', '0', '3', '10', '9223372036854775807']);
  assert.equal(await client.sscan('i', '0'), ['0', ['-9223372036854775808', '-5', '0', '3', '10', '9223372036854775807']]);
  assert.equal(await client.sunion('i', 'missing'), ['-9223372036854775808', '-5', '0', '3', '10', '9223372036854775807']);
});

test('errors: arity, WRONGTYPE, counts', async () => {
  await client.set('str', 'x');
  await rejects(client.call('SADD', 's'), /^ERR wrong number of arguments for 'sadd' command/);
  for (const cmd of [['SADD', 'str', 'a'], ['SMEMBERS', 'str'], ['SPOP', 'str'], ['SRANDMEMBER', 'str', '2'], ['SINTER', 'missing', 'str'], ['SSCAN', 'str', '0'], ['SMOVE', 'str', 'd', 'a']]) {
    await rejects(client.call(cmd[0], ...cmd.slice(1)), WRONGTYPE);
  }
  await client.sadd('s', 'a');
  await rejects(client.call('SPOP', 's', '-1'), /^ERR value is out of range, must be positive/);
  await rejects(client.call('SPOP', 's', '1', '2'), /^ERR syntax error/);
  await rejects(client.call('SRANDMEMBER', 's', '-9223372036854775808'), /^ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807/);
  await rejects(client.call('SINTERCARD', '0', 's'), /^ERR numkeys should be greater than 0/);
  await rejects(client.call('SINTERCARD', '2', 's'), /^ERR Number of keys can't be greater than number of args/);
  await rejects(client.call('SINTERCARD', '1', 's', 'LIMIT', '-2'), /^ERR LIMIT can't be negative/);
  await rejects(client.call('SINTERCARD', '1', 's', 'LIMIT'), /^ERR syntax error/);
});

test('SINTER, SUNION, SDIFF, SINTERCARD and the STORE forms', async () => {
  await client.sadd('a', '1', '2', '3', 'x');
  await client.sadd('b', '2', '3', '4', 'x');
  assert.equal(sorted(await client.sinter('a', 'b')), ['2', '3', 'x']);
  assert.equal(sorted(await client.sunion('a', 'b')), ['1', '2', '3', '4', 'x']);
  assert.equal(sorted(await client.sdiff('a', 'b')), ['1']);
  assert.equal(await client.sinter('a', 'missing'), []);
  assert.is(await client.call('SINTERCARD', '2', 'a', 'b'), 3);
  assert.is(await client.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'), 2);
  assert.is(await client.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'), 3);
  assert.is(await client.sinterstore('d', 'a', 'b'), 3);
  assert.is(await client.sunionstore('u', 'a', 'b'), 5);
  assert.is(await client.sdiffstore('df', 'b', 'a'), 1);
  assert.equal(await client.smembers('df'), ['4']);
  await client.set('d2', 'a string');
  await client.expire('d', 100);
  assert.is(await client.sinterstore('d', 'a', 'b'), 3);
  assert.is(await client.ttl('d'), -1, 'STORE replaces the destination, TTL included');
  assert.is(await client.sinterstore('d2', 'a', 'b'), 3);
  assert.is(await client.type('d2'), 'set');
  assert.is(await client.sinterstore('d', 'a', 'missing'), 0);
  assert.is(await client.exists('d'), 0, 'an empty result deletes the destination');
});

test('SMOVE moves, creates and deletes', async () => {
  await client.sadd('src', 'a', 'b');
  assert.is(await client.smove('src', 'dst', 'a'), 1);
  assert.is(await client.smove('src', 'dst', 'a'), 0);
  assert.is(await client.smove('src', 'src', 'b'), 1);
  assert.is(await client.smove('src', 'dst', 'b'), 1);
  assert.is(await client.exists('src'), 0);
  assert.equal(sorted(await client.smembers('dst')), ['a', 'b']);
  await client.set('str', 'x');
  assert.is(await client.smove('missing', 'str', 'a'), 0, 'a missing source answers 0 before the destination is checked');
  await rejects(client.smove('dst', 'str', 'a'), WRONGTYPE);
});

test('SPOP and SRANDMEMBER: sizes, distinctness, repeats, reachability', async () => {
  const all = Array.from({ length: 30 }, (_, i) => `m${i}`);
  await client.sadd('s', ...all);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const picked = (await client.srandmember('s', 1 + (i % 20))) as string[];
    assert.is(picked.length, 1 + (i % 20));
    assert.is(new Set(picked).size, picked.length);
    picked.forEach((m) => seen.add(m));
  }
  assert.is(seen.size, all.length, 'every member was picked at least once');
  const repeated = (await client.srandmember('s', -200)) as string[];
  assert.is(repeated.length, 200);
  assert.ok(new Set(repeated).size < 200);
  assert.equal(sorted((await client.srandmember('s', 100)) as string[]), sorted(all));
  const popped = new Set<string>();
  for (const count of [1, 5, 20]) {
    const p = await client.spop('s', count);
    assert.is(p.length, count);
    p.forEach((m) => popped.add(m));
  }
  assert.is(popped.size, 26);
  const rest = await client.smembers('s');
  assert.is(rest.length, 4);
  for (const m of rest) assert.not.ok(popped.has(m));
  assert.equal(sorted([...(await client.spop('s', 10)), ...popped]), sorted(all));
  assert.is(await client.exists('s'), 0);
  assert.is(await client.spop('s'), null);
});

test('propagation: SPOP as SREMs of what was popped, or DEL of the whole set; others as sent', async () => {
  await client.sadd('s', ...Array.from({ length: 20 }, (_, i) => String(i)));
  propagated = [];
  const one = await client.spop('s');
  assert.equal(propagated, [['SREM', 's', one]]);
  for (const count of [3, 15]) {
    propagated = [];
    const popped = await client.spop('s', count);
    assert.equal(propagated, popped.map((m) => ['SREM', 's', m]), `SPOP ${count}`);
  }
  propagated = [];
  await client.spop('s', 0);
  await client.spop('missing', 3);
  await client.spop('missing');
  assert.equal(propagated, []);
  await client.spop('s', 100);
  assert.equal(propagated, [['DEL', 's']]);
  propagated = [];
  await client.sadd('a', '1', '2');
  await client.sadd('a', '1');
  await client.smove('a', 'b', '1');
  await client.srem('a', 'zz');
  await client.sinterstore('c', 'a', 'b');
  await client.sunionstore('c', 'a', 'b');
  assert.equal(propagated, [['sadd', 'a', '1', '2'], ['smove', 'a', 'b', '1'], ['sunionstore', 'c', 'a', 'b']]);
});

test('SPOP keeping few members rebuilds the set: encoding may return to intset, TTL stays', async () => {
  await client.sadd('s', ...Array.from({ length: 600 }, (_, i) => String(i)));
  await client.expire('s', 1000);
  assert.is(await client.object('ENCODING', 's'), 'hashtable');
  await client.spop('s', 590);
  assert.is(await client.scard('s'), 10);
  assert.is(await client.object('ENCODING', 's'), 'intset');
  assert.ok((await client.ttl('s')) > 900);
});

test('keyspace events: sadd, srem, spop, smove, stores', async () => {
  const sub = await RawClient.connect(ferrite.port);
  try {
    await client.config('SET', 'notify-keyspace-events', 'Es$g');
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    await client.sadd('s', 'a', 'b');
    await client.srem('s', 'a');
    await client.smove('s', 't', 'b');
    await client.sadd('p', '1', '2', '3');
    await client.spop('p', 1);
    await client.spop('p', 5);
    await client.sunionstore('u', 't');
    await client.set('marker', '1');
    const events = (await sub.replies(11)).map((r) => r.split('\r\n').filter((_, i) => i === 6 || i === 8).join(' ').replace('__keyevent@0__:', ''));
    assert.equal(events, ['sadd s', 'srem s', 'srem s', 'del s', 'sadd t', 'sadd p', 'spop p', 'spop p', 'del p', 'sunionstore u', 'set marker']);
  } finally {
    await client.config('SET', 'notify-keyspace-events', '');
    sub.close();
  }
});

test('RESP3: set replies for SMEMBERS/SINTER/SPOP count, arrays for SRANDMEMBER and SMISMEMBER', async () => {
  const raw = await RawClient.connect(ferrite.port);
  try {
    await raw.call('HELLO', '3');
    await raw.call('SADD', 's', '2', '1');
    assert.is(await raw.call('SMEMBERS', 's'), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.is(await raw.call('SINTER', 's', 's'), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.is(await raw.call('SMEMBERS', 'missing'), '~0\r\n');
    assert.is(await raw.call('SRANDMEMBER', 's', '5'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.is(await raw.call('SMISMEMBER', 's', '1', '3'), '*2\r\n:1\r\n:0\r\n');
    assert.is(await raw.call('SPOP', 'missing', '2'), '~0\r\n');
    assert.is(await raw.call('SPOP', 'missing'), '_\r\n');
    assert.is(await raw.call('SRANDMEMBER', 'missing', '2'), '*0\r\n');
    assert.is(await raw.call('SPOP', 's', '5'), '~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    assert.is(await raw.call('SSCAN', 'missing', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
  } finally {
    raw.close();
  }
});

test('COMMAND GETKEYS finds SINTERCARD keys from numkeys', async () => {
  assert.equal(await client.call('COMMAND', 'GETKEYS', 'SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '1'), ['a', 'b', 'c']);
  assert.equal(await client.call('COMMAND', 'GETKEYS', 'SINTERSTORE', 'd', 'a', 'b'), ['d', 'a', 'b']);
  assert.equal(await client.call('COMMAND', 'GETKEYS', 'SMOVE', 'a', 'b', 'm'), ['a', 'b']);
});

test('SSCAN guarantee: members present throughout a COUNT 10 scan are returned while others come and go', async () => {
  const stable = Array.from({ length: 3000 }, (_, i) => `stable:${i}`);
  for (let i = 0; i < stable.length; i += 500) await client.sadd('s', ...stable.slice(i, i + 500));
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  let churn: string[] = [];
  do {
    const [next, items] = await client.sscan('s', cursor, 'COUNT', '10');
    items.forEach((m) => seen.add(m));
    cursor = next;
    calls++;
    // Between calls the table grows (thousands of new members) and, every few calls, shrinks again.
    const batch = Array.from({ length: 1000 }, (_, i) => `churn:${calls}:${i}`);
    await client.sadd('s', ...batch);
    churn.push(...batch);
    if (calls % 4 === 0) {
      await client.srem('s', ...churn);
      churn = [];
    }
  } while (cursor !== '0' && calls < 20000);
  assert.is(cursor, '0', 'the scan finished');
  assert.ok(calls > 10, 'the scan took many calls');
  assert.equal(stable.filter((m) => !seen.has(m)), []);
});

const LIMITS: SetEncodingLimits = { maxIntsetEntries: 4 };

test('isInt64: what an intset can hold', () => {
  for (const s of ['0', '-1', '42', '9223372036854775807', '-9223372036854775808', '1000000000000000000']) assert.ok(isInt64(s), s);
  for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '1e3', '9223372036854775808', '-9223372036854775809', '99999999999999999999', 'a']) {
    assert.not.ok(isInt64(s), s);
  }
});

test('SetValue: intset order, conversions one way, snapshots and clones', () => {
  const s = new SetValue();
  for (const m of ['5', '-10', '9223372036854775807', '-9223372036854775808']) s.add(m, LIMITS);
  assert.equal(s.members(), ['-9223372036854775808', '-10', '5', '9223372036854775807']);
  assert.is(s.encoding(), 'intset');
  const snapshot = s.members();
  s.delete('5');
  assert.equal(snapshot, ['-9223372036854775808', '-10', '5', '9223372036854775807'], 'a snapshot does not change');
  s.add('6', LIMITS);
  s.add('7', LIMITS);
  assert.is(s.encoding(), 'hashtable', 'more than four members');
  s.delete('6');
  s.delete('7');
  assert.is(s.encoding(), 'hashtable', 'never back');
  const words = new SetValue();
  words.add('1', LIMITS);
  const copy = words.clone();
  copy.add('x', LIMITS);
  assert.is(words.encoding(), 'intset');
  assert.is(copy.encoding(), 'hashtable');
  assert.is(words.length, 1);
  assert.is(words.add('1', LIMITS), false);
  assert.is(words.has('1'), true);
  assert.is(words.random(), '1');
});

test.run();
