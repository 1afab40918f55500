// Hash commands on Ferrite alone: the API through ioredis, RESP3 shapes through raw sockets, what is
// propagated (effects: HINCRBYFLOAT as HSET with the exact result), encodings decided at insertion,
// random fields, HSCAN's guarantee under concurrent changes, and the HashValue structure itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { HashValue, type HashEncodingLimits } from '../src/structures/hash.js';
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
  await client.config('SET', 'hash-max-listpack-entries', '512');
  await client.config('SET', 'hash-max-listpack-value', '64');
  propagated = [];
});

/** What running `commands` propagates, FLUSHALL and setup excluded. */
async function propagationOf(commands: string[][]): Promise<string[][]> {
  propagated = [];
  for (const c of commands) await client.call(c[0], ...c.slice(1)).catch(() => undefined);
  return propagated;
}

test('HSET, HGET, HMGET, HGETALL, HKEYS, HVALS, HLEN, HEXISTS, HSTRLEN', async () => {
  assert.is(await client.hset('h', 'a', '1', 'b', 'two'), 2);
  assert.is(await client.hset('h', 'a', 'one', 'c', '3'), 1);
  assert.is(await client.hget('h', 'a'), 'one');
  assert.is(await client.hget('h', 'zz'), null);
  assert.equal(await client.hmget('h', 'a', 'zz', 'c'), ['one', null, '3']);
  assert.equal(await client.hgetall('h'), { a: 'one', b: 'two', c: '3' });
  assert.equal(await client.hkeys('h'), ['a', 'b', 'c']);
  assert.equal(await client.hvals('h'), ['one', 'two', '3']);
  assert.is(await client.hlen('h'), 3);
  assert.is(await client.hexists('h', 'b'), 1);
  assert.is(await client.hexists('h', 'x'), 0);
  assert.is(await client.hstrlen('h', 'b'), 3);
  assert.is(await client.hstrlen('h', 'x'), 0);
  assert.equal(await client.hgetall('missing'), {});
  assert.is(await client.hlen('missing'), 0);
  assert.equal(await client.hmget('missing', 'a'), [null]);
});

test('binary fields and values round-trip byte for byte', async () => {
  const field = Buffer.from([0, 13, 10, 255, 128]);
  const value = Buffer.from([1, 0, 254, 32]);
  await client.hset('bin', field, value);
  assert.equal(await client.hgetBuffer('bin', field), value);
  assert.equal(await client.hkeysBuffer('bin'), [field]);
  assert.is(await client.hstrlen('bin', field), 4);
});

test('HSETNX sets only new fields; HMSET answers OK', async () => {
  assert.is(await client.hsetnx('h', 'f', 'v1'), 1);
  assert.is(await client.hsetnx('h', 'f', 'v2'), 0);
  assert.is(await client.hget('h', 'f'), 'v1');
  assert.is(await client.hmset('h', 'x', '1', 'y', '2'), 'OK');
  assert.is(await client.hlen('h'), 3);
});

test('HDEL counts removed fields and deletes the emptied key', async () => {
  await client.hset('h', 'a', '1', 'b', '2');
  assert.is(await client.hdel('h', 'a', 'a', 'nope'), 1);
  assert.is(await client.exists('h'), 1);
  assert.is(await client.hdel('h', 'b', 'c'), 1);
  assert.is(await client.exists('h'), 0);
  assert.is(await client.hdel('h', 'b'), 0);
});

test('errors: arity, odd pairs, WRONGTYPE', async () => {
  await client.set('str', 'x');
  await rejects(client.call('HSET', 'h', 'a'), /^ERR wrong number of arguments for 'hset' command/);
  await rejects(client.call('HSET', 'h', 'a', '1', 'b'), /^ERR wrong number of arguments for 'hset' command/);
  await rejects(client.call('HMSET', 'h', 'a', '1', 'b'), /^ERR wrong number of arguments for 'hmset' command/);
  await rejects(client.call('HGET', 'h'), /^ERR wrong number of arguments for 'hget' command/);
  for (const cmd of [['HSET', 'str', 'a', '1'], ['HGET', 'str', 'a'], ['HGETALL', 'str'], ['HDEL', 'str', 'a'], ['HLEN', 'str'], ['HINCRBY', 'str', 'a', '1'], ['HSCAN', 'str', '0'], ['HRANDFIELD', 'str']]) {
    await rejects(client.call(cmd[0], ...cmd.slice(1)), WRONGTYPE);
  }
  assert.is(await client.get('str'), 'x');
});

