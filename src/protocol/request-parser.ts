// RESP request parser: multibulk and inline requests, straight into latin1 strings, with Redis' limits
// and Redis' own protocol error texts. Pull-based (`next()`), so the connection can stop mid-batch
// when a client blocks or the server pauses clients, and resume later without re-parsing.

import { constants } from 'node:buffer';

/** The longest JS string V8 can make: a bulk beyond it can't become an argument, whatever the config says. */
export const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Redis' PROTO_INLINE_MAX_SIZE: the longest line (inline command or count header) without a newline. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Redis 7 accepts multibulk counts up to INT_MAX; the query buffer limit bounds what they can cost. */
export const MULTIBULK_MAX_COUNT = 2147483647;
/** Before AUTH, Redis only accepts small requests, so unauthenticated clients can't make it allocate. */
const UNAUTHENTICATED_MAX_COUNT = 10;
const UNAUTHENTICATED_MAX_BULK = 16384;

/** Node's own fast latin1 decoder (what buf.toString('latin1', s, e) calls after checking its arguments). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLength: number;
  /** client-query-buffer-limit: bytes of one pending, not yet complete request */
  maxQueryBuffer: number;
}

/** A protocol error: the reply to send (without the leading '-') before closing the connection. */
export class ProtocolError {
  constructor(readonly message: string, readonly reply: boolean = true) {}
}

