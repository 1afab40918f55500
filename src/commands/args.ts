// Shared argument parsing: integers, floats, timeouts and the option sets several commands share.
// Functions ending in OrReply write Redis' error to the reply and return undefined on failure,
// so handlers read top to bottom with one early return per failure.
import type { Reply } from '../protocol/reply.js';
import * as E from '../engine/errors.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const CANONICAL_INT = /^-?(0|[1-9][0-9]*)$/;

/** Redis' string2ll: a canonical 64-bit integer, exact, as a bigint. */
export function parseInt64(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 20 || !CANONICAL_INT.test(s) || s === '-0') return undefined;
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? undefined : v;
}

/** A canonical 64-bit integer as a number (exact up to 2^53, which covers counts, indexes and offsets). */
export function parseInteger(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 20) return undefined;
  if (n < 16) {
    let i = 0;
    let neg = false;
    if (s.charCodeAt(0) === 45) {
      if (n === 1) return undefined;
      neg = true;
      i = 1;
    }
    if (s.charCodeAt(i) === 48) return n === i + 1 && !neg ? 0 : undefined;
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  const big = parseInt64(s);
  return big === undefined ? undefined : Number(big);
}

export function intOrReply(reply: Reply, s: string, error = E.NOT_INTEGER): number | undefined {
  const v = parseInteger(s);
  if (v === undefined) reply.error(error);
  return v;
}

/** A non-negative count (COUNT, LIMIT count...) with Redis' "out of range, must be positive" text. */
export function positiveIntOrReply(reply: Reply, s: string, error = 'ERR value is out of range, must be positive'): number | undefined {
  const v = parseInteger(s);
  if (v === undefined) {
    reply.error(E.NOT_INTEGER);
    return undefined;
  }
  if (v < 0) {
    reply.error(error);
    return undefined;
  }
  return v;
}

const FLOAT_PATTERN = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?)$/i;

