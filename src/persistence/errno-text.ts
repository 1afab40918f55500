// System errors in C's strerror words, as Redis prints them (MISCONF, the log): Node's messages
// read "ENOSPC: no space left on device, write"; strerror says "No space left on device".

export function errnoText(e: NodeJS.ErrnoException): string {
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
  if (m === null) return e.message;
  return m[1][0].toUpperCase() + m[1].slice(1);
}
