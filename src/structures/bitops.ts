// Bit-level operations on string values, with the semantics of Redis 7.0 src/bitops.c:
// SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD. Values are latin1 strings (one char
// per byte); bit 0 is the most significant bit of byte 0, as in Redis.
//
// These functions know nothing of commands: argument parsing, limits and replies stay with the
// caller, which must raise exactly these Redis errors before calling in here:
// - GETBIT/SETBIT/BITFIELD offsets: "ERR bit offset is not an integer or out of range" when the
//   offset is not an integer (string2ll rules), is negative, or (offset >> 3) >= proto-max-bulk-len
//   (512 MB by default, so offsets must be < 2^32). Redis skips the size check for commands from
//   its master or the AOF. For BITFIELD, parseBitfieldOffset returns null for the first two cases
//   and the caller applies the size check to the number it returns (the offset itself, not
//   offset + bits: Redis does the same).
// - SETBIT value other than 0 or 1: "ERR bit is not an integer or out of range".
// - BITCOUNT/BITPOS start or end not an int64: "ERR value is not an integer or out of range";
//   a unit other than BIT/BYTE, or a wrong argument count: "ERR syntax error". BITPOS bit other
//   than 0 or 1: "ERR The bit argument must be 1 or 0." (a non-integer gets the integer error).
//   BITCOUNT on a missing key is 0 (same as the empty string); bitPos takes `undefined` for a
//   missing key because Redis answers that differently from an existing empty string.
// - BITOP: unknown operation: "ERR syntax error"; NOT with other than one source: "ERR BITOP NOT
//   must be called with a single source key."; non-string sources: WRONGTYPE. An empty result
//   means the destination key is deleted; the reply is the result's length either way.
// - BITFIELD: parseBitfieldType returning null: "ERR Invalid bitfield type. Use something like
//   i16 u8. Note that u64 is not supported but i64 is."; OVERFLOW other than WRAP/SAT/FAIL: "ERR
//   Invalid OVERFLOW type specified"; SET value or INCRBY increment not an int64: "ERR value is not
//   an integer or out of range"; unknown subcommand or missing arguments: "ERR syntax error";
//   a write subcommand in BITFIELD_RO: "ERR BITFIELD_RO only supports the GET subcommand".
//   All arguments are validated before any operation runs. A BITFIELD with only GETs never
//   creates the key; with any SET/INCRBY the key is created or zero-grown even if every write
//   fails under OVERFLOW FAIL (bitfieldSet/bitfieldIncrBy return the grown value in that case).

export type BitfieldType = { signed: boolean; bits: number };
export type BitfieldOverflow = 'wrap' | 'sat' | 'fail';
export type BitUnit = 'byte' | 'bit';
export type BitOperation = 'and' | 'or' | 'xor' | 'not';

const POPCOUNT_BYTE = (() => {
  const table = new Uint8Array(256);
  for (let i = 1; i < 256; i++) table[i] = (i & 1) + table[i >> 1];
  return table;
})();

// Copies a latin1 string into a fresh zero-padded buffer whose length is a multiple of 4 and
// which starts its own ArrayBuffer, so a Uint32Array can view it (pooled Buffers may be
// misaligned). The zero padding is neutral for popcount, OR and XOR, and acts as the missing
// bytes that AND treats as zero.
function wordAlignedBytes(value: string, length = value.length): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(length / 4) * 4);
  Buffer.from(bytes.buffer, 0, value.length).write(value, 'latin1');
  return bytes;
}

function wordsOf(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, 0, bytes.length / 4);
}

function popcount(value: string): number {
  const words = wordsOf(wordAlignedBytes(value));
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    let x = words[i]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    x = (x + (x >>> 4)) & 0x0f0f0f0f;
    count += Math.imul(x, 0x01010101) >>> 24;
  }
  return count;
}

function byteAt(value: string, index: number): number {
  return index < value.length ? value.charCodeAt(index) : 0;
}

function zeroPadded(value: string, length: number): string {
  return value.length >= length ? value : value + '\0'.repeat(length - value.length);
}

function replaceBytes(value: string, at: number, bytes: number[]): string {
  return value.slice(0, at) + String.fromCharCode(...bytes) + value.slice(at + bytes.length);
}

