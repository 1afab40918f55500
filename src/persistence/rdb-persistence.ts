// The server's RDB policy, as Redis runs it: SAVE and BGSAVE (one background save at a time, SCHEDULE
// while another snapshot runs), save points checked by the cron, the status a failed save leaves
// (rdb_last_bgsave_status, MISCONF for writes under stop-writes-on-bgsave-error), saving on
// SHUTDOWN/SIGTERM, loading dump.rdb on start with progress, and INFO persistence's rdb_* fields.
import { existsSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerState } from '../engine/server-context.js';
import { commitLoad, RdbLoadError, type LoadProgress } from './rdb-loader.js';
import { loadRdbFile, saveRdbFileInBackground, saveRdbFileSync, type BackgroundSave } from './rdb-file.js';
import { runningSnapshot, SnapshotBusyError, type SnapshotOptions } from './snapshot.js';
import { decodeContextFrom } from './value-codec.js';

export const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** Redis waits this long after a failed BGSAVE before a save point may try again (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY_MS = 5000;

type Fields = [string, string | number][];

export class RdbPersistence {
  private bg: BackgroundSave | undefined;
  private bgStartedAt = 0;
  private bgDirtyAtStart = 0;
  private scheduled = false;
  private lastStatusOk = true;
  private lastBgsaveTry = 0;
  private lastBgsaveSeconds = -1;
  private saves = 0;
  private loadProgress: LoadProgress | undefined;
  private lastLoadKeys = 0;
  private lastLoadExpired = 0;
  private loadRdbUsedMem = 0;

  constructor(private readonly state: ServerState) {
    state.infoProviders.set('persistence', () => this.info());
  }

  get path(): string {
    return resolve(this.state.config.get('dir') ?? '.', this.state.config.get('dbfilename') ?? 'dump.rdb');
  }

  get bgsaveInProgress(): boolean {
    return this.bg !== undefined;
  }

  savePoints(): [seconds: number, changes: number][] {
    const parts = (this.state.config.get('save') ?? '').split(' ').filter((p) => p !== '').map(Number);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
    return out;
  }

  private options(): SnapshotOptions {
    const c = this.state.config;
    return { compress: c.getBool('rdbcompression'), checksum: c.getBool('rdbchecksum'), keyDelayUs: Math.max(0, c.getNumber('rdb-key-save-delay')) };
  }

  /**
   * Redis' writeCommandsDeniedByDiskError for the RDB side: a failed save, with save points and
   * stop-writes-on-bgsave-error. Also called when either option changes.
   */
  refreshWriteDenial(): void {
    const deny = !this.lastStatusOk && this.state.config.getBool('stop-writes-on-bgsave-error') && this.savePoints().length > 0;
    if (deny) this.state.writeDenied = MISCONF;
    else if (this.state.writeDenied === MISCONF) this.state.writeDenied = null;
  }

  private succeeded(dirtyAtStart: number): void {
    this.state.dirty = Math.max(0, this.state.dirty - dirtyAtStart);
    this.state.lastSave = Math.floor(Date.now() / 1000);
    this.lastStatusOk = true;
    this.saves++;
    this.refreshWriteDenial();
  }

  private failed(): void {
    this.lastStatusOk = false;
    this.refreshWriteDenial();
  }

  /** SAVE: blocks. Returns an error line or undefined. */
  save(): string | undefined {
    if (this.bg !== undefined) return 'ERR Background save already in progress';
    return this.saveNow() ? undefined : 'ERR';
  }

  /** A blocking save (SAVE, SHUTDOWN, FLUSHALL with save points); true on success. */
  saveNow(): boolean {
    const dirty = this.state.dirty;
    try {
      saveRdbFileSync(this.state, this.path, this.options());
    } catch (e) {
      this.state.log.warning(`Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${this.state.config.get('dir')}) for saving: ${(e as Error).message}`);
      this.failed();
      return false;
    }
    this.state.log.notice(`DB saved on disk`);
    this.succeeded(dirty);
    return true;
  }

  /** BGSAVE [SCHEDULE]: the reply line (status text or error). */
  bgsave(schedule: boolean): { ok: string } | { err: string } {
    if (this.bg !== undefined) return { err: 'ERR Background save already in progress' };
    if (runningSnapshot(this.state) !== undefined) {
      if (!schedule) return { err: "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible." };
      this.scheduled = true;
      return { ok: 'Background saving scheduled' };
    }
    const err = this.startBackground();
    return err === undefined ? { ok: 'Background saving started' } : { err: `ERR ${err}` };
  }

  /** Starts a background save; an error message if it couldn't start. */
  private startBackground(): string | undefined {
    this.scheduled = false;
    this.lastBgsaveTry = Date.now();
    this.bgStartedAt = Date.now();
    this.bgDirtyAtStart = this.state.dirty;
    let pending: BackgroundSave;
    try {
      pending = saveRdbFileInBackground(this.state, this.path, this.options(), String(process.pid));
    } catch (e) {
      if (e instanceof SnapshotBusyError) return e.message;
      this.state.log.warning(`Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${this.state.config.get('dir')}) for saving: ${(e as Error).message}`);
      this.lastBgsaveSeconds = 0;
      this.failed();
      return undefined;
    }
    this.bg = pending;
    this.state.log.notice(`Background saving started`);
    pending.done.then(
      () => {
        if (this.bg !== pending) return;
        this.bg = undefined;
        this.lastBgsaveSeconds = Math.round((Date.now() - this.bgStartedAt) / 1000);
        this.state.log.notice('Background saving terminated with success');
        this.succeeded(this.bgDirtyAtStart);
      },
      (e: Error) => {
        if (this.bg !== pending) return;
        this.bg = undefined;
        this.lastBgsaveSeconds = Math.round((Date.now() - this.bgStartedAt) / 1000);
        this.state.log.warning(`Background saving error: ${e.message}`);
        this.failed();
      },
    );
    return undefined;
  }

  /** Ends a running BGSAVE without touching the previous file (FLUSHALL, SHUTDOWN). */
  killBackground(reason: string): void {
    const bg = this.bg;
    if (bg === undefined) return;
    this.bg = undefined;
    this.state.log.warning(`Background saving terminated: ${reason}`);
    bg.abort(new Error(reason));
  }

  /**
   * rdb-del-sync-files: an RDB written or received only for a replica's sync is removed once used,
   * when the server persists nothing itself (save "" and appendonly no), as Redis'
   * removeRDBUsedToSyncReplicas. Replication calls this; true when a file was removed.
   */
  removeSyncFile(): boolean {
    const c = this.state.config;
    if (!c.getBool('rdb-del-sync-files') || this.savePoints().length > 0 || c.getBool('appendonly') || this.bg !== undefined) return false;
    try {
      unlinkSync(this.path);
    } catch {
      return false;
    }
    this.state.log.notice('Removing the RDB file used only for replication (rdb-del-sync-files yes)');
    return true;
  }

  /** FLUSHALL: Redis kills the saving child and, with save points, saves the now empty dataset. */
  afterFlushAll(): void {
    this.killBackground('FLUSHALL');
    if (this.savePoints().length > 0) this.saveNow();
  }

  /** Called every cron tick: save points, and a scheduled BGSAVE once no other snapshot runs. */
  cron(now: number): void {
    if (this.bg !== undefined || this.state.loading) return;
    if (runningSnapshot(this.state) !== undefined) return;
    if (this.scheduled) {
      this.startBackground();
      return;
    }
    if (this.state.dirty === 0) return;
    const sinceSave = now / 1000 - this.state.lastSave;
    for (const [seconds, changes] of this.savePoints()) {
      if (this.state.dirty < changes || sinceSave < seconds) continue;
      if (!this.lastStatusOk && now - this.lastBgsaveTry < BGSAVE_RETRY_DELAY_MS) return;
      this.state.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
      this.startBackground();
      return;
    }
  }

  /**
   * SHUTDOWN / SIGTERM: ends a running BGSAVE, saves when asked or when save points are set (unless
   * NOSAVE). An error line when the save failed and FORCE wasn't given: the server stays up.
   */
  prepareShutdown(options: { save?: boolean; force?: boolean }): string | undefined {
    this.killBackground('shutdown');
    const save = options.save ?? this.savePoints().length > 0;
    if (!save) return undefined;
    this.state.log.notice('Saving the final RDB snapshot before exiting.');
    if (this.saveNow()) return undefined;
    if (options.force === true) {
      this.state.log.warning('Error trying to save the DB. Exit anyway.');
      return undefined;
    }
    this.state.log.warning("Error trying to save the DB, can't exit.");
    return 'ERR Errors trying to SHUTDOWN. Check logs.';
  }

  /**
   * Loads dbfilename from dir if it exists, serving LOADING meanwhile; throws RdbLoadError on a bad
   * file. Returns the file's aux fields (replication restores its id and offset from them).
   */
  async loadOnStart(): Promise<Map<string, string> | undefined> {
    const path = this.path;
    if (!existsSync(path)) return undefined;
    const state = this.state;
    const started = Date.now();
    state.loading = true;
    let lastLog = started;
    try {
      const loaded = await loadRdbFile(path, {
        decode: decodeContextFrom(state.config),
        databases: state.databases.length,
        keepExpired: state.keyspace.isReplica,
        verifyChecksum: state.config.getBool('rdbchecksum'),
        keyDelayUs: Math.max(0, state.config.getNumber('key-load-delay')),
        onProgress: (p) => {
          this.loadProgress = p;
          if (Date.now() - lastLog >= 1000) {
            lastLog = Date.now();
            state.log.notice(`Loading RDB: ${this.loadedPercent().toFixed(2)}% (${p.keysLoaded} keys)`);
          }
        },
      });
      const ver = loaded.aux.get('redis-ver');
      if (ver !== undefined) state.log.notice(`Loading RDB produced by version ${ver}`);
      const ctime = Number(loaded.aux.get('ctime'));
      if (Number.isFinite(ctime)) state.log.notice(`RDB age ${Math.floor(Date.now() / 1000 - ctime)} seconds`);
      this.loadRdbUsedMem = Number(loaded.aux.get('used-mem') ?? 0);
      commitLoad(state, loaded);
      this.lastLoadKeys = loaded.keys;
      this.lastLoadExpired = loaded.expiredSkipped;
      state.log.notice(`Done loading RDB, keys loaded: ${loaded.keys}, keys expired: ${loaded.expiredSkipped}.`);
      state.log.notice(`DB loaded from disk: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
      return loaded.aux;
    } catch (e) {
      if (e instanceof RdbLoadError) {
        state.log.warning(e.message);
        throw new RdbLoadError(`Fatal error loading the DB: ${e.message}. Exiting.`);
      }
      throw e;
    } finally {
      state.loading = false;
      this.loadProgress = undefined;
    }
  }

  private loadedPercent(): number {
    const p = this.loadProgress;
    if (p === undefined || p.totalBytes === 0) return 0;
    return (p.bytesLoaded * 100) / p.totalBytes;
  }

  private info(): Fields {
    const s = this.state;
    const now = Date.now();
    const snap = runningSnapshot(s);
    const fields: Fields = [
      ['loading', s.loading ? 1 : 0], ['async_loading', 0], ['current_cow_peak', 0], ['current_cow_size', 0], ['current_cow_size_age', 0],
      ['current_fork_perc', snap === undefined || snap.progress.keysTotal === 0 ? '0.00' : ((snap.progress.keysWritten * 100) / snap.progress.keysTotal).toFixed(2)],
      ['current_save_keys_processed', snap?.progress.keysWritten ?? 0], ['current_save_keys_total', snap?.progress.keysTotal ?? 0],
    ];
    const p = this.loadProgress;
    if (s.loading && p !== undefined) {
      const elapsed = (now - p.startedAt) / 1000;
      const perc = this.loadedPercent();
      const eta = p.bytesLoaded === 0 ? 1 : Math.round(((p.totalBytes - p.bytesLoaded) * elapsed) / p.bytesLoaded);
      fields.push(
        ['loading_start_time', Math.floor(p.startedAt / 1000)], ['loading_total_bytes', p.totalBytes], ['loading_rdb_used_mem', this.loadRdbUsedMem],
        ['loading_loaded_bytes', p.bytesLoaded], ['loading_loaded_perc', perc.toFixed(2)], ['loading_eta_seconds', eta],
      );
    }
    fields.push(
      ['rdb_changes_since_last_save', s.dirty], ['rdb_bgsave_in_progress', this.bg !== undefined ? 1 : 0], ['rdb_last_save_time', s.lastSave],
      ['rdb_last_bgsave_status', this.lastStatusOk ? 'ok' : 'err'], ['rdb_last_bgsave_time_sec', this.lastBgsaveSeconds],
      ['rdb_current_bgsave_time_sec', this.bg !== undefined ? Math.round((now - this.bgStartedAt) / 1000) : -1], ['rdb_saves', this.saves],
      ['rdb_last_cow_size', 0], ['rdb_last_load_keys_expired', this.lastLoadExpired], ['rdb_last_load_keys_loaded', this.lastLoadKeys],
    );
    const aof = s.infoProviders.get('persistence-aof');
    if (aof !== undefined) fields.push(...aof());
    else {
      fields.push(
        ['aof_enabled', 0], ['aof_rewrite_in_progress', 0], ['aof_rewrite_scheduled', 0], ['aof_last_rewrite_time_sec', -1],
        ['aof_current_rewrite_time_sec', -1], ['aof_last_bgrewrite_status', 'ok'], ['aof_rewrites', 0], ['aof_rewrites_consecutive_failures', 0],
        ['aof_last_write_status', 'ok'], ['aof_last_cow_size', 0], ['module_fork_in_progress', 0], ['module_fork_last_cow_size', 0],
      );
    }
    return fields;
  }
}

const registry = new WeakMap<ServerState, RdbPersistence>();

export function attachRdbPersistence(state: ServerState): RdbPersistence {
  const p = new RdbPersistence(state);
  registry.set(state, p);
  return p;
}

/** The server's RDB persistence (commands reach it through their ServerState). */
export function rdbPersistence(state: ServerState): RdbPersistence {
  const p = registry.get(state);
  if (p === undefined) throw new Error('RDB persistence is not attached to this server');
  return p;
}
