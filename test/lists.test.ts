// Lists through a client library and raw sockets: the ring buffer behind ListValue against a plain
// array model (fast-check), then the commands as ioredis users call them, long lists that make the
// buffer wrap, grow and shrink, binary elements, WATCH, OBJECT ENCODING and COMMAND GETKEYS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { ListValue } from '../src/structures/list.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let ferrite: RunningServer;
let redis: ExternalServer;
let client: Redis;

test.before(async () => {
  [ferrite, redis] = await Promise.all([startFerrite(), startRedis()]);
  client = new Redis({ port: ferrite.port, lazyConnect: true });
  await client.connect();
});

test.after(async () => {
  client?.disconnect();
  await Promise.all([ferrite?.close(), redis?.close()]);
});

test.before.each(async () => {
  await client.flushall();
});

// ---- the structure ----

type Op =
  | { op: 'pushHead' | 'pushTail'; s: string }
  | { op: 'popHead' | 'popTail' }
  | { op: 'set'; at: number; s: string }
  | { op: 'insertAt'; at: number; s: string }
  | { op: 'dropHead' | 'dropTail'; n: number }
  | { op: 'removeEqual'; s: string; limit: number; fromTail: boolean };

const element = fc.constantFrom('a', 'b', 'c', '', '\x00\xff');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), s: element }) },
  fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(40), s: element }),
  fc.record({ op: fc.constant('insertAt' as const), at: fc.nat(40), s: element }),
  fc.record({ op: fc.constantFrom('dropHead' as const, 'dropTail' as const), n: fc.nat(6) }),
  fc.record({ op: fc.constant('removeEqual' as const), s: element, limit: fc.nat(3), fromTail: fc.boolean() }),
);

/** Applies one operation to the list and to the array model; returns what each gave back. */
function apply(list: ListValue, model: string[], o: Op): [unknown, unknown] {
  switch (o.op) {
    case 'pushHead': list.pushHead(o.s); model.unshift(o.s); return [0, 0];
    case 'pushTail': list.pushTail(o.s); model.push(o.s); return [0, 0];
    case 'popHead': return [list.popHead(), model.shift()];
    case 'popTail': return [list.popTail(), model.pop()];
    case 'set': {
      if (model.length === 0) return [0, 0];
      const at = o.at % model.length;
      list.set(at, o.s);
      model[at] = o.s;
      return [0, 0];
    }
    case 'insertAt': {
      const at = o.at % (model.length + 1);
      list.insertAt(at, o.s);
      model.splice(at, 0, o.s);
      return [0, 0];
    }
    case 'dropHead': list.dropHead(Math.min(o.n, model.length)); model.splice(0, o.n); return [0, 0];
    case 'dropTail': list.dropTail(Math.min(o.n, model.length)); model.splice(Math.max(0, model.length - o.n)); return [0, 0];
    case 'removeEqual': return [list.removeEqual(o.s, o.limit, o.fromTail), removeFromModel(model, o.s, o.limit, o.fromTail)];
  }
}

function removeFromModel(model: string[], s: string, limit: number, fromTail: boolean): number {
  let removed = 0;
  const order = model.map((_, i) => i);
  if (fromTail) order.reverse();
  const drop = new Set<number>();
  for (const i of order) {
    if (model[i] === s && (limit === 0 || removed < limit)) {
      drop.add(i);
      removed++;
    }
  }
  const kept = model.filter((_, i) => !drop.has(i));
  model.splice(0, model.length, ...kept);
  return removed;
}

const expectedBytes = (items: string[]): number => new ListValue(items).bytes;

test('ListValue behaves like an array under any mix of operations, bytes included', () => {
  fc.assert(
    fc.property(fc.array(element, { maxLength: 20 }), fc.array(opArb, { maxLength: 200 }), (initial, ops) => {
      const list = new ListValue(initial);
      const model = [...initial];
      for (const o of ops) {
        const [got, want] = apply(list, model, o);
        assert.equal(got, want, o.op);
        assert.is(list.length, model.length);
      }
      assert.equal(list.toArray(), model);
      for (let i = 0; i < model.length; i++) assert.is(list.at(i), model[i]);
      assert.is(list.at(-1), undefined);
      assert.is(list.at(model.length), undefined);
      assert.is(list.bytes, expectedBytes(model));
      assert.equal(list.clone().toArray(), model);
    }),
    { numRuns: 300 },
  );
});

test('ListValue indexOf finds the first equal element', () => {
  const list = new ListValue(['a', 'b', 'a']);
  list.pushHead('z');
  assert.is(list.indexOf('a'), 1);
  assert.is(list.indexOf('nope'), -1);
  assert.is(list.encoding(), 'quicklist');
});

// ---- the commands through ioredis ----

