// kill -9 under write load: with the AOF on, an acknowledged write is in the file (its reply left
// after the write(), and after the fsync under appendfsync always), so every acknowledged write is
// there after a restart; and appendfsync always costs one fsync per event-loop turn, not one per write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { killAll, launchFerrite, mustStart, type ServerProcess } from './helpers/processes.js';
import { acknowledgedLoad, verifyAcknowledged } from './helpers/write-load.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-aof-crash-'));
  dirs.push(d);
  return d;
}

test.after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Rounds of start, write load, kill -9 mid-load, restart and check, for about `budgetMs`. */
async function crashRounds(policy: string, budgetMs: number, minRounds: number): Promise<number> {
  const dir = freshDir();
  const started = Date.now();
  let rounds = 0;
  let acked = new Map<string, number>();
  while (rounds < minRounds || Date.now() - started < budgetMs) {
    const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--appendfsync', policy]));
    await verifyAcknowledged(s.port, acked);
    const load = acknowledgedLoad(s.port, 8, acked);
    await new Promise((r) => setTimeout(r, 150 + rounds * 37 % 200));
    await s.kill9();
    acked = await load;
    rounds++;
  }
  const last = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  await verifyAcknowledged(last.port, acked);
  await last.kill9();
  return rounds;
}

test('appendfsync always: every acknowledged write survives kill -9, round after round', async () => {
  const rounds = await crashRounds('always', 4000, 4);
  assert.ok(rounds >= 4);
});

test('appendfsync everysec: kill -9 loses no acknowledged write (the AOF write precedes the reply)', async () => {
  await crashRounds('everysec', 0, 2);
});

async function withStrace(dir: string, f: (s: ServerProcess) => Promise<void>): Promise<string> {
  const trace = join(dir, 'strace.out');
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--appendfsync', 'always'], ['strace', '-f', '-s', '200', '-e', 'trace=fsync,fdatasync,read,write,writev,pwrite64', '-o', trace]));
  try {
    await f(s);
  } finally {
    // Stopping through the server ends strace with it (a SIGKILL would only reach strace).
    const c = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    c.on('error', () => undefined);
    await c.connect();
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    c.disconnect();
    await s.exited;
  }
  return readFileSync(trace, 'latin1');
}

test('appendfsync always: one fsync per event-loop turn for all its writes, before any of their replies', async () => {
  const dir = freshDir();
  const marker = 'fsync-batch-marker';
  const trace = await withStrace(dir, async (s) => {
    const clients = await Promise.all(Array.from({ length: 10 }, async () => {
      const c = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
      await c.connect();
      return c;
    }));
    await clients[0].set(marker, '1');
    // 10 clients x 200 pipelined writes.
    const results = await Promise.all(clients.map((c, i) => {
      const p = c.pipeline();
      for (let j = 0; j < 200; j++) p.set(`k:${i}:${j}`, String(j));
      return p.exec();
    }));
    for (const r of results) assert.is(r!.length, 200);
    for (const c of clients) c.disconnect();
  });
  const lines = trace.split('\n');
  const start = lines.findIndex((l) => l.includes(marker) && /write\(\d+, "/.test(l));
  assert.ok(start !== -1, 'the marker write is in the trace');
  const aofFd = /write\((\d+),/.exec(lines[start])![1];
  let fsyncs = 0;
  let replies = 0;
  // A SET read from a client is acknowledged only after an AOF write that follows it, and its fsync.
  let readUnsynced = false;
  let writtenSinceRead = false;
  for (const l of lines.slice(start)) {
    if (l.includes(`fsync(${aofFd})`)) {
      fsyncs++;
      if (writtenSinceRead) readUnsynced = false;
    } else if (l.includes(` write(${aofFd}, `)) {
      if (readUnsynced) writtenSinceRead = true;
    } else if (/ read\(\d+, "\*3\\r\\n\$3\\r\\nset/.test(l)) {
      readUnsynced = true;
      writtenSinceRead = false;
    } else if (/ write[v]?\(\d+, (\[\{iov_base=)?"\+OK/.test(l)) {
      replies++;
      assert.ok(!readUnsynced, `a reply went out before the AOF write and fsync of what was read: ${l.slice(0, 80)}`);
    }
  }
  assert.ok(replies >= 10);
  // 2001 writes; each read batch is one turn, so fsyncs number the batches, far below the writes.
  assert.ok(fsyncs >= 1 && fsyncs <= 200, `${fsyncs} fsyncs for 2001 writes`);
});

test.run();
