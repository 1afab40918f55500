// One pipelined connection to one server: requests queue in order, everything sent in one tick goes
// out in one write (cork/uncork), replies resolve the queue head. It connects with a timeout, times
// out requests, and after a failure refuses requests for a backoff period instead of hanging them.
import { createConnection, type Socket } from 'node:net';
import RedisParser from 'redis-parser';
import { parseTextReply, type ExpectedReply, type TextReply } from '../protocol/memcached-text-reply.js';
import { encodeRequest } from '../protocol/resp-request.js';
import { PoolClosedError, PoolTimeoutError, ReplyError, ServerUnreachableError } from './errors.js';
import type { ServerSpec } from './server-spec.js';

/** A RESP reply: bulk and simple strings as strings, or as Buffers with `returnBuffers`. */
export type RedisReply = string | Buffer | number | null | RedisReply[];
export type Protocol = 'redis' | 'memcached';

export interface ConnectionOptions {
  readonly protocol: Protocol;
  readonly connectTimeoutMs: number;
  /** Per-request timeout; undefined waits for as long as the connection lives (twemproxy's default). */
  readonly timeoutMs: number | undefined;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /** Sent first on every redis connection (twemproxy's redis_auth / redis_db). */
  readonly redisAuth?: string;
  readonly redisDb?: number;
  /** Redis replies as Buffers (binary-safe values) instead of UTF-8 strings. */
  readonly returnBuffers?: boolean;
  /** Reconnect as soon as the backoff ends, not on the next request (the pool is not lazy). */
  readonly eager?: boolean;
}

export interface ConnectionEvents {
  /** A connect failure, a lost connection or a timeout: one per broken connection. */
  onFailure(error: Error): void;
  /** A reply arrived (the server is healthy). */
  onReply(): void;
}

interface Pending {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly expected: ExpectedReply;
  readonly deadline: number;
  /** Handshake replies (AUTH, SELECT) are checked here instead of reaching a caller. */
  readonly internal: boolean;
}

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export interface ConnectionStats {
  state: ConnectionState;
  pending: number;
  connects: number;
  failures: number;
  timeouts: number;
  requests: number;
  replyErrors: number;
}

export class NodeConnection {
  private socket: Socket | undefined;
  private pending: Pending[] = [];
  private head = 0;
  private outbox: (string | Buffer)[] = [];
  private flushScheduled = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private readBuf: Buffer = Buffer.alloc(0);
  private parser: RedisParser | undefined;
  readonly stats: ConnectionStats = { state: 'idle', pending: 0, connects: 0, failures: 0, timeouts: 0, requests: 0, replyErrors: 0 };

  constructor(
    readonly spec: ServerSpec,
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {}

  get state(): ConnectionState {
    return this.stats.state;
  }

  /** Opens the connection now (used when the pool is not lazy). */
  connect(): void {
    if (this.stats.state === 'idle') this.open();
  }

  /** A redis command; resolves with the reply, rejects with ReplyError for an error reply. */
  redis(args: readonly (string | Buffer | number)[]): Promise<RedisReply> {
    return this.enqueue(encodeRequest(args), 'line') as Promise<RedisReply>;
  }

  /** A memcached text request (already encoded); resolves with the parsed reply. */
  memcached(request: (string | Buffer)[], expected: ExpectedReply): Promise<TextReply> {
    return this.enqueue(request, expected) as Promise<TextReply>;
  }

  private enqueue(chunks: (string | Buffer)[], expected: ExpectedReply): Promise<unknown> {
    const state = this.stats.state;
    if (state === 'closed') return Promise.reject(new PoolClosedError());
    if (state === 'backoff') return Promise.reject(new ServerUnreachableError(this.spec.address, 'server is down (waiting to reconnect)'));
    if (state === 'idle') this.open();
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const deadline = this.options.timeoutMs === undefined ? Infinity : Date.now() + this.options.timeoutMs;
      this.pending.push({ resolve, reject, expected, deadline, internal: false });
      for (const c of chunks) this.outbox.push(c);
      if (this.stats.state === 'ready') this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (socket === undefined || this.stats.state !== 'ready' || this.outbox.length === 0) return;
    const out = this.outbox;
    this.outbox = [];
    socket.cork();
    for (const chunk of out) socket.write(chunk);
    socket.uncork();
  }

  private open(): void {
    this.stats.state = 'connecting';
    this.readBuf = Buffer.alloc(0);
    if (this.options.protocol === 'redis') {
      this.parser = new RedisParser({
        returnReply: (reply: RedisReply) => this.settle(reply, undefined),
        returnError: (error: Error) => this.settle(undefined, error),
        returnFatalError: (error: Error) => this.fail(new ServerUnreachableError(this.spec.address, `protocol error: ${error.message}`)),
        returnBuffers: this.options.returnBuffers === true,
      });
    }
    const socket = createConnection({ host: this.spec.host, port: this.spec.port });
    this.socket = socket;
    socket.setNoDelay(true);
    // Events of a socket already given up (a late error, a timer) must not touch its successor.
    const failThis = (error: Error): void => {
      if (this.socket === socket) this.fail(error);
    };
    const connectTimer = setTimeout(() => {
      failThis(new PoolTimeoutError(this.spec.address, `no connection within ${this.options.connectTimeoutMs} ms`));
    }, this.options.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.stats.state = 'ready';
      this.stats.connects++;
      this.attempts = 0;
      this.sendHandshake();
      this.startSweep();
      this.flush();
    });
    socket.on('data', (data: Buffer) => {
      if (this.socket === socket) this.onData(data);
    });
    socket.on('error', (error) => {
      clearTimeout(connectTimer);
      failThis(new ServerUnreachableError(this.spec.address, error.message, { cause: error }));
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      failThis(new ServerUnreachableError(this.spec.address, 'connection closed'));
    });
  }

