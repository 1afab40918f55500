// Servers for benchmarks: Ferrite as its own process (so it gets a core of its own, like Redis),
// and Debian's redis-server, both on free loopback ports, stopped when the run ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export interface BenchServer {
  name: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something listens on `port`; throws if `child` exits first or nothing comes up in ~10 s. */
export async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
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
  throw new Error(`server did not start on ${port}`);
}

/** Pins a server to one core with taskset when it exists, so the two servers never share a core. */
function pinned(core: number, command: string, args: string[]): [string, string[]] {
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return probe.status === 0 ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

function start(name: string, core: number, command: string, args: string[], port: number): Promise<BenchServer> {
  const [cmd, argv] = pinned(core, command, args);
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  return waitForPort(port, child).then(() => ({
    name,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  }));
}

export async function startFerriteProcess(extra: string[] = []): Promise<BenchServer> {
  const port = await freePort();
  const bin = new URL('../../bin/ferrite-server', import.meta.url).pathname;
  return start('ferrite', 0, bin, ['--port', String(port), '--bind', '127.0.0.1', '--memcached-port', '0', '--loglevel', 'warning', ...extra], port);
}

export async function startRedisProcess(extra: string[] = []): Promise<BenchServer> {
  const port = await freePort();
  return start('redis', 1, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], port);
}

/** Debian's memcached (`-t 1`: one worker thread) on the core redis-server would get. */
export async function startMemcachedProcess(extra: string[] = []): Promise<BenchServer> {
  const port = await freePort();
  // memcached refuses to run as root unless told which user to become.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  return start('memcached', 1, 'memcached', ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-t', '1', ...user, ...extra], port);
}
