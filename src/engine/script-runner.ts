// Runs EVAL scripts and FCALL functions on the server: the Lua engines' host. Each redis.call goes through the one
// command path (Dispatcher.call) as the Lua client, whose reply is a ScriptReply; the writes a
// script makes are propagated as one unit. A script that runs past busy-reply-threshold is
// suspended at every poll of the engine's count hook (which yields the script's coroutine) and
// continued from setImmediate, so the event loop can answer other clients BUSY and accept
// SCRIPT KILL while the script's own client waits for its reply.
import { AclDenial } from './acl-selector.js';
import { LuaEngine, type LoadedScript, type RunOutcome, type ScriptHost, type ScriptValue } from '../scripting/lua-engine.js';
import type { ScriptFlag } from '../scripting/shebang.js';
import { Client } from './client.js';
import { hasFlag } from './command-table.js';
import { CallContext, type Dispatcher } from './dispatch.js';
import { FunctionLibraries, type LibraryFunction } from './function-libraries.js';
import * as E from './errors.js';
import { writeScriptValue, ScriptReply } from './script-reply.js';
import { REDIS_COMPAT_VERSION, type PropagationSink, type ServerState } from './server-context.js';
import { propagateAtomically } from './propagate-unit.js';
import type { CommandContext, CommandSpec } from './types.js';

const BUSY = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const UNKILLABLE_MASTER = 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
const NOTBUSY = 'NOTBUSY No scripts in execution right now.';
const UNKILLABLE =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
const RO_WRITE = 'ERR Write commands are not allowed from read-only scripts.';
/** What Redis' dictionary of scripts costs per entry beyond the body (sds headers, the SHA key, the dict entry). */
const SCRIPT_ENTRY_OVERHEAD = 40 + 16 + 24;

const scriptings = new WeakMap<ServerState, Scripting>();

export function scriptingOf(server: ServerState): Scripting {
  const s = scriptings.get(server);
  if (s === undefined) throw new Error('scripting is not attached to this server');
  return s;
}

/** What runs: an EVAL script or a library's function, each in its own VM as in Redis. */
interface ScriptTarget {
  /** The SHA of a script, the name of a function: what the slow-script log and FUNCTION STATS name. */
  readonly name: string;
  readonly flags: readonly ScriptFlag[];
  /** False for EVAL scripts without a shebang (eval compatibility mode); functions always have flags. */
  readonly shebang: boolean;
  readonly isFunction: boolean;
  readonly engine: LuaEngine;
  start(keys: string[], args: string[], host: ScriptHost): RunOutcome;
}

/** The script cache, the function libraries and the script in progress, one per server. */
export class Scripting {
  private engine: LuaEngine | undefined;
  private functionEngine: LuaEngine | undefined;
  /** FUNCTION LOAD's libraries; their callbacks live in the functions' VM. */
  readonly functions = new FunctionLibraries(() => this.fnLua);
  /** The script started and not finished yet: at most one, since scripts never nest. */
  private running: ScriptRun | null = null;
  /** Bytes the cached script bodies take (INFO used_memory_scripts_eval). */
  private cacheBytes = 0;
  /** The client scripts run their commands as (Redis' Lua client), shared since scripts never nest. */
  private readonly luaContext: CallContext;
  private readonly luaReply = new ScriptReply();
  /** The client whose EXEC runs a queued command now: a script there may be suspended too. */
  private transactionClient: Client | null = null;
  /** What the suspended script's EXEC does once the script has replied (the rest of its queue). */
  private afterRun: (() => void) | null = null;

  constructor(readonly server: ServerState, readonly dispatcher: Dispatcher) {
    scriptings.set(server, this);
    this.luaContext = new CallContext(new Client(0, null, false), server, dispatcher);
    this.luaContext.reply = this.luaReply;
    this.luaContext.canBlock = false;
    this.luaReply.onError = (line) => server.stats.countError(line);
  }

  /** Creates the Lua VMs, EVAL's and the functions' (compiling WebAssembly is asynchronous, commands are not). */
  async start(): Promise<void> {
    // One after the other: creating a runtime briefly wraps WebAssembly.instantiate.
    this.engine ??= await LuaEngine.create({ redisVersion: REDIS_COMPAT_VERSION });
    this.functionEngine ??= await LuaEngine.create({ redisVersion: REDIS_COMPAT_VERSION });
  }

