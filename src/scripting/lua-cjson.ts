// The encoder and decoder of Redis' lua_cjson 2.1.0, as C functions written in JS against the
// raw Lua API (a pure-Lua port was 5-10x slower in the WASM VM). Configuration and argument
// checks stay in Lua (lua-libs.ts) and arrive here as extra arguments. Errors are raised with
// the caller's position, as luaL_error() does; the caller is internal Lua, whose position the
// engine's message handlers rewrite to the script line.
import { formatDoubleG } from './format-double.js';
import {
  LUA_TBOOLEAN, LUA_TLIGHTUSERDATA, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE,
  type LuaState, type LuaWasmRuntime,
} from './lua-wasm.js';

const TYPE_NAMES = ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'];

function raise(rt: LuaWasmRuntime, L: LuaState, msg: string): never {
  rt.api._luaL_where(L, 1);
  rt.pushString(L, msg);
  rt.api._lua_concat(L, 2);
  return rt.api._lua_error(L);
}

// ---- encode -------------------------------------------------------------------------------

const ESCAPES: string[] = [];
for (let c = 0; c < 32; c++) ESCAPES[c] = `\\u${c.toString(16).padStart(4, '0')}`;
Object.assign(ESCAPES, { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 47: '\\/', 92: '\\\\', 127: '\\u007f' });
const NEEDS_ESCAPE = /[\x00-\x1f"/\\\x7f]/;
const ESCAPE_ALL = /[\x00-\x1f"/\\\x7f]/g;

function encodeString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(ESCAPE_ALL, (ch) => ESCAPES[ch.charCodeAt(0)]!)}"`;
}

/**
 * cjson.encode core. Stack: value, max depth, sparse convert (boolean), sparse ratio, sparse
 * safe, invalid-number mode (0 error, 1 allow, 2 as null), number precision.
 */
export function jsonEncode(rt: LuaWasmRuntime, L: LuaState): number {
  const api = rt.api;
  const maxDepth = api._lua_tonumberx(L, 2, 0);
  const sparseConvert = api._lua_toboolean(L, 3) !== 0;
  const sparseRatio = api._lua_tonumberx(L, 4, 0);
  const sparseSafe = api._lua_tonumberx(L, 5, 0);
  const invalidNumbers = api._lua_tonumberx(L, 6, 0);
  const precision = api._lua_tonumberx(L, 7, 0);
  let out = '';

  const fail = (idx: number, reason: string): never =>
    raise(rt, L, `Cannot serialise ${TYPE_NAMES[api._lua_type(L, idx)]}: ${reason}`);

  const appendNumber = (idx: number): void => {
    const n = api._lua_tonumberx(L, idx, 0);
    if (!Number.isFinite(n)) {
      if (invalidNumbers === 0) fail(idx, 'must not be NaN or Inf');
      if (invalidNumbers === 2) {
        out += 'null';
        return;
      }
      if (Number.isNaN(n)) {
        out += 'nan';
        return;
      }
    }
    out += formatDoubleG(n, precision);
  };

  // lua_array_length(): the largest positive integer key, or -1 when the table is an object.
  const arrayLength = (idx: number): number => {
    let max = 0;
    let items = 0;
    api._lua_pushnil(L);
    while (api._lua_next(L, idx) !== 0) {
      const k = api._lua_type(L, -2) === LUA_TNUMBER ? api._lua_tonumberx(L, -2, 0) : 0;
      if (k >= 1 && Math.floor(k) === k) {
        if (k > max) max = k;
        items++;
        api._lua_settop(L, -2);
        continue;
      }
      api._lua_settop(L, -3);
      return -1;
    }
    if (sparseRatio > 0 && max > items * sparseRatio && max > sparseSafe) {
      if (!sparseConvert) fail(idx, 'excessively sparse array');
      return -1;
    }
    return max;
  };

  // The value at absolute index idx.
  const append = (idx: number, depth: number): void => {
    switch (api._lua_type(L, idx)) {
      case LUA_TSTRING:
        out += encodeString(rt.toString(L, idx)!);
        return;
      case LUA_TNUMBER:
        appendNumber(idx);
        return;
      case LUA_TBOOLEAN:
        out += api._lua_toboolean(L, idx) !== 0 ? 'true' : 'false';
        return;
      case LUA_TNIL:
      case LUA_TLIGHTUSERDATA: // only cjson.null exists
        out += 'null';
        return;
      case LUA_TTABLE:
        break;
      default:
        fail(idx, 'type not supported');
    }
    depth++;
    if (depth > maxDepth || api._lua_checkstack(L, 3) === 0) raise(rt, L, `Cannot serialise, excessive nesting (${depth})`);
    const len = arrayLength(idx);
    if (len > 0) {
      out += '[';
      for (let i = 1; i <= len; i++) {
        if (i > 1) out += ',';
        api._lua_pushnumber(L, i);
        api._lua_rawget(L, idx);
        append(api._lua_gettop(L), depth);
        api._lua_settop(L, -2);
      }
      out += ']';
      return;
    }
    out += '{';
    let comma = false;
    api._lua_pushnil(L);
    while (api._lua_next(L, idx) !== 0) {
      if (comma) out += ',';
      comma = true;
      const top = api._lua_gettop(L);
      const keyType = api._lua_type(L, top - 1);
      if (keyType === LUA_TNUMBER) {
        out += '"';
        appendNumber(top - 1);
        out += '":';
      } else if (keyType === LUA_TSTRING) {
        out += encodeString(rt.toString(L, top - 1)!) + ':';
      } else {
        fail(top - 1, 'table key must be a number or string');
      }
      append(top, depth);
      api._lua_settop(L, -2);
    }
    out += '}';
  };

  append(1, 0);
  rt.pushString(L, out);
  return 1;
}