test('HINCRBY: 64-bit arithmetic and its errors', async () => {
  assert.is(await client.hincrby('h', 'n', 5), 5);
  assert.is(await client.hincrby('h', 'n', -7), -2);
  await client.hset('h', 'max', '9223372036854775806');
  await client.hincrby('h', 'max', 1);
  assert.is(await client.hget('h', 'max'), '9223372036854775807');
  await rejects(client.hincrby('h', 'max', 1), /^ERR increment or decrement would overflow/);
  await client.hset('h', 's', 'abc', 'lead', '01');
  await rejects(client.hincrby('h', 's', 1), /^ERR hash value is not an integer/);
  await rejects(client.hincrby('h', 'lead', 1), /^ERR hash value is not an integer/);
  await rejects(client.call('HINCRBY', 'h', 'n', '1.5'), /^ERR value is not an integer or out of range/);
});

test('HINCRBYFLOAT: long double text, errors, and HSET with the exact result propagated', async () => {
  await client.hset('h', 'f', '10.5');
  assert.is(await client.hincrbyfloat('h', 'f', '0.1'), '10.6');
  assert.is(await client.hincrbyfloat('h', 'f', '1000'), '1010.59999999999999998');
  assert.is(await client.hincrbyfloat('h', 'new', '3.0e2'), '300');
  await rejects(client.hincrbyfloat('h', 'f', 'abc'), /^ERR value is not a valid float/);
  await rejects(client.hincrbyfloat('h', 'f', 'inf'), /^ERR value is NaN or Infinity/);
  await client.hset('h', 'word', 'abc', 'infinite', 'inf');
  await rejects(client.hincrbyfloat('h', 'word', '1'), /^ERR hash value is not a float/);
  await rejects(client.hincrbyfloat('h', 'infinite', '1'), /^ERR increment would produce NaN or Infinity/);
  const effects = await propagationOf([['HINCRBYFLOAT', 'h', 'f', '0.4'], ['HINCRBYFLOAT', 'h', 'word', '1']]);
  assert.equal(effects, [['HSET', 'h', 'f', '1011']]);
});

test('propagation: HSET, HDEL, HINCRBY as sent; nothing for no-ops and errors', async () => {
  const effects = await propagationOf([
    ['HSET', 'h', 'a', '1'], ['HSETNX', 'h', 'a', '2'], ['HSETNX', 'h', 'b', '2'], ['HINCRBY', 'h', 'a', '2'], ['HDEL', 'h', 'zz'],
    ['HDEL', 'h', 'a'], ['HGET', 'h', 'b'], ['HINCRBY', 'h', 'b', 'x'],
  ]);
  assert.equal(effects, [['HSET', 'h', 'a', '1'], ['HSETNX', 'h', 'b', '2'], ['HINCRBY', 'h', 'a', '2'], ['HDEL', 'h', 'a']]);
});

test('keyspace events: hset, hincrbyfloat, hdel, then del when emptied', async () => {
  const sub = await RawClient.connect(ferrite.port);
  try {
    await client.config('SET', 'notify-keyspace-events', 'Eh$g');
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    await client.hset('h', 'a', '1');
    await client.hincrbyfloat('h', 'a', '1');
    await client.hdel('h', 'zz');
    await client.hdel('h', 'a');
    await client.set('marker', '1');
    const events = (await sub.replies(5)).map((r) => r.split('\r\n').filter((_, i) => i === 6 || i === 8).join(' '));
    assert.equal(events, ['__keyevent@0__:hset h', '__keyevent@0__:hincrbyfloat h', '__keyevent@0__:hdel h', '__keyevent@0__:del h', '__keyevent@0__:set marker']);
  } finally {
    await client.config('SET', 'notify-keyspace-events', '');
    sub.close();
  }
});

