// The replica's reader of its master's command stream: RESP multibulk requests, each returned with
// its exact size in bytes, because the replication offset counts bytes applied and a chained replica
// is fed the same bytes verbatim. The master only sends multibulk; anything else is a broken link.

export interface StreamCommand {
  argv: string[];
  /** The request's bytes as received. */
  raw: Buffer;
}

export class StreamError extends Error {}

const STAR = 0x2a;
const DOLLAR = 0x24;

export class StreamParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly maxBulk: number) {}

  feed(chunk: Buffer): void {
    this.buf = this.pos >= this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** Bytes received and not yet returned as a command. */
  get pendingBytes(): number {
    return this.buf.length - this.pos;
  }

  /** Takes whatever is buffered (a link switching readers keeps the bytes already received). */
  drain(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return rest;
  }

  /** The next whole command, or undefined when more bytes are needed; throws StreamError on garbage. */
  next(): StreamCommand | undefined {
    const buf = this.buf;
    let p = this.pos;
    // Masters send a bare newline to keep a link alive in some states; it carries no offset.
    while (p < buf.length && (buf[p] === 0x0a || buf[p] === 0x0d)) p++;
    this.pos = p;
    if (p >= buf.length) return undefined;
    if (buf[p] !== STAR) throw new StreamError(`Protocol error: expected '*', got '${String.fromCharCode(buf[p])}'`);
    const header = this.readNumber(p + 1);
    if (header === undefined) return undefined;
    const [count, afterHeader] = header;
    if (count < 0 || count > 1024 * 1024) throw new StreamError(`Protocol error: invalid multibulk length ${count}`);
    const argv: string[] = new Array(count);
    let q = afterHeader;
    for (let i = 0; i < count; i++) {
      if (q >= buf.length) return undefined;
      if (buf[q] !== DOLLAR) throw new StreamError(`Protocol error: expected '$', got '${String.fromCharCode(buf[q])}'`);
      const len = this.readNumber(q + 1);
      if (len === undefined) return undefined;
      const [n, start] = len;
      if (n < 0 || n > this.maxBulk) throw new StreamError(`Protocol error: invalid bulk length ${n}`);
      if (start + n + 2 > buf.length) return undefined;
      argv[i] = buf.toString('latin1', start, start + n);
      q = start + n + 2;
    }
    const raw = buf.subarray(p, q);
    this.pos = q;
    return { argv, raw };
  }

  /** An integer after a type byte up to CRLF: [value, index after the CRLF], undefined if incomplete. */
  private readNumber(from: number): [number, number] | undefined {
    const buf = this.buf;
    let n = 0;
    let i = from;
    let negative = false;
    if (buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (c === 0x0d) {
        if (i + 1 >= buf.length) return undefined;
        if (buf[i + 1] !== 0x0a) break;
        return [negative ? -n : n, i + 2];
      }
      if (c < 0x30 || c > 0x39 || i - from > 12) break;
      n = n * 10 + (c - 0x30);
    }
    if (i >= buf.length) return undefined;
    throw new StreamError('Protocol error: invalid length');
  }
}
