// Hash commands (Redis t_hash.c): fields and values, counters, random fields and HSCAN.
import { HashValue, type HashEncodingLimits, type HashField } from '../structures/hash.js';
import { is, parseInt64, rangedIntOrReply } from './args.js';
import * as E from '../engine/errors.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import { addLongDouble, formatLongDouble, isOverflow, parseLongDouble, type LongDouble } from './long-double.js';
import { parseCursorOrReply, scanOptionsOrReply, scanReply, type ScanSource } from './scan.js';
import { emptyScan, sampleDistinct } from './sets.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** HRANDFIELD WITHVALUES replies twice as many elements, so its count must fit in half a long. */
const HALF_LONG_MAX = INT64_MAX / 2n;
const INFINITY = /^[+-]?inf(inity)?$/i;

function hashLimits(ctx: CommandContext): HashEncodingLimits {
  const config = ctx.server.config;
  return { maxListpackEntries: config.getNumber('hash-max-listpack-entries'), maxListpackValue: config.getNumber('hash-max-listpack-value') };
}

/** Stores a field in the hash under `key` (created when `found` is null) and signals the change. */
function storeField(ctx: CommandContext, key: string, found: HashValue | null, field: string, value: string): void {
  const hash = found ?? new HashValue();
  hash.set(field, value, hashLimits(ctx));
  if (found === null) ctx.db.setKey(key, hash);
  else ctx.db.touchValue(key);
}

/** HSET and HMSET: pairs of field and value; HSET answers how many fields were new, HMSET OK. */
function hsetGeneric(ctx: CommandContext, argv: string[], name: 'hset' | 'hmset'): void {
  if (argv.length % 2 === 1) return ctx.reply.error(E.wrongArity(name));
  const key = argv[1];
  const found = writeTypedOrReply(ctx, key, 'hash');
  if (found === undefined) return;
  const hash = found ?? new HashValue();
  const limits = hashLimits(ctx);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hash.set(argv[i], argv[i + 1], limits)) created++;
  if (found === null) ctx.db.setKey(key, hash);
  else ctx.db.touchValue(key);
  ctx.notify('hash', 'hset', key);
  ctx.dirty((argv.length - 2) / 2);
  name === 'hset' ? ctx.reply.int(created) : ctx.reply.ok();
}

function hsetnx(ctx: CommandContext, argv: string[]): void {
  const [, key, field, value] = argv;
  const found = writeTypedOrReply(ctx, key, 'hash');
  if (found === undefined) return;
  if (found?.has(field)) return ctx.reply.int(0);
  storeField(ctx, key, found, field, value);
  ctx.notify('hash', 'hset', key);
  ctx.dirty();
  ctx.reply.int(1);
}

function hget(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  const value = hash?.get(argv[2]);
  value === undefined ? ctx.reply.nil() : ctx.reply.bulk(value);
}

function hmget(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const value = hash?.get(argv[i]);
    value === undefined ? ctx.reply.nil() : ctx.reply.bulk(value);
  }
}

function hdel(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const hash = writeTypedOrReply(ctx, key, 'hash');
  if (hash === undefined) return;
  if (hash === null) return ctx.reply.int(0);
  let deleted = 0;
  for (let i = 2; i < argv.length && hash.length > 0; i++) if (hash.delete(argv[i])) deleted++;
  if (deleted > 0) {
    ctx.notify('hash', 'hdel', key);
    if (hash.length > 0) ctx.db.touchValue(key);
    else {
      ctx.db.delete(key);
      ctx.notify('generic', 'del', key);
    }
    ctx.dirty(deleted);
  }
  ctx.reply.int(deleted);
}

function hlen(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  ctx.reply.int(hash === null ? 0 : hash.length);
}

function hstrlen(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  ctx.reply.int(hash?.get(argv[2])?.length ?? 0);
}

function hexists(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  ctx.reply.int(hash?.has(argv[2]) ? 1 : 0);
}

function hgetall(ctx: CommandContext, argv: string[]): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  if (hash === null) return ctx.reply.map(0);
  ctx.reply.map(hash.length);
  for (const f of hash.fields()) {
    ctx.reply.bulk(f.key);
    ctx.reply.bulk(f.value);
  }
}

function hkeysOrVals(ctx: CommandContext, argv: string[], values: boolean): void {
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  if (hash === null) return ctx.reply.array(0);
  ctx.reply.array(hash.length);
  for (const f of hash.fields()) ctx.reply.bulk(values ? f.value : f.key);
}