// ---- decode -------------------------------------------------------------------------------

const T_OBJ_BEGIN = 0, T_OBJ_END = 1, T_ARR_BEGIN = 2, T_ARR_END = 3, T_STRING = 4, T_NUMBER = 5;
const T_BOOLEAN = 6, T_NULL = 7, T_COLON = 8, T_COMMA = 9, T_END = 10, T_ERROR = 11;
const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER',
  'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_ERROR'];
const SINGLE: Record<number, number> = { 123: T_OBJ_BEGIN, 125: T_OBJ_END, 91: T_ARR_BEGIN, 93: T_ARR_END, 58: T_COLON, 44: T_COMMA };
const UNESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };
/** A value marking an object level on the decoder's stack; array levels hold their next index. */
const OBJECT_LEVEL = 0;

const DECIMAL = /[0-9]*\.?[0-9]*/y;
const EXPONENT = /[eE][-+]?[0-9]+/y;
const HEX_BODY = /[0-9a-fA-F]*\.?[0-9a-fA-F]*/y;
const BINARY_EXPONENT = /[pP][-+]?[0-9]+/y;
const NAN_CHARS = /\([0-9A-Za-z_]*\)/y;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHexDigit = (c: number): boolean => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

function match(re: RegExp, s: string, at: number): number {
  re.lastIndex = at;
  return re.test(s) ? re.lastIndex : at;
}

/** C strtod() at s[p]: the value and the index after it, or null when nothing converts. */
function strtod(s: string, p: number): [number, number] | null {
  let q = p;
  let neg = false;
  const c = s.charCodeAt(q);
  if (c === 43 || c === 45) {
    neg = c === 45;
    q++;
  }
  const word = s.slice(q, q + 8).toLowerCase();
  let value: number;
  let end: number;
  if (word.startsWith('inf')) {
    value = Infinity;
    end = q + (word === 'infinity' ? 8 : 3);
  } else if (word.startsWith('nan')) {
    value = NaN;
    end = match(NAN_CHARS, s, q + 3);
  } else if (s.charCodeAt(q) === 48 && (s.charCodeAt(q + 1) | 0x20) === 120
    && (isHexDigit(s.charCodeAt(q + 2)) || (s.charCodeAt(q + 2) === 46 && isHexDigit(s.charCodeAt(q + 3))))) {
    const bodyEnd = match(HEX_BODY, s, q + 2);
    const [whole = '', frac = ''] = s.slice(q + 2, bodyEnd).split('.');
    value = 0;
    for (const d of whole) value = value * 16 + parseInt(d, 16);
    let scale = 1 / 16;
    for (const d of frac) {
      value += parseInt(d, 16) * scale;
      scale /= 16;
    }
    end = match(BINARY_EXPONENT, s, bodyEnd);
    if (end > bodyEnd) value *= 2 ** Number(s.slice(bodyEnd + 1, end));
  } else {
    const mantissaEnd = match(DECIMAL, s, q);
    const mantissa = s.slice(q, mantissaEnd);
    if (mantissa === '' || mantissa === '.') return null;
    end = match(EXPONENT, s, mantissaEnd);
    value = Number(s.slice(q, end));
  }
  return [neg ? -value : value, end];
}

