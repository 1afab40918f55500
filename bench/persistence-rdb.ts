// `npm run bench -- persistence`: the RDB half of the persistence benchmark. For Ferrite and
// redis-server in one run, on the same dataset (1 M keys of mixed types; 200 k with `quick`):
// BGSAVE duration and file size; while an unpipelined redis-benchmark SET load runs, the p99 latency
// of a probe client during the save vs the same load without a save, and the memory growth during
// the save (Ferrite: RSS; Redis: its fork's copy-on-write peak); the time to load the file on start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' }).stdout;
}

function infoField(port: number, section: string, field: string): string {
  return new RegExp(`${field}:([^\\r\\n]*)`).exec(cli(port, 'INFO', section))?.[1] ?? '';
}

/** Mixed dataset through redis-cli --pipe: 60% strings, 10% each of hashes, lists, sets, zsets (5 elements). */
function load(port: number, keys: number): void {
  const lines: string[] = [];
  const cmd = (...a: string[]): void => void lines.push(`*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`);
  for (let i = 0; i < keys; i++) {
    const k = `key:${i}`;
    switch (i % 10) {
      case 0: cmd('HSET', k, 'a', String(i), 'b', 'bee', 'c', 'sea', 'd', 'dee', 'e', String(i * 2)); break;
      case 1: cmd('RPUSH', k, 'one', 'two', String(i), 'four', 'five'); break;
      case 2: cmd('SADD', k, String(i), String(i + 1), String(i + 2), String(i + 3), String(i + 4)); break;
      case 3: cmd('ZADD', k, '1', 'a', '2', 'b', '3', 'c', '4', String(i), '5.5', 'e'); break;
      default: cmd('SET', k, `value-${i}-${'x'.repeat(i % 64)}`);
    }
  }
  const r = spawnSync('redis-cli', ['-p', String(port), '--pipe'], { input: lines.join(''), maxBuffer: 1 << 30, encoding: 'latin1' });
  if (r.status !== 0) throw new Error(`loading failed: ${r.stderr}`);
}

/** Sequential PINGs on one connection, recording each round trip (ms) with its send time. */
class Probe {
  readonly samples: [at: number, ms: number][] = [];
  private running = true;
  private readonly socket: Socket;
  private sentAt = 0;

