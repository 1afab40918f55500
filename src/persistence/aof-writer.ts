// The AOF writer: a propagation sink that turns the effect stream into RESP multibulks (SELECT when
// the database changes, `#TS:` annotations under aof-timestamp-enabled) and appends them to the
// current incremental file once per event-loop turn, like Redis' flushAppendOnlyFile in beforeSleep.
// Replies of the turn leave after that write (the reply barrier holds connections' output until
// then), so an acknowledged write is in the file whatever the policy. Durability per appendfsync:
// `always` also fsyncs before the replies leave (one fsync for every write of the turn), `everysec`
// fsyncs in the thread pool about once a second, `no` leaves it to the OS.
import { closeSync, fsync, fsyncSync, ftruncateSync, writeSync } from 'node:fs';
import type { Logger, ReplyBarrier } from '../engine/server-context.js';
import { encodeCommand, timestampAnnotation } from './aof-format.js';
import { errnoText } from './errno-text.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

interface Flushable {
  flush(): void;
}

export interface AofWriterOptions {
  log: Logger;
  policy: FsyncPolicy;
  timestamps: boolean;
  /** no-appendfsync-on-rewrite while a rewrite runs: write, but don't fsync. */
  fsyncSuspended: () => boolean;
  /** Called when the write status changes (MISCONF for writes while it is an error). */
  onStatus: (error: string | null) => void;
  /** appendfsync always can't go on after a failed write or fsync: Redis exits. */
  onFatal: (message: string) => void;
}

export class AofWriter implements ReplyBarrier {
  /** Commands of this turn not yet handed to the file. */
  private text = '';
  /** Bytes a failed write left to retry (everysec / no keep them and retry from the cron). */
  private retry: Buffer | null = null;
  private flushScheduled = false;
  private selectedDb = -1;
  private lastTimestamp = 0;
  /** Bytes written since the last fsync started. */
  private unsyncedBytes = 0;
  private fsyncInFlight = false;
  private lastFsync = Date.now();
  private readonly held = new Set<Flushable>();
  /** Set while held connections write: their flush must not be held again. */
  private releasing = false;
  /** Bytes of the current incremental file (written, not counting the buffer). */
  incrSize: number;
  /** Bytes this writer appended over all its files (aof_current_size grows by them). */
  appended = 0;
  lastWriteError: string | null = null;
  delayedFsyncs = 0;
  closed = false;

  readonly sink = (dbIndex: number, argv: string[]): void => this.feed(dbIndex, argv);

  constructor(private fd: number, startSize: number, private readonly opts: AofWriterOptions) {
    this.incrSize = startSize;
  }

  get policy(): FsyncPolicy {
    return this.opts.policy;
  }

  set policy(p: FsyncPolicy) {
    this.opts.policy = p;
  }

  set timestamps(on: boolean) {
    this.opts.timestamps = on;
  }

  /** Bytes waiting in memory (INFO aof_buffer_length). */
  get bufferLength(): number {
    return this.text.length + (this.retry?.length ?? 0);
  }

  get fsyncPending(): boolean {
    return this.fsyncInFlight;
  }

