// redis-benchmark against Ferrite and redis-server in the same run, alternating, and their ratio.
import { spawnSync } from 'node:child_process';
import { startFerriteProcess, startRedisProcess } from './servers.js';

export interface BenchmarkRow {
  test: string;
  pipeline: number;
  redis: number;
  ferrite: number;
}

/** Requests per second for each test, parsed from redis-benchmark's CSV output. */
function runBenchmark(port: number, tests: string[], requests: number, pipeline: number, clients: number): Map<string, number> {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '-t', tests.join(','), '--csv'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m !== null) out.set(m[1], Number(m[2]));
  }
  return out;
}

/**
 * Runs every test on both servers, twice each in alternating order (ferrite, redis, redis, ferrite)
 * so drift in machine load affects both alike, and keeps the best of the two runs per server.
 */
export async function compareWithRedisBenchmark(tests: string[], options: { requests: number; pipelines: number[]; clients: number }): Promise<BenchmarkRow[]> {
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    const rows: BenchmarkRow[] = [];
    for (const pipeline of options.pipelines) {
      const f1 = runBenchmark(ferrite.port, tests, options.requests, pipeline, options.clients);
      const r1 = runBenchmark(redis.port, tests, options.requests, pipeline, options.clients);
      const r2 = runBenchmark(redis.port, tests, options.requests, pipeline, options.clients);
      const f2 = runBenchmark(ferrite.port, tests, options.requests, pipeline, options.clients);
      for (const [test, fr] of f1) {
        rows.push({ test, pipeline, ferrite: Math.max(fr, f2.get(test) ?? 0), redis: Math.max(r1.get(test) ?? 0, r2.get(test) ?? 0) });
      }
    }
    return rows;
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}

export function formatRows(rows: BenchmarkRow[]): string {
  const lines = ['| test | pipeline | redis-server rps | ferrite rps | ratio |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.test} | ${r.pipeline} | ${Math.round(r.redis)} | ${Math.round(r.ferrite)} | ${(r.ferrite / r.redis).toFixed(2)} |`);
  }
  return lines.join('\n');
}

function rssOf(port: number): number {
  const r = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'memory'], { encoding: 'utf8' });
  return Number(/used_memory_rss:(\d+)/.exec(r.stdout)?.[1] ?? NaN);
}

/** RSS after `redis-benchmark -t set -r 1000000 -n 2000000` on each server (target: Ferrite ≤ 2× Redis). */
export async function compareRssAfterMillionKeys(quick: boolean): Promise<string> {
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    const keys = quick ? 200_000 : 1_000_000;
    const rows: string[] = ['| server | keys | used_memory_rss | ratio to redis-server |', '|---|---:|---:|---:|'];
    const rss: number[] = [];
    for (const s of [redis, ferrite]) {
      spawnSync('redis-benchmark', ['-p', String(s.port), '-t', 'set', '-r', String(keys), '-n', String(keys * 2), '-c', '50', '-P', '16', '-q'], { stdio: 'ignore', timeout: 600_000 });
      const dbsize = spawnSync('redis-cli', ['-p', String(s.port), 'DBSIZE'], { encoding: 'utf8' }).stdout.trim();
      rss.push(rssOf(s.port));
      rows.push(`| ${s.name} | ${dbsize} | ${(rss[rss.length - 1] / 1048576).toFixed(1)} MB | ${(rss[rss.length - 1] / rss[0]).toFixed(2)} |`);
    }
    return rows.join('\n');
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
