// A keyed table that can be scanned the way Redis scans its dict: a cursor over power-of-two buckets in
// reverse-binary order, so an element present for a whole SCAN is returned at least once even when the
// table grows or shrinks between calls, and each call does bounded work.
//
// The table is ours, not a V8 Map: a Map holds at most 2^24 entries and indexes each one with three
// words of its own. Entries live in insertion order in slots (pages of plain arrays, so no single
// array hits V8's FixedArray length limit); a slot's hash and chain link sit side by side in pages of
// Int32Array and each bucket's head in another Int32Array. Typed arrays are off the V8 heap and never
// traced by the GC, so the index costs about 12-16 bytes an entry and nothing at collection time.
// Growing or shrinking the buckets is incremental, as in Redis' dict: while a rehash runs, every
// operation moves a few old buckets' chains to the new heads, lookups look in both, and SCAN walks
// both tables (Redis' dictScan), so no single command pays for re-chaining millions of entries.
// Deleting leaves a hole in the slots; they are compacted (order kept) when holes outnumber live
// entries. A small table (up to `linearMax` entries) has no index and is searched linearly.

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
/** Old buckets moved per operation while rehashing: growth doubles the table, so 1 would just keep up. */
const REHASH_STEP = 4;
/** The heads of a linear table: one shared empty array, so a small collection allocates no typed array. */
const NO_HEADS = new Int32Array(0);
/** Empty old buckets skipped per step at most (Redis' empty_visits), so a step's cost stays bounded. */
const REHASH_EMPTY_VISITS = 40;

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

