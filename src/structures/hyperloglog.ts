// HyperLogLog over Redis string values, byte-for-byte the representation of Redis 7's
// src/hyperloglog.c, so values can be exchanged with real Redis (RDB, replication, GET/SET).
//
// Layout: a 16-byte header ("HYLL", encoding byte, 3 unused bytes, 8-byte little-endian cached
// cardinality whose top bit flags the cache as stale), then either 16384 6-bit registers packed
// LSB-first (dense) or a run-length opcode stream (sparse):
//   ZERO  00xxxxxx           xxxxxx+1 registers set to 0 (1..64)
//   XZERO 01xxxxxx yyyyyyyy  14-bit length+1 registers set to 0 (1..16384)
//   VAL   1vvvvvxx           xx+1 registers (1..4) set to vvvvv+1 (1..32)
// The sparse editing below deliberately follows Redis step by step (split in place, then merge
// adjacent VALs scanning at most five opcodes), because a "better" encoding would produce
// different bytes than Redis does.
import { Buffer } from 'node:buffer';

export const HLL_INVALID = 'INVALIDOBJ';

const WRONGTYPE_MESSAGE = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPTED_MESSAGE = `${HLL_INVALID} Corrupted HLL object detected`;

export class HllError extends Error {
  override name = 'HllError';
}

const HDR_SIZE = 16;
const ENCODING_OFFSET = 4;
const CARD_OFFSET = 8;
const CACHE_FLAG_OFFSET = CARD_OFFSET + 7;
const CACHE_STALE_BIT = 0x80;
const DENSE = 0;
const SPARSE = 1;
const MAX_ENCODING = SPARSE;

const P = 14;
const Q = 64 - P;
const REGISTERS = 1 << P;
const P_MASK = REGISTERS - 1;
const BITS = 6;
const REGISTER_MAX = (1 << BITS) - 1;
const DENSE_SIZE = HDR_SIZE + Math.floor((REGISTERS * BITS + 7) / 8);

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_BIT = 0x40;
const SPARSE_VAL_BIT = 0x80;
/** Redis rewrites at most this many opcodes around an edit when merging equal VALs. */
const SPARSE_MERGE_SCAN = 5;
/** Worst-case growth of one sparse edit: XZERO split into XZERO-VAL-XZERO. */
const SPARSE_MAX_GROWTH = 3;

const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)
const HASH_SEED = 0xadc83b19;

/** Outcome of setting one register, as Redis' hllSparseSet/hllDenseSet return it. */
const enum SetResult {
  Corrupted = -1,
  Unchanged = 0,
  Changed = 1,
}

// ---------------------------------------------------------------------------------------------
// MurmurHash64A on 32-bit halves: BigInt would allocate per element and PFADD hashes millions.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO_LOW16 = M_LO & 0xffff;
const M_LO_HIGH16 = M_LO >>> 16;

// The 64-bit result of mulM/murmurHash64A, returned through module state so the hot path
// allocates nothing.
let resultHi = 0;
let resultLo = 0;

