// Debian's real nutcracker (twemproxy 0.5) as a child process: one pool listening on a free
// loopback port, its stats port on another, config/log/pid in a temp directory removed on close.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ExternalServer } from './servers.js';

export interface NutcrackerPool {
  readonly redis: boolean;
  /** nutcracker.yml server lines: "host:port:weight [name]". */
  readonly servers: readonly string[];
  readonly hash?: string;
  readonly distribution?: string;
  readonly hashTag?: string;
  readonly autoEjectHosts?: boolean;
  readonly serverFailureLimit?: number;
  readonly serverRetryTimeoutMs?: number;
  readonly timeoutMs?: number;
}

export interface Nutcracker extends ExternalServer {
  /** The yml it runs with. */
  readonly config: string;
  /** What it logged, for failure messages. */
  log(): string;
}

/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
export const NUTCRACKER = existsSync('/usr/sbin/nutcracker') ? '/usr/sbin/nutcracker' : 'nutcracker';

export function nutcrackerYaml(port: number, pool: NutcrackerPool): string {
  const lines = ['ferrite:', `  listen: 127.0.0.1:${port}`, `  redis: ${pool.redis}`];
  if (pool.hash !== undefined) lines.push(`  hash: ${pool.hash}`);
  if (pool.distribution !== undefined) lines.push(`  distribution: ${pool.distribution}`);
  if (pool.hashTag !== undefined) lines.push(`  hash_tag: "${pool.hashTag}"`);
  if (pool.autoEjectHosts !== undefined) lines.push(`  auto_eject_hosts: ${pool.autoEjectHosts}`);
  if (pool.serverFailureLimit !== undefined) lines.push(`  server_failure_limit: ${pool.serverFailureLimit}`);
  if (pool.serverRetryTimeoutMs !== undefined) lines.push(`  server_retry_timeout: ${pool.serverRetryTimeoutMs}`);
  if (pool.timeoutMs !== undefined) lines.push(`  timeout: ${pool.timeoutMs}`);
  lines.push('  servers:', ...pool.servers.map((s) => `    - ${s}`));
  return `${lines.join('\n')}\n`;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startNutcracker(pool: NutcrackerPool): Promise<Nutcracker> {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-nutcracker-'));
  const [port, statsPort] = [await freePort(), await freePort()];
  const config = nutcrackerYaml(port, pool);
  const confFile = join(dir, 'nutcracker.yml');
  writeFileSync(confFile, config);
  const child = spawn(NUTCRACKER, ['-c', confFile, '-s', String(statsPort), '-a', '127.0.0.1', '-o', join(dir, 'nutcracker.log'), '-p', join(dir, 'nutcracker.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const log = (): string => {
    try {
      return `${stderr}${readFileSync(join(dir, 'nutcracker.log'), 'utf8')}`;
    } catch {
      return stderr;
    }
  };
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGKILL');
    });
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`nutcracker did not start (${stderr.trim()}) with:\n${config}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, process: child, close, config, log };
}
