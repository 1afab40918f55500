// The RDB value codecs: how each value type is written (the type byte and the encoding Redis 7.0
// would load) and how every RDB value type Redis 2.6-7.0 writes is read back. A registry, so that
// types added later (streams: RDB types 15/19) plug in with registerValueType() from their own file.
import { HashValue, type HashEncodingLimits } from '../structures/hash.js';
import { ListValue } from '../structures/list.js';
import { SetValue, type SetEncodingLimits } from '../structures/set.js';
import { ZSetValue, type ZSetEncodingLimits } from '../structures/zset.js';
import { encodeString, type RedisValue } from '../structures/values.js';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, encodeListpack } from './packed-encodings.js';
import { RdbType, QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN } from './rdb-format.js';
import { RdbCorrupt, type RdbReader } from './rdb-reader.js';
import type { RdbEncoder } from './rdb-encoder.js';

/** What decoding needs to pick encodings as Redis would after loading (the *-max-* options). */
export interface DecodeContext {
  hash: HashEncodingLimits;
  set: SetEncodingLimits;
  zset: ZSetEncodingLimits;
}

/** Writes values of one kind (matched by `typeof v === 'object' ? v.type : 'string'`). */
export interface ValueWriter {
  /** The RDB type byte this value is written with. */
  rdbType(v: RedisValue): number;
  write(enc: RdbEncoder, v: RedisValue): void;
}

/** Reads one RDB value type; undefined for an empty collection (Redis skips such keys on load). */
export type ValueReader = (r: RdbReader, ctx: DecodeContext, rdbType: number) => RedisValue | undefined;

const writers = new Map<string, ValueWriter>();
const readers = new Map<number, ValueReader>();

/** Adds (or replaces) how a value type is written, and which RDB types read into it. */
export function registerValueType(typeName: string, writer: ValueWriter | undefined, reads: Record<number, ValueReader>): void {
  if (writer !== undefined) writers.set(typeName, writer);
  for (const [t, r] of Object.entries(reads)) readers.set(Number(t), r);
}

export function rdbTypeOf(v: RedisValue): number {
  return writerFor(v).rdbType(v);
}

export function writeValue(enc: RdbEncoder, v: RedisValue): void {
  writerFor(v).write(enc, v);
}

function writerFor(v: RedisValue): ValueWriter {
  const name = typeof v === 'object' ? v.type : 'string';
  const w = writers.get(name);
  if (w === undefined) throw new Error(`no RDB encoding for values of type ${name}`);
  return w;
}

export function isKnownRdbType(t: number): boolean {
  return readers.has(t);
}

/** Reads a value of RDB type `t`; throws RdbCorrupt for a type nobody registered. */
export function readValue(r: RdbReader, t: number, ctx: DecodeContext): RedisValue | undefined {
  const reader = readers.get(t);
  if (reader === undefined) {
    if (t === RdbType.MODULE_PRE_GA || t === RdbType.MODULE_2) throw new RdbCorrupt('The RDB file contains module data I can\'t load: no matching module type');
    throw new RdbCorrupt(`Unknown RDB encoding type ${t}`);
  }
  return reader(r, ctx, t);
}

// ---- strings ----------------------------------------------------------------------------------

registerValueType(
  'string',
  {
    rdbType: () => RdbType.STRING,
    write(enc, v) {
      if (typeof v === 'number') enc.integer(v);
      else enc.string(v as string);
    },
  },
  { [RdbType.STRING]: (r) => encodeString(r.string()) },
);

// ---- lists: quicklist 2 of listpack nodes, as Redis 7.0 writes them --------------------------------

/** list-max-listpack-size -2: nodes of up to 8 KB. */
const LIST_NODE_BYTES = 8192;

function writeList(enc: RdbEncoder, v: RedisValue): void {
  const items = (v as ListValue).toArray();
  const nodes: string[][] = [];
  let node: string[] = [];
  let bytes = 0;
  for (const s of items) {
    const cost = s.length + 11;
    if (node.length > 0 && bytes + cost > LIST_NODE_BYTES) {
      nodes.push(node);
      node = [];
      bytes = 0;
    }
    node.push(s);
    bytes += cost;
  }
  if (node.length > 0) nodes.push(node);
  enc.len(nodes.length);
  for (const n of nodes) {
    enc.len(QUICKLIST_NODE_PACKED);
    enc.blob(encodeListpack(n));
  }
}