  /** Server shutdown: a suspended script is dropped unfinished and its client gets no reply. */
  stop(): void {
    const run = this.running;
    if (run === null) return;
    run.target.engine.abandon();
    this.running = null;
    this.afterRun = null;
    this.server.busyError = null;
    run.restoreSinks();
  }

  private get lua(): LuaEngine {
    if (this.engine === undefined) throw new Error('the Lua engine was not started');
    return this.engine;
  }

  private get fnLua(): LuaEngine {
    if (this.functionEngine === undefined) throw new Error('the Lua engine was not started');
    return this.functionEngine;
  }

  /** The function running now (FUNCTION STATS): its name, its caller's command and since when. */
  runningFunction(): { name: string; argv: readonly string[]; startedAt: number } | null {
    const run = this.running;
    if (run === null || !run.target.isFunction) return null;
    return { name: run.target.name, argv: run.callerArgv, startedAt: run.startedAt };
  }

  /** True while an EVAL script (not a function) runs or is suspended. */
  get evalRunning(): boolean {
    return this.running !== null && !this.running.target.isFunction;
  }

  /** Bytes the functions' VM has allocated (INFO used_memory_vm_functions). */
  functionVmBytes(): number {
    return this.functionEngine?.memoryUsage() ?? 0;
  }

  /** SCRIPT LOAD / EVAL: compiles and caches; an `error` is the reply text. */
  load(body: string): LoadedScript | { error: string } {
    const before = this.lua.size;
    const loaded = this.lua.load(body);
    if (this.lua.size > before) this.cacheBytes += body.length + SCRIPT_ENTRY_OVERHEAD;
    return loaded;
  }

  /** A cached script by SHA, in any case. */
  get(sha: string): LoadedScript | undefined {
    return this.lua.get(sha);
  }

  flush(): void {
    this.lua.flush();
    this.cacheBytes = 0;
  }

  get cachedScripts(): number {
    return this.engine?.size ?? 0;
  }

  get cachedBytes(): number {
    return this.cacheBytes;
  }

  /** Bytes the Lua VM has allocated (INFO used_memory_lua). */
  vmBytes(): number {
    return this.engine?.memoryUsage() ?? 0;
  }

  /**
   * Runs one of an EXEC's queued commands (a top-level EXEC of a client with a connection). A
   * script it starts may be suspended like a top-level one; true then: the caller hands the rest
   * of its queue to afterScript(), and its client stays held until the transaction ends.
   */
  callInTransaction(ctx: CallContext, spec: CommandSpec, argv: string[]): boolean {
    this.transactionClient = ctx.client;
    try {
      this.dispatcher.call(ctx, spec, argv);
    } finally {
      this.transactionClient = null;
    }
    const run = this.running;
    return run !== null && run.caller.client === ctx.client;
  }

  /** What to run once the suspended script has replied (the rest of its EXEC). */
  afterScript(rest: () => void): void {
    this.afterRun = rest;
  }

  /** Whether a script started by this caller may be suspended (see ScriptRun.suspendable). */
  private suspendableFor(caller: CommandContext): boolean {
    return caller.client.transport !== null && (caller.canBlock || this.transactionClient === caller.client);
  }

  /** SCRIPT KILL (`evalKill`) or FUNCTION KILL: null for OK, or the error reply (scriptKill). */
  kill(evalKill: boolean): string | null {
    const run = this.running;
    if (run === null) return NOTBUSY;
    if (run.caller.client.isMaster) return UNKILLABLE_MASTER;
    if (run.wrote) return UNKILLABLE;
    if (evalKill && run.target.isFunction) return BUSY_FUNCTION;
    if (!evalKill && !run.target.isFunction) return BUSY;
    run.killed = true;
    return null;
  }

