// Bitmap commands (Redis bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD over
// string values. The bit arithmetic lives in structures/bitops.ts; these handlers parse, check
// limits and types, store and notify in the order Redis 7.0 does, since that order decides which
// error a client sees.
import { constants } from 'node:buffer';
import {
  bitCount, bitfieldGet, bitfieldIncrBy, bitfieldSet, bitOp, bitPos, getBit, parseBitfieldOffset, parseBitfieldType, setBit,
  type BitfieldOverflow, type BitfieldType, type BitOperation, type BitUnit,
} from '../structures/bitops.js';
import { stringOf } from '../structures/values.js';
import { intOrReply, is, parseInt64 } from './args.js';
import * as E from '../engine/errors.js';
import { readStringOrReply, writeStringOrReply } from './lookup.js';
import type { CommandContext, CommandSpec, KeyRef } from '../engine/types.js';

const BIT_OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';
const BIT_VALUE_ERROR = 'ERR bit is not an integer or out of range';
const BIT_ARGUMENT_ERROR = 'ERR The bit argument must be 1 or 0.';
const BITOP_NOT_ERROR = 'ERR BITOP NOT must be called with a single source key.';
const BITFIELD_TYPE_ERROR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const BITFIELD_OVERFLOW_ERROR = 'ERR Invalid OVERFLOW type specified';
const BITFIELD_RO_ERROR = 'ERR BITFIELD_RO only supports the GET subcommand';

const BIT_OPERATIONS = new Map<string, BitOperation>([['AND', 'and'], ['OR', 'or'], ['XOR', 'xor'], ['NOT', 'not']]);
const OVERFLOW_MODES = new Map<string, BitfieldOverflow>([['WRAP', 'wrap'], ['SAT', 'sat'], ['FAIL', 'fail']]);

/**
 * Whether a bit offset's byte lies within proto-max-bulk-len. Commands from our master or the AOF
 * are exempt, as in Redis: they replay writes that were already accepted once.
 */
function offsetAllowed(ctx: CommandContext, offset: number): boolean {
  if (ctx.client.isMaster || ctx.server.loading) return true;
  return Math.floor(offset / 8) < ctx.server.config.getNumber('proto-max-bulk-len');
}

/** GETBIT/SETBIT offsets: a non-negative int64 within the size limit ("#n" is BITFIELD's only). */
function bitOffsetOrReply(ctx: CommandContext, arg: string): number | undefined {
  const offset = parseInt64(arg);
  if (offset === undefined || offset < 0n || !offsetAllowed(ctx, Number(offset))) {
    ctx.reply.error(BIT_OFFSET_ERROR);
    return undefined;
  }
  return Number(offset);
}

/**
 * V8 strings stop 24 bytes short of Redis' default 512 MB limit (and far short of a raised
 * proto-max-bulk-len): a value that would need more is refused rather than crashing the server.
 */
function lengthFitsOrReply(ctx: CommandContext, length: number): boolean {
  if (length <= constants.MAX_STRING_LENGTH) return true;
  ctx.reply.error(E.STRING_TOO_LONG);
  return false;
}

function unitOrReply(ctx: CommandContext, arg: string): BitUnit | undefined {
  if (is(arg, 'BIT')) return 'bit';
  if (is(arg, 'BYTE')) return 'byte';
  ctx.reply.error(E.SYNTAX);
  return undefined;
}

function setbit(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const offset = bitOffsetOrReply(ctx, argv[2]);
  if (offset === undefined) return;
  // Only the canonical integers 0 and 1 pass Redis' string2ll-then-mask check.
  if (argv[3] !== '0' && argv[3] !== '1') return ctx.reply.error(BIT_VALUE_ERROR);
  const bit = argv[3] === '1' ? 1 : 0;
  const v = writeStringOrReply(ctx, key);
  if (v === undefined || !lengthFitsOrReply(ctx, Math.floor(offset / 8) + 1)) return;
  const current = v === null ? '' : stringOf(v);
  const { value, old } = setBit(current, offset, bit);
  // Redis 7.0 counts a write only when the key is created or grown, or the bit flips.
  if (v === null || value.length !== current.length || old !== bit) {
    ctx.db.setKey(key, value, true);
    ctx.dirty();
    ctx.notify('string', 'setbit', key);
  }
  ctx.reply.int(old);
}

