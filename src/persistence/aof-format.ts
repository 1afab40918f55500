// What an AOF holds: commands as RESP multibulks (arguments are latin1 strings, so a string's
// length is its byte length) and `#TS:<unix seconds>` annotations (aof-timestamp-enabled).

/** One command as `*N\r\n$len\r\narg\r\n...`. */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

/** The annotation Redis writes before the first command of each new second. */
export function timestampAnnotation(unixSeconds: number): string {
  return `#TS:${unixSeconds}\r\n`;
}

/** RDB files (a base in RDB format, or an old AOF with an RDB preamble) start with this. */
export const RDB_MAGIC = 'REDIS';
