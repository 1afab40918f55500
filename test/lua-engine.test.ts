// The Lua engine against the real thing: every differential case runs as EVAL on a throwaway
// redis-server and through LuaEngine with a small in-memory host, and the replies must match.
// Replies are read with a raw RESP2/RESP3 parser because client libraries blur the distinctions
// (status vs bulk, RESP3 types) that are being compared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { LuaEngine, type ScriptHost, type ScriptValue } from '../src/scripting/lua-engine.js';
import { formatDouble17g } from '../src/scripting/format-double.js';

// ---- a throwaway redis-server ------------------------------------------------------------

let server: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(p));
    });
  });
}

/** One RESP connection; replies are parsed into ScriptValues. */
class RespConn {
  private buf = '';
  private waiters: Array<() => void> = [];
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(p: number): Promise<RespConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(p, '127.0.0.1', () => resolve(new RespConn(sock)));
      sock.once('error', reject);
    });
  }

  async command(...args: string[]): Promise<ScriptValue> {
    this.sock.write(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
    for (;;) {
      const parsed = parseResp(this.buf, 0);
      if (parsed !== null) {
        this.buf = this.buf.slice(parsed[1]);
        return parsed[0];
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Parses one reply at `at`; null when incomplete. Iterative: Redis nests replies 8000 deep. */
function parseResp(s: string, at: number): [ScriptValue, number] | null {
  interface Frame { kind: string; want: number; items: ScriptValue[] }
  const stack: Frame[] = [];
  let pos = at;
  for (;;) {
    const eol = s.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const kind = s[pos]!;
    const line = s.slice(pos + 1, eol);
    pos = eol + 2;
    let value: ScriptValue | null = null;
    switch (kind) {
      case '+': value = { t: 'status', v: line }; break;
      case '-': value = { t: 'error', v: line }; break;
      case ':': value = { t: 'int', v: BigInt(line) }; break;
      case '_': value = { t: 'nil' }; break;
      case '#': value = { t: 'bool', v: line === 't' }; break;
      case ',': value = { t: 'double', v: line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line) }; break;
      case '(': value = { t: 'bignum', v: line }; break;
      case '$': case '=': {
        if (line === '-1') { value = { t: 'nil' }; break; }
        const n = Number(line);
        if (s.length < pos + n + 2) return null;
        const body = s.slice(pos, pos + n);
        pos += n + 2;
        value = kind === '$' ? { t: 'bulk', v: body } : { t: 'verbatim', format: body.slice(0, 3), v: body.slice(4) };
        break;
      }
      case '*': case '~': case '%': {
        if (line === '-1') { value = { t: 'nil' }; break; }
        const want = Number(line) * (kind === '%' ? 2 : 1);
        if (want > 0) { stack.push({ kind, want, items: [] }); continue; }
        value = kind === '*' ? { t: 'array', v: [] } : kind === '~' ? { t: 'set', v: [] } : { t: 'map', v: [] };
        break;
      }
      default:
        throw new Error(`unexpected RESP type ${JSON.stringify(kind)}`);
    }
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return [value, pos];
      top.items.push(value);
      if (top.items.length < top.want) break;
      stack.pop();
      if (top.kind === '*') value = { t: 'array', v: top.items };
      else if (top.kind === '~') value = { t: 'set', v: top.items };
      else {
        const pairs: [ScriptValue, ScriptValue][] = [];
        for (let i = 0; i < top.items.length; i += 2) pairs.push([top.items[i]!, top.items[i + 1]!]);
        value = { t: 'map', v: pairs };
      }
    }
  }
}

// ---- the in-test host --------------------------------------------------------------------

const store = new Map<string, string | Map<string, string> | Map<string, number>>();
const ARITY: Record<string, number> = { ping: -1, set: 3, get: 2, incr: 2, del: -2, hset: -4, hgetall: 2, zadd: 4, zscore: 3 };

function fakeCommand(args: string[]): ScriptValue {
  const name = args[0]!.toLowerCase();
  const arity = ARITY[name];
  if (arity === undefined) return { t: 'error', v: 'ERR Unknown Redis command called from script' };
  if (arity > 0 ? args.length !== arity : args.length < -arity) {
    return { t: 'error', v: 'ERR Wrong number of args calling Redis command from script' };
  }
  const key = args[1]!;
  switch (name) {
    case 'ping': return { t: 'status', v: 'PONG' };
    case 'set': store.set(key, args[2]!); return { t: 'status', v: 'OK' };
    case 'get': {
      const v = store.get(key);
      return typeof v === 'string' ? { t: 'bulk', v } : { t: 'nil' };
    }
    case 'incr': {
      const v = store.get(key) ?? '0';
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return { t: 'error', v: 'ERR value is not an integer or out of range' };
      const n = BigInt(v) + 1n;
      store.set(key, String(n));
      return { t: 'int', v: Number(n) };
    }
    case 'del': return { t: 'int', v: args.slice(1).filter((k) => store.delete(k)).length };
    case 'hset': {
      const h = (store.get(key) as Map<string, string> | undefined) ?? new Map<string, string>();
      store.set(key, h);
      let added = 0;
      for (let i = 2; i < args.length; i += 2) {
        if (!h.has(args[i]!)) added++;
        h.set(args[i]!, args[i + 1]!);
      }
      return { t: 'int', v: added };
    }
    case 'hgetall': {
      const h = (store.get(key) as Map<string, string> | undefined) ?? new Map<string, string>();
      return { t: 'map', v: [...h].map(([f, v]): [ScriptValue, ScriptValue] => [{ t: 'bulk', v: f }, { t: 'bulk', v }]) };
    }
    case 'zadd': {
      const z = (store.get(key) as Map<string, number> | undefined) ?? new Map<string, number>();
      store.set(key, z);
      const added = z.has(args[3]!) ? 0 : 1;
      z.set(args[3]!, Number(args[2]));
      return { t: 'int', v: added };
    }
    case 'zscore': {
      const score = (store.get(key) as Map<string, number> | undefined)?.get(args[2]!);
      return score === undefined ? { t: 'nil' } : { t: 'double', v: score };
    }
  }
  return { t: 'error', v: 'ERR unreachable' };
}

const logs: Array<[number, string]> = [];
const host: ScriptHost = {
  call: (args) => fakeCommand(args),
  log: (level, msg) => { logs.push([level, msg]); },
  shouldAbort: () => false,
};

// ---- comparing -----------------------------------------------------------------------------

/** How Redis writes a ScriptValue on a RESP2 connection. */
function asResp2(v: ScriptValue): ScriptValue {
  switch (v.t) {
    case 'double': return { t: 'bulk', v: formatDouble17g(v.v) };
    case 'bool': return { t: 'int', v: v.v ? 1 : 0 };
    case 'bignum': return { t: 'bulk', v: v.v };
    case 'verbatim': return { t: 'bulk', v: v.v };
    case 'array': return { t: 'array', v: v.v.map(asResp2) };
    case 'set': return { t: 'array', v: v.v.map(asResp2) };
    case 'map': return { t: 'array', v: v.v.flat().map(asResp2) };
    default: return v;
  }
}

/** A comparable form; map and set order follow Lua's table order, which 5.1 and 5.4 don't share. */
function canon(v: ScriptValue): unknown {
  switch (v.t) {
    case 'int': return ['int', String(v.v)];
    case 'double': return ['double', Object.is(v.v, -0) ? '-0' : String(v.v)];
    case 'array': return ['array', v.v.map(canon)];
    case 'set': return ['set', v.v.map((x) => JSON.stringify(canon(x))).sort()];
    case 'map': return ['map', v.v.map(([k, x]) => JSON.stringify([canon(k), canon(x)])).sort()];
    case 'nil': return ['nil'];
    case 'verbatim': return ['verbatim', v.format, v.v];
    default: return [v.t, v.v];
  }
}

let engine: LuaEngine;
let resp2: RespConn;
let resp3: RespConn;

function runLocal(body: string, keys: string[], argv: string[]): ScriptValue {
  const loaded = engine.load(body);
  if ('error' in loaded) return { t: 'error', v: loaded.error };
  return engine.run(loaded.sha, keys, argv, host);
}

interface Case {
  script: string;
  keys?: string[];
  argv?: string[];
  /** Protocol of the calling connection (not the script's redis.setresp). */
  proto?: 2 | 3;
}

async function differential(c: Case): Promise<void> {
  const keys = c.keys ?? [];
  const argv = c.argv ?? [];
  const conn = c.proto === 3 ? resp3 : resp2;
  await conn.command('FLUSHALL');
  store.clear();
  const real = await conn.command('EVAL', c.script, String(keys.length), ...keys, ...argv);
  const mine = runLocal(c.script, keys, argv);
  const expected = canon(real);
  const actual = canon(c.proto === 3 ? mine : asResp2(mine));
  assert.equal(actual, expected, `script: ${c.script}`);
}

test.before(async () => {
  port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  engine = await LuaEngine.create();
  for (let attempt = 0; ; attempt++) {
    try {
      resp2 = await RespConn.connect(port);
      break;
    } catch (e) {
      if (attempt > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.equal(await resp2.command('PING'), { t: 'status', v: 'PONG' });
  resp3 = await RespConn.connect(port);
  await resp3.command('HELLO', '3');
});

test.after(() => {
  resp2?.close();
  resp3?.close();
  if (server?.pid !== undefined) process.kill(server.pid);
});

const sha1 = (s: string): string => createHash('sha1').update(s, 'latin1').digest('hex');

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

const CASES: Case[] = [
  // Lua -> Redis conversion
  { script: 'return 1' },
  { script: 'return -3.99' },
  { script: 'return 3.99' },
  { script: "return 'hello'" },
  { script: 'return true' },
  { script: 'return false' },
  { script: 'return nil' },
  { script: 'return' },
  { script: 'return {1,2,nil,4}' },
  { script: "return {1,'a',{2,{3}},false,true}" },
  { script: 'return {a=1}' },
  { script: 'return {1e20, -1e20, 0/0, 1/0, 9007199254740993, 2^53+1}' },
  { script: 'return function() end' },
  { script: "return {ok='FINE'}" },
  { script: "return {err='My error'}" },
  { script: "return {ok='a\\r\\nb'}" },
  { script: "return {err='a\\r\\nb'}" },
  { script: 'return {ok=5}' },
  { script: 'return {err={}}' },
  { script: "return redis.status_reply('FINE')" },
  { script: "return {redis.error_reply('My error'), redis.error_reply('-x'), redis.error_reply(''), redis.error_reply('MyErr')}" },
  { script: 'return {redis.error_reply(5), redis.status_reply(5)}' },
  { script: "return redis.error_reply('a\\r\\nb c')" },
  // Lua 5.1 number formatting and arithmetic
  { script: "return tostring(1.5*2) .. ' ' .. 10/2 .. ' ' .. tostring(1e15) .. ' ' .. 7/2 .. ' ' .. tostring(2^53) .. ' ' .. tostring(1/3)" },
  { script: 'return tostring(-0.0)' },
  { script: "return {tostring(0.1), tostring(1e100), tostring(-1.5e-7), tostring(2^63), tostring(1/0), tostring(-1/0)}" },
  { script: "return string.format('%d %i %x %X %o %c %e %f %g %s %%', 3.9, -3.9, 255.5, 255, 8, 65.7, 1.5, 1.5, 1e-10, 1.5*2)" },
  { script: "return {string.format('%d', '12.7'), string.format('%d', 2^63), string.format('%5d|%-5d|%05d', 42, 42, 42)}" },
  { script: "return {string.sub('hello', 2.7, 4.2), string.rep('ab', 2.9), string.rep('a', 3, ','), string.char(65.9, 66), string.gsub('abc', 'b', '%x')}" },
  { script: "return {math.floor(3.7), 7 % 3, -7 % 3, math.fmod(-7, 3), math.mod(-7, 3), math.pow(2, 10), math.max(1, 5, 3), tostring(math.huge)}" },
  { script: 'return {tonumber(\'0x10\'), tonumber(\'10\', 2), tonumber(\' 5 \'), tonumber(\'5e2\'), tonumber(\'abc\')}' },
  // KEYS, ARGV and binary safety
  { script: 'return {#KEYS, #ARGV, KEYS[1], ARGV[2]}', keys: ['k1', 'k2'], argv: ['a1', 'a2', 'a3'] },
  { script: 'return ARGV[1]', argv: [ALL_BYTES] },
  { script: "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", keys: ['bin\x00\xff'], argv: [ALL_BYTES] },
  { script: 'return {#ARGV[1], string.byte(ARGV[1], 1, 3), ARGV[1]:sub(254) .. string.char(0, 200)}', argv: [ALL_BYTES] },
  { script: "return redis.sha1hex(ARGV[1])", argv: [ALL_BYTES] },
  // Numbers as redis.call arguments ("%.17g")
  { script: "redis.call('set','f', 0.1) redis.call('set','g', 3.0) redis.call('set','h', 1e20) redis.call('set','i', -0.0) redis.call('set','j', 1/3) redis.call('set', 'k', 123456789012) return {redis.call('get','f'), redis.call('get','g'), redis.call('get','h'), redis.call('get','i'), redis.call('get','j'), redis.call('get','k')}" },
  // Redis -> Lua conversion
  { script: "return redis.call('ping')" },
  { script: "local r = redis.call('ping') return type(r) .. r.ok" },
  { script: "return {redis.call('incr', 'c'), redis.call('incr', 'c'), type(redis.call('get', 'nokey')), tostring(redis.call('get', 'nokey'))}" },
  { script: "redis.call('hset', 'h', 'a', '1') return redis.call('hgetall', 'h')" },
  { script: "redis.call('zadd', 'z', '1.5', 'm') return {redis.call('zscore', 'z', 'm'), redis.call('zscore', 'z', 'nope')}" },
  // call / pcall error shapes
  { script: "redis.call('set', 'x', 'abc') return redis.call('incr', 'x')" },
  { script: "redis.call('set', 'x', 'abc') return redis.pcall('incr', 'x')" },
  { script: "redis.call('set', 'x', 'abc') local e = redis.pcall('incr', 'x') local t = {} for k, v in pairs(e) do t[#t+1] = k .. '=' .. tostring(v) end table.sort(t) return t" },
  { script: "redis.call('set', 'x', 'abc') local ok, e = pcall(redis.call, 'incr', 'x') return {tostring(ok), e}" },
  { script: "redis.call('set', 'x', 'abc') local ok, e = pcall(function() return redis.call('incr', 'x') end) return {tostring(ok), e}" },
  { script: "return redis.call('nosuch')" },
  { script: "return redis.pcall('nosuch')" },
  { script: 'return redis.call()' },
  { script: 'return redis.pcall()' },
  { script: "return redis.call('get', {})" },
  { script: "return redis.pcall('get', nil)" },
  { script: "return redis.call('get', 'a', 'b')" },
  { script: "return redis.pcall('get', 'a', 'b')" },
  // Lua errors
  { script: "error('x')" },
  { script: "error('x', 0)" },
  { script: "error({err='X y'})" },
  { script: "error({err='a\\r\\nb'})" },
  { script: 'error(5)' },
  { script: 'error()' },
  { script: "local function f()\n  error('deep')\nend\nf()" },
  { script: 'local x = nil; return x.y' },
  { script: "local t = {}\nreturn t.a.b" },
  { script: 'local s; return #s' },
  { script: "return 'a' .. {}" },
  { script: "return assert(false, 'nope')" },
  { script: 'return assert(false)' },
  { script: "return assert(nil, {err='TBL x'})" },
  { script: "return {assert(1, 2, 'three')}" },
  { script: "return {pcall(error, 'x')}" },
  { script: "return {pcall(error, {err='E1 x'})}" },
  { script: "return {pcall(error, {ok='x'})}" },
  { script: "return {xpcall(function() error('boom') end, function(m) return 'handled: ' .. m end)}" },
  { script: "local ok, e = pcall(function() local x = nil; return x.y end) return {tostring(ok), e}" },
  { script: 'return 1 +' },
  { script: 'return "a\\d\\.\\x41\\u0041\\zb\\q" .. \'\\e\\\\\\065\' .. [[\\d]] -- "\\d"' },
  { script: "return {string.match('a.b', '\\.'), loadstring('return \"\\\\d\\\\x41\"')()}" },
  { script: "local s = 'a\\\nb' return {#s, s}" },
  { script: 'return #KEYS + #ARGV', keys: ['a', 'b'], argv: ['c', 'd', 'e'] },
  // Sandbox
  { script: 'x = 5 return x' },
  { script: '_G.x = 5' },
  { script: "rawset(_G, 'x', 5) return x" },
  { script: 'return y' },
  { script: 'function f() end' },
  { script: 'string.foo = 1' },
  { script: 'redis.call = nil' },
  { script: "getmetatable('').__index = nil return 1" },
  { script: 'setmetatable(_G, nil) return 1' },
  { script: "KEYS[1] = 'x' return KEYS[1]", keys: ['a'] },
  { script: "return {type(string.foo), rawget(_G, 'redis') ~= nil, rawget(_G, 'nope') == nil}" },
  { script: 'return os.time()' },
  { script: 'return io' },
  { script: "print('x')" },
  { script: "return require('x')" },
  { script: 'return dofile' },
  { script: 'return setfenv' },
  { script: 'return debug' },
  { script: "local t = {} for k in pairs(_G) do t[#t+1] = k end table.sort(t) return t" },
  { script: "local out = {} for _, lib in ipairs({'redis', 'math', 'string', 'table', 'coroutine', 'cjson', 'cmsgpack', 'bit', 'struct'}) do local t = {} for k in pairs(_G[lib]) do t[#t+1] = k end table.sort(t) out[#out+1] = lib .. ': ' .. table.concat(t, ' ') end return out" },
  { script: "return {_VERSION, type(unpack), type(loadstring), type(gcinfo), type(math.mod), type(string.gfind), type(table.getn)}" },
  // Lua 5.1 library behaviour
  { script: "return {table.getn({1,2,3}), select('#', unpack({1, 2, nil, 4})), table.maxn({[5]=1, [2.5]=1})}" },
  { script: "local t = {} table.insert(t, 5, 'x') return {#t, t[5]}" },
  { script: "local t = {1,2,3} table.insert(t, 2, 'x') return t" },
  { script: "local t = {1,2,3} return {table.remove(t, 7), #t}" },
  { script: "local t = {1,2,3} local v = table.remove(t, 1) return {v, t[1], t[2], t[3]}" },
  { script: 'return {pcall(table.setn, {}, 1)}' },
  { script: "local s = '' table.foreachi({'a','b'}, function(i, v) s = s .. i .. v end) return s" },
  { script: "return table.concat({1, 2.5, 'x', 3.0}, ',')" },
  { script: "return loadstring('return 1 + 1')()" },
  { script: "return {loadstring('syntax error')}" },
  { script: "local f = loadstring('x = 1') return {pcall(f)}" },
  { script: "return tostring(load('return 5'))" },
  { script: 'return {coroutine.running()}' },
  { script: 'local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) return {x, y, coroutine.status(co)}' },
  { script: "local f = coroutine.wrap(function() error('boom') end) f()" },
  { script: "local co = coroutine.create(function() error('boom') end) return {coroutine.resume(co)}" },
  { script: "local co = coroutine.create(function() error({err='E x'}) end) local ok, e = coroutine.resume(co) return {tostring(ok), e}" },
  { script: "return {type(getmetatable(_G)), type(getmetatable('')), getmetatable('').__index == string, tostring(nil), #KEYS}" },
  { script: "return {select(-1, 'a', 'b'), select(2, 'a', 'b', 'c')}" },
  { script: "local t = {} for w in string.gfind('one two', '%a+') do t[#t+1] = w end return t" },
  { script: "return {math.ldexp(1, 4), math.frexp(8), math.log10(1000), math.sinh(0), math.cosh(0), math.tanh(0), math.atan2(1, 1) * 4}" },
  { script: "math.randomseed(42) local r = {} for i = 1, 3 do r[#r+1] = tostring(math.random()) end r[#r+1] = math.random(10) r[#r+1] = math.random(5, 100) return r" },
  { script: "math.randomseed(-7) return {math.random(1000000), math.random(3.9)}" },
  { script: 'local r = math.random(0) return r' },
  { script: "local r = math.random(1, 2, 3) return r" },
  { script: "local r = math.random('x') return r" },
  { script: "return {tostring(gcinfo() > 0), tostring(collectgarbage('count') > 0)}" },
  // redis.* helpers
  { script: "return {redis.sha1hex(''), redis.sha1hex(5)}" },
  { script: 'return redis.sha1hex()' },
  { script: "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL, redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}" },
  { script: "return redis.log(redis.LOG_DEBUG, 'hello', 'world', 5)" },
  { script: 'return redis.log()' },
  { script: "return redis.log(99, 'x')" },
  { script: "return redis.log('x', 'y')" },
  { script: 'return {redis.set_repl(redis.REPL_ALL), redis.replicate_commands(), redis.breakpoint(), redis.debug(1)}' },
  { script: 'return redis.set_repl(99)' },
  { script: 'return redis.set_repl()' },
  { script: 'return redis.setresp(4)' },
  { script: 'return redis.setresp()' },
  // RESP3
  { script: 'redis.setresp(3) return {true, false}' },
  { script: 'redis.setresp(3) return true', proto: 3 },
  { script: 'redis.setresp(3) return false', proto: 3 },
  { script: 'return false', proto: 3 },
  { script: 'return {double=3.5}', proto: 3 },
  { script: 'return {double=3.5}' },
  { script: "return {double='3.5'}", proto: 3 },
  { script: 'redis.setresp(3) return {double=1/0}', proto: 3 },
  { script: 'return {map={a=1}}', proto: 3 },
  { script: 'return {map={a=1, b={1, 2}, c={err=\'x\'}}}', proto: 3 },
  { script: 'return {map={a=1}}' },
  { script: 'return {set={a=true, b=true}}', proto: 3 },
  { script: 'return {set={a=true}}' },
  { script: "return {big_number='123456789012345678901234567890'}", proto: 3 },
  { script: "return {big_number='12\\r\\n3'}", proto: 3 },
  { script: "return {big_number='123'}" },
  { script: "return {verbatim_string={format='txt', string='hello'}}", proto: 3 },
  { script: "return {verbatim_string={format='markdown', string='hello'}}", proto: 3 },
  { script: "return {verbatim_string={format='txt', string='hello'}}" },
  { script: "return {map={}, err='E x'}", proto: 3 },
  { script: "redis.call('hset', 'h', 'a', '1') redis.setresp(3) local r = redis.call('hgetall', 'h') return {type(r), type(r.map), r.map.a}" },
  { script: "redis.call('hset', 'h', 'a', '1') redis.setresp(3) return redis.call('hgetall', 'h')", proto: 3 },
  { script: "redis.call('zadd', 'z', '1.5', 'm') redis.setresp(3) local r = redis.call('zscore', 'z', 'm') return {type(r), tostring(r.double)}" },
  { script: "redis.setresp(3) return {type(redis.call('get', 'nokey'))}" },
  { script: "redis.setresp(3) return redis.call('get', 'nokey')", proto: 3 },
  // cjson
  { script: "return cjson.encode({1,2,3,'a',true,false,cjson.null})" },
  { script: 'return {cjson.encode({}), cjson.encode({a={}}), cjson.encode(nil), cjson.encode({a=cjson.null})}' },
  { script: "return cjson.encode('a\"b\\\\c/d\\n\\r\\t\\b\\f' .. string.char(0, 1, 31, 127, 128, 255))" },
  { script: 'return {cjson.encode(1/3), cjson.encode(1e20), cjson.encode(123456789012345), cjson.encode(-0.0), cjson.encode({[1]=1,[3]=3}), cjson.encode({[1.5]=1}), cjson.encode({[-1]=1})}' },
  { script: 'return cjson.encode(1/0)' },
  { script: 'return cjson.encode({[1]=1,[12]=3})' },
  { script: 'return cjson.encode({[true]=1})' },
  { script: 'return cjson.encode(function() end)' },
  { script: 'return cjson.encode()' },
  { script: "local t = {} local c = t for i = 1, 1001 do c[1] = {} c = c[1] end return cjson.encode(t)" },
  { script: "local t = cjson.decode('[1,\"a\",null,true,false,1.5,-2e3,{\"k\":[]}]') return {t[1], t[2], type(t[3]), tostring(t[3] == cjson.null), tostring(t[4]), tostring(t[5]), tostring(t[6]), tostring(t[7]), type(t[8].k), tostring(cjson.null)}" },
  { script: "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\\\\/\\\\n\"')" },
  { script: "return {tostring(cjson.decode('12345678901234567890')), tostring(cjson.decode('0x10')), tostring(cjson.decode('-0')), cjson.decode('01'), cjson.decode('1.'), tostring(cjson.decode('Infinity')), tostring(cjson.decode('nan')), tostring(cjson.decode('1e400'))}" },
  { script: "return cjson.encode(cjson.decode('{\"a\":{\"b\":[1,2,{\"c\":null}]}}'))" },
  { script: "return cjson.decode('x')" },
  { script: "return cjson.decode('[1,2')" },
  { script: "return cjson.decode('{\"a\":1,}')" },
  { script: "return cjson.decode('[1] x')" },
  { script: "return cjson.decode('\"\\\\x\"')" },
  { script: "return cjson.decode('\"\\\\ud800\"')" },
  { script: "return cjson.decode('\"abc')" },
  { script: "return cjson.decode('')" },
  { script: "return cjson.decode('-')" },
  { script: "return cjson.decode('{1:2}')" },
  { script: "return cjson.decode('{\"a\" 2}')" },
  { script: "return cjson.decode(string.rep('[', 1001))" },
  { script: 'return cjson.decode()' },
  { script: "return {pcall(cjson.decode, 'x')}" },
  { script: "return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers(), cjson.encode_keep_buffer(), cjson._NAME, cjson._VERSION}" },
  { script: 'return {cjson.encode_sparse_array()}' },
  { script: "local t = cjson.decode('{\"a\":[{},{\"b\":[1,[2,[3e2,-0.5,1.5E-3]]]}],\"c\":\"\\u0000x\"}') return {t.a[2].b[1], t.a[2].b[2][2][1], tostring(t.a[2].b[2][2][2]), tostring(t.a[2].b[2][2][3]), #t.c, next(t.a[1])}" },
  { script: "return {cjson.decode('[1]' .. string.char(0) .. 'garbage')[1], cjson.decode(' true '), cjson.decode('false'), type(cjson.decode('null'))}" },
  { script: "return cjson.decode('[1,' .. string.char(0) .. ']')" },
  { script: "return cjson.decode(string.char(0, 49))" },
  { script: "return cjson.decode('+1')" },
  { script: "return {cjson.decode('[\"a\\tb\\\"c\"]')[1], cjson.encode(cjson.decode('\"\\u00ff\\u0101\\uffff\"'))}" },
  { script: "return cjson.decode(123)" },
  { script: "return cjson.decode({})" },
  { script: "local big = {} for i = 1, 1000 do big[i] = {i, tostring(i), i / 7} end local s = cjson.encode(big) return {#s, redis.sha1hex(s), #cjson.decode(s), cjson.decode(s)[500][3]}" },
  { script: "cjson.encode_number_precision(3) local s = cjson.encode({1/3, 12345}) cjson.encode_number_precision(14) return s" },
  { script: "cjson.encode_invalid_numbers(true) local a = cjson.encode({1/0, -1/0}) cjson.encode_invalid_numbers('null') local b = cjson.encode({0/0}) cjson.encode_invalid_numbers(false) return {a, b}" },
  { script: "cjson.encode_sparse_array(true) local a = cjson.encode({[1]=1, [20]=2}) cjson.encode_sparse_array(false) return a" },
  { script: 'return cjson.encode_max_depth(0)' },
  { script: "return cjson.encode_invalid_numbers('maybe')" },
  { script: "return {cjson.new().encode({1, 'x'}), cjson.new().decode('[2]')[1]}" },
  { script: "cjson.decode_invalid_numbers(false) local ok, e = pcall(cjson.decode, '0x10') cjson.decode_invalid_numbers(true) return {tostring(ok), e}" },
  // cmsgpack
  { script: 'return cmsgpack.pack(1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -128, -129, -32768, -32769, 4294967295, 4294967296, -2147483648, -2147483649)' },
  { script: 'return cmsgpack.pack(1.5, 0.1, 1/0, 0/0, 2^63, -2^63, 2^64, 1e300, -0.0, 2^31, 2^32-0.5, 2^53+1)' },
  { script: "return cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 300), ARGV[1])", argv: [ALL_BYTES] },
  { script: "return cmsgpack.pack({}, {1,2,3}, {a=1}, {1,nil,3}, true, false, nil, function() end, cjson.null)" },
  { script: 'return cmsgpack.pack({{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}})' },
  { script: "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2,{3}}, true, 1.5, ARGV[1]))}", argv: [ALL_BYTES] },
  { script: "local a = cmsgpack.unpack(cmsgpack.pack({a=1,b={c='d'}})) return {a.a, a.b.c}" },
  { script: "return {tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')), tostring(cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0')), tostring(cmsgpack.unpack('\\202\\63\\192\\0\\0')), tostring(cmsgpack.unpack('\\203\\63\\185\\153\\153\\153\\153\\153\\154'))}" },
  { script: "return {cmsgpack.unpack('\\217\\3abc\\218\\0\\2xy\\220\\0\\2\\1\\2')}" },
  { script: "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}" },
  { script: "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)}" },
  { script: "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}" },
  { script: "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 5, 1)}" },
  { script: "return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 7)" },
  { script: "return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), -1)" },
  { script: "return cmsgpack.unpack('\\196\\1a')" },
  { script: "return cmsgpack.unpack('\\146\\1')" },
  { script: "return cmsgpack.unpack('\\165abc')" },
  { script: "return cmsgpack.unpack('\\129\\192\\1')" },
  { script: 'return cmsgpack.pack()' },
  { script: "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}" },
  // bit
  { script: "return {bit.tobit(0xffffffff), bit.tobit(2^32+1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^53), bit.tobit(1/0), bit.tobit('10'), bit.tobit(2^31), bit.tobit(-2^31-1), bit.tobit(4294967295.5)}" },
  { script: 'return {bit.band(0xff, 0x0f, 0x3), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0), bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 4), bit.ror(0x12345678, 4), bit.bswap(0x12345678), bit.rol(5, 0)}' },
  { script: 'return {bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(0x12345678, 12), bit.tohex(1, 0)}' },
  { script: 'local r = bit.band() return r' },
  { script: "local r = bit.band('x') return r" },
  { script: 'local r = bit.band(1, {}) return r' },
  { script: 'local r = bit.tohex(1, nil) return r' },
  // struct
  { script: "return struct.pack('>i2 <I4 b B h H', 1, 2, -1, 255, -2, 65535)" },
  { script: "return {struct.pack('l L T', -1, 1, 2), struct.pack('d f', 1.5, 0.25), struct.pack('s c3 c0', 'ab', 'xyz', 'hello')}" },
  { script: "return {struct.pack('!4 b i', 1, 2), struct.pack('b x i', 1, 2), struct.pack('!b i', 1, 2), struct.pack('!2 b d', 1, 2), struct.pack('i16', -1)}" },
  { script: "return {struct.pack('B', 3.7), struct.pack('B', 256), struct.pack('b', -1.7), struct.pack('>I3', 70000)}" },
  { script: "return struct.pack('=i', 1)" },
  { script: "return struct.pack('i40', 1)" },
  { script: "return struct.pack('!3 i', 1)" },
  { script: "return struct.pack('i', 'x')" },
  { script: "return struct.pack('c5', 'abc')" },
  { script: "return {struct.unpack('>i2 <I4 b B', struct.pack('>i2 <I4 b B', 1, 2, -1, 255))}" },
  { script: "return {struct.unpack('s c2', 'hello\\0xyz')}" },
  { script: "return {struct.unpack('b c0', '\\3abcdef')}" },
  { script: "return {struct.unpack('b', 'abc', 2)}" },
  { script: "return {tostring(struct.unpack('L', '\\255\\255\\255\\255\\255\\255\\255\\255')), tostring(struct.unpack('l', '\\255\\255\\255\\255\\255\\255\\255\\255')), tostring(struct.unpack('>I3', '\\255\\0\\1')), tostring(select(2, struct.unpack('d f', struct.pack('d f', 1.5, 0.1))))}" },
  { script: "return {struct.unpack('i3', '\\255\\255\\255')}" },
  { script: "return {struct.size('i b d'), struct.size('!i b d'), struct.size('c10'), struct.size('>h'), struct.size('c')}" },
  { script: "return {struct.unpack('c0', 'abc')}" },
  { script: "return {struct.unpack('i', 'ab')}" },
  { script: "return {struct.unpack('s', 'abc')}" },
  { script: "return {struct.unpack('b', 'abc', 0)}" },
  { script: "return struct.size('s')" },
  { script: "return struct.size('c0')" },
  // Shebang
  { script: '#!lua\nreturn 1' },
  { script: '#!lua flags=no-writes,allow-oom\nreturn 2' },
  { script: '#!lua flags=no-cluster\nreturn 3' },
  { script: "#!lua   flags=no-writes   \nreturn error('x')" },
  { script: '#!lua flags=bogus\nreturn 2' },
  { script: '#!lua name=foo\nreturn 2' },
  { script: '#!python\nreturn 2' },
  { script: '#! lua\nreturn 3' },
  { script: '#!lua' },
  { script: '#!lua flags=allow-cross-slot-keys,allow-stale\nreturn 1' },
  { script: '#!lua flags=no-writes,\nreturn 1' },
  { script: '#!lua "flags=no-writes"\nreturn 1' },
  { script: "#!lua 'flags=x\nreturn 1" },
];

for (const [i, c] of CASES.entries()) {
  test(`differential #${i + 1}: ${c.script.slice(0, 70).replace(/\n/g, '\\n')}`, () => differential(c));
}

test('self-referencing tables nest as deep as Redis goes, then end in its stack-limit error', async () => {
  const script = 'local t = {} t[1] = t return t';
  // Walked iteratively: the reply is ~8000 levels deep.
  const shape = (v: ScriptValue): [number, ScriptValue] => {
    let depth = 0;
    while (v.t === 'array' && v.v.length === 1) {
      v = v.v[0]!;
      depth++;
    }
    return [depth, v];
  };
  const real = shape(await resp2.command('EVAL', script, '0'));
  assert.equal(shape(runLocal(script, [], [])), real);
  assert.equal(real, [7995, { t: 'error', v: 'ERR reached lua stack limit' }]);
});

test('SCRIPT KILL: same error as Redis, and pcall cannot swallow it', async () => {
  const script = "local i = 0\nwhile true do pcall(function() i = i + 1 end) end";
  await resp2.command('CONFIG', 'SET', 'busy-reply-threshold', '50');
  const killer = await RespConn.connect(port);
  const pending = resp2.command('EVAL', script, '0');
  let killed: ScriptValue = { t: 'nil' };
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 30));
    killed = await killer.command('SCRIPT', 'KILL');
    if (killed.t === 'status') break;
  }
  killer.close();
  assert.equal(killed, { t: 'status', v: 'OK' });
  const real = await pending;

  let polls = 0;
  const loaded = engine.load(script);
  assert.ok(!('error' in loaded));
  const mine = engine.run(loaded.sha, [], [], { ...host, shouldAbort: () => ++polls >= 3 });
  assert.equal(mine, real);
  assert.is(polls, 3);
  // The hook is back to counting instructions for the next script.
  assert.equal(runLocal('local n = 0 for i = 1, 300000 do n = n + i end return n', [], []), { t: 'int', v: 45000150000 });
});

test('redis.log reaches the host with Redis argument joining', () => {
  logs.length = 0;
  runLocal("redis.log(redis.LOG_WARNING, 'a', 1.5, {}, 'b')", [], []);
  assert.equal(logs, [[3, 'a 1.5 b']]);
});

test('RESP3 host replies become Redis’ Lua tables; RESP2 scripts see them downgraded', () => {
  const replies: ScriptValue[] = [
    { t: 'bool', v: true },
    { t: 'bool', v: false },
    { t: 'bignum', v: '1234567890123456789012' },
    { t: 'verbatim', v: 'some text', format: 'txt' },
    { t: 'double', v: 0.1 },
    { t: 'nil' },
    { t: 'set', v: [{ t: 'bulk', v: 'm' }] },
  ];
  let next = 0;
  const h: ScriptHost = { ...host, call: () => replies[next++]! };
  const body = `
    local r = {}
    for i = 1, 7 do
      local v = redis.call('x')
      if type(v) == 'table' then
        local parts = {}
        for k, x in pairs(v) do
          if type(x) == 'table' then
            local inner = {}
            for k2, x2 in pairs(x) do inner[#inner + 1] = tostring(k2) .. '=' .. tostring(x2) end
            table.sort(inner)
            x = '{' .. table.concat(inner, ',') .. '}'
          end
          parts[#parts + 1] = k .. ':' .. tostring(x)
        end
        table.sort(parts)
        v = table.concat(parts, ';')
      end
      r[i] = type(v) .. ' ' .. tostring(v)
    end
    return r`;
  const run = (prefix: string): ScriptValue => {
    next = 0;
    const loaded = engine.load(prefix + body);
    assert.ok(!('error' in loaded));
    return engine.run(loaded.sha, [], [], h);
  };
  const bulks = (xs: string[]): ScriptValue => ({ t: 'array', v: xs.map((v): ScriptValue => ({ t: 'bulk', v })) });
  assert.equal(run('redis.setresp(3)'), bulks([
    'boolean true', 'boolean false', 'string big_number:1234567890123456789012',
    'string verbatim_string:{format=txt,string=some text}', 'string double:0.1', 'nil nil', 'string set:{m=true}',
  ]));
  assert.equal(run(''), bulks([
    'number 1', 'number 0', 'string 1234567890123456789012', 'string some text',
    'string 0.10000000000000001', 'boolean false', 'string 1:m',
  ]));
});

test('script cache: load, has, flush, NOSCRIPT', () => {
  const loaded = engine.load('return 42');
  assert.ok(!('error' in loaded));
  if ('error' in loaded) return;
  assert.is(loaded.sha, sha1('return 42'));
  assert.ok(engine.has(loaded.sha) && engine.has(loaded.sha.toUpperCase()));
  const withShebang = '#!lua flags=no-writes,allow-stale\nreturn 1';
  assert.equal(engine.load(withShebang), { sha: sha1(withShebang), flags: ['no-writes', 'allow-stale'], shebang: true });
  assert.equal(engine.get(sha1('return 42')), { sha: sha1('return 42'), flags: [], shebang: false });
  engine.flush();
  assert.not.ok(engine.has(loaded.sha));
  assert.equal(engine.run(loaded.sha, [], [], host), { t: 'error', v: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.equal(runLocal('return 42', [], []), { t: 'int', v: 42 });
  assert.ok(engine.memoryUsage() > 0);
});

test('a throwing host becomes a script error, not a crash', () => {
  const h: ScriptHost = { ...host, call: () => { throw new Error('boom'); } };
  const loaded = engine.load("return redis.pcall('get', 'x')");
  assert.ok(!('error' in loaded));
  if ('error' in loaded) return;
  assert.equal(engine.run(loaded.sha, [], [], h), { t: 'error', v: 'ERR boom' });
  assert.equal(runLocal('return 1', [], []), { t: 'int', v: 1 });
});

test.run();
