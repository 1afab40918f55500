// memcached's storage layer (do_store_item, do_add_delta, item_touch, the meta commands' item logic)
// over the shared keyspace: an item is a string in database 0, so RESP and memcached clients see one
// dataset, and every write goes through Database so WATCH, notifications, blocked clients and memory
// accounting hang off it as for a RESP write. Each write is propagated as its RESP effect.
//
// What memcached keeps per item and Redis doesn't (client flags, the CAS unique, the fetched, stale
// and token-sent bits) lives in a side table keyed by key. Whatever else changes a key reaches the
// table through the keyspace change signal: a RESP write of the value (SET, APPEND, INCR, SETRANGE...,
// all reported as 'set') drops the entry, so the item has flags 0 and a fresh CAS on its next
// memcached access; deletion, expiry, eviction and flushes drop it too. A TTL change alone (EXPIRE,
// PERSIST: 'modify') keeps both, as memcached's touch does. A CAS value therefore changes with every
// modification of the value from either protocol, which is all a CAS client relies on.
//
// Like memcached's items.c, operations return results (StorageResult and plain records) and the
// text, meta and binary protocols each word them.
import type { Database, ChangeKind } from '../structures/database.js';
import { encodeString } from '../structures/values.js';
import { StorageResult, parseCUint64 } from '../protocol/memcached-meta.js';
import type { MetaArithmeticRequest, MetaCounter, MetaDebugInfo, MetaDeleteRequest, MetaGetRequest, MetaItem, MetaSetRequest } from '../protocol/memcached-meta.js';
import type { KeyspaceEvents } from './keyspace-events.js';
import type { ServerState } from './server-context.js';
import type { NotifyClass } from './types.js';

/** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative seconds, larger ones unix times. */
const RELATIVE_LIMIT_SECONDS = 60 * 60 * 24 * 30;
/** An expiry already past: memcached stores such an item and no one ever sees it. */
const ALREADY_EXPIRED = 1;
const UINT64_MASK_BITS = 64;

/** The absolute expiry (ms, 0 for none) of a memcached exptime; at or before `now` means dead on arrival. */
export function expiryAt(exptime: number, now: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return ALREADY_EXPIRED;
  if (exptime > RELATIVE_LIMIT_SECONDS) return exptime * 1000;
  return now + exptime * 1000;
}

/** Seconds left to live as memcached reports them (t flag): -1 for none. */
export function ttlSeconds(expireAt: number, now: number): number {
  return expireAt === 0 ? -1 : Math.ceil((expireAt - now) / 1000);
}

/** What memcached keeps per item beside the key and value. */
interface ItemMeta {
  /** Client flags, 32-bit unsigned, opaque to the server. */
  flags: number;
  /** The CAS unique; a new one for every modification. */
  cas: bigint;
  /** ITEM_FETCHED: read since it was stored. */
  fetched: boolean;
  /** ITEM_STALE: invalidated (md I) or stored over a newer CAS (ms I); readers are told to recache. */
  stale: boolean;
  /** ITEM_TOKEN_SENT: a client has already won the right to recache it. */
  tokenSent: boolean;
  /** ITEM_KEY_BINARY: stored by a meta command with b, so meta replies echo the key in base64. */
  binaryKey: boolean;
}

/** A live string item as the storage layer sees it. */
interface LiveItem {
  readonly value: string;
  readonly expireAt: number;
  /** Last access (ms). */
  readonly lru: number;
  readonly meta: ItemMeta;
}

/** An mg hit; the key is echoed the way the item was stored (base64 if by a meta command with b). */
export interface MetaGetHit extends MetaItem {
  readonly binaryKey: boolean;
}

/** A get/gat hit. */
export interface ItemHit {
  readonly value: string;
  readonly flags: number;
  readonly cas: bigint;
}

/** The store could not make room under maxmemory: SERVER_ERROR out of memory / binary OutOfMemory. */
export const NO_MEMORY = 'NO_MEMORY';
export type StoreResult = StorageResult | typeof NO_MEMORY;

export type StoreMode = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

