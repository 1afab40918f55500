// Replication test tools: Ferrite and redis-server as child processes (so a test can kill -9 them),
// a TCP proxy the test controls (cut a link, cut it after N bytes), a fake master that answers
// what the test wants, and a key-by-key dump of a dataset (type, value, absolute expiry) to compare.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from './servers.js';

const executable = fileURLToPath(new URL('../../../bin/ferrite-server', import.meta.url));

export interface Node {
  readonly kind: 'ferrite' | 'redis';
  port: number;
  dir: string;
  process: ChildProcess;
  /** Everything the server logged so far. */
  log(): string;
  client(): Redis;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Starts the same server again (same port, dir and arguments). */
  restart(): Promise<void>;
}

const clients = new Set<Redis>();
const nodes = new Set<Node>();

async function waitForPort(port: number, child: ChildProcess, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log().slice(-2000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`${what} did not start on port ${port}`);
}

/** Short timeouts and no delay before a diskless sync, so tests are fast. */
const FAST = ['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1', '--repl-timeout', '5', '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];

export async function startNode(kind: 'ferrite' | 'redis', args: string[] = []): Promise<Node> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `ferrite-repl-${kind}-`));
  let output = '';
  const argv = ['--port', String(port), '--dir', dir, ...FAST, ...(kind === 'ferrite' ? ['--memcached-port', '0', '--enable-debug-command', 'yes'] : ['--enable-debug-command', 'yes']), ...args];
  const spawnIt = (): ChildProcess => {
    const child = kind === 'ferrite' ? spawn(executable, argv, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => void (output += d));
    child.stderr!.on('data', (d) => void (output += d));
    return child;
  };
  const node: Node = {
    kind,
    port,
    dir,
    process: spawnIt(),
    log: () => output,
    client() {
      const c = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true });
      c.on('error', () => undefined);
      clients.add(c);
      return c;
    },
    kill: () =>
      new Promise<void>((resolve) => {
        const child = node.process;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    async restart() {
      await node.kill();
      node.process = spawnIt();
      await waitForPort(port, node.process, kind, node.log);
    },
  };
  nodes.add(node);
  await waitForPort(port, node.process, kind, node.log);
  return node;
}

/** Stops every server and client the suite started. */
export async function stopAll(): Promise<void> {
  for (const c of clients) c.disconnect();
  clients.clear();
  for (const n of nodes) {
    await n.kill();
    rmSync(n.dir, { recursive: true, force: true });
  }
  nodes.clear();
  for (const p of proxies) p.close();
  proxies.clear();
}

/** Polls `check` until it returns a value other than undefined; fails with `what` after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim();
}

export async function replInfo(c: Redis, field: string): Promise<string | undefined> {
  return infoField(await c.info('replication'), field);
}

/** Waits until the replica's link is up and it applied everything the master produced. */
export async function waitInSync(master: Redis, replica: Redis, timeoutMs = 15_000): Promise<void> {
  await eventually(
    'the replica to catch up',
    async () => {
      if ((await replInfo(replica, 'master_link_status')) !== 'up') return undefined;
      const m = Number(await replInfo(master, 'master_repl_offset'));
      const r = Number(await replInfo(replica, 'slave_repl_offset'));
      return r >= m && m > 0 ? true : undefined;
    },
    timeoutMs,
  );
}

/** Every key of the given databases: type, value in a canonical form, and absolute expiry in ms. */
export async function dumpDataset(c: Redis, dbs: number[] = [0, 1]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const db of dbs) {
    await c.select(db);
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = await c.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys) {
      const type = await c.type(key);
      let value: unknown;
      switch (type) {
        case 'string':
          value = await c.get(key);
          break;
        case 'list':
          value = await c.lrange(key, 0, -1);
          break;
        case 'hash':
          value = Object.entries(await c.hgetall(key)).sort();
          break;
        case 'set':
          value = (await c.smembers(key)).sort();
          break;
        case 'zset':
          value = await c.zrange(key, 0, -1, 'WITHSCORES');
          break;
        case 'stream':
          value = await c.xrange(key, '-', '+');
          break;
        default:
          value = null;
      }
      const expireAt = await c.pexpiretime(key);
      out[`${db}:${key}`] = JSON.stringify([type, value, expireAt]);
    }
  }
  await c.select(0);
  return out;
}

