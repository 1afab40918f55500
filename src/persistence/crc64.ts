// CRC-64/Jones as Redis computes it (src/crc64.c): polynomial 0xad93d23594c935a9, reflected input
// and output, initial value 0, no final xor. It checksums RDB files and DUMP payloads, so ours must
// match bit for bit: crc64(0, "123456789") is 0xe9c6d914c4b8d9ca. The 64-bit register is kept as two
// 32-bit halves (BigInt per byte would be ~50x slower) and the table is sliced by 8 bytes.

const POLY_REFLECTED_HI = 0x95ac9329;
const POLY_REFLECTED_LO = 0xac4bc9b5;

/** T[k][b]: the CRC of byte b followed by k zero bytes, as (hi, lo) pairs; slice-by-8 tables. */
const TABLE_HI: Uint32Array[] = [];
const TABLE_LO: Uint32Array[] = [];

function buildTables(): void {
  const hi0 = new Uint32Array(256);
  const lo0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi >>>= 1;
      if (carry) {
        hi = (hi ^ POLY_REFLECTED_HI) >>> 0;
        lo = (lo ^ POLY_REFLECTED_LO) >>> 0;
      }
    }
    hi0[b] = hi;
    lo0[b] = lo;
  }
  TABLE_HI.push(hi0);
  TABLE_LO.push(lo0);
  for (let k = 1; k < 8; k++) {
    const ph = TABLE_HI[k - 1];
    const pl = TABLE_LO[k - 1];
    const th = new Uint32Array(256);
    const tl = new Uint32Array(256);
    for (let b = 0; b < 256; b++) {
      const i = pl[b] & 0xff;
      th[b] = (hi0[i] ^ (ph[b] >>> 8)) >>> 0;
      tl[b] = (lo0[i] ^ ((pl[b] >>> 8) | (ph[b] << 24))) >>> 0;
    }
    TABLE_HI.push(th);
    TABLE_LO.push(tl);
  }
}
buildTables();

/** A running CRC-64 over several chunks (a snapshot is checksummed as it streams out). */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let hi = this.hi;
    let lo = this.lo;
    let i = start;
    const [h0, h1, h2, h3, h4, h5, h6, h7] = TABLE_HI;
    const [l0, l1, l2, l3, l4, l5, l6, l7] = TABLE_LO;
    for (; i + 8 <= end; i += 8) {
      const a = (lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
      const b = (hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))) >>> 0;
      const a0 = a & 0xff, a1 = (a >>> 8) & 0xff, a2 = (a >>> 16) & 0xff, a3 = a >>> 24;
      const b0 = b & 0xff, b1 = (b >>> 8) & 0xff, b2 = (b >>> 16) & 0xff, b3 = b >>> 24;
      hi = (h7[a0] ^ h6[a1] ^ h5[a2] ^ h4[a3] ^ h3[b0] ^ h2[b1] ^ h1[b2] ^ h0[b3]) >>> 0;
      lo = (l7[a0] ^ l6[a1] ^ l5[a2] ^ l4[a3] ^ l3[b0] ^ l2[b1] ^ l1[b2] ^ l0[b3]) >>> 0;
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = (l0[idx] ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      hi = (h0[idx] ^ (hi >>> 8)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The checksum as the 8 little-endian bytes Redis stores after an RDB's EOF or a DUMP payload. */
  digestLE(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  digestBigInt(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** CRC-64/Jones of one buffer, as 8 little-endian bytes. */
export function crc64(buf: Uint8Array, start = 0, end = buf.length): Buffer {
  return new Crc64().update(buf, start, end).digestLE();
}
