// The maxmemory policy engine, after Redis' evict.c: which key goes when used memory is over the
// limit. LRU, LFU and volatile-ttl keep Redis' eviction pool, the best candidates met in
// `maxmemory-samples` random samples per database, carried from one eviction to the next; so an
// eviction costs a bounded number of samples and never a scan. The random policies take any key.
// The LFU counter's arithmetic (Redis' LFULogIncr and LFUDecrAndReturn) lives here too, so that
// access tracking and eviction read the counter the same way.
import type { Database, KeyEntry, KeyspaceShared } from './database.js';

export type MaxmemoryPolicy =
  | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

/** Redis' LFU_INIT_VAL: a new key starts here, so it can collect a few hits before it is a candidate. */
export const LFU_INIT_VAL = 5;
const LFU_MAX = 255;
const MINUTE_MS = 60_000;
/** Redis' EVPOOL_SIZE. */
const POOL_SIZE = 16;
/** Redis checks its time budget every 16 evicted keys. */
const KEYS_PER_CLOCK_CHECK = 16;
/** Idle time below this weighs less than one step of the LFU counter (2^42 ms is 139 years). */
const LFU_STEP = 2 ** 42;

/** The LFU counter decayed by one per `decayTime` minutes since its last access (LFUDecrAndReturn); 0 = no decay. */
export function lfuDecayed(e: KeyEntry, nowMs: number, decayTime: number): number {
  if (decayTime <= 0) return e.lfu;
  const periods = Math.floor((Math.floor(nowMs / MINUTE_MS) - e.lfuTime) / decayTime);
  return periods > 0 ? Math.max(0, e.lfu - periods) : e.lfu;
}

/** One access under an LFU policy: decay, a logarithmic increment (LFULogIncr), restart the decay clock. */
export function lfuAccess(e: KeyEntry, nowMs: number, logFactor: number, decayTime: number): void {
  let counter = lfuDecayed(e, nowMs, decayTime);
  if (counter < LFU_MAX) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    if (Math.random() < 1 / (base * logFactor + 1)) counter++;
  }
  e.lfu = counter;
  e.lfuTime = Math.floor(nowMs / MINUTE_MS);
}

interface Candidate {
  db: Database;
  entry: KeyEntry;
  /** Higher is a better candidate: idle ms (LRU), inverse frequency (LFU), nearness of expiry (TTL). */
  score: number;
}

/** 'done': under the limit; 'timeout': the time budget ran out first; 'nothing': no key qualifies. */
export type EvictionOutcome = 'done' | 'timeout' | 'nothing';

export class Evictor {
  private policyName: MaxmemoryPolicy = 'noeviction';
  samples = 5;
  /** Ascending by score: the best candidate is last (Redis' pool, filled from the right). */
  private pool: Candidate[] = [];
  /** Where the random policies look next, so every database gives up keys in turn. */
  private nextDb = 0;

  constructor(
    private readonly databases: readonly Database[],
    private readonly shared: KeyspaceShared,
    private readonly onEvicted: (db: Database, key: string) => void,
  ) {}

  get policy(): MaxmemoryPolicy {
    return this.policyName;
  }

  /** Scores of different policies don't compare, so a change of policy empties the pool. */
  set policy(p: MaxmemoryPolicy) {
    if (p !== this.policyName) this.pool = [];
    this.policyName = p;
  }

  /** Evicts keys while `over()` holds, looking at the clock every 16 keys. `budgetMs` Infinity = no limit. */
  evictWhile(over: () => boolean, budgetMs: number): EvictionOutcome {
    const start = performance.now();
    let evicted = 0;
    while (over()) {
      if (!this.evictOne()) return 'nothing';
      evicted++;
      if (evicted % KEYS_PER_CLOCK_CHECK === 0 && performance.now() - start > budgetMs) return over() ? 'timeout' : 'done';
    }
    return 'done';
  }

  /** Evicts the policy's best candidate; false when no key qualifies. */
  private evictOne(): boolean {
    const pick = this.policyName.endsWith('-random') ? this.randomCandidate() : this.pooledCandidate();
    if (pick === undefined) return false;
    const key = pick.entry.key;
    pick.db.evict(key);
    this.onEvicted(pick.db, key);
    return true;
  }

  private get allKeys(): boolean {
    return this.policyName.startsWith('allkeys-');
  }

  private candidatesIn(db: Database): number {
    return this.allKeys ? db.size : db.expiresCount;
  }

  private sample(db: Database): KeyEntry | undefined {
    return this.allKeys ? db.randomEntry() : db.randomVolatileEntry();
  }

  private randomCandidate(): Candidate | undefined {
    const n = this.databases.length;
    for (let i = 0; i < n; i++) {
      this.nextDb = (this.nextDb + 1) % n;
      const db = this.databases[this.nextDb];
      const entry = this.sample(db);
      if (entry !== undefined) return { db, entry, score: 0 };
    }
    return undefined;
  }

  /**
   * Redis' loop: top the pool up from every database, then take the best entry that is still a
   * candidate; when only stale ones were left, sample again. Fresh samples are valid within this
   * call, so the loop ends as soon as any database holds a key of the policy's kind.
   */
  private pooledCandidate(): Candidate | undefined {
    for (;;) {
      let total = 0;
      for (const db of this.databases) {
        const n = this.candidatesIn(db);
        if (n === 0) continue;
        total += n;
        this.populate(db);
      }
      if (total === 0) return undefined;
      while (this.pool.length > 0) {
        const c = this.pool.pop()!;
        if (this.stillCandidate(c)) return c;
      }
    }
  }

  private populate(db: Database): void {
    for (let i = 0; i < this.samples; i++) {
      const entry = this.sample(db);
      if (entry === undefined) return;
      this.offer({ db, entry, score: this.score(entry) });
    }
  }

  /** Redis' evictionPoolPopulate insertion: keep the pool sorted; when full, drop the worst to admit a better one. */
  private offer(c: Candidate): void {
    const pool = this.pool;
    if (pool.some((p) => p.entry === c.entry)) return;
    let k = 0;
    while (k < pool.length && pool[k].score < c.score) k++;
    if (pool.length < POOL_SIZE) {
      pool.splice(k, 0, c);
      return;
    }
    if (k === 0) return;
    pool.splice(k, 0, c);
    pool.shift();
  }

  /** A pooled key may have been deleted (or deleted and created anew) or, for volatile policies, lost its TTL since it was sampled. */
  private stillCandidate(c: Candidate): boolean {
    const e = c.entry;
    return c.db.storedEntry(e.key) === e && (this.allKeys || e.expireAt !== 0);
  }

  private score(e: KeyEntry): number {
    const now = this.shared.now;
    const idle = Math.max(0, now - e.lru);
    switch (this.policyName) {
      case 'allkeys-lfu':
      case 'volatile-lfu':
        // Less frequent first; among equally frequent keys, the one idle longest.
        return (LFU_MAX - lfuDecayed(e, now, this.shared.lfuDecayTime)) * LFU_STEP + Math.min(idle, LFU_STEP - 1);
      case 'volatile-ttl':
        return -e.expireAt;
      default:
        return idle;
    }
  }
}
