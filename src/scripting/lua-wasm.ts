// Direct access to the Lua 5.4 C API inside wasmoon's WebAssembly build. wasmoon's own
// high-level API converts every string through UTF-8, which corrupts Redis' binary strings, so
// the engine talks to the exported C functions and moves bytes through the WASM heap itself.
import { LuaFactory } from 'wasmoon';

/** A `lua_State*`, i.e. an address in the WASM heap. */
export type LuaState = number;
/** An address in the WASM heap. */
export type Ptr = number;

/**
 * The exports of wasmoon's Emscripten module that the engine uses. These are the C functions
 * themselves (pointer-typed arguments are plain numbers, `lua_Integer` arguments are bigints),
 * not the string-converting `cwrap` wrappers on wasmoon's `LuaWasm` object.
 */
export interface LuaCApi {
  readonly HEAPU8: Uint8Array;
  readonly HEAPU32: Uint32Array;
  _malloc(size: number): Ptr;
  _free(p: Ptr): void;
  addFunction(fn: (...args: number[]) => number | void, signature: string): Ptr;

  _luaL_newstate(): LuaState;
  _luaL_openlibs(L: LuaState): void;
  _lua_close(L: LuaState): void;
  _luaL_loadbufferx(L: LuaState, buf: Ptr, size: number, name: Ptr, mode: Ptr): number;
  _lua_pcallk(L: LuaState, nargs: number, nresults: number, msgh: number, ctx: number, k: Ptr): number;
  _lua_callk(L: LuaState, nargs: number, nresults: number, ctx: number, k: Ptr): void;
  /** Never returns: Emscripten's longjmp throws. */
  _lua_error(L: LuaState): never;
  _luaL_where(L: LuaState, level: number): void;
  _lua_concat(L: LuaState, n: number): void;
  _lua_sethook(L: LuaState, hook: Ptr, mask: number, count: number): void;
  _lua_newthread(L: LuaState): LuaState;
  /** Starts or continues the coroutine `L`; the number of values it left is written to `nresults`. */
  _lua_resume(L: LuaState, from: LuaState, nargs: number, nresults: Ptr): number;
  /** From a count or line hook: the thread yields once the hook returns (hooks yield no values). */
  _lua_yieldk(L: LuaState, nresults: number, ctx: number, k: Ptr): number;
  _lua_isyieldable(L: LuaState): number;
  /** Closes the coroutine's pending calls and makes it reusable. */
  _lua_resetthread(L: LuaState): number;
  _luaL_ref(L: LuaState, t: number): number;
  _luaL_unref(L: LuaState, t: number, ref: number): void;

  _lua_gettop(L: LuaState): number;
  _lua_settop(L: LuaState, idx: number): void;
  _lua_pushvalue(L: LuaState, idx: number): void;
  _lua_rotate(L: LuaState, idx: number, n: number): void;
  _lua_checkstack(L: LuaState, n: number): number;
  _lua_type(L: LuaState, idx: number): number;
  _lua_isnumber(L: LuaState, idx: number): number;
  _lua_toboolean(L: LuaState, idx: number): number;
  _lua_tonumberx(L: LuaState, idx: number, isnum: Ptr): number;
  _lua_tolstring(L: LuaState, idx: number, len: Ptr): Ptr;

  _lua_pushnil(L: LuaState): void;
  _lua_pushnumber(L: LuaState, n: number): void;
  _lua_pushboolean(L: LuaState, b: number): void;
  _lua_pushlstring(L: LuaState, s: Ptr, len: number): Ptr;
  _lua_pushstring(L: LuaState, s: Ptr): Ptr;
  _lua_pushcclosure(L: LuaState, fn: Ptr, n: number): void;
  _lua_pushlightuserdata(L: LuaState, p: Ptr): void;

  _lua_createtable(L: LuaState, narr: number, nrec: number): void;
  _lua_rawget(L: LuaState, idx: number): number;
  _lua_rawgeti(L: LuaState, idx: number, n: bigint): number;
  _lua_rawset(L: LuaState, idx: number): void;
  _lua_next(L: LuaState, idx: number): number;
}

export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TLIGHTUSERDATA = 2;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_OK = 0;
export const LUA_YIELD = 1;
/** Registry slot of the global table. */
export const LUA_RIDX_GLOBALS = 2n;
export const LUA_MULTRET = -1;
/** LUAI_MAXSTACK is 1000000 in this build; the registry pseudo-index sits just below it. */
export const LUA_REGISTRYINDEX = -1000000 - 1000;
export const LUA_MASKLINE = 1 << 2;
export const LUA_MASKCOUNT = 1 << 3;

export function upvalueIndex(i: number): number {
  return LUA_REGISTRYINDEX - i;
}

/**
 * A WASM Lua runtime plus the byte-level plumbing to move one-byte (latin1) JS strings in and
 * out of Lua without any text decoding.
 */
export class LuaWasmRuntime {
  private heapView: Buffer;
  private scratch: Ptr = 0;
  private scratchSize = 0;
  /** Where the C API writes a `size_t` (4 bytes in wasm32) length. */
  private readonly lenSlot: Ptr;
  private readonly cStrings = new Map<string, Ptr>();

