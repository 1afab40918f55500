// The heap limit: bin/ferrite-server sizes V8's old space from the machine (and INFO memory says so), and near the limit writes are refused with Redis' OOM error and a log warning
// instead of V8 aborting the process: the server stays up, keys stay readable, and freeing memory
// lets writes in again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from './helpers/servers.js';

const BIN = fileURLToPath(new URL('../../bin/ferrite-server', import.meta.url));
const MB = 1024 * 1024;

interface Child {
  port: number;
  proc: ChildProcess;
  log: () => string;
}

/** Starts the executable; `nodeOptions` (NODE_OPTIONS) with a heap size replaces the machine's. */
async function start(nodeOptions: string, args: string[]): Promise<Child> {
  const port = await freePort();
  const proc = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--memcached-port', '0', '--save', '', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  while (!log.includes('Ready to accept connections')) {
    if (proc.exitCode !== null) throw new Error(`ferrite-server exited: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, proc, log: () => log };
}

async function stop(c: Child): Promise<void> {
  if (c.proc.exitCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

async function infoField(r: Redis, name: string): Promise<number> {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(await r.info('memory'))![1]);
}

test('bin/ferrite-server runs the server itself (one process) under a heap sized from the machine, shown in INFO memory', async () => {
  const memTotalKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'latin1'))![1]);
  const expected = Math.floor((memTotalKb * 0.75) / 1024) * MB;
  const child = await start('', []);
  const r = new Redis({ port: child.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const limit = await infoField(r, 'heap_limit');
    // V8 adds its young generation and a little to the old-space figure.
    assert.ok(limit >= expected && limit < expected + 512 * MB, `heap_limit ${limit} for an old space of ${expected}`);
    assert.match(await r.info('server'), new RegExp(`process_id:${child.proc.pid}\r\n`));
  } finally {
    r.disconnect();
    await stop(child);
  }
});

test('near the heap limit writes get OOM and a warning; reads go on; freeing memory lets writes in', async () => {
  // Explicit heap flags are kept as given: a small heap to reach quickly.
  const child = await start('--max-old-space-size=256', []);
  const r = new Redis({ port: child.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const value = 'v'.repeat(10_000);
    let written = 0;
    let oom: Error | undefined;
    while (oom === undefined && written < 100_000) {
      const p = r.pipeline();
      for (let i = 0; i < 100; i++) p.set(`k${written + i}`, value);
      for (const [err] of (await p.exec())!) {
        if (err !== null) {
          oom = err;
          break;
        }
        written++;
      }
    }
    assert.ok(oom !== undefined, 'writes were refused before the heap ran out');
    assert.match(oom.message, /^OOM command not allowed when used memory > 'maxmemory'\./);
    assert.ok(written > 1000, `${written} keys written first`);
    assert.is(child.proc.exitCode, null, 'the server is alive');
    assert.is(await r.get('k0'), value, 'acknowledged keys are readable');
    assert.is(await r.get(`k${written - 1}`), value);
    assert.match(child.log(), /memory is nearly exhausted/);
    await r.flushall();
    let accepted = false;
    for (let i = 0; i < 2000 && !accepted; i++) accepted = (await r.set('after', 'x').catch(() => null)) === 'OK';
    assert.ok(accepted, 'writes are accepted again once memory is freed');
    assert.match(child.log(), /Memory is available again/);
  } finally {
    r.disconnect();
    await stop(child);
  }
});

test.run();
