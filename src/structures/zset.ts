// A Redis sorted set: member -> score on a scannable Dict, plus the ordered index (ZSetIndex) that
// answers rank and range questions in O(log n), as Redis pairs its dict with a skiplist. The
// encoding Redis 7.0 would report is decided as members are added (zsetAdd converts a listpack to a
// skiplist once it holds too many or too long members, and never back).
import { Dict, type DictEntry } from './dict.js';
import { ZSetIndex, type LexBound, type ScoreBound } from './zset-index.js';
import { stringBytes } from './values.js';

export class ZSetMember implements DictEntry {
  constructor(readonly key: string, public score: number) {}
}

/** A ZSetMember (key and boxed score) plus its B+ tree entry; its table slot is counted with the zset (values.ts). */
const MEMBER_OVERHEAD = 120;

function memberBytes(member: string): number {
  return MEMBER_OVERHEAD + stringBytes(member.length);
}

/** zset-max-listpack-entries and zset-max-listpack-value, read from the config by the caller. */
export interface ZSetEncodingLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

export type ZSetEncoding = 'listpack' | 'skiplist';

/** Inclusive ranks [first, last] in ascending order. */
export type RankSpan = readonly [first: number, last: number];

export class ZSetValue {
  readonly type = 'zset' as const;
  readonly dict = new Dict<ZSetMember>();
  readonly index = new ZSetIndex();
  bytes = 0;
  private large = false;

  get length(): number {
    return this.dict.size;
  }

  score(member: string): number | undefined {
    return this.dict.get(member)?.score;
  }

  /**
   * A new sorted set holding `entries` (distinct members), encoded as Redis encodes a computed
   * result (ZUNIONSTORE, ZRANGESTORE...): a skiplist, turned into a listpack if small enough.
   */
  static fromEntries(entries: readonly (readonly [string, number])[], limits: ZSetEncodingLimits): ZSetValue {
    const z = new ZSetValue();
    z.large = entries.length > limits.maxListpackEntries || entries.some(([member]) => member.length > limits.maxListpackValue);
    for (const [member, score] of entries) z.insert(member, z.stored(score));
    return z;
  }

  /** Adds or re-scores a member; returns whether it was new. */
  set(member: string, score: number, limits: ZSetEncodingLimits): boolean {
    const e = this.dict.get(member);
    if (e === undefined && !this.large && (this.dict.size >= limits.maxListpackEntries || member.length > limits.maxListpackValue)) this.large = true;
    score = this.stored(score);
    if (e !== undefined) {
      // `!==` treats -0 as 0, as Redis' comparison does: no update then.
      if (e.score !== score) {
        this.index.updateScore(e.score, member, score);
        e.score = score;
      }
      return false;
    }
    this.insert(member, score);
    return true;
  }

  delete(member: string): boolean {
    const e = this.dict.delete(member);
    if (e === undefined) return false;
    this.index.delete(e.score, member);
    this.bytes -= memberBytes(member);
    return true;
  }

  rank(member: string): number {
    const e = this.dict.get(member);
    return e === undefined ? -1 : this.index.rank(e.score, member);
  }

  /** Ranks of the members whose score lies within [min, max]; undefined when there are none. */
  scoreSpan(min: ScoreBound, max: ScoreBound): RankSpan | undefined {
    const first = this.index.firstRankInScoreRange(min, max);
    return first === -1 ? undefined : [first, this.index.lastRankInScoreRange(min, max)];
  }

  /** Ranks of the members within a lex range (meaningful when all scores are equal, as in Redis). */
  lexSpan(min: LexBound, max: LexBound): RankSpan | undefined {
    const first = this.index.firstRankInLexRange(min, max);
    return first === -1 ? undefined : [first, this.index.lastRankInLexRange(min, max)];
  }

  /** Visits ranks [first, last] in ascending (or, with `reverse`, descending) order. */
  forEachInRanks(first: number, last: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    this.index.forEachInRankRange(first, last, reverse, fn);
  }

  /** Removes ranks [first, last]; `fn` sees each removed member in ascending order. Returns how many. */
  deleteRanks(first: number, last: number, fn?: (member: string, score: number) => void): number {
    return this.index.deleteRankRange(first, last, (member, score) => {
      this.dict.delete(member);
      this.bytes -= memberBytes(member);
      fn?.(member, score);
    });
  }

  /** Removes up to `count` members from the low (or high) end, returned lowest (or highest) first. */
  pop(fromMax: boolean, count: number): [member: string, score: number][] {
    const n = Math.min(count, this.length);
    const out: [string, number][] = [];
    if (n === 0) return out;
    const first = fromMax ? this.length - n : 0;
    this.deleteRanks(first, first + n - 1, (member, score) => out.push([member, score]));
    return fromMax ? out.reverse() : out;
  }

  /** A random member, O(1) and approximately uniform, like Redis' dictGetFairRandomKey. */
  random(): ZSetMember | undefined {
    return this.dict.random();
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    for (const e of this.dict.values()) z.insert(e.key, e.score);
    z.large = this.large;
    return z;
  }

  /**
   * The encoding is tracked as members are added; the argument is ignored and only still accepted
   * because OBJECT ENCODING (keys.ts) passes the limits it used to need.
   */
  encoding(): ZSetEncoding {
    return this.large ? 'skiplist' : 'listpack';
  }

  /** A listpack writes -0 as "0"; a skiplist keeps the sign (ZSCORE then prints "-0"). */
  private stored(score: number): number {
    return score === 0 && !this.large ? 0 : score;
  }

  private insert(member: string, score: number): void {
    this.dict.add(new ZSetMember(member, score));
    this.index.insert(score, member);
    this.bytes += memberBytes(member);
  }
}