  private constructor(readonly api: LuaCApi) {
    this.heapView = Buffer.from(api.HEAPU8.buffer);
    this.lenSlot = api._malloc(4);
    disableFloatSuffix(api);
  }

  static async create(): Promise<LuaWasmRuntime> {
    // wasmoon ships an Emscripten build with assertions: each `_lua_*` export on its module goes
    // through a wrapper that formats a diagnostic string on every call, a large share of a C API
    // call's cost. The underlying WebAssembly exports are the same functions without it, so the
    // instance is captured while wasmoon instantiates it.
    const instances: WebAssembly.Instance[] = [];
    const instantiate = WebAssembly.instantiate;
    const capture = async (...args: Parameters<typeof instantiate>): Promise<unknown> => {
      const result: unknown = await Reflect.apply(instantiate, WebAssembly, args);
      instances.push(result instanceof WebAssembly.Instance ? result : (result as WebAssembly.WebAssemblyInstantiatedSource).instance);
      return result;
    };
    WebAssembly.instantiate = capture as typeof instantiate;
    let module: LuaCApi;
    try {
      // The module object carries the `_lua_*` C functions at runtime; wasmoon's typings only
      // describe its cwrap'd variants, so this one cast is the boundary between the two.
      module = (await new LuaFactory().getLuaModule()).module as unknown as LuaCApi;
    } finally {
      WebAssembly.instantiate = instantiate;
    }
    const exports = instances.find((i) => typeof i.exports['lua_gettop'] === 'function')?.exports;
    return new LuaWasmRuntime(exports === undefined ? module : withRawExports(module, exports));
  }

  /** The heap as a Buffer; re-created when the WASM memory has grown (the old one is detached). */
  heap(): Buffer {
    const u8 = this.api.HEAPU8;
    if (this.heapView.buffer !== u8.buffer) this.heapView = Buffer.from(u8.buffer);
    return this.heapView;
  }

  /** A NUL-terminated copy of an ASCII constant that lives as long as the runtime. */
  cString(s: string): Ptr {
    let p = this.cStrings.get(s);
    if (p === undefined) {
      p = this.api._malloc(s.length + 1);
      const heap = this.heap();
      heap.write(s, p, 'latin1');
      heap[p + s.length] = 0;
      this.cStrings.set(s, p);
    }
    return p;
  }

  /** Copies a byte string into a reusable heap buffer (valid until the next call). */
  stage(s: string): Ptr {
    const n = s.length;
    if (n > this.scratchSize) {
      if (this.scratch) this.api._free(this.scratch);
      this.scratchSize = Math.max(n, 256, this.scratchSize * 2);
      this.scratch = this.api._malloc(this.scratchSize);
    }
    const p = this.scratch;
    if (n < 48) {
      const u8 = this.api.HEAPU8;
      for (let i = 0; i < n; i++) u8[p + i] = s.charCodeAt(i);
    } else {
      this.heap().write(s, p, n, 'latin1');
    }
    return p;
  }

  pushString(L: LuaState, s: string): void {
    this.api._lua_pushlstring(L, this.stage(s), s.length);
  }

  /** Reads the string (or number, converted in place by Lua) at `idx`; null for other types. */
  toString(L: LuaState, idx: number): string | null {
    const p = this.api._lua_tolstring(L, idx, this.lenSlot);
    if (p === 0) return null;
    const len = this.api.HEAPU32[this.lenSlot >> 2]!;
    if (len < 48) {
      const u8 = this.api.HEAPU8;
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(u8[p + i]!);
      return s;
    }
    return this.heap().toString('latin1', p, p + len);
  }
}

/**
 * Lua 5.4 prints integral floats as "3.0" where Redis' Lua 5.1 prints "3". The ".0" is appended by
 * lobject.c's tostringbuff when `buff[strspn(buff, "-0123456789")] == '\0'`; emptying that set
 * (its first byte becomes NUL) makes the test never match, so every float is plain "%.14g" like
 * 5.1 — for tostring, `..`, string.format('%s') and lua_tolstring alike.
 */
function disableFloatSuffix(api: LuaCApi): void {
  const heap = Buffer.from(api.HEAPU8.buffer);
  const needle = Buffer.from('-0123456789\0', 'latin1');
  const at = heap.indexOf(needle);
  if (at < 0 || heap.indexOf(needle, at + 1) >= 0) {
    throw new Error('wasmoon build changed: cannot locate the float formatting digit set');
  }
  heap[at] = 0;
}

/**
 * The module with every `_name` C function replaced by the instance's export `name`. It inherits
 * from the module, so HEAPU8 & co. stay live when the memory grows.
 */
function withRawExports(module: LuaCApi, exports: WebAssembly.Exports): LuaCApi {
  const api: Record<string, unknown> = Object.create(module);
  for (const key of Object.keys(module)) {
    const raw = key.startsWith('_') ? exports[key.slice(1)] : undefined;
    if (typeof raw === 'function') api[key] = raw;
  }
  return api as unknown as LuaCApi;
}