/** A mixed dataset with every type, TTLs and two databases, written through `c`. */
export async function writeMixed(c: Redis, prefix: string, n: number): Promise<void> {
  const p = c.pipeline();
  for (let i = 0; i < n; i++) {
    p.set(`${prefix}:s:${i}`, `v${i}\x00\xff`);
    if (i % 5 === 0) p.pexpire(`${prefix}:s:${i}`, 600_000 + i);
    p.rpush(`${prefix}:l:${i % 10}`, `e${i}`);
    p.hset(`${prefix}:h:${i % 10}`, `f${i}`, `${i}`);
    p.sadd(`${prefix}:set:${i % 10}`, `m${i}`);
    p.zadd(`${prefix}:z:${i % 10}`, i * 1.5, `z${i}`);
  }
  p.select(1);
  for (let i = 0; i < Math.ceil(n / 10); i++) p.set(`${prefix}:db1:${i}`, `x${i}`);
  p.select(0);
  await p.exec();
}

/** n string keys of `size` bytes that don't compress (so an RDB of them has about that size). */
export async function populate(c: Redis, n: number, prefix: string, size: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(n, i + 1000); j++) p.set(`${prefix}:${j}`, randomBytes(Math.ceil(size / 2)).toString('hex').slice(0, size));
    await p.exec();
  }
}

/** A TCP proxy between a replica and its master that the test can cut. */
export interface Proxy {
  port: number;
  /** Bytes forwarded from the upstream (master) side so far. */
  readonly downstreamBytes: number;
  /** Destroys every connection going through the proxy now. */
  cut(): void;
  /** Refuses (closes at once) new connections while true. */
  refusing: boolean;
  /** Cuts a connection once this many bytes came from upstream on it (0 = never). */
  cutAfterBytes: number;
  /** Stops (true) or resumes reading from the upstream side: a replica that does not read. */
  stall(on: boolean): void;
  close(): void;
}

const proxies = new Set<Proxy>();

export async function startProxy(targetPort: number): Promise<Proxy> {
  const pairs = new Set<[Socket, Socket]>();
  let downstreamBytes = 0;
  let stalled = false;
  const server: Server = createServer((down) => {
    if (proxy.refusing) return void down.destroy();
    const up = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [down, up];
    if (stalled) up.pause();
    pairs.add(pair);
    let fromUp = 0;
    const end = (): void => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('data', (d) => up.write(d));
    up.on('data', (d: Buffer) => {
      const limit = proxy.cutAfterBytes;
      if (limit > 0 && fromUp + d.length >= limit) {
        down.write(d.subarray(0, Math.max(0, limit - fromUp)));
        fromUp = limit;
        return end();
      }
      fromUp += d.length;
      downstreamBytes += d.length;
      down.write(d);
    });
    for (const s of [down, up]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const proxy: Proxy = {
    port: (server.address() as { port: number }).port,
    get downstreamBytes() {
      return downstreamBytes;
    },
    refusing: false,
    cutAfterBytes: 0,
    stall(on: boolean) {
      stalled = on;
      for (const [, up] of pairs) if (on) up.pause();
      else up.resume();
    },
    cut() {
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    close() {
      this.cut();
      server.close();
    },
  };
  proxies.add(proxy);
  return proxy;
}

/** A fake master: each connection gets `respond(line)` answers to the lines it sends (inline or RESP). */
export async function startFakeMaster(respond: (argv: string[], socket: Socket) => void): Promise<{ port: number; connections: number; close(): void }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // Requests from a replica are RESP arrays of bulks.
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (m === null) return;
        let pos = m[0].length;
        const argv: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const b = /^\$(\d+)\r\n/.exec(buf.slice(pos));
          if (b === null) return;
          const start = pos + b[0].length;
          if (buf.length < start + Number(b[1]) + 2) return;
          argv.push(buf.slice(start, start + Number(b[1])));
          pos = start + Number(b[1]) + 2;
        }
        buf = buf.slice(pos);
        respond(argv, s);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
