// List commands (Redis t_list.c): pushes and pops at both ends, index and range access, LPOS, LMOVE,
// the multi-key LMPOP, and the blocking forms, which wait on empty keys through ctx.blockOn and are
// run again when one of their keys changes.
import type { Reply } from '../protocol/reply.js';
import { ListValue } from '../structures/list.js';
import { intOrReply, is, normalizeRange, rangedIntOrReply, timeoutOrReply, numkeysKeyIndexes } from './args.js';
import * as E from '../engine/errors.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

/** Redis' LIST_HEAD (LEFT) and LIST_TAIL (RIGHT). */
type End = 'head' | 'tail';

const INDEX_OUT_OF_RANGE = 'ERR index out of range';
const NOT_POSITIVE = 'ERR value is out of range, must be positive';
const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807n;

/**
 * argv arrays of calls that blocked. The blocking registry runs the same argv again when a key
 * changes; finding it here tells the handler it is serving a wake-up, where Redis 7.0 passes over
 * keys that hold other types instead of replying WRONGTYPE. Weak, so abandoned blocks cost nothing.
 */
const blockedCalls = new WeakSet<string[]>();

function pushTo(list: ListValue, end: End, s: string): void {
  if (end === 'head') list.pushHead(s);
  else list.pushTail(s);
}

function popFrom(list: ListValue, end: End): string {
  return (end === 'head' ? list.popHead() : list.popTail())!;
}

function popMany(list: ListValue, end: End, count: number): string[] {
  const out = new Array<string>(Math.min(count, list.length));
  for (let i = 0; i < out.length; i++) out[i] = popFrom(list, end);
  return out;
}

const popEvent = (end: End): string => (end === 'head' ? 'lpop' : 'rpop');
const pushEvent = (end: End): string => (end === 'head' ? 'lpush' : 'rpush');
const popCommand = (end: End): string => (end === 'head' ? 'LPOP' : 'RPOP');

/** An integer of at least `min`; Redis answers every failure, non-integers included, with `message`. */
function intAtLeastOrReply(reply: Reply, s: string, min: bigint, message: string): number | undefined {
  const v = rangedIntOrReply(reply, s, min, INT64_MAX, message);
  return v === undefined ? undefined : Number(v);
}

/** LEFT or RIGHT (LMOVE, BLMOVE, LMPOP); undefined after a syntax error. */
function endOrReply(reply: Reply, arg: string): End | undefined {
  if (is(arg, 'LEFT')) return 'head';
  if (is(arg, 'RIGHT')) return 'tail';
  reply.error(E.SYNTAX);
  return undefined;
}

/** A list changed in place: an emptied list is deleted (with its "del" event), others are re-accounted. */
function storeOrDelete(ctx: CommandContext, key: string, list: ListValue): void {
  if (list.length > 0) return ctx.db.touchValue(key);
  ctx.db.delete(key);
  ctx.notify('generic', 'del', key);
}

/** After elements were popped (Redis' listElementsRemoved): event, deletion when emptied, dirty. */
function elementsRemoved(ctx: CommandContext, key: string, list: ListValue, end: End, count: number): void {
  ctx.notify('list', popEvent(end), key);
  storeOrDelete(ctx, key, list);
  ctx.dirty(count);
}

// ---- pushes and pops ----

function pushGeneric(ctx: CommandContext, argv: string[], end: End, onlyIfExists: boolean): void {
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null && onlyIfExists) return ctx.reply.int(0);
  const target = list ?? new ListValue();
  for (let i = 2; i < argv.length; i++) pushTo(target, end, argv[i]);
  if (list === null) ctx.db.setKey(key, target);
  else ctx.db.touchValue(key);
  ctx.dirty(argv.length - 2);
  ctx.reply.int(target.length);
  ctx.notify('list', pushEvent(end), key);
}

