// maxmemory and eviction: which keys each policy gives up and which it keeps, OOM under noeviction
// and when nothing is evictable (compared with the real redis-server where replies are the same),
// eviction in the background (after CONFIG SET maxmemory, or past the time budget), what an
// eviction signals (DEL propagated, `evicted` event, WATCH), the limit holding while 100x of it is
// written, INFO and MEMORY shapes.
// Policies are tested with a large maxmemory-samples so that the sampled pool sees every key and
// the outcome is certain rather than likely.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { rejects } from './helpers/assert.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { runSessions, send } from './helpers/sessions.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let ferrite: RunningServer;
let redis: ExternalServer;
let c: Redis;

const VALUE = 'v'.repeat(100);
const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const DEFAULTS = [
  'maxmemory-policy', 'noeviction', 'maxmemory-samples', '5', 'maxmemory-eviction-tenacity', '10',
  'lfu-log-factor', '10', 'lfu-decay-time', '1', 'notify-keyspace-events', '',
];

test.before(async () => {
  [ferrite, redis] = await Promise.all([startFerrite(), startRedis()]);
  c = new Redis({ port: ferrite.port, maxRetriesPerRequest: null });
});

test.after(async () => {
  c.disconnect();
  await Promise.all([ferrite.close(), redis.close()]);
});

/** Back to an empty, unlimited server with default eviction settings (samples: 1000), then `settings`. */
async function reset(...settings: string[]): Promise<void> {
  await c.config('SET', 'maxmemory', '0');
  await c.flushall();
  await c.config('RESETSTAT');
  const options = new Map<string, string>();
  for (const list of [DEFAULTS, ['maxmemory-samples', '1000'], settings]) for (let i = 0; i < list.length; i += 2) options.set(list[i], list[i + 1]);
  await c.call('CONFIG', 'SET', ...[...options].flat());
}