export interface StoreRequest {
  readonly mode: StoreMode;
  readonly key: string;
  readonly value: string;
  readonly flags: number;
  /** memcached exptime (ignored by append/prepend, which keep the item's). */
  readonly exptime: number;
  /** The CAS to compare; 0n for none (cas mode then never matches). */
  readonly cas: bigint;
  /** ms I in CAS mode: a CAS older than the item's still stores, marked stale. */
  readonly staleIfOlder?: boolean;
  /** ms E: the CAS the stored item gets instead of a fresh one. */
  readonly newCas?: bigint;
  /** ms b: the key came base64-encoded. */
  readonly binaryKey?: boolean;
}

export interface StoreOutcome {
  readonly result: StoreResult;
  /** The stored item's CAS, 0n when nothing was stored. */
  readonly cas: bigint;
}

export type ArithmeticOutcome =
  | { readonly kind: 'counter'; readonly value: bigint; readonly cas: bigint; readonly created: boolean }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'non-numeric' }
  | { readonly kind: 'exists' };

export interface ArithmeticRequest {
  readonly key: string;
  readonly incr: boolean;
  readonly delta: bigint;
  /** Compared to the item's CAS unless 0n. */
  readonly cas: bigint;
  /** Create the counter on a miss (binary incr/decr, ma N). */
  readonly vivify?: { readonly initial: bigint; readonly exptime: number };
}

/** memcached's thread and global statistics, as `stats` reports them. */
export class MemcachedCounters {
  cmdGet = 0;
  cmdSet = 0;
  cmdFlush = 0;
  cmdTouch = 0;
  cmdMeta = 0;
  getHits = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  deleteMisses = 0;
  deleteHits = 0;
  incrMisses = 0;
  incrHits = 0;
  decrMisses = 0;
  decrHits = 0;
  casMisses = 0;
  casHits = 0;
  casBadval = 0;
  touchHits = 0;
  touchMisses = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  authCmds = 0;
  authErrors = 0;
  bytesRead = 0;
  bytesWritten = 0;
  totalItems = 0;
  totalConnections = 0;
  rejectedConnections = 0;

  /** stats reset: every counter back to 0. */
  reset(): void {
    Object.assign(this, new MemcachedCounters());
  }
}

/** What the store needs from the server besides the keyspace. */
export interface StoreEnvironment {
  /** Keyspace notifications for database 0 (filtered by notify-keyspace-events). */
  notify(cls: NotifyClass, event: string, key: string): void;
  /** memcached's -I, read for every append/prepend. */
  itemSizeMax(): number;
}

// memcached's item header on 64-bit builds (48 bytes) plus its CAS, for `me` sizes.
const ITEM_HEADER_BYTES = 48 + 8;
// memcached's slab classes: -n 48 on a 48-byte header, growth factor 1.25, 8-byte aligned.
const SLAB_SMALLEST = 96;
const SLAB_FACTOR = 1.25;
const SLAB_ALIGN = 8;
// MAX_NUMBER_OF_SLAB_CLASSES less class 0 (unused) and the last one (the chunk maximum).
const SLAB_GROWN_CLASSES = 62;

/** Chunk sizes of memcached's slab classes 1..n for an item size limit (the largest is half of it). */
function slabClassSizes(itemSizeMax: number): number[] {
  const chunkMax = Math.floor(itemSizeMax / 2);
  const sizes: number[] = [];
  let size = SLAB_SMALLEST;
  while (sizes.length < SLAB_GROWN_CLASSES && size < chunkMax / SLAB_FACTOR) {
    if (size % SLAB_ALIGN !== 0) size += SLAB_ALIGN - (size % SLAB_ALIGN);
    sizes.push(size);
    size = Math.floor(size * SLAB_FACTOR);
  }
  sizes.push(chunkMax);
  return sizes;
}

export class MemcachedStore {
  readonly counters = new MemcachedCounters();
  private readonly items = new Map<string, ItemMeta>();
  private readonly db: Database;
  private lastCas = 0n;
  /** Set while this store writes a key, so its own change signals don't reset what it is writing. */
  private writing = false;
  /** The key the last lazy expiry removed (get_expired tells an expired miss from a plain one). */
  private expiredKey: string | undefined;
  private pendingFlush: NodeJS.Timeout | undefined;

