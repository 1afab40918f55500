// A blocking request/reply exchange with another server, for MIGRATE: Redis blocks the whole server
// while it migrates (no other command can touch the keys in between), and so do we. The socket work
// runs on a worker thread; the event loop waits for it with Atomics.wait and reads the result with
// receiveMessageOnPort, so the command completes within its own call like any other.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { ExchangeRequest, ExchangeResult } from './blocking-exchange-worker.js';

export type { ExchangeResult } from './blocking-exchange-worker.js';

let worker: Worker | undefined;

function theWorker(): Worker {
  if (worker === undefined) {
    worker = new Worker(new URL('./blocking-exchange-worker.js', import.meta.url));
    worker.unref();
    worker.on('error', () => (worker = undefined));
    worker.on('exit', () => (worker = undefined));
  }
  return worker;
}

/**
 * Sends `data` to host:port and returns the first `replies` reply lines. Each wait (connect, reply)
 * is bounded by timeoutMs; the caller is blocked for at most a few of them.
 */
export function blockingExchange(host: string, port: number, data: Buffer, replies: number, timeoutMs: number): ExchangeResult {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const req: ExchangeRequest = { host, port, data, replies, timeoutMs, flag, reply: port2 };
  theWorker().postMessage(req, [port2]);
  const view = new Int32Array(flag);
  // connect + (one retry) + reply waits, plus the worker's start-up the first time.
  Atomics.wait(view, 0, 0, timeoutMs * 4 + 2000);
  const msg = receiveMessageOnPort(port1);
  port1.close();
  if (msg === undefined) return { ok: false, error: 'read' };
  return msg.message as ExchangeResult;
}
