// The memory figures of CLIENT LIST / CLIENT INFO, counted as Redis 7.0 counts them.
import type { Client } from '../engine/client.js';

/** Redis' argv_len_sum: the bytes of a command's arguments. */
export function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/** Redis' mstate.argv_len_sums: each queued command's argument bytes plus one pointer (8 bytes) per argument. */
export function multiMem(c: Client): number {
  let n = 0;
  for (const q of c.multi ?? []) n += argvBytes(q.argv) + 8 * q.argv.length;
  return n;
}

/** argv-mem: the command the client is running (the caller's own) or is blocked in, as Redis keeps its argv. */
export function argvMem(c: Client, running: readonly string[] | undefined): number {
  const argv = running ?? c.blocked?.argv;
  return argv === undefined ? 0 : argvBytes(argv);
}
