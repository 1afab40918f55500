// The Lua engine behind EVAL/EVALSHA: a real Lua VM (wasmoon's Lua 5.4 in WebAssembly) dressed
// up as the Lua 5.1 environment Redis 7.0 gives scripts. It knows nothing about the server: it
// calls back through a ScriptHost and speaks RESP-neutral ScriptValues.
import { createHash } from 'node:crypto';
import { formatDouble17g } from './format-double.js';
import { jsonDecode, jsonEncode } from './lua-cjson.js';
import { rewrite51Escapes } from './lua51-source.js';
import { LUA_HEADER, LUA_LIBS } from './lua-libs.js';
import { INTERNAL_CHUNK_NAME, LUA_SANDBOX } from './lua-sandbox.js';
import {
  LUA_MASKCOUNT, LUA_MASKLINE, LUA_MULTRET, LUA_OK, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS, LUA_TBOOLEAN,
  LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, LUA_YIELD, LuaWasmRuntime, upvalueIndex,
  type LuaCApi, type LuaState, type Ptr,
} from './lua-wasm.js';
import { parseShebang, type ScriptFlag } from './shebang.js';

export type { ScriptFlag } from './shebang.js';

/** A reply value as the server sees it (RESP-neutral). Strings are one byte per char. */
export type ScriptValue =
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number | bigint }
  | { t: 'bulk'; v: string }
  | { t: 'nil' }
  | { t: 'array'; v: ScriptValue[] }
  | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'map'; v: [ScriptValue, ScriptValue][] }
  | { t: 'set'; v: ScriptValue[] }
  | { t: 'bignum'; v: string }
  /** `format` is the RESP3 three-letter type ("txt", "mkd"); RESP2 sends only `v`. */
  | { t: 'verbatim'; v: string; format: string };

/** What a running script may ask of the server. */
export interface ScriptHost {
  /**
   * Runs one command for redis.call/redis.pcall. `resp` is the protocol the script selected
   * with redis.setresp() (2 unless changed), which decides reply shapes such as ZRANGE
   * WITHSCORES; RESP3-only types returned while it is 2 are downgraded as Redis' RESP2 writer
   * would. Failures, including "unknown command", come back as { t: 'error' } with the full
   * text ("ERR ...").
   */
  call(args: string[], resp: 2 | 3): ScriptValue;
  /** redis.log(); level is 0 (debug) .. 3 (warning). Filtering by verbosity is the host's job. */
  log(level: number, msg: string): void;
  /** Polled every 10k Lua instructions; returning true aborts the script (SCRIPT KILL). */
  shouldAbort(): boolean;
  /**
   * Polled with shouldAbort when it says no; returning true suspends the script (start() or
   * resume() return 'suspended') if the VM can yield there, i.e. not inside a C function that
   * called back into Lua (table.sort's comparator, gsub's replacement function).
   */
  shouldYield?(): boolean;
  /** redis.set_repl(flags) with flags already validated (bit 1 = AOF, bit 2 = replicas). */
  setRepl?(flags: number): void;
  /** redis.acl_check_cmd(...); without it every command is reported as permitted. */
  aclCheckCmd?(args: string[]): 'allowed' | 'denied' | 'unknown-command';
}

export interface LoadedScript {
  readonly sha: string;
  /** Flags from a "#!lua flags=..." shebang. */
  readonly flags: readonly ScriptFlag[];
  /** False for scripts without a shebang, which Redis 7 runs in "eval compatibility mode". */
  readonly shebang: boolean;
}

/** A function a library registered with redis.register_function (FUNCTION LOAD). */
export interface RegisteredFunction {
  readonly name: string;
  /** Lower-case flag names, as given. */
  readonly flags: readonly ScriptFlag[];
  readonly description: string | null;
  /** The callback's slot in the VM's registry, for callFunction() and releaseFunctions(). */
  readonly ref: bigint;
}

export interface LuaEngineOptions {
  /** redis.REDIS_VERSION inside scripts; redis.REDIS_VERSION_NUM is derived from it. */
  redisVersion?: string;
}

type ReplyFrame =
  | { kind: 'array'; items: ScriptValue[]; next: number }
  | { kind: 'set'; items: ScriptValue[] }
  | { kind: 'map'; entries: [ScriptValue, ScriptValue][]; key: ScriptValue | null };

/** What start() and resume() end with: the script's reply, or a pause until resume(). */
export type RunOutcome = ScriptValue | 'suspended';

interface CachedScript {
  info: LoadedScript;
  ref: bigint;
}

/**
 * Redis runs its count hook every 100000 instructions. A redis.call costs several times more
 * here than in Redis, so polling by Redis' count would let a script overrun busy-reply-threshold
 * (and SCRIPT KILL wait) by hundreds of milliseconds; a poll costs a fraction of a microsecond.
 */
const HOOK_INSTRUCTIONS = 10_000;
/**
 * Redis converts nested tables recursively and gives up when its 8000-slot C Lua stack runs out,
 * which for arrays happens 7995 levels down; the element there becomes this error.
 */
