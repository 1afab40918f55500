// Which keys a redis command names and how the pool routes it: by its key, split per server and
// merged (the multi-key commands twemproxy splits), through one server when all its keys share one,
// or not at all (commands without keys, transactions, pub/sub, blocking across servers...).
import { RoutingError } from './errors.js';

export type Argument = string | Buffer | number;

/** How the per-server replies of a split command are merged. */
export type Merge = 'array' | 'ok' | 'sum';

export type RoutePlan =
  | { readonly kind: 'key'; readonly key: Argument }
  | { readonly kind: 'split'; readonly first: number; readonly step: 1 | 2; readonly merge: Merge }
  | { readonly kind: 'keys'; readonly keys: Argument[] };

/** MGET, MSET, DEL, UNLINK, EXISTS, TOUCH: split by server like twemproxy's fragmenting. */
const SPLIT: Record<string, { step: 1 | 2; merge: Merge }> = {
  mget: { step: 1, merge: 'array' },
  mset: { step: 2, merge: 'ok' },
  del: { step: 1, merge: 'sum' },
  unlink: { step: 1, merge: 'sum' },
  exists: { step: 1, merge: 'sum' },
  touch: { step: 1, merge: 'sum' },
};

/** Commands with no key (or, like MIGRATE, none to route by): `callOn(server, ...)` reaches one server. */
const KEYLESS = new Set([
  'auth', 'bgrewriteaof', 'bgsave', 'client', 'cluster', 'command', 'config', 'dbsize', 'debug', 'discard', 'echo',
  'exec', 'failover', 'flushall', 'flushdb', 'function', 'hello', 'info', 'keys', 'lastsave', 'latency', 'lolwut',
  'memory', 'migrate', 'module', 'monitor', 'multi', 'ping', 'psubscribe', 'psync', 'publish', 'pubsub', 'punsubscribe', 'quit',
  'randomkey', 'readonly', 'readwrite', 'replconf', 'replicaof', 'reset', 'role', 'save', 'scan', 'script', 'select',
  'shutdown', 'slaveof', 'slowlog', 'spublish', 'ssubscribe', 'subscribe', 'sunsubscribe', 'swapdb', 'sync', 'time',
  'unsubscribe', 'unwatch', 'wait', 'watch', 'acl',
]);

/** Commands whose keys are every argument from the first (step 1) or every other one (step 2). */
const ALL_KEYS: Record<string, 1 | 2> = {
  msetnx: 2, sinter: 1, sunion: 1, sdiff: 1, sinterstore: 1, sunionstore: 1, sdiffstore: 1, pfcount: 1, pfmerge: 1,
};

/** Commands whose keys are the first two arguments. */
const TWO_KEYS = new Set(['rename', 'renamenx', 'smove', 'rpoplpush', 'lmove', 'brpoplpush', 'blmove', 'copy', 'lcs', 'geosearchstore']);

/** Blocking pops: every argument but the trailing timeout. */
const KEYS_THEN_TIMEOUT = new Set(['blpop', 'brpop', 'bzpopmin', 'bzpopmax']);

/** `numkeys` at this position, the keys right after it (and for *STORE, the destination at 1). */
const NUMKEYS_AT: Record<string, { at: number; dest: boolean }> = {
  zunionstore: { at: 2, dest: true }, zinterstore: { at: 2, dest: true }, zdiffstore: { at: 2, dest: true },
  zunion: { at: 1, dest: false }, zinter: { at: 1, dest: false }, zdiff: { at: 1, dest: false },
  zintercard: { at: 1, dest: false }, sintercard: { at: 1, dest: false }, lmpop: { at: 1, dest: false },
  zmpop: { at: 1, dest: false }, blmpop: { at: 2, dest: false }, bzmpop: { at: 2, dest: false },
};

/** Scripts and functions go to the server of their first key, as twemproxy sends EVAL. */
const SCRIPT = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands whose key follows a subcommand. */
const KEY_AFTER_SUBCOMMAND = new Set(['object', 'xinfo', 'xgroup']);

const text = (a: Argument): string => (Buffer.isBuffer(a) ? a.toString('latin1') : String(a));

function numkeys(args: readonly Argument[], at: number, name: string): number {
  const n = Number(text(args[at] ?? ''));
  if (!Number.isInteger(n) || n < 0 || at + n > args.length - 1) {
    throw new RoutingError(`'${name}': numkeys is not a valid count of the keys that follow`);
  }
  return n;
}

function streamsKeys(args: readonly Argument[], name: string): Argument[] {
  const at = args.findIndex((a, i) => i > 0 && text(a).toLowerCase() === 'streams');
  const rest = at === -1 ? 0 : args.length - at - 1;
  if (at === -1 || rest === 0 || rest % 2 !== 0) throw new RoutingError(`'${name}': STREAMS with keys and ids is required to route it`);
  return args.slice(at + 1, at + 1 + rest / 2);
}

/** Keys named after STORE/STOREDIST (SORT, GEORADIUS...), beside the source key. */
function withStoreKeys(args: readonly Argument[]): Argument[] {
  const keys = [args[1]];
  for (let i = 2; i < args.length - 1; i++) {
    const word = text(args[i]).toLowerCase();
    if (word === 'store' || word === 'storedist') keys.push(args[i + 1]);
  }
  return keys;
}

export function planCommand(args: readonly Argument[]): RoutePlan {
  if (args.length === 0) throw new RoutingError('no command given');
  const name = text(args[0]).toLowerCase();
  const split = SPLIT[name];
  if (split !== undefined) {
    if (args.length < 2 || (split.step === 2 && (args.length - 1) % 2 !== 0)) throw new RoutingError(`ERR wrong number of arguments for '${name}' command`);
    return { kind: 'split', first: 1, step: split.step, merge: split.merge };
  }
  if (KEYLESS.has(name)) throw new RoutingError(`'${name}' names no key, so the pool cannot route it; use callOn(server, ...)`);
  if (args.length < 2) throw new RoutingError(`ERR wrong number of arguments for '${name}' command`);
  const step = ALL_KEYS[name];
  if (step !== undefined) return { kind: 'keys', keys: args.filter((_, i) => i >= 1 && (i - 1) % step === 0) };
  if (TWO_KEYS.has(name)) return { kind: 'keys', keys: args.slice(1, 3) };
  if (KEYS_THEN_TIMEOUT.has(name)) return { kind: 'keys', keys: args.slice(1, -1) };
  if (name === 'bitop') return { kind: 'keys', keys: args.slice(2) };
  const nk = NUMKEYS_AT[name];
  if (nk !== undefined) {
    const n = numkeys(args, nk.at, name);
    return { kind: 'keys', keys: [...(nk.dest ? [args[1]] : []), ...args.slice(nk.at + 1, nk.at + 1 + n)] };
  }
  if (SCRIPT.has(name)) {
    const n = numkeys(args, 2, name);
    if (n === 0) throw new RoutingError(`'${name}' with no keys cannot be routed; pass at least one key or use callOn(server, ...)`);
    return { kind: 'key', key: args[3] };
  }
  if (name === 'xread' || name === 'xreadgroup') return { kind: 'keys', keys: streamsKeys(args, name) };
  if (KEY_AFTER_SUBCOMMAND.has(name)) {
    if (args.length < 3) throw new RoutingError(`'${name}' needs a subcommand and a key to be routed`);
    return { kind: 'key', key: args[2] };
  }
  if (name === 'sort' || name === 'sort_ro' || name === 'georadius' || name === 'georadiusbymember') return { kind: 'keys', keys: withStoreKeys(args) };
  return { kind: 'key', key: args[1] };
}
