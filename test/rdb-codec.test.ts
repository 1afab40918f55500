// The RDB building blocks on their own: CRC-64/Jones against Redis' test vector, LZF round trips
// (random and repetitive input, overlapping matches), listpack/ziplist/intset/zipmap blobs (including
// hand-built ones in the encodings only Redis 2.6-6.2 wrote), the value codec for every type, and
// DUMP payload framing refusing damaged input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Crc64, crc64 } from '../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../src/persistence/lzf.js';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, encodeListpack } from '../src/persistence/packed-encodings.js';
import { RdbEncoder } from '../src/persistence/rdb-encoder.js';
import { RdbReader } from '../src/persistence/rdb-reader.js';
import { RdbType } from '../src/persistence/rdb-format.js';
import { rdbTypeOf, readValue, writeValue } from '../src/persistence/value-codec.js';
import { createDumpPayload, parseDumpPayload } from '../src/persistence/dump-payload.js';
import { HashValue } from '../src/structures/hash.js';
import { ListValue } from '../src/structures/list.js';
import { SetValue } from '../src/structures/set.js';
import { ZSetValue } from '../src/structures/zset.js';
import type { RedisValue } from '../src/structures/values.js';

const LIMITS = { hash: { maxListpackEntries: 128, maxListpackValue: 64 }, set: { maxIntsetEntries: 512 }, zset: { maxListpackEntries: 128, maxListpackValue: 64 } };
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });

test('CRC-64/Jones matches Redis (crc64 test vector) and is the same in one go or in pieces', () => {
  assert.is(new Crc64().update(Buffer.from('123456789')).digestBigInt(), 0xe9c6d914c4b8d9can);
  // Bit by bit with BigInt: the slice-by-8 tables must agree with the definition.
  const reference = (b: Uint8Array): bigint => {
    const poly = 0x95ac9329ac4bc9b5n;
    let crc = 0n;
    for (const byte of b) {
      crc ^= BigInt(byte);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    }
    return crc;
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => assert.is(new Crc64().update(bytes).digestBigInt(), reference(bytes))));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, cut) => {
      const b = Buffer.from(bytes);
      const k = b.length === 0 ? 0 : cut % b.length;
      assert.ok(new Crc64().update(b, 0, k).update(b, k).digestLE().equals(crc64(b)));
    }),
  );
});

test('LZF: what is compressed decompresses to the input; corrupt streams are refused', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', 'b', 'ab', 'xyz', '\u0000', '\u00ff', 'hello world'), { maxLength: 400 }), fc.uint8Array({ maxLength: 50 }), (parts, noise) => {
      const input = Buffer.concat([Buffer.from(parts.join(''), 'latin1'), Buffer.from(noise)]);
      const packed = lzfCompress(input);
      if (packed === undefined) return;
      assert.ok(packed.length <= input.length - 4);
      assert.ok(lzfDecompress(packed, input.length).equals(input));
    }),
  );
  const runs = Buffer.alloc(100_000, 7);
  assert.ok(lzfDecompress(lzfCompress(runs)!, runs.length).equals(runs));
  assert.throws(() => lzfDecompress(Buffer.from([0x20, 0x05]), 10));
  assert.throws(() => lzfDecompress(Buffer.from([0x05, 1, 2]), 6));
});

test('listpack writer and reader round-trip strings and every integer width', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(latin1, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.string({ minLength: 4000, maxLength: 5000 })), { maxLength: 60 }), (items) => {
      assert.equal(decodeListpack(encodeListpack(items)), items);
    }),
  );
});

/** A ziplist as Redis 3.2-6.2 wrote them (prevlen, encoding, data), for reading tests. */
function ziplist(items: (string | number)[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  for (const it of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let body: Buffer;
    if (typeof it === 'number') {
      if (it >= 0 && it <= 12) body = Buffer.from([0xf1 + it]);
      else if (it >= -128 && it <= 127) body = Buffer.from([0xfe, it & 0xff]);
      else if (it >= -8388608 && it <= 8388607) {
        body = Buffer.alloc(4);
        body[0] = 0xf0;
        body.writeIntLE(it, 1, 3);
      } else {
        body = Buffer.alloc(9);
        body[0] = 0xe0;
        body.writeBigInt64LE(BigInt(it), 1);
      }
    } else if (it.length < 64) body = Buffer.concat([Buffer.from([it.length]), Buffer.from(it, 'latin1')]);
    else if (it.length < 16384) body = Buffer.concat([Buffer.from([0x40 | (it.length >> 8), it.length & 0xff]), Buffer.from(it, 'latin1')]);
    else body = Buffer.concat([Buffer.from([0x80]), u32be(it.length), Buffer.from(it, 'latin1')]);
    const entry = Buffer.concat([prevlen, body]);
    entries.push(entry);
    prev = entry.length;
  }
  const content = Buffer.concat(entries);
  const total = 10 + content.length + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(total - 1 - (entries.at(-1)?.length ?? 0), 4);
  head.writeUInt16LE(items.length, 8);
  return Buffer.concat([head, content, Buffer.from([0xff])]);
}
const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** A Redis 2.x zipmap. */
function zipmap(pairs: [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  const len = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]));
  for (const [k, v] of pairs) parts.push(len(k.length), Buffer.from(k, 'latin1'), len(v.length), Buffer.from([2]), Buffer.from(v, 'latin1'), Buffer.from([0, 0]));
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function readAs(type: number, blob: Buffer | ((e: RdbEncoder) => void)): RedisValue | undefined {
  const enc = new RdbEncoder({ compress: false });
  if (Buffer.isBuffer(blob)) enc.blob(blob);
  else blob(enc);
  return readValue(new RdbReader(enc.take()), type, LIMITS);
}

