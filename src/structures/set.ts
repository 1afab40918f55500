// A Redis set on a scannable Dict (SSCAN keeps Redis' guarantee on big sets).
import { Dict, type DictEntry } from './dict.js';

export class SetMember implements DictEntry {
  hash = 0;
  next: SetMember | null = null;
  constructor(readonly key: string) {}
}

const MEMBER_OVERHEAD = 56;
const INT64_PATTERN = /^(0|-?[1-9][0-9]{0,18})$/;

export interface SetEncodingLimits {
  maxIntsetEntries: number;
}

export class SetValue {
  readonly type = 'set' as const;
  readonly dict = new Dict<SetMember>();
  bytes = 0;
  private large = false;

  get length(): number {
    return this.dict.size;
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  add(member: string): boolean {
    if (this.dict.has(member)) return false;
    this.dict.add(new SetMember(member));
    this.bytes += member.length + MEMBER_OVERHEAD;
    return true;
  }

  delete(member: string): boolean {
    if (this.dict.delete(member) === undefined) return false;
    this.bytes -= member.length + MEMBER_OVERHEAD;
    return true;
  }

  members(): string[] {
    return Array.from(this.dict.keys());
  }

  clone(): SetValue {
    const s = new SetValue();
    for (const m of this.dict.keys()) s.add(m);
    s.large = this.large;
    return s;
  }

  /** Redis 7.0: intset while every member is a 64-bit integer and there are few; else hashtable, for good. */
  encoding(limits: SetEncodingLimits): string {
    if (!this.large) {
      if (this.dict.size > limits.maxIntsetEntries) this.large = true;
      else for (const m of this.dict.keys()) {
        if (!INT64_PATTERN.test(m) || BigInt(m) > 9223372036854775807n || BigInt(m) < -9223372036854775808n) {
          this.large = true;
          break;
        }
      }
    }
    return this.large ? 'hashtable' : 'intset';
  }
}
