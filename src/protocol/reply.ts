// The reply sink command handlers write to. RespWriter renders RESP2/RESP3 bytes for a socket;
// other sinks (a script's redis.call, a captured reply) implement the same interface, so a handler
// never knows where its reply goes.
import { formatDouble } from './number-format.js';

export interface Reply {
  /** Protocol version the reply is rendered for (HELLO 3 switches a connection to 3). */
  readonly resp: 2 | 3;
  ok(): void;
  simple(s: string): void;
  /** A full error line including its code, e.g. "ERR syntax error" or "WRONGTYPE Operation ...". */
  error(message: string): void;
  int(n: number | bigint): void;
  bulk(s: string): void;
  /** Null bulk in RESP2, null in RESP3. */
  nil(): void;
  /** Null array in RESP2 (*-1), null in RESP3. */
  nullArray(): void;
  array(length: number): void;
  /** A map of `length` pairs: a flat array of 2*length in RESP2. */
  map(length: number): void;
  /** A set: an array in RESP2. */
  set(length: number): void;
  /** An out-of-band push header (RESP3) or an array (RESP2, pub/sub messages). */
  push(length: number): void;
  /** A double: RESP3 double, or a bulk string formatted like Redis in RESP2. */
  double(d: number): void;
  /** A boolean: RESP3 true/false, or integer 1/0 in RESP2. */
  bool(b: boolean): void;
  bigNumber(s: string): void;
  /** Verbatim string with a 3-letter format ("txt"); a bulk string in RESP2. */
  verbatim(s: string, format?: string): void;
  /** An array of bulk strings, a common shape (KEYS, MGET without nils, ...). */
  bulks(items: readonly string[]): void;
  /**
   * True once the reply passed what its receiver may take (a client's hard output limit): the rest is
   * dropped and the client closed, so loops writing a reply whose size the client chose stop here.
   */
  readonly overflowed: boolean;
  /**
   * Set while a push frame (a pub/sub message, a subscription confirmation) is written: CLIENT REPLY
   * OFF/SKIP mute replies, not pushes, as Redis' CLIENT_PUSHING flag lets them through.
   */
  pushing: boolean;
}

/** Counters a writer reports its errors to (INFO errorstats, total_error_replies). */
export type ErrorListener = (message: string) => void;

/** Node's fast latin1 encoder (what buf.write(s, offset, 'latin1') calls after checking its arguments). */
interface Latin1Buffer extends Buffer {
  latin1Write(s: string, offset: number, length: number): number;
}

/** Strings longer than this go out as their own chunk instead of being copied into the buffer. */
const LARGE_STRING = 16 * 1024;
const INITIAL_BUFFER = 16 * 1024;
const EMPTY = Buffer.alloc(0) as Latin1Buffer;

/**
 * Renders replies straight into a byte buffer; the connection takes the pending chunks once per read
 * batch and writes them together. Copying small strings into one buffer is far cheaper than handing
 * the socket a long concatenated (rope) string to flatten, which dominated pipelined profiles.
 */
export class RespWriter implements Reply {
  resp: 2 | 3 = 2;
  onError: ErrorListener | undefined;
  /** Bytes past which nothing more is kept (the room left under the client's hard output limit); 0 = none. */
  limit = 0;
  overflowed = false;
  /** CLIENT REPLY OFF/SKIP: everything but push frames is dropped. */
  muted = false;
  pushing = false;
  /** Allocated on the first write, so idle clients (and a script's client) cost no buffer. */
  private buf = EMPTY;
  private used = 0;
  /** Finished pieces before `buf`: earlier buffers and large strings, in order. */
  private chunks: (Buffer | string)[] = [];
  private chunkBytes = 0;

  /** Bytes rendered and not yet taken. */
  get length(): number {
    return this.chunkBytes + this.used;
  }

  /** Appends already-rendered protocol text (pub/sub messages, MONITOR lines). */
  raw(s: string): void {
    if (this.overflowed || (this.muted && !this.pushing)) return;
    if (s.length > LARGE_STRING) {
      this.seal();
      this.chunks.push(s);
      this.chunkBytes += s.length;
      this.checkLimit();
      return;
    }
    if (this.used + s.length > this.buf.length) this.grow(s.length);
    this.used += this.buf.latin1Write(s, this.used, s.length);
  }

