// Scripting throughput: redis-benchmark sending EVALSHA of `return redis.call('INCR', KEYS[1])`
// (loaded with SCRIPT LOAD on both) to Ferrite, as its own process, and to Debian's redis-server
// in the same run. After a warm-up run each (V8 compiles the hot paths while serving), each server
// is measured three times, alternating (ferrite, redis, redis, ferrite, ferrite, redis), so drift
// in machine load affects both alike; the best run of each counts.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startFerriteProcess, startRedisProcess } from './servers.js';

const SCRIPT = "return redis.call('INCR', KEYS[1])";
const CLIENTS = 50;
const PIPELINES = [1, 16];
/** Alternating, so drift in machine load affects both servers alike. */
const ORDER = ['ferrite', 'redis', 'redis', 'ferrite', 'ferrite', 'redis'] as const;

async function scriptLoad(port: number): Promise<string> {
  const c = new Redis(port, '127.0.0.1');
  try {
    return String(await c.script('LOAD', SCRIPT));
  } finally {
    c.disconnect();
  }
}

/** Requests per second of one redis-benchmark run of EVALSHA <sha> 1 counter. */
function evalshaRps(port: number, sha: string, requests: number, pipeline: number): number {
  const args = ['-p', String(port), '-n', String(requests), '-c', String(CLIENTS), '-P', String(pipeline), '--csv', 'EVALSHA', sha, '1', 'counter'];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const m = /^"EVALSHA[^"]*","([\d.]+)"/m.exec(r.stdout);
  if (m === null) throw new Error(`no result in redis-benchmark output: ${r.stdout}`);
  return Number(m[1]);
}

export async function runScriptingBench(quick: boolean): Promise<string> {
  const requests = quick ? 20_000 : 100_000;
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    const [fsha, rsha] = await Promise.all([scriptLoad(ferrite.port), scriptLoad(redis.port)]);
    const lines = [
      `EVALSHA of \`${SCRIPT}\`, ${requests} requests, ${CLIENTS} clients (target: ratio ≥ 0.5 at pipeline 1)`,
      '',
      '| pipeline | redis-server rps | ferrite rps | ratio |',
      '|---:|---:|---:|---:|',
    ];
    // Warm-up, not counted: V8 compiles Ferrite's hot paths while it serves.
    evalshaRps(ferrite.port, fsha, requests / 2, 1);
    evalshaRps(redis.port, rsha, requests / 2, 1);
    const targets = { ferrite: [ferrite.port, fsha], redis: [redis.port, rsha] } as const;
    for (const pipeline of PIPELINES) {
      const runs = { ferrite: [] as number[], redis: [] as number[] };
      for (const which of ORDER) runs[which].push(evalshaRps(...targets[which], requests, pipeline));
      const [f, r] = [Math.max(...runs.ferrite), Math.max(...runs.redis)];
      lines.push(`| ${pipeline} | ${Math.round(r)} | ${Math.round(f)} | ${(f / r).toFixed(2)} |`);
    }
    return lines.join('\n');
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
