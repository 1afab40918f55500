// Readers for the compact blobs Redis embeds in RDB strings: listpack (7.0), ziplist (3.2-6.2),
// intset and zipmap (2.x). Each returns the elements as latin1 strings (integers in decimal, as
// Redis turns them back into strings) and checks every bound: a bad blob is RdbCorrupt, never a crash.
import { RdbCorrupt } from './rdb-reader.js';

function fail(what: string): never {
  throw new RdbCorrupt(`Bad data format: ${what}`);
}

/** The elements of a listpack: 4-byte total, 2-byte count, entries (each with its back-length), 0xFF. */
export function decodeListpack(b: Buffer): string[] {
  if (b.length < 7) fail('listpack too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length) fail('listpack size mismatch');
  const declared = b.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  const end = b.length - 1;
  if (b[end] !== 0xff) fail('listpack without terminator');
  while (p < end) {
    const start = p;
    const c = b[p];
    let value: string;
    if ((c & 0x80) === 0) {
      value = String(c & 0x7f);
      p += 1;
    } else if ((c & 0xc0) === 0x80) {
      const len = c & 0x3f;
      if (p + 1 + len > end) fail('listpack string overflow');
      value = b.toString('latin1', p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((c & 0xe0) === 0xc0) {
      if (p + 2 > end) fail('listpack int overflow');
      let v = ((c & 0x1f) << 8) | b[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      value = String(v);
      p += 2;
    } else if ((c & 0xf0) === 0xe0) {
      if (p + 2 > end) fail('listpack string overflow');
      const len = ((c & 0x0f) << 8) | b[p + 1];
      if (p + 2 + len > end) fail('listpack string overflow');
      value = b.toString('latin1', p + 2, p + 2 + len);
      p += 2 + len;
    } else {
      switch (c) {
        case 0xf0: {
          if (p + 5 > end) fail('listpack string overflow');
          const len = b.readUInt32LE(p + 1);
          if (p + 5 + len > end) fail('listpack string overflow');
          value = b.toString('latin1', p + 5, p + 5 + len);
          p += 5 + len;
          break;
        }
        case 0xf1:
          if (p + 3 > end) fail('listpack int overflow');
          value = String(b.readInt16LE(p + 1));
          p += 3;
          break;
        case 0xf2:
          if (p + 4 > end) fail('listpack int overflow');
          value = String(b.readIntLE(p + 1, 3));
          p += 4;
          break;
        case 0xf3:
          if (p + 5 > end) fail('listpack int overflow');
          value = String(b.readInt32LE(p + 1));
          p += 5;
          break;
        case 0xf4:
          if (p + 9 > end) fail('listpack int overflow');
          value = b.readBigInt64LE(p + 1).toString();
          p += 9;
          break;
        default:
          fail('listpack unknown entry encoding');
      }
    }
    const entryLen = p - start;
    p += backLenSize(entryLen);
    if (p > end) fail('listpack back-length overflow');
    out.push(value);
  }
  // 65535 means "too many to count" in the header.
  if (declared !== 65535 && declared !== out.length) fail('listpack count mismatch');
  return out;
}

/** The elements of a ziplist: 4-byte total, 4-byte tail offset, 2-byte count, entries, 0xFF. */
export function decodeZiplist(b: Buffer): string[] {
  if (b.length < 11) fail('ziplist too short');
  if (b.readUInt32LE(0) !== b.length) fail('ziplist size mismatch');
  const declared = b.readUInt16LE(8);
  const end = b.length - 1;
  if (b[end] !== 0xff) fail('ziplist without terminator');
  const out: string[] = [];
  let p = 10;
  while (p < end) {
    p += b[p] === 0xfe ? 5 : 1;
    if (p >= end) fail('ziplist entry overflow');
    const c = b[p];
    let value: string;
    const kind = c >>> 6;
    if (kind === 0) {
      const len = c & 0x3f;
      if (p + 1 + len > end) fail('ziplist string overflow');
      value = b.toString('latin1', p + 1, p + 1 + len);
      p += 1 + len;
    } else if (kind === 1) {
      if (p + 2 > end) fail('ziplist string overflow');
      const len = ((c & 0x3f) << 8) | b[p + 1];
      if (p + 2 + len > end) fail('ziplist string overflow');
      value = b.toString('latin1', p + 2, p + 2 + len);
      p += 2 + len;
    } else if (c === 0x80) {
      if (p + 5 > end) fail('ziplist string overflow');
      const len = b.readUInt32BE(p + 1);
      if (p + 5 + len > end) fail('ziplist string overflow');
      value = b.toString('latin1', p + 5, p + 5 + len);
      p += 5 + len;
    } else {
      const size = c === 0xc0 ? 2 : c === 0xd0 ? 4 : c === 0xe0 ? 8 : c === 0xf0 ? 3 : c === 0xfe ? 1 : c >= 0xf1 && c <= 0xfd ? 0 : -1;
      if (size < 0) fail('ziplist unknown entry encoding');
      if (p + 1 + size > end) fail('ziplist int overflow');
      const at = p + 1;
      if (size === 0) value = String((c & 0x0f) - 1);
      else if (size === 8) value = b.readBigInt64LE(at).toString();
      else value = String(b.readIntLE(at, size));
      p += 1 + size;
    }
    out.push(value);
  }
  if (declared !== 65535 && declared !== out.length) fail('ziplist count mismatch');
  return out;
}

/** The members of an intset: 4-byte element size (2, 4 or 8), 4-byte count, sorted little-endian ints. */
export function decodeIntset(b: Buffer): string[] {
  if (b.length < 8) fail('intset too short');
  const size = b.readUInt32LE(0);
  const count = b.readUInt32LE(4);
  if (size !== 2 && size !== 4 && size !== 8) fail('intset bad encoding');
  if (8 + size * count !== b.length) fail('intset size mismatch');
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const at = 8 + i * size;
    out[i] = size === 8 ? b.readBigInt64LE(at).toString() : String(b.readIntLE(at, size));
  }
  return out;
}

/** The field/value pairs of a zipmap (Redis 2.x hashes), flattened. */
export function decodeZipmap(b: Buffer): string[] {
  if (b.length < 2) fail('zipmap too short');
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= b.length) fail('zipmap overflow');
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 254) {
      if (p + 5 > b.length) fail('zipmap overflow');
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    p += 1;
    return -1;
  };
  for (;;) {
    const klen = readLen();
    if (klen === -1) break;
    if (p + klen > b.length) fail('zipmap overflow');
    out.push(b.toString('latin1', p, p + klen));
    p += klen;
    const vlen = readLen();
    if (vlen === -1) fail('zipmap value missing');
    if (p + 1 > b.length) fail('zipmap overflow');
    const free = b[p++];
    if (p + vlen + free > b.length) fail('zipmap overflow');
    out.push(b.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  if (p !== b.length) fail('zipmap trailing bytes');
  return out;
}

/** Bytes of a listpack entry's back-length for an entry of `n` bytes (Redis' lpEncodeBacklen thresholds). */
function backLenSize(n: number): number {
  return n <= 127 ? 1 : n < 16383 ? 2 : n < 2097151 ? 3 : n < 268435455 ? 4 : 5;
}

/** A listpack of the given elements (strings; canonical integers are stored as integers, as Redis does). */
export function encodeListpack(items: readonly string[]): Buffer {
  // Two passes over one buffer: sizes first, then the bytes (a save encodes many small listpacks).
  const ints = new Array<bigint | number | undefined>(items.length);
  let total = 6 + 1;
  for (let i = 0; i < items.length; i++) {
    ints[i] = items[i].length > 0 && items[i].length <= 20 ? canonicalInt64(items[i]) : undefined;
    const head = headSize(items[i], ints[i]);
    total += head + backLenSize(head);
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4);
  let p = 6;
  for (let i = 0; i < items.length; i++) p = writeEntry(out, p, items[i], ints[i]);
  out[p] = 0xff;
  return out;
}

function headSize(s: string, int: bigint | number | undefined): number {
  if (int !== undefined) {
    const v = Number(int);
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648 && v <= 2147483647) return 5;
    return 9;
  }
  const n = s.length;
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}

function writeEntry(out: Buffer, at: number, s: string, int: bigint | number | undefined): number {
  const size = headSize(s, int);
  let p = at;
  if (int !== undefined) {
    const v = Number(int);
    if (size === 1) out[p] = v;
    else if (size === 2) {
      const u = v & 0x1fff;
      out[p] = 0xc0 | (u >>> 8);
      out[p + 1] = u & 0xff;
    } else if (size === 3) {
      out[p] = 0xf1;
      out.writeInt16LE(v, p + 1);
    } else if (size === 4) {
      out[p] = 0xf2;
      out.writeIntLE(v, p + 1, 3);
    } else if (size === 5) {
      out[p] = 0xf3;
      out.writeInt32LE(v, p + 1);
    } else {
      out[p] = 0xf4;
      out.writeBigInt64LE(BigInt(int), p + 1);
    }
  } else {
    const n = s.length;
    if (n < 64) {
      out[p] = 0x80 | n;
      out.write(s, p + 1, 'latin1');
    } else if (n < 4096) {
      out[p] = 0xe0 | (n >>> 8);
      out[p + 1] = n & 0xff;
      out.write(s, p + 2, 'latin1');
    } else {
      out[p] = 0xf0;
      out.writeUInt32LE(n, p + 1);
      out.write(s, p + 5, 'latin1');
    }
  }
  p += size;
  // The back-length: 7 bits per byte, most significant first, the high bit set on all but the first.
  const bl = backLenSize(size);
  let v = size;
  for (let i = bl - 1; i >= 0; i--) {
    out[p + i] = (v & 0x7f) | (i > 0 ? 0x80 : 0);
    v >>>= 7;
  }
  return p + bl;
}

const CANONICAL = /^(0|-?[1-9][0-9]*)$/;

/** The value of a canonical 64-bit decimal (a number when exact, else a bigint); undefined otherwise. */
function canonicalInt64(s: string): bigint | number | undefined {
  if (!CANONICAL.test(s)) return undefined;
  if (s.length <= 15) return Number(s);
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
