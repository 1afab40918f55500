// Glob matching exactly like Redis' stringmatchlen (util.c): `*`, `?`, `[abc]`, `[^a-z]`, `\` escapes,
// with the same answers for malformed patterns, because KEYS/SCAN/PSUBSCRIBE users depend on them.

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchFrom(pattern, 0, str, 0, nocase, { skipLonger: false }, 0);
}

interface MatchState {
  /** Set when a `*` failed to match the rest: a longer skip can't match either (Redis' skipLongerMatches). */
  skipLonger: boolean;
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, state: MatchState, depth: number): boolean {
  // Redis caps recursion to protect against pathological patterns; it then reports "no match".
  if (depth > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: { // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        while (si < slen) {
          if (matchFrom(p, pi + 1, s, si, nocase, state, depth + 1)) return true;
          if (state.skipLonger) return false;
          si++;
        }
        state.skipLonger = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: { // '['
        pi++;
        const not = p.charCodeAt(pi) === 94;
        if (not) pi++;
        let match = false;
        const c = nocase ? lower(s.charCodeAt(si)) : s.charCodeAt(si);
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          const cc = p.charCodeAt(pi);
          if (cc === 92 && pi + 1 < plen) { // '\'
            pi++;
            if (p.charCodeAt(pi) === s.charCodeAt(si)) match = true;
          } else if (cc === 93) { // ']'
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) { // range a-z
            let start = cc;
            let end = p.charCodeAt(pi + 2);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? lower(cc) === c : cc === c) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        if (pc === 92 && pi + 1 < plen) pi++; // '\' escapes the next character
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

/** True when a pattern matches only itself, so KEYS/SCAN can use a single lookup. */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?[\\]/.test(pattern);
}
