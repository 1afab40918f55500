// memcslap (libmemcached-tools) against Ferrite's memcached port and Debian's `memcached -t 1` in the
// same run: a set phase then a get phase, 50 concurrent connections each, alternating servers
// (ferrite, memcached, memcached, ferrite) so drift in machine load affects both alike; the best of
// the two runs per server is kept. The mix is the two phases' operations over their total time.
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { pathToFileURL } from 'node:url';
import { freePort, startFerriteProcess, startMemcachedProcess } from './servers.js';

const CONCURRENCY = 50;

interface Phase {
  readonly ops: number;
  readonly seconds: number;
}

interface Mix {
  readonly set: Phase;
  readonly get: Phase;
}

/** Runs one memcslap test and reads "Time to <test> N keys by C threads: S seconds." */
function memcslap(port: number, test: 'set' | 'get', perConnection: number): Phase {
  const r = spawnSync('memcslap', ['-s', `127.0.0.1:${port}`, '-t', test, '-c', String(CONCURRENCY), '-e', String(perConnection)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.error !== undefined) throw new Error(`memcslap: ${r.error.message} (apt-get install -y libmemcached-tools)`);
  const m = new RegExp(`Time to ${test}\\s+(\\d+) keys by\\s+\\d+ threads:\\s+([\\d.]+) seconds`).exec(r.stdout + r.stderr);
  if (m === null) throw new Error(`memcslap ${test} printed no timing: ${r.stdout}${r.stderr}`);
  return { ops: Number(m[1]), seconds: Number(m[2]) };
}

function runMix(port: number, perConnection: number): Mix {
  return { set: memcslap(port, 'set', perConnection), get: memcslap(port, 'get', perConnection) };
}

const rate = (p: Phase): number => p.ops / p.seconds;
const mixRate = (m: Mix): number => (m.set.ops + m.get.ops) / (m.set.seconds + m.get.seconds);

function best(a: Mix, b: Mix): Mix {
  return {
    set: rate(a.set) >= rate(b.set) ? a.set : b.set,
    get: rate(a.get) >= rate(b.get) ? a.get : b.get,
  };
}

/** Ferrite opens its memcached port just after the RESP one that startFerriteProcess waits for. */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listening on ${port}`);
}

function row(name: string, memcached: number, ferrite: number): string {
  return `| ${name} | ${Math.round(memcached)} | ${Math.round(ferrite)} | ${(ferrite / memcached).toFixed(2)} |`;
}

export async function runMemcachedBench(quick: boolean): Promise<string> {
  const perConnection = quick ? 2_000 : 10_000;
  const memcachedPort = await freePort();
  const [ferrite, memcached] = await Promise.all([
    startFerriteProcess(['--memcached-port', String(memcachedPort)]),
    // 1 GiB so that memcached evicts nothing either.
    startMemcachedProcess(['-m', '1024']),
  ]);
  try {
    await waitForPort(memcachedPort);
    const f1 = runMix(memcachedPort, perConnection);
    const m1 = runMix(memcached.port, perConnection);
    const m2 = runMix(memcached.port, perConnection);
    const f2 = runMix(memcachedPort, perConnection);
    const f = best(f1, f2);
    const m = best(m1, m2);
    return [
      `memcslap, ${CONCURRENCY} connections, ${CONCURRENCY * perConnection} operations per phase (target ratio ≥ 0.7)`,
      '',
      '| phase | memcached -t 1 ops/s | ferrite ops/s | ratio |',
      '|---|---:|---:|---:|',
      row('set', rate(m.set), rate(f.set)),
      row('get', rate(m.get), rate(f.get)),
      row('set+get', mixRate(m), mixRate(f)),
    ].join('\n');
  } finally {
    await Promise.all([ferrite.stop(), memcached.stop()]);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runMemcachedBench(process.argv.includes('quick')));
}
