// How many bytes Redis' listpack spends on an element. A stream's entries live in listpacks, and
// Redis opens a new one when the tail listpack reaches stream-node-max-bytes: to place node
// boundaries where Redis places them (approximate trimming removes whole nodes only), the stream
// tracks each node's size with these rules (listpack.c: lpEncodeGetType, lpEncodeBacklen).
import { parseCanonicalInt } from './values.js';

/** The listpack header (total bytes, element count) and its end byte. */
export const LISTPACK_EMPTY_BYTES = 7;

const CANONICAL_INT = /^-?[1-9][0-9]*$/;

/** Bytes of an element's encoding and data, before its back-length. */
function encodedSize(s: string): number {
  if (s.length > 0 && s.length <= 20) {
    const v = parseCanonicalInt(s);
    if (v !== undefined) return integerEncodedSize(v);
    // Beyond 2^53 parseCanonicalInt gives up; a canonical int64 is still stored in 8 bytes.
    if (s.length >= 16 && CANONICAL_INT.test(s)) {
      const big = BigInt(s);
      if (big >= -(1n << 63n) && big < 1n << 63n) return 9;
    }
  }
  if (s.length < 64) return 1 + s.length;
  if (s.length < 4096) return 2 + s.length;
  return 5 + s.length;
}

function integerEncodedSize(v: number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Bytes a string element takes in a listpack (integers in integer form, as lpAppend stores them). */
export function listpackStringBytes(s: string): number {
  const l = encodedSize(s);
  return l + backlenSize(l);
}

/** Bytes an integer element takes in a listpack. */
export function listpackIntBytes(v: number): number {
  const l = integerEncodedSize(v);
  return l + backlenSize(l);
}
