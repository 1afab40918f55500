// The append-only file as Redis 7.0 runs it (aof.c): a manifest naming a base and incremental files
// in `appenddirname`, the writer appending the propagated effect stream to the last incremental file,
// BGREWRITEAOF writing a new base from a point-in-time view while writes go to a new incremental
// file, the manifest swapped atomically when the base is complete, history files removed after.
// Also: loading on start, CONFIG SET appendonly yes|no, automatic rewrites, INFO persistence.
import { existsSync, fstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Dispatcher } from '../engine/dispatch.js';
import { scriptingOf } from '../engine/script-runner.js';
import type { AofControl, ServerState } from '../engine/server-context.js';
import { AofLoadError, AofLoader } from './aof-loader.js';
import { AofManifest, ManifestError } from './aof-manifest.js';
import { aofSnapshotFormat } from './aof-snapshot-format.js';
import { AofWriter, type FsyncPolicy } from './aof-writer.js';
import { errnoText } from './errno-text.js';
import { saveRdbFileInBackground, saveRdbFileSync, type BackgroundSave } from './rdb-file.js';
import { runningSnapshot, type SnapshotOptions } from './snapshot.js';

export type AofState = 'off' | 'on' | 'wait-rewrite';

/** A rewrite under way: the snapshot being written and where it goes. */
interface Rewrite {
  save: BackgroundSave;
  startedAt: number;
  baseName: string;
}

/** Redis' AOF_REWRITE_LIMITE_THRESHOLD and the longest back-off, in minutes. */
const REWRITE_LIMIT_THRESHOLD = 3;
const REWRITE_LIMIT_MAX_MINUTES = 60;

export class AppendOnlyFile implements AofControl {
  state: AofState = 'off';
  private manifest: AofManifest;
  private writer: AofWriter | null = null;
  private job: Rewrite | null = null;
  /** A temp incremental file collecting writes while the first rewrite of `appendonly yes` runs. */
  private tempIncrOpen = false;
  private scheduled = false;
  private cron: NodeJS.Timeout | undefined;
  private loader: AofLoader | null = null;
  // INFO persistence
  private rewrites = 0;
  private lastRewriteSecs = -1;
  private lastRewriteOk = true;
  private consecutiveFailures = 0;
  /** aof_current_size when `appendedMark` was taken; the writer's appends since add to it. */
  private sizeMark = 0;
  private appendedMark = 0;
  private rewriteBaseSize = 0;
  private nextRewriteAllowed = 0;
  private backoffMinutes = 0;

  constructor(
    private readonly server: ServerState,
    private readonly dispatcher: Dispatcher,
  ) {
    this.manifest = new AofManifest(this.fileName);
    server.aof = this;
  }

  private get config() {
    return this.server.config;
  }

  private get log() {
    return this.server.log;
  }

  private get fileName(): string {
    return this.config.get('appendfilename')!;
  }

  get dirPath(): string {
    return join(this.config.get('dir')!, this.config.get('appenddirname')!);
  }

  private path(name: string): string {
    return join(this.dirPath, name);
  }

  get rewriteInProgress(): boolean {
    return this.job !== null;
  }

  /**
   * Start-up, as Redis' aofLoadManifestFromDisk + loadAppendOnlyFiles + aofOpenIfNeededOnServerStart:
   * with appendonly yes the AOF is the dataset; loading failures throw (the server exits 1).
   */
  async start(): Promise<void> {
    this.loadManifest();
    if (!this.config.getBool('appendonly')) return;
    this.upgradeOldStyleIfNeeded();
    await this.load();
    this.openOnStart();
    this.deleteHistoryFiles();
    this.startCron();
  }

  private loadManifest(): void {
    try {
      this.manifest = AofManifest.load(this.dirPath, this.fileName) ?? new AofManifest(this.fileName);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      this.log.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      if (e.line !== undefined) {
        this.log.warning(`Reading the manifest file, at line ${e.lineNumber}\n`);
        this.log.warning(`>>> '${e.line}'\n`);
      }
      this.log.warning(`${e.message}\n`);
      throw new AofLoadError(e.message);
    }
  }