function getbit(ctx: CommandContext, argv: string[]): void {
  const offset = bitOffsetOrReply(ctx, argv[2]);
  if (offset === undefined) return;
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  ctx.reply.int(v === null ? 0 : getBit(v, offset));
}

// Redis 7.0 looks the key up before parsing the range: a missing key answers 0 whatever follows.
function bitcount(ctx: CommandContext, argv: string[]): void {
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  if (v === null) return ctx.reply.int(0);
  if (argv.length === 2) return ctx.reply.int(bitCount(v, 0, -1, 'byte'));
  if (argv.length !== 4 && argv.length !== 5) return ctx.reply.error(E.SYNTAX);
  const start = intOrReply(ctx.reply, argv[2]);
  if (start === undefined) return;
  const end = intOrReply(ctx.reply, argv[3]);
  if (end === undefined) return;
  // Redis answers an inverted negative range before it reads the unit.
  if (start < 0 && end < 0 && start > end) return ctx.reply.int(0);
  const unit = argv.length === 5 ? unitOrReply(ctx, argv[4]) : 'byte';
  if (unit === undefined) return;
  ctx.reply.int(bitCount(v, start, end, unit));
}

// Redis 7.0 parses the bit, then looks the key up (a missing key answers at once), then the
// range: start, the unit, and only then end.
function bitpos(ctx: CommandContext, argv: string[]): void {
  const bitArg = intOrReply(ctx.reply, argv[2]);
  if (bitArg === undefined) return;
  if (bitArg !== 0 && bitArg !== 1) return ctx.reply.error(BIT_ARGUMENT_ERROR);
  const bit = bitArg === 1 ? 1 : 0;
  const v = readStringOrReply(ctx, argv[1]);
  if (v === undefined) return;
  if (v === null) return ctx.reply.int(bitPos(undefined, bit, undefined, undefined, 'byte'));
  if (argv.length === 3) return ctx.reply.int(bitPos(v, bit, undefined, undefined, 'byte'));
  if (argv.length > 6) return ctx.reply.error(E.SYNTAX);
  const start = intOrReply(ctx.reply, argv[3]);
  if (start === undefined) return;
  const unit = argv.length === 6 ? unitOrReply(ctx, argv[5]) : 'byte';
  if (unit === undefined) return;
  let end: number | undefined;
  if (argv.length >= 5) {
    end = intOrReply(ctx.reply, argv[4]);
    if (end === undefined) return;
  }
  ctx.reply.int(bitPos(v, bit, start, end, unit));
}

function bitop(ctx: CommandContext, argv: string[]): void {
  const op = BIT_OPERATIONS.get(argv[1].toUpperCase());
  if (op === undefined) return ctx.reply.error(E.SYNTAX);
  if (op === 'not' && argv.length !== 4) return ctx.reply.error(BITOP_NOT_ERROR);
  const sources: (string | undefined)[] = [];
  for (let i = 3; i < argv.length; i++) {
    const v = readStringOrReply(ctx, argv[i]);
    if (v === undefined) return;
    sources.push(v ?? undefined);
  }
  const result = bitOp(op, sources);
  const dest = argv[2];
  if (result.length > 0) {
    ctx.db.setKey(dest, result);
    ctx.dirty();
    ctx.notify('string', 'set', dest);
  } else if (ctx.db.delete(dest)) {
    ctx.dirty();
    ctx.notify('generic', 'del', dest);
  }
  ctx.reply.int(result.length);
}

interface BitfieldOp {
  kind: 'get' | 'set' | 'incrby';
  type: BitfieldType;
  offset: number;
  /** SET's value or INCRBY's increment. */
  operand: bigint;
  overflow: BitfieldOverflow;
}

interface BitfieldPlan {
  ops: BitfieldOp[];
  writes: boolean;
  /** The last bit any SET/INCRBY touches: Redis grows the string to it before running anything. */
  highestWriteBit: number;
}