// Offsets may exceed 2^31 bits, so no `>>`/`&` on them.
function byteIndexOf(bitOffset: number): number {
  return Math.floor(bitOffset / 8);
}

export function getBit(value: string, offset: number): 0 | 1 {
  return (byteAt(value, byteIndexOf(offset)) >> (7 - (offset % 8))) & 1 ? 1 : 0;
}

export function setBit(value: string, offset: number, bit: 0 | 1): { value: string; old: 0 | 1 } {
  const index = byteIndexOf(offset);
  const mask = 0x80 >> (offset % 8);
  const current = byteAt(value, index);
  const old = current & mask ? 1 : 0;
  if (old === bit && index < value.length) return { value, old };
  const updated = bit ? current | mask : current & ~mask;
  return { value: replaceBytes(zeroPadded(value, index + 1), index, [updated]), old };
}

// Index normalisation shared by BITCOUNT and BITPOS: negative indexes count from the end, then
// both are clamped into the string. `length` is in bytes or bits depending on the unit.
function clampRange(start: number, end: number, length: number): [number, number] {
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  return [start, end];
}

// Bits of the first/last byte of a BIT-unit range that lie outside it (Redis'
// first_byte_neg_mask / last_byte_neg_mask).
function bitsBefore(bitOffset: number): number {
  return ~(0xff >> (bitOffset % 8)) & 0xff;
}

function bitsAfter(bitOffset: number): number {
  return 0x7f >> (bitOffset % 8);
}

// BITCOUNT key start end [unit]; BITCOUNT key alone is bitCount(value, 0, -1, 'byte').
export function bitCount(value: string, start: number, end: number, unit: BitUnit): number {
  // Checked before normalisation, as Redis does: with both negative and inverted the range is
  // empty even if clamping would make it overlap the string.
  if (start < 0 && end < 0 && start > end) return 0;
  if (unit === 'byte') {
    const [from, to] = clampRange(start, end, value.length);
    return from > to ? 0 : popcount(value.slice(from, to + 1));
  }
  const [from, to] = clampRange(start, end, value.length * 8);
  if (from > to) return 0;
  const firstByte = byteIndexOf(from);
  const lastByte = byteIndexOf(to);
  return popcount(value.slice(firstByte, lastByte + 1))
    - POPCOUNT_BYTE[value.charCodeAt(firstByte) & bitsBefore(from)]!
    - POPCOUNT_BYTE[value.charCodeAt(lastByte) & bitsAfter(to)]!;
}

// Position (0-7 from the most significant bit) of the first `bit` in `byte`, or -1.
function bitInByte(byte: number, bit: 0 | 1): number {
  const ones = bit ? byte : ~byte & 0xff;
  return ones === 0 ? -1 : Math.clz32(ones) - 24;
}

// Bytes holding at least one 1 / one 0. Irregexp scans a one-byte string several times faster
// than a charCodeAt loop, which matters for long runs of 0x00 / 0xff.
const NOT_ALL_ZEROS = /[^\x00]/;
const NOT_ALL_ONES = /[^\xff]/;

// BITPOS key bit [start [end [unit]]]. `value` undefined is a missing key, which Redis treats
// as an infinite run of zeros whatever the range; `end` and `unit` only count when `start` is
// given, as in the command syntax.
export function bitPos(
  value: string | undefined, bit: 0 | 1, start: number | undefined, end: number | undefined, unit: BitUnit,
): number {
  if (value === undefined) return bit ? -1 : 0;
  const endGiven = start !== undefined && end !== undefined;
  let firstByte = 0;
  let lastByte = value.length - 1;
  let excludedFirst = 0;
  let excludedLast = 0;
  if (start !== undefined && unit === 'bit') {
    const [from, to] = clampRange(start, end ?? value.length * 8 + 7, value.length * 8);
    if (from > to) return -1;
    firstByte = byteIndexOf(from);
    lastByte = byteIndexOf(to);
    excludedFirst = bitsBefore(from);
    excludedLast = bitsAfter(to);
  } else if (start !== undefined) {
    [firstByte, lastByte] = clampRange(start, end ?? value.length - 1, value.length);
  }
  if (firstByte > lastByte) return -1;

  // Bits outside the range are forced to the opposite of what is searched for.
  const masked = (index: number, excluded: number): number => {
    const byte = value.charCodeAt(index);
    return bit ? byte & ~excluded : byte | excluded;
  };
  if (firstByte === lastByte) {
    const found = bitInByte(masked(firstByte, excludedFirst | excludedLast), bit);
    if (found >= 0) return firstByte * 8 + found;
  } else {
    const first = bitInByte(masked(firstByte, excludedFirst), bit);
    if (first >= 0) return firstByte * 8 + first;
    const middle = value.slice(firstByte + 1, lastByte).search(bit ? NOT_ALL_ZEROS : NOT_ALL_ONES);
    if (middle >= 0) {
      const index = firstByte + 1 + middle;
      return index * 8 + bitInByte(value.charCodeAt(index), bit);
    }
    const last = bitInByte(masked(lastByte, excludedLast), bit);
    if (last >= 0) return lastByte * 8 + last;
  }
  // Without an explicit end Redis pads the string with zeros on the right, so a clear bit is
  // always found just past the range; with one, the range is taken literally.
  return bit === 0 && !endGiven ? (lastByte + 1) * 8 : -1;
}