function popGeneric(ctx: CommandContext, argv: string[], end: End): void {
  if (argv.length > 3) return ctx.reply.error(E.wrongArity(argv[0].toLowerCase()));
  const withCount = argv.length === 3;
  const count = withCount ? intAtLeastOrReply(ctx.reply, argv[2], 0n, NOT_POSITIVE) : 1;
  if (count === undefined) return;
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null) return withCount ? ctx.reply.nullArray() : ctx.reply.nil();
  if (count === 0) return ctx.reply.array(0);
  const popped = popMany(list, end, count);
  if (withCount) ctx.reply.bulks(popped);
  else ctx.reply.bulk(popped[0]);
  elementsRemoved(ctx, key, list, end, popped.length);
}

// ---- reading ----

function llen(ctx: CommandContext, argv: string[]): void {
  const list = readTypedOrReply(ctx, argv[1], 'list');
  if (list !== undefined) ctx.reply.int(list === null ? 0 : list.length);
}

function lrange(ctx: CommandContext, argv: string[]): void {
  const start = intOrReply(ctx.reply, argv[2]);
  if (start === undefined) return;
  const stop = intOrReply(ctx.reply, argv[3]);
  if (stop === undefined) return;
  const list = readTypedOrReply(ctx, argv[1], 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.array(0);
  const range = normalizeRange(start, stop, list.length);
  if (range === undefined) return ctx.reply.array(0);
  ctx.reply.array(range[1] - range[0] + 1);
  for (let i = range[0]; i <= range[1]; i++) ctx.reply.bulk(list.at(i)!);
}

function lindex(ctx: CommandContext, argv: string[]): void {
  const list = readTypedOrReply(ctx, argv[1], 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.nil();
  const index = intOrReply(ctx.reply, argv[2]);
  if (index === undefined) return;
  const value = list.at(index < 0 ? list.length + index : index);
  value === undefined ? ctx.reply.nil() : ctx.reply.bulk(value);
}

interface LposOptions {
  rank: number;
  /** undefined when COUNT wasn't given: the reply is then one index or nil, not an array. */
  count: number | undefined;
  maxlen: number;
}

function lposOptionsOrReply(reply: Reply, argv: string[]): LposOptions | undefined {
  const o: LposOptions = { rank: 1, count: undefined, maxlen: 0 };
  for (let i = 3; i < argv.length; i++) {
    const hasValue = i + 1 < argv.length;
    if (is(argv[i], 'RANK') && hasValue) {
      const rank = intOrReply(reply, argv[++i]);
      if (rank === undefined) return undefined;
      if (rank === 0) return void reply.error(RANK_ZERO);
      o.rank = rank;
    } else if (is(argv[i], 'COUNT') && hasValue) {
      const count = intAtLeastOrReply(reply, argv[++i], 0n, "ERR COUNT can't be negative");
      if (count === undefined) return undefined;
      o.count = count;
    } else if (is(argv[i], 'MAXLEN') && hasValue) {
      const maxlen = intAtLeastOrReply(reply, argv[++i], 0n, "ERR MAXLEN can't be negative");
      if (maxlen === undefined) return undefined;
      o.maxlen = maxlen;
    } else {
      return void reply.error(E.SYNTAX);
    }
  }
  return o;
}

/** Indexes of matches, walking from the head (positive RANK) or the tail, as Redis' lposCommand. */
function lposMatches(list: ListValue, element: string, o: LposOptions): number[] {
  // Redis negates RANK in a C long: -2^63 stays negative, so every match qualifies and COUNT never stops it.
  const wrapped = o.rank === INT64_MIN;
  const fromTail = o.rank < 0;
  const rank = wrapped ? 1 : Math.abs(o.rank);
  const limit = o.count === undefined ? 1 : wrapped ? 0 : o.count;
  const scan = o.maxlen === 0 ? list.length : Math.min(o.maxlen, list.length);
  const out: number[] = [];
  let matches = 0;
  for (let k = 0; k < scan; k++) {
    const index = fromTail ? list.length - 1 - k : k;
    if (list.at(index) !== element || ++matches < rank) continue;
    out.push(index);
    if (limit !== 0 && out.length >= limit) break;
  }
  return out;
}

function lpos(ctx: CommandContext, argv: string[]): void {
  const o = lposOptionsOrReply(ctx.reply, argv);
  if (o === undefined) return;
  const list = readTypedOrReply(ctx, argv[1], 'list');
  if (list === undefined) return;
  const found = list === null ? [] : lposMatches(list, argv[2], o);
  if (o.count === undefined) return found.length === 0 ? ctx.reply.nil() : ctx.reply.int(found[0]);
  ctx.reply.array(found.length);
  for (const index of found) ctx.reply.int(index);
}

// ---- changes inside a list ----

function lset(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.error(E.NO_SUCH_KEY);
  const index = intOrReply(ctx.reply, argv[2]);
  if (index === undefined) return;
  const at = index < 0 ? list.length + index : index;
  if (at < 0 || at >= list.length) return ctx.reply.error(INDEX_OUT_OF_RANGE);
  list.set(at, argv[3]);
  ctx.db.touchValue(key);
  ctx.dirty();
  ctx.reply.ok();
  ctx.notify('list', 'lset', key);
}

function linsert(ctx: CommandContext, argv: string[]): void {
  const after = is(argv[2], 'AFTER');
  if (!after && !is(argv[2], 'BEFORE')) return ctx.reply.error(E.SYNTAX);
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.int(0);
  const pivot = list.indexOf(argv[3]);
  if (pivot === -1) return ctx.reply.int(-1);
  list.insertAt(after ? pivot + 1 : pivot, argv[4]);
  ctx.db.touchValue(key);
  ctx.notify('list', 'linsert', key);
  ctx.dirty();
  ctx.reply.int(list.length);
}

function lrem(ctx: CommandContext, argv: string[]): void {
  const count = intOrReply(ctx.reply, argv[2]);
  if (count === undefined) return;
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.int(0);
  const removed = list.removeEqual(argv[3], Math.abs(count), count < 0);
  if (removed > 0) {
    ctx.notify('list', 'lrem', key);
    storeOrDelete(ctx, key, list);
    ctx.dirty(removed);
  }
  ctx.reply.int(removed);
}

function ltrim(ctx: CommandContext, argv: string[]): void {
  const start = intOrReply(ctx.reply, argv[2]);
  if (start === undefined) return;
  const stop = intOrReply(ctx.reply, argv[3]);
  if (stop === undefined) return;
  const key = argv[1];
  const list = writeTypedOrReply(ctx, key, 'list');
  if (list === undefined) return;
  if (list === null) return ctx.reply.ok();
  const length = list.length;
  const range = normalizeRange(start, stop, length);
  const left = range === undefined ? length : range[0];
  const right = range === undefined ? 0 : length - range[1] - 1;
  list.dropHead(left);
  list.dropTail(right);
  // Redis signals the key and emits "ltrim" even when nothing was cut; only cuts count as dirty.
  ctx.notify('list', 'ltrim', key);
  storeOrDelete(ctx, key, list);
  ctx.dirty(left + right);
  ctx.reply.ok();
}

// ---- moving between lists ----

/**
 * Pops from a non-empty source and pushes onto the destination (Redis' lmoveGenericCommand after its
 * source check), replying with the element. False after WRONGTYPE on the destination.
 */
function moveOrReply(ctx: CommandContext, source: ListValue, src: string, dst: string, from: End, to: End): boolean {
  const destination = writeTypedOrReply(ctx, dst, 'list');
  if (destination === undefined) return false;
  const value = popFrom(source, from);
  const target = destination ?? new ListValue();
  pushTo(target, to, value);
  if (destination === null) ctx.db.setKey(dst, target);
  else ctx.db.touchValue(dst);
  ctx.notify('list', pushEvent(to), dst);
  ctx.reply.bulk(value);
  ctx.notify('list', popEvent(from), src);
  storeOrDelete(ctx, src, source);
  ctx.dirty();
  return true;
}

function lmoveGeneric(ctx: CommandContext, src: string, dst: string, from: End, to: End): void {
  const source = writeTypedOrReply(ctx, src, 'list');
  if (source === undefined) return;
  if (source === null) return ctx.reply.nil();
  moveOrReply(ctx, source, src, dst, from, to);
}

function lmove(ctx: CommandContext, argv: string[]): void {
  const from = endOrReply(ctx.reply, argv[3]);
  if (from === undefined) return;
  const to = endOrReply(ctx.reply, argv[4]);
  if (to !== undefined) lmoveGeneric(ctx, argv[1], argv[2], from, to);
}

// ---- LMPOP ----

interface MpopArgs {
  keys: string[];
  end: End;
  count: number;
}

/** numkeys key... LEFT|RIGHT [COUNT n], with numkeys at argv[at]; Redis' order of checks. */
function mpopArgsOrReply(reply: Reply, argv: string[], at: number): MpopArgs | undefined {
  const numkeys = intAtLeastOrReply(reply, argv[at], 1n, 'ERR numkeys should be greater than 0');
  if (numkeys === undefined) return undefined;
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) return void reply.error(E.SYNTAX);
  const end = endOrReply(reply, argv[whereAt]);
  if (end === undefined) return undefined;
  let count: number | undefined;
  for (let i = whereAt + 1; i < argv.length; i++) {
    if (count !== undefined || !is(argv[i], 'COUNT') || i + 1 >= argv.length) return void reply.error(E.SYNTAX);
    count = intAtLeastOrReply(reply, argv[++i], 1n, 'ERR count should be greater than 0');
    if (count === undefined) return undefined;
  }
  return { keys: argv.slice(at + 1, whereAt), end, count: count ?? 1 };
}

function mpopKeys(argv: readonly string[], at: number): number[] {
  return numkeysKeyIndexes(argv, at, at + 1);
}

/** The list at `key` for a wake-up: keys holding other types are passed over, as in Redis 7.0. */
function listForWakeUp(ctx: CommandContext, key: string): ListValue | null {
  const v = ctx.db.peek(key);
  if (typeof v !== 'object' || v.type !== 'list') return null;
  return ctx.db.lookupWrite(key) as ListValue;
}

/** The first key holding a list (all lists stored are non-empty); null if none, undefined after WRONGTYPE. */
function firstListOrReply(ctx: CommandContext, keys: readonly string[], wakeUp: boolean): [string, ListValue] | null | undefined {
  // A woken client is served from the key whose change woke it, as Redis serves a ready key's waiters.
  const woken = wakeUp ? ctx.server.blocking.wokenBy : undefined;
  const order = woken !== undefined && keys.includes(woken) ? [woken, ...keys.filter((k) => k !== woken)] : keys;
  for (const key of order) {
    const list = wakeUp ? listForWakeUp(ctx, key) : writeTypedOrReply(ctx, key, 'list');
    if (list === undefined) return undefined;
    if (list !== null) return [key, list];
  }
  return null;
}

/** Pops up to `count` from the first non-empty list, replying [key, [elements]]; false if all are empty. */
function mpopOrReply(ctx: CommandContext, a: MpopArgs, wakeUp: boolean): boolean {
  const found = firstListOrReply(ctx, a.keys, wakeUp);
  if (found === null) return false;
  if (found === undefined) return true;
  const [key, list] = found;
  const popped = popMany(list, a.end, a.count);
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  ctx.reply.bulks(popped);
  elementsRemoved(ctx, key, list, a.end, popped.length);
  ctx.propagateAs([popCommand(a.end), key, String(popped.length)]);
  return true;
}

function lmpop(ctx: CommandContext, argv: string[]): void {
  const a = mpopArgsOrReply(ctx.reply, argv, 1);
  if (a !== undefined && !mpopOrReply(ctx, a, false)) ctx.reply.nullArray();
}

// ---- blocking forms ----

const replyTimedOut = (reply: Reply): void => reply.nullArray();

/**
 * Nothing to serve: wait for the keys, or — inside MULTI, EXEC or a script, where Redis never
 * blocks — reply as if the timeout had passed (`denied`).
 */
function blockOrReply(ctx: CommandContext, argv: string[], keys: string[], timeoutMs: number, denied: (reply: Reply) => void): void {
  if (!ctx.canBlock) return denied(ctx.reply);
  blockedCalls.add(argv);
  ctx.blockOn(keys, timeoutMs, replyTimedOut);
}

function bpopGeneric(ctx: CommandContext, argv: string[], end: End): void {
  const timeout = timeoutOrReply(ctx.reply, argv[argv.length - 1]);
  if (timeout === undefined) return;
  const keys = argv.slice(1, -1);
  const found = firstListOrReply(ctx, keys, blockedCalls.delete(argv));
  if (found === undefined) return;
  if (found === null) return blockOrReply(ctx, argv, keys, timeout, replyTimedOut);
  const [key, list] = found;
  const value = popFrom(list, end);
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  ctx.reply.bulk(value);
  elementsRemoved(ctx, key, list, end, 1);
  ctx.propagateAs([popCommand(end), key]);
}

/** BLMOVE and BRPOPLPUSH: `effect` is what a move propagates as (LMOVE / RPOPLPUSH). */
function bmoveGeneric(ctx: CommandContext, argv: string[], from: End, to: End, timeoutArg: string, effect: string[]): void {
  const timeout = timeoutOrReply(ctx.reply, timeoutArg);
  if (timeout === undefined) return;
  const [, src, dst] = argv;
  const found = firstListOrReply(ctx, [src], blockedCalls.delete(argv));
  if (found === undefined) return;
  if (found === null) return blockOrReply(ctx, argv, [src], timeout, (reply) => reply.nil());
  if (moveOrReply(ctx, found[1], src, dst, from, to)) ctx.propagateAs(effect);
}

function blmove(ctx: CommandContext, argv: string[]): void {
  const from = endOrReply(ctx.reply, argv[3]);
  if (from === undefined) return;
  const to = endOrReply(ctx.reply, argv[4]);
  if (to !== undefined) bmoveGeneric(ctx, argv, from, to, argv[5], ['LMOVE', argv[1], argv[2], argv[3], argv[4]]);
}

function blmpop(ctx: CommandContext, argv: string[]): void {
  const a = mpopArgsOrReply(ctx.reply, argv, 2);
  if (a === undefined) return;
  const timeout = timeoutOrReply(ctx.reply, argv[1]);
  if (timeout === undefined) return;
  if (!mpopOrReply(ctx, a, blockedCalls.delete(argv))) blockOrReply(ctx, argv, a.keys, timeout, replyTimedOut);
}

const key1: [number, number, number] = [1, 1, 1];
const keys2: [number, number, number] = [1, 2, 1];
const movable: [number, number, number] = [0, 0, 0];
const PUSH_COMPLEXITY = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';
const MPOP_COMPLEXITY = 'O(N+M) where N is the number of provided keys and M is the number of elements returned.';

export const listCommands: CommandSpec[] = [
  { name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'list', since: '1.0.0', summary: 'Prepend one or multiple elements to a list', complexity: PUSH_COMPLEXITY, run: (ctx, argv) => pushGeneric(ctx, argv, 'head', false) },
  { name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'list', since: '1.0.0', summary: 'Append one or multiple elements to a list', complexity: PUSH_COMPLEXITY, run: (ctx, argv) => pushGeneric(ctx, argv, 'tail', false) },
  { name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'list', since: '2.2.0', summary: 'Prepend an element to a list, only if the list exists', complexity: PUSH_COMPLEXITY, run: (ctx, argv) => pushGeneric(ctx, argv, 'head', true) },
  { name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'list', since: '2.2.0', summary: 'Append an element to a list, only if the list exists', complexity: PUSH_COMPLEXITY, run: (ctx, argv) => pushGeneric(ctx, argv, 'tail', true) },
  { name: 'lpop', arity: -2, flags: ['write', 'fast'], keys: key1, group: 'list', since: '1.0.0', summary: 'Remove and get the first elements in a list', complexity: 'O(N) where N is the number of elements returned', run: (ctx, argv) => popGeneric(ctx, argv, 'head') },
  { name: 'rpop', arity: -2, flags: ['write', 'fast'], keys: key1, group: 'list', since: '1.0.0', summary: 'Remove and get the last elements in a list', complexity: 'O(N) where N is the number of elements returned', run: (ctx, argv) => popGeneric(ctx, argv, 'tail') },
  { name: 'llen', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'list', since: '1.0.0', summary: 'Get the length of a list', complexity: 'O(1)', run: llen },
  { name: 'lrange', arity: 4, flags: ['readonly'], keys: key1, group: 'list', since: '1.0.0', summary: 'Get a range of elements from a list', complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', run: lrange },
  { name: 'lindex', arity: 3, flags: ['readonly'], keys: key1, group: 'list', since: '1.0.0', summary: 'Get an element from a list by its index', complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', run: lindex },
  { name: 'lset', arity: 4, flags: ['write', 'denyoom'], keys: key1, group: 'list', since: '1.0.0', summary: 'Set the value of an element in a list by its index', complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', run: lset },
  { name: 'linsert', arity: 5, flags: ['write', 'denyoom'], keys: key1, group: 'list', since: '2.2.0', summary: 'Insert an element before or after another element in a list', complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', run: linsert },
  { name: 'lrem', arity: 4, flags: ['write'], keys: key1, group: 'list', since: '1.0.0', summary: 'Remove elements from a list', complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', run: lrem },
  { name: 'ltrim', arity: 4, flags: ['write'], keys: key1, group: 'list', since: '1.0.0', summary: 'Trim a list to the specified range', complexity: 'O(N) where N is the number of elements to be removed by the operation.', run: ltrim },
  { name: 'lpos', arity: -3, flags: ['readonly'], keys: key1, group: 'list', since: '6.0.6', summary: 'Return the index of matching elements on a list', complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', run: lpos },
  { name: 'lmove', arity: 5, flags: ['write', 'denyoom'], keys: keys2, group: 'list', since: '6.2.0', summary: 'Pop an element from a list, push it to another list and return it', complexity: 'O(1)', run: lmove },
  { name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], keys: keys2, group: 'list', since: '1.2.0', summary: 'Remove the last element in a list, prepend it to another list and return it', complexity: 'O(1)', run: (ctx, argv) => lmoveGeneric(ctx, argv[1], argv[2], 'tail', 'head') },
  { name: 'lmpop', arity: -4, flags: ['write', 'movablekeys'], keys: movable, getKeys: (argv) => mpopKeys(argv, 1), group: 'list', since: '7.0.0', summary: 'Pop elements from a list', complexity: MPOP_COMPLEXITY, run: lmpop },
  { name: 'blpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2, 1], group: 'list', since: '2.0.0', summary: 'Remove and get the first element in a list, or block until one is available', complexity: 'O(N) where N is the number of provided keys.', run: (ctx, argv) => bpopGeneric(ctx, argv, 'head') },
  { name: 'brpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2, 1], group: 'list', since: '2.0.0', summary: 'Remove and get the last element in a list, or block until one is available', complexity: 'O(N) where N is the number of provided keys.', run: (ctx, argv) => bpopGeneric(ctx, argv, 'tail') },
  { name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: keys2, group: 'list', since: '6.2.0', summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', complexity: 'O(1)', run: blmove },
  { name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: keys2, group: 'list', since: '2.2.0', summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', complexity: 'O(1)', run: (ctx, argv) => bmoveGeneric(ctx, argv, 'tail', 'head', argv[3], ['RPOPLPUSH', argv[1], argv[2]]) },
  { name: 'blmpop', arity: -5, flags: ['write', 'blocking', 'movablekeys'], keys: movable, getKeys: (argv) => mpopKeys(argv, 2), group: 'list', since: '7.0.0', summary: 'Pop elements from a list, or block until one is available', complexity: MPOP_COMPLEXITY, run: blmpop },
];