function failed(ctx: CommandContext, message: string): undefined {
  ctx.reply.error(message);
  return undefined;
}

function bitfieldKind(sub: string, remaining: number): BitfieldOp['kind'] | undefined {
  if (remaining >= 2 && is(sub, 'GET')) return 'get';
  if (remaining >= 3 && is(sub, 'SET')) return 'set';
  if (remaining >= 3 && is(sub, 'INCRBY')) return 'incrby';
  return undefined;
}

/** One GET/SET/INCRBY whose keyword sits at argv[at]. */
function bitfieldOpOrReply(ctx: CommandContext, argv: string[], at: number, kind: BitfieldOp['kind'], overflow: BitfieldOverflow): BitfieldOp | undefined {
  const type = parseBitfieldType(argv[at + 1]);
  if (type === null) return failed(ctx, BITFIELD_TYPE_ERROR);
  const offset = parseBitfieldOffset(argv[at + 2], type);
  if (offset === null || !offsetAllowed(ctx, offset)) return failed(ctx, BIT_OFFSET_ERROR);
  let operand = 0n;
  if (kind !== 'get') {
    const parsed = parseInt64(argv[at + 3]);
    if (parsed === undefined) return failed(ctx, E.NOT_INTEGER);
    operand = parsed;
  }
  return { kind, type, offset, operand, overflow };
}

/** Every subcommand is validated before any runs, as in Redis; OVERFLOW applies to those after it. */
function bitfieldPlanOrReply(ctx: CommandContext, argv: string[]): BitfieldPlan | undefined {
  const plan: BitfieldPlan = { ops: [], writes: false, highestWriteBit: 0 };
  let overflow: BitfieldOverflow = 'wrap';
  let at = 2;
  while (at < argv.length) {
    const remaining = argv.length - at - 1;
    if (remaining >= 1 && is(argv[at], 'OVERFLOW')) {
      const mode = OVERFLOW_MODES.get(argv[at + 1].toUpperCase());
      if (mode === undefined) return failed(ctx, BITFIELD_OVERFLOW_ERROR);
      overflow = mode;
      at += 2;
      continue;
    }
    const kind = bitfieldKind(argv[at], remaining);
    if (kind === undefined) return failed(ctx, E.SYNTAX);
    const op = bitfieldOpOrReply(ctx, argv, at, kind, overflow);
    if (op === undefined) return undefined;
    plan.ops.push(op);
    if (kind !== 'get') {
      plan.writes = true;
      plan.highestWriteBit = Math.max(plan.highestWriteBit, op.offset + op.type.bits - 1);
    }
    at += kind === 'get' ? 3 : 4;
  }
  return plan;
}

/** A SET or INCRBY: the new string, the reply (null when OVERFLOW FAIL refused it), whether the field changed. */
function applyBitfieldWrite(value: string, op: BitfieldOp): { value: string; reply: bigint | null; changed: boolean } {
  if (op.kind === 'set') {
    const set = bitfieldSet(value, op.offset, op.type, op.operand, op.overflow);
    if ('failed' in set) return { value: set.value, reply: null, changed: false };
    return { value: set.value, reply: set.old, changed: bitfieldGet(set.value, op.offset, op.type) !== set.old };
  }
  const before = bitfieldGet(value, op.offset, op.type);
  const incr = bitfieldIncrBy(value, op.offset, op.type, op.operand, op.overflow);
  return { value: incr.value, reply: incr.result, changed: incr.result !== null && incr.result !== before };
}

function replyBigIntOrNil(ctx: CommandContext, n: bigint | null): void {
  n === null ? ctx.reply.nil() : ctx.reply.int(n);
}

/** Only GETs: never creates the key. */
function bitfieldRead(ctx: CommandContext, key: string, ops: readonly BitfieldOp[]): void {
  const v = readStringOrReply(ctx, key);
  if (v === undefined) return;
  ctx.reply.array(ops.length);
  for (const op of ops) ctx.reply.int(bitfieldGet(v ?? '', op.offset, op.type));
}

