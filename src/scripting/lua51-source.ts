// Lua 5.1's lexer read an unknown escape in a quoted string ("\d", "\.", "\x41", "\u0041",
// "\z") as the bare character; Lua 5.4 rejects most of them and gives \x, \z and \u new
// meanings. Redis scripts lean on the 5.1 reading (patterns such as "\." work there), so
// sources are rewritten before compiling: such backslashes are dropped. Line numbers don't move.

/** Escapes whose meaning is the same in 5.1 and 5.4 (decimal \ddd included). */
const SHARED_ESCAPE = /[abfnrtv\\"'\n\r0-9]/;

/** The level of a long bracket ("[[", "[==[") opening at i, or -1. */
function longBracketLevel(src: string, i: number): number {
  if (src[i] !== '[') return -1;
  let j = i + 1;
  while (src[j] === '=') j++;
  return src[j] === '[' ? j - i - 1 : -1;
}

export function rewrite51Escapes(src: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '-' && src[i + 1] === '-') {
      const level = longBracketLevel(src, i + 2);
      if (level >= 0) {
        const close = src.indexOf(`]${'='.repeat(level)}]`, i + 4 + level);
        i = close < 0 ? n : close + level + 2;
      } else {
        const eol = src.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      }
    } else if (c === '[') {
      const level = longBracketLevel(src, i);
      if (level < 0) {
        i++;
        continue;
      }
      const close = src.indexOf(`]${'='.repeat(level)}]`, i + 2 + level);
      i = close < 0 ? n : close + level + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && src[i] !== c && src[i] !== '\n') {
        if (src[i] !== '\\') {
          i++;
        } else if (i + 1 < n && !SHARED_ESCAPE.test(src[i + 1]!)) {
          out += src.slice(copied, i);
          copied = i + 1;
          i += 2;
        } else {
          // "\" + CR LF (or LF CR) continues the string on the next line as one newline.
          const pair = src.slice(i + 1, i + 3);
          i += pair === '\r\n' || pair === '\n\r' ? 3 : 2;
        }
      }
      i++;
    } else {
      i++;
    }
  }
  return copied === 0 ? src : out + src.slice(copied);
}