/** strtold as Redis uses it: no surrounding spaces, "inf"/"-inf" allowed, NaN refused. */
export function parseFloatStrict(s: string): number | undefined {
  if (s.length === 0 || s.length > 5000 || !FLOAT_PATTERN.test(s)) return undefined;
  const lower = s.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

export function floatOrReply(reply: Reply, s: string, error = E.NOT_FLOAT): number | undefined {
  const v = parseFloatStrict(s);
  if (v === undefined) reply.error(error);
  return v;
}

/** Blocking commands' timeout in seconds (fractions allowed) → ms; 0 means forever. */
export function timeoutOrReply(reply: Reply, s: string): number | undefined {
  const v = parseFloatStrict(s);
  if (v === undefined) {
    reply.error('ERR timeout is not a float or out of range');
    return undefined;
  }
  // Redis 7.0 truncates seconds*1000 into a long long: under a millisecond is 0 (forever), and what
  // doesn't fit (inf included) comes out negative.
  const ms = Math.trunc(v * 1000);
  if (ms < 0 || !(ms < 2 ** 63)) {
    reply.error(E.NEGATIVE_TIMEOUT);
    return undefined;
  }
  return ms;
}

/** Case-insensitive compare of an option token against an upper-case keyword. */
export function is(arg: string, keyword: string): boolean {
  return arg.length === keyword.length && arg.toUpperCase() === keyword;
}

export interface ExpireOptions {
  /** Absolute expiry in ms, if one was given. */
  expireAt?: number;
  keepTtl: boolean;
  persist: boolean;
  nx: boolean;
  xx: boolean;
  get: boolean;
}

/**
 * SET's and GETEX's options (EX PX EXAT PXAT KEEPTTL NX XX GET PERSIST), one parser that knows which
 * exclude each other. `allowed` lists the keywords the command takes.
 */
export function expireOptionsOrReply(
  reply: Reply,
  argv: readonly string[],
  from: number,
  now: number,
  command: string,
  allowed: ReadonlySet<string>,
): ExpireOptions | undefined {
  const o: ExpireOptions = { keepTtl: false, persist: false, nx: false, xx: false, get: false };
  let unit: string | undefined;
  for (let i = from; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (!allowed.has(opt)) return syntaxError(reply);
    const hasNext = i + 1 < argv.length;
    switch (opt) {
      case 'NX':
        if (o.xx) return syntaxError(reply);
        o.nx = true;
        break;
      case 'XX':
        if (o.nx) return syntaxError(reply);
        o.xx = true;
        break;
      case 'GET':
        o.get = true;
        break;
      case 'KEEPTTL':
        if (unit !== undefined || o.persist) return syntaxError(reply);
        o.keepTtl = true;
        break;
      case 'PERSIST':
        if (unit !== undefined || o.keepTtl) return syntaxError(reply);
        o.persist = true;
        break;
      default: {
        if (unit !== undefined || o.keepTtl || o.persist || !hasNext) return syntaxError(reply);
        unit = opt;
        const v = parseInt64(argv[++i]);
        if (v === undefined) {
          reply.error(E.NOT_INTEGER);
          return undefined;
        }
        const at = expireAtFrom(opt, v, now);
        if (v <= 0n || at === undefined || at <= 0) {
          reply.error(E.INVALID_EXPIRE(command));
          return undefined;
        }
        o.expireAt = at;
      }
    }
  }
  return o;
}

const LLONG_MAX_BIG = 2n ** 63n - 1n;
const LLONG_MIN_BIG = -(2n ** 63n);

/**
 * An expire argument in `unit` (EX/PX relative to `now`, EXAT/PXAT absolute) → absolute ms, with Redis'
 * overflow checks done in 64-bit integers as expire.c does them (seconds beyond LLONG_MAX/1000, a sum
 * beyond LLONG_MAX); undefined when they fail. Far-future instants are kept as the nearest double.
 */
export function expireAtFrom(unit: string, v: bigint, now: number): number | undefined {
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (seconds && (v > LLONG_MAX_BIG / 1000n || v < LLONG_MIN_BIG / 1000n)) return undefined;
  const ms = seconds ? v * 1000n : v;
  const base = unit === 'EX' || unit === 'PX' ? BigInt(now) : 0n;
  if (ms > LLONG_MAX_BIG - base) return undefined;
  return Number(ms + base);
}

/**
 * A far-future ms instant as a 64-bit integer: the double's shortest decimal (which gives back a
 * round argument such as 9223372036854770000 as it was sent), clamped to the 64-bit range.
 */
export function msInt(ms: number): number | bigint {
  if (Number.isSafeInteger(ms)) return ms;
  const big = BigInt(String(Math.trunc(ms)));
  return big > LLONG_MAX_BIG ? LLONG_MAX_BIG : big < LLONG_MIN_BIG ? LLONG_MIN_BIG : big;
}

function syntaxError(reply: Reply): undefined {
  reply.error(E.SYNTAX);
  return undefined;
}

/** Normalises an inclusive [start, end] index range like Redis (negative from the end); undefined if empty. */
export function normalizeRange(start: number, end: number, length: number): [number, number] | undefined {
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (start > end || start >= length) return undefined;
  if (end >= length) end = length - 1;
  return [start, end];
}

/**
 * Redis' getRangeLongFromObjectOrReply: an integer within [min, max], checked exactly (bigint), with
 * its "must between" text; `error`, when given, replaces both the not-an-integer and the range texts.
 */
export function rangedIntOrReply(reply: Reply, s: string, min: bigint, max: bigint, error?: string): bigint | undefined {
  const v = parseInt64(s);
  if (v === undefined) {
    reply.error(error ?? E.NOT_INTEGER);
    return undefined;
  }
  if (v < min || v > max) {
    reply.error(error ?? `ERR value is out of range, value must between ${min} and ${max}`);
    return undefined;
  }
  return v;
}

/** What C's strtod reads from s: the value, the index where it stopped (0 when nothing converts), and errno ERANGE. */
export interface StrtodResult {
  value: number;
  end: number;
  /** Overflow to ±inf or underflow to zero or a subnormal, from a finite input, as glibc reports it. */
  outOfRange: boolean;
}

const STRTOD_DECIMAL = /[0-9]*(?:\.[0-9]*)?/y;
const STRTOD_EXPONENT = /[eE][+-]?[0-9]+/y;
const STRTOD_HEX = /0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?/y;
const STRTOD_BINARY_EXPONENT = /[pP]([+-]?[0-9]+)/y;
const STRTOD_NAN_CHARS = /\([0-9A-Za-z_]*\)/y;
const DBL_MIN = 2.2250738585072014e-308;

function stickyEnd(re: RegExp, s: string, at: number): number {
  re.lastIndex = at;
  return re.test(s) ? re.lastIndex : at;
}

const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * C's strtod as glibc implements it — leading white space, "inf"/"infinity", "nan(...)", hex floats
 * with binary exponents — for the Redis paths that call it directly (score ranges, SORT) or through
 * getDoubleFromObject. Stops at the first byte that can't continue the number (NUL included).
 */
export function strtod(s: string): StrtodResult {
  let i = 0;
  while (isCSpace(s.charCodeAt(i))) i++;
  const negative = s.charCodeAt(i) === 45;
  if (negative || s.charCodeAt(i) === 43) i++;
  const word = s.slice(i, i + 8).toLowerCase();
  let r: StrtodResult | undefined;
  if (word.startsWith('inf')) r = { value: Infinity, end: i + (word === 'infinity' ? 8 : 3), outOfRange: false };
  else if (word.startsWith('nan')) r = { value: NaN, end: stickyEnd(STRTOD_NAN_CHARS, s, i + 3), outOfRange: false };
  else r = strtodHex(s, i) ?? strtodDecimal(s, i);
  if (r === undefined) return { value: 0, end: 0, outOfRange: false };
  if (negative) r.value = -r.value;
  return r;
}

function strtodDecimal(s: string, at: number): StrtodResult | undefined {
  const mantissaEnd = stickyEnd(STRTOD_DECIMAL, s, at);
  const mantissa = s.slice(at, mantissaEnd);
  if (mantissa === '' || mantissa === '.') return undefined;
  const end = stickyEnd(STRTOD_EXPONENT, s, mantissaEnd);
  const value = Number(s.slice(at, end));
  return { value, end, outOfRange: outOfRange(value, /[1-9]/.test(mantissa)) };
}

function strtodHex(s: string, at: number): StrtodResult | undefined {
  STRTOD_HEX.lastIndex = at;
  const m = STRTOD_HEX.exec(s);
  const whole = m?.[1] ?? '';
  const fraction = m?.[2] ?? '';
  // "0x" with no hex digit after it is the number 0 followed by an "x".
  if (m === null || whole.length + fraction.length === 0) return undefined;
  STRTOD_BINARY_EXPONENT.lastIndex = STRTOD_HEX.lastIndex;
  const e = STRTOD_BINARY_EXPONENT.exec(s);
  const end = e === null ? STRTOD_HEX.lastIndex : STRTOD_BINARY_EXPONENT.lastIndex;
  const mantissa = BigInt('0x' + whole + fraction);
  let exponent = (e === null ? 0 : Number(e[1])) - 4 * fraction.length;
  let value = Number(mantissa);
  // Scale in steps so an intermediate power of two can't overflow or vanish on its own.
  for (; exponent > 1000 && Number.isFinite(value); exponent -= 1000) value *= 2 ** 1000;
  for (; exponent < -1000 && value !== 0; exponent += 1000) value *= 2 ** -1000;
  value *= 2 ** exponent;
  return { value, end, outOfRange: outOfRange(value, mantissa !== 0n) };
}

function outOfRange(value: number, nonZeroInput: boolean): boolean {
  return !Number.isFinite(value) || (nonZeroInput && Math.abs(value) < DBL_MIN);
}

/** C's atoi, as Redis' key-finding functions read a numkeys: blanks, a sign, the digits after them; 0 if none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return n > 2147483647 || n < -2147483648 ? 0 : n;
}

/**
 * Redis' genericGetKeys: the `numkeys` (read by atoi) keys from `firstAt`, then the destination at
 * `storeAt` if any; none when numkeys is below 1 or more than the arguments hold. The key specs find
 * the keys of a well-formed call; this is their fallback (and finds keys for tracking).
 */
export function numkeysKeyIndexes(argv: readonly string[], countAt: number, firstAt: number, storeAt = 0): number[] {
  const num = countAt < argv.length ? atoi(argv[countAt]) : 0;
  if (num < 1 || num > argv.length - firstAt) return [];
  const keys = Array.from({ length: num }, (_, i) => firstAt + i);
  if (storeAt > 0) keys.push(storeAt);
  return keys;
}
