// INCRBYFLOAT and HINCRBYFLOAT compute in C's long double (x87 80-bit: 64-bit significand) and print
// with "%.17Lf", trailing zeros removed. Doubles give different text (10.5+0.1+1000 prints
// 1005.59999999999999998 in Redis), so we emulate the long double exactly with BigInt arithmetic.

/** A finite long double: (-1)^neg * mantissa * 2^exp, mantissa < 2^64 (0 for zero). */
export interface LongDouble {
  neg: boolean;
  mantissa: bigint;
  exp: number;
}

const MANTISSA_BITS = 64n;
const DECIMAL = /^([+-])?(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Rounds num/den (positive) to a 64-bit significand, ties to even. */
function fromRational(neg: boolean, num: bigint, den: bigint): LongDouble {
  if (num === 0n) return { neg, mantissa: 0n, exp: 0 };
  // Pick exp so that 2^63 <= num / (den * 2^exp) < 2^64.
  let exp = bitLength(num) - bitLength(den) - Number(MANTISSA_BITS);
  for (;;) {
    const scaledNum = exp < 0 ? num << BigInt(-exp) : num;
    const scaledDen = exp > 0 ? den << BigInt(exp) : den;
    const q = scaledNum / scaledDen;
    if (q >= 1n << MANTISSA_BITS) {
      exp++;
      continue;
    }
    if (q < 1n << (MANTISSA_BITS - 1n)) {
      exp--;
      continue;
    }
    const r = scaledNum - q * scaledDen;
    let m = q;
    if (r * 2n > scaledDen || (r * 2n === scaledDen && (q & 1n) === 1n)) m++;
    if (m === 1n << MANTISSA_BITS) {
      m >>= 1n;
      exp++;
    }
    return { neg, mantissa: m, exp };
  }
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** strtold on a decimal string as Redis' string2ld accepts it; undefined when invalid, inf or NaN. */
export function parseLongDouble(s: string): LongDouble | undefined {
  if (s.length === 0 || s.length > 5000) return undefined;
  const m = DECIMAL.exec(s);
  if (m === null) return undefined;
  const digits = (m[2] ?? '') + (m[3] ?? m[4] ?? '');
  const fraction = (m[3] ?? m[4] ?? '').length;
  const e = Number(m[5] ?? '0') - fraction;
  if (Math.abs(e) > 6000) return undefined;
  const n = BigInt(digits === '' ? '0' : digits);
  const neg = m[1] === '-';
  return e >= 0 ? fromRational(neg, n * 10n ** BigInt(e), 1n) : fromRational(neg, n, 10n ** BigInt(-e));
}

/** What a float increment gives: the new text, or which input was bad. */
export type FloatIncrement = { value: string } | { error: 'value' | 'increment' | 'infinite' };

const INFINITY = /^[+-]?inf(inity)?$/i;

/** INCRBYFLOAT's arithmetic on texts: current (undefined = missing key) + increment, as Redis prints it. */
export function incrementFloatText(current: string | undefined, increment: string): FloatIncrement {
  const a = current === undefined ? { neg: false, mantissa: 0n, exp: 0 } : parseLongDouble(current);
  if (a === undefined) return { error: INFINITY.test(current ?? '') ? 'infinite' : 'value' };
  const b = parseLongDouble(increment);
  if (b === undefined) return { error: INFINITY.test(increment) ? 'infinite' : 'increment' };
  const sum = addLongDouble(a, b);
  if (isOverflow(sum)) return { error: 'infinite' };
  return { value: formatLongDouble(sum) };
}

export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.mantissa === 0n) return b;
  if (b.mantissa === 0n) return a;
  const exp = Math.min(a.exp, b.exp);
  const av = a.mantissa << BigInt(a.exp - exp);
  const bv = b.mantissa << BigInt(b.exp - exp);
  const sum = (a.neg ? -av : av) + (b.neg ? -bv : bv);
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  const r = exp >= 0 ? fromRational(neg, abs << BigInt(exp), 1n) : fromRational(neg, abs, 1n << BigInt(-exp));
  return r;
}

/** Whether the value overflowed the long double range (Redis then answers NaN/Infinity error). */
export function isOverflow(v: LongDouble): boolean {
  return v.mantissa !== 0n && v.exp + 64 > 16384;
}

/** printf("%.17Lf") with trailing zeros and a trailing dot removed, "-0" printed as "0". */
export function formatLongDouble(v: LongDouble): string {
  const scale = 10n ** 17n;
  let num = v.mantissa * scale;
  let den = 1n;
  if (v.exp >= 0) num <<= BigInt(v.exp);
  else den <<= BigInt(-v.exp);
  let q = num / den;
  const r = num - q * den;
  if (r * 2n > den || (r * 2n === den && (q & 1n) === 1n)) q++;
  const digits = q.toString().padStart(18, '0');
  const intPart = digits.slice(0, -17);
  const frac = digits.slice(-17).replace(/0+$/, '');
  const text = frac === '' ? intPart : `${intPart}.${frac}`;
  if (v.neg && text !== '0') return `-${text}`;
  return text;
}

/** The long double holding exactly the value of a finite double (what C's (long double)d gives). */
export function fromDouble(d: number): LongDouble {
  const neg = d < 0 || Object.is(d, -0);
  const a = Math.abs(d);
  if (a === 0) return { neg, mantissa: 0n, exp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormals have no implicit leading 1 and the minimum exponent.
  return biased === 0 ? { neg, mantissa: fraction, exp: -1074 } : { neg, mantissa: fraction | (1n << 52n), exp: biased - 1075 };
}
