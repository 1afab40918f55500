// Sorted-set commands (Redis t_zset.c): ZADD and its options, scores and ranks, the ZRANGE family
// and ZRANGESTORE, removals by member and by range, pops (ZPOPMIN, ZMPOP and their blocking forms,
// which wait on empty keys through ctx.blockOn), the algebra (ZUNION, ZINTER, ZDIFF, their STORE
// forms, ZINTERCARD), ZRANDMEMBER and ZSCAN. Every rank question goes through the ordered index,
// so ranks and rank ranges cost O(log n + m).
import type { Reply } from '../protocol/reply.js';
import { formatDouble } from '../protocol/number-format.js';
import type { SetValue } from '../structures/set.js';
import { ZSetValue, type ZSetEncodingLimits, type ZSetMember } from '../structures/zset.js';
import { intOrReply, is, normalizeRange, rangedIntOrReply, timeoutOrReply, numkeysKeyIndexes } from './args.js';
import * as E from '../engine/errors.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import { parseCursorOrReply, scanOptionsOrReply, scanReply, type ScanSource } from './scan.js';
import { sampleDistinct } from './sets.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import {
  lexRangeOrReply, rangeQueryOrReply, rankWindow, scoreOrReply, scoreRangeOrReply, windowSize,
  type RangeForm, type RankWindow,
} from './zset-ranges.js';

const LONG_MAX = 9223372036854775807n;
const NOT_POSITIVE = 'ERR value is out of range, must be positive';

/**
 * argv arrays of calls that blocked. The blocking registry runs the same argv again when a key
 * changes; finding it here tells the handler it is serving a wake-up, where Redis 7.0 passes over
 * keys that hold other types instead of replying WRONGTYPE. Weak, so abandoned blocks cost nothing.
 */
const blockedCalls = new WeakSet<string[]>();

function zsetLimits(ctx: CommandContext): ZSetEncodingLimits {
  const c = ctx.server.config;
  return { maxListpackEntries: c.getNumber('zset-max-listpack-entries'), maxListpackValue: c.getNumber('zset-max-listpack-value') };
}

// ---- replies ----

/** Header of a member list: flat member/score pairs in RESP2, one [member, score] array each in RESP3. */
function beginEntries(reply: Reply, count: number, withScores: boolean): void {
  reply.array(withScores && reply.resp === 2 ? count * 2 : count);
}

function entry(reply: Reply, member: string, score: number, withScores: boolean): void {
  if (!withScores) return reply.bulk(member);
  if (reply.resp === 3) reply.array(2);
  reply.bulk(member);
  reply.double(score);
}

function replyEntries(reply: Reply, entries: readonly (readonly [string, number])[], withScores: boolean): void {
  beginEntries(reply, entries.length, withScores);
  for (const [member, score] of entries) entry(reply, member, score, withScores);
}

function replyWindow(reply: Reply, z: ZSetValue, w: RankWindow, withScores: boolean): void {
  const n = windowSize(w);
  beginEntries(reply, n, withScores);
  if (n > 0) z.forEachInRanks(w.first, w.last, w.reverse, (member, score) => entry(reply, member, score, withScores));
}

/** After members were removed in place: signal the change, or delete the key once it is empty. */
function saveOrDelete(ctx: CommandContext, key: string, z: ZSetValue): void {
  if (z.length > 0) return ctx.db.touchValue(key);
  ctx.db.delete(key);
  ctx.notify('generic', 'del', key);
}

/** Stores a computed result at `dst` (or deletes `dst` when it is empty) and replies its size. */
function storeResult(ctx: CommandContext, dst: string, z: ZSetValue, event: string): void {
  if (z.length > 0) {
    ctx.db.setKey(dst, z);
    ctx.notify('zset', event, dst);
    ctx.dirty();
  } else if (ctx.db.delete(dst)) {
    ctx.notify('generic', 'del', dst);
    ctx.dirty();
  }
  ctx.reply.int(z.length);
}

// ---- ZADD, ZINCRBY ----

interface ZaddOptions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

type ZaddFlag = keyof ZaddOptions;
const ZADD_FLAGS: ReadonlySet<string> = new Set<ZaddFlag>(['nx', 'xx', 'gt', 'lt', 'ch', 'incr']);

/** The flags before the first score, and their incompatibilities; returns where the pairs start. */
function zaddOptionsOrReply(reply: Reply, argv: readonly string[], o: ZaddOptions): number | undefined {
  let at = 2;
  for (; at < argv.length; at++) {
    const flag = argv[at].toLowerCase();
    if (!ZADD_FLAGS.has(flag)) break;
    o[flag as ZaddFlag] = true;
  }
  const args = argv.length - at;
  if (args === 0 || args % 2 !== 0) return void reply.error(E.SYNTAX);
  if (o.nx && o.xx) return void reply.error('ERR XX and NX options at the same time are not compatible');
  if ((o.nx && (o.gt || o.lt)) || (o.gt && o.lt)) return void reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (o.incr && args > 2) return void reply.error('ERR INCR option supports a single increment-element pair');
  return at;
}

