// Keyspace defects found side by side with redis-server 7.0.15, each run on both servers: SWAPDB wakes
// clients blocked on keys the swap fills, UNLINK and FLUSHDB ASYNC give their memory back in
// used_memory, CLIENT KILL SKIPME decides whether the caller may kill itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { rejects } from './helpers/assert.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis.close(), ferrite.close()]);
});

const servers = (): [string, number][] => [['redis-server', redis.port], ['ferrite', ferrite.port]];

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.unreachable(`timed out waiting for ${what}`);
}

test('SWAPDB wakes a client blocked on a key that the swap makes non-empty', async () => {
  for (const [who, port] of servers()) {
    const c = new Redis({ port });
    const waiter = await RawClient.connect(port);
    try {
      await c.flushall();
      await c.select(1);
      await c.rpush('q', 'from-db1');
      waiter.command('BLPOP', 'q', '0');
      await until(async () => /blocked_clients:1\r\n/.test(await c.info('clients')), `${who}: the client blocks`);
      await c.swapdb(0, 1);
      assert.is(await waiter.reply(), '*2\r\n$1\r\nq\r\n$8\r\nfrom-db1\r\n', who);
    } finally {
      waiter.close();
      c.disconnect();
    }
  }
});

async function usedMemory(c: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await c.info('memory'))![1]);
}

test('UNLINK and FLUSHDB ASYNC lower used_memory', async () => {
  const big = 'v'.repeat(1000);
  for (const [who, port] of servers()) {
    const c = new Redis({ port });
    try {
      await c.flushall();
      const empty = await usedMemory(c);
      const p = c.pipeline();
      for (let i = 0; i < 2000; i++) p.rpush('biglist', `${big}${i}`);
      for (let i = 0; i < 2000; i++) p.set(`k${i}`, big);
      await p.exec();
      const full = await usedMemory(c);
      assert.ok(full - empty > 3_000_000, `${who}: ${full - empty} bytes for 4 MB of values`);
      await c.unlink('biglist');
      // Redis frees big values in a background thread: give it a moment.
      await until(async () => full - (await usedMemory(c)) > 1_500_000, `${who}: UNLINK gives the list's memory back`);
      await c.flushdb('ASYNC');
      await until(async () => (await usedMemory(c)) - empty < 500_000, `${who}: FLUSHDB ASYNC gives the rest back`);
    } finally {
      c.disconnect();
    }
  }
});

test('CLIENT KILL SKIPME no kills the caller too; SKIPME yes (the default) spares it', async () => {
  for (const [who, port] of servers()) {
    const c = await RawClient.connect(port);
    const other = await RawClient.connect(port);
    try {
      await c.call('CLIENT', 'SETNAME', 'killer');
      await other.call('CLIENT', 'SETNAME', 'other');
      assert.is(await c.call('CLIENT', 'KILL', 'USER', 'default'), ':1\r\n', `${who}: only the other client`);
      assert.is(await c.call('PING'), '+PONG\r\n', who);
      c.command('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no');
      // The caller is closed after the reply, as Redis does for a client that kills itself.
      assert.is(await c.reply(), ':1\r\n', who);
      await rejects(c.call('PING'));
    } finally {
      c.close();
      other.close();
    }
  }
});

test.run();
