// `daemonize yes` without fork(): the process re-spawns itself detached (no terminal, stdio to
// /dev/null as Redis redirects it), and the parent exits 0 once the child is listening, or 1 if the
// child dies first. The pidfile is written and removed as Redis does.
import { spawn } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';

/** Set in the re-spawned child, so it serves instead of spawning again. */
const CHILD_MARK = 'FERRITE_DAEMON_CHILD';

export function isDaemonChild(): boolean {
  return process.env[CHILD_MARK] === '1';
}

/** In the parent: starts the detached child and resolves with the exit code the parent should use. */
export function spawnDaemon(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, [CHILD_MARK]: '1' },
    });
    child.once('message', (m) => {
      if (m !== 'ready') return;
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.once('exit', (code) => resolve(code === 0 || code === null ? 1 : code));
  });
}

/** In the child: tells the parent the server listens, and lets go of the channel. */
export function daemonReady(): void {
  if (process.send === undefined) return;
  process.send('ready');
  process.disconnect();
}

/** Redis writes a pidfile when one is configured, or /var/run/redis.pid when daemonized. */
export function pidfilePath(pidfile: string, daemonized: boolean): string {
  if (pidfile !== '') return pidfile;
  return daemonized ? '/var/run/redis.pid' : '';
}

/** Writes the pidfile. Redis 7.0 carries on without a word when it cannot (fopen fails silently). */
export function writePidfile(path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch {
    // As redis-server 7.0.15: no pidfile, no warning, the server still starts.
  }
}

export function removePidfile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to remove.
  }
}