  /** AUTH and SELECT go before any queued request; their replies never reach a caller. */
  private sendHandshake(): void {
    const steps: (string | number)[][] = [];
    if (this.options.protocol !== 'redis') return;
    if (this.options.redisAuth !== undefined) steps.push(['AUTH', this.options.redisAuth]);
    if (this.options.redisDb !== undefined && this.options.redisDb !== 0) steps.push(['SELECT', this.options.redisDb]);
    if (steps.length === 0) return;
    const internal: Pending[] = steps.map(() => ({
      resolve: () => undefined,
      reject: (error: Error) => this.fail(new ServerUnreachableError(this.spec.address, `handshake failed: ${error.message}`)),
      expected: 'line',
      deadline: Infinity,
      internal: true,
    }));
    this.pending.splice(this.head, 0, ...internal);
    this.outbox.unshift(...steps.flatMap((s) => encodeRequest(s)));
  }

  private onData(data: Buffer): void {
    if (this.parser !== undefined) {
      this.parser.execute(data);
      return;
    }
    this.readBuf = this.readBuf.length === 0 ? data : Buffer.concat([this.readBuf, data]);
    let offset = 0;
    try {
      while (this.head < this.pending.length) {
        const parsed = parseTextReply(this.readBuf, offset, this.pending[this.head].expected);
        if (parsed === undefined) break;
        offset = parsed.next;
        if (parsed.reply.kind === 'error') this.settle(undefined, new Error(parsed.reply.line));
        else this.settle(parsed.reply, undefined);
      }
    } catch (error) {
      this.fail(new ServerUnreachableError(this.spec.address, `protocol error: ${(error as Error).message}`));
      return;
    }
    this.readBuf = offset === this.readBuf.length ? Buffer.alloc(0) : this.readBuf.subarray(offset);
  }

  private settle(reply: unknown, error: Error | undefined): void {
    const entry = this.pending[this.head];
    if (entry === undefined) {
      this.fail(new ServerUnreachableError(this.spec.address, 'reply without a request'));
      return;
    }
    this.pending[this.head] = undefined as unknown as Pending;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (error === undefined) {
      this.events.onReply();
      entry.resolve(reply);
    } else {
      if (!entry.internal) this.stats.replyErrors++;
      this.events.onReply();
      entry.reject(new ReplyError(this.spec.address, error.message));
    }
  }

  /** A timed-out request's reply could still arrive and shift every later one, so the link is reset. */
  private startSweep(): void {
    const timeout = this.options.timeoutMs;
    if (timeout === undefined || this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(() => {
      const entry = this.pending[this.head];
      if (entry !== undefined && entry.deadline <= Date.now()) {
        this.stats.timeouts++;
        const error = new PoolTimeoutError(this.spec.address, `no reply within ${timeout} ms`);
        this.pending[this.head] = undefined as unknown as Pending;
        this.head++;
        entry.reject(error);
        this.fail(error);
      }
    }, Math.max(2, Math.min(100, Math.floor(timeout / 10))));
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Tears the link down once, rejects everything in flight, and schedules the next attempt. */
  private fail(error: Error): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    this.parser = undefined;
    this.stopSweep();
    socket.destroy();
    this.rejectAll(error);
    if (this.stats.state === 'closed') return;
    this.stats.failures++;
    this.stats.state = 'backoff';
    const delay = Math.min(this.options.reconnectMaxMs, this.options.reconnectBaseMs * 2 ** this.attempts);
    this.attempts++;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.stats.state !== 'backoff') return;
      this.stats.state = 'idle';
      if (this.options.eager === true) this.open();
    }, delay);
    this.backoffTimer.unref();
    this.events.onFailure(error);
  }

  private rejectAll(error: Error): void {
    const inFlight = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    this.outbox = [];
    for (const entry of inFlight) if (!entry.internal) entry.reject(error);
  }

  /** Ends the link; in-flight requests reject with PoolClosedError. */
  close(): void {
    const wasOpen = this.socket !== undefined;
    this.stats.state = 'closed';
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    if (wasOpen) this.fail(new PoolClosedError());
  }

  /** Lets the connection try at once (the pool puts an ejected server back in the ring). */
  retryNow(): void {
    if (this.stats.state !== 'backoff') return;
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.stats.state = 'idle';
  }

  pendingCount(): number {
    return this.pending.length - this.head;
  }
}