function hincrby(ctx: CommandContext, argv: string[]): void {
  const [, key, field] = argv;
  const by = parseInt64(argv[3]);
  if (by === undefined) return ctx.reply.error(E.NOT_INTEGER);
  const found = writeTypedOrReply(ctx, key, 'hash');
  if (found === undefined) return;
  const text = found?.get(field);
  const current = text === undefined ? 0n : parseInt64(text);
  if (current === undefined) return ctx.reply.error('ERR hash value is not an integer');
  const result = current + by;
  if (result > INT64_MAX || result < INT64_MIN) return ctx.reply.error(E.OVERFLOW);
  storeField(ctx, key, found, field, result.toString());
  ctx.notify('hash', 'hincrby', key);
  ctx.dirty();
  ctx.reply.int(result);
}

/** string2ld as HINCRBYFLOAT meets its inputs: a finite long double, 'inf' for an infinity, undefined when invalid. */
function longDoubleOf(s: string): LongDouble | 'inf' | undefined {
  const v = parseLongDouble(s);
  if (v !== undefined) return isOverflow(v) ? undefined : v;
  return INFINITY.test(s) ? 'inf' : undefined;
}

/** The current field value plus the increment, or undefined after the error reply. */
function floatSumOrReply(ctx: CommandContext, text: string | undefined, by: LongDouble): LongDouble | undefined {
  if (text === undefined) return by;
  const current = longDoubleOf(text);
  if (current === undefined) {
    ctx.reply.error('ERR hash value is not a float');
    return undefined;
  }
  const sum = current === 'inf' ? undefined : addLongDouble(current, by);
  if (sum === undefined || isOverflow(sum)) {
    ctx.reply.error('ERR increment would produce NaN or Infinity');
    return undefined;
  }
  return sum;
}

function hincrbyfloat(ctx: CommandContext, argv: string[]): void {
  const [, key, field] = argv;
  const by = longDoubleOf(argv[3]);
  if (by === undefined) return ctx.reply.error(E.NOT_FLOAT);
  if (by === 'inf') return ctx.reply.error('ERR value is NaN or Infinity');
  const found = writeTypedOrReply(ctx, key, 'hash');
  if (found === undefined) return;
  const sum = floatSumOrReply(ctx, found?.get(field), by);
  if (sum === undefined) return;
  const value = formatLongDouble(sum);
  storeField(ctx, key, found, field, value);
  ctx.notify('hash', 'hincrbyfloat', key);
  ctx.dirty();
  // Replicas must store the exact result, not redo a float addition.
  ctx.propagateAs(['HSET', key, field, value]);
  ctx.reply.bulk(value);
}

function hrandfield(ctx: CommandContext, argv: string[]): void {
  if (argv.length >= 3) return hrandfieldWithCount(ctx, argv);
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  hash === null ? ctx.reply.nil() : ctx.reply.bulk(hash.random()!.key);
}

function hrandfieldWithCount(ctx: CommandContext, argv: string[]): void {
  const l = rangedIntOrReply(ctx.reply, argv[2], -INT64_MAX, INT64_MAX);
  if (l === undefined) return;
  if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'WITHVALUES'))) return ctx.reply.error(E.SYNTAX);
  const withValues = argv.length === 4;
  if (withValues && (l < -HALF_LONG_MAX || l > HALF_LONG_MAX)) return ctx.reply.error('ERR value is out of range');
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  if (hash === null || l === 0n) return ctx.reply.array(0);
  const count = Number(l < 0n ? -l : l);
  if (l < 0n || count === 1) return replyRepeatedFields(ctx, hash, count, withValues);
  if (count >= hash.length) return replyFields(ctx, Array.from(hash.fields()), withValues);
  // A listpack hands out a sample in its own order, as Redis' lpRandomPairsUnique does.
  const inOrder = hash.encoding() === 'listpack';
  replyFields(ctx, sampleDistinct(() => hash.fields(), hash.length, count, () => hash.random()!, inOrder), withValues);
}

/** A negative count may repeat fields: each pick is written as it is drawn, since the count may be huge. */
function replyRepeatedFields(ctx: CommandContext, hash: HashValue, count: number, withValues: boolean): void {
  const reply = ctx.reply;
  const nested = withValues && reply.resp === 3;
  reply.array(withValues && !nested ? count * 2 : count);
  for (let i = 0; i < count && !reply.overflowed; i++) {
    const f = hash.random()!;
    if (nested) reply.array(2);
    reply.bulk(f.key);
    if (withValues) reply.bulk(f.value);
  }
}

