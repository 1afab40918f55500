// Streams and BullMQ: Ferrite (its own process) beside Debian's redis-server in the same run.
// Unpipelined throughput with 50 clients, each waiting for its reply before the next command:
// XADD (auto IDs) and XRANGE of 100 entries out of a 10,000-entry stream through redis-benchmark;
// XREADGROUP COUNT 1 + XACK of the ID read (a consumer-group round trip, counted as one operation
// of two commands) through a closed-loop driver here, since the XACK needs the ID just read. Then
// BullMQ: jobs added in bulk, processed by one Worker (concurrency 50), jobs completed per second.
// Each server is measured twice, alternating, best kept.
import { spawnSync } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';
import { encodeCommand, replyLength } from '../test/helpers/resp.js';
import { StreamValue } from '../src/structures/stream.js';
import { makeId, MAX_ID } from '../src/structures/stream-id.js';

const CLIENTS = 50;

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** One command at a time per connection: `next` gives the next command from the previous reply. */
async function closedLoop(port: number, ops: number, next: (reply: Buffer | null) => string[][]): Promise<number> {
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(port)));
  let done = 0;
  const start = performance.now();
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          let buf: Buffer = Buffer.alloc(0);
          let pending = 0;
          const send = (reply: Buffer | null): void => {
            if (done >= ops) return resolve();
            const cmds = next(reply);
            pending = cmds.length;
            s.write(Buffer.concat(cmds.map(encodeCommand)));
          };
          s.on('data', (chunk: Buffer) => {
            buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
            let first: Buffer | null = null;
            for (;;) {
              const n = replyLength(buf);
              if (n === -1) break;
              first ??= buf.subarray(0, n);
              buf = buf.subarray(n);
              if (--pending === 0) {
                done++;
                send(first);
                first = null;
              }
            }
          });
          send(null);
        }),
    ),
  );
  const secs = (performance.now() - start) / 1000;
  for (const s of sockets) s.destroy();
  return done / secs;
}

async function call(port: number, ...cmds: string[][]): Promise<void> {
  const s = await connect(port);
  let buf: Buffer = Buffer.alloc(0);
  let left = cmds.length;
  await new Promise<void>((resolve) => {
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (let n = replyLength(buf); n !== -1 && left > 0; n = replyLength(buf)) {
        buf = buf.subarray(n);
        if (--left === 0) resolve();
      }
    });
    for (let i = 0; i < cmds.length; i += 1000) s.write(Buffer.concat(cmds.slice(i, i + 1000).map(encodeCommand)));
  });
  s.destroy();
}

const ID_IN_REPLY = /\r\n\$\d+\r\n(\d+-\d+)\r\n\*/;

/** requests/s of one command through redis-benchmark (50 clients, no pipelining). */
function redisBenchmark(port: number, requests: number, command: string[]): number {
  const out = spawnSync('redis-benchmark', ['-p', String(port), '-c', String(CLIENTS), '-n', String(requests), '--csv', ...command], { encoding: 'latin1' });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  const rps = Number(line.split(',')[1]?.replace(/"/g, ''));
  if (!(rps > 0)) throw new Error(`redis-benchmark gave no figure: ${out.stdout}${out.stderr}`);
  return rps;
}

async function streamOps(port: number, quick: boolean): Promise<Record<string, number>> {
  const n = quick ? 20_000 : 100_000;
  await call(port, ['FLUSHALL']);
  const xadd = redisBenchmark(port, n, ['XADD', 'bench', '*', 'field', 'value', 'n', '42']);
  await call(port, ['XGROUP', 'CREATE', 'bench', 'g', '0']);
  const readAck = await closedLoop(port, Math.min(n, 50_000), (reply) => {
    const id = reply === null ? undefined : ID_IN_REPLY.exec(reply.toString('latin1'))?.[1];
    return id === undefined
      ? [['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'bench', '>']]
      : [['XACK', 'bench', 'g', id], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'bench', '>']];
  });
  await call(port, ...Array.from({ length: 10_000 }, (_, i) => ['XADD', 'range', `${i + 1}-0`, 'field', 'value']));
  const xrange = redisBenchmark(port, n / 4, ['XRANGE', 'range', '4500', '+', 'COUNT', '100']);
  return { 'XADD *': xadd, 'XREADGROUP+XACK': readAck, 'XRANGE 100': xrange };
}

async function bullmqJobs(port: number, quick: boolean): Promise<number> {
  const require = createRequire(import.meta.url);
  const { Queue, Worker } = require('bullmq') as typeof import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const jobs = quick ? 2_000 : 10_000;
  const name = `bench-${Date.now()}`;
  const queue = new Queue(name, { connection });
  for (let i = 0; i < jobs; i += 500) await queue.addBulk(Array.from({ length: 500 }, (_, j) => ({ name: 'j', data: { i: i + j } })));
  let completed = 0;
  const start = performance.now();
  const worker = new Worker(name, async (job) => job.data.i, { connection, concurrency: 50, removeOnComplete: { count: 0 } });
  await new Promise<void>((resolve) => worker.on('completed', () => void (++completed === jobs && resolve())));
  const rate = jobs / ((performance.now() - start) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

async function measure(server: BenchServer, quick: boolean): Promise<Record<string, number>> {
  return { ...(await streamOps(server.port, quick)), 'BullMQ jobs': await bullmqJobs(server.port, quick) };
}

const best = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.keys(a).map((k) => [k, Math.max(a[k], b[k])]));

/** In process: µs per range read of 100 entries from streams of growing length (should stay flat). */
function rangeScaling(quick: boolean): string {
  const rows: string[] = [];
  for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
    const s = new StreamValue();
    for (let i = 1; i <= n; i++) s.append(makeId(BigInt(i), 0n), ['field', 'value'], { maxBytes: 4096, maxEntries: 100 });
    const reads = 20_000;
    let at = 7;
    const start = performance.now();
    for (let i = 0; i < reads; i++) {
      at = (at * 48271) % (n - 100) + 1;
      s.range(makeId(BigInt(at), 0n), MAX_ID, 100, i % 2 === 1);
    }
    rows.push(`| ${n.toLocaleString('en')} | ${(((performance.now() - start) * 1000) / reads).toFixed(1)} |`);
  }
  return ['| stream length | µs per XRANGE/XREVRANGE of 100 (in process) |', '|---:|---:|', ...rows].join('\n');
}

export async function runStreamsBench(quick: boolean): Promise<string> {
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    const f1 = await measure(ferrite, quick);
    const r1 = await measure(redis, quick);
    const r2 = await measure(redis, quick);
    const f2 = await measure(ferrite, quick);
    const f = best(f1, f2);
    const r = best(r1, r2);
    const rows = Object.keys(f).map((k) => `| ${k} | ${Math.round(f[k]).toLocaleString('en')} | ${Math.round(r[k]).toLocaleString('en')} | ${(f[k] / r[k]).toFixed(2)} |`);
    const table = ['| test (50 clients, unpipelined) | Ferrite ops/s | redis-server ops/s | ratio |', '|---|---:|---:|---:|', ...rows].join('\n');
    return `${table}\n\n${rangeScaling(quick)}`;
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