/**
 * With a SET or INCRBY the key is created or zero-grown even if every write fails. Redis 7.0
 * counts (dirty, "setbit" event, propagation) each write that succeeded and either grew the
 * string or changed its field, so a BITFIELD whose writes all failed creates the key silently.
 */
function bitfieldWrite(ctx: CommandContext, key: string, plan: BitfieldPlan): void {
  const needed = Math.floor(plan.highestWriteBit / 8) + 1;
  const v = writeStringOrReply(ctx, key);
  if (v === undefined || !lengthFitsOrReply(ctx, needed)) return;
  const current = v === null ? '' : stringOf(v);
  const grown = v === null || current.length < needed;
  let value = current.length < needed ? current + '\0'.repeat(needed - current.length) : current;
  let changes = 0;
  ctx.reply.array(plan.ops.length);
  for (const op of plan.ops) {
    if (op.kind === 'get') {
      ctx.reply.int(bitfieldGet(value, op.offset, op.type));
      continue;
    }
    const write = applyBitfieldWrite(value, op);
    value = write.value;
    if (write.reply !== null && (grown || write.changed)) changes++;
    replyBigIntOrNil(ctx, write.reply);
  }
  if (grown || changes > 0) ctx.db.setKey(key, value, true);
  if (changes === 0) return;
  ctx.dirty(changes);
  ctx.notify('string', 'setbit', key);
}

function bitfieldGeneric(ctx: CommandContext, argv: string[], readOnlyCommand: boolean): void {
  const plan = bitfieldPlanOrReply(ctx, argv);
  if (plan === undefined) return;
  if (!plan.writes) return bitfieldRead(ctx, argv[1], plan.ops);
  if (readOnlyCommand) return ctx.reply.error(BITFIELD_RO_ERROR);
  bitfieldWrite(ctx, argv[1], plan);
}

const key1: [number, number, number] = [1, 1, 1];

/** Redis' bitfieldGetKeys: BITFIELD with only GET (and OVERFLOW) subcommands just reads its key. */
function bitfieldKeysAndFlags(argv: readonly string[]): KeyRef[] {
  let readOnly = true;
  for (let i = 2; i < argv.length && readOnly; i++) {
    const rest = argv.length - i - 1;
    if (is(argv[i], 'GET') && rest >= 2) i += 2;
    else if (is(argv[i], 'OVERFLOW') && rest >= 1) i += 1;
    else readOnly = false;
  }
  return [{ index: 1, flags: readOnly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
}

export const bitmapCommands: CommandSpec[] = [
  { name: 'setbit', arity: 4, flags: ['write', 'denyoom'], keys: key1, group: 'bitmap', since: '2.2.0', summary: 'Sets or clears the bit at offset in the string value stored at key', complexity: 'O(1)', run: setbit },
  { name: 'getbit', arity: 3, flags: ['readonly', 'fast'], keys: key1, group: 'bitmap', since: '2.2.0', summary: 'Returns the bit value at offset in the string value stored at key', complexity: 'O(1)', run: getbit },
  { name: 'bitcount', arity: -2, flags: ['readonly'], keys: key1, group: 'bitmap', since: '2.6.0', summary: 'Count set bits in a string', complexity: 'O(N)', run: bitcount },
  { name: 'bitpos', arity: -3, flags: ['readonly'], keys: key1, group: 'bitmap', since: '2.8.7', summary: 'Find first bit set or clear in a string', complexity: 'O(N)', run: bitpos },
  { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: [2, -1, 1], group: 'bitmap', since: '2.6.0', summary: 'Perform bitwise operations between strings', complexity: 'O(N)', run: bitop },
  {
    name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], keys: key1, getKeysAndFlags: bitfieldKeysAndFlags, group: 'bitmap', since: '3.2.0', summary: 'Perform arbitrary bitfield integer operations on strings',
    complexity: 'O(1) for each subcommand specified', run: (ctx, argv) => bitfieldGeneric(ctx, argv, false),
  },
  {
    name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], keys: key1, group: 'bitmap', since: '6.0.0', summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    complexity: 'O(1) for each subcommand specified', run: (ctx, argv) => bitfieldGeneric(ctx, argv, true),
  },
];