type AddOutcome = 'added' | 'updated' | 'unchanged' | 'skipped' | 'nan';

/** Redis' zsetAdd for one pair: the outcome, and the member's resulting score when not skipped. */
function addPair(z: ZSetValue, member: string, score: number, o: ZaddOptions, limits: ZSetEncodingLimits): [AddOutcome, number] {
  const current = z.score(member);
  if (current === undefined) {
    if (o.xx) return ['skipped', score];
    z.set(member, score, limits);
    return ['added', score];
  }
  if (o.nx) return ['skipped', score];
  if (o.incr) {
    score += current;
    if (Number.isNaN(score)) return ['nan', score];
  }
  if ((o.lt && score >= current) || (o.gt && score <= current)) return ['skipped', score];
  if (score === current) return ['unchanged', score];
  z.set(member, score, limits);
  return ['updated', score];
}

/** ZADD and ZINCRBY (= ZADD key INCR increment member): every score is parsed before anything changes. */
function zaddGeneric(ctx: CommandContext, argv: string[], o: ZaddOptions, at: number): void {
  const key = argv[1];
  const scores: number[] = [];
  for (let i = at; i < argv.length; i += 2) {
    const score = scoreOrReply(ctx.reply, argv[i]);
    if (score === undefined) return;
    scores.push(score);
  }
  const found = writeTypedOrReply(ctx, key, 'zset');
  if (found === undefined) return;
  if (found === null && o.xx) return o.incr ? ctx.reply.nil() : ctx.reply.int(0);
  const z = found ?? new ZSetValue();
  const limits = zsetLimits(ctx);
  const counts = { added: 0, updated: 0, unchanged: 0, skipped: 0, nan: 0 };
  let last = 0;
  for (let j = 0; j < scores.length && counts.nan === 0; j++) {
    const [outcome, score] = addPair(z, argv[at + 2 * j + 1], scores[j], o, limits);
    counts[outcome]++;
    last = score;
  }
  const changed = counts.added + counts.updated;
  // A new key always gets its first member: only XX skips one, and XX on a missing key returned above.
  if (found === null) ctx.db.setKey(key, z);
  else if (changed > 0) ctx.db.touchValue(key);
  if (changed > 0) ctx.notify('zset', o.incr ? 'zincr' : 'zadd', key);
  ctx.dirty(changed);
  if (counts.nan > 0) return ctx.reply.error('ERR resulting score is not a number (NaN)');
  if (!o.incr) return ctx.reply.int(o.ch ? changed : counts.added);
  counts.skipped === 0 ? ctx.reply.double(last) : ctx.reply.nil();
}

function noOptions(): ZaddOptions {
  return { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
}

export function zadd(ctx: CommandContext, argv: string[]): void {
  const o = noOptions();
  const at = zaddOptionsOrReply(ctx.reply, argv, o);
  if (at !== undefined) zaddGeneric(ctx, argv, o, at);
}

function zincrby(ctx: CommandContext, argv: string[]): void {
  const o = noOptions();
  o.incr = true;
  zaddGeneric(ctx, argv, o, 2);
}

// ---- scores, ranks, counts ----

function zscore(ctx: CommandContext, argv: string[]): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  const score = z?.score(argv[2]);
  score === undefined ? ctx.reply.nil() : ctx.reply.double(score);
}

function zmscore(ctx: CommandContext, argv: string[]): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(argv[i]);
    score === undefined ? ctx.reply.nil() : ctx.reply.double(score);
  }
}

function zcard(ctx: CommandContext, argv: string[]): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z !== undefined) ctx.reply.int(z?.length ?? 0);
}

function zrankGeneric(ctx: CommandContext, argv: string[], reverse: boolean): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  const rank = z === null ? -1 : z.rank(argv[2]);
  if (z === null || rank === -1) return ctx.reply.nil();
  ctx.reply.int(reverse ? z.length - 1 - rank : rank);
}

/** ZCOUNT: the difference of two ranks, not a walk over the range. */
function zcount(ctx: CommandContext, argv: string[]): void {
  const range = scoreRangeOrReply(ctx.reply, argv[2], argv[3]);
  if (range === undefined) return;
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  const span = z?.scoreSpan(range.min, range.max);
  ctx.reply.int(span === undefined ? 0 : span[1] - span[0] + 1);
}

function zlexcount(ctx: CommandContext, argv: string[]): void {
  const range = lexRangeOrReply(ctx.reply, argv[2], argv[3]);
  if (range === undefined) return;
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  const span = z?.lexSpan(range.min, range.max);
  ctx.reply.int(span === undefined ? 0 : span[1] - span[0] + 1);
}

