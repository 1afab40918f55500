// The forkless point-in-time snapshot: a whole RDB written in slices of a few milliseconds while
// clients keep reading and writing. Copy-on-write at key granularity: every key carries the id of
// the last snapshot that wrote it (KeyEntry.snapshotMark); the keyspace's beforeWrite hook writes a
// not-yet-written key's old value before it changes (into the section being written now, or into
// a pending buffer for a database not reached yet), and keys created during the snapshot are marked
// as written so the walk skips them. The file is exactly the dataset at the instant it started, and
// memory grows only by the old values of keys changed meanwhile. See docs/persistence.md.
import type { KeyspaceEvents } from '../engine/keyspace-events.js';
import type { ServerState } from '../engine/server-context.js';
import type { Database, KeyEntry } from '../structures/database.js';
import { Crc64 } from './crc64.js';
import { RdbEncoder } from './rdb-encoder.js';
import { RDB_MAGIC, RDB_VERSION, RdbOpcode } from './rdb-format.js';
import { rdbTypeOf, writeValue } from './value-codec.js';

/** Where the bytes go: a file being written, or a replica's socket. net.Socket and fs.WriteStream fit. */
export interface SnapshotSink {
  /** Takes a chunk; false asks the writer to wait for 'drain'. */
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface SnapshotOptions {
  /** rdbcompression */
  compress: boolean;
  /** rdbchecksum: without it the 8 checksum bytes are zero, as Redis writes them. */
  checksum: boolean;
  /** Extra aux fields after Redis' standard ones (repl-stream-db, repl-id, repl-offset for a full sync). */
  aux?: readonly (readonly [string, string])[];
  /** Written as the aux field aof-base (an RDB preamble of an AOF). */
  aofBase?: boolean;
  /** Longest slice of work between yields to the event loop, in ms. */
  sliceMs?: number;
  /** Bytes gathered before they are handed to the sink. */
  chunkBytes?: number;
  /**
   * rdb-key-save-delay: microseconds to spend per key, for tests that need a slow save. The walk
   * yields instead of sleeping, so clients are served meanwhile.
   */
  keyDelayUs?: number;
}

export interface SnapshotProgress {
  /** Keys in the dataset when the snapshot started. */
  readonly keysTotal: number;
  keysWritten: number;
  bytesWritten: number;
  /** Keys whose old value was saved because they changed before the walk reached them. */
  keysCopiedOnWrite: number;
}

export interface SnapshotResult {
  bytes: number;
  keys: number;
  startedAt: number;
  durationMs: number;
}

export interface SnapshotHandle {
  readonly progress: SnapshotProgress;
  /** Unix ms when the snapshot's point in time was taken. */
  readonly startedAt: number;
  /** Stops writing; `done` rejects with the reason. */
  abort(reason?: Error): void;
  readonly done: Promise<SnapshotResult>;
}

/** Sections written after the aux fields and before the databases (FUNCTION libraries: opcode 245). */
export type SnapshotSection = (enc: RdbEncoder, state: ServerState) => void;
const sections: SnapshotSection[] = [];

export function registerSnapshotSection(section: SnapshotSection): void {
  sections.push(section);
}

export class SnapshotBusyError extends Error {}

const DEFAULT_SLICE_MS = 2;
const DEFAULT_CHUNK = 256 * 1024;

/** One key as RDB writes it: expiry, LRU/LFU data, type, name, value. */
function writeKey(enc: RdbEncoder, e: KeyEntry, accessData: 'lru' | 'lfu' | 'none', now: number): void {
  if (e.expireAt !== 0) {
    enc.byte(RdbOpcode.EXPIRETIME_MS);
    enc.millis(e.expireAt);
  }
  if (accessData === 'lru') {
    enc.byte(RdbOpcode.IDLE);
    enc.len(Math.max(0, Math.floor((now - e.lru) / 1000)));
  } else if (accessData === 'lfu') {
    enc.byte(RdbOpcode.FREQ);
    enc.u8(e.lfu);
  }
  enc.byte(rdbTypeOf(e.value));
  enc.string(e.key);
  writeValue(enc, e.value);
}

function auxField(enc: RdbEncoder, name: string, value: string): void {
  enc.byte(RdbOpcode.AUX);
  enc.string(name);
  enc.string(value);
}

/** The header of an RDB: magic, version and Redis' standard aux fields. */
export function writeRdbHeader(enc: RdbEncoder, state: ServerState, opts: Pick<SnapshotOptions, 'aux' | 'aofBase'>, now: number): void {
  enc.latin1(`${RDB_MAGIC}${String(RDB_VERSION).padStart(4, '0')}`);
  auxField(enc, 'redis-ver', '7.0.15');
  auxField(enc, 'redis-bits', '64');
  auxField(enc, 'ctime', String(Math.floor(now / 1000)));
  auxField(enc, 'used-mem', String(state.usedMemory()));
  for (const [k, v] of opts.aux ?? []) auxField(enc, k, v);
  auxField(enc, 'aof-base', opts.aofBase === true ? '1' : '0');
  for (const s of sections) s(enc, state);
}

function accessDataOf(state: ServerState): 'lru' | 'lfu' | 'none' {
  const policy = state.config.get('maxmemory-policy') ?? '';
  return policy.includes('lfu') ? 'lfu' : policy.includes('lru') ? 'lru' : 'none';
}

class RunningSnapshot implements SnapshotHandle {
  readonly progress: SnapshotProgress;
  readonly startedAt: number;
  readonly done: Promise<SnapshotResult>;
  readonly epoch: number;
  private resolve!: (r: SnapshotResult) => void;
  private reject!: (e: Error) => void;
  private readonly enc: RdbEncoder;
  private readonly crc = new Crc64();
  private readonly walks: (IterableIterator<KeyEntry> | undefined)[];
  private readonly sizes: [number, number][];
  /** Which start-time database's keys each database holds now (SWAPDB exchanges them). */
  private readonly origin: number[];
  /** Old values of keys changed before their database's section started, by section. */
  private readonly pending = new Map<number, RdbEncoder>();
  private section = -1;
  private aborted: Error | undefined;
  private readonly accessData: 'lru' | 'lfu' | 'none';
  private readonly sliceMs: number;
  private readonly chunkBytes: number;
  /** Microseconds of rdb-key-save-delay owed since the last pause. */
  private owedDelayUs = 0;