function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

class JsonDecoder {
  /** Input up to its first NUL, which the C decoder sees as the end. */
  private readonly s: string;
  private pos = 0;
  private depth = 0;
  private type = T_END;
  private str = '';
  private num = 0;
  private bool = false;
  /** 0-based index of the current token (cjson reports index + 1). */
  private index = 0;
  private errorText = '';

  constructor(
    private readonly rt: LuaWasmRuntime,
    private readonly L: LuaState,
    input: string,
    private readonly invalidNumbers: boolean,
    private readonly maxDepth: number,
  ) {
    const nul = input.indexOf('\0');
    this.s = nul < 0 ? input : input.slice(0, nul);
  }

  /** Pushes the decoded document. Containers are built on the Lua stack, one level per table. */
  decode(): void {
    const { api } = this.rt;
    const L = this.L;
    const levels: number[] = [];
    let type = this.next();
    for (;;) {
      // Push the value starting at the current token.
      switch (type) {
        case T_STRING: this.rt.pushString(L, this.str); break;
        case T_NUMBER: api._lua_pushnumber(L, this.num); break;
        case T_BOOLEAN: api._lua_pushboolean(L, this.bool ? 1 : 0); break;
        case T_NULL: api._lua_pushlightuserdata(L, 0); break;
        case T_OBJ_BEGIN:
        case T_ARR_BEGIN: {
          const isObject = type === T_OBJ_BEGIN;
          this.descend();
          api._lua_createtable(L, 0, 0);
          type = this.next();
          if (type === (isObject ? T_OBJ_END : T_ARR_END)) {
            this.depth--;
            break;
          }
          if (isObject) {
            type = this.key();
            levels.push(OBJECT_LEVEL);
          } else {
            api._lua_pushnumber(L, 1);
            levels.push(1);
          }
          continue;
        }
        default:
          this.fail('value');
      }
      // A value is complete on top: store it in its container and close finished containers.
      for (;;) {
        const level = levels[levels.length - 1];
        if (level === undefined) {
          if (this.next() !== T_END) this.fail('the end');
          return;
        }
        api._lua_rawset(L, -3);
        type = this.next();
        if (type === (level === OBJECT_LEVEL ? T_OBJ_END : T_ARR_END)) {
          levels.pop();
          this.depth--;
          continue;
        }
        if (type !== T_COMMA) this.fail(level === OBJECT_LEVEL ? 'comma or object end' : 'comma or array end');
        type = this.next();
        if (level === OBJECT_LEVEL) {
          type = this.key();
        } else {
          levels[levels.length - 1] = level + 1;
          api._lua_pushnumber(L, level + 1);
        }
        break;
      }
    }
  }

  /** An object key and its colon; returns the type of the value's first token. */
  private key(): number {
    if (this.type !== T_STRING) this.fail('object key string');
    this.rt.pushString(this.L, this.str);
    if (this.next() !== T_COLON) this.fail('colon');
    return this.next();
  }

  private descend(): void {
    this.depth++;
    if (this.depth > this.maxDepth || this.rt.api._lua_checkstack(this.L, 3) === 0) {
      raise(this.rt, this.L, `Found too many nested data structures (${this.depth}) at character ${this.pos}`);
    }
  }

  private fail(expected: string): never {
    const found = this.type === T_ERROR ? this.errorText : TOKEN_NAMES[this.type];
    return raise(this.rt, this.L, `Expected ${expected} but found ${found} at character ${this.index + 1}`);
  }

  private error(text: string, at: number): void {
    this.type = T_ERROR;
    this.errorText = text;
    this.index = at;
  }

  /** Reads the next token and returns its type. */
  private next(): number {
    this.scan();
    return this.type;
  }

