// Loads an RDB from a Buffer or a stream of chunks (a file read in pieces, a replica's socket)
// into fresh databases, yielding to the event loop between slices and reporting progress. Nothing
// touches the live dataset until the whole input has been read and checked: commitLoad() then swaps
// the loaded databases in. A truncated, corrupt or wrong-checksum input rejects with RdbLoadError.
import type { ServerState } from '../engine/server-context.js';
import { Database, KeyspaceStats, type KeyspaceHooks, type KeyspaceShared } from '../structures/database.js';
import { Crc64 } from './crc64.js';
import { RDB_MAGIC, RDB_VERSION, RdbOpcode } from './rdb-format.js';
import { RdbCorrupt, RdbReader, RdbTruncated } from './rdb-reader.js';
import { readValue, type DecodeContext } from './value-codec.js';

export class RdbLoadError extends Error {}

export interface LoadOptions {
  decode: DecodeContext;
  /** How many databases the server has: a key in a database beyond them is an error. */
  databases: number;
  /** A replica keeps keys whose TTL passed (its master will send the DELs); a master drops them. */
  keepExpired?: boolean;
  /** Verify the CRC-64 (rdbchecksum yes) when the file carries one (non-zero). */
  verifyChecksum: boolean;
  /** Size of the input when known, for progress. */
  totalBytes?: number;
  sliceMs?: number;
  onProgress?: (p: LoadProgress) => void;
  /** key-load-delay: microseconds to spend per key, for tests that need a slow load (it yields, never sleeps). */
  keyDelayUs?: number;
}

export interface LoadProgress {
  bytesLoaded: number;
  totalBytes: number;
  keysLoaded: number;
  keysExpired: number;
  startedAt: number;
}

/** What an opcode handler (e.g. FUNCTION libraries, 245) sees while a load runs. */
export interface LoadSession {
  readonly version: number;
  readonly aux: Map<string, string>;
  /** Runs when the load is committed, after the databases are swapped in. */
  onCommit(apply: (state: ServerState) => void): void;
}

export type OpcodeReader = (r: RdbReader, session: LoadSession) => void;
const opcodeReaders = new Map<number, OpcodeReader>();

/** Lets another subsystem read an opcode (FUNCTION_2 = 245) without editing the loader. */
export function registerRdbOpcode(opcode: number, reader: OpcodeReader): void {
  opcodeReaders.set(opcode, reader);
}

export interface LoadedRdb {
  readonly version: number;
  /** Aux fields: redis-ver, ctime, used-mem, repl-id, repl-offset, repl-stream-db, aof-base... */
  readonly aux: Map<string, string>;
  /** Fresh databases by index (empty ones included), not yet visible to clients. */
  readonly databases: Database[];
  readonly keys: number;
  /** Keys dropped because their TTL had passed (a master's load). */
  readonly expiredSkipped: number;
  /** Bytes read (the RDB itself). */
  readonly bytes: number;
  /** Bytes the source delivered beyond the RDB's end (a replication stream after the payload). */
  readonly rest: Buffer;
  readonly commits: ((state: ServerState) => void)[];
}

const NO_HOOKS: KeyspaceHooks = {
  beforeWrite: () => undefined,
  changed: () => undefined,
  expired: () => undefined,
  flushed: () => undefined,
  swapped: () => undefined,
  missed: () => undefined,
};

function corrupt(offset: number, msg: string): RdbLoadError {
  return new RdbLoadError(`Internal error in RDB reading offset ${offset}, function at rdb.c:0 -> ${msg}`);
}

/** The incremental input: unread bytes of the chunks seen so far, consumed entry by entry. */
class Input {
  buf: Buffer = Buffer.alloc(0);
  /** Offset of buf[0] in the whole input. */
  base = 0;
  ended = false;
  private readonly iter: AsyncIterator<Buffer> | undefined;

  constructor(source: Buffer | AsyncIterable<Buffer>) {
    if (Buffer.isBuffer(source)) {
      this.buf = source;
      this.ended = true;
    } else {
      this.iter = source[Symbol.asyncIterator]();
    }
  }

  /** Reads more: at least doubling what is buffered, so an entry re-read after a short read costs O(n) overall. */
  async more(): Promise<boolean> {
    if (this.ended || this.iter === undefined) return false;
    const want = Math.max(this.buf.length * 2, this.buf.length + 64 * 1024);
    const parts = [this.buf];
    let have = this.buf.length;
    while (have < want) {
      const next = await this.iter.next();
      if (next.done === true) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      parts.push(chunk);
      have += chunk.length;
    }
    this.buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
    return true;
  }

  /** Stops the source early (an error): a file stream closes its descriptor. */
  close(): void {
    void this.iter?.return?.();
  }

