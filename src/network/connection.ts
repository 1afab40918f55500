// One RESP client connection: bytes in → parser → dispatch → replies gathered → one write per batch.
import type { Socket } from 'node:net';
import { Client, type ClientTransport } from '../engine/client.js';
import type { Dispatcher } from '../engine/dispatch.js';
import type { ServerState } from '../engine/server-context.js';
import { ProtocolError, RequestParser } from '../protocol/request-parser.js';
import { closeOverLimit, enforceOutputLimit, outputRoom } from './output-limits.js';

/** Past this many unsent bytes we stop reading from the client until its socket drains. */
const BACKPRESSURE_BYTES = 64 * 1024 * 1024;
/** Replies gathered past this size are written before the batch ends, so output limits apply within it. */
const BATCH_OUTPUT_BYTES = 64 * 1024;

export class Connection implements ClientTransport {
  readonly client: Client;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  private readonly parser: RequestParser;
  private pendingArgv: string[] | undefined;
  /** Bytes of the request being run, counted in qbuf as Redis does (its query buffer still holds it). */
  private requestBytes = 0;
  private processing = false;
  private closed = false;
  /** Bytes handed to writeBytes still in the socket's queue. */
  private rawQueued = 0;

  constructor(
    private readonly socket: Socket,
    private readonly state: ServerState,
    private readonly dispatcher: Dispatcher,
    private readonly onClosed: (c: Connection) => void,
  ) {
    const config = state.config;
    this.client = new Client(state.nextClientId++, this, !state.acl.authenticatedAtConnect());
    this.client.writer.onError = (line) => state.stats.countError(line);
    this.parser = new RequestParser({
      maxBulkLength: config.getNumber('proto-max-bulk-len'),
      maxQueryBuffer: config.getNumber('client-query-buffer-limit'),
    });
    this.addr = socket.remoteAddress === undefined ? `${config.get('unixsocket')}:0` : `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = socket.localAddress === undefined ? `${config.get('unixsocket')}:0` : `${socket.localAddress}:${socket.localPort}`;
    this.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    socket.setNoDelay(true);
    const keepalive = config.getNumber('tcp-keepalive');
    if (keepalive > 0 && socket.remoteAddress !== undefined) socket.setKeepAlive(true, keepalive * 1000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => this.close(false));
    socket.on('close', () => this.teardown());
    this.client.writer.limit = outputRoom(this.client, state);
  }

  private onData(chunk: Buffer): void {
    this.state.stats.netInputBytes += chunk.length;
    this.client.lastInteraction = Date.now();
    this.parser.feed(chunk);
    this.process();
  }

  /** Executes complete requests until input runs out, the client blocks, pauses or closes. */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    const client = this.client;
    client.writer.limit = outputRoom(client, this.state);
    try {
      while (client.blocked === null && !client.paused && !client.closing) {
        this.parser.authenticated = client.authenticated || !this.state.acl.authRequired(client);
        const buffered = this.parser.pendingBytes;
        const argv = this.pendingArgv ?? this.parser.next();
        if (this.pendingArgv === undefined) this.requestBytes = buffered - this.parser.pendingBytes;
        this.pendingArgv = undefined;
        if (argv === undefined) break;
        if (argv instanceof ProtocolError) {
          this.protocolError(argv);
          break;
        }
        if (this.run(argv) === 'paused') {
          this.pendingArgv = argv;
          break;
        }
        if (client.writer.overflowed) {
          // As Redis' CLIENT_CLOSE_ASAP: nothing more of this client's is run or sent.
          closeOverLimit(client, this.state);
          break;
        }
        if (client.writer.length > BATCH_OUTPUT_BYTES) this.flush();
      }
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  private run(argv: string[]): 'done' | 'paused' {
    const client = this.client;
    const before = client.replyMode;
    if (before === 'on') return this.dispatcher.execute(client, argv);
    // CLIENT REPLY OFF, or the one command a SKIP skips: run it muted (pushes still go out). 'skip'
    // means "skip the next one", as Redis' SKIP_NEXT, so a SKIP run now arms it again.
    if (before === 'skip') client.replyMode = 'on';
    client.writer.muted = true;
    const result = this.dispatcher.execute(client, argv);
    if (result === 'paused') client.replyMode = before;
    // OFF stays muted for whatever comes later too (a blocked command served, MONITOR lines).
    client.writer.muted = client.replyMode === 'off';
    return result;
  }

  private protocolError(err: ProtocolError): void {
    if (err.reply) {
      this.client.writer.error(`ERR ${err.message}`);
      this.state.log.verbose(`Protocol error (${err.message}) from client: id=${this.client.id} addr=${this.addr}`);
    } else {
      this.state.log.warning(`Closing client that reached max query buffer length: id=${this.client.id} addr=${this.addr} (qbuf initial bytes: ${this.parser.pendingBytes})`);
    }
    this.close(true);
  }

  flush(): void {
    if (this.closed) return;
    if (this.client.writer.overflowed) return closeOverLimit(this.client, this.state);
    // With the AOF on, replies leave once the writes of this turn are in the file (fsynced under always).
    if (this.state.replyBarrier !== null && this.client.writer.length > 0 && this.state.replyBarrier.hold(this)) return;
    const bytes = this.client.writer.length;
    const out = this.client.writer.take();
    if (out === undefined) return this.state.clientMemory.track(this.client);
    this.state.stats.netOutputBytes += bytes;
    if (out.length === 1) this.write(out[0]);
    else {
      // One writev for the whole batch.
      this.socket.cork();
      for (const piece of out) this.write(piece);
      this.socket.uncork();
    }
    if (this.socket.writableLength > BACKPRESSURE_BYTES) this.socket.pause();
    enforceOutputLimit(this.client, this.state);
    this.client.writer.limit = outputRoom(this.client, this.state);
    this.state.clientMemory.track(this.client);
  }

  private write(piece: Buffer | string): void {
    if (typeof piece === 'string') this.socket.write(piece, 'latin1');
    else this.socket.write(piece);
  }

  close(afterReply: boolean): void {
    if (this.closed) return;
    this.client.closing = true;
    if (afterReply) {
      this.state.replyBarrier?.settle();
      this.flush();
      this.closed = true;
      this.socket.end();
    } else {
      this.closed = true;
      this.socket.destroy();
    }
  }

  writeBytes(data: Buffer): boolean {
    if (this.closed) return false;
    this.flush();
    this.state.stats.netOutputBytes += data.length;
    // A full sync's payload is not reply output: it doesn't count against the output buffer limit.
    this.rawQueued += data.length;
    return this.socket.write(data, () => void (this.rawQueued -= data.length));
  }

  onceDrained(cb: () => void): void {
    if (this.closed || this.socket.writableLength === 0) return void setImmediate(cb);
    this.socket.once('drain', cb);
  }

  outputBytes(): number {
    return Math.max(0, this.socket.writableLength - this.rawQueued) + this.client.writer.length;
  }

  queryBytes(): number {
    return this.parser.pendingBytes + (this.processing ? this.requestBytes : 0);
  }

  resume(): void {
    if (this.closed) return;
    // Resume after the current call stack: the unblocking command's own reply goes first.
    queueMicrotask(() => this.process());
  }

  private teardown(): void {
    if (!this.closed) this.closed = true;
    this.client.closing = true;
    this.onClosed(this);
  }
}