const MAX_REPLY_DEPTH = 7995;
const STACK_LIMIT_ERROR: ScriptValue = { t: 'error', v: 'ERR reached lua stack limit' };
const INT64_MIN = -(2n ** 63n);

export class LuaEngine {
  private readonly api: LuaCApi;
  private L: LuaState = 0;
  /** The coroutine scripts run in, so that a count hook can suspend a long one; reused. */
  private thread: LuaState = 0;
  private xpcallRef = 0n;
  private handlerRef = 0n;
  private runnerRef = 0n;
  private memoryRef = 0n;
  private functionRunnerRef = 0n;
  private loadLibraryRef = 0n;
  /** While a library loads (FUNCTION LOAD): when its code is stopped, 0 for never. */
  private loadDeadline = 0;
  private readonly scripts = new Map<string, CachedScript>();
  /** Set only while run() executes; the C callbacks below serve this host. */
  private host: ScriptHost | null = null;
  private resp: 2 | 3 = 2;
  /** SHA of the script started and not finished yet (running or suspended). */
  private current: string | null = null;
  /** Where lua_resume reports how many values the coroutine left. */
  private readonly nresultsSlot: Ptr;
  private killed = false;
  private lastMemory = 0;
  private readonly hookFn: Ptr;
  private readonly trampolineFn: Ptr;
  private readonly apiFns: ReadonlyArray<[string, Ptr]>;

  private constructor(private readonly rt: LuaWasmRuntime, private readonly version: string) {
    const api = rt.api;
    this.api = api;
    this.nresultsSlot = api._malloc(4);
    const cfn = (f: (L: LuaState) => number): Ptr => api.addFunction((L: LuaState) => this.guard(L, f), 'ii');
    this.hookFn = api.addFunction((L: LuaState) => this.guard(L, (l) => this.onHook(l)), 'vii');
    this.trampolineFn = cfn((L) => this.trampoline(L));
    this.apiFns = [
      ['call', cfn((L) => this.callCommand(L, true))],
      ['pcall', cfn((L) => this.callCommand(L, false))],
      ['log', cfn((L) => this.log(L))],
      ['sha1hex', cfn((L) => this.sha1hex(L))],
      ['setresp', cfn((L) => this.setResp(L))],
      ['set_repl', cfn((L) => this.setRepl(L))],
      ['acl_check_cmd', cfn((L) => this.aclCheckCmd(L))],
      ['cwrap', cfn((L) => this.cwrap(L))],
      ['json_encode', cfn((L) => jsonEncode(rt, L))],
      ['json_decode', cfn((L) => jsonDecode(rt, L))],
      ['source51', cfn((L) => this.source51(L))],
    ];
    this.open();
  }

  static async create(options: LuaEngineOptions = {}): Promise<LuaEngine> {
    return new LuaEngine(await LuaWasmRuntime.create(), options.redisVersion ?? '7.0.15');
  }

