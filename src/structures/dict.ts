// A keyed table that can be scanned the way Redis scans its dict: a cursor over power-of-two buckets in
// reverse-binary order, so an element present for a whole SCAN is returned at least once even when the
// table grows or shrinks between calls, and each call does bounded work.
//
// The table is ours, not a V8 Map: a Map holds at most 2^24 entries and indexes each one with three
// words of its own. Entries live in insertion order in slots (pages of plain arrays, so no single
// array hits V8's FixedArray length limit); a slot's hash and chain link sit side by side in one
// Int32Array and each bucket's head in another. Typed arrays are off the V8 heap and never traced by
// the GC, so the index costs about 16-24 bytes an entry and nothing at collection time. Deleting leaves
// a hole; the slots are compacted (order kept) when holes outnumber live entries. A small table (up to
// `linearMax` entries) has no index at all and is searched linearly, like Redis' listpack.

/** What a Dict stores: anything with a string key. */
export interface DictEntry {
  readonly key: string;
}

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
const MIN_BUCKETS = 4;
const NONE = -1;
/** Collections search this many entries linearly before they build an index. */
const DEFAULT_LINEAR_MAX = 8;

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** Where a live iterator is; compaction moves it with the entries so it neither skips nor repeats. */
interface Cursor {
  pos: number;
}

export class Dict<E extends DictEntry> {
  /** Slot i is pages[i >>> PAGE_BITS][i & PAGE_MASK]; undefined is a hole left by a delete. */
  private pages: (E | undefined)[][] = [[]];
  /** Slots in use, holes included: the next insert goes to slot `used`. */
  private used = 0;
  private count = 0;
  /** Per slot: hash at 2i, next slot in the bucket's chain at 2i+1. Null while the table is linear. */
  private links: Int32Array | null = null;
  /** First slot of each bucket's chain. */
  private heads: Int32Array | null = null;
  private mask = 0;
  /** Live iterators; null until the first, so a small collection doesn't carry an empty Set. */
  private cursors: Set<Cursor> | null = null;

  /** `linearMax` 0 indexes from the first entry (the keyspace: SCAN walks buckets at any size). */
  constructor(private readonly linearMax = DEFAULT_LINEAR_MAX) {
    if (linearMax === 0) this.buildIndex(MIN_BUCKETS);
  }

  get size(): number {
    return this.count;
  }

  get(key: string): E | undefined {
    const i = this.find(key);
    return i === NONE ? undefined : this.slot(i);
  }

  has(key: string): boolean {
    return this.find(key) !== NONE;
  }

  /** Adds an entry whose key is not present yet. */
  add(entry: E): void {
    const i = this.used;
    if ((i & PAGE_MASK) === 0 && i !== 0) this.pages.push([]);
    this.pages[i >>> PAGE_BITS].push(entry);
    this.used = i + 1;
    this.count++;
    let links = this.links;
    if (links === null) {
      if (this.count > this.linearMax) this.buildIndex(MIN_BUCKETS);
      return;
    }
    if (2 * i + 1 >= links.length) links = this.growLinks(i + 1);
    const h = hashKey(entry.key);
    const heads = this.heads!;
    const b = h & this.mask;
    links[2 * i] = h;
    links[2 * i + 1] = heads[b];
    heads[b] = i;
    if (this.count > heads.length) this.rehash(heads.length * 2);
  }

  /** Puts `entry` in the place of the entry with the same key (added if there is none). */
  replace(entry: E): void {
    const i = this.find(entry.key);
    if (i === NONE) return this.add(entry);
    this.pages[i >>> PAGE_BITS][i & PAGE_MASK] = entry;
  }

  delete(key: string): E | undefined {
    const i = this.find(key);
    if (i === NONE) return undefined;
    const page = this.pages[i >>> PAGE_BITS];
    const entry = page[i & PAGE_MASK]!;
    page[i & PAGE_MASK] = undefined;
    this.count--;
    const links = this.links;
    if (links !== null) {
      const heads = this.heads!;
      const b = links[2 * i] & this.mask;
      if (heads[b] === i) heads[b] = links[2 * i + 1];
      else {
        let p = heads[b];
        while (links[2 * p + 1] !== i) p = links[2 * p + 1];
        links[2 * p + 1] = links[2 * i + 1];
      }
    }
    if (i === this.used - 1) this.trimTail();
    else if (this.used - this.count > this.count && this.used > 16) this.compact();
    if (links !== null && this.heads!.length > MIN_BUCKETS && this.count * 8 < this.heads!.length) this.rehash(this.heads!.length / 2);
    return entry;
  }

  clear(): void {
    this.pages = [[]];
    this.used = 0;
    this.count = 0;
    this.links = null;
    this.heads = null;
    this.mask = 0;
    this.cursors = null;
    if (this.linearMax === 0) this.buildIndex(MIN_BUCKETS);
  }

  /** Entries in insertion order. Safe while the table changes: deleted ones are skipped, added ones visited. */
  *values(): Generator<E, void, undefined> {
    const cursor: Cursor = { pos: 0 };
    (this.cursors ??= new Set()).add(cursor);
    try {
      while (cursor.pos < this.used) {
        const e = this.slot(cursor.pos++);
        if (e !== undefined) yield e;
      }
    } finally {
      // clear() may have dropped the set while this iterator was paused.
      const cursors = this.cursors as Set<Cursor> | null;
      if (cursors !== null && cursors.delete(cursor) && cursors.size === 0) this.cursors = null;
    }
  }

