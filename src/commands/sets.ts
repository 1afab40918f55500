// Set commands (Redis t_set.c): members, random picks and pops, moves, the algebra (SINTER, SUNION,
// SDIFF and their STORE forms, SINTERCARD) and SSCAN. Results are built into fresh sets the way
// Redis builds them, so their encoding and (for intsets) their order match.
import { SetValue, type SetEncodingLimits } from '../structures/set.js';
import { is, rangedIntOrReply, numkeysKeyIndexes } from './args.js';
import * as E from '../engine/errors.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import { parseCursorOrReply, scanOptionsOrReply, scanReply, type ScanSource } from './scan.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const LONG_MAX = 9223372036854775807n;
/** SPOP with a count keeps the rest instead of popping when it takes all but a fifth (Redis' SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** Sampling that walks every element pays off once the sample is a third of the set (SRANDMEMBER_SUB_STRATEGY_MUL). */
const SUB_STRATEGY_MUL = 3;

function setLimits(ctx: CommandContext): SetEncodingLimits {
  return { maxIntsetEntries: ctx.server.config.getNumber('set-max-intset-entries') };
}

/**
 * `count` distinct elements out of `size` (count < size). A large share, or any share when `inOrder`,
 * is taken in one pass that keeps each element with the right probability (so in iteration order);
 * a small one by random picks until enough are distinct — Redis' SRANDMEMBER/HRANDFIELD cases 3 and 4.
 */
export function sampleDistinct<T>(all: () => Iterable<T>, size: number, count: number, random: () => T, inOrder = false): T[] {
  if (!inOrder && count * SUB_STRATEGY_MUL <= size) {
    const picked = new Set<T>();
    while (picked.size < count) picked.add(random());
    return [...picked];
  }
  const out: T[] = [];
  let left = size;
  for (const e of all()) {
    if (Math.random() * left < count - out.length) out.push(e);
    if (out.length === count) break;
    left--;
  }
  return out;
}

function replySet(ctx: CommandContext, members: readonly string[]): void {
  ctx.reply.set(members.length);
  for (const m of members) ctx.reply.bulk(m);
}

function replyArray(ctx: CommandContext, members: readonly string[]): void {
  ctx.reply.array(members.length);
  for (const m of members) ctx.reply.bulk(m);
}

/** Signals a set that changed in place, or deletes it when it became empty. */
function saveOrDelete(ctx: CommandContext, key: string, set: SetValue): void {
  if (set.length > 0) return ctx.db.touchValue(key);
  ctx.db.delete(key);
  ctx.notify('generic', 'del', key);
}

function sadd(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const found = writeTypedOrReply(ctx, key, 'set');
  if (found === undefined) return;
  const set = found ?? new SetValue();
  const limits = setLimits(ctx);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i], limits)) added++;
  if (found === null) ctx.db.setKey(key, set);
  else if (added > 0) ctx.db.touchValue(key);
  if (added > 0) ctx.notify('set', 'sadd', key);
  ctx.dirty(added);
  ctx.reply.int(added);
}

function srem(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const set = writeTypedOrReply(ctx, key, 'set');
  if (set === undefined) return;
  if (set === null) return ctx.reply.int(0);
  let removed = 0;
  for (let i = 2; i < argv.length && set.length > 0; i++) if (set.delete(argv[i])) removed++;
  if (removed > 0) {
    ctx.notify('set', 'srem', key);
    saveOrDelete(ctx, key, set);
    ctx.dirty(removed);
  }
  ctx.reply.int(removed);
}

function sismember(ctx: CommandContext, argv: string[]): void {
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  ctx.reply.int(set?.has(argv[2]) ? 1 : 0);
}

function smismember(ctx: CommandContext, argv: string[]): void {
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.int(set?.has(argv[i]) ? 1 : 0);
}

function scard(ctx: CommandContext, argv: string[]): void {
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  ctx.reply.int(set === null ? 0 : set.length);
}

function smove(ctx: CommandContext, argv: string[]): void {
  const [, srcKey, dstKey, member] = argv;
  const src = writeTypedOrReply(ctx, srcKey, 'set');
  if (src === undefined) return;
  // A missing source answers 0 before the destination's type is looked at, as in Redis.
  if (src === null) return ctx.reply.int(0);
  const dst = writeTypedOrReply(ctx, dstKey, 'set');
  if (dst === undefined) return;
  if (srcKey === dstKey) return ctx.reply.int(src.has(member) ? 1 : 0);
  if (!src.delete(member)) return ctx.reply.int(0);
  ctx.notify('set', 'srem', srcKey);
  saveOrDelete(ctx, srcKey, src);
  ctx.dirty();
  const target = dst ?? new SetValue();
  if (target.add(member, setLimits(ctx))) {
    if (dst === null) ctx.db.setKey(dstKey, target);
    else ctx.db.touchValue(dstKey);
    ctx.dirty();
    ctx.notify('set', 'sadd', dstKey);
  }
  ctx.reply.int(1);
}

