// The multi-part AOF's manifest, as Redis 7.0 names and writes it: which base file, which
// incremental files (in order) and which history files make up the append-only file.
// Lines read `file <name> seq <n> type <b|i|h>`; a name that needs quoting is written as
// sdscatrepr would and read back as sdssplitargs does.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { escapeMonitorArg } from '../engine/dispatch.js';
import { splitArgs } from '../protocol/request-parser.js';

export type AofFileType = 'b' | 'i' | 'h';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

/** A manifest error, in Redis' words; loading stops with it (exit 1). */
export class ManifestError extends Error {
  constructor(message: string, readonly line?: string, readonly lineNumber?: number) {
    super(message);
  }
}

const MAX_LINE = 1024;

export class AofManifest {
  base: AofFileInfo | null = null;
  incr: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  constructor(readonly fileName: string) {}

  clone(): AofManifest {
    const m = new AofManifest(this.fileName);
    m.base = this.base === null ? null : { ...this.base };
    m.incr = this.incr.map((f) => ({ ...f }));
    m.history = this.history.map((f) => ({ ...f }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  get isEmpty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /** Base then incremental files: what loading replays, in order. */
  get loadOrder(): AofFileInfo[] {
    return this.base === null ? [...this.incr] : [this.base, ...this.incr];
  }

  /** A new base name (`appendonly.aof.N.base.rdb|aof`); the previous base becomes history. */
  newBase(rdbFormat: boolean): AofFileInfo {
    if (this.base !== null) this.history.unshift({ ...this.base, type: 'h' });
    this.baseSeq++;
    this.base = { name: `${this.fileName}.${this.baseSeq}.base.${rdbFormat ? 'rdb' : 'aof'}`, seq: this.baseSeq, type: 'b' };
    return this.base;
  }

  /** A new incremental file appended to the list (`appendonly.aof.N.incr.aof`). */
  newIncr(): AofFileInfo {
    this.incrSeq++;
    const info: AofFileInfo = { name: `${this.fileName}.${this.incrSeq}.incr.aof`, seq: this.incrSeq, type: 'i' };
    this.incr.push(info);
    return info;
  }

  /** The incremental file writes go to: the last one, or a new one when there is none. */
  lastIncr(): AofFileInfo {
    return this.incr[this.incr.length - 1] ?? this.newIncr();
  }

  /** After a rewrite: every incremental file but the one being written (if any) becomes history. */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const kept = keepLast && this.incr.length > 0 ? [this.incr[this.incr.length - 1]] : [];
    const done = this.incr.slice(0, this.incr.length - kept.length);
    for (const f of done) this.history.unshift({ ...f, type: 'h' });
    this.incr = kept;
  }

  toString(): string {
    let out = '';
    for (const f of [...(this.base === null ? [] : [this.base]), ...this.history, ...this.incr]) {
      out += `file ${quoteIfNeeded(f.name)} seq ${f.seq} type ${f.type}\n`;
    }
    return out;
  }

  static parse(fileName: string, text: string): AofManifest {
    const m = new AofManifest(fileName);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new ManifestError('Found an empty AOF manifest');
    let maxSeq = 0;
    lines.forEach((raw, i) => {
      const lineNumber = i + 1;
      if (raw.startsWith('#')) return;
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const fail = (msg: string): never => {
        throw new ManifestError(msg, line, lineNumber);
      };
      if (raw.length > MAX_LINE) fail('The AOF manifest file contains too long line');
      if (line === '') fail('Invalid AOF manifest file format');
      const argv = splitArgs(line);
      if (argv === undefined || argv.length < 6 || argv.length % 2 !== 0) fail('Invalid AOF manifest file format');
      let name: string | undefined;
      let seq = 0;
      let type = '';
      for (let j = 0; j < argv!.length; j += 2) {
        const key = argv![j].toLowerCase();
        const value = argv![j + 1];
        if (key === 'file') {
          name = value;
          if (basename(value) !== value) fail("File can't be a path, just a filename");
        } else if (key === 'seq') seq = atoll(value);
        else if (key === 'type') type = value[0] ?? '';
      }
      if (name === undefined || seq === 0 || type === '') fail('Invalid AOF manifest file format');
      const info = { name: name!, seq, type: type as AofFileType };
      if (type === 'b') {
        if (m.base !== null) fail('Found duplicate base file information');
        m.base = info;
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push(info);
      } else if (type === 'i') {
        if (seq <= maxSeq) fail('Found a non-monotonic sequence number');
        m.incr.push(info);
        m.incrSeq = seq;
        maxSeq = seq;
      } else fail('Unknown AOF file type');
    });
    return m;
  }

  /** Reads `<dir>/<appendfilename>.manifest`; null when the directory or the manifest doesn't exist. */
  static load(dir: string, fileName: string): AofManifest | null {
    const path = join(dir, manifestName(fileName));
    if (!existsSync(path)) return null;
    return AofManifest.parse(fileName, readFileSync(path, 'latin1'));
  }

  /** Writes the manifest as Redis does: a temp file, fsync, rename over the real one, fsync the directory. */
  persist(dir: string): void {
    const tmp = join(dir, `temp-${manifestName(this.fileName)}`);
    writeFileDurably(tmp, Buffer.from(this.toString(), 'latin1'));
    renameSync(tmp, join(dir, manifestName(this.fileName)));
    fsyncDir(dir);
  }
}

export function manifestName(fileName: string): string {
  return `${fileName}.manifest`;
}

/** Writes and fsyncs a whole file. */
export function writeFileDurably(path: string, data: Buffer): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or a new file in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** C's atoll: leading digits (after an optional sign), 0 when none. */
function atoll(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

/** Redis' sdsneedsrepr: quote names with spaces, quotes, backslashes or unprintable bytes. */
function quoteIfNeeded(name: string): string {
  return /^[\x21-\x7e]*$/.test(name) && !/["\\]/.test(name) ? name : `"${escapeMonitorArg(name)}"`;
}
