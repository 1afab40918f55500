// A Redis hash: field -> value on a scannable Dict (HSCAN keeps Redis' guarantee on big hashes).
import { Dict, type DictEntry } from './dict.js';

export class HashField implements DictEntry {
  hash = 0;
  next: HashField | null = null;
  constructor(readonly key: string, public value: string) {}
}

const FIELD_OVERHEAD = 64;

export interface HashEncodingLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

export class HashValue {
  readonly type = 'hash' as const;
  readonly dict = new Dict<HashField>();
  bytes = 0;
  /** Redis converts listpack -> hashtable once and never back; we report the same. */
  private large = false;

  get length(): number {
    return this.dict.size;
  }

  get(field: string): string | undefined {
    return this.dict.get(field)?.value;
  }

  /** Sets a field; true when the field is new. */
  set(field: string, value: string): boolean {
    const e = this.dict.get(field);
    if (e !== undefined) {
      this.bytes += value.length - e.value.length;
      e.value = value;
      return false;
    }
    this.dict.add(new HashField(field, value));
    this.bytes += field.length + value.length + FIELD_OVERHEAD;
    return true;
  }

  delete(field: string): boolean {
    const e = this.dict.delete(field);
    if (e === undefined) return false;
    this.bytes -= e.key.length + e.value.length + FIELD_OVERHEAD;
    return true;
  }

  clone(): HashValue {
    const h = new HashValue();
    for (const e of this.dict.values()) h.set(e.key, e.value);
    h.large = this.large;
    return h;
  }

  encoding(limits: HashEncodingLimits): string {
    if (!this.large) {
      if (this.dict.size > limits.maxListpackEntries) this.large = true;
      else for (const e of this.dict.values()) {
        if (e.key.length > limits.maxListpackValue || e.value.length > limits.maxListpackValue) {
          this.large = true;
          break;
        }
      }
    }
    return this.large ? 'hashtable' : 'listpack';
  }
}