  /** An appendonly.aof from Redis < 7 in `dir` moves into the AOF directory as the base. */
  private upgradeOldStyleIfNeeded(): void {
    const old = join(this.config.get('dir')!, this.fileName);
    if (!existsSync(old)) return;
    const m = this.manifest;
    const dirMissing = !existsSync(this.dirPath);
    const onlyOldBase = m.base !== null && m.incr.length === 0 && m.base.name === this.fileName && !existsSync(this.path(this.fileName));
    if (!dirMissing && !m.isEmpty && !onlyOldBase) return;
    this.ensureDir(true);
    const upgraded = new AofManifest(this.fileName);
    upgraded.base = { name: this.fileName, seq: 1, type: 'b' };
    upgraded.baseSeq = 1;
    upgraded.persist(this.dirPath);
    renameSync(old, this.path(this.fileName));
    this.manifest = upgraded;
    this.log.notice(`Successfully migrated an old-style AOF file (${this.fileName}) into the AOF directory (${this.config.get('appenddirname')}).`);
  }

  private async load(): Promise<void> {
    const loader = new AofLoader(this.server, this.dispatcher, this.dirPath);
    this.loader = loader;
    this.server.loading = true;
    try {
      const outcome = await loader.loadAll(this.manifest);
      if (outcome === 'ok') {
        this.sizeMark = loader.progress.totalBytes;
        this.rewriteBaseSize = this.manifest.base === null ? 0 : sizeOf(this.path(this.manifest.base.name));
      }
    } finally {
      this.server.loading = false;
      this.loader = null;
    }
  }

  /** Redis' aofOpenIfNeededOnServerStart: a base for an empty start, then the last incr file opened for append. */
  private openOnStart(): void {
    this.ensureDir(true);
    const m = this.manifest;
    const hadIncr = m.incr.length > 0;
    if (m.isEmpty) {
      const base = m.newBase(this.config.getBool('aof-use-rdb-preamble'));
      this.writeBaseNow(this.path(base.name));
      this.log.notice(`Creating AOF base file ${base.name} on server start`);
    }
    const incr = m.lastIncr();
    const fd = openSync(this.path(incr.name), 'a', 0o644);
    m.persist(this.dirPath);
    this.attachWriter(fd, fstatSync(fd).size);
    this.state = 'on';
    this.log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
  }

  /** A base of the current dataset, written before anything else runs (start-up with nothing to load). */
  private writeBaseNow(path: string): void {
    try {
      saveRdbFileSync(this.server, path, this.snapshotOptions());
    } catch (e) {
      this.log.warning(`Error writing the AOF base file ${path}: ${errnoText(e as NodeJS.ErrnoException)}`);
      throw new AofLoadError('Error writing the AOF base file');
    }
  }

  /** An RDB base (aof-use-rdb-preamble yes, aux aof-base 1) or the command format. */
  private snapshotOptions(): SnapshotOptions {
    const c = this.config;
    const base: SnapshotOptions = { compress: c.getBool('rdbcompression'), checksum: c.getBool('rdbchecksum'), aofBase: true };
    if (c.getBool('aof-use-rdb-preamble')) return base;
    const libraries = () => scriptingOf(this.server).functions.current.libraries.values();
    return { ...base, format: aofSnapshotFormat(c.getBool('aof-timestamp-enabled'), libraries) };
  }

  private ensureDir(fatal: boolean): boolean {
    try {
      mkdirSync(this.dirPath, { recursive: true });
      return true;
    } catch (e) {
      this.log.warning(`Can't open or create append-only dir ${this.config.get('appenddirname')}: ${errnoText(e as NodeJS.ErrnoException)}`);
      if (fatal) throw new AofLoadError(`Can't open or create append-only dir`);
      return false;
    }
  }

  private attachWriter(fd: number, size: number): void {
    const writer = new AofWriter(fd, size, {
      log: this.log,
      policy: this.config.get('appendfsync') as FsyncPolicy,
      timestamps: this.config.getBool('aof-timestamp-enabled'),
      // Redis skips fsync while any child (a rewrite or a BGSAVE) writes, under no-appendfsync-on-rewrite.
      fsyncSuspended: () => runningSnapshot(this.server) !== undefined && this.config.getBool('no-appendfsync-on-rewrite'),
      onStatus: (error) => this.setWriteError(error),
      onFatal: (message) => {
        this.log.warning(message);
        process.exit(1);
      },
    });
    this.writer = writer;
    this.server.sinks.push(writer.sink);
    this.updateBarrier();
  }