  constructor(port: number) {
    this.socket = createConnection({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.send());
    this.socket.on('data', () => {
      const now = performance.now();
      this.samples.push([this.sentAt, now - this.sentAt]);
      if (this.running) this.send();
    });
    this.socket.on('error', () => undefined);
  }

  private send(): void {
    this.sentAt = performance.now();
    this.socket.write('PING\r\n');
  }

  p99(from: number, to: number): number {
    const xs = this.samples.filter(([at]) => at >= from && at < to).map(([, ms]) => ms).sort((a, b) => a - b);
    return xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
  }

  stop(): void {
    this.running = false;
    this.socket.destroy();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** INFO over a socket of its own, without blocking this process (the probe shares its event loop). */
class InfoClient {
  private readonly socket: Socket;
  private buf = '';
  private waiting: ((text: string) => void) | undefined;

  constructor(port: number) {
    this.socket = createConnection({ port, host: '127.0.0.1' });
    this.socket.on('data', (d) => {
      this.buf += d.toString('latin1');
      const nl = this.buf.indexOf('\r\n');
      if (nl === -1 || this.waiting === undefined) return;
      const len = Number(this.buf.slice(1, nl));
      if (this.buf.length < nl + 2 + len + 2) return;
      const text = this.buf.slice(nl + 2, nl + 2 + len);
      this.buf = '';
      const w = this.waiting;
      this.waiting = undefined;
      w(text);
    });
  }

  field(section: string, name: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = (text) => resolve(new RegExp(`${name}:([^\\r\\n]*)`).exec(text)?.[1] ?? '');
      this.socket.write(`INFO ${section}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Figures {
  name: string;
  saveSec: number;
  fileMB: number;
  p99Idle: number;
  p99Save: number;
  growthMB: number;
  baseMB: number;
  loadSec: number;
}

async function measure(name: string, start: (extra: string[]) => Promise<BenchServer>, keys: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `bench-rdb-${name}-`));
  const extra = ['--dir', dir, '--dbfilename', 'dump.rdb', '--save', ''];
  let server = await start(extra);
  let loadGen: ChildProcess | undefined;
  try {
    load(server.port, keys);
    const baseRss = Number(infoField(server.port, 'memory', 'used_memory_rss'));
    loadGen = spawn('redis-benchmark', ['-p', String(server.port), '-t', 'set', '-r', String(keys), '-n', '100000000', '-c', '20', '-P', '1', '-q'], { stdio: 'ignore' });
    const probe = new Probe(server.port);
    await sleep(1000);
    const idleFrom = performance.now();
    await sleep(3000);
    const idleTo = performance.now();
    const info = new InfoClient(server.port);
    const saveFrom = performance.now();
    cli(server.port, 'BGSAVE');
    let peakRss = baseRss;
    let peakCow = 0;
    while ((await info.field('persistence', 'rdb_bgsave_in_progress')) === '1') {
      peakRss = Math.max(peakRss, Number(await info.field('memory', 'used_memory_rss')));
      peakCow = Math.max(peakCow, Number((await info.field('persistence', 'current_cow_size')) || 0));
      await sleep(100);
    }
    const saveTo = performance.now();
    info.close();
    probe.stop();
    loadGen.kill('SIGKILL');
    const status = infoField(server.port, 'persistence', 'rdb_last_bgsave_status');
    if (status !== 'ok') throw new Error(`${name}: BGSAVE status ${status}`);
    peakCow = Math.max(peakCow, Number(infoField(server.port, 'persistence', 'rdb_last_cow_size') || 0));
    const fileBytes = statSync(join(dir, 'dump.rdb')).size;
    await server.stop();
    const t0 = performance.now();
    server = await start(extra);
    while (!cli(server.port, 'PING').startsWith('PONG')) await sleep(10);
    const loadSec = (performance.now() - t0) / 1000;
    return {
      name,
      saveSec: (saveTo - saveFrom) / 1000,
      fileMB: fileBytes / 1048576,
      p99Idle: probe.p99(idleFrom, idleTo),
      p99Save: probe.p99(saveFrom, saveTo),
      // Redis forks: its parent's RSS stays, the child's copied pages are the growth.
      growthMB: (name === 'redis' ? peakCow : peakRss - baseRss) / 1048576,
      baseMB: baseRss / 1048576,
      loadSec,
    };
  } finally {
    loadGen?.kill('SIGKILL');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runPersistenceRdbBench(quick: boolean): Promise<string> {
  const keys = quick ? 200_000 : 1_000_000;
  const redis = await measure('redis', startRedisProcess, keys);
  const ferrite = await measure('ferrite', startFerriteProcess, keys);
  const rows = [
    `${keys} keys (60% strings, 10% each 5-element hash/list/set/zset); load: redis-benchmark SET -c 20 -P 1 -r ${keys}; probe: sequential PING.`,
    '',
    '| | redis-server | Ferrite | ratio |',
    '|---|---:|---:|---:|',
  ];
  const row = (label: string, r: number, f: number, digits = 2): void => void rows.push(`| ${label} | ${r.toFixed(digits)} | ${f.toFixed(digits)} | ${(f / r).toFixed(2)} |`);
  row('BGSAVE duration (s)', redis.saveSec, ferrite.saveSec);
  row('dump.rdb size (MB)', redis.fileMB, ferrite.fileMB);
  row('probe p99 without save (ms)', redis.p99Idle, ferrite.p99Idle, 3);
  row('probe p99 during BGSAVE (ms)', redis.p99Save, ferrite.p99Save, 3);
  rows.push(`| p99 during / without save | ${(redis.p99Save / redis.p99Idle).toFixed(2)} | ${(ferrite.p99Save / ferrite.p99Idle).toFixed(2)} | |`);
  row('RSS before save (MB)', redis.baseMB, ferrite.baseMB, 1);
  row('memory growth during save (MB; Redis: fork COW)', redis.growthMB, ferrite.growthMB, 1);
  rows.push(`| growth / RSS | ${((redis.growthMB / redis.baseMB) * 100).toFixed(1)}% | ${((ferrite.growthMB / ferrite.baseMB) * 100).toFixed(1)}% | |`);
  row('start-up with the file loaded (s)', redis.loadSec, ferrite.loadSec);
  return rows.join('\n');
}