// BITOP op dest src...; `undefined` sources are missing keys and read as empty strings. The
// result is as long as the longest source, shorter sources reading as zero bytes; '' means the
// destination is to be deleted. NOT reads only the first source (the caller rejects others).
export function bitOp(op: BitOperation, sources: (string | undefined)[]): string {
  if (op === 'not') {
    const source = sources[0] ?? '';
    const result = wordAlignedBytes(source);
    const words = wordsOf(result);
    for (let i = 0; i < words.length; i++) words[i] = ~words[i]!;
    return Buffer.from(result.buffer, 0, source.length).toString('latin1');
  }
  let length = 0;
  for (const source of sources) length = Math.max(length, source?.length ?? 0);
  if (length === 0) return '';
  const resultBytes = wordAlignedBytes(sources[0] ?? '', length);
  const result = wordsOf(resultBytes);
  for (let s = 1; s < sources.length; s++) {
    const words = wordsOf(wordAlignedBytes(sources[s] ?? ''));
    switch (op) {
      case 'and':
        for (let i = 0; i < words.length; i++) result[i]! &= words[i]!;
        result.fill(0, words.length);
        break;
      case 'or':
        for (let i = 0; i < words.length; i++) result[i]! |= words[i]!;
        break;
      case 'xor':
        for (let i = 0; i < words.length; i++) result[i]! ^= words[i]!;
        break;
    }
  }
  return Buffer.from(resultBytes.buffer, 0, length).toString('latin1');
}

// Redis' string2ll: optional '-', no '+', no leading zeros or spaces, fits in int64.
function parseInt64(text: string): bigint | null {
  if (text.length === 0 || text.length >= 21 || !/^(?:0|-?[1-9][0-9]*)$/.test(text)) return null;
  const n = BigInt(text);
  return n === BigInt.asIntN(64, n) ? n : null;
}

// 'i1'..'i64' or 'u1'..'u63' (u64 replies could not fit Redis' signed integer reply). Redis
// reads the width with strlen, so anything after a NUL byte is ignored.
export function parseBitfieldType(s: string): BitfieldType | null {
  const text = s.split('\0', 1)[0]!;
  const signed = text[0] === 'i';
  if (!signed && text[0] !== 'u') return null;
  const bits = parseInt64(text.slice(1));
  if (bits === null || bits < 1n || bits > (signed ? 64n : 63n)) return null;
  return { signed, bits: Number(bits) };
}

// A bit offset, or '#n' for the n-th field of this type's width. The multiplication wraps at 64
// bits as in Redis (so '#2305843009213693952' for i8 is offset 0); null for a non-integer or a
// negative result. The caller applies the size limit (see the top of this file).
export function parseBitfieldOffset(s: string, type: BitfieldType): number | null {
  const byWidth = s[0] === '#';
  const n = parseInt64(byWidth ? s.slice(1) : s);
  if (n === null) return null;
  const offset = byWidth ? BigInt.asIntN(64, n * BigInt(type.bits)) : n;
  return offset < 0n ? null : Number(offset);
}

// The bytes a field spans, read as one big-endian integer (missing bytes are zero), and how many
// bits of it follow the field.
function fieldBytes(value: string, offset: number, bits: number): { first: number; acc: bigint; shift: bigint } {
  const first = byteIndexOf(offset);
  const last = byteIndexOf(offset + bits - 1);
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(byteAt(value, i));
  return { first, acc, shift: BigInt((last - first + 1) * 8 - (offset % 8) - bits) };
}

