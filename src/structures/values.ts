// The value types a key can hold, and what the keyspace needs to know of any of them.
// Strings are latin1 JS strings, or numbers for integers that fit (Redis' "int" encoding).
import type { HashValue } from './hash.js';
import type { ListValue } from './list.js';
import type { SetValue } from './set.js';
import type { ZSetValue } from './zset.js';

export type StringValue = string | number;
export type CollectionValue = ListValue | HashValue | SetValue | ZSetValue;
export type RedisValue = StringValue | CollectionValue;
export type TypeName = 'string' | CollectionValue['type'];

export function typeName(v: RedisValue): TypeName {
  return typeof v === 'object' ? v.type : 'string';
}

export function stringOf(v: StringValue): string {
  return typeof v === 'number' ? String(v) : v;
}

/** Bytes a key costs beyond its value: Map slot, entry object, expiry bookkeeping. */
export const KEY_OVERHEAD = 96;
const STRING_OVERHEAD = 16;

/** Approximate bytes held by a value; collections keep theirs incrementally. */
export function valueBytes(v: RedisValue): number {
  if (typeof v === 'number') return 8;
  if (typeof v === 'string') return v.length + STRING_OVERHEAD;
  return v.bytes + 64;
}

export function cloneValue(v: RedisValue): RedisValue {
  return typeof v === 'object' ? v.clone() : v;
}

/** Largest integer kept as a number: beyond it INCR arithmetic would lose precision. */
export const MAX_SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Redis' string2ll: the canonical 64-bit decimal form only ("007", "+1", " 1" are not integers). */
export function parseCanonicalInt(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 20) return undefined;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return undefined;
    i = 1;
  }
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : undefined;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  if (v > MAX_SAFE_INT) return undefined;
  return s.charCodeAt(0) === 45 ? -v : v;
}

/** How a SET-like write stores its value: integers that fit become numbers, like Redis' tryObjectEncoding. */
export function encodeString(s: string): StringValue {
  if (s.length > 0 && s.length <= 16) {
    const n = parseCanonicalInt(s);
    if (n !== undefined) return n;
  }
  return s;
}