  *keys(): Generator<string, void, undefined> {
    for (const e of this.values()) yield e.key;
  }

  /** A uniformly chosen entry; undefined when empty. Holes are at most half the slots, so few retries. */
  random(): E | undefined {
    if (this.count === 0) return undefined;
    for (;;) {
      const e = this.slot((Math.random() * this.used) | 0);
      if (e !== undefined) return e;
    }
  }

  /**
   * Visits every entry of the bucket the cursor names and returns the next cursor (0 when done).
   * Redis' dictScan for a single table: increments the reversed cursor, so buckets already visited
   * in a smaller or larger table are not missed after a resize. A linear table is one bucket.
   */
  scan(cursor: number, visit: (entry: E) => void): number {
    const links = this.links;
    if (links === null) {
      for (let i = 0; i < this.used; i++) {
        const e = this.slot(i);
        if (e !== undefined) visit(e);
      }
      return 0;
    }
    const mask = this.mask;
    for (let i = this.heads![cursor & mask]; i !== NONE; i = links[2 * i + 1]) visit(this.slot(i)!);
    let v = (cursor | ~mask) >>> 0;
    v = reverseBits32(v);
    v = (v + 1) >>> 0;
    return reverseBits32(v);
  }

  private slot(i: number): E | undefined {
    return this.pages[i >>> PAGE_BITS][i & PAGE_MASK];
  }

  private find(key: string): number {
    const links = this.links;
    if (links === null) {
      const page = this.pages[0];
      for (let i = 0; i < this.used; i++) if (page[i]?.key === key) return i;
      return NONE;
    }
    const h = hashKey(key);
    for (let i = this.heads![h & this.mask]; i !== NONE; i = links[2 * i + 1]) {
      if (links[2 * i] === h && this.pages[i >>> PAGE_BITS][i & PAGE_MASK]!.key === key) return i;
    }
    return NONE;
  }

  private growLinks(slots: number): Int32Array {
    let cap = this.links!.length / 2;
    while (cap < slots) cap *= 2;
    const links = new Int32Array(cap * 2);
    links.set(this.links!);
    this.links = links;
    return links;
  }

  /** Builds the hash index over the current slots (a linear table that outgrew `linearMax`). */
  private buildIndex(minBuckets: number): void {
    let cap = MIN_BUCKETS;
    while (cap < this.used) cap *= 2;
    const links = new Int32Array(cap * 2);
    for (let i = 0; i < this.used; i++) {
      const e = this.slot(i);
      links[2 * i] = e === undefined ? 0 : hashKey(e.key);
    }
    this.links = links;
    let buckets = minBuckets;
    while (buckets < this.count) buckets *= 2;
    this.rehash(buckets);
  }

  /** Rebuilds the bucket chains for `size` buckets from the stored hashes (no string is rehashed). */
  private rehash(size: number): void {
    const heads = new Int32Array(size).fill(NONE);
    const links = this.links!;
    const mask = size - 1;
    // Backwards, so each chain lists older entries first, as the chains built by add do not: order
    // within a bucket doesn't matter to SCAN, only that every entry is in its bucket.
    for (let i = this.used - 1; i >= 0; i--) {
      if (this.slot(i) === undefined) continue;
      const b = links[2 * i] & mask;
      links[2 * i + 1] = heads[b];
      heads[b] = i;
    }
    this.heads = heads;
    this.mask = mask;
  }

  /** Deleting the last slots: just forget them, so a table used as a stack never compacts. */
  private trimTail(): void {
    while (this.used > 0 && this.slot(this.used - 1) === undefined) {
      this.used--;
      const p = this.used >>> PAGE_BITS;
      this.pages[p].length = this.used & PAGE_MASK;
      if (p > 0 && this.pages[p].length === 0) this.pages.pop();
    }
    if (this.cursors !== null) for (const c of this.cursors) if (c.pos > this.used) c.pos = this.used;
  }

  /** Moves the live entries down over the holes, in order, and rebuilds the chains. */
  private compact(): void {
    const oldPages = this.pages;
    const oldUsed = this.used;
    const links = this.links;
    const pages: (E | undefined)[][] = [[]];
    let n = 0;
    const cursors = this.cursors !== null ? [...this.cursors] : null;
    for (let i = 0; i < oldUsed; i++) {
      if (cursors !== null) for (const c of cursors) if (c.pos === i) c.pos = n;
      const e = oldPages[i >>> PAGE_BITS][i & PAGE_MASK];
      if (e === undefined) continue;
      if ((n & PAGE_MASK) === 0 && n !== 0) pages.push([]);
      pages[n >>> PAGE_BITS].push(e);
      if (links !== null) links[2 * n] = links[2 * i];
      n++;
    }
    if (cursors !== null) for (const c of cursors) if (c.pos >= oldUsed) c.pos = n;
    this.pages = pages;
    this.used = n;
    if (links === null) return;
    // A table that shrank a lot gives its index memory back.
    if (n * 4 < links.length / 2 && links.length > MIN_BUCKETS * 2) {
      let cap = MIN_BUCKETS;
      while (cap < n * 2) cap *= 2;
      this.links = links.slice(0, cap * 2);
    }
    this.rehash(this.heads!.length);
  }
}