/** The cursor after `v` for a table of `mask`: the reversed cursor incremented (dictScan's step). */
function nextCursor(v: number, mask: number): number {
  v = (v | ~mask) >>> 0;
  v = reverseBits32(v);
  v = (v + 1) >>> 0;
  return reverseBits32(v);
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
  /**
   * Per slot, in pages like `pages`: hash at 2(i & PAGE_MASK), next slot of its chain at +1. The first
   * page grows by doubling (small collections stay small), the others are allocated whole. Null while linear.
   */
  private links: Int32Array[] | null = null;
  /** First slot of each bucket's chain. */
  private heads: Int32Array = NO_HEADS;
  private mask = 0;
  /** While rehashing: the table being emptied into `heads`, and its next bucket to move. */
  private oldHeads: Int32Array | null = null;
  private oldMask = 0;
  private rehashIdx = 0;
  /** Live iterators; null until the first, so a small collection doesn't carry an empty Set. */
  private cursors: Set<Cursor> | null = null;

  /** `linearMax` 0 indexes from the first entry (the keyspace: SCAN walks buckets at any size). */
  constructor(private readonly linearMax = DEFAULT_LINEAR_MAX) {
    if (linearMax === 0) this.buildIndex();
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
    if (this.links === null) {
      if (this.count > this.linearMax) this.buildIndex();
      return;
    }
    if (this.oldHeads !== null) this.rehashStep();
    const page = this.linkPage(i);
    const o = (i & PAGE_MASK) << 1;
    const h = hashKey(entry.key);
    const heads = this.heads;
    const b = h & this.mask;
    page[o] = h;
    page[o + 1] = heads[b];
    heads[b] = i;
    if (this.oldHeads === null && this.count > heads.length) this.startRehash(heads.length * 2);
  }

  /** Puts `entry` in the place of the entry with the same key (added if there is none). */
  replace(entry: E): void {
    const i = this.find(entry.key);
    if (i === NONE) return this.add(entry);
    this.pages[i >>> PAGE_BITS][i & PAGE_MASK] = entry;
  }

  delete(key: string): E | undefined {
    let i: number;
    if (this.links === null) {
      i = this.find(key);
      if (i === NONE) return undefined;
    } else {
      if (this.oldHeads !== null) this.rehashStep();
      const h = hashKey(key);
      i = NONE;
      if (this.oldHeads !== null && (h & this.oldMask) >= this.rehashIdx) i = this.unlink(this.oldHeads, h & this.oldMask, h, key);
      if (i === NONE) i = this.unlink(this.heads, h & this.mask, h, key);
      if (i === NONE) return undefined;
    }
    const page = this.pages[i >>> PAGE_BITS];
    const entry = page[i & PAGE_MASK]!;
    page[i & PAGE_MASK] = undefined;
    this.count--;
    if (i === this.used - 1) this.trimTail();
    else if (this.used - this.count > this.count && this.used > 16) this.compact();
    if (this.links !== null && this.oldHeads === null && this.heads.length > MIN_BUCKETS && this.count * 8 < this.heads.length) {
      this.startRehash(this.heads.length / 2);
    }
    return entry;
  }

  clear(): void {
    this.pages = [[]];
    this.used = 0;
    this.count = 0;
    this.links = null;
    this.heads = NO_HEADS;
    this.mask = 0;
    this.oldHeads = null;
    this.cursors = null;
    if (this.linearMax === 0) this.buildIndex();
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
   * Redis' dictScan: increments the reversed cursor, so buckets already visited in a smaller or
   * larger table are not missed after a resize; while rehashing, the smaller table's bucket and every
   * bucket of the larger one that expands it are visited. A linear table is one bucket.
   */
  scan(cursor: number, visit: (entry: E) => void): number {
    if (this.links === null) {
      for (let i = 0; i < this.used; i++) {
        const e = this.slot(i);
        if (e !== undefined) visit(e);
      }
      return 0;
    }
    if (this.oldHeads === null) {
      this.visitChain(this.heads[cursor & this.mask], visit);
      return nextCursor(cursor, this.mask);
    }
    const growing = this.oldMask < this.mask;
    const small = growing ? this.oldHeads : this.heads;
    const large = growing ? this.heads : this.oldHeads;
    const smallMask = growing ? this.oldMask : this.mask;
    const largeMask = growing ? this.mask : this.oldMask;
    let v = cursor >>> 0;
    this.visitChain(small[v & smallMask], visit);
    do {
      this.visitChain(large[v & largeMask], visit);
      v = nextCursor(v, largeMask);
    } while ((v & (smallMask ^ largeMask)) !== 0);
    return v;
  }

  private visitChain(first: number, visit: (entry: E) => void): void {
    for (let i = first; i !== NONE; i = this.nextOf(i)) visit(this.slot(i)!);
  }

  private slot(i: number): E | undefined {
    return this.pages[i >>> PAGE_BITS][i & PAGE_MASK];
  }

  private nextOf(i: number): number {
    return this.links![i >>> PAGE_BITS][((i & PAGE_MASK) << 1) + 1];
  }

  private find(key: string): number {
    const links = this.links;
    if (links === null) {
      const page = this.pages[0];
      for (let i = 0; i < this.used; i++) if (page[i]?.key === key) return i;
      return NONE;
    }
    if (this.oldHeads !== null) this.rehashStep();
    const h = hashKey(key);
    const old = this.oldHeads;
    if (old !== null && (h & this.oldMask) >= this.rehashIdx) {
      const i = this.findInChain(old[h & this.oldMask], h, key);
      if (i !== NONE) return i;
    }
    return this.findInChain(this.heads[h & this.mask], h, key);
  }

  private findInChain(first: number, h: number, key: string): number {
    const links = this.links!;
    for (let i = first; i !== NONE; ) {
      const page = links[i >>> PAGE_BITS];
      const o = (i & PAGE_MASK) << 1;
      if (page[o] === h && this.pages[i >>> PAGE_BITS][i & PAGE_MASK]!.key === key) return i;
      i = page[o + 1];
    }
    return NONE;
  }

  /** Takes the slot holding `key` out of bucket `b` of `heads`; its slot, or NONE if it isn't there. */
  private unlink(heads: Int32Array, b: number, h: number, key: string): number {
    const links = this.links!;
    let prev = NONE;
    for (let i = heads[b]; i !== NONE; ) {
      const page = links[i >>> PAGE_BITS];
      const o = (i & PAGE_MASK) << 1;
      const next = page[o + 1];
      if (page[o] === h && this.pages[i >>> PAGE_BITS][i & PAGE_MASK]!.key === key) {
        if (prev === NONE) heads[b] = next;
        else links[prev >>> PAGE_BITS][((prev & PAGE_MASK) << 1) + 1] = next;
        return i;
      }
      prev = i;
      i = next;
    }
    return NONE;
  }

  /** The link page for slot i, allocated or grown as the slots reach it. */
  private linkPage(i: number): Int32Array {
    const links = this.links!;
    const p = i >>> PAGE_BITS;
    if (p === links.length) links.push(new Int32Array(2 * PAGE_SIZE));
    let page = links[p];
    if (page.length <= ((i & PAGE_MASK) << 1)) {
      const grown = new Int32Array(Math.min(2 * PAGE_SIZE, page.length * 2));
      grown.set(page);
      links[p] = page = grown;
    }
    return page;
  }

  /** Builds the hash index over the current slots (a new keyspace, or a linear table that outgrew `linearMax`). */
  private buildIndex(): void {
    let cap = MIN_BUCKETS;
    while (cap < this.used) cap *= 2;
    const page = new Int32Array(cap * 2);
    for (let i = 0; i < this.used; i++) {
      const e = this.slot(i);
      page[2 * i] = e === undefined ? 0 : hashKey(e.key);
    }
    this.links = [page];
    let buckets = MIN_BUCKETS;
    while (buckets < this.count) buckets *= 2;
    this.rebuild(buckets);
  }

  /** Re-chains every live slot into `size` new buckets at once (after compaction: the slots moved). */
  private rebuild(size: number): void {
    const heads = new Int32Array(size).fill(NONE);
    const links = this.links!;
    const mask = size - 1;
    for (let i = this.used - 1; i >= 0; i--) {
      if (this.slot(i) === undefined) continue;
      const page = links[i >>> PAGE_BITS];
      const o = (i & PAGE_MASK) << 1;
      const b = page[o] & mask;
      page[o + 1] = heads[b];
      heads[b] = i;
    }
    this.heads = heads;
    this.mask = mask;
    this.oldHeads = null;
  }

  private startRehash(size: number): void {
    this.oldHeads = this.heads;
    this.oldMask = this.mask;
    this.rehashIdx = 0;
    this.heads = new Int32Array(size).fill(NONE);
    this.mask = size - 1;
    this.rehashStep();
  }

  /** Moves the chains of the next few old buckets to the new heads (Redis' dictRehash). */
  private rehashStep(): void {
    const old = this.oldHeads!;
    const links = this.links!;
    const heads = this.heads;
    const mask = this.mask;
    let moved = 0;
    let empty = 0;
    while (moved < REHASH_STEP && this.rehashIdx <= this.oldMask) {
      const b = this.rehashIdx++;
      let i = old[b];
      if (i === NONE) {
        if (++empty >= REHASH_EMPTY_VISITS) break;
        continue;
      }
      old[b] = NONE;
      while (i !== NONE) {
        const page = links[i >>> PAGE_BITS];
        const o = (i & PAGE_MASK) << 1;
        const next = page[o + 1];
        const nb = page[o] & mask;
        page[o + 1] = heads[nb];
        heads[nb] = i;
        i = next;
      }
      moved++;
    }
    if (this.rehashIdx > this.oldMask) this.oldHeads = null;
  }

  /** Deleting the last slots: just forget them, so a table used as a stack never compacts. */
  private trimTail(): void {
    while (this.used > 0 && this.slot(this.used - 1) === undefined) {
      this.used--;
      const p = this.used >>> PAGE_BITS;
      this.pages[p].length = this.used & PAGE_MASK;
      if (p > 0 && this.pages[p].length === 0) {
        this.pages.pop();
        if (this.links !== null && this.links.length > p) this.links.length = p;
      }
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
      if (links !== null) links[n >>> PAGE_BITS][(n & PAGE_MASK) << 1] = links[i >>> PAGE_BITS][(i & PAGE_MASK) << 1];
      n++;
    }
    if (cursors !== null) for (const c of cursors) if (c.pos >= oldUsed) c.pos = n;
    this.pages = pages;
    this.used = n;
    if (links === null) return;
    // The link pages past the live slots go back.
    links.length = Math.max(1, Math.ceil(n / PAGE_SIZE));
    // A rehash in progress ends here: the target size is kept.
    this.rebuild(this.heads.length);
  }
}
