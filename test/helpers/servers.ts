// Servers for tests: Ferrite in process (the embedding API), Debian's real redis-server and memcached
// as child processes on free loopback ports, and raw-socket clients. Every server is stopped by
// the test that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';
import { encodeCommand, replyLength } from './resp.js';

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

/** Ferrite in this process on a free port, with DEBUG enabled as test suites expect. */
export async function startFerrite(options: StartOptions = {}): Promise<RunningServer> {
  return startServer({ 'enable-debug-command': 'yes', 'memcached-port': 0, ...options });
}

export interface ExternalServer {
  port: number;
  process: ChildProcess;
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start on port ${port}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
}

/** Debian's real redis-server, for differential tests. */
export async function startRedis(args: string[] = []): Promise<ExternalServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', ...args], { stdio: 'ignore' });
  await waitForPort(port, child, 'redis-server');
  return { port, process: child, close: stopper(child) };
}

/** Debian's real memcached, for differential tests. */
export async function startMemcached(args: string[] = []): Promise<ExternalServer> {
  const port = await freePort();
  // memcached refuses to run as root unless told which user to become.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn('memcached', ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-t', '1', ...user, ...args], { stdio: 'ignore' });
  await waitForPort(port, child, 'memcached');
  return { port, process: child, close: stopper(child) };
}

/** A raw TCP client: send bytes, read whole RESP replies or raw bytes, see when the server closes. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async until(pred: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.closed) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; have ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  command(...args: (string | Buffer)[]): void {
    this.send(encodeCommand(args));
  }

  /** The next n whole replies, as latin1 strings of their raw bytes. */
  async replies(n: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    await this.until(() => {
      while (out.length < n) {
        const len = replyLength(this.buf);
        if (len === -1) return false;
        out.push(this.buf.toString('latin1', 0, len));
        this.buf = this.buf.subarray(len);
      }
      return true;
    }, timeoutMs);
    if (out.length < n) throw new Error(`connection closed after ${out.length} of ${n} replies`);
    return out;
  }

  async reply(timeoutMs = 5000): Promise<string> {
    return (await this.replies(1, timeoutMs))[0];
  }

  /** Sends a command and returns its raw reply. */
  async call(...args: (string | Buffer)[]): Promise<string> {
    this.command(...args);
    return this.reply();
  }

  /** Reads raw bytes until `text` appears (memcached tests), returning everything up to and including it. */
  async readUntil(text: string, timeoutMs = 5000): Promise<string> {
    let idx = -1;
    await this.until(() => (idx = this.buf.indexOf(text, 0, 'latin1')) !== -1, timeoutMs);
    if (idx === -1) throw new Error(`connection closed before ${JSON.stringify(text)}`);
    const out = this.buf.toString('latin1', 0, idx + text.length);
    this.buf = this.buf.subarray(idx + text.length);
    return out;
  }

  /** Waits until the server closes the connection; returns what it sent before. */
  async waitClosed(timeoutMs = 5000): Promise<string> {
    await this.until(() => this.closed, timeoutMs);
    return this.buf.toString('latin1');
  }

  /** Waits until `pred` holds for the bytes received so far, or the server closes. */
  async waitFor(pred: (received: string) => boolean, timeoutMs = 5000): Promise<string> {
    await this.until(() => pred(this.buf.toString('latin1')), timeoutMs);
    return this.buf.toString('latin1');
  }

  pending(): string {
    return this.buf.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Sends each command to both servers on fresh connections and returns the pairs of raw replies, so a
 * differential test can assert they are byte-for-byte equal.
 */
export async function differential(redisPort: number, ferritePort: number, commands: (string | Buffer)[][]): Promise<{ command: string; redis: string; ferrite: string }[]> {
  const [a, b] = await Promise.all([RawClient.connect(redisPort), RawClient.connect(ferritePort)]);
  try {
    const out: { command: string; redis: string; ferrite: string }[] = [];
    for (const cmd of commands) {
      const [ra, rb] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
      out.push({ command: cmd.map((c) => c.toString()).join(' '), redis: ra, ferrite: rb });
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}
