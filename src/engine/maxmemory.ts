// maxmemory enforcement, as Redis' performEvictions: called before every command (the dispatcher's
// memoryGuard) and before a memcached store. Over the limit it evicts by the policy for a time
// budget set by maxmemory-eviction-tenacity, then goes on in slices between commands, which is also
// how a CONFIG SET of maxmemory takes effect; only when nothing is left to evict (or the policy is
// noeviction) are commands that may grow memory refused with OOM.
import type { Database } from '../structures/database.js';
import { Evictor, type MaxmemoryPolicy } from '../structures/eviction.js';
import { HeapGuard } from './heap-guard.js';
import type { ServerState } from './server-context.js';

/** 'running': over the limit but still evicting in the background, which Redis doesn't count as OOM. */
type EvictionState = 'ok' | 'running' | 'fail';

/** Redis' evictionTimeLimitUs, in ms: 0..0.5 ms linearly up to tenacity 10, then +15% a step, none at 100. */
function evictionBudgetMs(tenacity: number): number {
  if (tenacity <= 10) return 0.05 * tenacity;
  if (tenacity < 100) return 0.5 * 1.15 ** (tenacity - 10);
  return Infinity;
}

export class MemoryLimit {
  private readonly evictor: Evictor;
  /** Without maxmemory, the heap limit still bounds what the process can hold. */
  readonly heap: HeapGuard;
  private maxmemory = 0;
  private budgetMs = 0;
  private lazy = false;
  /** Redis' isEvictionProcRunning: the limit was not reached within the budget, slices go on between commands. */
  private background = false;
  /** performance.now() when memory went over the limit and stayed there, 0 while within it. */
  private exceededSince = 0;
  private exceededTotalMs = 0;

  constructor(private readonly state: ServerState) {
    this.evictor = new Evictor(state.databases, state.keyspace, (db, key) => this.propagateEviction(db, key));
    this.heap = new HeapGuard(state.log, () => state.usedMemory());
    this.configure();
  }

  /** Re-reads maxmemory, the policy and its tuning after a CONFIG SET. */
  configure(): void {
    const c = this.state.config;
    this.maxmemory = c.getNumber('maxmemory');
    this.evictor.policy = c.get('maxmemory-policy') as MaxmemoryPolicy;
    this.evictor.samples = c.getNumber('maxmemory-samples');
    this.budgetMs = evictionBudgetMs(c.getNumber('maxmemory-eviction-tenacity'));
    this.lazy = c.getBool('lazyfree-lazy-eviction');
  }

  /**
   * CONFIG SET maxmemory, as Redis 7.0's updateMaxmemory: a warning when the limit is already
   * exceeded, and eviction started in the background (not inside the command: a MULTI that lowers
   * the limit still sees every key).
   */
  limitChanged(): void {
    this.configure();
    if (this.maxmemory === 0) return;
    const used = this.state.usedMemory();
    if (this.maxmemory < used) {
      this.state.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      );
    }
    this.continueInBackground();
  }

  /**
   * Makes room before something that may grow memory (a command, a memcached store): evicts if over
   * maxmemory. False means nothing could be freed, or the process is near its heap limit: reply OOM
   * (SERVER_ERROR out of memory for memcached).
   */
  ensureRoom(): boolean {
    if (!this.heap.hasRoom()) return false;
    return this.maxmemory === 0 || this.performEvictions() !== 'fail';
  }

  private performEvictions(): EvictionState {
    if (!this.mayEvict()) return 'ok';
    const result = this.evict();
    this.trackExceeded(result);
    return result;
  }

  /** CONFIG RESETSTAT: the time spent over the limit starts again from zero. */
  resetStats(): void {
    this.exceededTotalMs = 0;
    this.exceededSince = 0;
  }

  /** INFO stats: total_eviction_exceeded_time and current_eviction_exceeded_time, in ms. */
  exceededTime(): { total: number; current: number } {
    const current = this.exceededSince === 0 ? 0 : performance.now() - this.exceededSince;
    return { total: Math.floor(this.exceededTotalMs + current), current: Math.floor(current) };
  }

  /**
   * Redis' isSafeToPerformEvictions: not while loading or while a long script is suspended, on a
   * replica that ignores maxmemory, or while clients are paused (the dataset must stay still).
   */
  private mayEvict(): boolean {
    const s = this.state;
    if (s.loading || s.busyError !== null) return false;
    if (s.keyspace.isReplica && s.config.getBool('replica-ignore-maxmemory')) return false;
    return s.pause.until <= Date.now();
  }

  private evict(): EvictionState {
    const state = this.state;
    if (this.maxmemory === 0 || state.usedMemory() <= this.maxmemory) return 'ok';
    if (this.evictor.policy === 'noeviction') return 'fail';
    const start = performance.now();
    const outcome = this.evictor.evictWhile(() => state.usedMemory() > this.maxmemory, this.budgetMs);
    state.latency.add('eviction-cycle', performance.now() - start, state.config.getNumber('latency-monitor-threshold'));
    if (outcome === 'nothing') return 'fail';
    if (outcome === 'timeout') this.continueInBackground();
    return this.background ? 'running' : 'ok';
  }

  /** Redis' evictionTimeProc: one budget's worth of eviction per turn of the event loop until done. */
  private continueInBackground(): void {
    if (this.background) return;
    this.background = true;
    const slice = (): void => {
      if (this.performEvictions() === 'running') setImmediate(slice);
      else this.background = false;
    };
    setImmediate(slice);
  }

  private trackExceeded(result: EvictionState): void {
    const now = performance.now();
    if (result !== 'ok') {
      if (this.exceededSince === 0) this.exceededSince = now;
    } else if (this.exceededSince !== 0) {
      this.exceededTotalMs += now - this.exceededSince;
      this.exceededSince = 0;
    }
  }

  /** Replicas and the AOF learn an eviction as a DEL (UNLINK under lazyfree-lazy-eviction), like an expiry. */
  private propagateEviction(db: Database, key: string): void {
    this.state.propagate(db.id, [this.lazy ? 'UNLINK' : 'DEL', key]);
  }
}
