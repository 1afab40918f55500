// BGREWRITEAOF's job: a new base file from a point-in-time view of the dataset, written in slices
// of a few ms so clients keep being served, to a temp file that is fsynced before the manager
// renames it into place. What the view yields is the dataset at the instant the rewrite started.
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { RedisValue } from '../structures/values.js';
import { encodeCommand, timestampAnnotation } from './aof-format.js';
import { keyAsCommands } from './aof-base-commands.js';

/** A point-in-time walk over every database (the snapshot's copy-on-write keeps it exact). */
export interface PointInTimeView {
  /** Visits keys until `deadline` (performance.now() ms); true once every key was visited. */
  step(deadline: number, visit: (dbIndex: number, key: string, value: RedisValue, expireAt: number) => void): boolean;
  /** Ends the view (done or aborted): copy-on-write stops. */
  close(): void;
}

/** How a base file is encoded: Redis' AOF commands, or an RDB image (aof-use-rdb-preamble). */
export interface BaseEncoder {
  readonly format: 'aof' | 'rdb';
  /** Bytes to write for one key (in database `dbIndex`). */
  key(dbIndex: number, key: string, value: RedisValue, expireAt: number): Buffer | string;
  /** Bytes that close the file. */
  end(): Buffer | string;
}

/** The AOF-format base: SELECT per database, then each live key's commands. */
export class AofBaseEncoder implements BaseEncoder {
  readonly format = 'aof' as const;
  private db = -1;
  /** The `#TS:` annotation a base starts with under aof-timestamp-enabled. */
  private header: string;

  constructor(private readonly now: number, timestamps: boolean) {
    this.header = timestamps ? timestampAnnotation(Math.floor(now / 1000)) : '';
  }

  key(dbIndex: number, key: string, value: RedisValue, expireAt: number): string {
    // A key already expired when the rewrite started is not written, as in Redis.
    if (expireAt !== 0 && expireAt < this.now) return '';
    let out = this.header;
    this.header = '';
    if (dbIndex !== this.db) {
      out += encodeCommand(['SELECT', String(dbIndex)]);
      this.db = dbIndex;
    }
    return out + keyAsCommands(key, value, expireAt);
  }

  end(): string {
    const out = this.header;
    this.header = '';
    return out;
  }
}

const SLICE_MS = 4;
const WRITE_CHUNK = 1 << 20;

export class RewriteJob {
  private readonly fd: number;
  private pending: (Buffer | string)[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Immediate | undefined;
  private finished = false;
  readonly startedAt = Date.now();
  /** Bytes written to the temp file so far. */
  written = 0;

  constructor(
    readonly tempPath: string,
    private readonly view: PointInTimeView,
    private readonly encoder: BaseEncoder,
    private readonly done: (error: Error | null) => void,
  ) {
    this.fd = openSync(tempPath, 'w', 0o644);
  }

  /** Starts the sliced walk. */
  start(): void {
    this.timer = setImmediate(() => this.slice());
  }

  /** Runs the whole walk now (a base made at start-up, before anything else runs). */
  runToEnd(): void {
    this.slice(Infinity);
  }

  private slice(budgetMs = SLICE_MS): void {
    this.timer = undefined;
    try {
      const complete = this.view.step(performance.now() + budgetMs, (db, key, value, expireAt) => {
        const bytes = this.encoder.key(db, key, value, expireAt);
        if (bytes.length === 0) return;
        this.pending.push(bytes);
        this.pendingBytes += bytes.length;
        if (this.pendingBytes >= WRITE_CHUNK) this.writePending();
      });
      if (!complete) {
        this.timer = setImmediate(() => this.slice());
        return;
      }
      this.pending.push(this.encoder.end());
      this.writePending();
      fsyncSync(this.fd);
      this.finish(null);
    } catch (e) {
      this.finish(e as Error);
    }
  }

  private writePending(): void {
    const data = Buffer.concat(this.pending.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    this.written += data.length;
  }

  /** Stops the job (appendonly no, FLUSHALL-free shutdown): the temp file is removed. */
  abort(): void {
    if (this.finished) return;
    if (this.timer !== undefined) clearImmediate(this.timer);
    this.finished = true;
    this.view.close();
    closeSync(this.fd);
    removeQuietly(this.tempPath);
  }

  private finish(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.view.close();
    closeSync(this.fd);
    if (error !== null) removeQuietly(this.tempPath);
    this.done(error);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to clean up.
  }
}