// ---- the ZRANGE family ----

function zrangeGeneric(ctx: CommandContext, argv: string[], form: RangeForm): void {
  const q = rangeQueryOrReply(ctx.reply, argv, 1, form);
  if (q === undefined) return;
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  if (z === null) return ctx.reply.array(0);
  replyWindow(ctx.reply, z, rankWindow(z, q), q.withScores);
}

function zrangestore(ctx: CommandContext, argv: string[]): void {
  const q = rangeQueryOrReply(ctx.reply, argv, 2, { store: true });
  if (q === undefined) return;
  const src = readTypedOrReply(ctx, argv[2], 'zset');
  if (src === undefined) return;
  const entries: [string, number][] = [];
  if (src !== null) {
    const w = rankWindow(src, q);
    if (windowSize(w) > 0) src.forEachInRanks(w.first, w.last, w.reverse, (member, score) => void entries.push([member, score]));
  }
  storeResult(ctx, argv[1], ZSetValue.fromEntries(entries, zsetLimits(ctx)), 'zrangestore');
}

// ---- removals ----

function zrem(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const z = writeTypedOrReply(ctx, key, 'zset');
  if (z === undefined) return;
  if (z === null) return ctx.reply.int(0);
  let removed = 0;
  for (let i = 2; i < argv.length && z.length > 0; i++) if (z.delete(argv[i])) removed++;
  if (removed > 0) {
    ctx.notify('zset', 'zrem', key);
    saveOrDelete(ctx, key, z);
  }
  ctx.dirty(removed);
  ctx.reply.int(removed);
}

/** ZREMRANGEBY*: `span` turns the parsed range into ranks once the set is known. */
function zremrangeGeneric(ctx: CommandContext, key: string, event: string, span: (z: ZSetValue) => readonly [number, number] | undefined): void {
  const z = writeTypedOrReply(ctx, key, 'zset');
  if (z === undefined) return;
  const ranks = z === null ? undefined : span(z);
  if (z === null || ranks === undefined) return ctx.reply.int(0);
  const removed = z.deleteRanks(ranks[0], ranks[1]);
  if (removed > 0) {
    ctx.notify('zset', event, key);
    saveOrDelete(ctx, key, z);
  }
  ctx.dirty(removed);
  ctx.reply.int(removed);
}

function zremrangebyrank(ctx: CommandContext, argv: string[]): void {
  const start = intOrReply(ctx.reply, argv[2]);
  if (start === undefined) return;
  const end = intOrReply(ctx.reply, argv[3]);
  if (end !== undefined) zremrangeGeneric(ctx, argv[1], 'zremrangebyrank', (z) => normalizeRange(start, end, z.length));
}

function zremrangebyscore(ctx: CommandContext, argv: string[]): void {
  const range = scoreRangeOrReply(ctx.reply, argv[2], argv[3]);
  if (range !== undefined) zremrangeGeneric(ctx, argv[1], 'zremrangebyscore', (z) => z.scoreSpan(range.min, range.max));
}

function zremrangebylex(ctx: CommandContext, argv: string[]): void {
  const range = lexRangeOrReply(ctx.reply, argv[2], argv[3]);
  if (range !== undefined) zremrangeGeneric(ctx, argv[1], 'zremrangebylex', (z) => z.lexSpan(range.min, range.max));
}

// ---- pops ----

type End = 'min' | 'max';

const popCommand = (end: End): string => (end === 'min' ? 'ZPOPMIN' : 'ZPOPMAX');

/** Pops up to `count` members from one end, with the notifications and the deletion of an emptied key. */
function popEntries(ctx: CommandContext, key: string, z: ZSetValue, end: End, count: number): [string, number][] {
  const popped = z.pop(end === 'max', count);
  ctx.notify('zset', end === 'min' ? 'zpopmin' : 'zpopmax', key);
  saveOrDelete(ctx, key, z);
  ctx.dirty(popped.length);
  return popped;
}

/** ZPOPMIN/ZPOPMAX [count]: without a count the reply is flat even in RESP3. */
function zpopGeneric(ctx: CommandContext, argv: string[], end: End): void {
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX);
  const count = argv.length === 3 ? rangedIntOrReply(ctx.reply, argv[2], 0n, LONG_MAX, NOT_POSITIVE) : 1n;
  if (count === undefined) return;
  const z = writeTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  if (z === null || count === 0n) return ctx.reply.array(0);
  const popped = popEntries(ctx, argv[1], z, end, Number(count));
  if (argv.length === 3) return replyEntries(ctx.reply, popped, true);
  ctx.reply.array(2);
  ctx.reply.bulk(popped[0][0]);
  ctx.reply.double(popped[0][1]);
}

