// String commands (Redis t_string.c): GET/SET and friends, counters, ranges, LCS.
import { MAX_STRING_LENGTH } from '../protocol/request-parser.js';
import { encodeString, stringOf, type StringValue } from '../structures/values.js';
import { expireOptionsOrReply, intOrReply, msInt, parseInt64, type ExpireOptions } from './args.js';
import { incrementFloatText } from './long-double.js';
import * as E from '../engine/errors.js';
import { readStringOrReply, writeStringOrReply } from './lookup.js';
import type { CommandContext, CommandSpec, KeyRef } from '../engine/types.js';

/** Redis' setGetKeys: SET reads its key only with GET. */
function setKeysAndFlags(argv: readonly string[]): KeyRef[] {
  const get = argv.slice(3).some((a) => a.length === 3 && a.toUpperCase() === 'GET');
  return [{ index: 1, flags: get ? ['RW', 'access', 'update'] : ['OW', 'update'] }];
}

const SET_OPTIONS = new Set(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX', 'EXAT', 'PXAT']);
const GETEX_OPTIONS = new Set(['EX', 'PX', 'EXAT', 'PXAT', 'PERSIST']);
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The largest string a write may produce: proto-max-bulk-len, capped by what a JS string can hold. */
export function maxStringLength(ctx: CommandContext): number {
  return Math.min(ctx.server.config.getNumber('proto-max-bulk-len'), MAX_STRING_LENGTH);
}

/**
 * SET's core, shared by SET, SETNX, SETEX, PSETEX and GETSET (Redis' setGenericCommand): conditions,
 * optional GET of the old value, TTL handling, notification and propagation of an absolute TTL.
 * Returns whether the value was stored.
 */
function setGeneric(ctx: CommandContext, key: string, value: string, o: ExpireOptions): boolean {
  let old: StringValue | null = null;
  if (o.get) {
    const v = writeStringOrReply(ctx, key);
    if (v === undefined) return false;
    old = v;
  }
  const exists = o.get ? old !== null : ctx.db.exists(key);
  if ((o.nx && exists) || (o.xx && !exists)) {
    if (o.get) old === null ? ctx.reply.nil() : ctx.reply.bulk(stringOf(old));
    else ctx.reply.nil();
    return false;
  }
  ctx.db.setKey(key, encodeString(value), o.keepTtl);
  if (o.expireAt !== undefined) ctx.db.setExpire(key, o.expireAt);
  ctx.dirty();
  ctx.notify('string', 'set', key);
  if (o.expireAt !== undefined) {
    ctx.notify('generic', 'expire', key);
    ctx.propagateAs(['SET', key, value, 'PXAT', String(msInt(o.expireAt))]);
  } else if (o.get || o.nx || o.xx) {
    ctx.propagateAs(o.keepTtl ? ['SET', key, value, 'KEEPTTL'] : ['SET', key, value]);
  }
  if (o.get) old === null ? ctx.reply.nil() : ctx.reply.bulk(stringOf(old));
  return true;
}

function plainOptions(): ExpireOptions {
  return { keepTtl: false, persist: false, nx: false, xx: false, get: false };
}

function get(ctx: CommandContext, argv: string[]): void {
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  v === null ? ctx.reply.nil() : ctx.reply.bulk(v);
}

function set(ctx: CommandContext, argv: string[]): void {
  const o = expireOptionsOrReply(ctx.reply, argv, 3, ctx.server.keyspace.now, 'set', SET_OPTIONS);
  if (o === undefined) return;
  if (setGeneric(ctx, argv[1], argv[2], o) && !o.get) ctx.reply.ok();
}

function setnx(ctx: CommandContext, argv: string[]): void {
  if (ctx.db.exists(argv[1])) return ctx.reply.int(0);
  setGeneric(ctx, argv[1], argv[2], plainOptions());
  ctx.reply.int(1);
}

function setexGeneric(ctx: CommandContext, argv: string[], unit: 'EX' | 'PX', name: string): void {
  const o = expireOptionsOrReply(ctx.reply, [argv[0], argv[1], unit, argv[2]], 2, ctx.server.keyspace.now, name, SET_OPTIONS);
  if (o === undefined) return;
  setGeneric(ctx, argv[1], argv[3], o);
  ctx.reply.ok();
}

function getset(ctx: CommandContext, argv: string[]): void {
  const o = plainOptions();
  o.get = true;
  if (setGeneric(ctx, argv[1], argv[2], o)) ctx.propagateAs(['SET', argv[1], argv[2]]);
}

function getdel(ctx: CommandContext, argv: string[]): void {
  const v = writeStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  if (v === null) return ctx.reply.nil();
  ctx.db.delete(argv[1]);
  ctx.dirty();
  ctx.notify('generic', 'del', argv[1]);
  ctx.propagateAs(['DEL', argv[1]]);
  ctx.reply.bulk(stringOf(v));
}

function getex(ctx: CommandContext, argv: string[]): void {
  const o = expireOptionsOrReply(ctx.reply, argv, 2, ctx.server.keyspace.now, 'getex', GETEX_OPTIONS);
  if (o === undefined) return;
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  if (v === null) return ctx.reply.nil();
  const key = argv[1];
  if (o.expireAt !== undefined) {
    if (o.expireAt <= ctx.server.keyspace.now && !ctx.client.isMaster) {
      ctx.db.delete(key);
      ctx.notify('generic', 'del', key);
      ctx.propagateAs(['DEL', key]);
    } else {
      ctx.db.setExpire(key, o.expireAt);
      ctx.notify('generic', 'expire', key);
      ctx.propagateAs(['PEXPIREAT', key, String(msInt(o.expireAt))]);
    }
    ctx.dirty();
  } else if (o.persist && ctx.db.persist(key)) {
    ctx.notify('generic', 'persist', key);
    ctx.propagateAs(['PERSIST', key]);
    ctx.dirty();
  }
  ctx.reply.bulk(v);
}

function mget(ctx: CommandContext, argv: string[]): void {
  ctx.reply.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = ctx.db.lookupRead(argv[i]);
    if (v === undefined || typeof v === 'object') ctx.reply.nil();
    else ctx.reply.bulk(typeof v === 'number' ? String(v) : v);
  }
}

