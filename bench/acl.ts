// The cost of ACL checks on the hot path: redis-benchmark as the default user (checks skipped: it may
// do anything) and as a restricted user whose command and key patterns are checked on every call,
// on Ferrite and redis-server in the same run.
import { spawnSync } from 'node:child_process';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

const TESTS = ['SET', 'GET', 'INCR', 'MSET'];
const RULES = ['on', '>bench', '~key:*', '~counter:*', '+@all', '-@dangerous'];

function rps(port: number, user: string | undefined, requests: number, pipeline: number): Map<string, number> {
  const auth = user === undefined ? [] : ['--user', user, '-a', 'bench'];
  const r = spawnSync('redis-benchmark', ['-p', String(port), ...auth, '-n', String(requests), '-c', '50', '-P', String(pipeline), '-t', TESTS.join(','), '--csv'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m !== null) out.set(m[1], Number(m[2]));
  }
  return out;
}

function setUser(s: BenchServer): void {
  const r = spawnSync('redis-cli', ['-p', String(s.port), 'ACL', 'SETUSER', 'app', ...RULES], { encoding: 'utf8' });
  if (r.stdout.trim() !== 'OK') throw new Error(`ACL SETUSER on ${s.name}: ${r.stdout}${r.stderr}`);
}

export async function runAclBench(quick: boolean): Promise<string> {
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    setUser(ferrite);
    setUser(redis);
    const requests = quick ? 20_000 : 100_000;
    const lines = [
      `Restricted user: \`${RULES.slice(2).join(' ')}\`; best of two alternating runs each.`,
      '',
      '| test | pipeline | redis default | redis restricted | ferrite default | ferrite restricted | ferrite/redis restricted | ferrite restricted/default |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const pipeline of [1, 16]) {
      const best = (s: BenchServer, user: string | undefined) => {
        const a = rps(s.port, user, requests, pipeline);
        const b = rps(s.port, user, requests, pipeline);
        return new Map([...a].map(([k, v]) => [k, Math.max(v, b.get(k) ?? 0)]));
      };
      const fd = best(ferrite, undefined);
      const rd = best(redis, undefined);
      const ra = best(redis, 'app');
      const fa = best(ferrite, 'app');
      for (const [test, f] of fd) {
        const [r0, r1, f1] = [rd.get(test) ?? 0, ra.get(test) ?? 0, fa.get(test) ?? 0];
        lines.push(`| ${test} | ${pipeline} | ${Math.round(r0)} | ${Math.round(r1)} | ${Math.round(f)} | ${Math.round(f1)} | ${(f1 / r1).toFixed(2)} | ${(f1 / f).toFixed(2)} |`);
      }
    }
    return lines.join('\n');
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
