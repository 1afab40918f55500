// Redis 7 function libraries (functions.c): the libraries loaded with FUNCTION LOAD, the functions
// they registered, and the rules for adding, replacing and joining them. As in Redis, library
// names and a library's own function names are case-sensitive, while FCALL finds a function
// (and a new library collides with one) whatever the case. Running a function is the script runner's job; this
// file only keeps the catalogue, and the Lua VM that holds the callbacks.
import type { LuaEngine, RegisteredFunction } from '../scripting/lua-engine.js';
import type { ScriptFlag } from '../scripting/shebang.js';
import { splitArgs } from '../scripting/shebang.js';

/** How long a library's code may run while it loads (LOAD_TIMEOUT_MS). */
export const LOAD_TIMEOUT_MS = 500;

export interface FunctionLibrary {
  readonly name: string;
  readonly engine: 'LUA';
  /** The whole FUNCTION LOAD payload, shebang included (what LIST WITHCODE and DUMP give back). */
  readonly code: string;
  readonly functions: Map<string, LibraryFunction>;
}

export interface LibraryFunction {
  readonly name: string;
  readonly library: FunctionLibrary;
  readonly flags: readonly ScriptFlag[];
  readonly description: string | null;
  readonly ref: bigint;
}

/** A catalogue of libraries: the server's, or one being built by FUNCTION RESTORE. */
export class LibrarySet {
  readonly libraries = new Map<string, FunctionLibrary>();
  readonly functions = new Map<string, LibraryFunction>();

  library(name: string): FunctionLibrary | undefined {
    return this.libraries.get(name);
  }

  function(name: string): LibraryFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  link(lib: FunctionLibrary): void {
    this.libraries.set(lib.name, lib);
    for (const fn of lib.functions.values()) this.functions.set(fn.name.toLowerCase(), fn);
  }

  unlink(lib: FunctionLibrary): void {
    this.libraries.delete(lib.name);
    for (const fn of lib.functions.values()) this.functions.delete(fn.name.toLowerCase());
  }
}

/** The library name and the code after the shebang line (functionExtractLibMetaData). */
function parseMetadata(code: string): { name: string; engine: string; body: string } | { error: string } {
  if (!code.startsWith('#!')) return { error: 'Missing library metadata' };
  const end = code.indexOf('\n');
  if (end < 0) return { error: 'Invalid library metadata' };
  const parts = splitArgs(code.slice(0, end));
  if (parts === null || parts.length === 0) return { error: 'Invalid library metadata' };
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return { error: `Invalid metadata value given: ${part}` };
    if (name !== undefined) return { error: 'Invalid metadata value, name argument was given multiple times' };
    name = part.slice(5);
  }
  if (name === undefined) return { error: 'Library name was not given' };
  return { name, engine: parts[0].slice(2), body: code.slice(end) };
}

const NAME_ERROR = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** What Redis' dictionaries cost per library and per function beyond their names and code. */
const LIBRARY_OVERHEAD = 40 + 16 + 24 + 96;
const FUNCTION_OVERHEAD = 40 + 16 + 24 + 48;

/** The server's libraries and the VM their functions live in. */
export class FunctionLibraries {
  current = new LibrarySet();

  constructor(private readonly vm: () => LuaEngine) {}

  /**
   * FUNCTION LOAD into `into` (functionsCreateWithLibraryCtx): the library's name, or the error
   * text without "ERR ". A failed load leaves `into` as it was.
   */
  create(code: string, replace: boolean, into: LibrarySet, timeoutMs: number): string | { error: string } {
    const md = parseMetadata(code);
    if ('error' in md) return md;
    if (!/^[A-Za-z0-9_]+$/.test(md.name)) return { error: NAME_ERROR };
    if (md.engine.toLowerCase() !== 'lua') return { error: `Engine '${md.engine}' not found` };
    const old = into.library(md.name);
    if (old !== undefined && !replace) return { error: `Library '${md.name}' already exists` };
    const loaded = this.vm().loadLibrary(md.body, timeoutMs);
    if ('error' in loaded) return loaded;
    const lib = this.build(md.name, code, loaded.functions);
    const refused = lib.functions.size === 0 ? 'No functions registered' : this.collision(lib, into, old);
    if (refused !== undefined) {
      this.vm().releaseFunctions(loaded.functions.map((f) => f.ref));
      return { error: refused };
    }
    if (old !== undefined) {
      into.unlink(old);
      this.release(old);
    }
    into.link(lib);
    return lib.name;
  }

  private build(name: string, code: string, registered: RegisteredFunction[]): FunctionLibrary {
    const lib: FunctionLibrary = { name, engine: 'LUA', code, functions: new Map() };
    for (const f of registered) {
      lib.functions.set(f.name, { name: f.name, library: lib, flags: f.flags, description: f.description, ref: f.ref });
    }
    return lib;
  }

  /** A function of `lib` that another library (not the one it replaces) already has. */
  private collision(lib: FunctionLibrary, into: LibrarySet, replaced: FunctionLibrary | undefined): string | undefined {
    for (const fn of lib.functions.values()) {
      const other = into.function(fn.name);
      if (other !== undefined && other.library !== replaced) return `Function ${fn.name} already exists`;
    }
    return undefined;
  }

  delete(name: string): boolean {
    const lib = this.current.library(name);
    if (lib === undefined) return false;
    this.current.unlink(lib);
    this.release(lib);
    return true;
  }

  flush(): void {
    this.releaseAll(this.current);
    this.current = new LibrarySet();
  }

  /** INFO used_memory_functions (functionsMemoryOverhead): the catalogue, not the VM. */
  overheadBytes(): number {
    let bytes = 0;
    for (const lib of this.current.libraries.values()) {
      bytes += LIBRARY_OVERHEAD + lib.name.length + lib.code.length;
      for (const fn of lib.functions.values()) bytes += FUNCTION_OVERHEAD + fn.name.length + (fn.description?.length ?? 0);
    }
    return bytes;
  }

  releaseAll(set: LibrarySet): void {
    for (const lib of set.libraries.values()) this.release(lib);
  }

  private release(lib: FunctionLibrary): void {
    this.vm().releaseFunctions([...lib.functions.values()].map((f) => f.ref));
  }

  /**
   * FUNCTION RESTORE APPEND/REPLACE (libraryJoin): moves the libraries of `src` into the current
   * set; on a collision nothing changes and the error is returned.
   */
  join(src: LibrarySet, replace: boolean): string | undefined {
    const replaced: FunctionLibrary[] = [];
    for (const lib of src.libraries.values()) {
      const old = this.current.library(lib.name);
      if (old === undefined) continue;
      if (!replace) return `Library ${lib.name} already exists`;
      replaced.push(old);
    }
    for (const old of replaced) this.current.unlink(old);
    for (const lib of src.libraries.values()) {
      for (const fn of lib.functions.values()) {
        if (this.current.function(fn.name) !== undefined) {
          for (const old of replaced) this.current.link(old);
          return `Function ${fn.name} already exists`;
        }
      }
    }
    for (const old of replaced) this.release(old);
    for (const lib of src.libraries.values()) this.current.link(lib);
    return undefined;
  }
}
