// The keyspace of one logical database: the only way to touch a key. Lookups expire lazily; every
// change goes through setKey/delete/touchValue so the hooks (WATCH, keyspace events, snapshot
// copy-on-write, memory accounting, blocked clients) see it. Commands never reach into the tables.
import { Dict, type DictEntry } from './dict.js';
import { LFU_INIT_VAL, lfuAccess } from './eviction.js';
import { entryBytes, type RedisValue } from './values.js';

export class KeyEntry implements DictEntry {
  hash = 0;
  next: KeyEntry | null = null;
  /** Absolute expiry in ms, 0 when the key is persistent. */
  expireAt = 0;
  /** Position in the database's volatile list, -1 when not volatile. */
  volatileIndex = -1;
  /** Last access in ms (LRU) — OBJECT IDLETIME. */
  lru: number;
  /** Logarithmic access counter (LFU) — OBJECT FREQ. */
  lfu = LFU_INIT_VAL;
  /** Minutes-clock of the last LFU decrement. */
  lfuTime: number;
  /** Bytes this key was last accounted at. */
  mem = 0;
  /** Id of the last snapshot that wrote this key (or saved its old value before a change): copy-on-write. */
  snapshotMark = 0;
  constructor(readonly key: string, public value: RedisValue, now: number) {
    this.lru = now;
    this.lfuTime = Math.floor(now / 60000);
  }
}

export type ChangeKind = 'set' | 'modify' | 'delete' | 'expire' | 'evict' | 'flush';

/** What the server hangs off the keyspace. Implementations must not mutate keys from inside a hook. */
export interface KeyspaceHooks {
  /** About to change or remove an existing key: a running snapshot saves the old value here. */
  beforeWrite(db: Database, entry: KeyEntry): void;
  /** A key changed (WATCH, client-side caching, blocked clients waiting on it). */
  changed(db: Database, key: string, kind: ChangeKind): void;
  /** A key was removed because its TTL passed: keyspace event and the propagated DEL. */
  expired(db: Database, key: string): void;
  /** Whole database emptied (FLUSHDB/FLUSHALL/SWAPDB): every watcher of it is dirty. */
  flushed(db: Database): void;
  /** Two databases exchanged their contents (SWAPDB): a running snapshot follows its keys. */
  swapped(a: Database, b: Database): void;
  /** A reading command looked for a key that isn't there (the `keymiss` keyspace event). */
  missed(db: Database, key: string): void;
}

/** Counters shared by all databases (INFO stats). */
export class KeyspaceStats {
  hits = 0;
  misses = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  expiredStalePercent = 0;
  expiredTimeCapReached = 0;
}

/** State shared by every Database: the command clock, the hooks, accounting, role. */
export interface KeyspaceShared {
  /** The time commands see: fixed for one command, a MULTI/EXEC or a script, like Redis' cached mstime. */
  now: number;
  hooks: KeyspaceHooks;
  stats: KeyspaceStats;
  /** A replica never deletes expired keys itself; it hides them and waits for the master's DEL. */
  isReplica: boolean;
  /** LFU counter growth: lfu-log-factor and lfu-decay-time. */
  lfuLogFactor: number;
  lfuDecayTime: number;
  lfuPolicy: boolean;
}

export class Database {
  private dict = new Dict<KeyEntry>();
  private volatile: KeyEntry[] = [];
  /** Running estimate of the TTL of volatile keys, for INFO keyspace's avg_ttl (as Redis keeps it). */
  avgTtl = 0;
  /** Bytes accounted to this database's keys and values. */
  usedBytes = 0;

  constructor(readonly id: number, private readonly shared: KeyspaceShared) {}

  get size(): number {
    return this.dict.size;
  }

  get expiresCount(): number {
    return this.volatile.length;
  }

  /** The entry if the key exists and hasn't expired; expires it lazily otherwise. No stats. */
  entry(key: string): KeyEntry | undefined {
    const e = this.dict.get(key);
    if (e === undefined) return undefined;
    if (e.expireAt !== 0 && e.expireAt <= this.shared.now) {
      if (this.shared.isReplica) return undefined;
      this.expireEntry(e);
      return undefined;
    }
    return e;
  }

  /** The stored entry even if its TTL has passed, without expiring it (WATCH must not delete keys). */
  storedEntry(key: string): KeyEntry | undefined {
    return this.dict.get(key);
  }