function nonEmptyList(items: string[]): ListValue | undefined {
  return items.length === 0 ? undefined : new ListValue(items);
}

function readPlainList(r: RdbReader): ListValue | undefined {
  const n = r.len();
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(r.string());
  return nonEmptyList(items);
}

function readQuicklist(r: RdbReader, _ctx: DecodeContext, t: number): ListValue | undefined {
  const nodes = r.len();
  const items: string[] = [];
  for (let i = 0; i < nodes; i++) {
    let container = QUICKLIST_NODE_PACKED;
    if (t === RdbType.LIST_QUICKLIST_2) {
      container = r.len();
      if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) throw new RdbCorrupt('Quicklist integrity check failed.');
    }
    const blob = r.stringBytes();
    if (container === QUICKLIST_NODE_PLAIN) {
      items.push(blob.toString('latin1'));
      continue;
    }
    const elements = t === RdbType.LIST_QUICKLIST_2 ? decodeListpack(blob) : decodeZiplist(blob);
    // Redis 7.0 skips empty nodes a buggy older version may have written.
    for (const e of elements) items.push(e);
  }
  return nonEmptyList(items);
}

registerValueType(
  'list',
  { rdbType: () => RdbType.LIST_QUICKLIST_2, write: writeList },
  {
    [RdbType.LIST]: readPlainList,
    [RdbType.LIST_ZIPLIST]: (r) => nonEmptyList(decodeZiplist(r.stringBytes())),
    [RdbType.LIST_QUICKLIST]: readQuicklist,
    [RdbType.LIST_QUICKLIST_2]: readQuicklist,
  },
);

// ---- sets: an intset while every member is a small integer, else a plain set ------------------------

function writeSet(enc: RdbEncoder, v: RedisValue): void {
  const set = v as SetValue;
  // From the table, not members(): that caches a sorted copy in the set, memory a save must not leave behind.
  if (set.encoding() === 'intset') return enc.blob(encodeIntset(set.dict.keys()));
  enc.len(set.length);
  for (const m of set.dict.keys()) enc.string(m);
}

