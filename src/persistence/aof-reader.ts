// Reads the commands of one AOF file the way Redis' loadSingleAppendOnlyFile does: `#` lines are
// annotations, `*argc` then `$len` + bytes + CRLF per argument; a short read is "unexpected end of
// file" (a torn tail, which aof-load-truncated may cut), anything else malformed is a format error.
import { readSync } from 'node:fs';

const CHUNK = 1 << 20;

export type ReadResult = string[] | 'eof' | 'truncated' | 'format';

export class AofReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base: number;
  private atEof = false;

  constructor(private readonly fd: number, start: number) {
    this.base = start;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** The next command, or why there is none. */
  next(): ReadResult {
    for (;;) {
      const line = this.readLine();
      if (line === null) return 'eof';
      if (line.startsWith('#')) continue;
      if (line[0] !== '*') return 'format';
      if (line.length === 1) return 'truncated';
      const argc = atoi(line.slice(1));
      if (argc < 1) return 'format';
      const argv: string[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        const header = this.readLine();
        if (header === null) return 'truncated';
        if (header[0] !== '$') return 'format';
        const len = atoi(header.slice(1));
        if (len < 0) return 'format';
        if (!this.ensure(len + 2)) return 'truncated';
        argv[j] = this.buf.toString("latin1", this.pos, this.pos + len);
        this.pos += len + 2;
      }
      return argv;
    }
  }

  /** A line up to and including '\n' (without the line end), a partial last line, or null at end of file. */
  private readLine(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl !== -1) {
        const line = this.buf.toString("latin1", this.pos, nl);
        this.pos = nl + 1;
        return line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      if (!this.fill()) {
        if (this.pos >= this.buf.length) return null;
        const rest = this.buf.toString("latin1", this.pos, this.buf.length);
        this.pos = this.buf.length;
        return rest;
      }
    }
  }

  private ensure(n: number): boolean {
    while (this.buf.length - this.pos < n) if (!this.fill()) return false;
    return true;
  }

  /** Reads the next chunk, dropping consumed bytes; false at end of file. */
  private fill(): boolean {
    if (this.atEof) return false;
    const keep = this.buf.length - this.pos;
    const size = Math.max(CHUNK, keep * 2);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.pos);
    const got = readSync(this.fd, next, keep, size - keep, this.base + this.buf.length);
    this.base += this.pos;
    this.pos = 0;
    this.buf = next.subarray(0, keep + got);
    if (got === 0) this.atEof = true;
    return got > 0;
  }
}

/** C's atoi/strtol: optional spaces and sign, then digits; 0 when there are none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}
