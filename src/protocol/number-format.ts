// Number formatting exactly as Redis 7.0 prints numbers, so replies compare byte for byte.

/**
 * C's printf("%.17g") — Redis 7.0's addReplyDouble and d2string: 1.1 prints as 1.1000000000000001,
 * integral values without a dot, exponents as e+20 / e-05.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // %g uses the exponent of the value as rounded to 17 significant digits to choose its notation.
  const [mantissa, e] = d.toExponential(16).split('e');
  const exponent = Number(e);
  if (exponent < -4 || exponent >= 17) {
    const abs = Math.abs(exponent);
    return `${trimZeros(mantissa)}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return trimZeros(d.toFixed(16 - exponent));
}

function trimZeros(s: string): string {
  if (s.indexOf('.') === -1) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