  constructor(
    private readonly state: ServerState,
    private readonly sink: SnapshotSink,
    private readonly opts: SnapshotOptions,
    epoch: number,
    private readonly finished: () => void,
  ) {
    this.epoch = epoch;
    this.startedAt = Date.now();
    this.enc = new RdbEncoder({ compress: opts.compress });
    this.sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
    this.accessData = accessDataOf(state);
    // Each database's iterator is taken now: a FLUSHDB that replaces its table leaves the walk on the old one.
    this.walks = state.databases.map((db) => (db.size > 0 ? db.entries() : undefined));
    this.sizes = state.databases.map((db) => [db.size, db.expiresCount]);
    this.origin = state.databases.map((_, i) => i);
    let total = 0;
    for (const [n] of this.sizes) total += n;
    this.progress = { keysTotal: total, keysWritten: 0, bytesWritten: 0, keysCopiedOnWrite: 0 };
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // A caller that only aborts must not see an unhandled rejection.
    this.done.catch(() => undefined);
    writeRdbHeader(this.enc, state, opts, this.startedAt);
    setImmediate(() => void this.run());
  }

  abort(reason = new Error('snapshot aborted')): void {
    if (this.aborted !== undefined) return;
    this.aborted = reason;
    this.pending.clear();
    this.finished();
    this.reject(reason);
  }

