// Streams in RDB files and DUMP payloads, as Redis 7.0 writes them (RDB_TYPE_STREAM_LISTPACKS_2,
// type 19): the listpack nodes keyed by their 128-bit master ID, the length, last/first/max-deleted
// IDs and entries-added, then every consumer group with its last ID, entries-read, its PEL (IDs,
// delivery times and counts) and its consumers (name, seen time, the IDs they own). Type 15, from
// Redis 5 and 6, is read too (it lacks the 7.0 counters, which are then derived as Redis does).
import { StreamValue } from '../structures/stream.js';
import { ConsumerGroup, INVALID_ENTRIES_READ, PendingEntry } from '../structures/stream-groups.js';
import { idMs, idSeq, makeId, U64_MAX, type StreamID } from '../structures/stream-id.js';
import type { RedisValue } from '../structures/values.js';
import { decodeListpack, encodeListpack } from './packed-encodings.js';
import type { RdbEncoder } from './rdb-encoder.js';
import { RdbType } from './rdb-format.js';
import { RdbCorrupt, type RdbReader } from './rdb-reader.js';
import { registerValueType } from './value-codec.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
const LEN_32BIT = 0x80;
const LEN_64BIT = 0x81;

// ---- writing ----

/** rdbSaveLen for values up to 2^64-1 (IDs, and entries-read's -1 as its unsigned form). */
function lenBig(enc: RdbEncoder, v: bigint): void {
  if (v <= 0xffffffffn) return enc.len(Number(v));
  const b = Buffer.allocUnsafe(9);
  b[0] = LEN_64BIT;
  b.writeBigUInt64BE(v & U64_MAX, 1);
  enc.bytes(b);
}

function idKey(id: StreamID): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(idMs(id), 0);
  b.writeBigUInt64BE(idSeq(id), 8);
  return b;
}

function writeId(enc: RdbEncoder, id: StreamID): void {
  lenBig(enc, idMs(id));
  lenBig(enc, idSeq(id));
}

/** A raw string of bytes with its length (rdbSaveRawString without compression). */
function rawBytes(enc: RdbEncoder, b: Buffer): void {
  enc.len(b.length);
  enc.bytes(b);
}

/** One node's listpack, as streamAppendItem lays it out (master entry, then delta-encoded entries). */
function nodeListpack(master: StreamID, masterFields: readonly string[], entries: readonly [StreamID, string[]][]): Buffer {
  const items: string[] = [String(entries.length), '0', String(masterFields.length), ...masterFields, '0'];
  for (const [id, fields] of entries) {
    const n = fields.length / 2;
    const same = n === masterFields.length && masterFields.every((f, i) => fields[2 * i] === f);
    items.push(String(same ? FLAG_SAMEFIELDS : 0), String(idMs(id) - idMs(master)), String(BigInt.asIntN(64, idSeq(id) - idSeq(master))));
    if (!same) items.push(String(n));
    for (let i = 0; i < fields.length; i += 2) {
      if (!same) items.push(fields[i]);
      items.push(fields[i + 1]);
    }
    items.push(String(same ? n + 3 : 2 * n + 4));
  }
  return encodeListpack(items);
}

