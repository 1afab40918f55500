// The placement of keys on servers, pure: the server list, which servers are live, and a key in;
// a server index out. Distributions and their arithmetic are nutcracker 0.5's (nc_ketama.c,
// nc_modula.c, nc_random.c, and the hash tag of nc_request.c), so a key lands where twemproxy puts it.
import { keyHash, md5Digest, md5Word, type HashName, type KeyHash } from './key-hash.js';
import type { ServerSpec } from './server-spec.js';
import { NoServersError } from './errors.js';

export type Distribution = 'ketama' | 'modula' | 'random';

export interface RingOptions {
  readonly distribution: Distribution;
  readonly hash: HashName;
  /** Two characters, e.g. "{}": only the part of a key between them is hashed. */
  readonly hashTag?: string;
}

const KETAMA_POINTS_PER_SERVER = 160;
const KETAMA_POINTS_PER_HASH = 4;

/**
 * Points a server gets: twemproxy's `floorf((float)(pct * 160 / 4 * (float)nlive + 1e-10)) * 4`
 * with pct a C float, each step rounded to single precision as the C code does.
 */
export function ketamaPointsPerServer(weight: number, totalWeight: number, liveServers: number): number {
  const f = Math.fround;
  const pct = f(f(weight) / f(totalWeight));
  const scaled = f(f(f(pct * f(KETAMA_POINTS_PER_SERVER)) / f(4)) * f(liveServers));
  return Math.floor(f(scaled + 0.0000000001)) * 4;
}

/** The hash tag rule: the bytes between the first `tag[0]` and the next `tag[1]`, if not empty. */
export function hashTagged(key: Uint8Array, tag: string | undefined): Uint8Array {
  if (tag === undefined || tag.length !== 2) return key;
  const open = tag.charCodeAt(0);
  const close = tag.charCodeAt(1);
  const start = key.indexOf(open);
  if (start === -1) return key;
  const end = key.indexOf(close, start + 1);
  if (end === -1 || end - start <= 1) return key;
  return key.subarray(start + 1, end);
}

export class Ring {
  /** Sorted continuum values (ketama) and the server index of each. */
  private readonly points: Uint32Array;
  private readonly owners: Uint32Array;
  /** Live server indexes, one entry per unit of weight (modula) or per server (random). */
  private readonly slots: number[];
  private readonly hash: KeyHash;
  readonly liveServers: number;

  constructor(
    private readonly servers: readonly ServerSpec[],
    live: readonly boolean[],
    private readonly options: RingOptions,
  ) {
    this.hash = keyHash(options.hash);
    const liveIndexes = servers.map((_, i) => i).filter((i) => live[i] !== false);
    this.liveServers = liveIndexes.length;
    this.slots = [];
    if (options.distribution === 'modula') {
      for (const i of liveIndexes) for (let w = 0; w < servers[i].weight; w++) this.slots.push(i);
    } else if (options.distribution === 'random') {
      this.slots.push(...liveIndexes);
    }
    const [points, owners] = options.distribution === 'ketama' ? this.buildContinuum(liveIndexes) : [new Uint32Array(0), new Uint32Array(0)];
    this.points = points;
    this.owners = owners;
  }

  private buildContinuum(liveIndexes: number[]): [Uint32Array, Uint32Array] {
    const totalWeight = liveIndexes.reduce((sum, i) => sum + this.servers[i].weight, 0);
    const entries: { value: number; owner: number }[] = [];
    for (const i of liveIndexes) {
      const server = this.servers[i];
      const count = ketamaPointsPerServer(server.weight, totalWeight, liveIndexes.length) / KETAMA_POINTS_PER_HASH;
      for (let p = 0; p < count; p++) {
        const digest = md5Digest(`${server.name}-${p}`);
        for (let x = 0; x < KETAMA_POINTS_PER_HASH; x++) entries.push({ value: md5Word(digest, x), owner: i });
      }
    }
    // A stable sort, like glibc's qsort (a merge sort) that both C libraries rely on for equal points.
    entries.sort((a, b) => a.value - b.value);
    return [Uint32Array.from(entries, (e) => e.value), Uint32Array.from(entries, (e) => e.owner)];
  }

  /** The server index a key goes to now. */
  locate(key: Uint8Array | string): number {
    if (this.liveServers === 0) throw new NoServersError('no live servers in the pool');
    // nutcracker skips hashing when the pool has one server (live or not).
    if (this.servers.length === 1) return 0;
    if (this.options.distribution === 'random') return this.slots[Math.floor(Math.random() * this.slots.length)];
    const bytes = typeof key === 'string' ? Buffer.from(key) : key;
    const h = this.hash(hashTagged(bytes, this.options.hashTag));
    if (this.options.distribution === 'modula') return this.slots[h % this.slots.length];
    return this.owners[this.search(h)];
  }

  /** The ketama continuum point a key reaches (the value libketama's test vectors list). */
  continuumPoint(key: Uint8Array | string): number | undefined {
    if (this.options.distribution !== 'ketama' || this.points.length === 0) return undefined;
    const bytes = typeof key === 'string' ? Buffer.from(key) : key;
    return this.points[this.search(this.hash(hashTagged(bytes, this.options.hashTag)))];
  }

  /** First continuum point >= hash, wrapping to the first point. */
  private search(hash: number): number {
    let left = 0;
    let right = this.points.length;
    while (left < right) {
      const middle = (left + right) >>> 1;
      if (this.points[middle] < hash) left = middle + 1;
      else right = middle;
    }
    return right === this.points.length ? 0 : right;
  }

  /** Continuum points (ketama) or slots (modula, random) of a server index, for stats and tests. */
  pointsOf(index: number): number {
    let n = 0;
    for (const o of this.owners) if (o === index) n++;
    for (const o of this.slots) if (o === index) n++;
    return n;
  }
}