export type ParseResult = string[] | ProtocolError | undefined;

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  // Chunks held back while a large bulk is incomplete, so a 100 MB value costs one concat, not thousands.
  private held: Buffer[] = [];
  private heldLength = 0;
  private need = 0;

  // State of a partially received multibulk request.
  private argsLeft = 0;
  private args: string[] = [];
  private bulkLength = -1;
  private partialBytes = 0;
  /** Set once a protocol error was returned: the connection is closing and nothing more is parsed. */
  failed = false;

  /** False while the client has not authenticated (only then do the small limits apply). */
  authenticated = true;

  constructor(public limits: ParserLimits) {}

  /** Bytes received and not yet turned into a complete request. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.heldLength + this.partialBytes;
  }

  feed(chunk: Buffer): void {
    if (this.need > 0) {
      this.held.push(chunk);
      this.heldLength += chunk.length;
      if (this.heldLength < this.need) return;
      this.held.unshift(this.buf.subarray(this.pos));
      this.buf = Buffer.concat(this.held);
      this.pos = 0;
      this.held = [];
      this.heldLength = 0;
      this.need = 0;
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next complete request, a protocol error (fatal), or undefined when more bytes are needed. */
  next(): ParseResult {
    if (this.failed || this.need > 0) return undefined;
    for (;;) {
      if (this.argsLeft === 0) {
        if (this.pos >= this.buf.length) return this.release();
        if (this.buf[this.pos] === STAR) {
          const header = this.readMultibulkHeader();
          if (header === undefined) return this.checkQueryLimit();
          if (header instanceof ProtocolError) return this.fail(header);
          if (header <= 0) continue;
          this.argsLeft = header;
          this.args = [];
        } else {
          const inline = this.readInline();
          if (inline === undefined) return this.checkQueryLimit();
          if (inline instanceof ProtocolError) return this.fail(inline);
          if (inline.length === 0) continue;
          return inline;
        }
      }
      const done = this.readBulks();
      if (done === undefined) return this.checkQueryLimit();
      if (done instanceof ProtocolError) return this.fail(done);
      const args = this.args;
      this.args = [];
      this.partialBytes = 0;
      return args;
    }
  }

  private release(): undefined {
    // Drop the reference to a fully consumed chunk so big requests don't stay alive between reads.
    if (this.buf.length > 0) {
      this.buf = Buffer.alloc(0);
      this.pos = 0;
    }
    return undefined;
  }

  private fail(err: ProtocolError): ProtocolError {
    this.failed = true;
    return err;
  }

  private checkQueryLimit(): ProtocolError | undefined {
    if (this.pendingBytes > this.limits.maxQueryBuffer) {
      return this.fail(new ProtocolError('query buffer limit', false));
    }
    return undefined;
  }

  private findCRLF(from: number): number {
    const i = this.buf.indexOf(CR, from);
    if (i === -1 || i + 1 >= this.buf.length) return -1;
    if (this.buf[i + 1] === LF) return i;
    // A lone CR inside a header line: Redis searches for "\r" and then fails the number parse.
    return i;
  }

  private readMultibulkHeader(): number | ProtocolError | undefined {
    const eol = this.findCRLF(this.pos);
    if (eol === -1) {
      if (this.buf.length - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big mbulk count string');
      return undefined;
    }
    if (eol - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big mbulk count string');
    const n = parseDecimal(this.buf, this.pos + 1, eol);
    if (n !== undefined && !this.authenticated && n > UNAUTHENTICATED_MAX_COUNT) return new ProtocolError('Protocol error: unauthenticated multibulk length');
    if (n === undefined || n > MULTIBULK_MAX_COUNT) return new ProtocolError('Protocol error: invalid multibulk length');
    this.pos = eol + 2;
    return n;
  }

  private readBulks(): true | ProtocolError | undefined {
    const buf = this.buf;
    while (this.argsLeft > 0) {
      if (this.bulkLength === -1) {
        const eol = this.findCRLF(this.pos);
        if (eol === -1) {
          if (buf.length - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big bulk count string');
          return undefined;
        }
        if (eol - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big bulk count string');
        if (buf[this.pos] !== DOLLAR) {
          return new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        }
        const n = parseDecimal(buf, this.pos + 1, eol);
        if (n !== undefined && !this.authenticated && n > UNAUTHENTICATED_MAX_BULK) return new ProtocolError('Protocol error: unauthenticated bulk length');
        if (n === undefined || n < 0 || n > this.limits.maxBulkLength || n > MAX_STRING_LENGTH) return new ProtocolError('Protocol error: invalid bulk length');
        this.bulkLength = n;
        this.pos = eol + 2;
      }
      const available = buf.length - this.pos;
      if (available < this.bulkLength + 2) {
        // Hold further chunks until the whole bulk is here, unless the client would exceed its limit first.
        const missing = this.bulkLength + 2 - available;
        if (this.bulkLength >= 32 * 1024) this.need = missing;
        return undefined;
      }
      // Like Redis, the two bytes after the bulk are skipped without being checked.
      const arg = (buf as Latin1Buffer).latin1Slice(this.pos, this.pos + this.bulkLength);
      this.args.push(arg);
      this.partialBytes += this.bulkLength;
      this.pos += this.bulkLength + 2;
      this.bulkLength = -1;
      this.argsLeft--;
    }
    return true;
  }

  private readInline(): string[] | ProtocolError | undefined {
    const nl = this.buf.indexOf(LF, this.pos);
    if (nl === -1) {
      if (this.buf.length - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big inline request');
      return undefined;
    }
    if (nl - this.pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big inline request');
    const end = nl > this.pos && this.buf[nl - 1] === CR ? nl - 1 : nl;
    const line = (this.buf as Latin1Buffer).latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === undefined) return new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }
}

/** Parses a signed decimal in buf[from, to) exactly (Redis' string2ll rules); undefined if invalid. */
function parseDecimal(buf: Buffer, from: number, to: number): number | undefined {
  if (from >= to || to - from > 20) return undefined;
  let i = from;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
    if (i === to) return undefined;
  }
  let n = 0;
  for (; i < to; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) return undefined;
  return negative ? -n : n;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

function hexValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Splits a line into arguments the way Redis' sdssplitargs does: whitespace separates, "double quotes"
 * understand \xHH \n \r \t \b \a escapes, 'single quotes' only \'. Undefined for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      if (inDouble) {
        if (i >= n) return undefined;
        const c = line[i];
        if (c === '\\' && i + 3 < n && line[i + 1] === 'x' && hexValue(line[i + 2]) >= 0 && hexValue(line[i + 3]) >= 0) {
          current += String.fromCharCode(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inDouble = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (i >= n) return undefined;
        const c = line[i];
        if (c === '\\' && i + 1 < n && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inSingle = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (isSpace(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    out.push(current);
  }
}
