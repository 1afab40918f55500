// The thread behind blocking-exchange.ts: it owns the sockets (kept open 10 s for the next MIGRATE
// to the same target, as Redis caches them), sends a request's bytes, collects the expected number of
// one-line replies (+OK / -ERR ...), and signals the waiting main thread through shared memory.
import { createConnection, type Socket } from 'node:net';
import { parentPort, type MessagePort } from 'node:worker_threads';

export interface ExchangeRequest {
  host: string;
  port: number;
  data: Uint8Array;
  replies: number;
  timeoutMs: number;
  flag: SharedArrayBuffer;
  reply: MessagePort;
}

export type ExchangeResult = { ok: true; replies: string[] } | { ok: false; error: 'connect' | 'write' | 'read' };

const IDLE_MS = 10_000;
const cached = new Map<string, { socket: Socket; timer: NodeJS.Timeout }>();

function connect(host: string, port: number, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

function exchange(s: Socket, data: Uint8Array, replies: number, timeoutMs: number): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    let buf = '';
    const lines: string[] = [];
    let timer = setTimeout(() => finish({ ok: false, error: 'read' }), timeoutMs);
    const onData = (d: Buffer): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ ok: false, error: 'read' }), timeoutMs);
      buf += d.toString('latin1');
      let i: number;
      while (lines.length < replies && (i = buf.indexOf('\r\n')) !== -1) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
      if (lines.length >= replies) finish({ ok: true, replies: lines });
    };
    const onEnd = (): void => finish({ ok: false, error: lines.length === 0 && buf === '' ? 'write' : 'read' });
    const finish = (r: ExchangeResult): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onEnd);
      s.off('error', onEnd);
      resolve(r);
    };
    s.on('data', onData);
    s.once('close', onEnd);
    s.once('error', onEnd);
    s.write(data);
  });
}

async function handle(req: ExchangeRequest): Promise<ExchangeResult> {
  const key = `${req.host}:${req.port}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let entry = cached.get(key);
    const reused = entry !== undefined;
    if (entry !== undefined) clearTimeout(entry.timer);
    let socket = entry?.socket;
    if (socket === undefined || socket.destroyed) {
      socket = await connect(req.host, req.port, req.timeoutMs);
      if (socket === undefined) return { ok: false, error: 'connect' };
    }
    const r = await exchange(socket, req.data, req.replies, req.timeoutMs);
    if (r.ok) {
      const s = socket;
      entry = { socket: s, timer: setTimeout(() => {
        s.destroy();
        cached.delete(key);
      }, IDLE_MS) };
      entry.timer.unref();
      s.unref();
      cached.set(key, entry);
      return r;
    }
    socket.destroy();
    cached.delete(key);
    // A cached socket the target closed meanwhile: one retry on a fresh connection, as Redis does.
    if (!reused || r.error === 'read') return r;
  }
  return { ok: false, error: 'connect' };
}

parentPort?.on('message', (req: ExchangeRequest) => {
  void handle(req).then((r) => {
    req.reply.postMessage(r);
    req.reply.close();
    const flag = new Int32Array(req.flag);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