  constructor(private readonly state: ServerState, events: KeyspaceEvents, private readonly env: StoreEnvironment) {
    this.db = state.databases[0];
    events.onChange.push((db, key, kind) => {
      if (db.id === 0) this.keyChanged(key, kind);
    });
    events.onFlush.push((db) => {
      if (db.id === 0) this.items.clear();
    });
  }

  /** Keys with memcached metadata (tests check the side table follows the keyspace). */
  get trackedItems(): number {
    return this.items.size;
  }

  private keyChanged(key: string, kind: ChangeKind): void {
    switch (kind) {
      case 'expire':
        this.expiredKey = key;
        this.items.delete(key);
        return;
      case 'delete':
      case 'evict':
      case 'flush':
        this.items.delete(key);
        return;
      case 'set':
        if (!this.writing) this.items.delete(key);
        return;
      case 'modify':
        // Only TTLs change in place for strings: the item's flags and CAS stay.
        return;
    }
  }

  private nextCas(): bigint {
    return ++this.lastCas;
  }

  private get now(): number {
    return this.state.keyspace.now;
  }

  private freshMeta(flags: number, cas = this.nextCas()): ItemMeta {
    return { flags, cas, fetched: false, stale: false, tokenSent: false, binaryKey: false };
  }

  /** The item's metadata, created (flags 0, a fresh CAS) for a string written over RESP. */
  private metaOf(key: string): ItemMeta {
    let meta = this.items.get(key);
    if (meta === undefined) {
      meta = this.freshMeta(0);
      this.items.set(key, meta);
    }
    return meta;
  }

  /** The item without touching its access data: undefined when missing, expired or not a string. */
  private peekItem(key: string): LiveItem | undefined {
    const entry = this.db.entry(key);
    if (entry === undefined || typeof entry.value === 'object') return undefined;
    const value = typeof entry.value === 'number' ? String(entry.value) : entry.value;
    return { value, expireAt: entry.expireAt, lru: entry.lru, meta: this.metaOf(key) };
  }

  /** A read that counts as an access (LRU/LFU, fetched bit, keyspace hits); misses count get_expired. */
  private readValue(key: string): string | undefined {
    this.expiredKey = undefined;
    const v = this.db.lookupRead(key);
    if (v === undefined) {
      if (this.expiredKey === key) this.counters.getExpired++;
      return undefined;
    }
    if (typeof v === 'object') return undefined;
    return typeof v === 'number' ? String(v) : v;
  }

