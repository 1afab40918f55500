// The "#!lua flags=..." first line of Redis 7 EVAL scripts (evalExtractShebangFlags in eval.c).

export type ScriptFlag = 'no-writes' | 'allow-oom' | 'allow-stale' | 'no-cluster' | 'allow-cross-slot-keys';

/** Redis' scripts_flags_def, in its order. */
export const SCRIPT_FLAGS: readonly ScriptFlag[] = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];

export interface Shebang {
  /** False for plain scripts, which Redis runs in "eval compatibility mode". */
  present: boolean;
  flags: ScriptFlag[];
  /** Bytes to skip before compiling: the shebang line without its newline, so line numbers hold. */
  length: number;
}

/** Parses the shebang; an `error` is the full reply text, e.g. "ERR Invalid script shebang". */
export function parseShebang(body: string): Shebang | { error: string } {
  if (!body.startsWith('#!')) return { present: false, flags: [], length: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return { error: 'ERR Invalid script shebang' };
  const parts = splitArgs(body.slice(0, end));
  if (parts === null || parts.length === 0) return { error: 'ERR Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
  const flags: ScriptFlag[] = [];
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    if (list === '') continue;
    for (const name of list.split(',')) {
      const flag = SCRIPT_FLAGS.find((f) => f === name);
      if (flag === undefined) return { error: `ERR Unexpected flag in script shebang: ${name}` };
      if (!flags.includes(flag)) flags.push(flag);
    }
  }
  return { present: true, flags, length: end };
}

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** sdssplitargs: whitespace-separated words with "double" (C escapes) and 'single' quoting; null on bad quoting. */
export function splitArgs(line: string): string[] | null {
  const cut = line.indexOf('\0');
  const s = cut < 0 ? line : line.slice(0, cut);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) return out;
    let cur = '';
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const c = s[i];
      if (inDouble) {
        if (c === '\\' && s[i + 1] === 'x' && isHex(s[i + 2]) && isHex(s[i + 3])) {
          cur += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < s.length) {
          i++;
          const e = s[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < s.length && !isSpace(s[i + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          cur += c;
        }
      } else if (inSingle) {
        if (c === '\\' && s[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < s.length && !isSpace(s[i + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          cur += c;
        }
      } else if (c === undefined || c === ' ' || c === '\n' || c === '\r' || c === '\t') {
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        cur += c;
      }
      if (i < s.length) i++;
    }
    out.push(cur);
  }
}