// BITFIELD GET: bits past the end of the string read as zero; the value is not grown.
export function bitfieldGet(value: string, offset: number, type: BitfieldType): bigint {
  const { acc, shift } = fieldBytes(value, offset, type.bits);
  const raw = acc >> shift;
  return type.signed ? BigInt.asIntN(type.bits, raw) : BigInt.asUintN(type.bits, raw);
}

// `value` must already cover the field.
function writeField(value: string, offset: number, bits: number, field: bigint): string {
  const { first, acc, shift } = fieldBytes(value, offset, bits);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  let updated = (acc & ~mask) | (BigInt.asUintN(bits, field) << shift);
  const bytes: number[] = [];
  for (let i = byteIndexOf(offset + bits - 1); i >= first; i--) {
    bytes.push(Number(updated & 0xffn));
    updated >>= 8n;
  }
  return replaceBytes(value, first, bytes.reverse());
}

function coverField(value: string, offset: number, bits: number): string {
  return zeroPadded(value, byteIndexOf(offset + bits - 1) + 1);
}

// Which way `value + incr` leaves a signed field's range: Redis'
// checkSignedBitfieldOverflow, including its int64 wrap-around. That wrap-around matters for SET
// (incr 0) with a value near INT64_MIN on a field narrower than 64 bits: `max - value` wraps
// negative, so Redis reports an overflow upwards and OVERFLOW SAT stores the maximum.
function signedOverflow(value: bigint, incr: bigint, bits: number): -1 | 0 | 1 {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) return 1;
  if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) return -1;
  return 0;
}

// The value a field takes for `value + incr` under the overflow policy; null when it overflows
// under FAIL. For unsigned fields `value` is already cast to uint64 and never exceeds the field's
// range when incr is non-zero, so the exact sum decides.
function fitField(value: bigint, incr: bigint, type: BitfieldType, overflow: BitfieldOverflow): bigint | null {
  const sum = value + incr;
  const limit = (1n << BigInt(type.signed ? type.bits - 1 : type.bits)) - 1n;
  const direction = type.signed ? signedOverflow(value, incr, type.bits) : sum > limit ? 1 : sum < 0n ? -1 : 0;
  if (direction === 0) return sum;
  switch (overflow) {
    case 'wrap': return type.signed ? BigInt.asIntN(type.bits, sum) : BigInt.asUintN(type.bits, sum);
    case 'sat': return direction > 0 ? limit : type.signed ? -limit - 1n : 0n;
    case 'fail': return null;
  }
}

// BITFIELD SET. `v` must be an int64. Redis stores an unsigned field's value through a cast to
// uint64, so a negative value for a uN field overflows upwards: SAT stores the maximum, WRAP its
// low N bits. A signed field narrower than 64 bits given a value near INT64_MIN saturates to its
// maximum, as Redis does (see signedOverflow). On failure (OVERFLOW FAIL; Redis replies nil)
// nothing is written but the value is still zero-grown to cover the field.
export function bitfieldSet(
  value: string, offset: number, type: BitfieldType, v: bigint, overflow: BitfieldOverflow,
): { value: string; old: bigint } | { value: string; old: bigint; failed: true } {
  const covered = coverField(value, offset, type.bits);
  const old = bitfieldGet(covered, offset, type);
  const stored = fitField(type.signed ? v : BigInt.asUintN(64, v), 0n, type, overflow);
  if (stored === null) return { value: covered, old, failed: true };
  return { value: writeField(covered, offset, type.bits, stored), old };
}

// BITFIELD INCRBY. `incr` must be an int64. `result` is the new value, or null when the
// increment overflows under OVERFLOW FAIL, in which case nothing is written but the value is
// still zero-grown to cover the field.
export function bitfieldIncrBy(
  value: string, offset: number, type: BitfieldType, incr: bigint, overflow: BitfieldOverflow,
): { value: string; result: bigint | null } {
  const covered = coverField(value, offset, type.bits);
  const result = fitField(bitfieldGet(covered, offset, type), incr, type, overflow);
  if (result === null) return { value: covered, result };
  return { value: writeField(covered, offset, type.bits, result), result };
}