/** The error a command is rejected with ('' if it succeeds). */
async function errorOf(reply: Promise<unknown>): Promise<string> {
  try {
    await reply;
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

test('pushes and pops at both ends, with counts', async () => {
  assert.is(await client.rpush('q', 'a', 'b', 'c'), 3);
  assert.is(await client.lpush('q', 'z', 'y'), 5);
  assert.equal(await client.lrange('q', 0, -1), ['y', 'z', 'a', 'b', 'c']);
  assert.is(await client.lpop('q'), 'y');
  assert.is(await client.rpop('q'), 'c');
  assert.equal(await client.lpop('q', 2), ['z', 'a']);
  assert.equal(await client.rpop('q', 5), ['b']);
  assert.is(await client.exists('q'), 0);
  assert.is(await client.lpop('q'), null);
  assert.is(await client.lpop('q', 2), null);
  assert.is(await client.lpushx('q', 'a'), 0);
  assert.is(await client.rpushx('q', 'a'), 0);
  await client.rpush('q', 'm');
  assert.is(await client.lpushx('q', 'l'), 2);
  assert.is(await client.rpushx('q', 'n', 'o'), 4);
  assert.is(await client.llen('q'), 4);
  assert.is(await client.type('q'), 'list');
  assert.is(await client.object('ENCODING', 'q'), 'quicklist');
});

test('index access: LINDEX, LSET, LINSERT, LPOS', async () => {
  await client.rpush('l', 'a', 'b', 'c', 'b');
  assert.is(await client.lindex('l', -1), 'b');
  assert.is(await client.lindex('l', 9), null);
  assert.is(await client.lset('l', 1, 'B'), 'OK');
  assert.match(await errorOf(client.lset('l', 4, 'x')), /ERR index out of range/);
  assert.match(await errorOf(client.lset('nope', 0, 'x')), /ERR no such key/);
  assert.is(await client.linsert('l', 'BEFORE', 'c', 'x'), 5);
  assert.is(await client.linsert('l', 'AFTER', 'missing', 'x'), -1);
  assert.is(await client.linsert('nope', 'AFTER', 'a', 'x'), 0);
  assert.equal(await client.lrange('l', 0, -1), ['a', 'B', 'x', 'c', 'b']);
  assert.is(await client.lpos('l', 'b'), 4);
  await client.rpush('l', 'a', 'a');
  assert.equal(await client.lpos('l', 'a', 'RANK', -1, 'COUNT', 2), [6, 5]);
  assert.equal(await client.lpos('l', 'a', 'COUNT', 0, 'MAXLEN', 2), [0]);
  assert.match(await errorOf(client.lpos('l', 'a', 'RANK', 0)), /RANK can't be zero/);
});

test('LREM and LTRIM remove, and delete a list they empty', async () => {
  await client.rpush('l', 'a', 'x', 'a', 'y', 'a');
  assert.is(await client.lrem('l', -2, 'a'), 2);
  assert.equal(await client.lrange('l', 0, -1), ['a', 'x', 'y']);
  assert.is(await client.lrem('l', 0, 'nope'), 0);
  assert.is(await client.ltrim('l', 1, 1), 'OK');
  assert.equal(await client.lrange('l', 0, -1), ['x']);
  assert.is(await client.ltrim('l', 1, 0), 'OK');
  assert.is(await client.exists('l'), 0);
  await client.rpush('r', 'a', 'a');
  assert.is(await client.lrem('r', 0, 'a'), 2);
  assert.is(await client.exists('r'), 0);
});

test('LMOVE, RPOPLPUSH and LMPOP', async () => {
  await client.rpush('src', '1', '2', '3');
  assert.is(await client.lmove('src', 'dst', 'LEFT', 'RIGHT'), '1');
  assert.is(await client.rpoplpush('src', 'dst'), '3');
  assert.equal(await client.lrange('dst', 0, -1), ['3', '1']);
  assert.is(await client.lmove('dst', 'dst', 'LEFT', 'RIGHT'), '3');
  assert.equal(await client.lrange('dst', 0, -1), ['1', '3']);
  assert.equal(await client.call('LMPOP', '2', 'none', 'dst', 'RIGHT', 'COUNT', '5'), ['dst', ['3', '1']]);
  assert.is(await client.call('LMPOP', '1', 'dst', 'LEFT'), null);
  await client.set('s', 'v');
  assert.match(await errorOf(client.lmove('src', 's', 'LEFT', 'LEFT')), /WRONGTYPE/);
  assert.equal(await client.lrange('src', 0, -1), ['2']);
});

test('blocking forms reply at once when a list has elements', async () => {
  await client.rpush('k', 'a', 'b', 'c', 'd');
  assert.equal(await client.blpop('none', 'k', 0), ['k', 'a']);
  assert.equal(await client.brpop('k', 0), ['k', 'd']);
  assert.is(await client.blmove('k', 'd', 'LEFT', 'LEFT', 0), 'b');
  assert.is(await client.brpoplpush('k', 'd', 0), 'c');
  assert.equal(await client.call('BLMPOP', '0', '1', 'd', 'LEFT', 'COUNT', '9'), ['d', ['c', 'b']]);
  assert.is(await client.blpop('k', 0.01), null);
});

async function blockedClients(): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await client.info('clients'))![1]);
}