function msetGeneric(ctx: CommandContext, argv: string[], nx: boolean): boolean {
  if (argv.length % 2 === 0) {
    ctx.reply.error(E.wrongArity(argv[0].toLowerCase()));
    return false;
  }
  if (nx) {
    for (let i = 1; i < argv.length; i += 2) if (ctx.db.exists(argv[i])) return false;
  }
  for (let i = 1; i < argv.length; i += 2) {
    ctx.db.setKey(argv[i], encodeString(argv[i + 1]));
    ctx.notify('string', 'set', argv[i]);
  }
  ctx.dirty((argv.length - 1) / 2);
  return true;
}

function mset(ctx: CommandContext, argv: string[]): void {
  if (msetGeneric(ctx, argv, false)) ctx.reply.ok();
}

function msetnx(ctx: CommandContext, argv: string[]): void {
  if (argv.length % 2 === 0) return ctx.reply.error(E.wrongArity('msetnx'));
  ctx.reply.int(msetGeneric(ctx, argv, true) ? 1 : 0);
}

/** INCR/DECR/INCRBY/DECRBY: 64-bit arithmetic with Redis' overflow error; numbers stay numbers. */
function incrGeneric(ctx: CommandContext, key: string, by: bigint): void {
  const v = writeStringOrReply(ctx, key);
  if (v === undefined) return;
  let current: bigint;
  if (v === null) current = 0n;
  else if (typeof v === 'number') current = BigInt(v);
  else {
    const parsed = parseInt64(v);
    if (parsed === undefined) return ctx.reply.error(E.NOT_INTEGER);
    current = parsed;
  }
  const result = current + by;
  if (result > INT64_MAX || result < INT64_MIN) return ctx.reply.error(E.OVERFLOW);
  const n = Number(result);
  ctx.db.setKey(key, Number.isSafeInteger(n) ? n : result.toString(), true);
  ctx.dirty();
  ctx.notify('string', 'incrby', key);
  ctx.reply.int(Number.isSafeInteger(n) ? n : result);
}

function incrByArg(ctx: CommandContext, s: string, negate: boolean): bigint | undefined {
  const by = parseInt64(s);
  if (by === undefined) {
    ctx.reply.error(E.NOT_INTEGER);
    return undefined;
  }
  if (negate && by === INT64_MIN) {
    ctx.reply.error('ERR decrement would overflow');
    return undefined;
  }
  return negate ? -by : by;
}

function incrbyfloat(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const v = writeStringOrReply(ctx, key);
  if (v === undefined) return;
  const result = incrementFloatText(v === null ? undefined : stringOf(v), argv[2]);
  if ('error' in result) return ctx.reply.error(result.error === 'infinite' ? 'ERR increment would produce NaN or Infinity' : E.NOT_FLOAT);
  ctx.db.setKey(key, result.value, true);
  ctx.dirty();
  ctx.notify('string', 'incrbyfloat', key);
  // Replicas must store the exact result, not redo a float addition.
  ctx.propagateAs(['SET', key, result.value, 'KEEPTTL']);
  ctx.reply.bulk(result.value);
}