  /** For reading commands: counts hits/misses and updates access data. */
  lookupRead(key: string): RedisValue | undefined {
    const e = this.entry(key);
    if (e === undefined) {
      this.shared.stats.misses++;
      this.shared.hooks.missed(this, key);
      return undefined;
    }
    this.shared.stats.hits++;
    this.touchAccess(e);
    return e.value;
  }

  /** For writing commands: the value to modify in place (call touchValue after) or undefined. */
  lookupWrite(key: string): RedisValue | undefined {
    const e = this.entry(key);
    if (e === undefined) return undefined;
    this.touchAccess(e);
    this.shared.hooks.beforeWrite(this, e);
    return e.value;
  }

  /** Reads without counting stats or touching access data (TYPE-like peeks, SCAN filters, OBJECT). */
  peek(key: string): RedisValue | undefined {
    return this.entry(key)?.value;
  }

  exists(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** Stores a value (new key or overwrite). The TTL is cleared unless keepTtl. */
  setKey(key: string, value: RedisValue, keepTtl = false): void {
    const e = this.entry(key);
    if (e !== undefined) {
      this.shared.hooks.beforeWrite(this, e);
      e.value = value;
      if (!keepTtl && e.expireAt !== 0) this.clearExpire(e);
      this.touchAccess(e);
      this.account(e);
      this.shared.hooks.changed(this, key, 'set');
      return;
    }
    const fresh = new KeyEntry(key, value, this.shared.now);
    this.dict.add(fresh);
    this.account(fresh);
    this.shared.hooks.changed(this, key, 'set');
  }

  /**
   * Loading (RDB into a fresh database): adds a key that must not exist yet, with its expiry, in one
   * look-up and without signals; undefined when the key is already there (a duplicate in the file).
   */
  addLoaded(key: string, value: RedisValue, expireAt: number): KeyEntry | undefined {
    if (this.dict.has(key)) return undefined;
    const e = new KeyEntry(key, value, this.shared.now);
    this.dict.add(e);
    this.account(e);
    if (expireAt !== 0) {
      e.volatileIndex = this.volatile.length;
      this.volatile.push(e);
      e.expireAt = expireAt;
    }
    return e;
  }

  /** After a value was modified in place (after lookupWrite): accounting and change signal. */
  touchValue(key: string): void {
    const e = this.dict.get(key);
    if (e === undefined) return;
    this.account(e);
    this.shared.hooks.changed(this, key, 'modify');
  }

  delete(key: string): boolean {
    const e = this.entry(key);
    if (e === undefined) return false;
    this.removeEntry(e, 'delete');
    return true;
  }

  /** Removes a key chosen by the eviction policy. */
  evict(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    this.removeEntry(e, 'evict');
    this.shared.stats.evictedKeys++;
    return true;
  }

  /** Absolute expiry (ms) of a live key: 0 when persistent, undefined when missing. */
  getExpire(key: string): number | undefined {
    const e = this.entry(key);
    return e === undefined ? undefined : e.expireAt;
  }

  setExpire(key: string, at: number): boolean {
    const e = this.entry(key);
    if (e === undefined) return false;
    this.shared.hooks.beforeWrite(this, e);
    if (e.volatileIndex === -1) {
      e.volatileIndex = this.volatile.length;
      this.volatile.push(e);
    }
    e.expireAt = at;
    this.shared.hooks.changed(this, key, 'modify');
    return true;
  }

  /** Removes a TTL; true if there was one. */
  persist(key: string): boolean {
    const e = this.entry(key);
    if (e === undefined || e.expireAt === 0) return false;
    this.shared.hooks.beforeWrite(this, e);
    this.clearExpire(e);
    this.shared.hooks.changed(this, key, 'modify');
    return true;
  }

  /** Renames, keeping the TTL (RENAME/MOVE build on delete + restore). */
  restore(key: string, value: RedisValue, expireAt: number): void {
    this.setKey(key, value);
    if (expireAt !== 0) this.setExpire(key, expireAt);
  }

  flush(): number {
    const n = this.dict.size;
    this.dict = new Dict<KeyEntry>();
    this.volatile = [];
    this.usedBytes = 0;
    this.shared.hooks.flushed(this);
    return n;
  }

  /** Exchanges the whole content with another database (SWAPDB). */
  swapWith(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.volatile, other.volatile] = [other.volatile, this.volatile];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    [this.usedBytes, other.usedBytes] = [other.usedBytes, this.usedBytes];
    this.shared.hooks.swapped(this, other);
    this.shared.hooks.flushed(this);
    this.shared.hooks.flushed(other);
  }