test('encoding: listpack until a limit is crossed at insertion, then hashtable for good', async () => {
  for (let i = 0; i < 512; i++) await client.hset('big', `f${i}`, 'v');
  assert.is(await client.object('ENCODING', 'big'), 'listpack');
  await client.hset('big', 'f512', 'v');
  assert.is(await client.object('ENCODING', 'big'), 'hashtable');
  for (let i = 0; i < 500; i++) await client.hdel('big', `f${i}`);
  assert.is(await client.object('ENCODING', 'big'), 'hashtable');
  await client.hset('long', 'f', 'x'.repeat(65));
  assert.is(await client.object('ENCODING', 'long'), 'hashtable');
  await client.hset('small', 'a', '1', 'b', '2');
  await client.config('SET', 'hash-max-listpack-entries', '1');
  assert.is(await client.object('ENCODING', 'small'), 'listpack', 'a lowered limit waits for the next store');
  await client.hget('small', 'a');
  assert.is(await client.object('ENCODING', 'small'), 'listpack');
  await client.hset('small', 'a', 'updated');
  assert.is(await client.object('ENCODING', 'small'), 'hashtable');
});

test('RESP3: HGETALL is a map, HRANDFIELD WITHVALUES an array of pairs, missing keys', async () => {
  const raw = await RawClient.connect(ferrite.port);
  try {
    await raw.call('HELLO', '3');
    await raw.call('HSET', 'h', 'a', '1');
    assert.is(await raw.call('HGETALL', 'h'), '%1\r\n$1\r\na\r\n$1\r\n1\r\n');
    assert.is(await raw.call('HGETALL', 'missing'), '%0\r\n');
    assert.is(await raw.call('HRANDFIELD', 'h', '-2', 'WITHVALUES'), '*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n');
    assert.is(await raw.call('HRANDFIELD', 'h', '5', 'WITHVALUES'), '*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n');
    assert.is(await raw.call('HRANDFIELD', 'missing'), '_\r\n');
    assert.is(await raw.call('HRANDFIELD', 'missing', '2'), '*0\r\n');
    assert.is(await raw.call('HGET', 'h', 'zz'), '_\r\n');
    await raw.call('HELLO', '2');
    assert.is(await raw.call('HRANDFIELD', 'h', '-2', 'WITHVALUES'), '*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n');
    assert.is(await raw.call('HGETALL', 'h'), '*2\r\n$1\r\na\r\n$1\r\n1\r\n');
  } finally {
    raw.close();
  }
});

test('HRANDFIELD: distinct fields for positive counts, repeats allowed for negative ones, every field reachable', async () => {
  for (const encoding of ['listpack', 'hashtable']) {
    await client.del('h');
    const fields = Array.from({ length: 20 }, (_, i) => `f${i}`);
    for (const f of fields) await client.hset('h', f, `v-${f}`);
    if (encoding === 'hashtable') await client.hset('h', 'x'.repeat(100), 'v');
    assert.is(await client.object('ENCODING', 'h'), encoding);
    const size = await client.hlen('h');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const count = 1 + (i % 15);
      const picked = (await client.call('HRANDFIELD', 'h', String(count), 'WITHVALUES')) as string[];
      assert.is(picked.length, 2 * count);
      const names = picked.filter((_, j) => j % 2 === 0);
      assert.is(new Set(names).size, count, 'distinct');
      for (let j = 0; j < picked.length; j += 2) assert.is(picked[j + 1], (await client.hget('h', picked[j]))!);
      names.forEach((n) => seen.add(n));
    }
    assert.is(seen.size, size, `every field of the ${encoding} was picked at least once`);
    const repeated = (await client.call('HRANDFIELD', 'h', '-100')) as string[];
    assert.is(repeated.length, 100);
    assert.ok(new Set(repeated).size < 100, 'a negative count repeats fields');
    assert.is(((await client.call('HRANDFIELD', 'h', '1000')) as string[]).length, size);
  }
});