function spop(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 3) return spopWithCount(ctx, argv);
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX);
  const key = argv[1];
  const set = writeTypedOrReply(ctx, key, 'set');
  if (set === undefined) return;
  if (set === null) return ctx.reply.nil();
  const member = set.random()!;
  set.delete(member);
  ctx.notify('set', 'spop', key);
  // Replicas must remove the same member, not pick their own.
  ctx.propagateAs(['SREM', key, member]);
  ctx.reply.bulk(member);
  saveOrDelete(ctx, key, set);
  ctx.dirty();
}

/** SPOP key count: the whole set, or count members popped one by one, or the rest kept (Redis' three cases). */
function spopWithCount(ctx: CommandContext, argv: string[]): void {
  const l = rangedIntOrReply(ctx.reply, argv[2], 0n, LONG_MAX, 'ERR value is out of range, must be positive');
  if (l === undefined) return;
  const count = Number(l);
  const key = argv[1];
  const set = writeTypedOrReply(ctx, key, 'set');
  if (set === undefined) return;
  if (set === null || count === 0) return ctx.reply.set(0);
  ctx.notify('set', 'spop', key);
  ctx.dirty(count);
  if (count >= set.length) {
    replySet(ctx, unionOf(ctx, [set]).members());
    ctx.db.delete(key);
    ctx.notify('generic', 'del', key);
    ctx.propagateAs(['DEL', key]);
    return;
  }
  const remaining = set.length - count;
  let popped: readonly string[];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    popped = popRandom(set, count);
    ctx.db.touchValue(key);
  } else popped = popAllBut(ctx, key, set, remaining);
  replySet(ctx, popped);
  // Each popped member is propagated as its own SREM, as Redis 7.0 does.
  ctx.propagateAs(['SREM', key, popped[0]]);
  for (let i = 1; i < popped.length; i++) ctx.alsoPropagate(['SREM', key, popped[i]]);
}

function popRandom(set: SetValue, count: number): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const m = set.random()!;
    set.delete(m);
    out.push(m);
  }
  return out;
}

/** Keeps `remaining` random members in a new set stored under the key (its encoding starts afresh, as in Redis) and returns the others. */
function popAllBut(ctx: CommandContext, key: string, set: SetValue, remaining: number): readonly string[] {
  const kept = new SetValue();
  const limits = setLimits(ctx);
  for (const m of sampleDistinct(() => set.members(), set.length, remaining, () => set.random()!)) {
    kept.add(m, limits);
    set.delete(m);
  }
  ctx.db.setKey(key, kept, true);
  return set.members();
}

function srandmember(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 3) return srandmemberWithCount(ctx, argv);
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX);
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  set === null ? ctx.reply.nil() : ctx.reply.bulk(set.random()!);
}

function srandmemberWithCount(ctx: CommandContext, argv: string[]): void {
  const l = rangedIntOrReply(ctx.reply, argv[2], -LONG_MAX, LONG_MAX);
  if (l === undefined) return;
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  if (set === null || l === 0n) return ctx.reply.array(0);
  const count = Number(l < 0n ? -l : l);
  if (l < 0n || count === 1) {
    // Negative counts may repeat members.
    ctx.reply.array(count);
    for (let i = 0; i < count && !ctx.reply.overflowed; i++) ctx.reply.bulk(set.random()!);
    return;
  }
  if (count >= set.length) return replyArray(ctx, set.members());
  replyArray(ctx, sampleDistinct(() => set.members(), set.length, count, () => set.random()!));
}

/** The sets under `keys` (null for missing keys), or undefined after WRONGTYPE: Redis 7.0 checks every key first. */
function setsOrReply(ctx: CommandContext, keys: readonly string[]): (SetValue | null)[] | undefined {
  const sets: (SetValue | null)[] = [];
  for (const key of keys) {
    const set = readTypedOrReply(ctx, key, 'set');
    if (set === undefined) return undefined;
    sets.push(set);
  }
  return sets;
}

/** Members of the intersection, walking the smallest set in its order; stops at `limit` (0 = none). */
function intersection(sets: readonly (SetValue | null)[], limit = 0): string[] {
  if (sets.some((s) => s === null)) return [];
  const bySize = (sets as SetValue[]).slice().sort((a, b) => a.length - b.length);
  const [smallest, ...others] = bySize;
  const out: string[] = [];
  for (const m of smallest.members()) {
    if (!others.every((s) => s === smallest || s.has(m))) continue;
    out.push(m);
    if (out.length === limit) break;
  }
  return out;
}

