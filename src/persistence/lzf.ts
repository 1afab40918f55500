// LZF, the compressor Redis uses for RDB strings (deps/lzf). The stream format is liblzf's: a control
// byte below 32 starts a run of ctrl+1 literal bytes; otherwise its top 3 bits are a match length
// (7 = "add the next byte"), its low 5 bits and the next byte a back-reference offset minus one.
// Any valid stream decodes in Redis, so the compressor is ours: a 3-byte hash table, greedy matches.

/** The hash table is sized to the input (2^8..2^14 slots), so a short string doesn't pay for clearing 64 KB. */
const MAX_HASH_BITS = 14;
const MIN_HASH_BITS = 8;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = 264;
const MAX_LITERAL = 32;

const table = new Int32Array(1 << MAX_HASH_BITS);

function hash3(b: Uint8Array, i: number, shift: number): number {
  return Math.imul((b[i] << 16) | (b[i + 1] << 8) | b[i + 2], 0x9e3779b1) >>> shift;
}

/**
 * Compresses `input` into at most `maxOut` bytes; undefined when it doesn't fit (Redis then stores
 * the string raw, and asks for at least 4 bytes of gain).
 */
export function lzfCompress(input: Uint8Array, maxOut = input.length - 4): Buffer | undefined {
  const n = input.length;
  if (maxOut <= 0) return undefined;
  const out = Buffer.allocUnsafe(maxOut + MAX_LITERAL + 3);
  const bits = Math.max(MIN_HASH_BITS, Math.min(MAX_HASH_BITS, 32 - Math.clz32(n)));
  const shift = 32 - bits;
  table.fill(-1, 0, 1 << bits);
  let op = 0;
  let litStart = 0;
  let ip = 0;
  const flushLiterals = (end: number): boolean => {
    while (litStart < end) {
      const run = Math.min(MAX_LITERAL, end - litStart);
      if (op + run + 1 > maxOut) return false;
      out[op++] = run - 1;
      for (let k = 0; k < run; k++) out[op++] = input[litStart + k];
      litStart += run;
    }
    return true;
  };
  while (ip + 2 < n) {
    const h = hash3(input, ip, shift);
    const ref = table[h];
    table[h] = ip;
    if (ref >= 0 && ip - ref <= MAX_OFFSET && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 3;
      const max = Math.min(MAX_MATCH, n - ip);
      while (len < max && input[ref + len] === input[ip + len]) len++;
      if (!flushLiterals(ip)) return undefined;
      const off = ip - ref - 1;
      const l = len - 2;
      if (op + 3 > maxOut) return undefined;
      if (l < 7) {
        out[op++] = (l << 5) | (off >>> 8);
      } else {
        out[op++] = (7 << 5) | (off >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      const end = ip + len;
      for (ip++; ip < end; ip++) if (ip + 2 < n) table[hash3(input, ip, shift)] = ip;
      litStart = ip;
      continue;
    }
    ip++;
  }
  if (!flushLiterals(n)) return undefined;
  return out.subarray(0, op);
}

export class LzfError extends Error {}

/** Decompresses a stream that must expand to exactly `outLen` bytes. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const n = input.length;
  while (ip < n) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > outLen || ip + run > n) throw new LzfError('invalid LZF literal run');
      for (let k = 0; k < run; k++) out[op++] = input[ip++];
      continue;
    }
    let len = ctrl >>> 5;
    if (len === 7) {
      if (ip >= n) throw new LzfError('truncated LZF match');
      len += input[ip++];
    }
    if (ip >= n) throw new LzfError('truncated LZF match');
    const ref = op - ((ctrl & 0x1f) << 8) - input[ip++] - 1;
    len += 2;
    if (ref < 0) throw new LzfError('invalid LZF back reference');
    if (op + len > outLen) throw new LzfError('LZF output overflow');
    // Byte by byte: a match may overlap what it is producing (runs of one repeated byte).
    for (let k = 0; k < len; k++) out[op++] = out[ref + k];
  }
  if (op !== outLen) throw new LzfError('LZF output shorter than declared');
  return out;
}