function append(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const v = writeStringOrReply(ctx, key);
  if (v === undefined) return;
  const current = v === null ? '' : stringOf(v);
  if (current.length + argv[2].length > maxStringLength(ctx)) return ctx.reply.error(E.STRING_TOO_LONG);
  const next = current + argv[2];
  ctx.db.setKey(key, v === null ? encodeString(next) : next, true);
  ctx.dirty();
  ctx.notify('string', 'append', key);
  ctx.reply.int(next.length);
}

function strlen(ctx: CommandContext, argv: string[]): void {
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  ctx.reply.int(v === null ? 0 : v.length);
}

function getrange(ctx: CommandContext, argv: string[]): void {
  const start = intOrReply(ctx.reply, argv[2]);
  if (start === undefined) return;
  const end = intOrReply(ctx.reply, argv[3]);
  if (end === undefined) return;
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  ctx.reply.bulk(v === null ? '' : substring(v, start, end));
}

/** Redis 7.0's getrangeCommand index rules. */
function substring(s: string, start: number, end: number): string {
  const len = s.length;
  if (start < 0 && end < 0 && start > end) return '';
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return '';
  return s.slice(start, end + 1);
}

function setrange(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const offset = intOrReply(ctx.reply, argv[2]);
  if (offset === undefined) return;
  if (offset < 0) return ctx.reply.error('ERR offset is out of range');
  const v = writeStringOrReply(ctx, key);
  if (v === undefined) return;
  const value = argv[3];
  const current = v === null ? '' : stringOf(v);
  if (value.length === 0) return ctx.reply.int(current.length);
  if (offset + value.length > maxStringLength(ctx)) return ctx.reply.error(E.STRING_TOO_LONG);
  const padded = current.length < offset ? current + '\0'.repeat(offset - current.length) : current;
  const next = padded.slice(0, offset) + value + padded.slice(offset + value.length);
  ctx.db.setKey(key, next, true);
  ctx.dirty();
  ctx.notify('string', 'setrange', key);
  ctx.reply.int(next.length);
}

function lcs(ctx: CommandContext, argv: string[]): void {
  let wantLen = false;
  let wantIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'IDX') wantIdx = true;
    else if (opt === 'LEN') wantLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && i + 1 < argv.length) {
      const n = intOrReply(ctx.reply, argv[++i]);
      if (n === undefined) return;
      minMatchLen = Math.max(0, n);
    } else return ctx.reply.error(E.SYNTAX);
  }
  const a = ctx.db.lookupRead(argv[1]);
  const b = ctx.db.lookupRead(argv[2]);
  if ((a !== undefined && typeof a === 'object') || (b !== undefined && typeof b === 'object')) {
    return ctx.reply.error('ERR The specified keys must contain string values');
  }
  if (wantLen && wantIdx) return ctx.reply.error('ERR If you want both the length and indexes, please just use IDX.');
  const sa = a === undefined ? '' : stringOf(a);
  const sb = b === undefined ? '' : stringOf(b);
  if ((sa.length + 1) * (sb.length + 1) > 512 * 1024 * 1024) return ctx.reply.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const table = lcsTable(sa, sb);
  const length = table[sa.length * (sb.length + 1) + sb.length];
  if (wantLen) return ctx.reply.int(length);
  if (!wantIdx) return ctx.reply.bulk(lcsString(sa, sb, table));
  const matches = lcsMatches(sa, sb, table, minMatchLen);
  ctx.reply.map(2);
  ctx.reply.bulk('matches');
  ctx.reply.array(matches.length);
  for (const m of matches) {
    ctx.reply.array(withMatchLen ? 3 : 2);
    ctx.reply.array(2);
    ctx.reply.int(m.aStart);
    ctx.reply.int(m.aEnd);
    ctx.reply.array(2);
    ctx.reply.int(m.bStart);
    ctx.reply.int(m.bEnd);
    if (withMatchLen) ctx.reply.int(m.len);
  }
  ctx.reply.bulk('len');
  ctx.reply.int(length);
}

/** Dynamic-programming table of LCS lengths: cell (i, j) holds LCS(a[0..i), b[0..j)). */
function lcsTable(a: string, b: string): Uint32Array {
  const w = b.length + 1;
  const t = new Uint32Array((a.length + 1) * w);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      t[i * w + j] = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? t[(i - 1) * w + j - 1] + 1 : Math.max(t[(i - 1) * w + j], t[i * w + j - 1]);
    }
  }
  return t;
}

function lcsString(a: string, b: string, t: Uint32Array): string {
  const w = b.length + 1;
  const out: string[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out.push(a[i - 1]);
      i--;
      j--;
    } else if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
    else j--;
  }
  return out.reverse().join('');
}

