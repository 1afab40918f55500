// Clients' buffers in used_memory and client eviction (maxmemory-clients), as Redis 7 does them: a
// client that stops reading while big replies pile up for it raises used_memory (so maxmemory
// evicts keys for it), the bytes go away with the client, and past maxmemory-clients the client
// using most memory is disconnected unless it set CLIENT NO-EVICT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { startFerrite } from './helpers/servers.js';

const MB = 1024 * 1024;
let ferrite: RunningServer;
let admin: Redis;

test.before(async () => {
  ferrite = await startFerrite();
  admin = new Redis({ port: ferrite.port });
  await admin.set('big', 'x'.repeat(MB));
});

test.after(async () => {
  admin.disconnect();
  await ferrite.close();
});

async function field(section: string, name: string): Promise<number> {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(await admin.info(section))![1]);
}

/** A raw client that asks for `gets` copies of the 1 MB value and reads none of them. */
async function stalled(gets: number, preamble = ''): Promise<Socket> {
  const s = createConnection({ port: ferrite.port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  s.pause();
  s.write(preamble + '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(gets));
  return s;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.unreachable(what);
}

function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
}

test('a client holding unread replies is counted in used_memory until it goes', async () => {
  const base = await field('memory', 'used_memory');
  const s = await stalled(40);
  // Most of the 40 MB stays in the server; the kernel's socket buffers take a few MB.
  await until(async () => (await field('memory', 'used_memory')) > base + 20 * MB, 'used_memory counts the output buffer');
  s.destroy();
  await until(async () => (await field('memory', 'used_memory')) === base, 'used_memory falls back once the client is gone');
});

test('unread replies make maxmemory evict keys', async () => {
  await admin.config('SET', 'maxmemory-policy', 'allkeys-random');
  for (let i = 0; i < 100; i++) await admin.set(`filler${i}`, 'y'.repeat(10_000));
  const used = await field('memory', 'used_memory');
  await admin.config('SET', 'maxmemory', String(used + 4 * MB));
  const s = await stalled(30);
  try {
    await until(async () => (await field('stats', 'evicted_keys')) > 0, 'keys evicted for the client buffers');
  } finally {
    s.destroy();
    await closed(s);
    await admin.config('SET', 'maxmemory', '0');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    if ((await admin.exists('big')) === 0) await admin.set('big', 'x'.repeat(MB));
  }
});

function names(list: string): string[] {
  return [...list.matchAll(/ name=(\S*) /g)].map((m) => m[1]).filter((n) => n !== '');
}

function command(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

test('maxmemory-clients disconnects the biggest client, never a NO-EVICT one', async () => {
  await admin.config('SET', 'maxmemory-clients', String(8 * MB));
  const before = await field('stats', 'evicted_clients');
  const keeper = await stalled(20, command('CLIENT', 'SETNAME', 'keeper') + command('CLIENT', 'NO-EVICT', 'on'));
  await until(async () => (await field('memory', 'used_memory')) > 8 * MB, 'the protected client holds its output');
  const victim = await stalled(20, command('CLIENT', 'SETNAME', 'victim'));
  try {
    await until(async () => (await field('stats', 'evicted_clients')) === before + 1, 'a client was evicted');
    const left = names(String(await admin.client('LIST')));
    assert.ok(left.includes('keeper'), 'the NO-EVICT client stays');
    assert.not.ok(left.includes('victim'), 'the other one went');
    assert.equal(await admin.config('GET', 'maxmemory-clients'), ['maxmemory-clients', String(8 * MB)]);
  } finally {
    keeper.destroy();
    victim.destroy();
    await admin.config('SET', 'maxmemory-clients', '0');
  }
});

test.run();
