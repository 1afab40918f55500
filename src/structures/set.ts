// A Redis set on a scannable Dict (SSCAN keeps Redis' guarantee on big sets). The encoding Redis 7.0
// would report is decided when a member is added, as in its setTypeAdd: an intset while every member
// is a 64-bit integer and there are few of them, then a hashtable for good. An intset iterates in
// ascending numeric order, so SMEMBERS, SSCAN and SUNION of small integer sets answer in that order.
import { Dict, type DictEntry } from './dict.js';
import { stringBytes } from './values.js';

export class SetMember implements DictEntry {
  constructor(readonly key: string) {}
}

/** A SetMember object (1 field); its table slot is counted with the set (values.ts). */
const MEMBER_OVERHEAD = 32;
const CANONICAL_INT = /^(0|-?[1-9][0-9]{0,18})$/;
const INT64_MAX = '9223372036854775807';
const INT64_MIN_MAGNITUDE = '9223372036854775808';

/** set-max-intset-entries, read from the config by the caller. */
export interface SetEncodingLimits {
  maxIntsetEntries: number;
}

export type SetEncoding = 'intset' | 'hashtable';

/** Redis' string2ll: whether an intset can hold the member (canonical form, within 64 bits). */
export function isInt64(s: string): boolean {
  if (!CANONICAL_INT.test(s)) return false;
  const negative = s.charCodeAt(0) === 45;
  const digits = negative ? s.length - 1 : s.length;
  if (digits < 19) return true;
  return negative ? s.slice(1) <= INT64_MIN_MAGNITUDE : s <= INT64_MAX;
}

/** Numeric order of two canonical integers, without parsing (they may exceed 2^53). */
function compareInts(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === 45;
  if (aNeg !== (b.charCodeAt(0) === 45)) return aNeg ? -1 : 1;
  const magnitude = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return aNeg ? -magnitude : magnitude;
}

export class SetValue {
  readonly type = 'set' as const;
  readonly dict = new Dict<SetMember>();
  bytes = 0;
  private intset = true;
  /** The intset's members in numeric order, kept until the next change. */
  private sorted: string[] | null = null;

  get length(): number {
    return this.dict.size;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  add(member: string, limits: SetEncodingLimits): boolean {
    if (this.dict.has(member)) return false;
    this.dict.add(new SetMember(member));
    this.bytes += stringBytes(member.length) + MEMBER_OVERHEAD;
    this.sorted = null;
    if (this.intset && (!isInt64(member) || this.dict.size > limits.maxIntsetEntries)) this.intset = false;
    return true;
  }

  delete(member: string): boolean {
    if (this.dict.delete(member) === undefined) return false;
    this.bytes -= stringBytes(member.length) + MEMBER_OVERHEAD;
    this.sorted = null;
    return true;
  }

  /** A snapshot of the members in iteration order; safe to hold while the set changes. */
  members(): readonly string[] {
    if (!this.intset) return Array.from(this.dict.keys());
    return (this.sorted ??= Array.from(this.dict.keys()).sort(compareInts));
  }

  /** A random member, O(1) (Redis' dictGetFairRandomKey is just as approximately uniform). */
  random(): string | undefined {
    return this.dict.random()?.key;
  }

  encoding(): SetEncoding {
    return this.intset ? 'intset' : 'hashtable';
  }

  clone(): SetValue {
    const s = new SetValue();
    for (const m of this.dict.keys()) s.dict.add(new SetMember(m));
    s.bytes = this.bytes;
    s.intset = this.intset;
    return s;
  }
}