/** An intset blob: Redis binary-searches it, so the members are sorted numerically here. */
function encodeIntset(members: Iterable<string>): Buffer {
  const values = Array.from(members, (m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let size = 2;
  for (const x of values) {
    if (x < -32768n || x > 32767n) size = Math.max(size, 4);
    if (x < -2147483648n || x > 2147483647n) size = 8;
  }
  const out = Buffer.allocUnsafe(8 + size * values.length);
  out.writeUInt32LE(size, 0);
  out.writeUInt32LE(values.length, 4);
  values.forEach((x, i) => {
    if (size === 8) out.writeBigInt64LE(x, 8 + i * 8);
    else out.writeIntLE(Number(x), 8 + i * size, size);
  });
  return out;
}

function setOf(members: readonly string[], ctx: DecodeContext): SetValue | undefined {
  if (members.length === 0) return undefined;
  const set = new SetValue();
  for (const m of members) if (!set.add(m, ctx.set)) throw new RdbCorrupt('Duplicate set members detected');
  return set;
}

function readPlainSet(r: RdbReader, ctx: DecodeContext): SetValue | undefined {
  const n = r.len();
  const members: string[] = [];
  for (let i = 0; i < n; i++) members.push(r.string());
  return setOf(members, ctx);
}

registerValueType(
  'set',
  { rdbType: (v) => ((v as SetValue).encoding() === 'intset' ? RdbType.SET_INTSET : RdbType.SET), write: writeSet },
  {
    [RdbType.SET]: readPlainSet,
    [RdbType.SET_INTSET]: (r, ctx) => setOf(decodeIntset(r.stringBytes()), ctx),
    [RdbType.SET_LISTPACK]: (r, ctx) => setOf(decodeListpack(r.stringBytes()), ctx),
  },
);

// ---- sorted sets: ZSET_2, binary doubles ---------------------------------------------------------

function writeZSet(enc: RdbEncoder, v: RedisValue): void {
  const z = v as ZSetValue;
  enc.len(z.length);
  // Highest first, as Redis writes a skiplist, so its loader inserts at the head.
  if (z.length > 0) {
    z.forEachInRanks(0, z.length - 1, true, (member, score) => {
      enc.string(member);
      enc.double(score);
    });
  }
}

function zsetOf(pairs: [string, number][], ctx: DecodeContext): ZSetValue | undefined {
  if (pairs.length === 0) return undefined;
  const z = new ZSetValue();
  for (const [m, s] of pairs) {
    if (Number.isNaN(s)) throw new RdbCorrupt('Zset with NAN score detected');
    if (!z.set(m, s, ctx.zset)) throw new RdbCorrupt('Duplicate zset fields detected');
  }
  return z;
}

function readPlainZSet(r: RdbReader, ctx: DecodeContext, t: number): ZSetValue | undefined {
  const n = r.len();
  const pairs: [string, number][] = [];
  for (let i = 0; i < n; i++) {
    const m = r.string();
    pairs.push([m, t === RdbType.ZSET_2 ? r.doubleLE() : r.stringDouble()]);
  }
  return zsetOf(pairs, ctx);
}

/** A score as a listpack stores it: integers, %.17g decimals, or inf/-inf as Redis prints them. */
export function parseScoreText(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === '' || t.trim() !== t) return undefined;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}

function packedZSet(elements: string[], ctx: DecodeContext): ZSetValue | undefined {
  if (elements.length % 2 !== 0) throw new RdbCorrupt('Bad data format: odd zset listpack');
  const pairs: [string, number][] = [];
  for (let i = 0; i < elements.length; i += 2) {
    const score = parseScoreText(elements[i + 1]);
    if (score === undefined) throw new RdbCorrupt('Bad data format: zset score');
    pairs.push([elements[i], score]);
  }
  return zsetOf(pairs, ctx);
}

registerValueType(
  'zset',
  { rdbType: () => RdbType.ZSET_2, write: writeZSet },
  {
    [RdbType.ZSET]: readPlainZSet,
    [RdbType.ZSET_2]: readPlainZSet,
    [RdbType.ZSET_ZIPLIST]: (r, ctx) => packedZSet(decodeZiplist(r.stringBytes()), ctx),
    [RdbType.ZSET_LISTPACK]: (r, ctx) => packedZSet(decodeListpack(r.stringBytes()), ctx),
  },
);

// ---- hashes: plain field/value pairs -----------------------------------------------------------

function writeHash(enc: RdbEncoder, v: RedisValue): void {
  const h = v as HashValue;
  enc.len(h.length);
  for (const f of h.fields()) {
    enc.string(f.key);
    enc.string(f.value);
  }
}

function hashOf(flat: string[], ctx: DecodeContext): HashValue | undefined {
  if (flat.length % 2 !== 0) throw new RdbCorrupt('Bad data format: odd hash listpack');
  if (flat.length === 0) return undefined;
  const h = new HashValue();
  for (let i = 0; i < flat.length; i += 2) {
    if (!h.set(flat[i], flat[i + 1], ctx.hash)) throw new RdbCorrupt('Duplicate hash fields detected');
  }
  return h;
}

function readPlainHash(r: RdbReader, ctx: DecodeContext): HashValue | undefined {
  const n = r.len();
  const flat: string[] = [];
  for (let i = 0; i < n; i++) {
    flat.push(r.string());
    flat.push(r.string());
  }
  return hashOf(flat, ctx);
}

registerValueType(
  'hash',
  { rdbType: () => RdbType.HASH, write: writeHash },
  {
    [RdbType.HASH]: readPlainHash,
    [RdbType.HASH_ZIPMAP]: (r, ctx) => hashOf(decodeZipmap(r.stringBytes()), ctx),
    [RdbType.HASH_ZIPLIST]: (r, ctx) => hashOf(decodeZiplist(r.stringBytes()), ctx),
    [RdbType.HASH_LISTPACK]: (r, ctx) => hashOf(decodeListpack(r.stringBytes()), ctx),
  },
);

/** The decode limits from the *-max-* options. */
export function decodeContextFrom(config: { getNumber(name: string): number }): DecodeContext {
  return {
    hash: { maxListpackEntries: config.getNumber('hash-max-listpack-entries'), maxListpackValue: config.getNumber('hash-max-listpack-value') },
    set: { maxIntsetEntries: config.getNumber('set-max-intset-entries') },
    zset: { maxListpackEntries: config.getNumber('zset-max-listpack-entries'), maxListpackValue: config.getNumber('zset-max-listpack-value') },
  };
}