/** The sorted set at `key` for a wake-up: keys holding other types are passed over, as in Redis 7.0. */
function zsetForWakeUp(ctx: CommandContext, key: string): ZSetValue | null {
  const v = ctx.db.peek(key);
  if (typeof v !== 'object' || v.type !== 'zset') return null;
  ctx.db.lookupWrite(key);
  return v;
}

/** The first key holding a sorted set (stored sets are never empty); null if none, undefined after WRONGTYPE. */
function firstZsetOrReply(ctx: CommandContext, keys: readonly string[], wakeUp: boolean): [string, ZSetValue] | null | undefined {
  // A woken client is served from the key whose change woke it, as Redis serves a ready key's waiters.
  const woken = wakeUp ? ctx.server.blocking.wokenBy : undefined;
  const order = woken !== undefined && keys.includes(woken) ? [woken, ...keys.filter((k) => k !== woken)] : keys;
  for (const key of order) {
    const z = wakeUp ? zsetForWakeUp(ctx, key) : writeTypedOrReply(ctx, key, 'zset');
    if (z === undefined) return undefined;
    if (z !== null) return [key, z];
  }
  return null;
}

interface MpopArgs {
  keys: string[];
  end: End;
  count: number;
}

/** numkeys key... MIN|MAX [COUNT n], numkeys at argv[at]; Redis' order of checks and texts. */
function mpopArgsOrReply(reply: Reply, argv: readonly string[], at: number): MpopArgs | undefined {
  const numkeys = rangedIntOrReply(reply, argv[at], 1n, LONG_MAX, 'ERR numkeys should be greater than 0');
  if (numkeys === undefined) return undefined;
  const whereAt = at + Number(numkeys) + 1;
  if (whereAt >= argv.length) return void reply.error(E.SYNTAX);
  const end = is(argv[whereAt], 'MIN') ? 'min' : is(argv[whereAt], 'MAX') ? 'max' : undefined;
  if (end === undefined) return void reply.error(E.SYNTAX);
  let count: bigint | undefined;
  for (let i = whereAt + 1; i < argv.length; i++) {
    if (count !== undefined || !is(argv[i], 'COUNT') || i + 1 >= argv.length) return void reply.error(E.SYNTAX);
    count = rangedIntOrReply(reply, argv[++i], 1n, LONG_MAX, 'ERR count should be greater than 0');
    if (count === undefined) return undefined;
  }
  return { keys: argv.slice(at + 1, whereAt), end, count: Number(count ?? 1n) };
}

/** Pops from the first non-empty key, replying [key, [[member, score]...]]; false if all are empty. */
function mpopOrReply(ctx: CommandContext, a: MpopArgs, wakeUp: boolean): boolean {
  const found = firstZsetOrReply(ctx, a.keys, wakeUp);
  if (found === null) return false;
  if (found === undefined) return true;
  const [key, z] = found;
  const popped = popEntries(ctx, key, z, a.end, a.count);
  ctx.reply.array(2);
  ctx.reply.bulk(key);
  ctx.reply.array(popped.length);
  for (const [member, score] of popped) {
    ctx.reply.array(2);
    ctx.reply.bulk(member);
    ctx.reply.double(score);
  }
  ctx.propagateAs([popCommand(a.end), key, String(a.count)]);
  return true;
}

function zmpop(ctx: CommandContext, argv: string[]): void {
  const a = mpopArgsOrReply(ctx.reply, argv, 1);
  if (a !== undefined && !mpopOrReply(ctx, a, false)) ctx.reply.nullArray();
}

const replyTimedOut = (reply: Reply): void => reply.nullArray();

/** Nothing to pop: wait for the keys, or — inside MULTI, EXEC or a script, where Redis never blocks — reply as a timeout. */
function blockOrReply(ctx: CommandContext, argv: string[], keys: string[], timeoutMs: number): void {
  if (!ctx.canBlock) return replyTimedOut(ctx.reply);
  blockedCalls.add(argv);
  ctx.blockOn(keys, timeoutMs, replyTimedOut);
}

/** BZPOPMIN/BZPOPMAX key... timeout: [key, member, score], propagated as ZPOPMIN/ZPOPMAX key 1. */
function bzpopGeneric(ctx: CommandContext, argv: string[], end: End): void {
  const timeout = timeoutOrReply(ctx.reply, argv[argv.length - 1]);
  if (timeout === undefined) return;
  const keys = argv.slice(1, -1);
  const found = firstZsetOrReply(ctx, keys, blockedCalls.delete(argv));
  if (found === undefined) return;
  if (found === null) return blockOrReply(ctx, argv, keys, timeout);
  const [key, z] = found;
  const [[member, score]] = popEntries(ctx, key, z, end, 1);
  ctx.reply.array(3);
  ctx.reply.bulk(key);
  ctx.reply.bulk(member);
  ctx.reply.double(score);
  ctx.propagateAs([popCommand(end), key, '1']);
}

