// Memory accounting against reality: used_memory must follow the V8 heap that loading keys really
// costs (heapUsed after a full GC, Ferrite running in this process), for 1,000,000 keys of mixed
// types and for each type alone (heapUsed + arrayBuffers: Dict indexes are typed arrays); and it must not drift: after in-place changes of every type the
// keys' MEMORY USAGE add up to used_memory, and deleting every key brings it back to zero.
// Constants and measurements: docs/decisions.md, "Memory accounting".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { EXPIRE_OVERHEAD } from '../src/structures/values.js';
import { startFerrite } from './helpers/servers.js';
import { mulberry32 as prng } from './helpers/random.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TOLERANCE = 0.25;
const BATCH = 10_000;

let ferrite: RunningServer;

test.before(async () => {
  ferrite = await startFerrite();
});

test.after(async () => {
  await ferrite.close();
});

type Kind = 'string' | 'int' | 'ttl' | 'hash' | 'set' | 'zset' | 'list';
/** The mixed load: four in ten keys plain strings, the rest integers, strings with a TTL and small collections. */
const MIX: readonly Kind[] = ['string', 'string', 'string', 'string', 'int', 'ttl', 'hash', 'set', 'zset', 'list'];


class Generator {
  private readonly random = prng(7);

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  word(min: number, max: number): string {
    let s = '';
    for (let n = this.int(min, max); n > 0; n--) s += String.fromCharCode(97 + this.int(0, 25));
    return s;
  }

  /** Collections of 3 to 8 elements, strings of 5 to 100 bytes, integers inside and outside V8's small ints. */
  command(kind: Kind, key: string): string[] {
    const n = this.int(3, 8);
    const repeat = (f: (j: number) => string[]): string[] => Array.from({ length: n }, (_, j) => f(j)).flat();
    switch (kind) {
      case 'string': return ['SET', key, this.word(5, 100)];
      case 'int': return ['SET', key, String(this.int(0, 1) === 0 ? this.int(0, 1_000_000) : this.int(3e9, 4e9))];
      case 'ttl': return ['SET', key, this.word(5, 50), 'EX', '100000'];
      case 'hash': return ['HSET', key, ...repeat((j) => [`field${j}`, this.word(3, 20)])];
      case 'set': return ['SADD', key, ...repeat(() => [this.word(4, 16)])];
      case 'zset': return ['ZADD', key, ...repeat(() => [String(this.int(0, 1000) / 10), this.word(4, 16)])];
      case 'list': return ['RPUSH', key, ...repeat(() => [this.word(3, 20)])];
    }
  }
}

function encode(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

/**
 * Sends `count` commands in pipelined batches over a raw socket (far cheaper than a client library
 * for a million keys). Every command here answers one line (+OK, :n), so lines count replies.
 */
async function load(port: number, count: number, command: (i: number) => string[]): Promise<void> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  try {
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      let text = '';
      for (let i = start; i < end; i++) text += encode(command(i));
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        const onData = (d: Buffer): void => {
          if (d.includes('-')) reject(new Error(`error reply: ${d.toString('latin1').slice(0, 200)}`));
          for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
          if (lines < end - start) return;
          socket.off('data', onData);
          resolve();
        };
        socket.on('data', onData);
        socket.write(text, 'latin1');
      });
    }
  } finally {
    await new Promise<void>((resolve) => socket.end(resolve));
  }
}

interface Measure {
  heap: number;
  used: number;
}

function measure(): Measure {
  gc();
  gc();
  const m = process.memoryUsage();
  // Dict indexes are typed arrays, outside heapUsed: arrayBuffers counts them.
  return { heap: m.heapUsed + m.arrayBuffers, used: ferrite.server.state.usedMemory() };
}

/** Loads keys, returns accounted / real growth after checking it against the tolerance. */
async function accountedOverReal(label: string, count: number, kindOf: (i: number) => Kind): Promise<number> {
  const before = measure();
  const gen = new Generator();
  const prefix = `${label}:`;
  await load(ferrite.port, count, (i) => gen.command(kindOf(i), `${prefix}${i}`));
  await new Promise((r) => setTimeout(r, 50));
  const after = measure();
  const real = after.heap - before.heap;
  const accounted = after.used - before.used;
  const ratio = accounted / real;
  console.log(`  ${label}: ${count} keys, V8 heap +${(real / 1e6).toFixed(1)} MB, used_memory +${(accounted / 1e6).toFixed(1)} MB, ` +
    `error ${((ratio - 1) * 100).toFixed(1)}%`);
  assert.ok(Math.abs(ratio - 1) <= TOLERANCE, `${label}: used_memory grew ${accounted} bytes, the heap ${real}`);
  return ratio;
}