/** Fixed-width names, so every key of a test costs the same. */
function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}:${String(i).padStart(3, '0')}`);
}

async function setAll(keys: readonly string[], ...options: string[]): Promise<void> {
  const p = c.pipeline();
  for (const k of keys) p.call('SET', k, VALUE, ...options);
  await p.exec();
}

async function existing(keys: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const k of keys) if ((await c.exists(k)) === 1) present.push(k);
  return present;
}

async function infoNumber(field: string): Promise<number> {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(await c.info('everything'));
  assert.ok(m !== null, `INFO has ${field}`);
  return Number(m![1]);
}

/** Caps memory at what the server holds right now: the next key written evicts one. */
async function capAtCurrentUsage(): Promise<void> {
  await c.config('SET', 'maxmemory', String(await infoNumber('used_memory')));
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('allkeys-lru evicts the least recently used keys and keeps the recently read ones', async () => {
  await reset('maxmemory-policy', 'allkeys-lru');
  const old = names('k', 100);
  const hot = old.slice(0, 20);
  await setAll(old);
  await pause(5);
  for (const k of hot) await c.get(k);
  await pause(5);
  await capAtCurrentUsage();
  const fresh = names('n', 30);
  await setAll(fresh);
  assert.is(await c.dbsize(), 100);
  assert.equal(await existing(hot), hot, 'recently read keys stay');
  assert.equal(await existing(fresh), fresh, 'new keys stay');
  assert.is((await existing(old.slice(20))).length, 50, 'thirty of the never-read keys went');
  assert.is(await infoNumber('evicted_keys'), 30);
});

test('allkeys-lfu evicts the least frequently used keys and keeps the often read ones', async () => {
  await reset('maxmemory-policy', 'allkeys-lfu', 'lfu-decay-time', '0');
  const old = names('k', 100);
  const hot = old.slice(50, 70);
  await setAll(old);
  for (let round = 0; round < 3; round++) for (const k of hot) await c.get(k);
  assert.ok(Number(await c.object('FREQ', hot[0])) > 5, 'a read raises the counter above LFU_INIT_VAL');
  assert.is(Number(await c.object('FREQ', old[0])), 5, 'a new key starts at LFU_INIT_VAL');
  await capAtCurrentUsage();
  await setAll(names('n', 40));
  assert.is(await c.dbsize(), 100);
  assert.equal(await existing(hot), hot, 'often read keys stay');
  assert.is(await infoNumber('evicted_keys'), 40);
});

test('OBJECT IDLETIME and FREQ answer only under the matching policy kind', async () => {
  await reset('maxmemory-policy', 'allkeys-lru');
  await c.set('k', 'v');
  assert.is(await c.object('IDLETIME', 'k'), 0);
  await rejects(c.object('FREQ', 'k'), /An LFU maxmemory policy is not selected/);
  await c.config('SET', 'maxmemory-policy', 'volatile-lfu');
  await rejects(c.object('IDLETIME', 'k'), /An LFU maxmemory policy is selected/);
  assert.is(await c.object('FREQ', 'k'), 5);
});

for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
  test(`${policy} evicts only keys with a TTL, then refuses writes with OOM while reads and DEL still work`, async () => {
    await reset('maxmemory-policy', policy);
    const persistent = names('p', 50);
    const volatile = names('v', 50);
    await setAll(persistent);
    await setAll(volatile, 'EX', '1000');
    await capAtCurrentUsage();
    let refused: unknown;
    for (const k of names('q', 200)) {
      refused = await c.set(k, VALUE).catch((e: Error) => e);
      if (refused instanceof Error) break;
    }
    assert.instance(refused, Error, 'writes are refused once only persistent keys are left');
    assert.is((refused as Error).message, OOM);
    assert.equal(await existing(persistent), persistent, 'persistent keys are never evicted');
    assert.equal(await existing(volatile), [], 'every key with a TTL went first');
    assert.is(await infoNumber('evicted_keys'), 50);
    assert.is(await c.get(persistent[0]), VALUE);
    assert.is(await c.del(persistent[0], persistent[1]), 2);
    assert.is(await c.set('after-del', 'x'), 'OK', 'room again after DEL');
  });
}

test('volatile-ttl evicts the keys that expire soonest first', async () => {
  await reset('maxmemory-policy', 'volatile-ttl');
  const volatile = names('t', 50);
  const p = c.pipeline();
  volatile.forEach((k, i) => p.set(k, VALUE, 'EX', String(1000 * (i + 1))));
  await p.exec();
  await capAtCurrentUsage();
  await setAll(names('q', 20), 'EX', '10000000');
  assert.equal(await existing(volatile), volatile.slice(20), 'the twenty shortest TTLs went');
});

test('allkeys-random evicts some key for each one written', async () => {
  await reset('maxmemory-policy', 'allkeys-random');
  await setAll(names('k', 100));
  await capAtCurrentUsage();
  await setAll(names('n', 50));
  assert.is(await c.dbsize(), 100);
  assert.is(await infoNumber('evicted_keys'), 50);
});

test('noeviction: OOM for commands that may grow memory, like redis-server, and inside MULTI for any command', async () => {
  const setup = [['CONFIG', 'SET', 'maxmemory', '0'], ['FLUSHALL'], ['SET', 'a', '1'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['CONFIG', 'SET', 'maxmemory', '1']];
  const script = [
    ['SET', 'b', '2'], ['GET', 'a'], ['APPEND', 'a', 'x'], ['INCR', 'a'], ['LPUSH', 'l', 'x'], ['SADD', 's', 'x'], ['HSET', 'h', 'f', 'v'],
    ['ZADD', 'z', '1', 'm'], ['EXISTS', 'a'], ['EXPIRE', 'a', '100'], ['PERSIST', 'a'], ['MULTI'], ['GET', 'a'], ['DEL', 'a'], ['EXEC'],
    ['MULTI'], ['PING'], ['DISCARD'], ['STRLEN', 'a'], ['DEL', 'a'],
  ];
  const rows = await differential(redis.port, ferrite.port, [...setup, ...script, ['CONFIG', 'SET', 'maxmemory', '0']]);
  for (const row of rows.slice(setup.length)) assert.is(row.ferrite, row.redis, row.command);
  assert.ok(rows.some((r) => r.ferrite.includes('OOM')), 'the script met OOM');
});

test('EXEC of a queued write is aborted with OOM when memory ran out after queuing, like redis-server', async () => {
  const steps = [
    send('o', 'CONFIG', 'SET', 'maxmemory', '0'), send('o', 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), send('o', 'FLUSHALL'), send('o', 'SET', 'a', '1'),
    send('o', 'MULTI'), send('o', 'SET', 'b', '2'), send('o', 'GET', 'a'),
    send('x', 'CONFIG', 'SET', 'maxmemory', '1'), send('o', 'EXEC'),
    send('o', 'MULTI'), send('o', 'GET', 'a'), send('x', 'CONFIG', 'SET', 'maxmemory', '0'), send('o', 'EXEC'),
  ];
  const [expected, actual] = await Promise.all([runSessions(redis.port, steps), runSessions(ferrite.port, steps)]);
  assert.equal(actual, expected);
  assert.ok(actual.some((l) => l.includes(`EXECABORT Transaction discarded because of: ${OOM}`)));
});

test('CONFIG SET maxmemory starts eviction in the background, not inside the command, like redis-server 7.0', async () => {
  const mset = ['MSET', ...names('k', 100).flatMap((k) => [k, VALUE])];
  const commands = [
    ['CONFIG', 'SET', 'maxmemory', '0'], ['FLUSHALL'], mset, ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
    ['MULTI'], ['CONFIG', 'SET', 'maxmemory', '1'], ['DBSIZE'], ['EXEC'], ['CONFIG', 'SET', 'maxmemory', '0'],
  ];
  const rows = await differential(redis.port, ferrite.port, commands);
  for (const row of rows) assert.is(row.ferrite, row.redis, row.command.slice(0, 40));
  assert.is(rows[7].ferrite, '*2\r\n+OK\r\n:100\r\n', 'every key still there inside the transaction');

  await reset('maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '5');
  await setAll(names('k', 100));
  const perKey = Number(await c.call('MEMORY', 'USAGE', 'k:000'));
  const { config, state } = ferrite.server;
  // Called in process: nothing else runs between the change and the check.
  assert.is(config.set([['maxmemory', String(perKey * 60)]]), undefined);
  assert.is(state.databases[0].size, 100, 'nothing evicted inside CONFIG SET');
  while (state.usedMemory() > perKey * 60) await new Promise((r) => setImmediate(r));
  assert.is(state.databases[0].size, 60, 'evicted between commands, with none sent');
});

test('eviction that runs out of its time budget goes on in the background, and commands are not refused meanwhile', async () => {
  await reset('maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '5', 'maxmemory-eviction-tenacity', '0');
  await setAll(names('k', 500));
  const perKey = Number(await c.call('MEMORY', 'USAGE', 'k:000'));
  const { config, state } = ferrite.server;
  const db = state.databases[0];
  assert.is(config.set([['maxmemory', String(perKey * 100)]]), undefined);
  assert.ok(state.memory.ensureRoom(), 'not out of memory while eviction is still running');
  assert.is(db.size, 500 - 16, 'tenacity 0: the budget is spent at the first check, after sixteen keys');
  while (state.usedMemory() > perKey * 100) await new Promise((r) => setImmediate(r));
  assert.is(db.size, 100);
});

test('an eviction is propagated as DEL, fires the evicted event and dirties WATCH', async () => {
  await reset('maxmemory-policy', 'allkeys-lru', 'notify-keyspace-events', 'Ee');
  const propagated: string[][] = [];
  const sinks = ferrite.server.state.sinks;
  const sink = (_db: number, argv: string[]): void => void propagated.push(argv);
  sinks.push(sink);
  const sub = new Redis({ port: ferrite.port });
  const events: string[] = [];
  sub.on('message', (_channel: string, key: string) => events.push(key));
  const watcher = new Redis({ port: ferrite.port });
  try {
    await sub.subscribe('__keyevent@0__:evicted');
    await setAll(names('k', 10));
    await watcher.watch('k:000');
    await c.get('k:000');
    await pause(5);
    for (const k of names('k', 10).slice(1)) await c.get(k);
    await capAtCurrentUsage();
    await c.set('n:000', VALUE);
    await c.ping();
    assert.is(await c.exists('k:000'), 0, 'the least recently used key went');
    assert.equal(propagated.filter((a) => a[0] === 'DEL'), [['DEL', 'k:000']]);
    assert.is(await watcher.multi().set('w', '1').exec(), null, 'the watcher saw its key change');
    while (events.length === 0) await pause(5);
    assert.equal(events, ['k:000']);
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
    sub.disconnect();
    watcher.disconnect();
  }
});

test('maxmemory holds while 100x of it is written: used_memory within one key of it, the heap and RSS bounded', async () => {
  const maxmemory = 4 << 20;
  const value = 'x'.repeat(4096);
  await reset('maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '5');
  await c.config('SET', 'maxmemory', String(maxmemory));
  const state = ferrite.server.state;
  let peakUsed = 0;
  const watchPeak = (): void => void (peakUsed = Math.max(peakUsed, state.usedMemory()));
  ferrite.server.events.onChange.push(watchPeak);
  try {
    gc();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const keys = (maxmemory * 100) / value.length;
    for (let id = 0; id < keys; ) {
      const p = c.pipeline();
      for (let i = 0; i < 200; i++) p.set(`key:${String(id++).padStart(7, '0')}`, value);
      await p.exec();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const oneKey = Number(await c.call('MEMORY', 'USAGE', `key:${String(keys - 1).padStart(7, '0')}`));
    assert.ok(peakUsed <= maxmemory + oneKey, `used_memory peaked at ${peakUsed}, limit ${maxmemory} + ${oneKey}`);
    assert.ok(await infoNumber('evicted_keys') > keys * 0.9);
    gc();
    const after = process.memoryUsage();
    const heapGrowth = after.heapUsed - before.heapUsed;
    assert.ok(heapGrowth < 2 * maxmemory, `live heap grew by ${heapGrowth} bytes for a ${maxmemory}-byte dataset`);
    const written = keys * value.length;
    assert.ok(peakRss - before.rss < written / 2, `RSS grew by ${peakRss - before.rss} bytes while ${written} were written`);
  } finally {
    const hooks = ferrite.server.events.onChange;
    hooks.splice(hooks.indexOf(watchPeak), 1);
  }
});

test('INFO memory and stats show the limit, the policy and the evictions', async () => {
  await reset('maxmemory-policy', 'allkeys-lru');
  await setAll(names('k', 20));
  await capAtCurrentUsage();
  await setAll(names('n', 5));
  const info = await c.info('everything');
  const field = (name: string): string => new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)?.[1] ?? '';
  const used = Number(field('used_memory'));
  assert.ok(used > 0 && used <= Number(field('maxmemory')));
  assert.match(field('used_memory_human'), /^\d+(\.\d\d)?[BKMG]$/);
  assert.ok(Number(field('used_memory_rss')) > used);
  assert.ok(Number(field('used_memory_peak')) >= used);
  assert.is(field('maxmemory_policy'), 'allkeys-lru');
  assert.match(field('mem_fragmentation_ratio'), /^\d+\.\d\d$/);
  assert.is(Number(field('used_memory_overhead')) + Number(field('used_memory_dataset')), used);
  assert.is(Number(field('evicted_keys')), 5);
  assert.is(field('evicted_clients'), '0');
});

/** A RESP reply's structure: names and aggregate sizes kept, numbers reduced to their RESP type. */
function shape(raw: string): string[] {
  const lines = raw.split('\r\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i];
    if (line[0] === '$') out.push(/^[a-z]/.test(lines[++i]) ? lines[i] : 'bulk-number');
    else if (line[0] === ':') out.push('int');
    else if (line[0] === ',') out.push('double');
    else out.push(line);
  }
  return out;
}

async function rawReply(port: number, resp: 2 | 3, ...command: string[]): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    if (resp === 3) await client.call('HELLO', '3');
    return await client.call(...command);
  } finally {
    client.close();
  }
}

test('MEMORY STATS has the fields, order and types of redis-server, in RESP2 and RESP3', async () => {
  for (const port of [redis.port, ferrite.port]) {
    const r = new Redis({ port });
    await r.flushall();
    await r.set('k', 'v');
    await r.set('e', 'v', 'EX', 100);
    r.disconnect();
  }
  for (const resp of [2, 3] as const) {
    const [expected, actual] = await Promise.all([rawReply(redis.port, resp, 'MEMORY', 'STATS'), rawReply(ferrite.port, resp, 'MEMORY', 'STATS')]);
    assert.equal(shape(actual), shape(expected), `RESP${resp}`);
  }
  const stats = (await c.call('MEMORY', 'STATS')) as unknown[];
  const get = (name: string): unknown => stats[stats.indexOf(name) + 1];
  assert.is(get('keys.count'), 2);
  assert.is(get('total.allocated'), await infoNumber('used_memory'));
  const [, main, , expires, , slots] = get('db.0') as number[];
  assert.ok(main > 0 && expires > 0 && slots === 0);
  assert.is(main + expires, get('overhead.total'));
  assert.is((get('overhead.total') as number) + (get('dataset.bytes') as number), get('total.allocated'));
});

test('MEMORY USAGE, HELP, DOCTOR and argument errors answer like redis-server', async () => {
  const commands = [
    ['FLUSHALL'], ['SET', 'k', 'v'], ['MEMORY', 'USAGE', 'missing'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'], ['MEMORY', 'USAGE', 'k', 'bogus'], ['MEMORY', 'USAGE', 'missing', 'bogus'], ['MEMORY', 'USAGE'],
    ['MEMORY', 'STATS', 'x'], ['MEMORY', 'DOCTOR', 'x'], ['MEMORY', 'PURGE'], ['MEMORY', 'HELP'], ['MEMORY', 'DOCTOR'], ['MEMORY', 'NOPE'], ['MEMORY'],
    ['COMMAND', 'GETKEYS', 'MEMORY', 'USAGE', 'k'],
  ];
  for (const row of await differential(redis.port, ferrite.port, commands)) assert.is(row.ferrite, row.redis, row.command);
  assert.type(await c.call('MEMORY', 'USAGE', 'k', 'SAMPLES', '0'), 'number');
  assert.type(await c.call('MEMORY', 'MALLOC-STATS'), 'string');
});

test('MEMORY USAGE grows with the value and the keys add up to used_memory', async () => {
  await reset();
  await c.set('small', 'x');
  await c.set('large', 'x'.repeat(10_000));
  await c.rpush('list', 'a', 'b', 'c');
  await c.hset('hash', 'f', 'v');
  const small = Number(await c.call('MEMORY', 'USAGE', 'small'));
  const large = Number(await c.call('MEMORY', 'USAGE', 'large'));
  assert.ok(large - small > 9_900 && large - small < 10_100, `${large} - ${small}`);
  let sum = 0;
  for (const k of ['small', 'large', 'list', 'hash']) sum += Number(await c.call('MEMORY', 'USAGE', k));
  assert.is(sum, await infoNumber('used_memory'));
});

test.run();