  /** EVAL and friends, once the script is loaded: runs it for `caller` and replies. */
  eval(caller: CommandContext, script: LoadedScript, keys: string[], argv: string[], readOnlyCommand: boolean): void {
    const lua = this.lua;
    this.run(caller, {
      name: script.sha, flags: script.flags, shebang: script.shebang, isFunction: false, engine: lua,
      start: (k, a, host) => lua.start(script.sha, k, a, host),
    }, keys, argv, readOnlyCommand);
  }

  /** FCALL and FCALL_RO: runs a library's function for `caller` and replies. */
  fcall(caller: CommandContext, fn: LibraryFunction, keys: string[], args: string[], readOnlyCommand: boolean): void {
    const lua = this.fnLua;
    this.run(caller, {
      name: fn.name, flags: fn.flags, shebang: true, isFunction: true, engine: lua,
      start: (k, a, host) => lua.callFunction(fn.ref, fn.name, k, a, host),
    }, keys, args, readOnlyCommand);
  }

  private run(caller: CommandContext, target: ScriptTarget, keys: string[], argv: string[], readOnlyCommand: boolean): void {
    const oomAtStart = this.outOfMemory(caller.client);
    const refusal = this.refusal(caller, target, readOnlyCommand, oomAtStart);
    if (refusal !== undefined) return caller.reply.error(refusal);
    const run = new ScriptRun(this.server, caller, target, readOnlyCommand, oomAtStart, this.luaContext, this.luaReply, this.dispatcher.currentArgv, this.suspendableFor(caller));
    this.running = run;
    let outcome: RunOutcome;
    try {
      outcome = run.slice(() => target.start(keys, argv, run));
    } catch (e) {
      // The dispatcher answers the error; the server must not stay busy with a script that is gone.
      this.running = null;
      throw e;
    }
    this.settle(run, outcome);
  }

  /**
   * Redis' pre_command_oom_state, taken again through the dispatcher's memory guard (which
   * already ran for this command, so it has nothing left to evict).
   */
  private outOfMemory(client: Client): boolean {
    const guard = this.dispatcher.memoryGuard;
    return guard !== undefined && this.server.config.getNumber('maxmemory') > 0 && !guard(client);
  }

  /**
   * Scripts that declare flags are judged by them before running (scriptPrepareForRun, and the
   * gate's checks that Redis applies with the flags in place of EVAL's own).
   */
  private refusal(caller: CommandContext, script: ScriptTarget, readOnlyCommand: boolean, oomAtStart: boolean): string | undefined {
    if (!script.shebang || script.flags.includes('no-writes')) return undefined;
    if (oomAtStart && !script.flags.includes('allow-oom')) return E.OOM;
    if (readOnlyReplica(this.server, caller.client)) return E.READONLY;
    if (readOnlyCommand) return 'ERR Can not execute a script with write flag using *_ro command.';
    return undefined;
  }

  /** After a stretch of the script: reply if it ended, otherwise serve everyone else first. */
  private settle(run: ScriptRun, outcome: RunOutcome): void {
    if (outcome !== 'suspended') return this.finish(run, outcome);
    if (!run.suspended) {
      run.suspended = true;
      // Still inside the EVAL/FCALL's call(): it is counted when the script ends.
      this.dispatcher.deferStats();
    }
    if (this.server.busyError === null) {
      this.server.busyError = run.target.isFunction ? BUSY_FUNCTION : BUSY;
      // Hold the caller: none of its further requests may run before this reply.
      run.caller.client.paused = true;
    }
    setImmediate(() => this.continueRun(run));
  }

  private continueRun(run: ScriptRun): void {
    if (this.running !== run) return;
    let outcome: RunOutcome;
    try {
      outcome = run.slice(() => run.target.engine.resume());
    } catch (e) {
      this.server.log.warning(`Script failed: ${(e as Error).message}`);
      outcome = { t: 'error', v: `ERR ${(e as Error).message}` };
    }
    this.settle(run, outcome);
    // The rest of an EXEC may have started another long script: the caller waits for that too.
    if (outcome !== 'suspended' && this.running === null) this.releaseCaller(run.caller.client);
  }