async function flushAll(): Promise<void> {
  const c = new Redis({ port: ferrite.port });
  await c.flushall();
  c.disconnect();
}

test('used_memory follows the V8 heap within 25% for each type of value', async () => {
  for (const kind of ['string', 'int', 'ttl', 'hash', 'set', 'zset', 'list'] as const) {
    // Each from an empty keyspace, so the key table grows the same way for every type.
    await flushAll();
    await accountedOverReal(kind, 30_000, () => kind);
  }
  await flushAll();
});

test('used_memory follows the V8 heap within 25% over 1,000,000 keys of mixed types', async () => {
  await accountedOverReal('mixed', 1_000_000, (i) => MIX[i % MIX.length]);
  await flushAll();
});

/** Every key of every database with its MEMORY USAGE, plus the TTL bookkeeping, which MEMORY USAGE leaves out. */
async function keysAddUp(c: Redis): Promise<void> {
  let sum = 0;
  for (const db of ferrite.server.state.databases) {
    if (db.size === 0) continue;
    await c.select(db.id);
    for (const key of await c.keys('*')) sum += Number(await c.call('MEMORY', 'USAGE', key));
    sum += db.expiresCount * EXPIRE_OVERHEAD;
  }
  await c.select(0);
  const used = Number(/^used_memory:(\d+)/m.exec(await c.info('memory'))![1]);
  assert.is(sum, used, 'MEMORY USAGE of every key adds up to used_memory');
}

test('accounting does not drift: in-place changes of every type add up, and deleting every key returns to zero', async () => {
  const c = new Redis({ port: ferrite.port });
  try {
    await c.flushall();
    const script: (string | number)[][] = [
      ['SET', 's', 'hello'], ['APPEND', 's', ' world'], ['SETRANGE', 's', '20', 'x'], ['SET', 'n', '10'], ['INCRBY', 'n', '5000000000'],
      ['INCRBYFLOAT', 'f', '1.5'], ['GETSET', 's2', 'v'], ['SETEX', 'e', '100', 'v'], ['PERSIST', 'e'], ['EXPIRE', 'e', '100'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'], ['LPUSH', 'l', 'z'], ['RPOP', 'l'], ['LSET', 'l', '0', 'longer value'], ['LINSERT', 'l', 'BEFORE', 'b', 'bb'],
      ['LREM', 'l', '0', 'a'], ['LTRIM', 'l', '0', '2'], ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], ['HSET', 'h', 'f1', 'a longer value'],
      ['HDEL', 'h', 'f2'], ['HINCRBY', 'h', 'n', '7'], ['HSETNX', 'h', 'g', 'v'], ['SADD', 'st', 'a', 'b', 'c', 'd'], ['SREM', 'st', 'a'],
      ['SPOP', 'st'], ['SMOVE', 'st', 'st2', 'b'], ['SADD', 'st3', 'b', 'x'], ['SINTERSTORE', 'st4', 'st2', 'st3'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZINCRBY', 'z', '10', 'a'], ['ZREM', 'z', 'b'], ['ZPOPMIN', 'z'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'], ['RENAME', 'l', 'l2'], ['COPY', 'h', 'h2'], ['MOVE', 'h2', '3'], ['PFADD', 'hll', 'a', 'b', 'c'],
      ['SETBIT', 'bits', '1000', '1'],
    ];
    for (const argv of script) await c.call(...(argv.map(String) as [string, ...string[]]));
    await keysAddUp(c);
    for (const db of ferrite.server.state.databases) {
      if (db.size === 0) continue;
      await c.select(db.id);
      for (const key of await c.keys('*')) await c.del(key);
    }
    await c.select(0);
    assert.is(ferrite.server.state.usedMemory(), 0);
  } finally {
    c.disconnect();
  }
});

test.run();