function writeStream(enc: RdbEncoder, v: RedisValue): void {
  const s = v as StreamValue;
  const nodes = s.liveNodes();
  enc.len(nodes.length);
  for (const n of nodes) {
    rawBytes(enc, idKey(n.master));
    rawBytes(enc, nodeListpack(n.master, n.masterFields, n.entries));
  }
  enc.len(s.length);
  writeId(enc, s.lastId);
  writeId(enc, s.firstId);
  writeId(enc, s.maxDeletedId);
  enc.len(s.entriesAdded);
  const groups = [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  enc.len(groups.length);
  for (const g of groups) {
    enc.string(g.name);
    writeId(enc, g.lastId);
    lenBig(enc, BigInt.asUintN(64, BigInt(g.entriesRead)));
    enc.len(g.pel.size);
    for (const [id, pe] of g.pel.entries()) {
      enc.bytes(idKey(id));
      enc.millis(pe.deliveryTime);
      enc.len(pe.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    enc.len(consumers.length);
    for (const c of consumers) {
      enc.string(c.name);
      enc.millis(c.seenTime);
      enc.len(c.pel.size);
      for (const id of c.pel.keys()) enc.bytes(idKey(id));
    }
  }
}

// ---- reading ----

function readLenBig(r: RdbReader): bigint {
  const b = r.u8();
  const kind = b >>> 6;
  if (kind === 0) return BigInt(b & 0x3f);
  if (kind === 1) return BigInt(((b & 0x3f) << 8) | r.u8());
  if (b === LEN_32BIT) return BigInt(r.slice(4).readUInt32BE(0));
  if (b === LEN_64BIT) return r.slice(8).readBigUInt64BE(0);
  throw new RdbCorrupt(`Unknown length encoding ${b} in rdbLoadLen()`);
}

const readId = (r: RdbReader): StreamID => makeId(readLenBig(r), readLenBig(r));

function rawId(r: RdbReader): StreamID {
  const b = r.slice(16);
  return makeId(b.readBigUInt64BE(0), b.readBigUInt64BE(8));
}

function lpInt(items: string[], i: number, what: string): bigint {
  const s = items[i];
  if (s === undefined || !/^-?\d+$/.test(s)) throw new RdbCorrupt(`Bad stream listpack: ${what}`);
  return BigInt(s);
}

/** A node's live entries from its listpack (deleted ones are dropped, as Redis skips them). */
function readNode(s: StreamValue, master: StreamID, lp: Buffer): void {
  const items = decodeListpack(lp);
  if (items.length === 0) throw new RdbCorrupt('Empty listpack inside stream');
  const live = Number(lpInt(items, 0, 'count'));
  const nfields = Number(lpInt(items, 2, 'master fields'));
  const masterFields = items.slice(3, 3 + nfields);
  let i = 3 + nfields;
  if (masterFields.length !== nfields || items[i++] !== '0') throw new RdbCorrupt('Bad stream listpack: master entry');
  const entries: [StreamID, string[]][] = [];
  let last = -1n;
  while (i < items.length) {
    const flags = Number(lpInt(items, i, 'flags'));
    const ms = idMs(master) + lpInt(items, i + 1, 'ms');
    const seq = BigInt.asUintN(64, idSeq(master) + lpInt(items, i + 2, 'seq'));
    i += 3;
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    const n = same ? nfields : Number(lpInt(items, i++, 'fields'));
    const fields: string[] = [];
    for (let f = 0; f < n; f++) {
      const field = same ? masterFields[f] : items[i++];
      const value = items[i++];
      if (field === undefined || value === undefined) throw new RdbCorrupt('Bad stream listpack: truncated entry');
      fields.push(field, value);
    }
    i++; // lp-count
    const id = makeId(ms, seq);
    if (id <= last || id < master) throw new RdbCorrupt('Bad stream listpack: IDs out of order');
    last = id;
    if ((flags & FLAG_DELETED) === 0) entries.push([id, fields]);
  }
  if (entries.length !== live) throw new RdbCorrupt('Bad stream listpack: entry count');
  s.restoreNode(master, masterFields, entries);
}

function readStream(r: RdbReader, rdbType: number): StreamValue {
  const s = new StreamValue();
  const nodes = r.len();
  for (let i = 0; i < nodes; i++) {
    const key = r.stringBytes();
    if (key.length !== 16) throw new RdbCorrupt('Stream node key entry is not the size of a stream ID');
    readNode(s, makeId(key.readBigUInt64BE(0), key.readBigUInt64BE(8)), r.stringBytes());
  }
  const length = r.len();
  if (length !== s.length) throw new RdbCorrupt('Stream length does not match its entries');
  s.lastId = readId(r);
  const v2 = rdbType === RdbType.STREAM_LISTPACKS_2;
  if (v2) {
    readId(r); // first_id: recomputed from the entries
    s.maxDeletedId = readId(r);
    s.entriesAdded = r.len();
  } else s.entriesAdded = s.length;
  const ngroups = r.len();
  for (let g = 0; g < ngroups; g++) {
    const name = r.string();
    const lastId = readId(r);
    const entriesRead = v2 ? Number(BigInt.asIntN(64, readLenBig(r))) : s.entriesUpTo(lastId);
    if (s.groups.has(name)) throw new RdbCorrupt('Duplicated consumer group name');
    const group = new ConsumerGroup(name, lastId, entriesRead < 0 ? INVALID_ENTRIES_READ : entriesRead);
    s.groups.set(name, group);
    const pending = new Map<StreamID, { time: number; count: number }>();
    const npel = r.len();
    for (let p = 0; p < npel; p++) {
      const id = rawId(r);
      pending.set(id, { time: r.millis(), count: r.len() });
    }
    const nconsumers = r.len();
    for (let c = 0; c < nconsumers; c++) {
      const consumer = group.createConsumer(r.string(), r.millis());
      const owned = r.len();
      for (let p = 0; p < owned; p++) {
        const id = rawId(r);
        const nack = pending.get(id);
        if (nack === undefined || group.pel.has(id)) throw new RdbCorrupt('Consumer entry not found in group global PEL');
        const pe = new PendingEntry(consumer, nack.time, nack.count);
        group.pel.set(id, pe);
        consumer.pel.set(id, pe);
      }
    }
    if (group.pel.size !== pending.size) throw new RdbCorrupt('Group PEL entry without a consumer');
  }
  return s;
}

registerValueType(
  'stream',
  { rdbType: () => RdbType.STREAM_LISTPACKS_2, write: writeStream },
  {
    [RdbType.STREAM_LISTPACKS]: (r, _ctx, t) => readStream(r, t),
    [RdbType.STREAM_LISTPACKS_2]: (r, _ctx, t) => readStream(r, t),
  },
);