  /** Redis' feedAppendOnlyFile. */
  feed(dbIndex: number, argv: string[]): void {
    if (this.opts.timestamps) {
      const now = Math.floor(Date.now() / 1000);
      if (now > this.lastTimestamp) {
        this.text += timestampAnnotation(now);
        this.lastTimestamp = now;
      }
    }
    if (dbIndex !== this.selectedDb) {
      this.text += encodeCommand(['SELECT', String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.text += encodeCommand(argv);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * ReplyBarrier: replies leave after the write() of this turn's commands, as Redis writes its AOF
   * buffer in beforeSleep before any reply, so a killed process never acknowledged what it didn't
   * write; under `always` they also wait for the fsync. After a write error they go at once.
   */
  hold(transport: Flushable): boolean {
    if (this.releasing || this.lastWriteError !== null) return false;
    const unwritten = this.text.length > 0 || this.retry !== null;
    if (!unwritten && (this.opts.policy !== 'always' || this.unsyncedBytes === 0)) return false;
    this.held.add(transport);
    this.scheduleFlush();
    return true;
  }

  /** Makes everything fed so far durable now (a connection closing after its reply). */
  settle(): void {
    this.flush();
  }

  /** Writes the buffer and applies the fsync policy; then lets held replies go. */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed) return this.release();
    this.write();
    if (this.lastWriteError === null) this.applyPolicy();
    this.release();
  }

  private write(): void {
    if (this.text.length === 0 && this.retry === null) return;
    let data = Buffer.from(this.text, 'latin1');
    this.text = '';
    if (this.retry !== null) {
      data = Buffer.concat([this.retry, data]);
      this.retry = null;
    }
    let off = 0;
    try {
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException, data, off);
      return;
    }
    this.incrSize += data.length;
    this.appended += data.length;
    this.unsyncedBytes += data.length;
    if (this.lastWriteError !== null) {
      this.opts.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
      this.opts.onStatus(null);
    }
  }

  /** Redis' flushAppendOnlyFile error path: keep what wasn't written, undo a partial write if possible. */
  private writeFailed(e: NodeJS.ErrnoException, data: Buffer, written: number): void {
    const text = errnoText(e);
    if (this.opts.policy === 'always') {
      this.opts.log.warning(`Error writing to the AOF file: ${text}`);
      this.opts.onFatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      return;
    }
    let rest = data;
    if (written > 0) {
      try {
        ftruncateSync(this.fd, this.incrSize);
      } catch {
        // The partial write stays in the file: only its remainder is retried.
        this.incrSize += written;
        this.appended += written;
        rest = data.subarray(written);
      }
    }
    this.retry = rest;
    if (this.lastWriteError === null) this.opts.log.warning(`Error writing to the AOF file: ${text}`);
    this.lastWriteError = text;
    this.opts.onStatus(text);
  }

  private applyPolicy(): void {
    if (this.unsyncedBytes === 0 || this.opts.fsyncSuspended()) return;
    if (this.opts.policy === 'always') {
      try {
        fsyncSync(this.fd);
      } catch (e) {
        this.opts.onFatal(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${errnoText(e as NodeJS.ErrnoException)}. Exiting...`);
        return;
      }
      this.unsyncedBytes = 0;
      this.lastFsync = Date.now();
    } else if (this.opts.policy === 'everysec' && Date.now() - this.lastFsync >= 1000) {
      this.backgroundFsync();
    }
  }

  /** everysec: fsync in the thread pool, like Redis' bio thread; one at a time. */
  private backgroundFsync(): void {
    if (this.fsyncInFlight) {
      this.delayedFsyncs++;
      return;
    }
    this.fsyncInFlight = true;
    this.unsyncedBytes = 0;
    this.lastFsync = Date.now();
    const fd = this.fd;
    fsync(fd, (err) => {
      this.fsyncInFlight = false;
      if (err !== null && !this.closed) this.opts.log.warning(`Error fsyncing the AOF file: ${errnoText(err)}`);
    });
  }

  /** The once-a-second work: retry a failed write, the everysec fsync when writes went quiet. */
  cron(): void {
    if (this.closed) return;
    if (this.retry !== null) this.flush();
    else if (this.opts.policy === 'everysec' && this.unsyncedBytes > 0 && !this.opts.fsyncSuspended()) this.backgroundFsync();
  }

  private release(): void {
    if (this.held.size === 0) return;
    const held = [...this.held];
    this.held.clear();
    this.releasing = true;
    try {
      for (const t of held) t.flush();
    } finally {
      this.releasing = false;
    }
  }

  /** A new incremental file (after a rewrite starts): SELECT and annotation are issued again. */
  switchTo(fd: number): void {
    this.flush();
    const old = this.fd;
    if (this.opts.policy === 'always') {
      try {
        fsyncSync(old);
      } catch {
        // Every write reached the old file already; a failed final fsync is logged by the OS layer.
      }
      closeSync(old);
    } else fsync(old, () => closeSync(old));
    this.fd = fd;
    this.incrSize = 0;
    this.unsyncedBytes = 0;
    this.selectedDb = -1;
    this.lastTimestamp = 0;
  }

  /** Stops writing: everything fed is written and fsynced, the file closed (appendonly no, shutdown). */
  close(): void {
    this.flush();
    this.closed = true;
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.opts.log.warning(`Fail to fsync the AOF file: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
    closeSync(this.fd);
  }
}