  private scan(): void {
    const s = this.s;
    let p = this.pos;
    let c = s.charCodeAt(p);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = s.charCodeAt(++p);
    this.index = p;
    if (p >= s.length) {
      this.type = T_END;
      this.pos = p;
      return;
    }
    const single = SINGLE[c];
    if (single !== undefined) {
      this.type = single;
      this.pos = p + 1;
      return;
    }
    this.pos = p;
    if (c === 34) return this.stringToken();
    if (c === 45 || isDigit(c)) {
      if (!this.invalidNumbers && this.isInvalidNumber(p)) return this.error('invalid number', p);
      return this.numberToken();
    }
    if (s.startsWith('true', p) || s.startsWith('false', p)) {
      this.type = T_BOOLEAN;
      this.bool = c === 116;
      this.pos = p + (this.bool ? 4 : 5);
      return;
    }
    if (s.startsWith('null', p)) {
      this.type = T_NULL;
      this.pos = p + 4;
      return;
    }
    if (this.invalidNumbers && this.isInvalidNumber(p)) return this.numberToken();
    this.error('invalid token', p);
  }

  /** json_is_invalid_number(): things strtod takes that JSON forbids (+1, 0x1, 01, inf, nan). */
  private isInvalidNumber(p: number): boolean {
    const s = this.s;
    let c = s.charCodeAt(p);
    if (c === 43) return true;
    if (c === 45) c = s.charCodeAt(++p);
    if (c === 48) {
      const c2 = s.charCodeAt(p + 1);
      return (c2 | 0x20) === 120 || isDigit(c2);
    }
    if (Number.isNaN(c) || c <= 57) return false;
    const word = s.slice(p, p + 3).toLowerCase();
    return word === 'inf' || word === 'nan';
  }

  private numberToken(): void {
    // Plain integers (the common case) need no strtod emulation.
    const s = this.s;
    let p = this.pos + (s.charCodeAt(this.pos) === 45 ? 1 : 0);
    const digits = p;
    while (isDigit(s.charCodeAt(p))) p++;
    const c = s.charCodeAt(p);
    if (p > digits && p - digits < 16 && c !== 46 && (c | 0x20) !== 101 && (c | 0x20) !== 120) {
      this.type = T_NUMBER;
      this.num = Number(s.slice(this.pos, p));
      this.pos = p;
      return;
    }
    const parsed = strtod(s, this.pos);
    if (parsed === null) return this.error('invalid number', this.pos);
    this.type = T_NUMBER;
    this.num = parsed[0];
    this.pos = parsed[1];
  }

  private stringToken(): void {
    const s = this.s;
    let p = this.pos + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      if (p >= s.length) {
        this.pos = p;
        return this.error('unexpected end of string', p);
      }
      const c = s.charCodeAt(p);
      if (c === 34) break;
      if (c !== 92) {
        p++;
        continue;
      }
      out += s.slice(chunk, p);
      const e = s.charCodeAt(p + 1);
      if (e === 117) {
        const escaped = this.unicodeEscape(p);
        if (escaped === null) return this.error('invalid unicode escape code', p);
        out += escaped[0];
        p += escaped[1];
      } else {
        const plain = UNESCAPES[e];
        if (plain === undefined) return this.error('invalid escape code', p);
        out += plain;
        p += 2;
      }
      chunk = p;
    }
    this.type = T_STRING;
    this.str = out + s.slice(chunk, p);
    this.pos = p + 1;
  }

  /** A \uXXXX escape (or surrogate pair) at p as UTF-8 bytes, and its length; null if invalid. */
  private unicodeEscape(p: number): [string, number] | null {
    const hex4 = (at: number): number => {
      const h = this.s.slice(at, at + 4);
      return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
    };
    let cp = hex4(p + 2);
    if (cp < 0) return null;
    if ((cp & 0xf800) !== 0xd800) return [utf8(cp), 6];
    if ((cp & 0x400) !== 0 || this.s.slice(p + 6, p + 8) !== '\\u') return null;
    const low = hex4(p + 8);
    if (low < 0 || (low & 0xfc00) !== 0xdc00) return null;
    cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
    return [utf8(cp), 12];
  }
}

/** cjson.decode core. Stack: JSON text (a string), decode_invalid_numbers, decode_max_depth. */
export function jsonDecode(rt: LuaWasmRuntime, L: LuaState): number {
  const api = rt.api;
  const text = rt.toString(L, 1) ?? '';
  const invalidNumbers = api._lua_toboolean(L, 2) !== 0;
  const maxDepth = api._lua_tonumberx(L, 3, 0);
  if (text.length >= 2 && (text.charCodeAt(0) === 0 || text.charCodeAt(1) === 0)) {
    raise(rt, L, 'JSON parser does not support UTF-16 or UTF-32');
  }
  api._lua_settop(L, 0);
  new JsonDecoder(rt, L, text, invalidNumbers, maxDepth).decode();
  return 1;
}
