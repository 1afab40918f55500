// Scripting throughput: redis-benchmark sending EVALSHA of `return redis.call('INCR', KEYS[1])`
// (loaded with SCRIPT LOAD on both) to Ferrite, as its own process, and to Debian's redis-server
// in the same run. Each server is measured twice, alternating (ferrite, redis, redis, ferrite), so
// drift in machine load affects both alike; the best run of each counts.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startFerriteProcess, startRedisProcess } from './servers.js';

const SCRIPT = "return redis.call('INCR', KEYS[1])";
const CLIENTS = 50;
const PIPELINES = [1, 16];

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
    for (const pipeline of PIPELINES) {
      const f1 = evalshaRps(ferrite.port, fsha, requests, pipeline);
      const r1 = evalshaRps(redis.port, rsha, requests, pipeline);
      const r2 = evalshaRps(redis.port, rsha, requests, pipeline);
      const f2 = evalshaRps(ferrite.port, fsha, requests, pipeline);
      const [f, r] = [Math.max(f1, f2), Math.max(r1, r2)];
      lines.push(`| ${pipeline} | ${Math.round(r)} | ${Math.round(f)} | ${(f / r).toFixed(2)} |`);
    }
    return lines.join('\n');
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
