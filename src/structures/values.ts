// The value types a key can hold, and what the keyspace needs to know of any of them.
// Strings are latin1 JS strings, or numbers for integers that fit (Redis' "int" encoding).
import type { HashValue } from './hash.js';
import type { ListValue } from './list.js';
import type { SetValue } from './set.js';
import type { StreamValue } from './stream.js';
import type { ZSetValue } from './zset.js';

export type StringValue = string | number;
export type CollectionValue = ListValue | HashValue | SetValue | ZSetValue | StreamValue;
export type RedisValue = StringValue | CollectionValue;
export type TypeName = 'string' | CollectionValue['type'];

export function typeName(v: RedisValue): TypeName {
  return typeof v === 'object' ? v.type : 'string';
}

export function stringOf(v: StringValue): string {
  return typeof v === 'number' ? String(v) : v;
}

// Memory accounting: the memory a key really costs on Node 20 x64 (8-byte fields, no pointer
// compression), measured as heapUsed + arrayBuffers (a Dict's index is in typed arrays, off the V8
// heap) after a full GC around loading each kind of value (docs/decisions.md, "Memory accounting").
// Collections keep their elements' bytes in `bytes` (element object plus strings); the table
// indexing them is added here from their length.

/** A KeyEntry (7 small-integer fields) plus its slot and share of the keyspace Dict's index. */
export const KEY_OVERHEAD = 104;
/** A TTL: the boxed `expireAt` and the key's slot in the database's volatile array. */
export const EXPIRE_OVERHEAD = 26;
/** An integer beyond V8's 32-bit small integers is a boxed HeapNumber. */
const HEAP_NUMBER_BYTES = 16;
/** A Dict searches this many entries linearly before it builds an index (dict.ts). */
const DICT_LINEAR_MAX = 8;
/** An indexed Dict's two typed arrays and their buffers. */
const DICT_INDEX_BASE = 400;
/** Per capacity slot of an indexed Dict: hash and chain link, and a bucket head (Int32Arrays). */
const DICT_INDEX_SLOT_BYTES = 12;
/** Per entry beyond the first page's initial 17 slots: a pointer, with the array's growth slack. */
const DICT_SLOT_BYTES = 10;
/** Per capacity slot of a list's ring buffer. */
const LIST_SLOT_BYTES = 8;
/** An empty collection: the value object, its Dict with its first page (and a sorted set's B+ tree). */
const LIST_BASE = 112;
const HASH_BASE = 418;
const SET_BASE = 427;
const ZSET_BASE = 731;
/** An empty stream: the value object, its B-tree, node array and group map. */
const STREAM_BASE = 420;

/** A one-byte string of `length` chars: a 16-byte header, then the chars, rounded up to 8 bytes. */
export function stringBytes(length: number): number {
  return (length + 23) & ~7;
}

/** The power-of-two capacity a table grown to hold `n` entries has (V8's Map, Dict buckets, list ring). */
function capacity(n: number, min: number): number {
  return n <= min ? min : 2 ** (32 - Math.clz32(n - 1));
}

/** What a Dict of n entries costs beyond an empty one: nothing while linear, then its index and pages. */
function dictTableBytes(n: number): number {
  if (n <= DICT_LINEAR_MAX) return 0;
  return DICT_INDEX_BASE + DICT_INDEX_SLOT_BYTES * capacity(n, 4) + DICT_SLOT_BYTES * (n - DICT_LINEAR_MAX);
}

function containerBytes(v: CollectionValue): number {
  switch (v.type) {
    case 'list':
      return LIST_BASE + LIST_SLOT_BYTES * capacity(v.length, 8);
    case 'hash':
      return HASH_BASE + dictTableBytes(v.length);
    case 'set':
      return SET_BASE + dictTableBytes(v.length);
    case 'zset':
      return ZSET_BASE + dictTableBytes(v.length);
    case 'stream':
      return STREAM_BASE;
  }
}

/** Heap bytes held by a value; collections keep their elements' share incrementally. */
export function valueBytes(v: RedisValue): number {
  if (typeof v === 'number') return v === (v | 0) ? 0 : HEAP_NUMBER_BYTES;
  if (typeof v === 'string') return stringBytes(v.length);
  return v.bytes + containerBytes(v);
}

/** Heap bytes of a whole key: its entry, name and value (what MEMORY USAGE reports). */
export function entryBytes(key: string, value: RedisValue): number {
  return KEY_OVERHEAD + stringBytes(key.length) + valueBytes(value);
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