interface LcsMatch {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
  len: number;
}

/** The matching ranges, walked back from the end exactly as Redis does (so the ranges are the same). */
function lcsMatches(a: string, b: string, t: Uint32Array, minLen: number): LcsMatch[] {
  const w = b.length + 1;
  const out: LcsMatch[] = [];
  let i = a.length;
  let j = b.length;
  let current: LcsMatch | null = null;
  const emit = (): void => {
    if (current !== null && current.len >= minLen) out.push(current);
    current = null;
  };
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      const ai = i - 1;
      const bj = j - 1;
      if (current !== null && current.aStart === ai + 1 && current.bStart === bj + 1) {
        current.aStart = ai;
        current.bStart = bj;
        current.len++;
      } else {
        emit();
        current = { aStart: ai, aEnd: ai, bStart: bj, bEnd: bj, len: 1 };
      }
      i--;
      j--;
    } else {
      emit();
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
    }
  }
  emit();
  return out;
}

const key1: [number, number, number] = [1, 1, 1];

export const stringCommands: CommandSpec[] = [
  { name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Returns the string value of a key.', complexity: 'O(1)', run: get },
  { name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: key1, getKeysAndFlags: setKeysAndFlags, group: 'string', since: '1.0.0', summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', complexity: 'O(1)', run: set },
  { name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Set the string value of a key only when the key doesn\'t exist.', complexity: 'O(1)', run: setnx },
  { name: 'setex', arity: 4, flags: ['write', 'denyoom'], keys: key1, group: 'string', since: '2.0.0', summary: 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1)', run: (ctx, argv) => setexGeneric(ctx, argv, 'EX', 'setex') },
  { name: 'psetex', arity: 4, flags: ['write', 'denyoom'], keys: key1, group: 'string', since: '2.6.0', summary: 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.', complexity: 'O(1)', run: (ctx, argv) => setexGeneric(ctx, argv, 'PX', 'psetex') },
  { name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Returns the previous string value of a key after setting it to a new value.', complexity: 'O(1)', run: getset },
  { name: 'getdel', arity: 2, flags: ['write', 'fast'], keys: key1, group: 'string', since: '6.2.0', summary: 'Returns the string value of a key after deleting the key.', complexity: 'O(1)', run: getdel },
  { name: 'getex', arity: -2, flags: ['write', 'fast'], keys: key1, group: 'string', since: '6.2.0', summary: 'Returns the string value of a key after setting its expiration time.', complexity: 'O(1)', run: getex },
  { name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], group: 'string', since: '1.0.0', summary: 'Atomically returns the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to retrieve.', run: mget },
  { name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], group: 'string', since: '1.0.1', summary: 'Atomically creates or modifies the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to set.', run: mset },
  { name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], group: 'string', since: '1.0.1', summary: 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.', complexity: 'O(N) where N is the number of keys to set.', run: msetnx },
  { name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', run: (ctx, argv) => incrGeneric(ctx, argv[1], 1n) },
  { name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', run: (ctx, argv) => incrGeneric(ctx, argv[1], -1n) },
  {
    name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)',
    run: (ctx, argv) => {
      const by = incrByArg(ctx, argv[2], false);
      if (by !== undefined) incrGeneric(ctx, argv[1], by);
    },
  },
  {
    name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '1.0.0', summary: 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)',
    run: (ctx, argv) => {
      const by = incrByArg(ctx, argv[2], true);
      if (by !== undefined) incrGeneric(ctx, argv[1], by);
    },
  },
  { name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '2.6.0', summary: 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', run: incrbyfloat },
  { name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'string', since: '2.0.0', summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1)', run: append },
  { name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'string', since: '2.2.0', summary: 'Returns the length of a string value.', complexity: 'O(1)', run: strlen },
  { name: 'getrange', arity: 4, flags: ['readonly'], keys: key1, group: 'string', since: '2.4.0', summary: 'Returns a substring of the string stored at a key.', complexity: 'O(N) where N is the length of the returned string.', run: getrange },
  { name: 'substr', arity: 4, flags: ['readonly'], keys: key1, group: 'string', since: '1.0.0', summary: 'Returns a substring from a string value.', complexity: 'O(N) where N is the length of the returned string.', run: getrange },
  { name: 'setrange', arity: 4, flags: ['write', 'denyoom'], keys: key1, group: 'string', since: '2.2.0', summary: 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', complexity: 'O(1), not counting the time taken to copy the new string in place.', run: setrange },
  { name: 'lcs', arity: -3, flags: ['readonly'], keys: [1, 2, 1], group: 'string', since: '7.0.0', summary: 'Finds the longest common substring.', complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively', run: lcs },
];
