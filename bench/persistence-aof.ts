// The append-only file: write throughput with appendfsync everysec and always against no AOF, for
// Ferrite and redis-server in the same run (redis-benchmark SET and INCR, unpipelined and pipelined),
// and 20 rounds of kill -9 under a write load with appendfsync always, checking after each restart
// that every acknowledged write is there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

const POLICIES: [label: string, args: string[]][] = [
  ['no AOF', ['--appendonly', 'no']],
  ['everysec', ['--appendonly', 'yes', '--appendfsync', 'everysec']],
  ['always', ['--appendonly', 'yes', '--appendfsync', 'always']],
];

function rps(port: number, test: string, requests: number, pipeline: number): number {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-n', String(requests), '-c', '50', '-P', String(pipeline), '-t', test, '-r', '100000', '--csv'], { encoding: 'utf8', timeout: 600_000 });
  const m = /^"[^"]+","([\d.]+)"/m.exec(r.stdout);
  return m === null ? NaN : Number(m[1]);
}

async function onFreshDirs<T>(f: (ferriteDir: string, redisDir: string) => Promise<T>): Promise<T> {
  const a = mkdtempSync(join(tmpdir(), 'bench-aof-f-'));
  const b = mkdtempSync(join(tmpdir(), 'bench-aof-r-'));
  try {
    return await f(a, b);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

async function throughput(quick: boolean): Promise<string> {
  const requests = quick ? 20_000 : 100_000;
  const rows = ['| appendfsync | test | pipeline | redis-server rps | ferrite rps | ratio | redis vs its no-AOF | ferrite vs its no-AOF |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  const baseline = new Map<string, [number, number]>();
  for (const [label, args] of POLICIES) {
    await onFreshDirs(async (fd, rd) => {
      const servers: BenchServer[] = await Promise.all([
        startFerriteProcess(['--dir', fd, '--save', '', ...args]),
        startRedisProcess(['--dir', rd, ...args]),
      ]);
      const [ferrite, redis] = servers;
      try {
        for (const pipeline of [1, 16]) {
          for (const test of ['SET', 'INCR']) {
            // Alternate the order so drift in machine load affects both alike.
            const r1 = rps(redis.port, test, requests, pipeline);
            const f1 = rps(ferrite.port, test, requests, pipeline);
            const f2 = rps(ferrite.port, test, requests, pipeline);
            const r2 = rps(redis.port, test, requests, pipeline);
            const r = Math.max(r1, r2);
            const f = Math.max(f1, f2);
            const key = `${test}/${pipeline}`;
            if (label === 'no AOF') baseline.set(key, [r, f]);
            const [r0, f0] = baseline.get(key) ?? [r, f];
            rows.push(`| ${label} | ${test} | ${pipeline} | ${Math.round(r)} | ${Math.round(f)} | ${(f / r).toFixed(2)} | ${(r / r0).toFixed(2)} | ${(f / f0).toFixed(2)} |`);
          }
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    });
  }
  return rows.join('\n');
}

/** INCRs from `clients` connections until the server dies; the highest acknowledged value per key. */
async function loadUntilKilled(port: number, clients: number, acked: Map<string, number>): Promise<void> {
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    const key = `counter:${i}`;
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    c.on('error', () => undefined);
    try {
      await c.connect();
      for (;;) {
        const replies = await Promise.all([c.incr(key), c.incr(key), c.incr(key), c.incr(key)]);
        acked.set(key, Math.max(acked.get(key) ?? 0, ...replies));
      }
    } catch {
      // killed
    } finally {
      c.disconnect();
    }
  }));
}

async function crashLoop(rounds: number): Promise<string> {
  return onFreshDirs(async (dir) => {
    const acked = new Map<string, number>();
    let lost = 0;
    let checked = 0;
    let writes = 0;
    for (let round = 0; round <= rounds; round++) {
      const s = await startFerriteProcess(['--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
      const c = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
      await c.connect();
      for (const [key, value] of acked) {
        checked++;
        if (Number(await c.get(key)) < value) lost++;
      }
      c.disconnect();
      if (round === rounds) {
        await s.stop();
        break;
      }
      const before = [...acked.values()].reduce((a, b) => a + b, 0);
      const load = loadUntilKilled(s.port, 16, acked);
      await new Promise((r) => setTimeout(r, 300 + ((round * 97) % 400)));
      await s.stop();
      await load;
      writes += [...acked.values()].reduce((a, b) => a + b, 0) - before;
    }
    return [
      '| rounds of kill -9 (appendfsync always) | acknowledged INCRs | counters checked after restarts | acknowledged writes missing |',
      '|---:|---:|---:|---:|',
      `| ${rounds} | ${writes} | ${checked} | ${lost} |`,
    ].join('\n');
  });
}

export async function runPersistenceAofBench(quick: boolean): Promise<string> {
  return `### AOF write throughput\n\n${await throughput(quick)}\n\n### kill -9 under load\n\n${await crashLoop(quick ? 5 : 20)}`;
}
