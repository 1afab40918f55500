// The shapes every command handler is written against: the declarative spec, the per-call context,
// and the view of the server and of a client that handlers may use.
import type { Reply } from '../protocol/reply.js';
import type { Database } from '../structures/database.js';
import type { Client } from './client.js';
import type { ServerState } from './server-context.js';

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading' | 'stale'
  | 'fast' | 'no-auth' | 'may-replicate' | 'no-multi' | 'allow-busy' | 'sentinel' | 'skip-monitor' | 'skip-slowlog'
  | 'no-mandatory-keys' | 'movablekeys' | 'no-async-loading';

/** Key positions as Redis' legacy (first, last, step) triple; last -1 = the last argument, -2 = all but the last. */
export type KeyPositions = readonly [first: number, last: number, step: number];

export interface CommandSpec {
  /** Lower-case name ("get"), or "parent|sub" for a subcommand ("config|get"). */
  name: string;
  /** Redis' convention: N exactly N arguments (command included), -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  keys?: KeyPositions;
  /** For commands whose keys depend on their arguments (numkeys, STORE ...): returns argv indexes. */
  getKeys?: (argv: readonly string[]) => number[];
  group: CommandGroup;
  summary: string;
  since: string;
  complexity?: string;
  /** Extra ACL categories beyond the ones derived from flags and group. */
  aclCategories?: readonly string[];
  /** The exact ACL categories, tips and key specs of Redis' command JSON (commands/command-meta.ts). */
  meta?: CommandMeta;
  /**
   * Keys with their key-spec flags where the specs can't say them (Redis' getkeys_proc): keys behind
   * 'unknown' specs (SORT ... STORE) or whose flags vary with the arguments (SET ... GET).
   */
  getKeysAndFlags?: (argv: readonly string[]) => KeyRef[];
  subcommands?: readonly CommandSpec[];
  /** Runs the command. A subcommand container has none: dispatch resolves argv[1]. */
  run?: (ctx: CommandContext, argv: string[]) => void;
}

/** Redis 7.0 key-spec flags, spelled as COMMAND INFO does. */
export type KeySpecFlag =
  | 'RO' | 'RW' | 'OW' | 'RM' | 'access' | 'update' | 'insert' | 'delete' | 'not_key' | 'incomplete' | 'variable_flags';

/** One key spec: where the search for keys begins, and how keys are found from there. */
export interface KeySpec {
  flags: readonly KeySpecFlag[];
  notes?: string;
  bs: { index: number } | { keyword: string; startfrom: number } | 'unknown';
  /** range: [lastkey, keystep, limit]; keynum: [keynumidx, firstkey, keystep]. */
  fk: { range: readonly [number, number, number] } | { keynum: readonly [number, number, number] } | 'unknown';
}

/** A key argument found in argv, with the flags of the spec that found it. */
export interface KeyRef {
  index: number;
  flags: readonly KeySpecFlag[];
}

export interface CommandMeta {
  /** ACL categories, without '@', in Redis' order. */
  acl: readonly string[];
  tips?: readonly string[];
  keySpecs?: readonly KeySpec[];
}

export type CommandGroup =
  | 'generic' | 'string' | 'list' | 'set' | 'sorted-set' | 'hash' | 'pubsub' | 'transactions' | 'connection'
  | 'server' | 'scripting' | 'hyperloglog' | 'cluster' | 'geo' | 'stream' | 'bitmap';

/** Keyspace notification classes (notify-keyspace-events letters). */
export type NotifyClass = 'generic' | 'string' | 'list' | 'set' | 'hash' | 'zset' | 'expired' | 'evicted' | 'stream' | 'keymiss' | 'new';

export interface BlockOptions {
  wakeOnDelete?: boolean;
}

/**
 * What a handler sees: the calling client, its selected database, where its reply goes, and the
 * server. One context object per client, reused for every call, so the hot path allocates nothing.
 */
export interface CommandContext {
  readonly client: Client;
  readonly server: ServerState;
  db: Database;
  reply: Reply;
  /** Counts writes (Redis' server.dirty); a call that changes it is propagated. */
  dirty(n?: number): void;
  /** Replaces what this call propagates (effects, not intentions: PEXPIREAT for EXPIRE, SET for INCRBYFLOAT). */
  propagateAs(argv: string[]): void;
  /** Propagates an extra command besides (or instead of, when nothing else is) the call itself. */
  alsoPropagate(argv: string[]): void;
  /** Emits a keyspace notification (filtered by notify-keyspace-events); dbIndex defaults to ctx.db. */
  notify(cls: NotifyClass, event: string, key: string, dbIndex?: number): void;
  /**
   * Blocks the client on keys: the command will be run again when one of them changes, or
   * `onTimeout` replies when `timeoutMs` (0 = forever) passes. Inside MULTI or a script the
   * handler must not block; `canBlock` says which. With `wakeOnDelete` the command also runs
   * again when a key is deleted (XREADGROUP then replies that the stream no longer exists).
   */
  blockOn(keys: string[], timeoutMs: number, onTimeout: (reply: Reply) => void, options?: BlockOptions): void;
  readonly canBlock: boolean;
}
