// Servers as child processes on a data directory, for persistence tests: Ferrite's executable (or
// Debian's redis-server) started, killed with -9, restarted, and its exit code and log read when it
// refuses to start.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './servers.js';

export const FERRITE_BIN = new URL('../../../bin/ferrite-server', import.meta.url).pathname;

export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** What the process printed so far (its log). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill9(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<number | null>;
}

export type StartResult = { ok: true; server: ServerProcess } | { ok: false; code: number | null; output: string };

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const running = new Set<ServerProcess>();

/** Kills every server still running (a failed test must not leave processes behind). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill9()));
}

function launch(command: string, args: string[], port: number, readyPattern: RegExp): Promise<StartResult> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    running.delete(server);
  });
  const server: ServerProcess = {
    port,
    child,
    output: () => out,
    exited,
    async kill9() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!done) child.kill('SIGTERM');
      return exited;
    },
  };
  running.add(server);
  return (async () => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (done) return { ok: false, code: await exited, output: out };
      if (readyPattern.test(out) && (await portOpen(port))) return { ok: true, server };
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${command} did not start: ${out}`);
  })();
}

/** Ferrite's executable on `dir` with extra options (`--name value` pairs). */
export async function launchFerrite(dir: string, options: string[] = [], wrapper: string[] = [], knownPort?: number): Promise<StartResult> {
  const port = knownPort ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--memcached-port', '0', '--save', '', ...options];
  // The executable execs node in place, so a wrapper (strace) and kill -9 reach the server itself.
  const [cmd, ...pre] = [...wrapper, FERRITE_BIN];
  return launch(cmd, [...pre, ...args], port, /eady to accept connections/);
}

/** Debian's redis-server on `dir`. */
export async function launchRedis(dir: string, options: string[] = []): Promise<StartResult> {
  const port = await freePort();
  return launch('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...options], port, /eady to accept connections/);
}

/** Starts a server that must come up. */
export async function mustStart(p: Promise<StartResult>): Promise<ServerProcess> {
  const r = await p;
  if (!r.ok) throw new Error(`server refused to start (exit ${r.code}): ${r.output}`);
  return r.server;
}