test('a blocked ioredis client is served by another one', async () => {
  const waiter = client.duplicate();
  try {
    const pending = waiter.blpop('jobs', 0);
    while ((await blockedClients()) === 0) await new Promise((r) => setTimeout(r, 5));
    await client.rpush('jobs', 'j1', 'j2');
    assert.equal(await pending, ['jobs', 'j1']);
    assert.equal(await client.lrange('jobs', 0, -1), ['j2']);
  } finally {
    waiter.disconnect();
  }
});

// ---- long lists: the ring buffer wraps, grows and shrinks through the server ----

test('a long list stays consistent through pushes, pops, inserts, removals and trims', async () => {
  const model: string[] = [];
  const pipeline = client.pipeline();
  for (let i = 0; i < 3000; i++) {
    const v = `v${i % 97}`;
    if (i % 3 === 0) {
      pipeline.lpush('big', v);
      model.unshift(v);
    } else {
      pipeline.rpush('big', v);
      model.push(v);
    }
  }
  await pipeline.exec();
  assert.equal(await client.lrange('big', 0, -1), model);
  assert.equal(await client.lpop('big', 1000), model.splice(0, 1000));
  assert.is(await client.lindex('big', 1234), model[1234]);
  await client.lset('big', 1500, 'SET');
  model[1500] = 'SET';
  await client.linsert('big', 'AFTER', 'SET', 'AFTER-SET');
  model.splice(1501, 0, 'AFTER-SET');
  assert.is(await client.lrem('big', 0, 'v5'), model.filter((v) => v === 'v5').length);
  model.splice(0, model.length, ...model.filter((v) => v !== 'v5'));
  assert.is(await client.lrem('big', -3, 'v6'), 3);
  for (let removed = 0, i = model.length - 1; removed < 3; i--) {
    if (model[i] !== 'v6') continue;
    model.splice(i, 1);
    removed++;
  }
  await client.ltrim('big', 100, -101);
  model.splice(0, 100);
  model.splice(model.length - 100);
  assert.equal(await client.lrange('big', 0, -1), model);
  assert.equal(await client.rpop('big', 10_000), model.reverse());
  assert.is(await client.exists('big'), 0);
});

test('binary elements survive every command', async () => {
  const bin = Buffer.from([0, 255, 13, 10, 128]);
  await client.rpush('b', bin, Buffer.from('x'));
  assert.equal(await client.lrangeBuffer('b', 0, -1), [bin, Buffer.from('x')]);
  assert.is(await client.lpos('b', bin), 0);
  assert.equal(await client.lpopBuffer('b'), bin);
});

// ---- against both servers ----

async function watchedExec(port: number, change: (other: Redis) => Promise<unknown>): Promise<unknown> {
  const [a, b] = [new Redis({ port }), new Redis({ port })];
  try {
    await a.flushall();
    await a.rpush('w', 'x', 'y');
    await a.watch('w');
    await change(b);
    return await a.multi().llen('w').exec();
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

test('WATCH sees list changes, including an LTRIM that cuts nothing (as Redis signals it)', async () => {
  const changes: [string, (r: Redis) => Promise<unknown>][] = [
    ['rpush', (r) => r.rpush('w', 'z')],
    ['lpop', (r) => r.lpop('w')],
    ['ltrim no-op', (r) => r.ltrim('w', 0, -1)],
    ['lset', (r) => r.lset('w', 0, 'x')],
    ['lrem no match', (r) => r.lrem('w', 0, 'nope')],
    ['linsert no pivot', (r) => r.linsert('w', 'BEFORE', 'nope', 'a')],
    ['lrange', (r) => r.lrange('w', 0, -1)],
  ];
  for (const [name, change] of changes) {
    const [want, got] = await Promise.all([watchedExec(redis.port, change), watchedExec(ferrite.port, change)]);
    assert.equal(got, want, name);
  }
});

test('COMMAND GETKEYS for the list commands with movable keys', async () => {
  const lines = ['LMPOP 2 a b LEFT', 'BLMPOP 0 2 a b LEFT COUNT 2', 'BLPOP a b 0', 'LMOVE a b LEFT RIGHT', 'BRPOPLPUSH a b 0'];
  const [r, f] = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ferrite.port)]);
  try {
    for (const line of lines) {
      const argv = ['COMMAND', 'GETKEYS', ...line.split(' ')];
      assert.is(await f.call(...argv), await r.call(...argv), line);
    }
  } finally {
    r.close();
    f.close();
  }
});

test.run();
