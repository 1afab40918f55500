// `npm run bench -- scale`: the keyspace at scale, Ferrite beside redis-server in one run, each pinned
// to its own core. For 1 M and 10 M small keys and 1 M keys of 1 KB: the load time (redis-cli --pipe
// fed sequential SETs), RSS and used_memory once loaded, then with the dataset in place redis-benchmark's
// unpipelined and -P 16 latency (p50/p99/max) and throughput for SET and GET over the loaded keys.
// `quick` divides the key counts by ten.
import { spawn, spawnSync } from 'node:child_process';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

interface Dataset {
  label: string;
  keys: number;
  valueBytes: number;
}

interface Latency {
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

interface Row {
  dataset: string;
  server: string;
  loadSeconds: number;
  rss: number;
  used: number;
  latency: Map<string, Latency>;
}

const BATCH = 10_000;

function key(i: number): string {
  return `key:${String(i).padStart(12, '0')}`;
}

/** Streams `keys` SETs into redis-cli --pipe and resolves with the wall time once every reply is in. */
async function load(port: number, d: Dataset): Promise<number> {
  const value = 'x'.repeat(d.valueBytes);
  const start = performance.now();
  const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe: ${out}`)))));
  for (let base = 0; base < d.keys; base += BATCH) {
    let text = '';
    for (let i = base; i < Math.min(d.keys, base + BATCH); i++) {
      const k = key(i);
      text += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${value.length}\r\n${value}\r\n`;
    }
    if (!child.stdin.write(text, 'latin1')) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  await done;
  if (!/errors: 0, replies: \d+/.test(out)) throw new Error(`load failed: ${out}`);
  return (performance.now() - start) / 1000;
}

function info(port: number): { rss: number; used: number; dbsize: number } {
  const text = spawnSync('redis-cli', ['-p', String(port), 'INFO'], { encoding: 'utf8' }).stdout;
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: field('used_memory_rss'), used: field('used_memory'), dbsize: Number(/keys=(\d+)/.exec(text)?.[1] ?? 0) };
}

/** redis-benchmark's CSV: "test","rps","avg","min","p50","p95","p99","max" (ms). */
function latency(port: number, keys: number, valueBytes: number, pipeline: number, requests: number): Map<string, Latency> {
  const r = spawnSync(
    'taskset',
    ['-c', '1', 'redis-benchmark', '-p', String(port), '-t', 'set,get', '-r', String(keys), '-d', String(valueBytes), '-n', String(requests), '-c', '50', '-P', String(pipeline), '--csv'],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const out = new Map<string, Latency>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)","[\d.]+","[\d.]+","([\d.]+)","[\d.]+","([\d.]+)","([\d.]+)"/.exec(line);
    if (m !== null) out.set(`${m[1]} -P ${pipeline}`, { rps: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]), max: Number(m[5]) });
  }
  return out;
}

async function measure(server: BenchServer, d: Dataset, requests: number): Promise<Row> {
  const loadSeconds = await load(server.port, d);
  const i = info(server.port);
  if (i.dbsize !== d.keys) throw new Error(`${server.name}: ${i.dbsize} keys after loading ${d.keys}`);
  // The benchmark's key names are redis-benchmark's own (key:%012d over -r), the same as the load's.
  const lat = latency(server.port, d.keys, d.valueBytes, 1, requests);
  for (const [k, v] of latency(server.port, d.keys, d.valueBytes, 16, requests * 4)) lat.set(k, v);
  return { dataset: d.label, server: server.name, loadSeconds, rss: i.rss, used: i.used, latency: lat };
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(0)} MB`;
}

function format(rows: Row[]): string {
  const load = ['| dataset | server | load s | RSS | used_memory | RSS / redis |', '|---|---|---:|---:|---:|---:|'];
  const lat = ['| dataset | test | redis rps | ferrite rps | ratio | redis p50/p99/max ms | ferrite p50/p99/max ms | p99 ratio |', '|---|---|---:|---:|---:|---|---|---:|'];
  for (let i = 0; i < rows.length; i += 2) {
    const [f, r] = [rows[i], rows[i + 1]];
    for (const x of [r, f]) load.push(`| ${x.dataset} | ${x.server} | ${x.loadSeconds.toFixed(1)} | ${mb(x.rss)} | ${mb(x.used)} | ${(x.rss / r.rss).toFixed(2)} |`);
    for (const [test, fl] of f.latency) {
      const rl = r.latency.get(test);
      if (rl === undefined) continue;
      const trio = (l: Latency): string => `${l.p50} / ${l.p99} / ${l.max}`;
      lat.push(`| ${f.dataset} | ${test} | ${Math.round(rl.rps)} | ${Math.round(fl.rps)} | ${(fl.rps / rl.rps).toFixed(2)} | ${trio(rl)} | ${trio(fl)} | ${(fl.p99 / rl.p99).toFixed(2)} |`);
    }
  }
  return `${load.join('\n')}\n\n${lat.join('\n')}`;
}

export async function runScaleBench(quick: boolean): Promise<string> {
  const div = quick ? 10 : 1;
  const datasets: Dataset[] = [
    { label: `${1 / div} M × 3 B`, keys: 1_000_000 / div, valueBytes: 3 },
    { label: `${10 / div} M × 3 B`, keys: 10_000_000 / div, valueBytes: 3 },
    { label: `${1 / div} M × 1 KB`, keys: 1_000_000 / div, valueBytes: 1024 },
  ];
  const requests = quick ? 50_000 : 200_000;
  const rows: Row[] = [];
  for (const d of datasets) {
    // A fresh pair per dataset, one after the other, so RSS is the dataset's and the load has the machine.
    for (const startServer of [startFerriteProcess, startRedisProcess]) {
      const server = await startServer();
      try {
        rows.push(await measure(server, d, requests));
      } finally {
        await server.stop();
      }
    }
  }
  const load = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  return `${format(rows)}\n\nMachine load after the run: ${load}`;
}