  /** A random live key, like RANDOMKEY (expired keys met on the way are reclaimed). */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      const e = this.dict.random();
      if (e === undefined) return undefined;
      if (e.expireAt !== 0 && e.expireAt <= this.shared.now) {
        if (this.shared.isReplica) {
          // Redis gives up after a while on a replica full of logically expired keys and returns one.
          if (tries === 99) return e.key;
          continue;
        }
        this.expireEntry(e);
        continue;
      }
      return e.key;
    }
    return undefined;
  }

  /** A random entry without checking expiry, for eviction sampling. */
  randomEntry(): KeyEntry | undefined {
    return this.dict.random();
  }

  /** A random volatile entry, for volatile-* eviction sampling. */
  randomVolatileEntry(): KeyEntry | undefined {
    if (this.volatile.length === 0) return undefined;
    return this.volatile[(Math.random() * this.volatile.length) | 0];
  }

  /** One SCAN step over the key table: visits a bucket's live keys, returns the next cursor. */
  scanStep(cursor: number, visit: (key: string, value: RedisValue) => void): number {
    const now = this.shared.now;
    return this.dict.scan(cursor, (e) => {
      if (e.expireAt === 0 || e.expireAt > now) visit(e.key, e.value);
    });
  }

  /** Every live key (KEYS): expired keys met on the way are reclaimed. */
  liveKeys(): string[] {
    const out: string[] = [];
    const now = this.shared.now;
    const expired: KeyEntry[] = [];
    for (const e of this.dict.values()) {
      if (e.expireAt !== 0 && e.expireAt <= now) expired.push(e);
      else out.push(e.key);
    }
    if (!this.shared.isReplica) for (const e of expired) this.expireEntry(e);
    return out;
  }

  /** Every entry, expired or not (snapshots and debugging walk this). */
  entries(): IterableIterator<KeyEntry> {
    return this.dict.values();
  }

  /**
   * Redis' active expire cycle for this database: sample volatile keys, delete the expired ones, go on
   * while more than a quarter of a sample was expired, and stop at the deadline. Returns keys expired.
   */
  activeExpire(deadline: number, sampleSize = 20): number {
    if (this.shared.isReplica) return 0;
    let total = 0;
    let iterations = 0;
    for (;;) {
      const n = this.volatile.length;
      if (n === 0) return total;
      const sample = Math.min(n, sampleSize);
      let expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      const now = this.shared.now;
      for (let i = 0; i < sample && this.volatile.length > 0; i++) {
        const e = this.volatile[(Math.random() * this.volatile.length) | 0];
        if (e.expireAt <= now) {
          this.expireEntry(e);
          expired++;
        } else {
          ttlSum += e.expireAt - now;
          ttlSamples++;
        }
      }
      total += expired;
      if (ttlSamples > 0) {
        // Same running average Redis keeps: the new sample counts 2%.
        const avg = ttlSum / ttlSamples;
        this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
      }
      iterations++;
      if (expired * 4 <= sample) return total;
      if ((iterations & 15) === 0 && Date.now() >= deadline) {
        this.shared.stats.expiredTimeCapReached++;
        return total;
      }
    }
  }

  /** Access data for eviction: the LFU counter under an LFU policy, the last access time always. */
  private touchAccess(e: KeyEntry): void {
    const now = this.shared.now;
    if (this.shared.lfuPolicy) lfuAccess(e, now, this.shared.lfuLogFactor, this.shared.lfuDecayTime);
    e.lru = now;
  }

  private account(e: KeyEntry): void {
    const bytes = entryBytes(e.key, e.value);
    this.usedBytes += bytes - e.mem;
    e.mem = bytes;
  }

  private clearExpire(e: KeyEntry): void {
    const i = e.volatileIndex;
    const last = this.volatile.pop()!;
    if (last !== e) {
      this.volatile[i] = last;
      last.volatileIndex = i;
    }
    e.volatileIndex = -1;
    e.expireAt = 0;
  }

  private removeEntry(e: KeyEntry, kind: ChangeKind): void {
    this.shared.hooks.beforeWrite(this, e);
    if (e.volatileIndex !== -1) this.clearExpire(e);
    this.dict.delete(e.key);
    this.usedBytes -= e.mem;
    e.mem = 0;
    this.shared.hooks.changed(this, e.key, kind);
  }

  private expireEntry(e: KeyEntry): void {
    this.removeEntry(e, 'expire');
    this.shared.stats.expiredKeys++;
    this.shared.hooks.expired(this, e.key);
  }
}