  /** The keyspace is about to change or remove `e`: save its value as it was if not written yet. */
  beforeWrite(db: Database, e: KeyEntry): void {
    if (e.snapshotMark === this.epoch) return;
    e.snapshotMark = this.epoch;
    const section = this.origin[db.id];
    const now = this.startedAt;
    if (this.state.keyspace.isReplica === false && e.expireAt !== 0 && e.expireAt <= now) return;
    this.progress.keysCopiedOnWrite++;
    if (section === this.section) {
      writeKey(this.enc, e, this.accessData, now);
      this.progress.keysWritten++;
      return;
    }
    let enc = this.pending.get(section);
    if (enc === undefined) {
      enc = new RdbEncoder({ compress: this.opts.compress }, 4096);
      this.pending.set(section, enc);
    }
    writeKey(enc, e, this.accessData, now);
    this.progress.keysWritten++;
  }

  /** A key was stored: if it is new, it is not part of this snapshot. */
  created(db: Database, key: string): void {
    const e = db.storedEntry(key);
    if (e !== undefined) e.snapshotMark = this.epoch;
  }

  swapped(a: Database, b: Database): void {
    [this.origin[a.id], this.origin[b.id]] = [this.origin[b.id], this.origin[a.id]];
  }

  private async run(): Promise<void> {
    try {
      for (let i = 0; i < this.walks.length; i++) {
        const walk = this.walks[i];
        if (walk === undefined) continue;
        this.section = i;
        this.enc.byte(RdbOpcode.SELECTDB);
        this.enc.len(i);
        this.enc.byte(RdbOpcode.RESIZEDB);
        this.enc.len(this.sizes[i][0]);
        this.enc.len(this.sizes[i][1]);
        const early = this.pending.get(i);
        if (early !== undefined) {
          this.enc.bytes(early.view());
          this.pending.delete(i);
        }
        for (;;) {
          if (this.aborted !== undefined) return;
          const more = this.slice(walk);
          await this.flush();
          if (!more) break;
        }
      }
      if (this.aborted !== undefined) return;
      this.section = this.walks.length;
      this.enc.byte(RdbOpcode.EOF);
      const tail = this.enc.take();
      this.crc.update(tail);
      const sum = this.opts.checksum ? this.crc.digestLE() : Buffer.alloc(8);
      await this.emit(Buffer.concat([tail, sum]));
      if (this.aborted !== undefined) return;
      this.finished();
      this.resolve({ bytes: this.progress.bytesWritten, keys: this.progress.keysWritten, startedAt: this.startedAt, durationMs: Date.now() - this.startedAt });
    } catch (e) {
      this.abort(e as Error);
    }
  }

  /** Writes keys until the slice's time or chunk size is used up; false when the database is done. */
  private slice(walk: IterableIterator<KeyEntry>): boolean {
    const deadline = Date.now() + this.sliceMs;
    const now = this.startedAt;
    const skipExpired = !this.state.keyspace.isReplica;
    let n = 0;
    for (;;) {
      const next = walk.next();
      if (next.done === true) return false;
      const e = next.value;
      if (e.snapshotMark === this.epoch) continue;
      e.snapshotMark = this.epoch;
      if (skipExpired && e.expireAt !== 0 && e.expireAt <= now) continue;
      writeKey(this.enc, e, this.accessData, now);
      this.progress.keysWritten++;
      if (this.opts.keyDelayUs !== undefined && this.opts.keyDelayUs > 0) {
        this.owedDelayUs += this.opts.keyDelayUs;
        if (this.owedDelayUs >= 1000) return true;
      }
      if ((++n & 31) === 0 && (Date.now() >= deadline || this.enc.length >= this.chunkBytes)) return true;
    }
  }

