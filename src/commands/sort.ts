// SORT and SORT_RO (Redis sort.c): the elements of a list, set or sorted set, sorted numerically or
// (ALPHA) as strings, by themselves or by keys built from a pattern (BY weight_* or weight_*->field,
// BY nosort to keep the native order), with LIMIT, GET patterns and, for SORT only, STORE into a list.
import { ListValue } from '../structures/list.js';
import type { SetValue } from '../structures/set.js';
import { stringOf } from '../structures/values.js';
import type { ZSetValue } from '../structures/zset.js';
import { is, parseInteger, strtod } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec, KeyRef } from '../engine/types.js';

type Sortable = ListValue | SetValue | ZSetValue;

/** Elements in load order, and the window [start, end] of the (sorted) elements to output. */
interface Loaded {
  elements: string[];
  start: number;
  end: number;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  offset: number;
  /** -1 = to the end. */
  count: number;
  by: string | undefined;
  /** BY a pattern without "*": keep the native order (and Redis never takes it back). */
  dontSort: boolean;
  gets: string[];
  store: string | undefined;
}

/** An element and what it sorts by: a number, or (ALPHA BY) a string, null when the BY key is missing. */
interface SortItem {
  element: string;
  score: number;
  compareWith: string | null;
}

/** A C string ends at its first NUL: strchr and strstr in Redis' pattern code see no further. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

function sortOptionsOrReply(ctx: CommandContext, argv: readonly string[], readonly: boolean): SortOptions | undefined {
  const o: SortOptions = { desc: false, alpha: false, offset: 0, count: -1, by: undefined, dontSort: false, gets: [], store: undefined };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const arg = argv[j];
    if (is(arg, 'ASC')) o.desc = false;
    else if (is(arg, 'DESC')) o.desc = true;
    else if (is(arg, 'ALPHA')) o.alpha = true;
    else if (is(arg, 'LIMIT') && left >= 2) {
      const offset = parseInteger(argv[j + 1]);
      const count = parseInteger(argv[j + 2]);
      if (offset === undefined || count === undefined) return void ctx.reply.error(E.NOT_INTEGER);
      o.offset = offset;
      o.count = count;
      j += 2;
    } else if (!readonly && is(arg, 'STORE') && left >= 1) o.store = argv[++j];
    else if (is(arg, 'BY') && left >= 1) {
      o.by = argv[++j];
      if (!cString(o.by).includes('*')) o.dontSort = true;
    } else if (is(arg, 'GET') && left >= 1) o.gets.push(argv[++j]);
    else return void ctx.reply.error(E.SYNTAX);
  }
  return o;
}

/**
 * Redis' lookupKeyByPattern: "#" is the element itself; otherwise the first "*" is replaced by the
 * element, and "->field" after it reads a hash field instead of a string. Null when there is no "*"
 * or the key is missing or of another type.
 */
function lookupByPattern(ctx: CommandContext, pattern: string, element: string, quiet: boolean): string | null {
  const c = cString(pattern);
  if (c === '#') return element;
  const star = c.indexOf('*');
  if (star === -1) return null;
  const arrow = c.indexOf('->', star + 1);
  const field = arrow !== -1 && arrow + 2 < c.length ? pattern.slice(arrow + 2) : undefined;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, field === undefined ? pattern.length : arrow);
  // SORT ... STORE looks keys up for writing in Redis: no hit/miss counting, no keymiss event.
  const v = quiet ? ctx.db.peek(key) : ctx.db.lookupRead(key);
  if (v === undefined) return null;
  if (field !== undefined) return typeof v === 'object' && v.type === 'hash' ? v.get(field) ?? null : null;
  return typeof v === 'object' ? null : stringOf(v);
}

/** The window of sorted positions LIMIT selects, with Redis' arithmetic (end < start when empty). */
function limitWindow(o: SortOptions, length: number): [start: number, end: number] {
  let start = o.offset < 0 ? 0 : o.offset;
  let end = o.count < 0 ? length - 1 : start + o.count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;
  return [start, end];
}

function zsetNativeRange(z: ZSetValue, start: number, end: number, desc: boolean): string[] {
  const out: string[] = [];
  if (end < start) return out;
  const first = desc ? z.length - 1 - end : start;
  z.forEachInRanks(first, first + end - start, desc, (member) => void out.push(member));
  return out;
}

function listNativeRange(items: readonly string[], start: number, end: number, desc: boolean): string[] {
  if (end < start) return [];
  if (!desc) return items.slice(start, end + 1);
  const n = items.length;
  return items.slice(n - 1 - end, n - start).reverse();
}

/**
 * The elements to sort and the window to output. A list or sorted set that won't be sorted
 * gives just the LIMIT window, in native order (reversed by DESC), as Redis loads it.
 */
