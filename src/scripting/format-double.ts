// C's printf("%.17g") for doubles, which Redis uses to turn Lua numbers into redis.call
// arguments (script_lua.c) and RESP2 double replies into bulk strings, and the "%.14g" that
// lua_cjson uses for numbers.

const nanBits = new Float64Array(1);
const nanBytes = new Uint8Array(nanBits.buffer);

function hasSignBit(x: number): boolean {
  nanBits[0] = x;
  return (nanBytes[7]! & 0x80) !== 0;
}

export function formatDouble17g(x: number): string {
  return formatDoubleG(x, 17);
}

/** C's printf("%.<precision>g") (1 <= precision <= 17). */
export function formatDoubleG(x: number, precision: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (Number.isSafeInteger(x) && Math.abs(x) < 10 ** precision) return String(x);
  // glibc prints the NaN's sign, and x86 produces negative NaNs for 0/0 (Redis returns "-nan").
  if (Number.isNaN(x)) return hasSignBit(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const neg = x < 0;
  const [digits, exp] = roundedDigits(Math.abs(x), precision);
  let out: string;
  if (exp < -4 || exp >= precision) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const expAbs = Math.abs(exp);
    out = `${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${expAbs < 10 ? '0' : ''}${expAbs}`;
  } else if (exp >= 0) {
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    out = digits.slice(0, exp + 1) + (frac ? '.' + frac : '');
  } else {
    out = '0.' + '0'.repeat(-exp - 1) + digits.replace(/0+$/, '');
  }
  return neg ? '-' + out : out;
}

/**
 * The first `precision` significant digits of x > 0 and its decimal exponent, correctly rounded
 * like glibc: toExponential() rounds exact halfway cases up, glibc to even.
 */
function roundedDigits(x: number, precision: number): [string, number] {
  const rounded = splitExponential(x.toExponential(precision - 1));
  const [longer, longerExp] = splitExponential(x.toExponential(precision));
  if (longer.endsWith('5') && (longer.charCodeAt(precision - 1) & 1) === 0 && isExactly(x, longer, longerExp - precision)) {
    return [longer.slice(0, precision), longerExp];
  }
  return rounded;
}

function splitExponential(sci: string): [string, number] {
  const ePos = sci.indexOf('e');
  return [sci[0] + sci.slice(2, ePos), Number(sci.slice(ePos + 1))];
}

/** Whether x equals digits × 10^scale exactly (compared as rationals). */
function isExactly(x: number, digits: string, scale: number): boolean {
  nanBits[0] = x;
  const bits = new DataView(nanBits.buffer).getBigUint64(0, true);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  let left = mantissa;
  let right = BigInt(digits);
  if (exp2 >= 0) left <<= BigInt(exp2);
  else right <<= BigInt(-exp2);
  if (scale >= 0) right *= 10n ** BigInt(scale);
  else left *= 10n ** BigInt(-scale);
  return left === right;
}
