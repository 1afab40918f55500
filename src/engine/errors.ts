// Error replies in Redis' own words: clients and test suites match on these texts.

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const NO_SUCH_KEY = 'ERR no such key';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const DB_INDEX = 'ERR DB index is out of range';
export const NOAUTH = 'NOAUTH Authentication required.';
export const READONLY = "READONLY You can't write against a read only replica.";
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
export const LOADING = 'LOADING Redis is loading the dataset in memory';
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const NEGATIVE_TIMEOUT = 'ERR timeout is negative';
export const INVALID_EXPIRE = (cmd: string): string => `ERR invalid expire time in '${cmd}' command`;

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

/** Redis formats arguments with C's %s: an argument ends at its first NUL byte. */
function cString(s: string, max: number): string {
  const nul = s.indexOf('\0');
  return (nul === -1 ? s : s.slice(0, nul)).slice(0, max);
}

export function unknownCommand(argv: readonly string[]): string {
  let rest = '';
  for (let i = 1; i < argv.length && rest.length < 128; i++) rest += `'${cString(argv[i], 128 - rest.length)}' `;
  return `ERR unknown command '${cString(argv[0], 128)}', with args beginning with: ${rest}`;
}

export function unknownSubcommand(parent: string, sub: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${parent.toUpperCase()} HELP.`;
}
