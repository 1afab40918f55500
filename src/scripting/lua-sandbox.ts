// The last part of the init chunk (after LUA_HEADER and LUA_LIBS): turns a stock Lua 5.4 state
// into what Redis 7.0 scripts see — Lua 5.1's library surface, Redis' `redis` table and PRNG,
// read-only globals with Redis' error texts — and returns the message handler and the runner the
// engine calls. Chunks loaded with the name "=ferrite" count as internal: errors they raise are
// reported at the script line that called into them, as Redis' C libraries would.

import { LUA_FUNCTIONS } from './lua-functions.js';

export const INTERNAL_CHUNK_NAME = '=ferrite';
/** How Lua prints positions inside internal chunks ("ferrite:12: ..."). */
const INTERNAL_POSITION = `^${INTERNAL_CHUNK_NAME.slice(1)}:%d+: `;

export const LUA_SANDBOX = String.raw`
local INTERNAL = '${INTERNAL_CHUNK_NAME}'
local INTERNAL_POSITION = '${INTERNAL_POSITION}'
local G = _G
local real = {}
local proxied = setmetatable({}, { __mode = 'k' })
local shown_mt = setmetatable({}, { __mode = 'k' })
local trampolines = setmetatable({}, { __mode = 'k' })
-- The coroutine the engine runs the current script in, recorded by runner().
local script_thread
local running = coroutine.running

-- Library functions run behind a C closure so that a tail call from a script
-- ("return cjson.decode(x)") keeps the script's frame, whose line errors must name. The
-- closure costs a JS round trip per call, so only functions that are expensive anyway (or
-- whose point is to raise errors) get one.
local function c_entry(f)
  local c = api.cwrap(f)
  trampolines[c] = true
  return c
end

-- Wraps a library's Lua-implemented functions; C functions report errors themselves.
local function c_entries(lib)
  for k, v in next, lib do
    if type(v) == 'function' and getinfo(v, 'S').what == 'Lua' then lib[k] = c_entry(v) end
  end
  return lib
end

-- The frame Redis would name for an error raised at stack level 'level' (relative to the
-- caller): the raiser itself when it is Lua code, else its caller, skipping Ferrite's internals.
local function blamed_frame(level)
  level = level + 1
  local info = getinfo(level, 'Slf')
  if info and info.what == 'C' and not trampolines[info.func] then
    level = level + 1
    info = getinfo(level, 'Slf')
  end
  while info and (info.source == INTERNAL or trampolines[info.func]) do
    level = level + 1
    info = getinfo(level, 'Slf')
  end
  return info
end

-- Lua 5.4 words runtime errors differently from the 5.1 that Redis scripts (and their tests) know.
local function to51(op, tname, kind, name)
  if kind == 'constant' then return 'attempt to ' .. op .. ' a ' .. tname .. ' value' end
  return 'attempt to ' .. op .. ' ' .. kind .. " '" .. name .. "' (a " .. tname .. ' value)'
end

local function fix_message(msg, info)
  if type(msg) ~= 'string' then return msg end
  if s_find(msg, INTERNAL_POSITION) then
    local prefix = ''
    if info and info.currentline > 0 then prefix = info.short_src .. ':' .. info.currentline .. ': ' end
    msg = s_gsub(msg, INTERNAL_POSITION, function() return prefix end, 1)
  end
  return (s_gsub(msg, "attempt to ([%a ]-) an? (%a+) value %((%a+) '(.-)'%)", to51))
end

-- Base library -----------------------------------------------------------------------------

local function readonly_error()
  error('Attempt to modify a readonly table', 2)
end

local function protect(t)
  local view = setmetatable({}, {
    __index = t,
    __newindex = readonly_error,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
  })
  proxied[view] = t
  shown_mt[view] = false
  return view
end

do
  local rawget, rawset, next, getmetatable, setmetatable = rawget, rawset, next, getmetatable, setmetatable

  real.rawget = function(t, k) return rawget(proxied[t] or t, k) end
  real.next = function(t, k) return next(proxied[t] or t, k) end
  real.rawset = function(t, k, v)
    if proxied[t] then error('Attempt to modify a readonly table', 0) end
    return rawset(t, k, v)
  end
  real.setmetatable = function(t, mt)
    if proxied[t] then error('Attempt to modify a readonly table', 0) end
    return setmetatable(t, mt)
  end
  local string_mt_view
  real.getmetatable = function(o)
    local shown = shown_mt[o]
    if shown ~= nil then return shown or nil end
    local t = type(o)
    if t == 'string' then return string_mt_view end
    if o == NULL then return nil end
    return getmetatable(o)
  end

  local function pcall_handler(e)
    if type(e) == 'table' then
      local m = rawget(e, 'err')
      if type(m) == 'string' or type(m) == 'number' then return m end
      return e
    end
    return fix_message(e, blamed_frame(2))
  end
  -- Redis' pcall hands back the message of {err=...} error tables (luaRedisPcall).
  real.pcall = function(f, ...) return xpcall(f, pcall_handler, ...) end
  real.xpcall = function(f, handler, ...)
    return xpcall(f, function(e) return handler(fix_message(e, blamed_frame(2))) end, ...)
  end

  real.assert = c_entry(function(...)
    local n = select('#', ...)
    local v, msg = ...
    if n == 0 then arg_error(1, 'assert', 'value expected') end
    if not v then
      if msg == nil then error('assertion failed!') end
      error(check_string(2, 'assert', n, msg))
    end
    return ...
  end)
  real.load = c_entry(function(...)
    local n = select('#', ...)
    local f, name = ...
    if type(f) ~= 'function' then type_error(1, 'load', 'function', n, f) end
    return load(f, name, 't')
  end)
  real.loadstring = c_entry(function(...)
    local n = select('#', ...)
    local s, name = ...
    s = check_string(1, 'loadstring', n, s)
    return load(api.source51(s), name or s, 't')
  end)
  -- 5.1 prefixes numbers with the position too; 5.4 only strings. Behind a C entry the frames
  -- above this function are: the trampoline (level 2), then error()'s caller (level 3).
  real.error = c_entry(function(...)
    local msg, level = ...
    level = level == nil and 1 or c_int(check_number(2, 'error', select('#', ...), level))
    if level > 0 then
      if type(msg) == 'number' then msg = tostring(msg) end
      level = level + 2
    end
    error(msg, level)
  end)
  real.gcinfo = function() return m_floor(collectgarbage('count')) + 0.0 end

  -- cjson.null is the only light userdata; glibc prints its NULL pointer as "(nil)".
  debug.setmetatable(NULL, { __tostring = function() return 'userdata: (nil)' end })
  for _, k in ipairs({ 'collectgarbage', 'ipairs', 'pairs', 'rawequal', 'select', 'tonumber', 'tostring', 'type' }) do
    real[k] = G[k]
  end
  real._VERSION = 'Lua 5.1'
  real._G = G

  -- string: Lua 5.1 truncated fractional positions/counts where 5.4 raises errors.
  local sub, byte, char, rep, format, gsub = string.sub, string.byte, string.char, string.rep, string.format, string.gsub
  local function int_arg(x)
    if m_type(x) == 'float' then return c_int(x) end
    return x
  end
  -- 'x ~= x // 1' is a cheap VM-only test for "not an integral number" (true for NaN too).
  string.sub = function(s, i, j)
    if i and i ~= i // 1 or j and j ~= j // 1 then i, j = int_arg(i), int_arg(j) end
    return sub(s, i, j)
  end
  string.byte = function(s, i, j)
    if i and i ~= i // 1 or j and j ~= j // 1 then i, j = int_arg(i), int_arg(j) end
    return byte(s, i, j)
  end
  string.rep = function(s, n)
    if n and n ~= n // 1 then n = int_arg(n) end
    return rep(s, n)
  end
  string.char = function(...)
    local n = select('#', ...)
    for k = 1, n do
      if m_type((select(k, ...))) == 'float' then
        local codes = { ... }
        for c = 1, n do codes[c] = int_arg(codes[c]) end
        return char(t_unpack(codes, 1, n))
      end
    end
    return char(...)
  end
  -- Which arguments of a format go to integer conversions (%d %i %o %u %x %X %c), which 5.1 fed
  -- through a C cast and 5.4 rejects when fractional. Cached per format string.
  local INT_CONVERSIONS = { d = true, i = true, o = true, u = true, x = true, X = true, c = true }
  local int_positions, cached_formats = {}, 0
  local function int_args_of(fmt)
    local list = int_positions[fmt]
    if list then return list end
    list = {}
    local argi, at = 1, 1
    while true do
      local _, e, conv = s_find(fmt, '%%[-+ #0]*%d*%.?%d*(.)', at)
      if e == nil then break end
      at = e + 1
      if conv ~= '%' then
        if INT_CONVERSIONS[conv] then list[#list + 1] = argi end
        argi = argi + 1
      end
    end
    if cached_formats >= 1000 then int_positions, cached_formats = {}, 0 end
    int_positions[fmt] = list
    cached_formats = cached_formats + 1
    return list
  end
  string.format = function(fmt, ...)
    if type(fmt) ~= 'string' then return format(fmt, ...) end
    local list = int_args_of(fmt)
    for k = 1, #list do
      local v = select(list[k], ...)
      if m_type(v) == 'float' or type(v) == 'string' then
        local args = { ... }
        for q = 1, #list do
          local p = list[q]
          local x = tonumber(args[p])
          if x ~= nil and (type(args[p]) == 'string' or m_type(x) == 'float') then args[p] = c_int(x) end
        end
        return format(fmt, t_unpack(args, 1, select('#', ...)))
      end
    end
    return format(fmt, ...)
  end
  -- 5.1 let "%x" in a replacement string stand for "x"; 5.4 rejects it.
  local function lenient_escape(c)
    if s_find(c, '^[%d%%]') then return '%' .. c end
    return c
  end
  string.gsub = function(s, pattern, repl, n)
    if type(repl) == 'string' and s_find(repl, '%%[^%d%%]') then repl = s_gsub(repl, '%%(.)', lenient_escape) end
    if n and n ~= n // 1 then n = int_arg(n) end
    return gsub(s, pattern, repl, n)
  end
  string.gfind = string.gmatch
  string.pack, string.packsize, string.unpack = nil, nil, nil
  real.string = protect(string)
  string_mt_view = protect({ __index = real.string })

  -- table: Lua 5.1's functions with its lenient positions, plus the 5.1-only ones.
  local rawlen, move = rawlen, table.move
  local function check_table(i, fname, n, t)
    if type(t) ~= 'table' then type_error(i, fname, 'table', n, t) end
  end
  local tbl = { concat = table.concat, sort = table.sort }
  tbl.insert = function(...)
    local n = select('#', ...)
    local t, pos, v = ...
    check_table(1, 'insert', n, t)
    local e = rawlen(t) + 1
    if n == 2 then
      rawset(t, e, (select(2, ...)))
      return
    elseif n ~= 3 then
      error("wrong number of arguments to 'insert'")
    end
    pos = c_int(check_number(2, 'insert', n, pos))
    if pos > e then e = pos end
    if e - 1 >= pos then move(t, pos, e - 1, pos + 1) end
    rawset(t, pos, v)
  end
  tbl.remove = function(...)
    local n = select('#', ...)
    local t, pos = ...
    check_table(1, 'remove', n, t)
    local e = rawlen(t)
    if pos == nil then pos = e else pos = c_int(check_number(2, 'remove', n, pos)) end
    if not (1 <= pos and pos <= e) then return end
    local v = rawget(t, pos)
    if pos < e then move(t, pos + 1, e, pos) end
    rawset(t, e, nil)
    return v
  end
  tbl.getn = function(...)
    local t = ...
    check_table(1, 'getn', select('#', ...), t)
    return rawlen(t) + 0.0
  end
  tbl.setn = function() error("'setn' is obsolete") end
  tbl.maxn = function(...)
    local t = ...
    check_table(1, 'maxn', select('#', ...), t)
    local max = 0.0
    for k in next, t do
      if type(k) == 'number' and k > max then max = k + 0.0 end
    end
    return max
  end
  tbl.foreach = function(t, f)
    check_table(1, 'foreach', 2, t)
    for k, v in next, t do
      local r = f(k, v)
      if r ~= nil then return r end
    end
  end
  tbl.foreachi = function(t, f)
    check_table(1, 'foreachi', 2, t)
    for i = 1, rawlen(t) do
      local r = f(i + 0.0, rawget(t, i))
      if r ~= nil then return r end
    end
  end
  real.table = protect(tbl)
  local unpack = table.unpack
  real.unpack = function(t, i, j)
    if i and i ~= i // 1 or j and j ~= j // 1 then i, j = int_arg(i), int_arg(j) end
    return unpack(t, i, j)
  end

  -- coroutine: 5.1's surface. The engine runs each script in a coroutine of its own (so that it
  -- can be suspended); to the script that is the main thread: running() is nil there and
  -- yielding from it fails as in 5.1.
  local co = {}
  for _, k in ipairs({ 'create', 'resume', 'status', 'wrap' }) do co[k] = coroutine[k] end
  local yield = coroutine.yield
  co.running = function()
    local c, main = running()
    if main or c == script_thread then return nil end
    return c
  end
  co.yield = function(...)
    if running() == script_thread then error('attempt to yield across metamethod/C-call boundary', 0) end
    return yield(...)
  end
  real.coroutine = protect(co)
end

-- math: 5.1's functions, with Redis' rand48-based random() ----------------------------------

do
  local m = {}
  for _, k in ipairs({ 'abs', 'acos', 'asin', 'atan', 'ceil', 'cos', 'deg', 'exp', 'floor', 'huge', 'log', 'max', 'min', 'modf', 'pi', 'rad', 'sin', 'sqrt', 'tan' }) do
    m[k] = math[k]
  end
  local fmod, exp, log, abs, atan = math.fmod, math.exp, math.log, math.abs, math.atan

  local function num(i, fname, n, v)
    return check_number(i, fname, n, v) + 0.0
  end
  m.fmod = function(...)
    local n = select('#', ...)
    local a, b = ...
    return fmod(num(1, 'fmod', n, a), num(2, 'fmod', n, b))
  end
  m.mod = m.fmod
  m.pow = function(...)
    local n = select('#', ...)
    local a, b = ...
    return num(1, 'pow', n, a) ^ num(2, 'pow', n, b)
  end
  m.atan2 = function(...)
    local n = select('#', ...)
    local y, x = ...
    return atan(num(1, 'atan2', n, y), num(2, 'atan2', n, x))
  end
  m.log10 = function(...)
    return log(num(1, 'log10', select('#', ...), (...)), 10)
  end
  m.ldexp = function(...)
    local n = select('#', ...)
    local x, e = ...
    return num(1, 'ldexp', n, x) * 2.0 ^ c_int(check_number(2, 'ldexp', n, e))
  end
  m.frexp = function(...)
    local x = num(1, 'frexp', select('#', ...), (...))
    if x == 0 or x ~= x or x == m_huge or x == -m_huge then return x, 0.0 end
    local e = m_floor(log(abs(x), 2)) + 1
    local mant = x / 2.0 ^ e
    if abs(mant) >= 1 then mant = mant / 2; e = e + 1 elseif abs(mant) < 0.5 then mant = mant * 2; e = e - 1 end
    return mant, e + 0.0
  end
  m.sinh = function(...)
    local x = num(1, 'sinh', select('#', ...), (...))
    if abs(x) < 1e-5 then return x + x * x * x / 6 end
    return (exp(x) - exp(-x)) / 2
  end
  m.cosh = function(...)
    local x = num(1, 'cosh', select('#', ...), (...))
    return (exp(x) + exp(-x)) / 2
  end
  m.tanh = function(...)
    local x = num(1, 'tanh', select('#', ...), (...))
    if x > 20 then return 1.0 elseif x < -20 then return -1.0 end
    if abs(x) < 1e-5 then return x - x * x * x / 3 end
    local e2 = exp(2 * x)
    return (e2 - 1) / (e2 + 1)
  end

  -- redisLrand48()/redisSrand48() (rand.c): a 48-bit LCG whose state persists across scripts.
  local state = 0x1234ABCD330E
  local function int32(x)
    x = c_int(x) & 0xffffffff
    if x >= 0x80000000 then x = x - 0x100000000 end
    return x
  end
  m.random = function(...)
    state = (state * 0x5DEECE66D + 0xB) & 0xFFFFFFFFFFFF
    local r = ((state >> 17) % 2147483647) / 2147483647.0
    local n = select('#', ...)
    if n == 0 then return r end
    local a, b = ...
    if n == 1 then
      local u = int32(check_number(1, 'random', n, a))
      if u < 1 then arg_error(1, 'random', 'interval is empty') end
      return m_floor(r * u) + 1.0
    elseif n == 2 then
      local l = int32(check_number(1, 'random', n, a))
      local u = int32(check_number(2, 'random', n, b))
      if l > u then arg_error(2, 'random', 'interval is empty') end
      return m_floor(r * (u - l + 1)) + l + 0.0
    end
    error('wrong number of arguments')
  end
  m.randomseed = function(...)
    local seed = int32(check_number(1, 'randomseed', select('#', ...), (...)))
    state = 0x330E | ((seed & 0xffff) << 16) | (((seed >> 16) & 0xffff) << 32)
  end
  real.math = protect(m)
end

-- redis, cjson, cmsgpack, bit, struct -------------------------------------------------------

do
  -- luaPushErrorBuff(): "-CODE msg" or "msg" (code ERR), trimmed, cut at NUL like a C string.
  local function error_table(buf)
    local code, msg = 'ERR', buf
    if s_byte(buf, 1) == 45 then
      local sp = s_find(buf, ' ', 1, true)
      if sp then code, msg = s_sub(buf, 2, sp - 1), s_sub(buf, sp + 1) else msg = s_sub(buf, 2) end
    end
    msg = s_match(msg, '^[\r\n]*(.-)[\r\n]*$')
    return { err = s_match(code .. ' ' .. msg, '^[^\0]*') }
  end

  local redis = {
    call = api.call, pcall = api.pcall, log = api.log, sha1hex = api.sha1hex,
    setresp = api.setresp, set_repl = api.set_repl, acl_check_cmd = api.acl_check_cmd,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
    REDIS_VERSION = api.version, REDIS_VERSION_NUM = api.version_num,
  }
  redis.error_reply = function(...)
    local e = ...
    if select('#', ...) ~= 1 or type(e) ~= 'string' then return error_table('wrong number or type of arguments') end
    e = s_match(e, '^[^\0]*')
    if s_byte(e, 1) ~= 45 then e = '-' .. e end
    return error_table(e)
  end
  redis.status_reply = function(...)
    local s = ...
    if select('#', ...) ~= 1 or type(s) ~= 'string' then return error_table('wrong number or type of arguments') end
    return { ok = s }
  end
  redis.replicate_commands = function() return true end
  redis.breakpoint = function() return false end
  redis.debug = function() end
  real.redis = protect(redis)

  local cjson = c_entries(open_cjson())
  local new_cjson = cjson.new
  cjson.new = c_entry(function() return c_entries(new_cjson()) end)
  real.cjson = protect(cjson)
  real.cmsgpack = protect(c_entries(open_cmsgpack()))
  real.bit = protect(open_bit())
  real.struct = protect(c_entries(open_struct()))
end

-- Globals: everything lives in 'real'; the registry's global table (every chunk's _ENV) is an
-- empty read-only view of it that raises Redis' errors. FUNCTION LOAD points its __index
-- elsewhere while a library loads.
local globals_mt = {
  __index = real,
  __newindex = readonly_error,
  __pairs = function() return next, real, nil end,
  __len = function() return #real end,
}

do
  local keys = {}
  for k in next, G do keys[#keys + 1] = k end
  for _, k in ipairs(keys) do G[k] = nil end
  setmetatable(real, {
    __index = function(_, k)
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end,
  })
  setmetatable(G, globals_mt)
  proxied[G] = real
  shown_mt[G] = protect({})
end

-- __redis__err__handler: turns any error into {err=..., source=..., line=...}.
local function error_handler(err)
  local info = blamed_frame(2)
  if type(err) == 'table' then
    local e = rawget(err, 'err')
    if type(e) ~= 'string' and type(e) ~= 'number' then err = { err = 'ERR ' .. tostring(err) } end
  else
    err = { err = 'ERR ' .. tostring(fix_message(err, info)) }
  end
  if info then
    rawset(err, 'source', info.source)
    rawset(err, 'line', info.currentline)
  end
  return err
end

rawset(real, '__redis__err__handler', error_handler)

local function runner(fn, keys, argv)
  script_thread = running()
  rawset(real, 'KEYS', keys)
  rawset(real, 'ARGV', argv)
  return fn()
end

local function memory_bytes()
  return collectgarbage('count') * 1024
end

${LUA_FUNCTIONS}

return error_handler, runner, memory_bytes, function_runner, load_library
`;