function unionOf(ctx: CommandContext, sets: readonly (SetValue | null)[]): SetValue {
  const result = new SetValue();
  const limits = setLimits(ctx);
  for (const s of sets) if (s !== null) for (const m of s.members()) result.add(m, limits);
  return result;
}

/**
 * Redis' two SDIFF algorithms, chosen by its cost estimate: (1) keep the first set's members found in no
 * other set, or (2) copy the first set and remove the others' members. Both give the same members,
 * but (2) may have made the result a hashtable on the way, which OBJECT ENCODING shows.
 */
function differenceOf(ctx: CommandContext, sets: readonly (SetValue | null)[]): SetValue {
  const result = new SetValue();
  const [first, ...rest] = sets;
  if (first === null) return result;
  const limits = setLimits(ctx);
  const others = rest.filter((s): s is SetValue => s !== null);
  const algoOneWork = Math.floor((first.length * sets.filter((s) => s !== null).length) / 2);
  const algoTwoWork = others.reduce((n, s) => n + s.length, first.length);
  if (algoOneWork <= algoTwoWork) {
    others.sort((a, b) => b.length - a.length);
    for (const m of first.members()) if (!others.some((s) => s === first || s.has(m))) result.add(m, limits);
    return result;
  }
  for (const m of first.members()) result.add(m, limits);
  for (const s of others) {
    if (result.length === 0) break;
    for (const m of s.members()) result.delete(m);
  }
  return result;
}

function fromMembers(ctx: CommandContext, members: readonly string[]): SetValue {
  const result = new SetValue();
  const limits = setLimits(ctx);
  for (const m of members) result.add(m, limits);
  return result;
}

type SetOperation = 'sinter' | 'sunion' | 'sdiff';

function compute(ctx: CommandContext, op: SetOperation, sets: readonly (SetValue | null)[]): SetValue {
  if (op === 'sunion') return unionOf(ctx, sets);
  if (op === 'sdiff') return differenceOf(ctx, sets);
  return fromMembers(ctx, intersection(sets));
}

/** SINTER, SUNION, SDIFF (and SMEMBERS, which is SINTER of one key in Redis). */
function setOperation(ctx: CommandContext, argv: string[], op: SetOperation): void {
  const sets = setsOrReply(ctx, argv.slice(1));
  if (sets === undefined) return;
  // SINTER answers in the smallest set's order; the others answer in their built result's order.
  replySet(ctx, op === 'sinter' ? intersection(sets) : compute(ctx, op, sets).members());
}

/** SINTERSTORE, SUNIONSTORE, SDIFFSTORE: an empty result deletes the destination. */
function setOperationStore(ctx: CommandContext, argv: string[], op: SetOperation): void {
  const dst = argv[1];
  const sets = setsOrReply(ctx, argv.slice(2));
  if (sets === undefined) return;
  const result = compute(ctx, op, sets);
  if (result.length > 0) {
    ctx.db.setKey(dst, result);
    ctx.notify('set', `${op}store`, dst);
    ctx.dirty();
  } else if (ctx.db.delete(dst)) {
    ctx.notify('generic', 'del', dst);
    ctx.dirty();
  }
  ctx.reply.int(result.length);
}

/** numkeys as SINTERCARD validates it; undefined after the error reply. */
function numkeysOrReply(ctx: CommandContext, argv: readonly string[]): number | undefined {
  const n = rangedIntOrReply(ctx.reply, argv[1], 1n, LONG_MAX, 'ERR numkeys should be greater than 0');
  if (n === undefined) return undefined;
  if (n > BigInt(argv.length - 2)) {
    ctx.reply.error("ERR Number of keys can't be greater than number of args");
    return undefined;
  }
  return Number(n);
}

function sintercard(ctx: CommandContext, argv: string[]): void {
  const numkeys = numkeysOrReply(ctx, argv);
  if (numkeys === undefined) return;
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i++) {
    if (!is(argv[i], 'LIMIT') || i + 1 >= argv.length) return ctx.reply.error(E.SYNTAX);
    const l = rangedIntOrReply(ctx.reply, argv[++i], 0n, LONG_MAX, "ERR LIMIT can't be negative");
    if (l === undefined) return;
    limit = Number(l);
  }
  const sets = setsOrReply(ctx, argv.slice(2, 2 + numkeys));
  if (sets === undefined) return;
  ctx.reply.int(intersection(sets, limit).length);
}

/** SINTERCARD's keys for COMMAND GETKEYS: the numkeys arguments after numkeys (none when it is invalid). */
function sintercardKeys(argv: readonly string[]): number[] {
  return numkeysKeyIndexes(argv, 1, 2);
}

function sscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursorOrReply(ctx, argv[2]);
  if (cursor === undefined) return;
  const set = readTypedOrReply(ctx, argv[1], 'set');
  if (set === undefined) return;
  if (set === null) return emptyScan(ctx);
  const opts = scanOptionsOrReply(ctx, argv, 3, false);
  if (opts === undefined) return;
  scanReply(ctx, cursor, setScanSource(set), opts);
}

/** An intset is answered whole with cursor 0, as Redis does; a hashtable is walked bucket by bucket. */
function setScanSource(set: SetValue): ScanSource {
  if (set.encoding() === 'intset') {
    return {
      whole: true,
      pairs: false,
      step: (_cursor, visit) => {
        for (const m of set.members()) visit(m, undefined, 'set');
        return 0;
      },
    };
  }
  return { whole: false, pairs: false, step: (cursor, visit) => set.dict.scan(cursor, (e) => visit(e.key, undefined, 'set')) };
}

/** The reply of the SCAN family for a missing key. */
export function emptyScan(ctx: CommandContext): void {
  ctx.reply.array(2);
  ctx.reply.bulk('0');
  ctx.reply.array(0);
}

const key1: [number, number, number] = [1, 1, 1];
const allKeys: [number, number, number] = [1, -1, 1];
const SCAN_COMPLEXITY = 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..';

export const setCommands: CommandSpec[] = [
  { name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'set', since: '1.0.0', summary: 'Add one or more members to a set', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', run: sadd },
  { name: 'srem', arity: -3, flags: ['write', 'fast'], keys: key1, group: 'set', since: '1.0.0', summary: 'Remove one or more members from a set', complexity: 'O(N) where N is the number of members to be removed.', run: srem },
  { name: 'smembers', arity: 2, flags: ['readonly'], keys: key1, group: 'set', since: '1.0.0', summary: 'Get all the members in a set', complexity: 'O(N) where N is the set cardinality.', run: (ctx, argv) => setOperation(ctx, argv, 'sinter') },
  { name: 'sismember', arity: 3, flags: ['readonly', 'fast'], keys: key1, group: 'set', since: '1.0.0', summary: 'Determine if a given value is a member of a set', complexity: 'O(1)', run: sismember },
  { name: 'smismember', arity: -3, flags: ['readonly', 'fast'], keys: key1, group: 'set', since: '6.2.0', summary: 'Returns the membership associated with the given elements for a set', complexity: 'O(N) where N is the number of elements being checked for membership', run: smismember },
  { name: 'scard', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'set', since: '1.0.0', summary: 'Get the number of members in a set', complexity: 'O(1)', run: scard },
  { name: 'spop', arity: -2, flags: ['write', 'fast'], keys: key1, group: 'set', since: '1.0.0', summary: 'Remove and return one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', run: spop },
  { name: 'srandmember', arity: -2, flags: ['readonly'], keys: key1, group: 'set', since: '1.0.0', summary: 'Get one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', run: srandmember },
  { name: 'smove', arity: 4, flags: ['write', 'fast'], keys: [1, 2, 1], group: 'set', since: '1.0.0', summary: 'Move a member from one set to another', complexity: 'O(1)', run: smove },
  { name: 'sinter', arity: -2, flags: ['readonly'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Intersect multiple sets', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', run: (ctx, argv) => setOperation(ctx, argv, 'sinter') },
  { name: 'sintercard', arity: -3, flags: ['readonly', 'movablekeys'], getKeys: sintercardKeys, group: 'set', since: '7.0.0', summary: 'Intersect multiple sets and return the cardinality of the result', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', run: sintercard },
  { name: 'sunion', arity: -2, flags: ['readonly'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Add multiple sets', complexity: 'O(N) where N is the total number of elements in all given sets.', run: (ctx, argv) => setOperation(ctx, argv, 'sunion') },
  { name: 'sdiff', arity: -2, flags: ['readonly'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Subtract multiple sets', complexity: 'O(N) where N is the total number of elements in all given sets.', run: (ctx, argv) => setOperation(ctx, argv, 'sdiff') },
  { name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Intersect multiple sets and store the resulting set in a key', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', run: (ctx, argv) => setOperationStore(ctx, argv, 'sinter') },
  { name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Add multiple sets and store the resulting set in a key', complexity: 'O(N) where N is the total number of elements in all given sets.', run: (ctx, argv) => setOperationStore(ctx, argv, 'sunion') },
  { name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], keys: allKeys, group: 'set', since: '1.0.0', summary: 'Subtract multiple sets and store the resulting set in a key', complexity: 'O(N) where N is the total number of elements in all given sets.', run: (ctx, argv) => setOperationStore(ctx, argv, 'sdiff') },
  { name: 'sscan', arity: -3, flags: ['readonly'], keys: key1, group: 'set', since: '2.8.0', summary: 'Incrementally iterate Set elements', complexity: SCAN_COMPLEXITY, run: sscan },
];
