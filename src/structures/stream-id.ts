// Stream entry IDs: <ms>-<seq>, two unsigned 64-bit integers. An ID is held as one 128-bit bigint
// (ms << 64 | seq), so that IDs compare with `<` in the order Redis compares them (ms, then seq)
// and serve directly as B-tree keys; both halves span the full 64 bits, which a double cannot.

export type StreamID = bigint;

export const U64_MAX = (1n << 64n) - 1n;
export const MIN_ID: StreamID = 0n;
export const MAX_ID: StreamID = (U64_MAX << 64n) | U64_MAX;

export function makeId(ms: bigint, seq: bigint): StreamID {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamID): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamID): bigint {
  return id & U64_MAX;
}

export function formatId(id: StreamID): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

export function compareIds(a: StreamID, b: StreamID): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Redis' streamIncrID: the next ID, or undefined past the last possible one. */
export function nextId(id: StreamID): StreamID | undefined {
  return id === MAX_ID ? undefined : id + 1n;
}

/** Redis' streamDecrID: the previous ID, or undefined before 0-0. */
export function prevId(id: StreamID): StreamID | undefined {
  return id === MIN_ID ? undefined : id - 1n;
}

/** Whitespace as C's isspace() sees it: strtoull skips it before the number. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Redis' string2ull: a canonical non-negative 64-bit integer, or what strtoull(s, 10) accepts
 * whole — leading whitespace and a sign included, a '-' negating modulo 2^64 as C does.
 */
export function parseU64(s: string): bigint | undefined {
  const n = s.length;
  let i = 0;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    negative = s[i] === '-';
    i++;
  }
  const start = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    i++;
  }
  if (i === start) return undefined;
  const digits = s.slice(start);
  // A canonical negative int64 is refused by string2ll's first branch before strtoull sees it.
  if (negative && start === 1 && digits[0] !== '0' && BigInt(digits) <= 1n << 63n) return undefined;
  const v = BigInt(digits);
  if (v > U64_MAX) return undefined;
  return negative ? (U64_MAX + 1n - v) & U64_MAX : v;
}

export interface ParsedId {
  id: StreamID;
  /** False for the <ms>-* form of XADD: the sequence is to be generated. */
  seqGiven: boolean;
}

/**
 * Redis' streamGenericParseIDOrReply without the reply: `-`/`+` (unless strict), <ms>-<seq>, <ms>
 * (its sequence is `missingSeq`), and with `allowSeqAuto` <ms>-*.
 */
export function parseStreamId(s: string, missingSeq: bigint, strict: boolean, allowSeqAuto = false): ParsedId | undefined {
  if (s.length > 127) return undefined;
  if (s === '-' || s === '+') return strict ? undefined : { id: s === '-' ? MIN_ID : MAX_ID, seqGiven: true };
  const dash = s.indexOf('-');
  const ms = parseU64(dash === -1 ? s : s.slice(0, dash));
  if (ms === undefined) return undefined;
  if (dash === -1) return { id: makeId(ms, missingSeq), seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowSeqAuto && rest === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = parseU64(rest);
  return seq === undefined ? undefined : { id: makeId(ms, seq), seqGiven: true };
}

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