  private detachWriter(): void {
    const writer = this.writer;
    if (writer === null) return;
    const i = this.server.sinks.indexOf(writer.sink);
    if (i !== -1) this.server.sinks.splice(i, 1);
    writer.close();
    this.writer = null;
    this.setWriteError(null);
    this.updateBarrier();
  }

  /** MISCONF for writes while the AOF can't be written; a failed RDB save's MISCONF comes first. */
  private setWriteError(error: string | null): void {
    const s = this.server;
    if (error !== null) {
      if (s.writeDenied === null || s.writeDenied === this.deniedWith) s.writeDenied = this.deniedWith = `MISCONF Errors writing to the AOF file: ${error}`;
    } else if (this.deniedWith !== null) {
      if (s.writeDenied === this.deniedWith) s.writeDenied = null;
      this.deniedWith = null;
    }
  }

  private deniedWith: string | null = null;

  /** Replies wait for the AOF write (and the fsync under always) while the AOF is on; otherwise no barrier. */
  private updateBarrier(): void {
    this.server.replyBarrier = this.writer;
  }

  /** Options whose change the AOF applies at once (the composition root hooks them). */
  static readonly liveOptions = ['appendonly', 'appendfsync', 'aof-timestamp-enabled'];

  /** Applies a changed option; an error line refuses the CONFIG SET. */
  applyConfig(name: string, value: string): string | undefined {
    if (name === 'appendonly') return value === 'yes' ? this.enable() : this.disable();
    if (name === 'appendfsync' && this.writer !== null) this.writer.policy = value as FsyncPolicy;
    if (name === 'aof-timestamp-enabled' && this.writer !== null) this.writer.timestamps = value === 'yes';
    this.updateBarrier();
    return undefined;
  }

