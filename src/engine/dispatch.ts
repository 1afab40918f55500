// The one command path. Commands from a client, from MULTI/EXEC, from a script, from AOF replay and
// from a master all run through call(); client requests first pass the gate in execute(), in Redis'
// processCommand order: look-up, arity, auth, MULTI rules, ACL, OOM, read-only replica, pub/sub context,
// loading, busy script, pause; then queue or run; then propagate and wake blocked clients.
import type { Reply } from '../protocol/reply.js';
import type { Database } from '../structures/database.js';
import type { AclLogContext } from './acl-log.js';
import { AclDenial } from './acl-selector.js';
import { BlockingRegistry } from './blocking.js';
import { redactedArgv } from './redaction.js';
import type { Client } from './client.js';
import { CommandTable, hasFlag, keyIndexes } from './command-table.js';
import * as E from './errors.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { ServerState } from './server-context.js';
import type { BlockOptions, CommandContext, CommandSpec, NotifyClass } from './types.js';

export type ExecuteResult = 'done' | 'paused';

/** Commands a RESP2 client in subscribed state may still send. */
const SUBSCRIBED_ALLOWED = new Set(['subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);
/** Commands that run immediately inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** The peer Redis names for a client without a connection (a script's commands): getClientPeerId's "?:0". */
const NO_PEER = '?:0';
/** Read-only scripts: their commands' keys are tracked, not the script's own (Redis' call()). */
const UNTRACKED_READS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
/** Commands accepted inside MULTI while out of memory: queuing anything else would grow memory without bound. */
const MULTI_OOM_ALLOWED = new Set(['exec', 'discard', 'quit', 'reset']);

/** Called for keyspace notifications; set by the pub/sub layer. */
export type Notifier = (cls: NotifyClass, event: string, key: string, dbIndex: number) => void;
/**
 * Runs before every command, as Redis' performEvictions does, freeing memory if over maxmemory; false
 * means nothing could be freed, and denyoom commands (any command being queued in MULTI) get OOM.
 */
export type MemoryGuard = (client: Client) => boolean;

/** The per-client context handed to handlers; reused across calls. */
export class CallContext implements CommandContext {
  reply: Reply;
  db: Database;
  /** Effects to propagate instead of argv, set by propagateAs/alsoPropagate. */
  effects: string[][] | null = null;
  replaceArgv = false;
  /** Cleared by callers whose commands must never block; see canBlock. */
  private blockingAllowed = true;

  constructor(readonly client: Client, readonly server: ServerState, readonly dispatcher: Dispatcher) {
    this.reply = client.writer;
    this.db = server.databases[client.dbIndex];
  }

  /** A command may block only as its client's own top-level call: never inside MULTI, EXEC or a script. */
  get canBlock(): boolean {
    return this.blockingAllowed && this.client.multi === null && !this.dispatcher.callIsNested;
  }

  set canBlock(allowed: boolean) {
    this.blockingAllowed = allowed;
  }

  dirty(n = 1): void {
    this.server.dirty += n;
  }

  propagateAs(argv: string[]): void {
    this.effects = [argv];
    this.replaceArgv = true;
  }

  alsoPropagate(argv: string[]): void {
    (this.effects ??= []).push(argv);
  }

  notify(cls: NotifyClass, event: string, key: string, dbIndex = this.db.id): void {
    this.dispatcher.notifier?.(cls, event, key, dbIndex);
  }

  blockOn(keys: string[], timeoutMs: number, onTimeout: (reply: Reply) => void, options?: BlockOptions): void {
    this.dispatcher.blocking.block(this.client, this.dispatcher.currentArgv, keys, timeoutMs, onTimeout, options?.wakeOnDelete === true);
  }
}

export class Dispatcher {
  readonly blocking: BlockingRegistry;
  notifier: Notifier | undefined;
  memoryGuard: MemoryGuard | undefined;
  /** argv of the call in progress (blockOn records it to run it again). */
  currentArgv: string[] = [];
  /** Set by deferStats() for the call in progress. */
  private statsDeferred = false;
  /** Depth of nested calls: EXEC and scripts run commands inside a command. */
  private depth = 0;

  constructor(readonly server: ServerState, readonly table: CommandTable) {
    this.blocking = new BlockingRegistry(this);
    server.blocking = this.blocking;
    server.commandTable = table;
  }

  contextOf(client: Client): CallContext {
    return (client.context ??= new CallContext(client, this.server, this));
  }

  /** The gate for a client's request; 'paused' means: hold argv and retry when the pause ends. */
  execute(client: Client, argv: string[]): ExecuteResult {
    const server = this.server;
    const ctx = this.contextOf(client);
    const spec = this.table.lookup(argv[0]);
    if (spec === undefined) return this.reject(ctx, E.unknownCommand(argv));
    let target = spec;
    if (spec.subcommands !== undefined && (argv.length >= 2 || spec.run === undefined)) {
      if (argv.length < 2) return this.reject(ctx, E.wrongArity(spec.name));
      const sub = this.table.resolve(argv);
      if (sub === undefined) return this.reject(ctx, E.unknownSubcommand(spec.name, argv[1]));
      target = sub;
    }
    if ((target.arity > 0 && argv.length !== target.arity) || argv.length < -target.arity) {
      return this.reject(ctx, E.wrongArity(target.name));
    }
    if (!client.authenticated && server.acl.authRequired(client) && !hasFlag(target, 'no-auth')) return this.reject(ctx, E.NOAUTH);
    if (client.multi !== null && hasFlag(target, 'no-multi')) {
      return this.reject(ctx, `ERR Command not allowed inside a transaction`);
    }
    const denied = this.aclDenial(client, target, argv, client.multi !== null ? 'multi' : 'toplevel');
    if (denied !== undefined) return this.reject(ctx, denied);
    const isWrite = hasFlag(target, 'write');
    if (this.memoryGuard !== undefined && server.busyError === null && !this.memoryGuard(client)) {
      if (hasFlag(target, 'denyoom') || (client.multi !== null && !MULTI_OOM_ALLOWED.has(spec.name))) return this.reject(ctx, E.OOM);
    }
    if (server.writeDenied !== null && (isWrite || spec.name === 'ping') && !client.isMaster) return this.reject(ctx, server.writeDenied);
    if (isWrite && server.noReplicasError !== null && !client.isMaster) return this.reject(ctx, server.noReplicasError);
    if (isWrite && server.keyspace.isReplica && !client.isMaster && server.config.getBool('replica-read-only')) {
      return this.reject(ctx, E.READONLY);
    }
    if (client.resp === 2 && client.subscriptionCount > 0 && !SUBSCRIBED_ALLOWED.has(spec.name)) {
      return this.reject(
        ctx,
        `ERR Can't execute '${target.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
    }
    if (server.staleError !== null && !client.isMaster && !hasFlag(target, 'stale')) return this.reject(ctx, server.staleError);
    if (server.loading && !hasFlag(target, 'loading')) return this.reject(ctx, E.LOADING);
    if (server.busyError !== null && !hasFlag(target, 'allow-busy')) return this.reject(ctx, server.busyError);
    if (client.multi !== null && !MULTI_IMMEDIATE.has(spec.name)) {
      client.multi.push({ spec: target, argv });
      ctx.reply.simple('QUEUED');
      return 'done';
    }
    const now = Date.now();
    if (server.pause.until > now && !client.isMaster) {
      if (server.pause.mode === 'all' || isWrite || hasFlag(target, 'may-replicate')) {
        client.paused = true;
        server.pausedClients.add(client);
        return 'paused';
      }
    }
    this.server.keyspace.now = now;
    const mark = client.writer.length;
    try {
      this.call(ctx, target, argv);
    } catch (e) {
      // A bug or a resource limit (V8's longest string) in one command must not take the server down.
      client.writer.truncate(mark);
      server.stats.unexpectedErrorReplies++;
      server.log.warning(`Command '${target.name}' failed: ${(e as Error).message}`);
      ctx.reply.error(`ERR ${(e as Error).message}`);
    }
    if (this.blocking.hasReadyKeys() && server.busyError === null) this.blocking.serveReady();
    return 'done';
  }

  /**
   * Runs a resolved command: statistics, slowlog, MONITOR, propagation. Used by execute() and by
   * everything that runs commands on a client's behalf (EXEC, scripts, AOF loading, replication).
   */
  call(ctx: CallContext, spec: CommandSpec, argv: string[]): void {
    const server = this.server;
    const client = ctx.client;
    if (server.monitors.size > 0 && !hasFlag(spec, 'admin') && !hasFlag(spec, 'skip-monitor')) this.feedMonitors(client, redactedArgv(spec, argv));
    const dirtyBefore = server.dirty;
    const savedEffects = ctx.effects;
    const savedReplace = ctx.replaceArgv;
    const savedArgv = this.currentArgv;
    ctx.effects = null;
    ctx.replaceArgv = false;
    this.currentArgv = argv;
    const errorsBefore = server.stats.totalErrorReplies;
    const start = performance.now();
    const tracking = server.tracking;
    if (this.depth === 0) tracking.begin(client);
    // CLIENT LIST shows the command being run (cmd=client|list), as Redis sets lastcmd before call().
    client.lastCommand = spec.name;
    this.depth++;
    try {
      spec.run!(ctx, argv);
    } finally {
      this.depth--;
    }
    if (tracking.clients > 0 && hasFlag(spec, 'readonly') && !UNTRACKED_READS.has(spec.name)) {
      tracking.remember(client, keyIndexes(spec, argv).map((i) => argv[i]));
    }
    const usec = Math.round((performance.now() - start) * 1000);
    // A command that blocked its client is counted and slow-logged once, when it is unblocked
    // (Redis' call()); a script that was suspended, when it ends.
    const blocked = this.blocking.takeJustBlocked();
    const deferred = this.statsDeferred;
    this.statsDeferred = false;
    // More errors than before (CONFIG RESETSTAT zeroes the count: not a failure).
    if (!blocked && !deferred) this.recordCall(client, spec, argv, usec, server.stats.totalErrorReplies > errorsBefore);
    server.stats.commandsProcessed++;
    client.commandsProcessed++;
    client.lastCommand = spec.name;
    server.latency.add(hasFlag(spec, 'fast') ? 'fast-command' : 'command', usec / 1000, server.config.getNumber('latency-monitor-threshold'));
    if (server.dirty !== dirtyBefore || ctx.effects !== null) this.propagateCall(ctx, spec, argv);
    ctx.effects = savedEffects;
    ctx.replaceArgv = savedReplace;
    this.currentArgv = savedArgv;
    if (this.depth === 0) tracking.end();
  }

  /** A blocked command that timed out: counted and slow-logged then, as Redis' updateStatsOnUnblock does. */
  countUnblocked(client: Client, argv: string[]): void {
    const spec = this.table.resolve(argv);
    // Counted, but as in Redis 7.0 a timed-out wait adds nothing to the latency histogram.
    if (spec !== undefined) this.recordCall(client, spec, argv, 0, false, false);
  }

  /**
   * The call in progress ends later than it returns (a script suspended past busy-reply-threshold):
   * its statistics and slowlog entry wait for recordCall() with its whole duration.
   */
  deferStats(): void {
    this.statsDeferred = true;
  }

  /** A call's commandstats and slowlog entry. */
  recordCall(client: Client, spec: CommandSpec, argv: readonly string[], usec: number, failed: boolean, withLatency = true): void {
    const stat = this.server.stats.commandStat(spec.name);
    stat.calls++;
    stat.usec += usec;
    if (failed) stat.failedCalls++;
    if (withLatency && this.server.latencyTracking) (stat.latency ??= new LatencyHistogram()).record(usec);
    if (!hasFlag(spec, 'skip-slowlog')) this.server.slowlog.record(redactedArgv(spec, argv), usec, client.transport?.addr ?? NO_PEER, client.name);
  }

  /** True while the running command was called by another one (EXEC, a script's redis.call). */
  get callIsNested(): boolean {
    return this.depth > 1;
  }

  /** True while a command runs inside another (EXEC, a script). */
  get nested(): boolean {
    return this.depth > 0;
  }

  private propagateCall(ctx: CallContext, spec: CommandSpec, argv: string[]): void {
    if (this.server.sinks.length === 0) return;
    const db = ctx.db.id;
    if (!ctx.replaceArgv && hasFlag(spec, 'write') && this.server.dirty !== 0) this.server.propagate(db, argv);
    if (ctx.effects !== null) for (const effect of ctx.effects) this.server.propagate(db, effect);
  }

  private reject(ctx: CallContext, message: string): ExecuteResult {
    const client = ctx.client;
    ctx.reply.error(message);
    if (client.multi !== null) client.multiFailed = true;
    const spec = this.table.get(client.lastCommand);
    if (spec !== undefined) this.server.stats.commandStat(spec.name).rejectedCalls++;
    return 'done';
  }

  /** The ACL check for a command about to be queued or run: logs a denial and returns its NOPERM text. */
  aclDenial(client: Client, spec: CommandSpec, argv: readonly string[], context: AclLogContext): string | undefined {
    const verdict = this.server.acl.check(client, spec, argv);
    if (verdict.denial === AclDenial.None) return undefined;
    this.server.acl.logVerdict(client, verdict, context, spec, argv);
    return noPermission(verdict.denial, spec);
  }

  /** Sends a command to MONITOR clients; EVAL calls it itself, so that it shows before its script's commands. */
  feedMonitors(client: Client, argv: readonly string[]): void {
    const now = Date.now();
    const secs = Math.floor(now / 1000);
    const micros = String((now % 1000) * 1000).padStart(6, '0');
    const addr = client.isMaster ? 'master' : client.transport === null ? 'lua' : client.transport.addr;
    let line = `+${secs}.${micros} [${client.dbIndex} ${addr}]`;
    for (const a of argv) line += ` "${escapeMonitorArg(a)}"`;
    for (const m of this.server.monitors) {
      if (m === client) continue;
      m.writer.raw(`${line}\r\n`);
      m.flush();
    }
  }
}

/** Redis' NOPERM replies for each kind of denial. */
export function noPermission(denial: AclDenial, spec: CommandSpec): string {
  if (denial === AclDenial.Key) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  if (denial === AclDenial.Channel) return 'NOPERM this user has no permissions to access one of the channels used as arguments';
  return `NOPERM this user has no permissions to run the '${spec.name}' command`;
}

/** Redis' sdscatrepr: printable bytes as is, the rest escaped. */
export function escapeMonitorArg(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c < 127) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}