  ok(): void {
    this.raw('+OK\r\n');
  }
  simple(s: string): void {
    this.raw('+' + s + '\r\n');
  }
  error(message: string): void {
    // A newline inside an error would desynchronise the client, Redis replaces them too.
    const line = message.indexOf('\r') === -1 && message.indexOf('\n') === -1 ? message : message.replace(/[\r\n]/g, ' ');
    this.raw('-' + line + '\r\n');
    this.onError?.(line);
  }
  int(n: number | bigint): void {
    this.raw(':' + n + '\r\n');
  }
  bulk(s: string): void {
    if (s.length > LARGE_STRING) {
      this.raw('$' + s.length + '\r\n');
      this.raw(s);
      this.raw('\r\n');
      return;
    }
    this.raw('$' + s.length + '\r\n' + s + '\r\n');
  }
  nil(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '$-1\r\n');
  }
  nullArray(): void {
    this.raw(this.resp === 3 ? '_\r\n' : '*-1\r\n');
  }
  array(length: number): void {
    this.raw('*' + length + '\r\n');
  }
  map(length: number): void {
    this.raw(this.resp === 3 ? '%' + length + '\r\n' : '*' + length * 2 + '\r\n');
  }
  set(length: number): void {
    this.raw((this.resp === 3 ? '~' : '*') + length + '\r\n');
  }
  push(length: number): void {
    this.raw((this.resp === 3 ? '>' : '*') + length + '\r\n');
  }
  double(d: number): void {
    const s = formatDouble(d);
    this.raw(this.resp === 3 ? ',' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n');
  }
  bool(b: boolean): void {
    this.raw(this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n');
  }
  bigNumber(s: string): void {
    this.raw(this.resp === 3 ? '(' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n');
  }
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) {
      this.raw('=' + (s.length + 4) + '\r\n' + format + ':');
      this.raw(s);
      this.raw('\r\n');
    } else {
      this.bulk(s);
    }
  }
  bulks(items: readonly string[]): void {
    this.raw('*' + items.length + '\r\n');
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }

  /** Drops everything rendered after `mark` (a previous `length`): CLIENT REPLY OFF, failed commands. */
  truncate(mark: number): void {
    if (mark >= this.chunkBytes) {
      this.used = Math.min(this.used, mark - this.chunkBytes);
      return;
    }
    const kept: (Buffer | string)[] = [];
    let bytes = 0;
    for (const c of this.chunks) {
      if (bytes + c.length <= mark) {
        kept.push(c);
        bytes += c.length;
      } else {
        if (mark > bytes) kept.push(c.slice(0, mark - bytes));
        bytes = mark;
        break;
      }
    }
    this.chunks = kept;
    this.chunkBytes = bytes;
    this.used = 0;
  }

  /** Takes the pending output, leaving the writer empty; undefined when there is none. */
  take(): (Buffer | string)[] | undefined {
    if (this.length === 0) return undefined;
    this.seal();
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  /** Moves the buffer's content to the chunk list; the next write starts a fresh buffer. */
  private seal(): void {
    if (this.used === 0) return;
    const piece = this.buf.subarray(0, this.used);
    this.chunks.push(piece);
    this.chunkBytes += this.used;
    this.checkLimit();
    // The socket keeps a reference to written buffers, so a new one is needed; the rest of this one is reused.
    this.buf = (this.buf.length - this.used >= 1024 ? this.buf.subarray(this.used) : Buffer.allocUnsafe(INITIAL_BUFFER)) as Latin1Buffer;
    this.used = 0;
  }

  /** Checked when a chunk is finished (every 16 KB at most), not on every write. */
  private checkLimit(): void {
    if (this.limit === 0 || this.chunkBytes <= this.limit) return;
    this.overflowed = true;
    this.chunks = [];
    this.chunkBytes = 0;
  }

  private grow(needed: number): void {
    this.seal();
    if (this.buf.length < needed) this.buf = Buffer.allocUnsafe(Math.max(needed, INITIAL_BUFFER)) as Latin1Buffer;
  }
}