test('HRANDFIELD from a listpack keeps the listpack order', async () => {
  const fields = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}`);
  for (const f of fields) await client.hset('h', f, '1');
  for (let i = 0; i < 50; i++) {
    const picked = (await client.call('HRANDFIELD', 'h', '7')) as string[];
    assert.equal(picked, [...picked].sort());
  }
});

test('HSCAN: a listpack answers whole with cursor 0; MATCH filters on fields', async () => {
  await client.hset('h', 'key:1', 'a', 'key:2', 'b', 'other', 'c');
  assert.equal(await client.hscan('h', '0', 'COUNT', '1'), ['0', ['key:1', 'a', 'key:2', 'b', 'other', 'c']]);
  assert.equal(await client.hscan('h', '0', 'MATCH', 'key:*'), ['0', ['key:1', 'a', 'key:2', 'b']]);
  assert.equal(await client.hscan('missing', '0'), ['0', []]);
  await rejects(client.call('HSCAN', 'h', '0', 'COUNT', '0'), /^ERR syntax error/);
  await rejects(client.call('HSCAN', 'h', 'abc'), /^ERR invalid cursor/);
});

test('HSCAN guarantee: fields present throughout a COUNT 10 scan are returned while others come and go', async () => {
  const stable = Array.from({ length: 3000 }, (_, i) => `stable:${i}`);
  for (let i = 0; i < stable.length; i += 500) await client.hset('h', ...stable.slice(i, i + 500).flatMap((f) => [f, 'v']));
  assert.is(await client.object('ENCODING', 'h'), 'hashtable');
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  let churn: string[] = [];
  do {
    const [next, items] = await client.hscan('h', cursor, 'COUNT', '10');
    for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
    cursor = next;
    calls++;
    // Between calls the table grows (thousands of new fields) and, every few calls, shrinks again.
    const batch = Array.from({ length: 1000 }, (_, i) => `churn:${calls}:${i}`);
    await client.hset('h', ...batch.flatMap((f) => [f, 'x']));
    churn.push(...batch);
    if (calls % 4 === 0) {
      await client.hdel('h', ...churn);
      churn = [];
    }
  } while (cursor !== '0' && calls < 20000);
  assert.is(cursor, '0', 'the scan finished');
  assert.ok(calls > 10, 'the scan took many calls');
  const missing = stable.filter((f) => !seen.has(f));
  assert.equal(missing, []);
});

const LIMITS: HashEncodingLimits = { maxListpackEntries: 3, maxListpackValue: 5 };

test('HashValue: order is insertion order, kept on update, moved to the end on re-insert', () => {
  const h = new HashValue();
  h.set('z', '1', LIMITS);
  h.set('a', '2', LIMITS);
  h.set('m', '3', LIMITS);
  h.set('a', 'x', LIMITS);
  assert.equal([...h.fields()].map((f) => f.key), ['z', 'a', 'm']);
  h.delete('z');
  h.set('z', 'back', LIMITS);
  assert.equal([...h.fields()].map((f) => `${f.key}=${f.value}`), ['a=x', 'm=3', 'z=back']);
  assert.is(h.encoding(), 'listpack');
});

test('HashValue: conversion by count or length, never back; clones are independent', () => {
  const h = new HashValue();
  for (const f of ['a', 'b', 'c']) h.set(f, 'v', LIMITS);
  assert.is(h.encoding(), 'listpack');
  h.set('d', 'v', LIMITS);
  assert.is(h.encoding(), 'hashtable');
  h.delete('d');
  h.delete('c');
  assert.is(h.encoding(), 'hashtable');
  const long = new HashValue();
  long.set('f', '123456', LIMITS);
  assert.is(long.encoding(), 'hashtable');
  const small = new HashValue();
  small.set('f', '12345', LIMITS);
  const copy = small.clone();
  copy.set('g', '1', LIMITS);
  assert.is(small.length, 1);
  assert.is(copy.length, 2);
  assert.is(copy.bytes > small.bytes, true);
  assert.is(small.clone().encoding(), 'listpack');
  assert.is(h.clone().encoding(), 'hashtable');
});

test.run();
