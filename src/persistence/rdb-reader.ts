// The byte-level RDB reader over one buffer: lengths, strings in every encoding, doubles, times.
// Running out of bytes throws RdbTruncated (the incremental loader then waits for more input and
// re-reads the entry); anything malformed throws RdbCorrupt with what was wrong.
import { LzfError, lzfDecompress } from './lzf.js';
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_14BIT, LEN_32BIT, LEN_64BIT, LEN_6BIT, LEN_ENCVAL } from './rdb-format.js';

export class RdbCorrupt extends Error {}
/** Thrown when the input ends inside an entry. */
export class RdbTruncated extends Error {
  constructor() {
    super('Unexpected EOF reading RDB file');
  }
}

/** Largest string a length may announce: Redis' proto-max-bulk-len ceiling, well within a Buffer. */
const MAX_STRING = 512 * 1024 * 1024;

export class RdbReader {
  pos = 0;

  constructor(public buf: Buffer, public end = buf.length) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new RdbTruncated();
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  slice(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32LE(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i32LE(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  millis(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  doubleLE(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Set by lengthOrEncoding(): whether the length read was a special string encoding (then `len` is its kind). */
  encoded = false;

  /** A length, or an encoded string marker (see `encoded`), as Redis' rdbLoadLenByRef; no allocation per call. */
  lengthOrEncoding(): number {
    const b = this.u8();
    const kind = b >>> 6;
    this.encoded = kind === LEN_ENCVAL;
    if (kind === LEN_ENCVAL || kind === LEN_6BIT) return b & 0x3f;
    if (kind === LEN_14BIT) return ((b & 0x3f) << 8) | this.u8();
    if (b === LEN_32BIT) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === LEN_64BIT) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbCorrupt('Length too big');
      return Number(v);
    }
    throw new RdbCorrupt(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  len(): number {
    const l = this.lengthOrEncoding();
    if (this.encoded) throw new RdbCorrupt('Unexpected string encoding where a length was expected');
    return l;
  }

  /** A string in any encoding, as raw bytes. */
  stringBytes(): Buffer {
    const l = this.lengthOrEncoding();
    if (!this.encoded) {
      if (l > MAX_STRING) throw new RdbCorrupt('String too long');
      return this.slice(l);
    }
    switch (l) {
      case ENC_INT8:
      case ENC_INT16:
      case ENC_INT32:
        return Buffer.from(String(this.encodedInt(l)), 'latin1');
      case ENC_LZF: {
        const clen = this.len();
        const len = this.len();
        if (len > MAX_STRING) throw new RdbCorrupt('String too long');
        const packed = this.slice(clen);
        try {
          return lzfDecompress(packed, len);
        } catch (e) {
          if (e instanceof LzfError) throw new RdbCorrupt(`Invalid LZF compressed string: ${e.message}`);
          throw e;
        }
      }
      default:
        throw new RdbCorrupt(`Unknown RDB string encoding type ${l}`);
    }
  }

  private encodedInt(enc: number): number {
    if (enc === ENC_INT8) {
      this.need(1);
      return this.buf.readInt8(this.pos++);
    }
    if (enc === ENC_INT16) {
      this.need(2);
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    return this.i32LE();
  }

  /** A string as Ferrite keeps it: one latin1 char per byte. */
  string(): string {
    const l = this.lengthOrEncoding();
    if (this.encoded && l !== ENC_LZF) {
      if (l > ENC_INT32) throw new RdbCorrupt(`Unknown RDB string encoding type ${l}`);
      return String(this.encodedInt(l));
    }
    if (!this.encoded) {
      if (l > MAX_STRING) throw new RdbCorrupt('String too long');
      this.need(l);
      const s = this.buf.toString('latin1', this.pos, this.pos + l);
      this.pos += l;
      return s;
    }
    this.pos--;
    return this.stringBytes().toString('latin1');
  }

  /** Redis' rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf, 255 -inf) and ASCII digits. */
  stringDouble(): number {
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const text = this.slice(n).toString('latin1').toLowerCase();
    if (text === 'inf' || text === '+inf') return Infinity;
    if (text === '-inf') return -Infinity;
    const v = Number(text);
    if (Number.isNaN(v) && text !== 'nan' && text !== '-nan') throw new RdbCorrupt('Invalid double value');
    return v;
  }
}
