// Keyspace behaviour beyond single replies: SCAN's guarantee under concurrent change, active expiry
// reclaiming keys nobody reads, lazy expiry, INFO keyspace, databases and the embedding API.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { startFerrite, startRedis } from './helpers/servers.js';
import type { RunningServer } from '../src/index.js';

let ferrite: RunningServer;
let client: Redis;

test.before(async () => {
  ferrite = await startFerrite({ hz: 50 });
  client = new Redis({ port: ferrite.port });
});

test.after(async () => {
  client?.disconnect();
  await ferrite?.close();
});

test.before.each(async () => {
  await client.flushall();
});

async function waitFor(pred: () => Promise<boolean>, what: string, tries = 2400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

test('SCAN returns every key present for the whole scan while others come and go', async () => {
  const stable: string[] = [];
  const p = client.pipeline();
  for (let i = 0; i < 5000; i++) {
    stable.push(`stable:${i}`);
    p.set(`stable:${i}`, 'v');
  }
  await p.exec();
  const seen = new Set<string>();
  let cursor = '0';
  let round = 0;
  do {
    // Grow and shrink the table between calls: Redis' guarantee must survive resizes.
    const churn = client.pipeline();
    for (let i = 0; i < 300; i++) churn.set(`churn:${round}:${i}`, 'x');
    if (round > 2) for (let i = 0; i < 300; i++) churn.del(`churn:${round - 2}:${i}`);
    await churn.exec();
    const [next, keys] = (await client.scan(cursor, 'COUNT', 50)) as [string, string[]];
    for (const k of keys) seen.add(k);
    cursor = next;
    round++;
  } while (cursor !== '0');
  const missing = stable.filter((k) => !seen.has(k));
  assert.equal(missing, []);
});

test('SCAN MATCH, COUNT and TYPE filter; a bad cursor and bad COUNT are errors', async () => {
  await client.mset('user:1', 'a', 'user:2', 'b', 'other', 'c');
  await client.call('SADD', 'user:set', 'x').catch(() => undefined);
  const all: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await client.scan(cursor, 'MATCH', 'user:*', 'COUNT', 2, 'TYPE', 'string')) as [string, string[]];
    all.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  assert.equal(all.sort(), ['user:1', 'user:2']);
  await client.scan('abc').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /invalid cursor/));
  await client.scan('0', 'COUNT', '0').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /syntax error/));
});

test('active expiry reclaims keys that are never read', async () => {
  // The cycle is off while the keys are written, so a slow machine can't expire them before the count.
  await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  const p = client.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`exp:${i}`, 'v', 'PX', 100);
  for (let i = 0; i < 100; i++) p.set(`keep:${i}`, 'v');
  await p.exec();
  assert.match((await client.info('keyspace')) as string, /db0:keys=3100,expires=3000,/);
  await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  // DBSIZE does not touch keys, so only the active cycle can bring it down.
  await waitFor(async () => (await client.dbsize()) === 100, 'active expiry of 3000 keys');
  assert.match((await client.info('stats')) as string, /expired_keys:3000\r\n/);
});

test('DEBUG SET-ACTIVE-EXPIRE 0 leaves expired keys to lazy expiry', async () => {
  await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  try {
    await client.set('lazy', 'v', 'PX', 20);
    await new Promise((r) => setTimeout(r, 200));
    assert.is(await client.dbsize(), 1);
    assert.is(await client.get('lazy'), null);
    assert.is(await client.dbsize(), 0);
  } finally {
    await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  }
});

test('databases are independent; SELECT, MOVE, SWAPDB, FLUSHDB', async () => {
  const other = new Redis({ port: ferrite.port, db: 5 });
  try {
    await client.set('k', 'db0');
    await other.set('k', 'db5');
    assert.is(await client.get('k'), 'db0');
    assert.is(await other.get('k'), 'db5');
    await client.swapdb(0, 5);
    assert.is(await client.get('k'), 'db5');
    await other.flushdb();
    assert.is(await client.get('k'), 'db5');
    assert.is(await other.get('k'), null);
    assert.is(await client.move('k', 5), 1);
    assert.is(await other.get('k'), 'db5');
  } finally {
    other.disconnect();
  }
});

test('OBJECT IDLETIME and FREQ follow the maxmemory policy', async () => {
  await client.set('o', 'v');
  assert.is(await client.object('IDLETIME', 'o'), 0);
  await client.object('FREQ', 'o').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /LFU maxmemory policy is not selected/));
  await client.config('SET', 'maxmemory-policy', 'allkeys-lfu');
  try {
    for (let i = 0; i < 50; i++) await client.get('o');
    assert.ok(((await client.object('FREQ', 'o')) as number) > 5);
    await client.object('IDLETIME', 'o').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /LFU maxmemory policy is selected/));
  } finally {
    await client.config('SET', 'maxmemory-policy', 'noeviction');
  }
});

test('RANDOMKEY returns existing keys and nil on an empty database', async () => {
  assert.is(await client.randomkey(), null);
  await client.mset('a', '1', 'b', '2');
  for (let i = 0; i < 20; i++) assert.ok(['a', 'b'].includes((await client.randomkey()) as string));
});

test('values up to the configured proto-max-bulk-len are accepted and bigger writes refused', async () => {
  const s = await startFerrite({ 'proto-max-bulk-len': '2mb' });
  const c = new Redis({ port: s.port });
  try {
    await c.set('big', 'x'.repeat(2 * 1024 * 1024 - 10));
    await c.append('big', 'y'.repeat(20)).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /string exceeds maximum allowed size/));
    await c.setrange('big', 2 * 1024 * 1024, 'z').then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /string exceeds maximum allowed size/));
  } finally {
    c.disconnect();
    await s.close();
  }
});


test('EXISTS, TYPE, TTL and PTTL leave OBJECT IDLETIME alone, as in redis-server; GET resets it', async () => {
  const redis = await startRedis();
  const clients = [new Redis(redis.port, '127.0.0.1'), client];
  try {
    for (const c of clients) await c.set('idle', 'v');
    await new Promise((r) => setTimeout(r, 2100));
    const idle: number[][] = [];
    for (const c of clients) {
      await c.exists('idle');
      await c.type('idle');
      await c.ttl('idle');
      await c.pttl('idle');
      const untouched = Number(await c.object('IDLETIME', 'idle'));
      await c.get('idle');
      idle.push([untouched, Number(await c.object('IDLETIME', 'idle'))]);
    }
    for (const [untouched, afterGet] of idle) {
      assert.ok(untouched >= 1, `idle time ${untouched} after the no-touch reads`);
      assert.is(afterGet, 0);
    }
  } finally {
    clients[0].disconnect();
    await redis.close();
  }
});

test.run();