  /** Drops the first n bytes (they were parsed), feeding them to the checksum. */
  consume(n: number, crc: Crc64): void {
    crc.update(this.buf, 0, n);
    this.buf = this.buf.subarray(n);
    this.base += n;
  }
}

const SHORT_READ = 'Short read or OOM loading DB. Unrecoverable error, aborting now.';

/** The parse of one RDB: the fresh databases being filled and the per-key state between opcodes. */
class RdbParse {
  readonly crc = new Crc64();
  readonly shared: KeyspaceShared;
  readonly databases: Database[];
  readonly aux = new Map<string, string>();
  readonly commits: ((state: ServerState) => void)[] = [];
  readonly progress: LoadProgress;
  readonly session: LoadSession;
  version = 0;
  done = false;
  /** key-load-delay owed since the last pause, in microseconds. */
  owedDelayUs = 0;
  private db: Database | undefined;
  private expireAt = 0;
  private idle = -1;
  private freq = -1;

  constructor(private readonly opts: LoadOptions) {
    this.shared = {
      now: Date.now(),
      hooks: NO_HOOKS,
      stats: new KeyspaceStats(),
      // Keys kept past their TTL must not be reclaimed by lazy expiry while loading.
      isReplica: opts.keepExpired === true,
      lfuLogFactor: 10,
      lfuDecayTime: 1,
      lfuPolicy: false,
    };
    this.databases = Array.from({ length: opts.databases }, (_, i) => new Database(i, this.shared));
    this.progress = { bytesLoaded: 0, totalBytes: opts.totalBytes ?? 0, keysLoaded: 0, keysExpired: 0, startedAt: Date.now() };
    const self = this;
    this.session = {
      get version() {
        return self.version;
      },
      aux: this.aux,
      onCommit: (f) => void this.commits.push(f),
    };
  }

  /** Parses whole items from the input until it runs short ('more'), the slice ends ('yield') or EOF ('done'). */
  parse(input: Input, sliceMs: number): 'more' | 'yield' | 'done' {
    const r = new RdbReader(input.buf);
    const sliceEnd = Date.now() + sliceMs;
    let n = 0;
    try {
      while (!this.done) {
        const entryStart = r.pos;
        try {
          this.step(r);
        } catch (e) {
          if (e instanceof RdbTruncated) {
            r.pos = entryStart;
            return 'more';
          }
          if (e instanceof RdbCorrupt) throw corrupt(input.base + entryStart, e.message);
          throw e;
        }
        if (this.opts.keyDelayUs !== undefined && this.opts.keyDelayUs > 0 && this.owedDelayUs >= 1000) return 'yield';
        if ((++n & 63) === 0 && Date.now() >= sliceEnd) return 'yield';
      }
      return 'done';
    } finally {
      input.consume(r.pos, this.crc);
      this.progress.bytesLoaded = input.base;
    }
  }

  /** Checks the 8 checksum bytes after EOF (RDB 5+); false when they haven't arrived yet. */
  checkTrailer(input: Input): boolean {
    if (this.version < 5) return true;
    if (input.buf.length < 8) return false;
    const stored = Buffer.from(input.buf.subarray(0, 8));
    input.buf = input.buf.subarray(8);
    input.base += 8;
    // The checksum covers everything up to and including the EOF opcode; zero means "not computed".
    const expected = this.crc.digestLE();
    const zero = stored.every((b) => b === 0);
    if (this.opts.verifyChecksum && !zero && !stored.equals(expected)) {
      const hex = (b: Buffer): string => b.readBigUInt64LE(0).toString(16).padStart(16, '0');
      throw new RdbLoadError(`Wrong RDB checksum expected: (${hex(stored)}) got (${hex(expected)}). Aborting now.`);
    }
    return true;
  }

  result(input: Input): LoadedRdb {
    this.progress.bytesLoaded = input.base;
    this.opts.onProgress?.(this.progress);
    return {
      version: this.version,
      aux: this.aux,
      databases: this.databases,
      keys: this.progress.keysLoaded,
      expiredSkipped: this.progress.keysExpired,
      bytes: input.base,
      rest: Buffer.from(input.buf),
      commits: this.commits,
    };
  }