  /** Bumps an item that was peeked: access data and the fetched bit, as memcached's delayed bump. */
  private bump(key: string, meta: ItemMeta): void {
    this.db.lookupRead(key);
    meta.fetched = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Writes. Every one goes through Database, bumps dirty, notifies and propagates its effect.

  private afterWrite(key: string, event: string, effect: string[]): void {
    this.state.dirty++;
    this.env.notify('string', event, key);
    this.state.propagate(0, effect);
  }

  /**
   * Stores a value with its metadata. `expireAt` is absolute (0 = none) or 'keep' for the current
   * TTL; an expiry already past removes the key instead, as memcached's dead-on-arrival item.
   */
  private put(key: string, value: string, meta: ItemMeta, expireAt: number | 'keep', event: string): void {
    if (expireAt !== 'keep' && expireAt !== 0 && expireAt <= this.now) {
      this.remove(key);
      return;
    }
    this.writing = true;
    try {
      this.db.setKey(key, encodeString(value), expireAt === 'keep');
      if (expireAt !== 'keep' && expireAt !== 0) this.db.setExpire(key, expireAt);
    } finally {
      this.writing = false;
    }
    this.items.set(key, meta);
    this.counters.totalItems++;
    if (expireAt === 'keep') {
      this.afterWrite(key, event, ['SET', key, value, 'KEEPTTL']);
    } else if (expireAt === 0) {
      this.afterWrite(key, event, ['SET', key, value]);
    } else {
      this.afterWrite(key, event, ['SET', key, value, 'PXAT', String(expireAt)]);
      this.env.notify('generic', 'expire', key);
    }
  }

  private remove(key: string): void {
    if (!this.db.delete(key)) return;
    this.state.dirty++;
    this.env.notify('generic', 'del', key);
    this.state.propagate(0, ['DEL', key]);
  }

  /** A new absolute expiry for a live key (touch, gat, mg T, md I T); a past one deletes it. */
  private setExpiry(key: string, expireAt: number): void {
    if (expireAt !== 0 && expireAt <= this.now) {
      this.remove(key);
      return;
    }
    this.writing = true;
    try {
      if (expireAt === 0) {
        if (!this.db.persist(key)) return;
      } else {
        this.db.setExpire(key, expireAt);
      }
    } finally {
      this.writing = false;
    }
    this.state.dirty++;
    if (expireAt === 0) {
      this.env.notify('generic', 'persist', key);
      this.state.propagate(0, ['PERSIST', key]);
    } else {
      this.env.notify('generic', 'expire', key);
      this.state.propagate(0, ['PEXPIREAT', key, String(expireAt)]);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Retrieval.

  /** get/gets: a hit or undefined. */
  get(key: string): ItemHit | undefined {
    this.counters.cmdGet++;
    const value = this.readValue(key);
    if (value === undefined) {
      this.counters.getMisses++;
      return undefined;
    }
    this.counters.getHits++;
    const meta = this.metaOf(key);
    meta.fetched = true;
    return { value, flags: meta.flags, cas: meta.cas };
  }

  /** gat/gats and the binary touch/gat: the hit, whose expiry is then changed (a past one deletes it). */
  getAndTouch(key: string, exptime: number): ItemHit | undefined {
    this.counters.cmdTouch++;
    const value = this.readValue(key);
    if (value === undefined) {
      this.counters.touchMisses++;
      return undefined;
    }
    this.counters.touchHits++;
    const meta = this.metaOf(key);
    meta.fetched = true;
    const hit = { value, flags: meta.flags, cas: meta.cas };
    this.setExpiry(key, expiryAt(exptime, this.now));
    return hit;
  }

  /** touch: TOUCHED or NOT_FOUND. */
  touch(key: string, exptime: number): StorageResult {
    return this.getAndTouch(key, exptime) === undefined ? StorageResult.NOT_FOUND : StorageResult.TOUCHED;
  }

  // ---------------------------------------------------------------------------------------------
  // Storage (memcached's do_store_item).

  store(request: StoreRequest): StoreOutcome {
    this.counters.cmdSet++;
    if (!this.state.memory.ensureRoom()) {
      this.counters.storeNoMemory++;
      return { result: NO_MEMORY, cas: 0n };
    }
    switch (request.mode) {
      case 'set':
        return this.storeNew(request);
      case 'add':
        // A key holding another type is there all the same: add never overwrites it.
        return this.db.exists(request.key) ? notStored() : this.storeNew(request);
      case 'replace':
        return this.peekItem(request.key) === undefined ? notStored() : this.storeNew(request);
      case 'cas':
        return this.storeCas(request, this.peekItem(request.key));
      case 'append':
      case 'prepend':
        return this.storeConcatenated(request, this.peekItem(request.key));
    }
  }

  private storeNew(request: StoreRequest, expireAt = expiryAt(request.exptime, this.now)): StoreOutcome {
    const meta = this.freshMeta(request.flags, request.newCas);
    meta.binaryKey = request.binaryKey === true;
    this.put(request.key, request.value, meta, expireAt, 'set');
    return { result: StorageResult.STORED, cas: meta.cas };
  }

  private storeCas(request: StoreRequest, old: LiveItem | undefined): StoreOutcome {
    if (old === undefined) {
      this.counters.casMisses++;
      return { result: StorageResult.NOT_FOUND, cas: 0n };
    }
    const current = old.meta.cas;
    if (request.cas !== 0n && request.cas === current) {
      this.counters.casHits++;
      return this.storeNew(request);
    }
    if (request.staleIfOlder === true && request.cas !== 0n && request.cas < current) {
      // A late writer's value is kept but marked stale, with the item's TTL and token state.
      this.counters.casHits++;
      const meta = this.freshMeta(request.flags, request.newCas);
      meta.binaryKey = request.binaryKey === true;
      meta.stale = true;
      meta.tokenSent = old.meta.tokenSent;
      this.put(request.key, request.value, meta, 'keep', 'set');
      return { result: StorageResult.STORED, cas: meta.cas };
    }
    this.counters.casBadval++;
    return { result: StorageResult.EXISTS, cas: 0n };
  }

  private storeConcatenated(request: StoreRequest, old: LiveItem | undefined): StoreOutcome {
    if (old === undefined) return notStored();
    if (request.cas !== 0n && request.cas !== old.meta.cas) return { result: StorageResult.EXISTS, cas: 0n };
    // memcached can't allocate the combined item.
    if (!this.fitsItem(request.key, old.meta.flags, old.value.length + request.value.length)) return notStored();
    const append = request.mode === 'append';
    const value = append ? old.value + request.value : request.value + old.value;
    const meta = this.freshMeta(old.meta.flags, request.newCas);
    this.put(request.key, value, meta, 'keep', append ? 'append' : 'set');
    return { result: StorageResult.STORED, cas: meta.cas };
  }

  private fitsItem(key: string, flags: number, valueLength: number): boolean {
    return ITEM_HEADER_BYTES + key.length + 1 + (flags === 0 ? 0 : 4) + valueLength + 2 <= this.env.itemSizeMax();
  }

  // ---------------------------------------------------------------------------------------------
  // delete, incr/decr, flush_all.

  /** delete (text, binary with an optional CAS): DELETED, NOT_FOUND or EXISTS. */
  delete(key: string, cas = 0n): StorageResult {
    const item = this.peekItem(key);
    if (item === undefined) {
      this.counters.deleteMisses++;
      return StorageResult.NOT_FOUND;
    }
    if (cas !== 0n && cas !== item.meta.cas) {
      this.counters.deleteMisses++;
      return StorageResult.EXISTS;
    }
    this.counters.deleteHits++;
    this.remove(key);
    return StorageResult.DELETED;
  }

  /** memcached's do_add_delta: 64-bit unsigned counters, incr wraps, decr stops at 0. */
  arithmetic(request: ArithmeticRequest): ArithmeticOutcome {
    const { key, incr } = request;
    const item = this.peekItem(key);
    if (item === undefined) return this.arithmeticMiss(request);
    if (item.value.length === 0) return { kind: 'non-numeric' };
    if (request.cas !== 0n && request.cas !== item.meta.cas) return { kind: 'exists' };
    const current = parseCUint64(item.value);
    if (current === undefined) return { kind: 'non-numeric' };
    let value: bigint;
    if (incr) value = BigInt.asUintN(UINT64_MASK_BITS, current + request.delta);
    else value = request.delta > current ? 0n : current - request.delta;
    if (incr) this.counters.incrHits++;
    else this.counters.decrHits++;
    const digits = value.toString();
    // memcached rewrites a counter that got no longer in place, padding it with spaces.
    const stored = digits.length <= item.value.length ? digits.padEnd(item.value.length, ' ') : digits;
    const meta = this.freshMeta(item.meta.flags);
    if (stored.length === item.value.length) {
      meta.fetched = item.meta.fetched;
      meta.binaryKey = item.meta.binaryKey;
    }
    this.put(key, stored, meta, 'keep', incr ? 'incrby' : 'decrby');
    return { kind: 'counter', value, cas: meta.cas, created: false };
  }

  private arithmeticMiss(request: ArithmeticRequest): ArithmeticOutcome {
    const vivify = request.vivify;
    if (vivify === undefined) {
      if (request.incr) this.counters.incrMisses++;
      else this.counters.decrMisses++;
      return { kind: 'not-found' };
    }
    // A key holding another type stays as it is.
    if (this.db.exists(request.key)) return { kind: 'not-found' };
    const meta = this.freshMeta(0);
    this.put(request.key, vivify.initial.toString(), meta, expiryAt(vivify.exptime, this.now), 'set');
    return { kind: 'counter', value: vivify.initial, cas: meta.cas, created: true };
  }

  /**
   * flush_all: empties database 0 now, or after `delay` seconds (memcached's exptime rules). A later
   * flush_all replaces a pending one.
   */
  flushAll(delay: number): void {
    this.counters.cmdFlush++;
    if (this.pendingFlush !== undefined) clearTimeout(this.pendingFlush);
    this.pendingFlush = undefined;
    const at = delay <= 0 ? 0 : expiryAt(delay, this.now);
    const wait = at - Date.now();
    if (wait <= 0) {
      this.flushNow();
      return;
    }
    this.pendingFlush = setTimeout(() => {
      this.pendingFlush = undefined;
      this.state.keyspace.now = Date.now();
      this.flushNow();
    }, wait);
    this.pendingFlush.unref();
  }

  private flushNow(): void {
    this.state.dirty += this.db.flush() + 1;
    this.state.propagate(0, ['FLUSHDB']);
  }

  /** Stops a pending delayed flush (server shutdown). */
  close(): void {
    if (this.pendingFlush !== undefined) clearTimeout(this.pendingFlush);
    this.pendingFlush = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Meta commands. memcached applies T, N and R at their place among the flags, so t reports the
  // TTL as of its own position.

  /** mg: the item as the flags ask for it, or undefined for EN. */
  metaGet(request: MetaGetRequest): MetaGetHit | undefined {
    this.counters.cmdMeta++;
    const { key, flags } = request;
    const found = this.peekItem(key);
    const created = found === undefined && flags.vivifyTtl !== undefined && !this.db.exists(key);
    const item = found ?? (created ? this.vivifiedItem() : undefined);
    if (item === undefined) {
      this.counters.cmdGet++;
      this.counters.getMisses++;
      return undefined;
    }
    const now = this.now;
    const meta = item.meta;
    let expireAt = item.expireAt;
    let ttl = ttlSeconds(expireAt, now);
    let won = false;
    let touched = false;
    for (const letter of flags.order) {
      if (letter === 'T') {
        expireAt = expiryAt(flags.ttl ?? 0, now);
        touched = true;
      } else if (letter === 'N' && created) {
        expireAt = expiryAt(flags.vivifyTtl ?? 0, now);
        won = true;
      } else if (letter === 'R' && !meta.tokenSent && !created && expireAt !== 0) {
        won ||= ttlSeconds(expireAt, now) < ttlSeconds(expiryAt(flags.recacheTtl ?? 0, now), now);
      } else if (letter === 't') {
        ttl = ttlSeconds(expireAt, now);
      }
    }
    const tokenSent = meta.tokenSent;
    if (meta.stale && !tokenSent) won = true;
    if (won) meta.tokenSent = true;
    const result: MetaGetHit = {
      binaryKey: meta.binaryKey,
      value: item.value,
      clientFlags: meta.flags,
      cas: meta.cas,
      ttl,
      lastAccess: Math.max(0, Math.floor((now - item.lru) / 1000)),
      fetched: meta.fetched,
      tokenSent,
      stale: meta.stale,
      won,
    };
    this.countMetaHit(touched);
    this.applyMetaGet(key, meta, created, expireAt, expireAt !== item.expireAt, flags.noLruBump);
    return result;
  }

  /** mg N on a miss: memcached links an empty item (flags 0, a fresh CAS) before reading the flags. */
  private vivifiedItem(): LiveItem {
    return { value: '', expireAt: 0, lru: this.now, meta: this.freshMeta(0) };
  }

  private countMetaHit(touched: boolean): void {
    if (touched) {
      this.counters.cmdTouch++;
      this.counters.touchHits++;
    } else {
      this.counters.cmdGet++;
      this.counters.getHits++;
    }
  }

  private applyMetaGet(key: string, meta: ItemMeta, created: boolean, expireAt: number, expiryChanged: boolean, noBump: boolean): void {
    if (created) {
      this.put(key, '', meta, expireAt, 'set');
      if (expireAt !== 0 && expireAt <= this.now) return;
    } else if (expiryChanged) {
      this.setExpiry(key, expireAt);
      if (expireAt !== 0 && expireAt <= this.now) return;
    }
    if (!noBump) this.bump(key, meta);
  }

  /** ms: set and replace become CAS stores when C is given; I marks a late CAS store stale. */
  metaSet(request: MetaSetRequest): StoreOutcome {
    this.counters.cmdMeta++;
    const flags = request.flags;
    const hasCas = flags.compareCas !== undefined;
    const mode: StoreMode = hasCas && (request.mode === 'set' || request.mode === 'replace') ? 'cas' : request.mode;
    return this.store({
      mode,
      key: request.key,
      value: request.value,
      flags: flags.clientFlags ?? 0,
      exptime: flags.ttl ?? 0,
      cas: flags.compareCas ?? 0n,
      staleIfOlder: flags.invalidate && mode === 'cas',
      newCas: flags.newCas,
      binaryKey: flags.base64Key,
    });
  }

  /** md: delete, or with I mark stale (new CAS, optional new TTL) so one reader wins a recache. */
  metaDelete(request: MetaDeleteRequest): StorageResult {
    this.counters.cmdMeta++;
    const { key, flags } = request;
    const item = this.peekItem(key);
    if (item === undefined) {
      this.counters.deleteMisses++;
      return StorageResult.NOT_FOUND;
    }
    if (flags.compareCas !== undefined && flags.compareCas !== item.meta.cas) {
      this.counters.deleteMisses++;
      return StorageResult.EXISTS;
    }
    if (!flags.invalidate) {
      this.counters.deleteHits++;
      this.remove(key);
      return StorageResult.DELETED;
    }
    const meta = item.meta;
    meta.stale = true;
    meta.tokenSent = false;
    meta.cas = flags.newCas ?? this.nextCas();
    if (flags.ttl !== undefined) this.setExpiry(key, expiryAt(flags.ttl, this.now));
    return StorageResult.DELETED;
  }

  /** ma: the counter after the operation, NOT_FOUND, EXISTS, or 'non-numeric' for the CLIENT_ERROR. */
  metaArithmetic(request: MetaArithmeticRequest): MetaCounter | StorageResult.NOT_FOUND | StorageResult.EXISTS | 'non-numeric' {
    this.counters.cmdMeta++;
    const { key, flags } = request;
    const vivify = flags.vivifyTtl === undefined ? undefined : { initial: request.initial, exptime: 0 };
    const outcome = this.arithmetic({ key, incr: request.mode === 'incr', delta: request.delta, cas: flags.compareCas ?? 0n, vivify });
    switch (outcome.kind) {
      case 'not-found':
        return StorageResult.NOT_FOUND;
      case 'exists':
        return StorageResult.EXISTS;
      case 'non-numeric':
        return 'non-numeric';
      case 'counter':
        return { value: outcome.value, cas: outcome.cas, created: outcome.created, ttl: this.metaArithmeticTtl(request, outcome.created) };
    }
  }

  /** Applies ma's T (and N for a created counter) in flag order; returns what t reports. */
  private metaArithmeticTtl(request: MetaArithmeticRequest, created: boolean): number {
    const { key, flags } = request;
    const now = this.now;
    const initial = this.db.getExpire(key) ?? 0;
    let expireAt = initial;
    let ttl = ttlSeconds(expireAt, now);
    for (const letter of flags.order) {
      if (letter === 'T') expireAt = expiryAt(flags.ttl ?? 0, now);
      else if (letter === 'N' && created) expireAt = expiryAt(flags.vivifyTtl ?? 0, now);
      else if (letter === 't') ttl = ttlSeconds(expireAt, now);
    }
    if (expireAt !== initial) this.setExpiry(key, expireAt);
    return ttl;
  }

  /** me: memcached's debug line fields (and whether the key was stored base64), or undefined for EN. */
  metaDebug(key: string): (MetaDebugInfo & { readonly binaryKey: boolean }) | undefined {
    this.counters.cmdMeta++;
    const item = this.peekItem(key);
    if (item === undefined) return undefined;
    const now = this.now;
    const meta = item.meta;
    const size = ITEM_HEADER_BYTES + key.length + 1 + (meta.flags === 0 ? 0 : 4) + item.value.length + 2;
    return {
      exp: item.expireAt === 0 ? -1 : -ttlSeconds(item.expireAt, now),
      la: Math.max(0, Math.floor((now - item.lru) / 1000)),
      cas: meta.cas,
      fetched: meta.fetched,
      cls: this.slabClass(size),
      size,
      binaryKey: meta.binaryKey,
    };
  }

  private slabClass(size: number): number {
    const sizes = slabClassSizes(this.env.itemSizeMax());
    const index = sizes.findIndex((chunk) => chunk >= size);
    return index === -1 ? sizes.length : index + 1;
  }
}

function notStored(): StoreOutcome {
  return { result: StorageResult.NOT_STORED, cas: 0n };
}