/** (hi:lo) * 0xc6a4a7935bd1e995 mod 2^64, into resultHi:resultLo. */
function mulM(hi: number, lo: number): void {
  // lo * M_LO needs the full 64-bit product, built from 16-bit pieces that doubles hold exactly;
  // the cross terms only contribute their low 32 bits to the high word, which Math.imul gives.
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const p00 = a0 * M_LO_LOW16;
  const mid = a1 * M_LO_LOW16 + a0 * M_LO_HIGH16 + (p00 >>> 16);
  resultLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  resultHi = (a1 * M_LO_HIGH16 + Math.floor(mid / 0x10000) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
}

/** Redis' MurmurHash64A(key, len, 0xadc83b19) over the latin1 bytes of `key`. */
function murmurHash64A(key: string): void {
  const len = key.length;
  mulM(0, len);
  let hHi = resultHi;
  let hLo = (resultLo ^ HASH_SEED) >>> 0;
  const blocksEnd = len - (len & 7);
  let i = 0;
  for (; i < blocksEnd; i += 8) {
    const kLo = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
    const kHi = key.charCodeAt(i + 4) | (key.charCodeAt(i + 5) << 8) | (key.charCodeAt(i + 6) << 16) | (key.charCodeAt(i + 7) << 24);
    mulM(kHi, kLo >>> 0);
    // k ^= k >> 47 only touches the low word: it receives the top 17 bits of the high word.
    mulM(resultHi, (resultLo ^ (resultHi >>> 15)) >>> 0);
    mulM((hHi ^ resultHi) >>> 0, (hLo ^ resultLo) >>> 0);
    hHi = resultHi;
    hLo = resultLo;
  }
  const tail = len & 7;
  if (tail > 0) {
    if (tail >= 7) hHi ^= key.charCodeAt(i + 6) << 16;
    if (tail >= 6) hHi ^= key.charCodeAt(i + 5) << 8;
    if (tail >= 5) hHi ^= key.charCodeAt(i + 4);
    if (tail >= 4) hLo ^= key.charCodeAt(i + 3) << 24;
    if (tail >= 3) hLo ^= key.charCodeAt(i + 2) << 16;
    if (tail >= 2) hLo ^= key.charCodeAt(i + 1) << 8;
    hLo ^= key.charCodeAt(i);
    mulM(hHi >>> 0, hLo >>> 0);
    hHi = resultHi;
    hLo = resultLo;
  }
  mulM(hHi, (hLo ^ (hHi >>> 15)) >>> 0);
  resultLo = (resultLo ^ (resultHi >>> 15)) >>> 0;
}

function countTrailingZeros(x: number): number {
  return 31 - Math.clz32(x & -x);
}

// Register index of the last patternLength() call, kept in module state like the hash result.
let patternIndex = 0;

/** Redis' hllPatLen: register index (into patternIndex) and the length of the "00..1" run. */
function patternLength(element: string): number {
  murmurHash64A(element);
  patternIndex = resultLo & P_MASK;
  // Bits P..P+31 of the hash; if all zero, continue into the rest of the high word, where
  // Redis' sentinel bit at Q (after dropping P bits) caps the count at Q+1.
  const low = ((resultLo >>> P) | (resultHi << (32 - P))) >>> 0;
  if (low !== 0) return 1 + countTrailingZeros(low);
  return 1 + 32 + countTrailingZeros((resultHi >>> P) | (1 << (Q - 32)));
}

// ---------------------------------------------------------------------------------------------
// The value being edited: bytes[0..length) is the string, followed by spare room. Like an sds
// string, bytes[length] is kept 0: Redis reads that terminator when a dense access touches the
// byte after the last register or a truncated XZERO ends the value.

class HllValue {
  constructor(public bytes: Buffer, public length: number) {}

  static fromString(value: string): HllValue {
    const bytes = Buffer.alloc(value.length + SPARSE_MAX_GROWTH + 1);
    bytes.write(value, 0, 'latin1');
    return new HllValue(bytes, value.length);
  }

  /** Redis' createHLLObject: sparse, valid cached cardinality 0, one XZERO covering everything. */
  static emptySparse(): HllValue {
    const hll = new HllValue(Buffer.alloc(HDR_SIZE + 2 + SPARSE_MAX_GROWTH + 1), HDR_SIZE + 2);
    hll.bytes.write('HYLL', 0, 'latin1');
    hll.bytes[ENCODING_OFFSET] = SPARSE;
    writeXzero(hll.bytes, HDR_SIZE, REGISTERS);
    return hll;
  }

  get encoding(): number {
    return this.bytes[ENCODING_OFFSET];
  }

  ensureRoom(extra: number): void {
    const needed = this.length + extra + 1;
    if (this.bytes.length >= needed) return;
    const grown = Buffer.alloc(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  setLength(length: number): void {
    this.length = length;
    this.bytes[length] = 0;
  }

  invalidateCache(): void {
    this.bytes[CACHE_FLAG_OFFSET] |= CACHE_STALE_BIT;
  }

  toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Dense registers. `bytes` holds the whole value, so registers start at HDR_SIZE.

function denseGet(bytes: Uint8Array, regnum: number): number {
  const bit = regnum * BITS;
  const byte = HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  return ((bytes[byte] >>> fb) | (bytes[byte + 1] << (8 - fb))) & REGISTER_MAX;
}

function denseWrite(bytes: Uint8Array, regnum: number, value: number): void {
  const bit = regnum * BITS;
  const byte = HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  bytes[byte] = (bytes[byte] & ~(REGISTER_MAX << fb)) | (value << fb);
  bytes[byte + 1] = (bytes[byte + 1] & ~(REGISTER_MAX >>> fb8)) | (value >>> fb8);
}

/** Redis' hllDenseSet: raise register `regnum` to `count` if it is lower. */
function denseSet(bytes: Uint8Array, regnum: number, count: number): SetResult {
  if (count <= denseGet(bytes, regnum)) return SetResult.Unchanged;
  denseWrite(bytes, regnum, count);
  return SetResult.Changed;
}

// ---------------------------------------------------------------------------------------------
// Sparse opcodes.

function isZeroOp(op: number): boolean {
  return (op & 0xc0) === 0;
}

function isXzeroOp(op: number): boolean {
  return (op & 0xc0) === SPARSE_XZERO_BIT;
}

function zeroLength(op: number): number {
  return (op & 0x3f) + 1;
}

function xzeroLength(op: number, nextByte: number): number {
  return (((op & 0x3f) << 8) | nextByte) + 1;
}

function valValue(op: number): number {
  return ((op >>> 2) & 0x1f) + 1;
}

function valLength(op: number): number {
  return (op & 0x3) + 1;
}

function valOp(value: number, length: number): number {
  return (((value - 1) << 2) | (length - 1)) | SPARSE_VAL_BIT;
}

function writeXzero(bytes: Uint8Array, at: number, length: number): void {
  bytes[at] = ((length - 1) >>> 8) | SPARSE_XZERO_BIT;
  bytes[at + 1] = (length - 1) & 0xff;
}

/** Appends the opcode Redis uses for a run of `length` zero registers. */
function pushZeros(seq: number[], length: number): void {
  if (length > SPARSE_ZERO_MAX_LEN) {
    seq.push(((length - 1) >>> 8) | SPARSE_XZERO_BIT, (length - 1) & 0xff);
  } else {
    seq.push(length - 1);
  }
}

/**
 * Walks the sparse opcodes of `bytes[HDR_SIZE..length)` calling `onRun(first, runLength, value)`
 * for every run; returns the number of registers covered (16384 when the value is well formed).
 * Stops early, like Redis, when a VAL run would go past the last register.
 */
function walkSparse(bytes: Uint8Array, length: number, onRun: (first: number, runLength: number, value: number) => void): number {
  let idx = 0;
  let p = HDR_SIZE;
  while (p < length) {
    const op = bytes[p];
    if (isZeroOp(op)) {
      const runLength = zeroLength(op);
      onRun(idx, runLength, 0);
      idx += runLength;
      p++;
    } else if (isXzeroOp(op)) {
      const runLength = xzeroLength(op, bytes[p + 1]);
      onRun(idx, runLength, 0);
      idx += runLength;
      p += 2;
    } else {
      const runLength = valLength(op);
      if (runLength + idx > REGISTERS) break;
      onRun(idx, runLength, valValue(op));
      idx += runLength;
      p++;
    }
  }
  return idx;
}

/** Redis' hllSparseToDense; false when the sparse stream does not cover exactly 16384 registers. */
function sparseToDense(hll: HllValue): boolean {
  if (hll.encoding === DENSE) return true;
  const dense = Buffer.alloc(DENSE_SIZE + 1);
  // The header is copied whole: magic, unused bytes and the cached cardinality survive.
  hll.bytes.copy(dense, 0, 0, HDR_SIZE);
  dense[ENCODING_OFFSET] = DENSE;
  const covered = walkSparse(hll.bytes, hll.length, (first, runLength, value) => {
    if (value === 0) return;
    for (let r = first; r < first + runLength; r++) denseWrite(dense, r, value);
  });
  if (covered !== REGISTERS) return false;
  hll.bytes = dense;
  hll.length = DENSE_SIZE;
  return true;
}

function promoteAndSet(hll: HllValue, index: number, count: number): SetResult {
  if (!sparseToDense(hll)) return SetResult.Corrupted;
  return denseSet(hll.bytes, index, count);
}

/** Redis' hllSparseSet: raise register `index` to `count`, editing the opcode stream in place. */
function sparseSet(hll: HllValue, index: number, count: number, sparseMaxBytes: number): SetResult {
  if (count > SPARSE_VAL_MAX_VALUE) return promoteAndSet(hll, index, count);
  hll.ensureRoom(SPARSE_MAX_GROWTH);
  const bytes = hll.bytes;
  let end = hll.length;

  // Step 1: find the opcode covering `index`.
  let p = HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = bytes[p];
    let oplen = 1;
    if (isZeroOp(op)) {
      span = zeroLength(op);
    } else if (op & SPARSE_VAL_BIT) {
      span = valLength(op);
    } else {
      span = xzeroLength(op, bytes[p + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return SetResult.Corrupted;

  const op = bytes[p];
  const isXzero = isXzeroOp(op);
  const isZero = isZeroOp(op);
  const isVal = !isXzero && !isZero;
  const opEnd = isXzero ? p + 2 : p + 1;
  const next = opEnd < end ? opEnd : -1;

  // Step 2: a VAL already >= count needs nothing; single-register VAL/ZERO is rewritten as is.
  if (isVal && valValue(op) >= count) return SetResult.Unchanged;
  if ((isVal || isZero) && span === 1) {
    bytes[p] = valOp(count, 1);
  } else {
    // Split the run into (left part, VAL count:1, right part).
    const seq: number[] = [];
    const last = first + span - 1;
    if (isVal) {
      const current = valValue(op);
      if (index !== first) seq.push(valOp(current, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(current, last - index));
    } else {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    }

    // Step 3: splice the new sequence over the old opcode, unless that outgrows the sparse limit.
    const deltalen = seq.length - (isXzero ? 2 : 1);
    if (deltalen > 0 && hll.length + deltalen > sparseMaxBytes) return promoteAndSet(hll, index, count);
    if (deltalen !== 0 && next !== -1) bytes.copyWithin(next + deltalen, next, end);
    hll.setLength(hll.length + deltalen);
    bytes.set(seq, p);
    end += deltalen;
  }

  // Step 4: merge adjacent VALs of equal value, scanning a few opcodes from the previous one.
  p = prev !== -1 ? prev : HDR_SIZE;
  let scanlen = SPARSE_MERGE_SCAN;
  while (p < end && scanlen-- > 0) {
    const cur = bytes[p];
    if (isXzeroOp(cur)) {
      p += 2;
      continue;
    }
    if (isZeroOp(cur)) {
      p++;
      continue;
    }
    if (p + 1 < end && bytes[p + 1] & SPARSE_VAL_BIT) {
      const following = bytes[p + 1];
      const value = valValue(cur);
      const merged = valLength(cur) + valLength(following);
      if (value === valValue(following) && merged <= SPARSE_VAL_MAX_LEN) {
        bytes[p + 1] = valOp(value, merged);
        bytes.copyWithin(p, p + 1, end);
        end--;
        hll.setLength(hll.length - 1);
        // Retry at the same position: the merged VAL may merge with its new right neighbour.
        continue;
      }
    }
    p++;
  }
  hll.invalidateCache();
  return SetResult.Changed;
}

// ---------------------------------------------------------------------------------------------
// Cardinality estimation (Otmar Ertl, "New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), in Redis' exact floating-point operation order so results
// round identically.

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    // Redis writes pow(1 - x, 2), which the C compiler turns into this exact multiplication.
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** Cardinality from a histogram of register values (index = value, 0..Q+1). */
function estimate(histogram: Int32Array): number {
  const m = REGISTERS;
  let z = m * hllTau((m - histogram[Q + 1]) / m);
  for (let j = Q; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * hllSigma(histogram[0] / m);
  // llroundl: halves away from zero, the same as Math.round for these non-negative values.
  return Math.round((ALPHA_INF * m * m) / z);
}

/** Histogram of one HLL's registers, or null when a sparse value is corrupted. */
function histogramOf(bytes: Uint8Array, length: number): Int32Array | null {
  const histogram = new Int32Array(64);
  if (bytes[ENCODING_OFFSET] === DENSE) {
    for (let r = 0; r < REGISTERS; r++) histogram[denseGet(bytes, r)]++;
    return histogram;
  }
  // Unlike the merge walk, Redis' sparse histogram never stops early: it only checks the total.
  let idx = 0;
  let p = HDR_SIZE;
  while (p < length) {
    const op = bytes[p];
    if (isZeroOp(op)) {
      histogram[0] += zeroLength(op);
      idx += zeroLength(op);
      p++;
    } else if (isXzeroOp(op)) {
      const runLength = xzeroLength(op, bytes[p + 1]);
      histogram[0] += runLength;
      idx += runLength;
      p += 2;
    } else {
      histogram[valValue(op)] += valLength(op);
      idx += valLength(op);
      p++;
    }
  }
  return idx === REGISTERS ? histogram : null;
}

/** Redis' hllMerge: max[i] = MAX(max[i], register i); false when the value is corrupted. */
function mergeRegistersInto(max: Uint8Array, bytes: Uint8Array, length: number): boolean {
  if (bytes[ENCODING_OFFSET] === DENSE) {
    for (let r = 0; r < REGISTERS; r++) {
      const value = denseGet(bytes, r);
      if (value > max[r]) max[r] = value;
    }
    return true;
  }
  const covered = walkSparse(bytes, length, (first, runLength, value) => {
    for (let r = first; r < first + runLength; r++) if (value > max[r]) max[r] = value;
  });
  return covered === REGISTERS;
}

/** Bytes of a value with one spare zero byte, for dense reads of the last register. */
function bytesOf(value: string): Buffer {
  const bytes = Buffer.alloc(value.length + 1);
  bytes.write(value, 0, 'latin1');
  return bytes;
}

function readCachedCardinality(bytes: Uint8Array): number {
  let card = 0;
  for (let i = 7; i >= 0; i--) card = card * 256 + bytes[CARD_OFFSET + i];
  return card;
}

function writeCachedCardinality(bytes: Uint8Array, card: number): void {
  let rest = card;
  for (let i = 0; i < 8; i++) {
    bytes[CARD_OFFSET + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API, one function per command.

/** Header check of Redis' isHLLObjectOrReply. */
export function isHll(value: string): boolean {
  if (value.length < HDR_SIZE) return false;
  if (!value.startsWith('HYLL')) return false;
  const encoding = value.charCodeAt(ENCODING_OFFSET);
  if (encoding > MAX_ENCODING) return false;
  return encoding !== DENSE || value.length === DENSE_SIZE;
}

/**
 * PFADD. Returns the new value and whether any register changed (PFADD's 1/0; creating the key
 * counts as a change). Throws HllError with Redis' WRONGTYPE or INVALIDOBJ text.
 */
export function hllAdd(current: string | undefined, elements: string[], sparseMaxBytes: number): { value: string; changed: boolean } {
  let hll: HllValue;
  let changed = false;
  if (current === undefined) {
    hll = HllValue.emptySparse();
    changed = true;
  } else {
    if (!isHll(current)) throw new HllError(WRONGTYPE_MESSAGE);
    hll = HllValue.fromString(current);
  }
  for (const element of elements) {
    const count = patternLength(element);
    const result = hll.encoding === DENSE ? denseSet(hll.bytes, patternIndex, count) : sparseSet(hll, patternIndex, count, sparseMaxBytes);
    if (result === SetResult.Corrupted) throw new HllError(CORRUPTED_MESSAGE);
    if (result === SetResult.Changed) changed = true;
  }
  if (!changed && current !== undefined) return { value: current, changed };
  hll.invalidateCache();
  return { value: hll.toString(), changed };
}

/**
 * PFCOUNT. `values` are the keys' values in argument order, undefined for a missing key. With one
 * key the cached cardinality is used or recomputed and stored in the header, and `updatedCache`
 * carries the rewritten value to store back; with several keys the union is counted and nothing
 * is rewritten. Throws HllError with Redis' WRONGTYPE or INVALIDOBJ text.
 */
export function hllCount(values: (string | undefined)[]): { count: number; updatedCache: (string | undefined)[] } {
  const updatedCache: (string | undefined)[] = values.map(() => undefined);
  if (values.length === 1) {
    const value = values[0];
    if (value === undefined) return { count: 0, updatedCache };
    if (!isHll(value)) throw new HllError(WRONGTYPE_MESSAGE);
    const bytes = bytesOf(value);
    if ((bytes[CACHE_FLAG_OFFSET] & CACHE_STALE_BIT) === 0) return { count: readCachedCardinality(bytes), updatedCache };
    const histogram = histogramOf(bytes, value.length);
    if (histogram === null) throw new HllError(CORRUPTED_MESSAGE);
    const count = estimate(histogram);
    writeCachedCardinality(bytes, count);
    updatedCache[0] = bytes.toString('latin1', 0, value.length);
    return { count, updatedCache };
  }
  const max = new Uint8Array(REGISTERS);
  for (const value of values) {
    if (value === undefined) continue;
    if (!isHll(value)) throw new HllError(WRONGTYPE_MESSAGE);
    if (!mergeRegistersInto(max, bytesOf(value), value.length)) throw new HllError(CORRUPTED_MESSAGE);
  }
  const histogram = new Int32Array(64);
  for (let r = 0; r < REGISTERS; r++) histogram[max[r]]++;
  return { count: estimate(histogram), updatedCache };
}

/**
 * PFMERGE. Returns the destination's new value: the union of `dest` (undefined when missing)
 * and `sources` (undefined entries are missing keys). As in Redis 7 the result stays sparse
 * unless an input is dense or it outgrows `sparseMaxBytes`, and the old cached cardinality bytes
 * are kept with the stale flag set. Throws HllError with Redis' WRONGTYPE or INVALIDOBJ text.
 */
export function hllMerge(dest: string | undefined, sources: (string | undefined)[], sparseMaxBytes = 3000): string {
  const max = new Uint8Array(REGISTERS);
  let useDense = false;
  for (const value of [dest, ...sources]) {
    if (value === undefined) continue;
    if (!isHll(value)) throw new HllError(WRONGTYPE_MESSAGE);
    if (value.charCodeAt(ENCODING_OFFSET) === DENSE) useDense = true;
    if (!mergeRegistersInto(max, bytesOf(value), value.length)) throw new HllError(CORRUPTED_MESSAGE);
  }
  const hll = dest === undefined ? HllValue.emptySparse() : HllValue.fromString(dest);
  if (useDense && !sparseToDense(hll)) throw new HllError(CORRUPTED_MESSAGE);
  for (let r = 0; r < REGISTERS; r++) {
    if (max[r] === 0) continue;
    if (hll.encoding === DENSE) denseSet(hll.bytes, r, max[r]);
    else sparseSet(hll, r, max[r], sparseMaxBytes);
  }
  hll.invalidateCache();
  return hll.toString();
}