function loadElements(v: Sortable | undefined, o: SortOptions): Loaded {
  const [start, end] = limitWindow(o, v?.length ?? 0);
  if (v === undefined) return { elements: [], start, end };
  if (v.type === 'list' && o.dontSort) return { elements: listNativeRange(v.toArray(), start, end, o.desc), start: 0, end: end - start };
  if (v.type === 'zset' && o.dontSort) return { elements: zsetNativeRange(v, start, end, o.desc), start: 0, end: end - start };
  if (v.type === 'list') return { elements: v.toArray(), start, end };
  if (v.type === 'set') return { elements: [...v.members()], start, end };
  return { elements: Array.from(v.dict.keys()), start, end };
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What an element sorts by. Numbers go through strtod like Redis (trailing garbage, NaN and
 * ERANGE, subnormals included, are conversion errors); an integer-encoded value reads back as the
 * same number Redis casts it to.
 */
function sortItemsOrError(ctx: CommandContext, elements: readonly string[], o: SortOptions): SortItem[] | undefined {
  let failed = false;
  const items = elements.map((element): SortItem => {
    const item: SortItem = { element, score: 0, compareWith: null };
    const by = o.by === undefined ? element : lookupByPattern(ctx, o.by, element, o.store !== undefined);
    if (by === null) return item;
    if (o.alpha) {
      if (o.by !== undefined) item.compareWith = by;
      return item;
    }
    const r = strtod(by);
    if ((r.end !== by.length && by.charCodeAt(r.end) !== 0) || r.outOfRange || Number.isNaN(r.value)) failed = true;
    item.score = r.value;
    return item;
  });
  return failed ? undefined : items;
}

/** sortCompare: numeric with ties broken by the elements' bytes, or ALPHA by element or BY value. */
function comparator(o: SortOptions): (a: SortItem, b: SortItem) => number {
  const sign = o.desc ? -1 : 1;
  if (!o.alpha) return (a, b) => sign * (a.score !== b.score ? (a.score < b.score ? -1 : 1) : byteCompare(a.element, b.element));
  if (o.by === undefined) return (a, b) => sign * byteCompare(a.element, b.element);
  return (a, b) => {
    if (a.compareWith === null || b.compareWith === null) return sign * (a.compareWith === b.compareWith ? 0 : a.compareWith === null ? -1 : 1);
    return sign * byteCompare(a.compareWith, b.compareWith);
  };
}

/** The output: each element, or for each element the value of every GET pattern. */
function outputValues(ctx: CommandContext, elements: readonly string[], o: SortOptions): (string | null)[] {
  if (o.gets.length === 0) return [...elements];
  const out: (string | null)[] = [];
  for (const element of elements) for (const pattern of o.gets) out.push(lookupByPattern(ctx, pattern, element, o.store !== undefined));
  return out;
}

function storeOutput(ctx: CommandContext, dst: string, values: readonly (string | null)[]): void {
  if (values.length > 0) {
    ctx.db.setKey(dst, new ListValue(values.map((v) => v ?? '')));
    ctx.notify('list', 'sortstore', dst);
    ctx.dirty(values.length);
  } else if (ctx.db.delete(dst)) {
    ctx.notify('generic', 'del', dst);
    ctx.dirty();
  }
  ctx.reply.int(values.length);
}

/** The list, set or sorted set to sort (undefined: missing key, sorted as an empty list); null after WRONGTYPE. */
function sortableOrReply(ctx: CommandContext, key: string): Sortable | undefined | null {
  const v = ctx.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (typeof v === 'object' && (v.type === 'list' || v.type === 'set' || v.type === 'zset')) return v;
  ctx.reply.error(E.WRONGTYPE);
  return null;
}

function sortGeneric(ctx: CommandContext, argv: string[], readonly: boolean): void {
  const o = sortOptionsOrReply(ctx, argv, readonly);
  if (o === undefined) return;
  const v = sortableOrReply(ctx, argv[1]);
  if (v === null) return;
  // A set has no order of its own: what SORT stores, or hands a script, must be the same on every
  // replica. Scripts run on a client without a connection (so do the AOF loader and the master
  // link, which only ever replay SORT ... STORE).
  if (o.dontSort && v?.type === 'set' && (o.store !== undefined || ctx.client.transport === null)) {
    o.dontSort = false;
    o.alpha = true;
    o.by = undefined;
  }
  const { elements, start, end } = loadElements(v, o);
  let sorted = elements;
  if (!o.dontSort) {
    const items = sortItemsOrError(ctx, elements, o);
    if (items === undefined) return ctx.reply.error("ERR One or more scores can't be converted into double");
    sorted = items.sort(comparator(o)).map((item) => item.element);
  }
  const values = outputValues(ctx, sorted.slice(start, end + 1), o);
  if (o.store !== undefined) return storeOutput(ctx, o.store, values);
  ctx.reply.array(values.length);
  for (const value of values) value === null ? ctx.reply.nil() : ctx.reply.bulk(value);
}

/** Redis' sortGetKeys: the sorted key, and the last STORE's key (options' arguments skipped). */
function sortKeys(argv: readonly string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'LIMIT')) i += 2;
    else if (is(argv[i], 'GET') || is(argv[i], 'BY')) i += 1;
    else if (is(argv[i], 'STORE') && i + 1 < argv.length) store = i + 1;
  }
  if (store !== -1) keys.push(store);
  return keys;
}

/** Redis' sortGetKeys: the sorted key is read, the STORE destination overwritten. */
function sortKeysAndFlags(argv: readonly string[]): KeyRef[] {
  return sortKeys(argv).map((index, i) => ({ index, flags: i === 0 ? ['RO', 'access'] : ['OW', 'update'] }));
}

const COMPLEXITY = 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).';
const CATEGORIES = ['set', 'sortedset', 'list', 'dangerous'];

export const sortCommands: CommandSpec[] = [
  { name: 'sort', arity: -2, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: sortKeys, getKeysAndFlags: sortKeysAndFlags, group: 'generic', since: '1.0.0', summary: 'Sort the elements in a list, set or sorted set', complexity: COMPLEXITY, aclCategories: CATEGORIES, run: (ctx, argv) => sortGeneric(ctx, argv, false) },
  { name: 'sort_ro', arity: -2, flags: ['readonly', 'movablekeys'], keys: [1, 1, 1], getKeys: () => [1], getKeysAndFlags: () => [{ index: 1, flags: ['RO', 'access'] }], group: 'generic', since: '7.0.0', summary: 'Sort the elements in a list, set or sorted set. Read-only variant of SORT.', complexity: COMPLEXITY, aclCategories: CATEGORIES, run: (ctx, argv) => sortGeneric(ctx, argv, true) },
];
