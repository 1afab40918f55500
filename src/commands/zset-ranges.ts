// The arguments sorted-set commands share, parsed as Redis' t_zset.c parses them: scores
// (getDoubleFromObject: all of strtod, hex floats and "inf" included, NaN and overflow refused),
// score ranges (zslParseRange: "(" for exclusive, whatever strtod reads up to the end or a NUL),
// lex ranges (zslParseLexRangeItem: "[a", "(a", "-", "+"), and the options of the ZRANGE family
// (zrangeGenericCommand), resolved to a span of ranks in the ordered index.
import type { Reply } from '../protocol/reply.js';
import type { ZSetValue } from '../structures/zset.js';
import type { LexBound, ScoreBound } from '../structures/zset-index.js';
import { is, normalizeRange, parseInteger, strtod } from './args.js';
import * as E from '../engine/errors.js';

export const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
export const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

export interface ScoreRange {
  min: ScoreBound;
  max: ScoreBound;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

/** getDoubleFromObject: the whole argument is the number, no leading space, not NaN, no overflow or underflow to 0. */
export function parseScore(s: string): number | undefined {
  const c = s.charCodeAt(0);
  if (s.length === 0 || c === 32 || (c >= 9 && c <= 13)) return undefined;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return undefined;
  if (r.outOfRange && (r.value === 0 || !Number.isFinite(r.value))) return undefined;
  return r.value;
}

export function scoreOrReply(reply: Reply, s: string, error = E.NOT_FLOAT): number | undefined {
  const v = parseScore(s);
  if (v === undefined) reply.error(error);
  return v;
}

/** strtod stopped at the end of the C string: the argument's end or an embedded NUL. */
function readToCEnd(s: string, end: number): boolean {
  return end === s.length || s.charCodeAt(end) === 0;
}

function parseScoreBound(s: string): ScoreBound | undefined {
  const exclusive = s.charCodeAt(0) === 40; // (
  const text = exclusive ? s.slice(1) : s;
  const r = strtod(text);
  if (!readToCEnd(text, r.end) || Number.isNaN(r.value)) return undefined;
  return { value: r.value, exclusive };
}

function parseLexBound(s: string): LexBound | undefined {
  const c = s.charCodeAt(0);
  if (c === 43 || c === 45) {
    // "+" and "-" alone (C compares the next byte with NUL) are the ends of the string order.
    if (s.length > 1 && s.charCodeAt(1) !== 0) return undefined;
    return { value: '', exclusive: true, kind: c === 43 ? 'max' : 'min' };
  }
  if (c === 40 || c === 91) return { value: s.slice(1), exclusive: c === 40, kind: 'value' };
  return undefined;
}

export function scoreRangeOrReply(reply: Reply, min: string, max: string): ScoreRange | undefined {
  const lo = parseScoreBound(min);
  const hi = parseScoreBound(max);
  if (lo === undefined || hi === undefined) return void reply.error(NOT_FLOAT_RANGE);
  return { min: lo, max: hi };
}

export function lexRangeOrReply(reply: Reply, min: string, max: string): LexRange | undefined {
  const lo = parseLexBound(min);
  const hi = parseLexBound(max);
  if (lo === undefined || hi === undefined) return void reply.error(NOT_LEX_RANGE);
  return { min: lo, max: hi };
}

export type RangeBounds =
  | { kind: 'rank'; start: number; end: number }
  | { kind: 'score'; range: ScoreRange }
  | { kind: 'lex'; range: LexRange };

export interface RangeQuery {
  bounds: RangeBounds;
  reverse: boolean;
  withScores: boolean;
  /** LIMIT offset count; count -1 = no limit. */
  offset: number;
  count: number;
}

/** What a command of the family fixes: ZRANGEBYSCORE fixes the kind, ZREVRANGE the direction... */
export interface RangeForm {
  kind?: RangeBounds['kind'];
  reverse?: boolean;
  /** ZRANGESTORE: no WITHSCORES. */
  store: boolean;
}

interface RangeOptions {
  kind: RangeBounds['kind'] | undefined;
  reverse: boolean | undefined;
  withScores: boolean;
  offset: number;
  count: number;
}

/** Step 1 of zrangeGenericCommand: the options after <key> <min> <max>. */
function rangeOptionsOrReply(reply: Reply, argv: readonly string[], from: number, form: RangeForm): RangeOptions | undefined {
  const o: RangeOptions = { kind: form.kind, reverse: form.reverse, withScores: false, offset: 0, count: -1 };
  for (let i = from; i < argv.length; i++) {
    const arg = argv[i];
    if (!form.store && is(arg, 'WITHSCORES')) o.withScores = true;
    else if (is(arg, 'LIMIT') && argv.length - i - 1 >= 2) {
      const offset = parseInteger(argv[i + 1]);
      const count = parseInteger(argv[i + 2]);
      if (offset === undefined || count === undefined) return void reply.error(E.NOT_INTEGER);
      o.offset = offset;
      o.count = count;
      i += 2;
    } else if (o.reverse === undefined && is(arg, 'REV')) o.reverse = true;
    else if (o.kind === undefined && is(arg, 'BYLEX')) o.kind = 'lex';
    else if (o.kind === undefined && is(arg, 'BYSCORE')) o.kind = 'score';
    else return void reply.error(E.SYNTAX);
  }
  return o;
}

/**
 * Parses a ZRANGE-family call whose source key is argv[keyAt], in Redis' order: options, their
 * conflicts, then the range (given as max, min when reversed by score or lex).
 */
export function rangeQueryOrReply(reply: Reply, argv: readonly string[], keyAt: number, form: RangeForm): RangeQuery | undefined {
  const o = rangeOptionsOrReply(reply, argv, keyAt + 3, form);
  if (o === undefined) return undefined;
  const kind = o.kind ?? 'rank';
  const reverse = o.reverse ?? false;
  // count -1 is what Redis' "no LIMIT" looks like, so "LIMIT x -1" slips through for a rank range too.
  if (o.count !== -1 && kind === 'rank') return void reply.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (o.withScores && kind === 'lex') return void reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const swap = reverse && kind !== 'rank';
  const min = argv[keyAt + (swap ? 2 : 1)];
  const max = argv[keyAt + (swap ? 1 : 2)];
  const bounds = boundsOrReply(reply, kind, min, max);
  if (bounds === undefined) return undefined;
  return { bounds, reverse, withScores: o.withScores, offset: o.offset, count: o.count };
}

function boundsOrReply(reply: Reply, kind: RangeBounds['kind'], min: string, max: string): RangeBounds | undefined {
  if (kind === 'rank') {
    const start = parseInteger(min);
    const end = parseInteger(max);
    if (start === undefined || end === undefined) return void reply.error(E.NOT_INTEGER);
    return { kind, start, end };
  }
  if (kind === 'score') {
    const range = scoreRangeOrReply(reply, min, max);
    return range === undefined ? undefined : { kind, range };
  }
  const range = lexRangeOrReply(reply, min, max);
  return range === undefined ? undefined : { kind, range };
}

/** Ranks [first, last] (ascending, first > last when empty) to visit, descending when `reverse`. */
export interface RankWindow {
  first: number;
  last: number;
  reverse: boolean;
}

const EMPTY: RankWindow = { first: 0, last: -1, reverse: false };

/** The ranks a query selects, O(log n): rank ranges directly, score and lex ranges by their bounds. */
export function rankWindow(z: ZSetValue, q: RangeQuery): RankWindow {
  const { bounds, reverse } = q;
  if (bounds.kind === 'rank') {
    const span = normalizeRange(bounds.start, bounds.end, z.length);
    if (span === undefined) return EMPTY;
    const [start, end] = span;
    return reverse ? { first: z.length - 1 - end, last: z.length - 1 - start, reverse } : { first: start, last: end, reverse };
  }
  // Redis answers an offset past the end, or a negative one, with nothing.
  if ((q.offset > 0 && q.offset >= z.length) || q.offset < 0) return EMPTY;
  const span = bounds.kind === 'score' ? z.scoreSpan(bounds.range.min, bounds.range.max) : z.lexSpan(bounds.range.min, bounds.range.max);
  if (span === undefined) return EMPTY;
  const [lo, hi] = span;
  if (reverse) {
    const last = hi - q.offset;
    const first = q.count < 0 ? lo : Math.max(lo, last - q.count + 1);
    return { first, last, reverse };
  }
  const first = lo + q.offset;
  const last = q.count < 0 ? hi : Math.min(hi, first + q.count - 1);
  return { first, last, reverse };
}

export function windowSize(w: RankWindow): number {
  return Math.max(0, w.last - w.first + 1);
}
