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
}

/** Counters a writer reports its errors to (INFO errorstats, total_error_replies). */
export type ErrorListener = (message: string) => void;

/** Renders replies into one pending latin1 string; the connection writes it once per read batch. */
export class RespWriter implements Reply {
  out = '';
  resp: 2 | 3 = 2;
  onError: ErrorListener | undefined;

  ok(): void {
    this.out += '+OK\r\n';
  }
  simple(s: string): void {
    this.out += '+' + s + '\r\n';
  }
  error(message: string): void {
    // A newline inside an error would desynchronise the client, Redis replaces them too.
    const line = message.indexOf('\r') === -1 && message.indexOf('\n') === -1 ? message : message.replace(/[\r\n]/g, ' ');
    this.out += '-' + line + '\r\n';
    this.onError?.(line);
  }
  int(n: number | bigint): void {
    this.out += ':' + n + '\r\n';
  }
  bulk(s: string): void {
    this.out += '$' + s.length + '\r\n' + s + '\r\n';
  }
  nil(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n';
  }
  nullArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n';
  }
  array(length: number): void {
    this.out += '*' + length + '\r\n';
  }
  map(length: number): void {
    this.out += this.resp === 3 ? '%' + length + '\r\n' : '*' + length * 2 + '\r\n';
  }
  set(length: number): void {
    this.out += (this.resp === 3 ? '~' : '*') + length + '\r\n';
  }
  push(length: number): void {
    this.out += (this.resp === 3 ? '>' : '*') + length + '\r\n';
  }
  double(d: number): void {
    const s = formatDouble(d);
    this.out += this.resp === 3 ? ',' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n';
  }
  bool(b: boolean): void {
    this.out += this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n';
  }
  bigNumber(s: string): void {
    this.out += this.resp === 3 ? '(' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n';
  }
  verbatim(s: string, format = 'txt'): void {
    this.out += this.resp === 3 ? '=' + (s.length + 4) + '\r\n' + format + ':' + s + '\r\n' : '$' + s.length + '\r\n' + s + '\r\n';
  }
  bulks(items: readonly string[]): void {
    let out = '*' + items.length + '\r\n';
    for (let i = 0; i < items.length; i++) out += '$' + items[i].length + '\r\n' + items[i] + '\r\n';
    this.out += out;
  }

  /** Takes what was rendered so far, leaving the writer empty. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }
}
