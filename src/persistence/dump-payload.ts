// DUMP/RESTORE payloads as Redis frames them (cluster.c createDumpPayload/verifyDumpPayload): the
// value's RDB type byte and encoding, then the RDB version (2 bytes LE), then the CRC-64 of all that
// (8 bytes LE). A payload from redis-server restores here and ours restores there.
import type { RedisValue } from '../structures/values.js';
import { crc64 } from './crc64.js';
import { RdbEncoder } from './rdb-encoder.js';
import { RDB_VERSION } from './rdb-format.js';
import { RdbCorrupt, RdbReader, RdbTruncated } from './rdb-reader.js';
import { rdbTypeOf, readValue, writeValue, type DecodeContext } from './value-codec.js';

export const DUMP_VERSION_OR_CHECKSUM = 'ERR DUMP payload version or checksum are wrong';
export const DUMP_BAD_FORMAT = 'ERR Bad data format';

export function createDumpPayload(v: RedisValue, compress = true): Buffer {
  const enc = new RdbEncoder({ compress }, 256);
  enc.byte(rdbTypeOf(v));
  writeValue(enc, v);
  return sealDumpPayload(enc);
}

/** Ends a payload written into `enc`: the RDB version (2 bytes LE), then the CRC-64 of everything (8 bytes LE). */
export function sealDumpPayload(enc: RdbEncoder): Buffer {
  enc.byte(RDB_VERSION & 0xff);
  enc.byte(RDB_VERSION >>> 8);
  const body = enc.view();
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out, 0);
  crc64(body).copy(out, body.length);
  return out;
}

/** Checks the footer (version, then checksum unless skipped) as Redis' verifyDumpPayload. */
export function verifyDumpPayload(p: Buffer, skipChecksum = false): boolean {
  if (p.length < 10) return false;
  const version = p.readUInt16LE(p.length - 10);
  if (version > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(p, 0, p.length - 8).equals(p.subarray(p.length - 8));
}

/** The value in a payload, or the error line RESTORE replies with. */
export function parseDumpPayload(p: Buffer, ctx: DecodeContext): { value: RedisValue } | { error: string } {
  if (!verifyDumpPayload(p)) return { error: DUMP_VERSION_OR_CHECKSUM };
  const r = new RdbReader(p, p.length - 10);
  try {
    const v = readValue(r, r.u8(), ctx);
    // Trailing bytes before the footer mean the payload is not what its type says.
    if (v === undefined || r.pos !== r.end) return { error: DUMP_BAD_FORMAT };
    return { value: v };
  } catch (e) {
    if (e instanceof RdbCorrupt || e instanceof RdbTruncated) return { error: DUMP_BAD_FORMAT };
    throw e;
  }
}