function bzmpop(ctx: CommandContext, argv: string[]): void {
  const a = mpopArgsOrReply(ctx.reply, argv, 2);
  if (a === undefined) return;
  const timeout = timeoutOrReply(ctx.reply, argv[1]);
  if (timeout === undefined) return;
  if (!mpopOrReply(ctx, a, blockedCalls.delete(argv))) blockOrReply(ctx, argv, a.keys, timeout);
}

// ---- ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD ----

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';
/** What the command returns: the members (reply), a stored set (store) or a count (card). */
type SetOpMode = 'reply' | 'store' | 'card';

interface Source {
  value: ZSetValue | SetValue | null;
  weight: number;
}

interface SetOpArgs {
  sources: Source[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

const sourceLength = (s: Source): number => s.value?.length ?? 0;

/** A source's score for a member: plain sets count as score 1. */
function scoreIn(value: ZSetValue | SetValue | null, member: string): number | undefined {
  if (value === null) return undefined;
  if (value.type === 'set') return value.has(member) ? 1 : undefined;
  return value.score(member);
}

function forEachEntry(value: ZSetValue | SetValue | null, fn: (member: string, score: number) => boolean | void): void {
  if (value === null) return;
  if (value.type === 'set') {
    for (const member of value.dict.keys()) if (fn(member, 1) === false) return;
    return;
  }
  for (const e of value.dict.values()) if (fn(e.key, e.score) === false) return;
}

/** zunionInterAggregate: an inf - inf sum counts as 0. */
function aggregate(how: Aggregate, target: number, value: number): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

/** The input keys, looked up and type-checked before the options are read, as Redis does. */
function sourcesOrReply(ctx: CommandContext, argv: readonly string[], numkeysAt: number): Source[] | undefined {
  const n = intOrReply(ctx.reply, argv[numkeysAt]);
  if (n === undefined) return undefined;
  if (n < 1) return void ctx.reply.error(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`);
  if (n > argv.length - numkeysAt - 1) return void ctx.reply.error(E.SYNTAX);
  const sources: Source[] = [];
  for (let i = numkeysAt + 1; i <= numkeysAt + n; i++) {
    const v = ctx.db.lookupRead(argv[i]);
    if (v === undefined) sources.push({ value: null, weight: 1 });
    else if (typeof v === 'object' && (v.type === 'zset' || v.type === 'set')) sources.push({ value: v, weight: 1 });
    else return void ctx.reply.error(E.WRONGTYPE);
  }
  return sources;
}

function setOpArgsOrReply(ctx: CommandContext, argv: readonly string[], numkeysAt: number, op: SetOp, mode: SetOpMode): SetOpArgs | undefined {
  const sources = sourcesOrReply(ctx, argv, numkeysAt);
  if (sources === undefined) return undefined;
  const a: SetOpArgs = { sources, aggregate: 'sum', withScores: false, limit: 0 };
  const weighted = op !== 'diff' && mode !== 'card';
  for (let i = numkeysAt + sources.length + 1; i < argv.length; i++) {
    const left = argv.length - i;
    if (weighted && left >= sources.length + 1 && is(argv[i], 'WEIGHTS')) {
      for (const s of sources) {
        const w = scoreOrReply(ctx.reply, argv[++i], 'ERR weight value is not a float');
        if (w === undefined) return undefined;
        s.weight = w;
      }
    } else if (weighted && left >= 2 && is(argv[i], 'AGGREGATE')) {
      const how = argv[++i].toLowerCase();
      if (how !== 'sum' && how !== 'min' && how !== 'max') return void ctx.reply.error(E.SYNTAX);
      a.aggregate = how;
    } else if (mode === 'reply' && is(argv[i], 'WITHSCORES')) {
      a.withScores = true;
    } else if (mode === 'card' && left >= 2 && is(argv[i], 'LIMIT')) {
      const limit = rangedIntOrReply(ctx.reply, argv[++i], 0n, LONG_MAX, "ERR LIMIT can't be negative");
      if (limit === undefined) return undefined;
      a.limit = Number(limit);
    } else return void ctx.reply.error(E.SYNTAX);
  }
  return a;
}

function unionOf(a: SetOpArgs): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of a.sources) {
    forEachEntry(s.value, (member, score) => {
      let weighted = s.weight * score;
      if (Number.isNaN(weighted)) weighted = 0;
      const seen = out.get(member);
      out.set(member, seen === undefined ? weighted : aggregate(a.aggregate, seen, weighted));
    });
  }
  return out;
}

/** Members of the smallest input found in all the others; stops after `limit` when given (ZINTERCARD). */
function interOf(a: SetOpArgs, limit = 0): Map<string, number> {
  const out = new Map<string, number>();
  const [first, ...rest] = a.sources;
  forEachEntry(first.value, (member, score) => {
    let total = first.weight * score;
    if (Number.isNaN(total)) total = 0;
    for (const s of rest) {
      const found = scoreIn(s.value, member);
      if (found === undefined) return;
      total = aggregate(a.aggregate, total, found * s.weight);
    }
    out.set(member, total);
    return limit === 0 || out.size < limit;
  });
  return out;
}

function diffOf(a: SetOpArgs): Map<string, number> {
  const out = new Map<string, number>();
  const [first, ...rest] = a.sources;
  forEachEntry(first.value, (member, score) => {
    if (!rest.some((s) => scoreIn(s.value, member) !== undefined)) out.set(member, score);
  });
  return out;
}

function setOpResult(op: SetOp, a: SetOpArgs): Map<string, number> {
  // Smallest inputs first, as Redis orders them: it decides the order float sums are made in.
  if (op !== 'diff') a.sources.sort((x, y) => sourceLength(x) - sourceLength(y));
  return op === 'union' ? unionOf(a) : op === 'inter' ? interOf(a) : diffOf(a);
}

/** Sorted-set order: score, then member bytes (-0 and 0 are one score). */
function sortedEntries(result: Map<string, number>): [string, number][] {
  return [...result].sort((x, y) => (x[1] !== y[1] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

function setOpReply(ctx: CommandContext, argv: string[], op: SetOp): void {
  const a = setOpArgsOrReply(ctx, argv, 1, op, 'reply');
  if (a !== undefined) replyEntries(ctx.reply, sortedEntries(setOpResult(op, a)), a.withScores);
}

function setOpStore(ctx: CommandContext, argv: string[], op: SetOp): void {
  const a = setOpArgsOrReply(ctx, argv, 2, op, 'store');
  if (a === undefined) return;
  storeResult(ctx, argv[1], ZSetValue.fromEntries([...setOpResult(op, a)], zsetLimits(ctx)), `z${op}store`);
}

function zintercard(ctx: CommandContext, argv: string[]): void {
  const a = setOpArgsOrReply(ctx, argv, 1, 'inter', 'card');
  if (a === undefined) return;
  a.sources.sort((x, y) => sourceLength(x) - sourceLength(y));
  ctx.reply.int(interOf(a, a.limit).size);
}

// ---- ZRANDMEMBER ----

/** ZRANDMEMBER key [count [WITHSCORES]]: a negative count may repeat members, a positive one doesn't. */
function zrandmember(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 2) return zrandmemberOne(ctx, argv[1]);
  const count = rangedIntOrReply(ctx.reply, argv[2], -LONG_MAX, LONG_MAX);
  if (count === undefined) return;
  if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'WITHSCORES'))) return ctx.reply.error(E.SYNTAX);
  const withScores = argv.length === 4;
  if (withScores && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) return ctx.reply.error('ERR value is out of range');
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  if (z === null || count === 0n) return ctx.reply.array(0);
  if (count < 0n) return replyRepeatedPicks(ctx.reply, z, Number(-count), withScores);
  replyEntries(ctx.reply, distinctEntries(z, Number(count)), withScores);
}

function zrandmemberOne(ctx: CommandContext, key: string): void {
  const z = readTypedOrReply(ctx, key, 'zset');
  if (z === undefined) return;
  const e = z?.random();
  e === undefined ? ctx.reply.nil() : ctx.reply.bulk(e.key);
}

/** A negative count: independent picks, written as they are drawn (the count may be huge). */
function replyRepeatedPicks(reply: Reply, z: ZSetValue, count: number, withScores: boolean): void {
  beginEntries(reply, count, withScores);
  for (let i = 0; i < count && !reply.overflowed; i++) {
    const e = z.random()!;
    entry(reply, e.key, e.score, withScores);
  }
}

const pair = (e: ZSetMember): [string, number] => [e.key, e.score];

/** A positive count: the whole set, or `count` distinct members. */
function distinctEntries(z: ZSetValue, count: number): [string, number][] {
  if (count >= z.length) return Array.from(z.dict.values(), pair);
  return sampleDistinct(() => z.dict.values(), z.length, count, () => z.random()!).map(pair);
}

// ---- ZSCAN ----

function zscanSource(z: ZSetValue): ScanSource {
  // A listpack-encoded set answers in one call, in its (sorted) order, as Redis' listpack does.
  if (z.encoding() === 'listpack') {
    return {
      whole: true,
      pairs: true,
      step: (_cursor, visit) => {
        if (z.length > 0) z.forEachInRanks(0, z.length - 1, false, (member, score) => visit(member, formatDouble(score), 'zset'));
        return 0;
      },
    };
  }
  return { whole: false, pairs: true, step: (cursor, visit) => z.dict.scan(cursor, (e) => visit(e.key, formatDouble(e.score), 'zset')) };
}

/** Redis reads the options only once the key is known to hold a sorted set. */
function zscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursorOrReply(ctx, argv[2]);
  if (cursor === undefined) return;
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.array(2);
    ctx.reply.bulk('0');
    return ctx.reply.array(0);
  }
  const opts = scanOptionsOrReply(ctx, argv, 3, false);
  if (opts !== undefined) scanReply(ctx, cursor, zscanSource(z), opts);
}

// ---- key positions of the numkeys commands ----

/** numkeys at argv[at], keys after it (Redis' genericGetKeys). */
function numkeysKeys(argv: readonly string[], at: number): number[] {
  return numkeysKeyIndexes(argv, at, at + 1);
}

/** The STORE forms: the inputs, then the destination (zunionInterDiffStoreGetKeys). */
function storeKeys(argv: readonly string[]): number[] {
  return numkeysKeyIndexes(argv, 2, 3, 1);
}

const key1: [number, number, number] = [1, 1, 1];
const movable: [number, number, number] = [0, 0, 0];
const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const LIMITED_RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMOVE_RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const POP_COMPLEXITY = 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';
const MPOP_COMPLEXITY = 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.';
const UNION_COMPLEXITY = 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER_COMPLEXITY = 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY = 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

function spec(name: string, arity: number, flags: CommandSpec['flags'], since: string, summary: string, complexity: string, run: CommandSpec['run'], keys: CommandSpec['keys'] = key1): CommandSpec {
  return { name, arity, flags, keys, group: 'sorted-set', since, summary, complexity, run };
}

function numkeysSpec(base: CommandSpec, getKeys: (argv: readonly string[]) => number[]): CommandSpec {
  return { ...base, getKeys };
}

export const zsetCommands: CommandSpec[] = [
  spec('zadd', -4, ['write', 'denyoom', 'fast'], '1.2.0', 'Add one or more members to a sorted set, or update its score if it already exists', 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', zadd),
  spec('zincrby', 4, ['write', 'denyoom', 'fast'], '1.2.0', 'Increment the score of a member in a sorted set', 'O(log(N)) where N is the number of elements in the sorted set.', zincrby),
  spec('zscore', 3, ['readonly', 'fast'], '1.2.0', 'Get the score associated with the given member in a sorted set', 'O(1)', zscore),
  spec('zmscore', -3, ['readonly', 'fast'], '6.2.0', 'Get the score associated with the given members in a sorted set', 'O(N) where N is the number of members being requested.', zmscore),
  spec('zcard', 2, ['readonly', 'fast'], '1.2.0', 'Get the number of members in a sorted set', 'O(1)', zcard),
  spec('zcount', 4, ['readonly', 'fast'], '2.0.0', 'Count the members in a sorted set with scores within the given values', 'O(log(N)) with N being the number of elements in the sorted set.', zcount),
  spec('zlexcount', 4, ['readonly', 'fast'], '2.8.9', 'Count the number of members in a sorted set between a given lexicographical range', 'O(log(N)) with N being the number of elements in the sorted set.', zlexcount),
  spec('zrank', 3, ['readonly', 'fast'], '2.0.0', 'Determine the index of a member in a sorted set', 'O(log(N))', (ctx, argv) => zrankGeneric(ctx, argv, false)),
  spec('zrevrank', 3, ['readonly', 'fast'], '2.0.0', 'Determine the index of a member in a sorted set, with scores ordered from high to low', 'O(log(N))', (ctx, argv) => zrankGeneric(ctx, argv, true)),
  spec('zrange', -4, ['readonly'], '1.2.0', 'Return a range of members in a sorted set', RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { store: false })),
  spec('zrangestore', -5, ['write', 'denyoom'], '6.2.0', 'Store a range of members from sorted set into another key', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.', zrangestore, [1, 2, 1]),
  spec('zrangebyscore', -4, ['readonly'], '1.0.5', 'Return a range of members in a sorted set, by score', LIMITED_RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { kind: 'score', reverse: false, store: false })),
  spec('zrevrangebyscore', -4, ['readonly'], '2.2.0', 'Return a range of members in a sorted set, by score, with scores ordered from high to low', LIMITED_RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { kind: 'score', reverse: true, store: false })),
  spec('zrangebylex', -4, ['readonly'], '2.8.9', 'Return a range of members in a sorted set, by lexicographical range', LIMITED_RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { kind: 'lex', reverse: false, store: false })),
  spec('zrevrangebylex', -4, ['readonly'], '2.8.9', 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', LIMITED_RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { kind: 'lex', reverse: true, store: false })),
  spec('zrevrange', -4, ['readonly'], '1.2.0', 'Return a range of members in a sorted set, by index, with scores ordered from high to low', RANGE_COMPLEXITY, (ctx, argv) => zrangeGeneric(ctx, argv, { kind: 'rank', reverse: true, store: false })),
  spec('zrem', -3, ['write', 'fast'], '1.2.0', 'Remove one or more members from a sorted set', 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.', zrem),
  spec('zremrangebyrank', 4, ['write'], '2.0.0', 'Remove all members in a sorted set within the given indexes', REMOVE_RANGE_COMPLEXITY, zremrangebyrank),
  spec('zremrangebyscore', 4, ['write'], '1.2.0', 'Remove all members in a sorted set within the given scores', REMOVE_RANGE_COMPLEXITY, zremrangebyscore),
  spec('zremrangebylex', 4, ['write'], '2.8.9', 'Remove all members in a sorted set between the given lexicographical range', REMOVE_RANGE_COMPLEXITY, zremrangebylex),
  spec('zpopmin', -2, ['write', 'fast'], '5.0.0', 'Remove and return members with the lowest scores in a sorted set', POP_COMPLEXITY, (ctx, argv) => zpopGeneric(ctx, argv, 'min')),
  spec('zpopmax', -2, ['write', 'fast'], '5.0.0', 'Remove and return members with the highest scores in a sorted set', POP_COMPLEXITY, (ctx, argv) => zpopGeneric(ctx, argv, 'max')),
  numkeysSpec(spec('zmpop', -4, ['write', 'movablekeys'], '7.0.0', 'Remove and return members with scores in a sorted set', MPOP_COMPLEXITY, zmpop, movable), (argv) => numkeysKeys(argv, 1)),
  spec('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], '5.0.0', 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', 'O(log(N)) with N being the number of elements in the sorted set.', (ctx, argv) => bzpopGeneric(ctx, argv, 'min'), [1, -2, 1]),
  spec('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], '5.0.0', 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available', 'O(log(N)) with N being the number of elements in the sorted set.', (ctx, argv) => bzpopGeneric(ctx, argv, 'max'), [1, -2, 1]),
  numkeysSpec(spec('bzmpop', -5, ['write', 'blocking', 'movablekeys'], '7.0.0', 'Remove and return members with scores in a sorted set or block until one is available', MPOP_COMPLEXITY, bzmpop, movable), (argv) => numkeysKeys(argv, 2)),
  numkeysSpec(spec('zunion', -3, ['readonly', 'movablekeys'], '6.2.0', 'Add multiple sorted sets', UNION_COMPLEXITY, (ctx, argv) => setOpReply(ctx, argv, 'union'), movable), (argv) => numkeysKeys(argv, 1)),
  numkeysSpec(spec('zinter', -3, ['readonly', 'movablekeys'], '6.2.0', 'Intersect multiple sorted sets', INTER_COMPLEXITY, (ctx, argv) => setOpReply(ctx, argv, 'inter'), movable), (argv) => numkeysKeys(argv, 1)),
  numkeysSpec(spec('zdiff', -3, ['readonly', 'movablekeys'], '6.2.0', 'Subtract multiple sorted sets', DIFF_COMPLEXITY, (ctx, argv) => setOpReply(ctx, argv, 'diff'), movable), (argv) => numkeysKeys(argv, 1)),
  numkeysSpec(spec('zunionstore', -4, ['write', 'denyoom', 'movablekeys'], '2.0.0', 'Add multiple sorted sets and store the resulting sorted set in a new key', UNION_COMPLEXITY, (ctx, argv) => setOpStore(ctx, argv, 'union')), storeKeys),
  numkeysSpec(spec('zinterstore', -4, ['write', 'denyoom', 'movablekeys'], '2.0.0', 'Intersect multiple sorted sets and store the resulting sorted set in a new key', INTER_COMPLEXITY, (ctx, argv) => setOpStore(ctx, argv, 'inter')), storeKeys),
  numkeysSpec(spec('zdiffstore', -4, ['write', 'denyoom', 'movablekeys'], '6.2.0', 'Subtract multiple sorted sets and store the resulting sorted set in a new key', DIFF_COMPLEXITY, (ctx, argv) => setOpStore(ctx, argv, 'diff')), storeKeys),
  numkeysSpec(spec('zintercard', -3, ['readonly', 'movablekeys'], '7.0.0', 'Intersect multiple sorted sets and return the cardinality of the result', 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.', zintercard, movable), (argv) => numkeysKeys(argv, 1)),
  spec('zrandmember', -2, ['readonly'], '6.2.0', 'Get one or multiple random elements from a sorted set', 'O(N) where N is the number of elements returned', zrandmember),
  spec('zscan', -3, ['readonly'], '2.8.0', 'Incrementally iterate sorted sets elements and associated scores', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', zscan),
];