  /** SCRIPT LOAD: compiles and caches the body (no-op when cached). Errors are full reply texts. */
  load(body: string): LoadedScript | { error: string } {
    const sha = sha1Hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) return cached.info;
    if (this.host !== null) throw new Error('LuaEngine.load() called while a script is running');
    const shebang = parseShebang(body);
    if ('error' in shebang) return { error: shebang.error };
    const { api, rt, L } = this;
    const code = rewrite51Escapes(body.slice(shebang.length));
    const status = api._luaL_loadbufferx(L, rt.stage(code), code.length, rt.cString('@user_script'), rt.cString('t'));
    if (status !== LUA_OK) {
      // Lua 5.4 leaves <eof>, <name>... unquoted where 5.1 wrote '<eof>', '<name>'.
      const msg = (rt.toString(L, -1) ?? 'unknown error')
        .replace(/ near <eof>$/, " near '<eof>'")
        .replace(/: (<(?:eof|name|number|string)>) expected/, ": '$1' expected");
      api._lua_settop(L, -2);
      return { error: `ERR Error compiling script (new function): ${msg}` };
    }
    const info: LoadedScript = { sha, flags: shebang.flags, shebang: shebang.present };
    this.scripts.set(sha, { info, ref: BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX)) });
    return info;
  }

  has(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  get(sha: string): LoadedScript | undefined {
    return this.scripts.get(sha.toLowerCase())?.info;
  }

  get size(): number {
    return this.scripts.size;
  }

  /**
   * Bytes allocated by the Lua VM (INFO's used_memory_lua). While a script runs (INFO called
   * from a script) it is the figure measured when the previous script finished.
   */
  memoryUsage(): number {
    if (this.host === null) {
      const { api, L } = this;
      api._lua_rawgeti(L, LUA_REGISTRYINDEX, this.memoryRef);
      api._lua_callk(L, 0, 1, 0, 0);
      this.lastMemory = api._lua_tonumberx(L, -1, 0);
      api._lua_settop(L, -2);
    }
    return this.lastMemory;
  }

  /** SCRIPT FLUSH: drops every script and starts a fresh VM, as Redis does. */
  flush(): void {
    if (this.host !== null) throw new Error('LuaEngine.flush() called while a script is running');
    this.api._lua_close(this.L);
    this.scripts.clear();
    this.open();
  }

  /** Runs a loaded script to completion and converts its result (or error) into a reply. */
  run(sha: string, keys: string[], argv: string[], host: ScriptHost): ScriptValue {
    let outcome = this.start(sha, keys, argv, host);
    while (outcome === 'suspended') outcome = this.resume();
    return outcome;
  }

  /**
   * Starts a loaded script. It runs until it ends or until host.shouldYield() suspends it;
   * then the engine belongs to that script (other scripts get an error) until resume() has
   * run it to its end.
   */
  start(sha: string, keys: string[], argv: string[], host: ScriptHost): RunOutcome {
    const script = this.scripts.get(sha.toLowerCase());
    if (script === undefined) return { t: 'error', v: 'NOSCRIPT No matching script. Please use EVAL.' };
    if (this.host !== null) return { t: 'error', v: 'ERR a script cannot run another script' };
    return this.begin(this.runnerRef, script.ref, script.info.sha, keys, argv, host);
  }

  /**
   * FCALL: starts a registered function with its keys and arguments, as start() does a script;
   * `name` is what its errors call it.
   */
  callFunction(ref: bigint, name: string, keys: string[], args: string[], host: ScriptHost): RunOutcome {
    if (this.host !== null) return { t: 'error', v: 'ERR a script cannot run another script' };
    return this.begin(this.functionRunnerRef, ref, name, keys, args, host);
  }

  private begin(runnerRef: bigint, fnRef: bigint, name: string, keys: string[], argv: string[], host: ScriptHost): RunOutcome {
    const { api, thread: T } = this;
    this.host = host;
    this.resp = 2;
    this.current = name;
    // xpcall(runner, handler, fn, KEYS, ARGV): xpcall can yield in Lua 5.4, and the message
    // handler still runs at the failing frame, so errors carry their script line.
    api._lua_rawgeti(T, LUA_REGISTRYINDEX, this.xpcallRef);
    api._lua_rawgeti(T, LUA_REGISTRYINDEX, runnerRef);
    api._lua_rawgeti(T, LUA_REGISTRYINDEX, this.handlerRef);
    api._lua_rawgeti(T, LUA_REGISTRYINDEX, fnRef);
    this.pushStrings(T, keys);
    this.pushStrings(T, argv);
    return this.proceed(5);
  }

  /**
   * FUNCTION LOAD (luaEngineCreate): compiles a library's code (what follows its shebang line)
   * and runs it with the load-time globals, stopping it after `timeoutMs` (0 = never). The
   * functions it registered are kept in the VM until releaseFunctions(); `error` is the reply
   * text without "ERR ".
   */
  loadLibrary(code: string, timeoutMs: number): { functions: RegisteredFunction[] } | { error: string } {
    if (this.host !== null) throw new Error('LuaEngine.loadLibrary() called while a script is running');
    const { api, rt, L } = this;
    const source = rewrite51Escapes(code);
    if (api._luaL_loadbufferx(L, rt.stage(source), source.length, rt.cString('@user_function'), rt.cString('t')) !== LUA_OK) {
      const msg = (rt.toString(L, -1) ?? 'unknown error')
        .replace(/ near <eof>$/, " near '<eof>'")
        .replace(/: (<(?:eof|name|number|string)>) expected/, ": '$1' expected");
      api._lua_settop(L, -2);
      return { error: `Error compiling function: ${msg}` };
    }
    const top = api._lua_gettop(L) - 1;
    api._lua_rawgeti(L, LUA_REGISTRYINDEX, this.loadLibraryRef);
    api._lua_rotate(L, -2, 1);
    this.loadDeadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    api._lua_sethook(L, this.hookFn, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    let status: number;
    try {
      status = api._lua_pcallk(L, 1, 2, 0, 0, 0);
    } finally {
      api._lua_sethook(L, 0, 0, 0);
      this.loadDeadline = 0;
    }
    try {
      if (status !== LUA_OK) return { error: `Error registering functions: ERR ${rt.toString(L, -1) ?? 'unknown error'}` };
      if (api._lua_toboolean(L, -2) === 0) return { error: `Error registering functions: ${this.loadError(L)}` };
      return { functions: this.readRegistrations(L) };
    } finally {
      api._lua_settop(L, top);
    }
  }

  /** FUNCTION DELETE / FLUSH / a replaced library: frees the callbacks of its functions. */
  releaseFunctions(refs: readonly bigint[]): void {
    for (const ref of refs) this.api._luaL_unref(this.L, LUA_REGISTRYINDEX, Number(ref));
  }

  /** luaExtractErrorInformation's message: an {err=...} table's text, or "ERR " and a string. */
  private loadError(L: LuaState): string {
    const { api, rt } = this;
    if (api._lua_type(L, -1) === LUA_TTABLE) {
      const t = this.field(L, 'err');
      const msg = t === LUA_TSTRING || t === LUA_TNUMBER ? this.popCString(L) : '';
      if (t !== LUA_TSTRING && t !== LUA_TNUMBER) api._lua_settop(L, -2);
      return msg;
    }
    return `ERR ${rt.toString(L, -1) ?? 'unknown error'}`;
  }

  /** The list load_library returned (on top): each entry's fields, its callback moved to the registry. */
  private readRegistrations(L: LuaState): RegisteredFunction[] {
    const { api, rt } = this;
    const out: RegisteredFunction[] = [];
    for (let i = 1; ; i++) {
      if (api._lua_rawgeti(L, -1, BigInt(i)) !== LUA_TTABLE) {
        api._lua_settop(L, -2);
        return out;
      }
      this.field(L, 'name');
      const name = this.popCString(L);
      const description = this.field(L, 'desc') === LUA_TSTRING ? rt.toString(L, -1) : null;
      api._lua_settop(L, -2);
      const flags: ScriptFlag[] = [];
      this.field(L, 'flags');
      for (let j = 1; api._lua_rawgeti(L, -1, BigInt(j)) === LUA_TSTRING; j++) flags.push(this.popCString(L) as ScriptFlag);
      api._lua_settop(L, -3);
      this.field(L, 'fn');
      const ref = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
      api._lua_settop(L, -2);
      out.push({ name, flags, description, ref });
    }
  }

  /** Continues the suspended script. */
  resume(): RunOutcome {
    if (this.current === null) throw new Error('LuaEngine.resume() without a suspended script');
    return this.proceed(0);
  }

  /** True from start() until the script has ended, suspended stretches included. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Drops a suspended script without running the rest of it (server shutdown). */
  abandon(): void {
    if (this.current === null) return;
    this.api._lua_resetthread(this.thread);
    this.endScript();
  }

  private proceed(nargs: number): RunOutcome {
    const { api, thread: T } = this;
    const sha = this.current!;
    let status: number | undefined;
    try {
      status = api._lua_resume(T, this.L, nargs, this.nresultsSlot);
      if (status === LUA_YIELD) return 'suspended';
      return status === LUA_OK ? this.popOutcome(T, sha) : this.popError(T, sha);
    } finally {
      if (status !== LUA_YIELD) {
        // Script errors end inside xpcall; a failure of the VM itself leaves the coroutine dead.
        if (status !== LUA_OK) api._lua_resetthread(T);
        this.endScript();
      }
    }
  }

  /** xpcall's results on the coroutine: true and what the script returned, or false and the handler's error. */
  private popOutcome(T: LuaState, sha: string): ScriptValue {
    const ok = this.api._lua_toboolean(T, 1) !== 0;
    // Like lua_pcall(..., 1, ...) in Redis: the first returned value, nil when there is none.
    this.api._lua_settop(T, 2);
    return ok ? this.popReply(T) : this.popError(T, sha);
  }

  private endScript(): void {
    const { api, thread: T } = this;
    api._lua_settop(T, 0);
    this.host = null;
    this.current = null;
    if (this.killed) {
      this.killed = false;
      api._lua_sethook(T, this.hookFn, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    }
  }

  private open(): void {
    const { api, rt } = this;
    const L = api._luaL_newstate();
    if (L === 0) throw new Error('cannot allocate a Lua state');
    this.L = L;
    api._luaL_openlibs(L);
    // The base library's own xpcall, before the sandbox hides the globals behind its views.
    api._lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    this.field(L, 'xpcall');
    this.xpcallRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    api._lua_settop(L, -2);
    const src = LUA_HEADER + LUA_LIBS + LUA_SANDBOX;
    if (api._luaL_loadbufferx(L, rt.stage(src), src.length, rt.cString(INTERNAL_CHUNK_NAME), rt.cString('t')) !== LUA_OK) {
      throw new Error(`Lua init chunk failed to compile: ${rt.toString(L, -1)}`);
    }
    api._lua_createtable(L, 0, this.apiFns.length + 3);
    for (const [name, fn] of this.apiFns) {
      api._lua_pushcclosure(L, fn, 0);
      this.setField(L, name);
    }
    api._lua_pushlightuserdata(L, 0);
    this.setField(L, 'null');
    rt.pushString(L, this.version);
    this.setField(L, 'version');
    api._lua_pushnumber(L, versionNumber(this.version));
    this.setField(L, 'version_num');
    if (api._lua_pcallk(L, 1, 5, 0, 0, 0) !== LUA_OK) {
      throw new Error(`Lua init chunk failed: ${rt.toString(L, -1)}`);
    }
    this.loadLibraryRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    this.functionRunnerRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    this.memoryRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    this.runnerRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    this.handlerRef = BigInt(api._luaL_ref(L, LUA_REGISTRYINDEX));
    this.thread = api._lua_newthread(L);
    // The registry reference keeps the coroutine from being collected; it lives as long as the VM.
    api._luaL_ref(L, LUA_REGISTRYINDEX);
    api._lua_sethook(this.thread, this.hookFn, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  /** t[name] = top, for the table just below the top. */
  private setField(L: LuaState, name: string): void {
    const { api } = this;
    api._lua_pushstring(L, this.rt.cString(name));
    api._lua_rotate(L, -2, 1);
    api._lua_rawset(L, -3);
  }

  private pushStrings(L: LuaState, items: string[]): void {
    const { api, rt } = this;
    api._lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      api._lua_pushnumber(L, i + 1);
      rt.pushString(L, items[i]!);
      api._lua_rawset(L, -3);
    }
  }

  // ---- Lua -> ScriptValue (luaReplyToRedisReply) ----------------------------------------

  /**
   * Converts and pops the value on top of the stack. Iterative, because Redis follows nested
   * (even self-referencing) tables thousands of levels deep.
   */
  private popReply(L: LuaState): ScriptValue {
    const { api } = this;
    const frames: ReplyFrame[] = [];
    let done = this.startReply(L, frames);
    for (;;) {
      const top = frames[frames.length - 1];
      if (done !== null) {
        if (top === undefined) return done;
        if (top.kind === 'map' && top.key === null) {
          top.key = done;
          done = this.startReply(L, frames);
          continue;
        }
        if (top.kind === 'map') {
          top.entries.push([top.key!, done]);
          top.key = null;
        } else {
          top.items.push(done);
        }
        done = null;
        continue;
      }
      // Bring the top container's next element to the top of the Lua stack, or finish it.
      const f = top!;
      if (f.kind === 'array') {
        api._lua_pushnumber(L, f.next++);
        if (api._lua_rawget(L, -2) === LUA_TNIL) {
          api._lua_settop(L, -4);
          frames.pop();
          done = { t: 'array', v: f.items };
        } else {
          done = this.startReply(L, frames);
        }
      } else if (api._lua_next(L, -2) === 0) {
        // The container table and the table holding it under 'map' / 'set'.
        api._lua_settop(L, -3);
        frames.pop();
        done = f.kind === 'map' ? { t: 'map', v: f.entries } : { t: 'set', v: f.items };
      } else if (f.kind === 'map') {
        api._lua_pushvalue(L, -2);
        done = this.startReply(L, frames);
      } else {
        api._lua_settop(L, -2);
        api._lua_pushvalue(L, -1);
        done = this.startReply(L, frames);
      }
    }
  }

  /**
   * Converts the value on top (luaReplyToRedisReply): scalars and single-field tables are
   * popped and returned; for containers a frame is pushed (the table stays on the stack) and
   * null returned.
   */
  private startReply(L: LuaState, frames: ReplyFrame[]): ScriptValue | null {
    const { api, rt } = this;
    let out: ScriptValue;
    if (frames.length >= MAX_REPLY_DEPTH) {
      out = STACK_LIMIT_ERROR;
    } else {
      switch (api._lua_type(L, -1)) {
        case LUA_TSTRING:
          out = { t: 'bulk', v: rt.toString(L, -1)! };
          break;
        case LUA_TBOOLEAN: {
          const b = api._lua_toboolean(L, -1) !== 0;
          out = this.resp === 3 ? { t: 'bool', v: b } : b ? { t: 'int', v: 1 } : { t: 'nil' };
          break;
        }
        case LUA_TNUMBER:
          out = { t: 'int', v: doubleToInt64(api._lua_tonumberx(L, -1, 0)) };
          break;
        case LUA_TTABLE: {
          if (api._lua_checkstack(L, 4) === 0) {
            out = STACK_LIMIT_ERROR;
            break;
          }
          const single = this.singleFieldReply(L);
          if (single !== null) {
            out = single;
            break;
          }
          if (this.field(L, 'map') === LUA_TTABLE) {
            api._lua_pushnil(L);
            frames.push({ kind: 'map', entries: [], key: null });
            return null;
          }
          api._lua_settop(L, -2);
          if (this.field(L, 'set') === LUA_TTABLE) {
            api._lua_pushnil(L);
            frames.push({ kind: 'set', items: [] });
            return null;
          }
          // Arrays keep a placeholder above the table so every container finishes by popping two.
          api._lua_settop(L, -2);
          api._lua_pushnil(L);
          api._lua_rotate(L, -2, 1);
          frames.push({ kind: 'array', items: [], next: 1 });
          return null;
        }
        default:
          out = { t: 'nil' };
      }
    }
    api._lua_settop(L, -2);
    return out;
  }

  /** Pushes t[name] (raw) for the table on top and returns its type. */
  private field(L: LuaState, name: string): number {
    this.api._lua_pushstring(L, this.rt.cString(name));
    return this.api._lua_rawget(L, -2);
  }

  /** The string at the top, popped; for fields Redis reads with lua_tostring (C string). */
  private popCString(L: LuaState): string {
    const s = this.rt.toString(L, -1) ?? '';
    this.api._lua_settop(L, -2);
    return cutAtNul(s);
  }

  /** The {err=}, {ok=}, {double=}, {big_number=} and {verbatim_string=} forms; the table stays. */
  private singleFieldReply(L: LuaState): ScriptValue | null {
    const { api, rt } = this;
    const pop = (): void => api._lua_settop(L, -2);
    if (this.field(L, 'err') === LUA_TSTRING) return { t: 'error', v: oneLine(this.popCString(L)) };
    pop();
    if (this.field(L, 'ok') === LUA_TSTRING) return { t: 'status', v: oneLine(this.popCString(L)) };
    pop();
    if (this.field(L, 'double') === LUA_TNUMBER) {
      const v = api._lua_tonumberx(L, -1, 0);
      pop();
      return { t: 'double', v };
    }
    pop();
    if (this.field(L, 'big_number') === LUA_TSTRING) {
      const v = oneLine(rt.toString(L, -1)!);
      pop();
      return { t: 'bignum', v };
    }
    pop();
    if (this.field(L, 'verbatim_string') === LUA_TTABLE) {
      if (this.field(L, 'format') === LUA_TSTRING) {
        const format = this.popCString(L);
        if (this.field(L, 'string') === LUA_TSTRING) {
          const v = rt.toString(L, -1)!;
          api._lua_settop(L, -3);
          return { t: 'verbatim', v, format: format.slice(0, 3) };
        }
      }
      pop();
    }
    pop();
    return null;
  }

  /** The message handler's {err, source, line} on top, as Redis words a failed script. */
  private popError(L: LuaState, sha: string): ScriptValue {
    const { api } = this;
    if (api._lua_type(L, -1) !== LUA_TTABLE) {
      const msg = this.rt.toString(L, -1) ?? 'execution failure';
      return { t: 'error', v: oneLine(`ERR Error running script ${sha}, ${msg.slice(0, 100)}\n`) };
    }
    const read = (name: string): string | null => {
      const t = this.field(L, name);
      if (t !== LUA_TSTRING && t !== LUA_TNUMBER) {
        api._lua_settop(L, -2);
        return null;
      }
      return this.popCString(L);
    };
    const msg = read('err') ?? '';
    const source = read('source');
    const line = read('line');
    const where = source !== null && line !== null ? ` script: ${sha}, on ${source}:${line}.` : '';
    return { t: 'error', v: oneLine(msg + where) };
  }

  // ---- ScriptValue -> Lua (redisProtocolToLuaType) --------------------------------------

  private pushReply(L: LuaState, v: ScriptValue): void {
    const { api, rt } = this;
    // Redis panics here; a script error is kinder.
    if (api._lua_checkstack(L, 4) === 0) this.raise(L, 'reached lua stack limit while converting a reply');
    const resp3 = this.resp === 3;
    switch (v.t) {
      case 'bulk':
        rt.pushString(L, v.v);
        return;
      case 'int':
        api._lua_pushnumber(L, Number(v.v));
        return;
      case 'nil':
        if (resp3) api._lua_pushnil(L);
        else api._lua_pushboolean(L, 0);
        return;
      case 'status':
        this.pushTable1(L, 'ok', () => rt.pushString(L, v.v));
        return;
      case 'error':
        this.pushErrorTable(L, '-' + v.v, true);
        return;
      case 'array':
        this.pushArray(L, v.v);
        return;
      case 'double':
        if (resp3) this.pushTable1(L, 'double', () => api._lua_pushnumber(L, v.v));
        else rt.pushString(L, formatDouble17g(v.v));
        return;
      case 'bool':
        if (resp3) api._lua_pushboolean(L, v.v ? 1 : 0);
        else api._lua_pushnumber(L, v.v ? 1 : 0);
        return;
      case 'bignum':
        if (resp3) this.pushTable1(L, 'big_number', () => rt.pushString(L, v.v));
        else rt.pushString(L, v.v);
        return;
      case 'verbatim':
        if (resp3) {
          this.pushTable1(L, 'verbatim_string', () => {
            api._lua_createtable(L, 0, 2);
            rt.pushString(L, v.v);
            this.setField(L, 'string');
            rt.pushString(L, v.format);
            this.setField(L, 'format');
          });
        } else {
          rt.pushString(L, v.v);
        }
        return;
      case 'map':
        if (resp3) {
          this.pushTable1(L, 'map', () => {
            api._lua_createtable(L, 0, v.v.length);
            for (const [key, value] of v.v) {
              this.pushReply(L, key);
              this.pushReply(L, value);
              api._lua_rawset(L, -3);
            }
          });
        } else {
          this.pushArray(L, v.v.flat());
        }
        return;
      case 'set':
        if (resp3) {
          this.pushTable1(L, 'set', () => {
            api._lua_createtable(L, 0, v.v.length);
            for (const member of v.v) {
              this.pushReply(L, member);
              api._lua_pushboolean(L, 1);
              api._lua_rawset(L, -3);
            }
          });
        } else {
          this.pushArray(L, v.v);
        }
        return;
    }
  }

  private pushArray(L: LuaState, items: ScriptValue[]): void {
    const { api } = this;
    api._lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      api._lua_pushnumber(L, i + 1);
      this.pushReply(L, items[i]!);
      api._lua_rawset(L, -3);
    }
  }

  /** Pushes { [name] = <value pushed by pushValue> }. */
  private pushTable1(L: LuaState, name: string, pushValue: () => void): void {
    this.api._lua_createtable(L, 0, 1);
    pushValue();
    this.setField(L, name);
  }

  /** luaPushErrorBuff(): an {err="CODE msg"} table from "-CODE msg" or a bare "msg" (code ERR). */
  private pushErrorTable(L: LuaState, buf: string, fromCommand: boolean): void {
    const { api, rt } = this;
    let code = 'ERR';
    let msg = buf;
    if (buf.startsWith('-')) {
      const sp = buf.indexOf(' ');
      if (sp < 0) msg = buf.slice(1);
      else [code, msg] = [buf.slice(1, sp), buf.slice(sp + 1)];
    }
    msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
    api._lua_createtable(L, 0, 2);
    rt.pushString(L, cutAtNul(`${code} ${msg}`));
    this.setField(L, 'err');
    if (fromCommand) {
      // Redis already counted this error when the command failed.
      api._lua_pushboolean(L, 1);
      this.setField(L, 'ignore_error_stats_update');
    }
  }

  // ---- C functions called from Lua ------------------------------------------------------
  // Lua errors unwind these JS frames as exceptions (Emscripten's longjmp), so they raise via
  // lua_error only after all their own work is done, and never let a host exception escape.

  /**
   * Runs a C callback. Emscripten implements longjmp (lua_error) as `throw Infinity`, which its
   * WASM call wrappers catch; any other exception would unwind the VM without Lua knowing and
   * corrupt its state, so it is turned into a Lua error here.
   */
  private guard<R>(L: LuaState, f: (L: LuaState) => R): R | number {
    try {
      return f(L);
    } catch (e) {
      if (e === Infinity) throw e;
      return this.raise(L, `Internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Raises `msg` (no leading '-') the way luaPushError()+luaError() do. */
  private raise(L: LuaState, msg: string): number {
    this.api._lua_settop(L, 0);
    this.pushErrorTable(L, msg, false);
    return this.api._lua_error(L);
  }

  /** luaArgsToRedisArgv(): strings, and numbers as "%.17g"; a string result is the error text. */
  private readArgs(L: LuaState): string[] | string {
    const { api, rt } = this;
    const n = api._lua_gettop(L);
    if (n === 0) return 'Please specify at least one argument for this redis lib call';
    const args = new Array<string>(n);
    for (let i = 1; i <= n; i++) {
      const t = api._lua_type(L, i);
      if (t === LUA_TSTRING) args[i - 1] = rt.toString(L, i)!;
      else if (t === LUA_TNUMBER) args[i - 1] = formatDouble17g(api._lua_tonumberx(L, i, 0));
      else return 'Lua redis lib command arguments must be strings or integers';
    }
    return args;
  }

  private callCommand(L: LuaState, raiseErrors: boolean): number {
    const host = this.host;
    if (host === null) return this.raise(L, 'redis.call/pcall can only be called inside a script invocation');
    const args = this.readArgs(L);
    if (typeof args === 'string') {
      if (raiseErrors) return this.raise(L, args);
      this.api._lua_settop(L, 0);
      this.pushErrorTable(L, args, false);
      return 1;
    }
    let reply: ScriptValue;
    try {
      reply = host.call(args, this.resp);
    } catch (e) {
      reply = { t: 'error', v: `ERR ${e instanceof Error ? e.message : String(e)}` };
    }
    this.api._lua_settop(L, 0);
    this.pushReply(L, reply);
    if (reply.t === 'error' && raiseErrors) return this.api._lua_error(L);
    return 1;
  }

  private log(L: LuaState): number {
    const { api, rt } = this;
    const n = api._lua_gettop(L);
    if (n < 2) return this.raise(L, 'redis.log() requires two arguments or more.');
    if (api._lua_isnumber(L, 1) === 0) return this.raise(L, 'First argument must be a number (log level).');
    const level = cInt(api._lua_tonumberx(L, 1, 0));
    if (level < 0 || level > 3) return this.raise(L, 'Invalid debug level.');
    let msg = '';
    for (let j = 2; j <= n; j++) {
      const s = rt.toString(L, j);
      if (s === null) continue;
      if (j !== 2) msg += ' ';
      msg += s;
    }
    try {
      this.host?.log(level, msg);
    } catch {
      // A failing logger must not take the script down with it.
    }
    return 0;
  }

  private sha1hex(L: LuaState): number {
    if (this.api._lua_gettop(L) !== 1) return this.raise(L, 'wrong number of arguments');
    this.rt.pushString(L, sha1Hex(this.rt.toString(L, 1) ?? ''));
    return 1;
  }

  private setResp(L: LuaState): number {
    const { api } = this;
    if (api._lua_gettop(L) !== 1) return this.raise(L, 'redis.setresp() requires one argument.');
    const resp = cInt(api._lua_tonumberx(L, 1, 0));
    if (resp !== 2 && resp !== 3) return this.raise(L, 'RESP version must be 2 or 3.');
    this.resp = resp;
    return 0;
  }

  private setRepl(L: LuaState): number {
    const { api } = this;
    if (api._lua_gettop(L) !== 1) return this.raise(L, 'redis.set_repl() requires two arguments.');
    const flags = cInt(api._lua_tonumberx(L, 1, 0));
    if ((flags & ~3) !== 0) {
      return this.raise(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    }
    try {
      this.host?.setRepl?.(flags);
    } catch {
      // Propagation control is advisory; a host failure leaves the default in place.
    }
    return 0;
  }

  private aclCheckCmd(L: LuaState): number {
    const args = this.readArgs(L);
    if (typeof args === 'string') return this.raise(L, args);
    let verdict: 'allowed' | 'denied' | 'unknown-command' = 'allowed';
    try {
      verdict = this.host?.aclCheckCmd?.(args) ?? 'allowed';
    } catch {
      verdict = 'denied';
    }
    if (verdict === 'unknown-command') return this.raise(L, 'Invalid command passed to redis.acl_check_cmd()');
    this.api._lua_settop(L, 0);
    this.api._lua_pushboolean(L, verdict === 'allowed' ? 1 : 0);
    return 1;
  }

  /** source51(s): s with Lua 5.1's reading of unknown string escapes, for loadstring(). */
  private source51(L: LuaState): number {
    this.rt.pushString(L, rewrite51Escapes(this.rt.toString(L, 1) ?? ''));
    return 1;
  }

  /** cwrap(f): a C closure that calls f, so scripts tail-calling it keep their stack frame. */
  private cwrap(L: LuaState): number {
    this.api._lua_pushcclosure(L, this.trampolineFn, 1);
    return 1;
  }

  private trampoline(L: LuaState): number {
    const { api } = this;
    const n = api._lua_gettop(L);
    api._lua_pushvalue(L, upvalueIndex(1));
    api._lua_rotate(L, 1, 1);
    api._lua_callk(L, n, LUA_MULTRET, 0, 0);
    return api._lua_gettop(L);
  }

  /**
   * The count hook (luaMaskCountHook): asks the host whether to kill the script, or to suspend
   * it so the server can serve other clients meanwhile.
   */
  private onHook(L: LuaState): void {
    const host = this.host;
    if (host === null) {
      // FUNCTION LOAD's guard against library code that never ends (luaEngineLoadHook). Raised
      // once: library code has no pcall to swallow it with.
      if (this.loadDeadline !== 0 && Date.now() > this.loadDeadline) {
        this.loadDeadline = 0;
        this.pushErrorTable(L, 'FUNCTION LOAD timeout', false);
        this.api._lua_error(L);
      }
      return;
    }
    if (!this.killed) {
      const verdict = pollHost(host);
      // Only the script's own coroutine: yielding one the script created would hand control back to the script.
      if (verdict === 'yield' && L === this.thread && this.api._lua_isyieldable(L) !== 0) this.api._lua_yieldk(L, 0, 0, 0);
      if (verdict !== 'abort') return;
      this.killed = true;
      // From now on fire on every line, so pcall cannot swallow the kill and carry on.
      this.api._lua_sethook(L, this.hookFn, LUA_MASKLINE, 0);
    }
    this.pushErrorTable(L, 'Script killed by user with SCRIPT KILL...', false);
    this.api._lua_error(L);
  }
}

function pollHost(host: ScriptHost): 'abort' | 'yield' | 'continue' {
  try {
    if (host.shouldAbort()) return 'abort';
    return host.shouldYield?.() === true ? 'yield' : 'continue';
  } catch {
    return 'continue';
  }
}

function sha1Hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex');
}

/** "7.0.15" -> 0x00070f, like REDIS_VERSION_NUM. */
function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return ((major & 0xff) << 16) | ((minor & 0xff) << 8) | (patch & 0xff);
}

/** C's (int) conversion of a double as x86 does it: truncation, INT_MIN when unrepresentable. */
function cInt(d: number): number {
  if (!(d > -2147483649 && d < 2147483648)) return -2147483648;
  return Math.trunc(d) | 0;
}

/** C's (long long) conversion of a double as x86 does it: truncation, INT64_MIN when unrepresentable. */
function doubleToInt64(d: number): number | bigint {
  if (!(d >= -9223372036854775808 && d < 9223372036854775808)) return INT64_MIN;
  const t = Math.trunc(d) + 0;
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

function cutAtNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** Redis replaces CR and LF in status and error replies with spaces. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
