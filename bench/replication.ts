// `npm run bench -- replication`: Ferrite beside redis-server in the same run —
// full sync time of 1M keys (diskless and disk), master throughput with two replicas against none
// (target ≥ 0.9 of none), and replication lag percentiles under an unpipelined write load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

type Kind = 'ferrite' | 'redis';

const dirs: string[] = [];

/** Each server in a directory of its own: a replica's received payload must not be another server's dump file. */
function start(kind: Kind, extra: string[]): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), `ferrite-bench-repl-${kind}-`));
  dirs.push(dir);
  const common = ['--dir', dir, '--repl-diskless-sync-delay', '0', '--save', '', '--repl-backlog-size', '64mb', '--client-output-buffer-limit', 'replica 0 0 0', ...extra];
  return kind === 'ferrite' ? startFerriteProcess(common) : startRedisProcess(common);
}

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  return c;
}

async function populate(c: Redis, n: number): Promise<void> {
  const value = 'v'.repeat(32);
  for (let i = 0; i < n; i += 10_000) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(n, i + 10_000); j++) p.set(`key:${j}`, value);
    await p.exec();
  }
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim();
}

async function waitLinkUp(replica: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (field(await replica.info('replication'), 'master_link_status') !== 'up') {
    if (Date.now() > deadline) throw new Error('replica did not finish its sync');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Seconds from REPLICAOF to a replica with its link up and the whole dataset loaded. */
async function fullSyncSeconds(kind: Kind, keys: number, diskless: boolean): Promise<number> {
  const master = await start(kind, ['--repl-diskless-sync', diskless ? 'yes' : 'no']);
  const replica = await start(kind, []);
  const m = client(master.port);
  const r = client(replica.port);
  try {
    await populate(m, keys);
    const t0 = performance.now();
    await r.replicaof('127.0.0.1', String(master.port));
    await waitLinkUp(r, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const loaded = await r.dbsize();
    if (loaded !== keys) throw new Error(`replica has ${loaded} keys, expected ${keys}`);
    return seconds;
  } finally {
    m.disconnect();
    r.disconnect();
    await Promise.all([master.stop(), replica.stop()]);
  }
}

function setRps(port: number, requests: number): number {
  const out = spawnSync('redis-benchmark', ['-p', String(port), '-n', String(requests), '-c', '50', '-P', '1', '-t', 'set', '-r', '100000', '--csv'], { encoding: 'utf8', timeout: 600_000 });
  const m = /^"SET","([\d.]+)"/m.exec(out.stdout);
  if (m === null) throw new Error(`redis-benchmark failed: ${out.stderr}`);
  return Number(m[1]);
}

async function cpuSeconds(c: Redis): Promise<number> {
  const info = await c.info('cpu');
  return Number(field(info, 'used_cpu_user')) + Number(field(info, 'used_cpu_sys'));
}

/** The master's own CPU per SET, in µs: what replication costs it, whatever the replicas' processes take from the machine. */
async function cpuPerSet(c: Redis, port: number, requests: number): Promise<number> {
  const before = await cpuSeconds(c);
  setRps(port, requests);
  return ((await cpuSeconds(c)) - before) * 1e6 / requests;
}

/** SET throughput of the master alone and with two replicas attached: best of two runs each; then the master's CPU per SET. */
export async function throughput(kind: Kind, requests: number): Promise<[alone: number, withReplicas: number, cpuAlone: number, cpuWith: number]> {
  const master = await start(kind, []);
  const m = client(master.port);
  const replicas: BenchServer[] = [];
  try {
    const alone = Math.max(setRps(master.port, requests), setRps(master.port, requests));
    const cpuAlone = await cpuPerSet(m, master.port, requests);
    for (let i = 0; i < 2; i++) {
      const rep = await start(kind, []);
      replicas.push(rep);
      const rc = client(rep.port);
      await rc.replicaof('127.0.0.1', String(master.port));
      await waitLinkUp(rc, 60_000);
      rc.disconnect();
    }
    const withReplicas = Math.max(setRps(master.port, requests), setRps(master.port, requests));
    const cpuWith = await cpuPerSet(m, master.port, requests);
    return [alone, withReplicas, cpuAlone, cpuWith];
  } finally {
    m.disconnect();
    await Promise.all([master.stop(), ...replicas.map((r) => r.stop())]);
  }
}

/** Milliseconds from sending a SET to the master until the replica applied it (its keyspace event). */
async function lagPercentiles(kind: Kind, writes: number): Promise<[p50: number, p99: number]> {
  const master = await start(kind, []);
  const replica = await start(kind, ['--notify-keyspace-events', 'K$']);
  const m = client(master.port);
  const r = client(replica.port);
  const sub = client(replica.port);
  try {
    await r.replicaof('127.0.0.1', String(master.port));
    await waitLinkUp(r, 60_000);
    const sentAt = new Map<string, number>();
    const lags: number[] = [];
    let all: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (all = resolve));
    sub.on('pmessage', (_pattern: string, channel: string) => {
      const key = channel.slice(channel.indexOf(':') + 1);
      const t = sentAt.get(key);
      if (t === undefined) return;
      lags.push(performance.now() - t);
      sentAt.delete(key);
      if (lags.length === writes) all();
    });
    await sub.psubscribe('__keyspace@0__:lag:*');
    for (let i = 0; i < writes; i++) {
      const key = `lag:${i}`;
      sentAt.set(key, performance.now());
      await m.set(key, 'x');
    }
    await Promise.race([finished, new Promise((res) => setTimeout(res, 10_000))]);
    lags.sort((a, b) => a - b);
    if (lags.length < writes) throw new Error(`only ${lags.length} of ${writes} writes seen on the replica`);
    return [lags[Math.floor(lags.length * 0.5)], lags[Math.floor(lags.length * 0.99)]];
  } finally {
    for (const c of [m, r, sub]) c.disconnect();
    await Promise.all([master.stop(), replica.stop()]);
  }
}

export async function runReplicationBench(quick: boolean): Promise<string> {
  try {
    return await measure(quick);
  } finally {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(quick: boolean): Promise<string> {
  const keys = quick ? 100_000 : 1_000_000;
  const requests = quick ? 50_000 : 200_000;
  const writes = quick ? 2_000 : 10_000;
  const rows: string[] = ['| measure | redis-server | ferrite | ferrite / redis |', '|---|---:|---:|---:|'];
  const row = (name: string, redis: number, ferrite: number, unit: string, digits = 2): void => {
    rows.push(`| ${name} | ${redis.toFixed(digits)} ${unit} | ${ferrite.toFixed(digits)} ${unit} | ${(ferrite / redis).toFixed(2)} |`);
    console.error(rows[rows.length - 1]);
  };
  for (const diskless of [true, false]) {
    const f = await fullSyncSeconds('ferrite', keys, diskless);
    const r = await fullSyncSeconds('redis', keys, diskless);
    row(`full sync of ${keys.toLocaleString('en-US')} keys, ${diskless ? 'diskless' : 'disk'}`, r, f, 's');
  }
  const [fAlone, fWith, fCpuAlone, fCpuWith] = await throughput('ferrite', requests);
  const [rAlone, rWith, rCpuAlone, rCpuWith] = await throughput('redis', requests);
  row('SET rps, master alone (50 clients, no pipeline)', rAlone, fAlone, 'rps', 0);
  row('SET rps, master with 2 replicas', rWith, fWith, 'rps', 0);
  rows.push(`| with 2 replicas / alone (target ≥ 0.9) | ${(rWith / rAlone).toFixed(2)} | ${(fWith / fAlone).toFixed(2)} | |`);
  row("master's CPU per SET, alone", rCpuAlone, fCpuAlone, 'µs', 1);
  row("master's CPU per SET, with 2 replicas", rCpuWith, fCpuWith, 'µs', 1);
  rows.push(`| alone / with 2 replicas, master CPU per SET | ${(rCpuAlone / rCpuWith).toFixed(2)} | ${(fCpuAlone / fCpuWith).toFixed(2)} | |`);
  const [fp50, fp99] = await lagPercentiles('ferrite', writes);
  const [rp50, rp99] = await lagPercentiles('redis', writes);
  row(`replication lag p50 (${writes} unpipelined SETs)`, rp50, fp50, 'ms', 3);
  row('replication lag p99', rp99, fp99, 'ms', 3);
  return rows.join('\n');
}