/** Fields, or field-value pairs: flat in RESP2, an array of pairs in RESP3. */
function replyFields(ctx: CommandContext, fields: readonly HashField[], withValues: boolean): void {
  const nested = withValues && ctx.reply.resp === 3;
  ctx.reply.array(withValues && !nested ? fields.length * 2 : fields.length);
  for (const f of fields) {
    if (nested) ctx.reply.array(2);
    ctx.reply.bulk(f.key);
    if (withValues) ctx.reply.bulk(f.value);
  }
}

function hscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursorOrReply(ctx, argv[2]);
  if (cursor === undefined) return;
  const hash = readTypedOrReply(ctx, argv[1], 'hash');
  if (hash === undefined) return;
  if (hash === null) return emptyScan(ctx);
  const opts = scanOptionsOrReply(ctx, argv, 3, false);
  if (opts === undefined) return;
  scanReply(ctx, cursor, hashScanSource(hash), opts);
}

/** A listpack is answered whole, in its order, with cursor 0, as Redis does; a hashtable is walked bucket by bucket. */
function hashScanSource(hash: HashValue): ScanSource {
  if (hash.encoding() === 'listpack') {
    return {
      whole: true,
      pairs: true,
      step: (_cursor, visit) => {
        for (const f of hash.fields()) visit(f.key, f.value, 'hash');
        return 0;
      },
    };
  }
  return { whole: false, pairs: true, step: (cursor, visit) => hash.dict.scan(cursor, (f) => visit(f.key, f.value, 'hash')) };
}

const key1: [number, number, number] = [1, 1, 1];

export const hashCommands: CommandSpec[] = [
  { name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Set the string value of a hash field', complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', run: (ctx, argv) => hsetGeneric(ctx, argv, 'hset') },
  { name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Set the value of a hash field, only if the field does not exist', complexity: 'O(1)', run: hsetnx },
  { name: 'hget', arity: 3, flags: ['readonly', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get the value of a hash field', complexity: 'O(1)', run: hget },
  { name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Set multiple hash fields to multiple values', complexity: 'O(N) where N is the number of fields being set.', run: (ctx, argv) => hsetGeneric(ctx, argv, 'hmset') },
  { name: 'hmget', arity: -3, flags: ['readonly', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get the values of all the given hash fields', complexity: 'O(N) where N is the number of fields being requested.', run: hmget },
  { name: 'hgetall', arity: 2, flags: ['readonly'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get all the fields and values in a hash', complexity: 'O(N) where N is the size of the hash.', run: hgetall },
  { name: 'hdel', arity: -3, flags: ['write', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Delete one or more hash fields', complexity: 'O(N) where N is the number of fields to be removed.', run: hdel },
  { name: 'hexists', arity: 3, flags: ['readonly', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Determine if a hash field exists', complexity: 'O(1)', run: hexists },
  { name: 'hlen', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get the number of fields in a hash', complexity: 'O(1)', run: hlen },
  { name: 'hkeys', arity: 2, flags: ['readonly'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get all the fields in a hash', complexity: 'O(N) where N is the size of the hash.', run: (ctx, argv) => hkeysOrVals(ctx, argv, false) },
  { name: 'hvals', arity: 2, flags: ['readonly'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Get all the values in a hash', complexity: 'O(N) where N is the size of the hash.', run: (ctx, argv) => hkeysOrVals(ctx, argv, true) },
  { name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'hash', since: '2.0.0', summary: 'Increment the integer value of a hash field by the given number', complexity: 'O(1)', run: hincrby },
  { name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'hash', since: '2.6.0', summary: 'Increment the float value of a hash field by the given amount', complexity: 'O(1)', run: hincrbyfloat },
  { name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], keys: key1, group: 'hash', since: '3.2.0', summary: 'Get the length of the value of a hash field', complexity: 'O(1)', run: hstrlen },
  { name: 'hrandfield', arity: -2, flags: ['readonly'], keys: key1, group: 'hash', since: '6.2.0', summary: 'Get one or multiple random fields from a hash', complexity: 'O(N) where N is the number of fields returned', run: hrandfield },
  { name: 'hscan', arity: -3, flags: ['readonly'], keys: key1, group: 'hash', since: '2.8.0', summary: 'Incrementally iterate hash fields and associated values', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', run: hscan },
];
