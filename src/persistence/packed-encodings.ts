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
  const parts: Buffer[] = [];
  let total = 6 + 1;
  for (const s of items) {
    const entry = listpackEntry(s);
    parts.push(entry);
    total += entry.length;
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4);
  let p = 6;
  for (const e of parts) {
    e.copy(out, p);
    p += e.length;
  }
  out[p] = 0xff;
  return out;
}

function listpackEntry(s: string): Buffer {
  const n = s.length;
  let head: Buffer;
  const int = n > 0 && n <= 20 ? canonicalInt64(s) : undefined;
  if (int !== undefined) {
    if (int >= 0n && int <= 127n) head = Buffer.from([Number(int)]);
    else if (int >= -4096n && int <= 4095n) {
      const v = Number(int) & 0x1fff;
      head = Buffer.from([0xc0 | (v >>> 8), v & 0xff]);
    } else if (int >= -32768n && int <= 32767n) {
      head = Buffer.allocUnsafe(3);
      head[0] = 0xf1;
      head.writeInt16LE(Number(int), 1);
    } else if (int >= -8388608n && int <= 8388607n) {
      head = Buffer.allocUnsafe(4);
      head[0] = 0xf2;
      head.writeIntLE(Number(int), 1, 3);
    } else if (int >= -2147483648n && int <= 2147483647n) {
      head = Buffer.allocUnsafe(5);
      head[0] = 0xf3;
      head.writeInt32LE(Number(int), 1);
    } else {
      head = Buffer.allocUnsafe(9);
      head[0] = 0xf4;
      head.writeBigInt64LE(int, 1);
    }
  } else if (n < 64) {
    head = Buffer.allocUnsafe(1 + n);
    head[0] = 0x80 | n;
    head.write(s, 1, 'latin1');
  } else if (n < 4096) {
    head = Buffer.allocUnsafe(2 + n);
    head[0] = 0xe0 | (n >>> 8);
    head[1] = n & 0xff;
    head.write(s, 2, 'latin1');
  } else {
    head = Buffer.allocUnsafe(5 + n);
    head[0] = 0xf0;
    head.writeUInt32LE(n, 1);
    head.write(s, 5, 'latin1');
  }
  const l = head.length;
  const bl = backLenSize(l);
  const out = Buffer.allocUnsafe(l + bl);
  head.copy(out, 0);
  // The back-length: 7 bits per byte, most significant first, the high bit set on all but the first.
  let v = l;
  for (let i = bl - 1; i >= 0; i--) {
    out[l + i] = (v & 0x7f) | (i > 0 ? 0x80 : 0);
    v >>>= 7;
  }
  return out;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function canonicalInt64(s: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}
