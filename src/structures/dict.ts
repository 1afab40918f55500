// A keyed table that can be scanned the way Redis scans its dict: a cursor over power-of-two buckets in
// reverse-binary order, so an element present for a whole SCAN is returned at least once even when the
// table grows or shrinks between calls, and each call does bounded work. Lookups go through a native
// Map; the bucket chains exist for scanning and for picking random entries in O(1).

export interface DictEntry {
  readonly key: string;
  /** FNV-1a of the key, kept so growing the table needn't rehash strings. */
  hash: number;
  next: DictEntry | null;
}

const MIN_BUCKETS = 4;

export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Signed, so it stays a small integer (an unsigned one above 2^31 would be a boxed heap number per entry).
  return h | 0;
}

function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

export class Dict<E extends DictEntry> {
  private readonly map = new Map<string, E>();
  private buckets: (E | null)[] = new Array<E | null>(MIN_BUCKETS).fill(null);
  private mask = MIN_BUCKETS - 1;

  get size(): number {
    return this.map.size;
  }

  get(key: string): E | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Adds an entry whose key is not present yet. */
  add(entry: E): void {
    this.map.set(entry.key, entry);
    entry.hash = hashKey(entry.key);
    const b = entry.hash & this.mask;
    entry.next = this.buckets[b];
    this.buckets[b] = entry;
    if (this.map.size > this.buckets.length) this.resize(this.buckets.length * 2);
  }

  /** Puts `entry` in the place of the entry with the same key (which must exist). */
  replace(entry: E): void {
    const old = this.map.get(entry.key);
    if (old === undefined) return this.add(entry);
    this.map.set(entry.key, entry);
    entry.hash = old.hash;
    entry.next = old.next;
    const b = old.hash & this.mask;
    if (this.buckets[b] === old) {
      this.buckets[b] = entry;
      return;
    }
    let prev = this.buckets[b];
    while (prev !== null && prev.next !== old) prev = prev.next as E | null;
    if (prev !== null) prev.next = entry;
  }

  delete(key: string): E | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    this.map.delete(key);
    const b = entry.hash & this.mask;
    if (this.buckets[b] === entry) {
      this.buckets[b] = entry.next as E | null;
    } else {
      let prev = this.buckets[b];
      while (prev !== null && prev.next !== entry) prev = prev.next as E | null;
      if (prev !== null) prev.next = entry.next;
    }
    entry.next = null;
    if (this.buckets.length > MIN_BUCKETS && this.map.size * 8 < this.buckets.length) this.resize(this.buckets.length / 2);
    return entry;
  }

  clear(): void {
    this.map.clear();
    this.buckets = new Array<E | null>(MIN_BUCKETS).fill(null);
    this.mask = MIN_BUCKETS - 1;
  }

  values(): IterableIterator<E> {
    return this.map.values();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** A uniformly chosen bucket's random entry, like Redis' dictGetRandomKey; undefined when empty. */
  random(): E | undefined {
    if (this.map.size === 0) return undefined;
    for (;;) {
      let e = this.buckets[(Math.random() * this.buckets.length) | 0];
      if (e === null) continue;
      let n = 0;
      for (let c: DictEntry | null = e; c !== null; c = c.next) n++;
      let pick = (Math.random() * n) | 0;
      while (pick-- > 0) e = e!.next as E;
      return e!;
    }
  }

  /**
   * Visits every entry of the bucket the cursor names and returns the next cursor (0 when done).
   * Redis' dictScan for a single table: increments the reversed cursor, so buckets already visited
   * in a smaller or larger table are not missed after a resize.
   */
  scan(cursor: number, visit: (entry: E) => void): number {
    const mask = this.mask;
    for (let e = this.buckets[cursor & mask]; e !== null; e = e.next as E | null) visit(e);
    let v = (cursor | ~mask) >>> 0;
    v = reverseBits32(v);
    v = (v + 1) >>> 0;
    return reverseBits32(v);
  }

  private resize(size: number): void {
    const old = this.buckets;
    const buckets = new Array<E | null>(size).fill(null);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      let e = old[i];
      while (e !== null) {
        const next = e.next as E | null;
        const b = e.hash & mask;
        e.next = buckets[b];
        buckets[b] = e;
        e = next;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }
}
