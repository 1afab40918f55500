// Secrets never reach MONITOR or SLOWLOG: like Redis' redactClientCommandArgument, the passwords of
// AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, every ACL SETUSER rule and sensitive CONFIG SET values are
// shown as "(redacted)".
import type { CommandSpec } from './types.js';

const REDACTED = '(redacted)';
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth', 'tls-key-file-pass', 'tls-client-key-file-pass']);

type Redactor = (argv: readonly string[]) => boolean[];

function positions(argv: readonly string[], pick: (i: number, lower: string) => number): boolean[] {
  const out = new Array<boolean>(argv.length).fill(false);
  for (let i = 0; i < argv.length; i++) {
    const n = pick(i, argv[i].toLowerCase());
    for (let k = 1; k <= n && i + k < argv.length; k++) out[i + k] = true;
  }
  return out;
}

const RULES = new Map<string, Redactor>([
  ['auth', (argv) => argv.map((_, i) => i >= 1)],
  ['hello', (argv) => positions(argv, (i, a) => (i >= 2 && a === 'auth' ? 2 : 0))],
  ['acl|setuser', (argv) => argv.map((_, i) => i >= 2)],
  ['migrate', (argv) => positions(argv, (i, a) => (i >= 6 && a === 'auth' ? 1 : i >= 6 && a === 'auth2' ? 2 : 0))],
  ['config|set', (argv) => argv.map((_, i) => i >= 3 && i % 2 === 1 && SENSITIVE_CONFIGS.has(argv[i - 1].toLowerCase()))],
]);

/** argv as MONITOR and SLOWLOG may show it: the same array when nothing in it is secret. */
export function redactedArgv(spec: CommandSpec, argv: readonly string[]): readonly string[] {
  const rule = RULES.get(spec.name);
  if (rule === undefined) return argv;
  const mask = rule(argv);
  return argv.map((a, i) => (mask[i] ? REDACTED : a));
}