  private finish(run: ScriptRun, result: ScriptValue): void {
    this.running = null;
    this.server.busyError = null;
    run.propagate();
    if (run.suspended) this.countSuspendedCall(run, result);
    writeScriptValue(run.caller.reply, result);
    const rest = this.afterRun;
    this.afterRun = null;
    try {
      rest?.();
    } catch (e) {
      // The transaction ended (runQueued closes it on failure); its client still gets a reply.
      this.server.log.warning(`Transaction failed after a long script: ${(e as Error).message}`);
      run.caller.reply.error(`ERR ${(e as Error).message}`);
    }
  }

  /** A suspended script's EVAL/FCALL in commandstats and the slowlog, with its whole time, as Redis counts it. */
  private countSuspendedCall(run: ScriptRun, result: ScriptValue): void {
    const spec = this.server.commandTable.resolve([...run.callerArgv]);
    if (spec === undefined) return;
    const usec = Math.round((performance.now() - run.startedAtPerf) * 1000);
    this.dispatcher.recordCall(run.caller.client, spec, run.callerArgv, usec, result.t === 'error');
  }

  /** The caller's reply goes out and its pipelined requests run; blocked clients get served. */
  private releaseCaller(client: Client): void {
    client.paused = false;
    client.flush();
    client.transport?.resume();
    const blocking = this.dispatcher.blocking;
    if (blocking.hasReadyKeys()) blocking.serveReady();
  }
}

/** A replica that refuses writes from anyone but its master. */
function readOnlyReplica(server: ServerState, client: Client): boolean {
  return server.keyspace.isReplica && !client.isMaster && server.config.getBool('replica-read-only');
}

/** One script invocation: the engine's host, running redis.call as the Lua client. */
class ScriptRun implements ScriptHost {
  /** A write command was called: the script can no longer be killed (Redis' SCRIPT_WRITE_DIRTY). */
  wrote = false;
  killed = false;
  private readonly readOnly: boolean;
  private readonly allowOom: boolean;
  /** When the script started (ms): keys expire by this time however long it runs. */
  private readonly now: number;
  private timedOut = false;
  /** redis.set_repl(): 0 stops propagating the commands that follow. */
  private replFlags = 3;
  /** Writes captured for propagation as one unit; null when nothing listens. */
  private effects: [db: number, argv: string[]][] | null = null;
  private savedSinks: PropagationSink[] | null = null;
  readonly startedAt = Date.now();
  readonly startedAtPerf = performance.now();
  /** It was suspended at least once: its call is counted when it ends. */
  suspended = false;

  constructor(
    private readonly server: ServerState,
    readonly caller: CommandContext,
    readonly target: ScriptTarget,
    readOnlyCommand: boolean,
    private readonly oomAtStart: boolean,
    private readonly ctx: CallContext,
    private readonly reply: ScriptReply,
    /** The caller's command (FUNCTION STATS shows it). */
    readonly callerArgv: readonly string[],
    /** It may be suspended: its client's own top-level command, or a command of its top-level EXEC. */
    private readonly suspendable: boolean,
  ) {
    // The script starts in its caller's database and as its caller's user.
    ctx.client.dbIndex = caller.db.id;
    ctx.db = caller.db;
    ctx.client.user = caller.client.user;
    const flags = target.shebang ? target.flags : [];
    this.readOnly = readOnlyCommand || flags.includes('no-writes');
    this.allowOom = flags.includes('allow-oom');
    this.now = server.keyspace.now;
  }

  /** Runs one stretch of the script with its writes captured instead of propagated. */
  slice(run: () => RunOutcome): RunOutcome {
    this.server.keyspace.now = this.now;
    const tracking = this.server.tracking;
    tracking.scriptCaller = this.caller.client;
    try {
      return this.sliceCapturing(run);
    } finally {
      tracking.scriptCaller = null;
    }
  }

  private sliceCapturing(run: () => RunOutcome): RunOutcome {
    const sinks = this.server.sinks;
    if (sinks.length === 0) return run();
    this.effects ??= [];
    const effects = this.effects;
    const capture: PropagationSink = (db, argv) => {
      if (this.replFlags !== 0) effects.push([db, argv]);
    };
    this.savedSinks = sinks.splice(0, sinks.length, capture);
    try {
      return run();
    } finally {
      this.restoreSinks();
    }
  }

