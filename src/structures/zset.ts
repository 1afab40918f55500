// A Redis sorted set: member -> score on a scannable Dict, plus the ordered index (ZSetIndex) that
// answers rank and range questions in O(log n), as Redis pairs its dict with a skiplist.
import { Dict, type DictEntry } from './dict.js';
import { ZSetIndex } from './zset-index.js';

export class ZSetMember implements DictEntry {
  hash = 0;
  next: ZSetMember | null = null;
  constructor(readonly key: string, public score: number) {}
}

const MEMBER_OVERHEAD = 96;

export interface ZSetEncodingLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

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

  /** Adds or re-scores a member; returns whether it was new. */
  set(member: string, score: number): boolean {
    if (score === 0) score = 0; // -0 and 0 are one score, as in Redis' comparisons
    const e = this.dict.get(member);
    if (e !== undefined) {
      if (e.score !== score) {
        this.index.updateScore(e.score, member, score);
        e.score = score;
      }
      return false;
    }
    this.dict.add(new ZSetMember(member, score));
    this.index.insert(score, member);
    this.bytes += member.length + MEMBER_OVERHEAD;
    return true;
  }

  delete(member: string): boolean {
    const e = this.dict.delete(member);
    if (e === undefined) return false;
    this.index.delete(e.score, member);
    this.bytes -= member.length + MEMBER_OVERHEAD;
    return true;
  }

  rank(member: string): number {
    const e = this.dict.get(member);
    return e === undefined ? -1 : this.index.rank(e.score, member);
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    for (const e of this.dict.values()) z.set(e.key, e.score);
    z.large = this.large;
    return z;
  }

  encoding(limits: ZSetEncodingLimits): string {
    if (!this.large) {
      if (this.dict.size > limits.maxListpackEntries) this.large = true;
      else for (const m of this.dict.keys()) {
        if (m.length > limits.maxListpackValue) {
          this.large = true;
          break;
        }
      }
    }
    return this.large ? 'skiplist' : 'listpack';
  }
}
