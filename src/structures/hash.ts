// A Redis hash: field -> value on a scannable Dict (HSCAN keeps Redis' guarantee on big hashes).
// The encoding Redis 7.0 would report is decided when a field is stored, as in its hashTypeSet: a
// hash is a listpack until it holds too many fields or a too long field or value, then a hashtable
// for good. While it is a listpack, iteration follows insertion order, as a listpack's does.
import { Dict, type DictEntry } from './dict.js';
import { stringBytes } from './values.js';

export class HashField implements DictEntry {
  constructor(readonly key: string, public value: string) {}
}

/** A HashField object (2 fields); its table slot is counted with the hash (values.ts). */
const FIELD_OVERHEAD = 40;

function fieldBytes(field: string, value: string): number {
  return FIELD_OVERHEAD + stringBytes(field.length) + stringBytes(value.length);
}

/** hash-max-listpack-entries and hash-max-listpack-value, read from the config by the caller. */
export interface HashEncodingLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

export type HashEncoding = 'listpack' | 'hashtable';

export class HashValue {
  readonly type = 'hash' as const;
  readonly dict = new Dict<HashField>();
  bytes = 0;
  private listpack = true;

  get length(): number {
    return this.dict.size;
  }

  get(field: string): string | undefined {
    return this.dict.get(field)?.value;
  }

  has(field: string): boolean {
    return this.dict.has(field);
  }

  /** Sets a field; true when the field is new. Updating a field keeps its place in the order. */
  set(field: string, value: string, limits: HashEncodingLimits): boolean {
    if (field.length > limits.maxListpackValue || value.length > limits.maxListpackValue) this.listpack = false;
    const e = this.dict.get(field);
    let created = false;
    if (e !== undefined) {
      this.bytes += stringBytes(value.length) - stringBytes(e.value.length);
      e.value = value;
    } else {
      this.dict.add(new HashField(field, value));
      this.bytes += fieldBytes(field, value);
      created = true;
    }
    // Redis checks the size after every store, updates included, so a lowered limit applies then.
    if (this.dict.size > limits.maxListpackEntries) this.listpack = false;
    return created;
  }

  delete(field: string): boolean {
    const e = this.dict.delete(field);
    if (e === undefined) return false;
    this.bytes -= fieldBytes(e.key, e.value);
    return true;
  }

  /** Every field in iteration order (insertion order, which a listpack-encoded hash shows). */
  fields(): IterableIterator<HashField> {
    return this.dict.values();
  }

  /** A random field, O(1) (Redis' dictGetFairRandomKey is just as approximately uniform). */
  random(): HashField | undefined {
    return this.dict.random();
  }

  encoding(): HashEncoding {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  clone(): HashValue {
    const h = new HashValue();
    for (const e of this.dict.values()) h.dict.add(new HashField(e.key, e.value));
    h.bytes = this.bytes;
    h.listpack = this.listpack;
    return h;
  }
}