  /** CONFIG SET appendonly yes: Redis' startAppendOnly, a rewrite that makes the first base. */
  private enable(): string | undefined {
    if (this.state !== 'off') return undefined;
    if (!this.ensureDir(false)) return 'Unable to turn on AOF. Check server logs.';
    this.state = 'wait-rewrite';
    if (this.job !== null) {
      this.scheduled = true;
      this.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else if (this.startRewrite() !== null) {
      this.state = 'off';
      this.log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      return 'Unable to turn on AOF. Check server logs.';
    }
    this.startCron();
    return undefined;
  }

  /** CONFIG SET appendonly no: Redis' stopAppendOnly. */
  private disable(): undefined {
    if (this.state === 'off') return undefined;
    this.detachWriter();
    if (this.job !== null) {
      this.log.notice('Killing running AOF rewrite child');
      this.abortRewrite();
    }
    if (this.tempIncrOpen) {
      removeQuietly(this.path(this.tempIncrName()));
      this.tempIncrOpen = false;
    }
    this.state = 'off';
    this.scheduled = false;
    return undefined;
  }

  /** BGREWRITEAOF */
  bgrewrite(): string {
    if (this.job !== null) return 'ERR Background append only file rewriting already in progress';
    if (runningSnapshot(this.server) !== undefined) {
      this.scheduled = true;
      return 'Background append only file rewriting scheduled';
    }
    if (this.startRewrite() !== null) return "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
    return 'Background append only file rewriting started';
  }

  private tempIncrName(): string {
    return `temp-${this.fileName}.incr`;
  }

  /** Redis' rewriteAppendOnlyFileBackground; null on success, else what failed. */
  private startRewrite(): string | null {
    if (!this.ensureDir(false)) {
      this.lastRewriteOk = false;
      return 'dir';
    }
    try {
      this.openNewIncrForRewrite();
    } catch (e) {
      this.log.warning(`Can't open the append-only file: ${errnoText(e as NodeJS.ErrnoException)}`);
      this.lastRewriteOk = false;
      return 'incr';
    }
    const rdbFormat = this.config.getBool('aof-use-rdb-preamble');
    const baseName = this.manifest.clone().newBase(rdbFormat).name;
    let save: BackgroundSave;
    try {
      // The snapshot's point in time is now: the new incr file holds every write after it.
      save = saveRdbFileInBackground(this.server, this.path(baseName), this.snapshotOptions(), `rewriteaof-bg-${process.pid}`);
    } catch (e) {
      this.log.warning(`Can't rewrite append only file in background: ${errnoText(e as NodeJS.ErrnoException)}`);
      this.lastRewriteOk = false;
      return 'snapshot';
    }
    const job: Rewrite = { save, startedAt: Date.now(), baseName };
    this.job = job;
    this.scheduled = false;
    this.log.notice('Background append only file rewriting started');
    save.done.then(
      () => this.job === job && this.rewriteDone(job, rdbFormat),
      (e: Error) => this.job === job && this.rewriteFailed(job, `Background AOF rewrite terminated with error: ${e.message}`),
    );
    return null;
  }

  /** Writes from now on go to a new incremental file (or, while enabling, to the temp incr file). */
  private openNewIncrForRewrite(): void {
    if (this.state === 'off') return;
    if (this.state === 'wait-rewrite') {
      const fd = openSync(this.path(this.tempIncrName()), 'w', 0o644);
      this.tempIncrOpen = true;
      if (this.writer === null) this.attachWriter(fd, 0);
      else this.writer.switchTo(fd);
      this.log.notice(`Creating AOF incr file ${this.tempIncrName()} on background rewrite`);
      return;
    }
    const next = this.manifest.clone();
    const incr = next.newIncr();
    const fd = openSync(this.path(incr.name), 'w', 0o644);
    next.persist(this.dirPath);
    this.manifest = next;
    this.log.notice(`Creating AOF incr file ${incr.name} on background rewrite`);
    this.writer!.switchTo(fd);
  }

  /** Redis' backgroundRewriteDoneHandler: the base is durable under its name; the manifest is swapped. */
  private rewriteDone(job: Rewrite, rdbFormat: boolean): void {
    this.job = null;
    this.log.notice('Background AOF rewrite terminated with success');
    const next = this.manifest.clone();
    const base = next.newBase(rdbFormat);
    let newIncrName: string | undefined;
    try {
      if (this.state === 'wait-rewrite') {
        const incr = next.newIncr();
        renameSync(this.path(this.tempIncrName()), this.path(incr.name));
        newIncrName = incr.name;
      }
      next.markRewrittenIncrAsHistory(this.writer !== null);
      next.persist(this.dirPath);
    } catch (e) {
      return this.rewriteFailed(job, `Error trying to persist the AOF manifest after a rewrite: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
    this.manifest = next;
    this.log.notice(`Successfully renamed the temporary AOF base file into ${base.name}`);
    if (newIncrName !== undefined) {
      this.log.notice(`Successfully renamed the temporary AOF incr file ${this.tempIncrName()} into ${newIncrName}`);
      this.tempIncrOpen = false;
      this.state = 'on';
    }
    this.deleteHistoryFiles();
    this.sizeMark = sizeOf(this.path(base.name)) + (this.writer?.incrSize ?? 0);
    this.appendedMark = this.writer?.appended ?? 0;
    this.rewriteBaseSize = this.sizeMark;
    this.rewrites++;
    this.lastRewriteSecs = Math.floor((Date.now() - job.startedAt) / 1000);
    this.lastRewriteOk = true;
    this.consecutiveFailures = 0;
    this.log.notice('Background AOF rewrite finished successfully');
  }

  /** The old base and manifest stay as they were; the temp base was removed by the snapshot's file writer. */
  private rewriteFailed(job: Rewrite, message: string): void {
    if (this.job === job) this.job = null;
    removeQuietly(this.path(job.baseName));
    this.log.warning(message);
    this.lastRewriteOk = false;
    this.consecutiveFailures++;
  }

  private abortRewrite(): void {
    const job = this.job;
    if (job === null) return;
    this.job = null;
    job.save.abort(new Error('AOF rewrite stopped'));
  }

  /** History files (old bases and incr files) are removed unless aof-disable-auto-gc. */
  private deleteHistoryFiles(): void {
    const m = this.manifest;
    if (this.config.getBool('aof-disable-auto-gc') || m.history.length === 0) return;
    for (const f of m.history) {
      this.log.notice(`Removing the history file ${f.name} in the background`);
      removeQuietly(this.path(f.name));
    }
    const next = m.clone();
    next.history = [];
    try {
      next.persist(this.dirPath);
      this.manifest = next;
    } catch (e) {
      this.log.warning(`Can't persist the AOF manifest: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
  }

  private startCron(): void {
    if (this.cron !== undefined) return;
    this.cron = setInterval(() => this.tick(), 1000);
    this.cron.unref();
  }

  /** Once a second: the writer's retries and fsync, a scheduled rewrite, the automatic rewrite. */
  private tick(): void {
    this.writer?.cron();
    if (this.job !== null || runningSnapshot(this.server) !== undefined) return;
    if (this.scheduled) {
      this.startRewrite();
      return;
    }
    if (this.state !== 'on') return;
    const perc = this.config.getNumber('auto-aof-rewrite-percentage');
    const size = this.currentSize();
    if (perc === 0 || size <= this.config.getNumber('auto-aof-rewrite-min-size')) return;
    const base = this.rewriteBaseSize === 0 ? 1 : this.rewriteBaseSize;
    const growth = Math.floor((size * 100) / base) - 100;
    if (growth < perc || this.rewriteLimited()) return;
    this.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
    this.startRewrite();
  }

  /** Redis' aofRewriteLimited: after 3 failures in a row, wait 1, 2, 4 ... 60 minutes between tries. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.backoffMinutes = 0;
      this.nextRewriteAllowed = 0;
      return false;
    }
    if (this.nextRewriteAllowed !== 0) {
      if (Date.now() < this.nextRewriteAllowed) return true;
      this.nextRewriteAllowed = 0;
      return false;
    }
    this.backoffMinutes = Math.min(this.backoffMinutes === 0 ? 1 : this.backoffMinutes * 2, REWRITE_LIMIT_MAX_MINUTES);
    this.nextRewriteAllowed = Date.now() + this.backoffMinutes * 60_000;
    this.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.backoffMinutes} minutes`);
    return true;
  }

  /** Shutdown: everything written and fsynced ("Calling fsync() on the AOF file."). */
  shutdown(): void {
    if (this.cron !== undefined) clearInterval(this.cron);
    this.cron = undefined;
    this.abortRewrite();
    if (this.writer !== null) {
      this.log.notice('Calling fsync() on the AOF file.');
      this.detachWriter();
    }
  }

  /** INFO persistence from aof_enabled on, in Redis' order (the RDB side writes the fields before). */
  info(): [string, string | number][] {
    const w = this.writer;
    const fields: [string, string | number][] = [
      ['aof_enabled', this.state === 'off' ? 0 : 1],
      ['aof_rewrite_in_progress', this.job !== null ? 1 : 0],
      ['aof_rewrite_scheduled', this.scheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteSecs],
      ['aof_current_rewrite_time_sec', this.job === null ? -1 : Math.floor((Date.now() - this.job.startedAt) / 1000)],
      ['aof_last_bgrewrite_status', this.lastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', w?.lastWriteError == null ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (this.state === 'off') return fields;
    fields.push(
      ['aof_current_size', this.currentSize()],
      ['aof_base_size', this.rewriteBaseSize],
      ['aof_pending_rewrite', this.scheduled ? 1 : 0],
      ['aof_buffer_length', w?.bufferLength ?? 0],
      ['aof_pending_bio_fsync', w?.fsyncPending === true ? 1 : 0],
      ['aof_delayed_fsync', w?.delayedFsyncs ?? 0],
    );
    return fields;
  }

  /** loading_* fields while the AOF loads (INFO persistence shows them after current_save_keys_total). */
  loadingInfo(): [string, string | number][] {
    const l = this.loader;
    if (l === null || l.progress.startedAt === 0) return [];
    const p = l.progress;
    const perc = p.totalBytes === 0 ? 0 : (p.loadedBytes / p.totalBytes) * 100;
    const elapsed = (Date.now() - p.startedAt) / 1000;
    const eta = p.loadedBytes === 0 ? 1 : Math.round(((p.totalBytes - p.loadedBytes) * elapsed) / p.loadedBytes);
    return [
      ['loading_start_time', Math.floor(p.startedAt / 1000)],
      ['loading_total_bytes', p.totalBytes],
      ['loading_rdb_used_mem', 0],
      ['loading_loaded_bytes', p.loadedBytes],
      ['loading_loaded_perc', perc.toFixed(2)],
      ['loading_eta_seconds', eta],
    ];
  }

  /** Redis' aof_current_size: the files as loaded or rewritten, plus what was appended since. */
  private currentSize(): number {
    return this.sizeMark + (this.writer?.appended ?? 0) - this.appendedMark;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to clean up.
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