  restoreSinks(): void {
    const saved = this.savedSinks;
    if (saved === null) return;
    this.savedSinks = null;
    const sinks = this.server.sinks;
    sinks.splice(0, sinks.length, ...saved);
  }

  /** The script's writes, wrapped in MULTI/EXEC when more than one; never the EVAL itself. */
  propagate(): void {
    const effects = this.effects;
    if (effects === null || effects.length === 0) return;
    propagateAtomically(this.server, () => {
      for (const [db, argv] of effects) this.server.propagate(db, argv);
    });
  }

  call(args: string[], resp: 2 | 3): ScriptValue {
    const spec = this.server.commandTable.resolve(args);
    if (spec === undefined) return this.refuse('ERR Unknown Redis command called from script');
    const refusal = this.refusal(spec, args);
    if (refusal !== undefined) return this.refuse(refusal, spec);
    if (hasFlag(spec, 'write')) this.wrote = true;
    this.reply.begin(resp);
    this.ctx.client.writer.resp = resp;
    this.ctx.dispatcher.call(this.ctx, spec, args);
    return this.reply.take();
  }

  /** A command the script may not run fails like a rejected command: counted, never run. */
  private refuse(error: string, spec?: CommandSpec): ScriptValue {
    this.server.stats.countError(error);
    if (spec !== undefined) this.server.stats.commandStat(spec.name).rejectedCalls++;
    return { t: 'error', v: error };
  }

  /** scriptCall's checks after the look-up, in Redis' order; undefined when the command may run. */
  private refusal(spec: CommandSpec, args: string[]): string | undefined {
    if ((spec.arity > 0 && args.length !== spec.arity) || args.length < -spec.arity) {
      return 'ERR Wrong number of args calling Redis command from script';
    }
    if (hasFlag(spec, 'noscript')) return 'ERR This Redis command is not allowed from script';
    const acl = this.aclRefusal(spec, args);
    if (acl !== undefined) return acl;
    const write = hasFlag(spec, 'write');
    if (this.readOnly && (write || hasFlag(spec, 'may-replicate'))) return RO_WRITE;
    // Once the script has written it must be allowed to finish: these only stop a first write.
    if (this.wrote) return undefined;
    if (write && readOnlyReplica(this.server, this.caller.client)) return E.READONLY;
    if (!this.allowOom && this.oomAtStart && !this.caller.client.isMaster && hasFlag(spec, 'denyoom')) return E.OOM;
    return undefined;
  }

  log(level: number, msg: string): void {
    const log = this.server.log;
    if (level === 0) log.debug(msg);
    else if (level === 1) log.verbose(msg);
    else if (level === 2) log.notice(msg);
    else log.warning(msg);
  }

  shouldAbort(): boolean {
    return this.killed;
  }

  shouldYield(): boolean {
    if (!this.suspendable) return false;
    if (this.timedOut) return true;
    const elapsed = Date.now() - this.now;
    if (elapsed < this.server.config.getNumber('busy-reply-threshold')) return false;
    this.timedOut = true;
    this.server.log.warning(
      `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: ${this.target.name}.`,
    );
    return true;
  }

  setRepl(flags: number): void {
    this.replFlags = flags;
  }

  /** The caller's permissions, with Redis' script wording (scriptVerifyACL); logged in the 'lua' context. */
  private aclRefusal(spec: CommandSpec, args: string[]): string | undefined {
    const acl = this.server.acl;
    const verdict = acl.check(this.caller.client, spec, args);
    if (verdict.denial === AclDenial.None) return undefined;
    acl.logVerdict(this.caller.client, verdict, 'lua', spec, args);
    if (verdict.denial === AclDenial.Key) return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments";
    if (verdict.denial === AclDenial.Channel) return "ERR The user executing the script can't publish to the channel mentioned in the command";
    return "ERR The user executing the script can't run this command or subcommand";
  }

  aclCheckCmd(args: string[]): 'allowed' | 'denied' | 'unknown-command' {
    const spec = this.server.commandTable.resolve(args);
    if (spec === undefined) return 'unknown-command';
    return this.server.acl.check(this.caller.client, spec, args).denial === AclDenial.None ? 'allowed' : 'denied';
  }
}