test('old encodings load: ziplist lists/zsets/hashes, quicklist 1, zipmap hashes, intsets of every width', () => {
  const long = 'L'.repeat(300);
  const items = ['a', 5, -100, 70000, -5000000000, long, ''];
  const asText = ['a', '5', '-100', '70000', '-5000000000', long, ''];
  assert.equal(decodeZiplist(ziplist(items)), asText);
  assert.equal((readAs(RdbType.LIST_ZIPLIST, ziplist(items)) as ListValue).toArray(), asText);
  const ql = readAs(RdbType.LIST_QUICKLIST, (e) => {
    e.len(2);
    e.blob(ziplist(['x', 1]));
    e.blob(ziplist([long]));
  }) as ListValue;
  assert.equal(ql.toArray(), ['x', '1', long]);
  const z = readAs(RdbType.ZSET_ZIPLIST, ziplist(['m1', 1, 'm2', '2.5', 'm3', 'inf'])) as ZSetValue;
  assert.equal([z.score('m1'), z.score('m2'), z.score('m3')], [1, 2.5, Infinity]);
  const h = readAs(RdbType.HASH_ZIPLIST, ziplist(['f', 'v', 'n', 12])) as HashValue;
  assert.equal([h.get('f'), h.get('n')], ['v', '12']);
  const zm = readAs(RdbType.HASH_ZIPMAP, zipmap([['a', '1'], ['bb', long]])) as HashValue;
  assert.equal([zm.get('a'), zm.get('bb'), zm.length], ['1', long, 2]);
  assert.equal(decodeZipmap(zipmap([])), []);
  for (const [width, values] of [[2, [-3, 7]], [4, [-70000, 5]], [8, [-(2n ** 63n), 2n ** 62n]]] as const) {
    const b = Buffer.alloc(8 + width * values.length);
    b.writeUInt32LE(width, 0);
    b.writeUInt32LE(values.length, 4);
    values.forEach((v, i) => (width === 8 ? b.writeBigInt64LE(BigInt(v), 8 + i * 8) : b.writeIntLE(Number(v), 8 + i * width, width)));
    assert.equal(decodeIntset(b), values.map(String));
  }
  assert.throws(() => decodeZiplist(ziplist(['a']).subarray(0, 12)));
  const bad = ziplist(['abc']);
  bad[11] = 60;
  assert.throws(() => decodeZiplist(bad));
});

test('every value type round-trips through the value codec and DUMP payloads', () => {
  const list = new ListValue(['a', '1', 'x'.repeat(10_000)]);
  const set = new SetValue();
  for (const m of ['1', '-9223372036854775808', '42']) set.add(m, LIMITS.set);
  const strSet = new SetValue();
  for (const m of ['a', 'b\u0000c']) strSet.add(m, LIMITS.set);
  const z = new ZSetValue();
  for (const [m, s] of [['a', -Infinity], ['b', 0.1], ['c', 1e300]] as const) z.set(m, s, LIMITS.zset);
  const h = new HashValue();
  for (let i = 0; i < 200; i++) h.set(`f${i}`, `v${i}`, LIMITS.hash);
  for (const v of ['plain', 12345, -7, 'y'.repeat(1000), list, set, strSet, z, h] as RedisValue[]) {
    for (const compress of [true, false]) {
      const enc = new RdbEncoder({ compress });
      writeValue(enc, v);
      const back = readValue(new RdbReader(enc.take()), rdbTypeOf(v), LIMITS)!;
      const payload = createDumpPayload(v, compress);
      const parsed = parseDumpPayload(payload, LIMITS);
      assert.ok('value' in parsed);
      for (const w of [back, (parsed as { value: RedisValue }).value]) {
        if (typeof v !== 'object') assert.is(w, v);
        else if (v.type === 'list') assert.equal((w as ListValue).toArray(), v.toArray());
        else if (v.type === 'set') assert.equal([...(w as SetValue).members()].sort(), [...v.members()].sort());
        else if (v.type === 'zset') assert.equal(['a', 'b', 'c'].map((m) => (w as ZSetValue).score(m)), [-Infinity, 0.1, 1e300]);
        else assert.equal((w as HashValue).get('f199'), 'v199');
      }
    }
  }
  assert.is(rdbTypeOf(set), RdbType.SET_INTSET);
  assert.is(rdbTypeOf(strSet), RdbType.SET);
  const p = createDumpPayload('hello');
  assert.equal(parseDumpPayload(p.subarray(0, 5), LIMITS), { error: 'ERR DUMP payload version or checksum are wrong' });
  const wrongType = Buffer.from(p);
  wrongType[0] = 77;
  const fixed = Buffer.concat([wrongType.subarray(0, -8), crc64(wrongType, 0, wrongType.length - 8)]);
  assert.equal(parseDumpPayload(fixed, LIMITS), { error: 'ERR Bad data format' });
});

test.run();