  /** Hands what was encoded to the sink, then yields (until 'drain' when the sink is full). */
  private async flush(): Promise<void> {
    if (this.owedDelayUs >= 1000) {
      const ms = Math.floor(this.owedDelayUs / 1000);
      this.owedDelayUs -= ms * 1000;
      await new Promise<void>((r) => setTimeout(r, ms));
    }
    if (this.enc.length > 0) {
      const chunk = this.enc.take();
      this.crc.update(chunk);
      await this.emit(chunk);
    } else {
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private emit(chunk: Buffer): Promise<void> {
    this.progress.bytesWritten += chunk.length;
    const ok = this.sink.write(chunk);
    return new Promise<void>((r) => (ok ? setImmediate(r) : this.sink.once('drain', () => r())));
  }
}

/** The snapshot machinery of one server: at most one snapshot runs at a time (as one fork child in Redis). */
class Snapshots {
  running: RunningSnapshot | undefined;
  private epoch = 0;

  constructor(private readonly state: ServerState, events: KeyspaceEvents) {
    events.onBeforeWrite.push((db, e) => this.running?.beforeWrite(db, e));
    events.onChange.push((db, key, kind) => {
      if (kind === 'set' && this.running !== undefined) this.running.created(db, key);
    });
    events.onSwap.push((a, b) => this.running?.swapped(a, b));
  }

  start(sink: SnapshotSink, opts: SnapshotOptions): SnapshotHandle {
    if (this.running !== undefined) throw new SnapshotBusyError('a snapshot is already in progress');
    const snap = new RunningSnapshot(this.state, sink, opts, ++this.epoch, () => {
      if (this.running === snap) this.running = undefined;
    });
    this.running = snap;
    return snap;
  }
}

const registry = new WeakMap<ServerState, Snapshots>();

/** Wires the copy-on-write hooks of a server's keyspace; server.ts calls it once. */
export function attachSnapshots(state: ServerState, events: KeyspaceEvents): void {
  registry.set(state, new Snapshots(state, events));
}

/**
 * Starts writing a point-in-time RDB of the whole dataset to `sink`. Throws SnapshotBusyError while
 * another snapshot runs (a replica sync can wait for it and use the file, as Redis does).
 */
export function startSnapshot(state: ServerState, sink: SnapshotSink, opts: SnapshotOptions): SnapshotHandle {
  const s = registry.get(state);
  if (s === undefined) throw new Error('snapshots are not attached to this server');
  return s.start(sink, opts);
}

/** The snapshot running now, if any (INFO, FLUSHALL, SHUTDOWN). */
export function runningSnapshot(state: ServerState): SnapshotHandle | undefined {
  return registry.get(state)?.running;
}

/**
 * The whole RDB in one go, for what blocks the server by design (SAVE, SHUTDOWN, DEBUG RELOAD):
 * chunks go to `write` as they fill. Returns the bytes and keys written.
 */
export function writeSnapshotSync(state: ServerState, write: (chunk: Buffer) => void, opts: SnapshotOptions): { bytes: number; keys: number } {
  const now = Date.now();
  const enc = new RdbEncoder({ compress: opts.compress });
  const crc = new Crc64();
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK;
  const accessData = accessDataOf(state);
  const skipExpired = !state.keyspace.isReplica;
  let bytes = 0;
  let keys = 0;
  const flush = (): void => {
    const chunk = enc.take();
    crc.update(chunk);
    bytes += chunk.length;
    write(chunk);
  };
  writeRdbHeader(enc, state, opts, now);
  for (const db of state.databases) {
    if (db.size === 0) continue;
    enc.byte(RdbOpcode.SELECTDB);
    enc.len(db.id);
    enc.byte(RdbOpcode.RESIZEDB);
    enc.len(db.size);
    enc.len(db.expiresCount);
    for (const e of db.entries()) {
      if (skipExpired && e.expireAt !== 0 && e.expireAt <= now) continue;
      writeKey(enc, e, accessData, now);
      keys++;
      if (enc.length >= chunkBytes) flush();
    }
  }
  enc.byte(RdbOpcode.EOF);
  const tail = enc.take();
  crc.update(tail);
  const out = Buffer.concat([tail, opts.checksum ? crc.digestLE() : Buffer.alloc(8)]);
  bytes += out.length;
  write(out);
  return { bytes, keys };
}