  /** One top-level item; throws RdbTruncated (nothing applied) when the input ends inside it. */
  private step(r: RdbReader): void {
    if (this.version === 0) return this.header(r);
    const op = r.u8();
    switch (op) {
      case RdbOpcode.EOF:
        this.done = true;
        return;
      case RdbOpcode.SELECTDB: {
        const id = r.len();
        if (id >= this.opts.databases) {
          throw new RdbLoadError(`FATAL: Data file was created with a Redis server configured to handle more than ${this.opts.databases} databases. Exiting`);
        }
        this.db = this.databases[id];
        return;
      }
      case RdbOpcode.RESIZEDB:
        r.len();
        r.len();
        return;
      case RdbOpcode.EXPIRETIME_MS:
        this.expireAt = r.millis();
        return;
      case RdbOpcode.EXPIRETIME:
        this.expireAt = r.i32LE() * 1000;
        return;
      case RdbOpcode.IDLE:
        this.idle = r.len();
        return;
      case RdbOpcode.FREQ:
        this.freq = r.u8();
        return;
      case RdbOpcode.AUX: {
        const k = r.string();
        const v = r.string();
        this.aux.set(k, v);
        return;
      }
      case RdbOpcode.MODULE_AUX:
        throw new RdbCorrupt("The RDB file contains AUX module data I can't load: no matching module");
      case RdbOpcode.FUNCTION_PRE_GA:
        throw new RdbCorrupt('Pre-release function format not supported.');
    }
    const opcodeReader = opcodeReaders.get(op);
    if (opcodeReader !== undefined) return opcodeReader(r, this.session);
    this.keyValue(r, op);
  }

  private header(r: RdbReader): void {
    const magic = r.slice(9).toString('latin1');
    if (!magic.startsWith(RDB_MAGIC)) throw new RdbLoadError('Wrong signature trying to load DB from file');
    const digits = magic.slice(5);
    const v = Number(digits);
    if (!/^\d{4}$/.test(digits) || v < 1 || v > RDB_VERSION) throw new RdbLoadError(`Can't handle RDB format version ${digits}`);
    this.version = v;
  }

  private keyValue(r: RdbReader, type: number): void {
    const key = r.string();
    const value = readValue(r, type, this.opts.decode);
    const db = this.db ?? this.databases[0];
    const at = this.expireAt;
    const idle = this.idle;
    const freq = this.freq;
    this.expireAt = 0;
    this.idle = -1;
    this.freq = -1;
    // Redis skips an empty collection (an old bug could write them) with a warning.
    if (value === undefined) return;
    if (at !== 0 && at <= this.shared.now && this.opts.keepExpired !== true) {
      this.progress.keysExpired++;
      return;
    }
    const e = db.addLoaded(key, value, at);
    if (e === undefined) throw new RdbCorrupt(`RDB has duplicated key '${key}' in DB ${db.id}`);
    if (this.opts.keyDelayUs !== undefined && this.opts.keyDelayUs > 0) this.owedDelayUs += this.opts.keyDelayUs;
    if (idle >= 0) e.lru = this.shared.now - idle * 1000;
    if (freq >= 0) e.lfu = freq;
    this.progress.keysLoaded++;
  }
}

/**
 * Parses a whole RDB from a Buffer or a stream of chunks, yielding to the event loop between slices.
 * Rejects with RdbLoadError, in Redis' words where Redis has them, on a wrong signature or version,
 * a truncated input, corrupt data or a checksum mismatch; nothing live is touched either way.
 */
export async function loadRdb(source: Buffer | AsyncIterable<Buffer>, opts: LoadOptions): Promise<LoadedRdb> {
  const input = new Input(source);
  try {
    return await parseAll(input, opts);
  } catch (e) {
    input.close();
    throw e;
  }
}

async function parseAll(input: Input, opts: LoadOptions): Promise<LoadedRdb> {
  const parse = new RdbParse(opts);
  const sliceMs = opts.sliceMs ?? 2;
  for (;;) {
    const state = parse.parse(input, sliceMs);
    if (state === 'done') break;
    if (state === 'more') {
      if (!(await input.more())) throw new RdbLoadError(SHORT_READ);
      continue;
    }
    opts.onProgress?.(parse.progress);
    const pause = Math.floor(parse.owedDelayUs / 1000);
    parse.owedDelayUs -= pause * 1000;
    await new Promise<void>((res) => (pause > 0 ? setTimeout(res, pause) : setImmediate(res)));
    parse.shared.now = Date.now();
  }
  while (!parse.checkTrailer(input)) if (!(await input.more())) throw new RdbLoadError(SHORT_READ);
  return parse.result(input);
}

/** The same parse in one go, for the commands that block the server by design (DEBUG RELOAD). */
export function loadRdbSync(buf: Buffer, opts: LoadOptions): LoadedRdb {
  const input = new Input(buf);
  const parse = new RdbParse(opts);
  if (parse.parse(input, Infinity) !== 'done') throw new RdbLoadError(SHORT_READ);
  if (!parse.checkTrailer(input)) throw new RdbLoadError(SHORT_READ);
  return parse.result(input);
}
/** Makes a loaded dataset the server's: every database swapped in (watchers see a flush), then commits. */
export function commitLoad(state: ServerState, loaded: LoadedRdb): void {
  for (let i = 0; i < state.databases.length; i++) {
    const fresh = loaded.databases[i];
    if (fresh === undefined) continue;
    state.databases[i].swapWith(fresh);
  }
  for (const apply of loaded.commits) apply(state);
}
