// The byte-level RDB writer: lengths, strings (int-encoded or LZF-compressed as Redis' rdbSaveRawString
// decides), binary doubles, millisecond times. Values are appended to one growing buffer, which the
// snapshot writer hands to its sink in slices; DUMP uses it for a single value.
import { lzfCompress } from './lzf.js';
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_32BIT, LEN_64BIT, LEN_ENCVAL } from './rdb-format.js';

const INITIAL_CAPACITY = 64 * 1024;
/** Redis compresses strings longer than 20 bytes only. */
const LZF_MIN_LENGTH = 21;
/** Redis' rdbTryIntegerEncoding applies to strings of at most 11 chars. */
const INT_ENCODING_MAX_LENGTH = 11;

export interface EncoderOptions {
  /** rdbcompression: LZF-compress long strings when that saves at least 4 bytes. */
  compress: boolean;
}

export class RdbEncoder {
  private buf: Buffer;
  private pos = 0;

  constructor(readonly options: EncoderOptions, capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written since the last take(), and a fresh start (the buffer is reused when small). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (this.buf.length > 4 * INITIAL_CAPACITY) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
    return out;
  }

  /** A view of everything written so far (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Raw latin1 characters (one byte each), without a length. */
  latin1(s: string): void {
    this.reserve(s.length);
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1');
  }

  /** Redis' rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit big-endian lengths. */
  len(n: number): void {
    if (n < 64) return this.byte(n);
    if (n < 16384) {
      this.reserve(2);
      this.buf[this.pos++] = 0x40 | (n >>> 8);
      this.buf[this.pos++] = n & 0xff;
      return;
    }
    if (n <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.pos++] = LEN_32BIT;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
      return;
    }
    this.reserve(9);
    this.buf[this.pos++] = LEN_64BIT;
    this.buf.writeBigUInt64BE(BigInt(n), this.pos);
    this.pos += 8;
  }

  u8(n: number): void {
    this.byte(n & 0xff);
  }

  u32LE(n: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }

  /** A millisecond Unix time as 8 little-endian bytes (EXPIRETIME_MS, aux ctime is a string). */
  millis(ms: number): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(ms), this.pos);
    this.pos += 8;
  }

  /** An IEEE double, little-endian (ZSET_2 scores). */
  double(d: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** An integer in the special int encoding when it fits 32 bits; false otherwise. */
  private intEncoded(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.reserve(2);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT8;
      this.buf.writeInt8(v, this.pos);
      this.pos += 1;
      return true;
    }
    if (v >= -32768 && v <= 32767) {
      this.reserve(3);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
      return true;
    }
    if (v >= -2147483648 && v <= 2147483647) {
      this.reserve(5);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
      return true;
    }
    return false;
  }

  /** An integer value (Ferrite's int-encoded strings): int encoding, or its decimal form. */
  integer(v: number): void {
    if (!this.intEncoded(v)) this.string(String(v));
  }

  /** Redis' rdbSaveRawString over a latin1 string: int encoding, then LZF, then raw. */
  string(s: string): void {
    const n = s.length;
    if (n <= INT_ENCODING_MAX_LENGTH && n > 0) {
      const v = canonicalInt32(s);
      if (v !== undefined && this.intEncoded(v)) return;
    }
    if (this.options.compress && n >= LZF_MIN_LENGTH) {
      // Write the raw bytes past a worst-case header, compress from there, keep whichever is written.
      const header = 1 + 9 + 9;
      this.reserve(header + n);
      const rawAt = this.pos + header;
      this.buf.write(s, rawAt, n, 'latin1');
      const packed = lzfCompress(this.buf.subarray(rawAt, rawAt + n));
      if (packed !== undefined) {
        this.byte((LEN_ENCVAL << 6) | ENC_LZF);
        this.len(packed.length);
        this.len(n);
        this.bytes(packed);
        return;
      }
    }
    this.len(n);
    this.latin1(s);
  }

  /** A raw byte string (listpack and intset blobs). */
  blob(b: Uint8Array): void {
    if (this.options.compress && b.length >= LZF_MIN_LENGTH) {
      const packed = lzfCompress(b);
      if (packed !== undefined) {
        this.byte((LEN_ENCVAL << 6) | ENC_LZF);
        this.len(packed.length);
        this.len(b.length);
        this.bytes(packed);
        return;
      }
    }
    this.len(b.length);
    this.bytes(b);
  }
}

/** The value of a string that is the canonical decimal form of a 32-bit integer (Redis' string2ll+ll2string round trip). */
function canonicalInt32(s: string): number | undefined {
  const c0 = s.charCodeAt(0);
  if (c0 !== 45 && (c0 < 48 || c0 > 57)) return undefined;
  const v = Number(s);
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) return undefined;
  return String(v) === s ? v : undefined;
}
