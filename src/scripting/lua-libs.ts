// Lua sources for the libraries Redis links into its Lua 5.1 (lua_cjson 2.1.0, lua_cmsgpack 0.4.0,
// LuaBitOp, struct 0.2), re-implemented in Lua 5.4 so they are binary-safe by construction and
// need no C toolchain. They follow the C sources' algorithms, limits and error texts. cjson's
// encoder and decoder proper are JS C functions (lua-cjson.ts) for speed.
//
// LUA_HEADER, LUA_LIBS and the sandbox chunk (lua-sandbox.ts) are concatenated into one chunk,
// so the libraries use the header's locals. Errors use `error(msg)` (level 1, i.e. an internal
// position); the engine's message handlers replace internal positions with the position of the
// script line that called the library, which is where Redis' C libraries report them.

/** Locals shared by every part of the init chunk. `...` is the table of JS-implemented helpers. */
export const LUA_HEADER = String.raw`
local api = ...
local type, tostring, tonumber, select, error, ipairs, next = type, tostring, tonumber, select, error, ipairs, next
local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local pcall, xpcall, load, collectgarbage = pcall, xpcall, load, collectgarbage
local s_byte, s_char, s_find, s_format, s_gsub, s_sub, s_rep, s_match, s_lower = string.byte, string.char, string.find, string.format, string.gsub, string.sub, string.rep, string.match, string.lower
local s_pack, s_unpack = string.pack, string.unpack
local t_concat, t_unpack = table.concat, table.unpack
local m_floor, m_ceil, m_huge, m_type, m_tointeger = math.floor, math.ceil, math.huge, math.type, math.tointeger
local MAXINT, MININT = math.maxinteger, math.mininteger
local getinfo = debug.getinfo
local NULL = api.null

-- Lua 5.1's typename for argument i of n actual arguments.
local function arg_type(n, i, v)
  if i > n then return 'no value' end
  return type(v)
end

local function arg_error(i, fname, extra)
  error(s_format("bad argument #%d to '%s' (%s)", i, fname, extra))
end

local function type_error(i, fname, expected, n, v)
  arg_error(i, fname, expected .. ' expected, got ' .. arg_type(n, i, v))
end

-- luaL_checknumber: numbers and numeric strings.
local function check_number(i, fname, n, v)
  local x = tonumber(v)
  if x == nil or type(v) ~= 'number' and type(v) ~= 'string' then type_error(i, fname, 'number', n, v) end
  return x
end

-- luaL_checklstring: strings, and numbers converted with Lua's own formatting.
local function check_string(i, fname, n, v)
  local t = type(v)
  if t == 'string' then return v end
  if t == 'number' then return tostring(v) end
  type_error(i, fname, 'string', n, v)
end

-- The C cast (long long) of a double: truncation, INT64_MIN when out of range or NaN.
local function c_int(x)
  if m_type(x) == 'integer' then return x end
  if x ~= x or x >= 9223372036854775808.0 or x < -9223372036854775808.0 then return MININT end
  if x >= 0 then return m_floor(x) end
  return m_ceil(x)
end
`;

export const LUA_LIBS = String.raw`
local function open_bit()
  local MAGIC = 6755399441055744.0 -- 2^52 + 2^51

  -- LuaBitOp's barg(): the low 32 bits of x + 2^52 + 2^51 (round to nearest even, wrap mod 2^32).
  local function barg(i, fname, n, v)
    if type(v) == 'number' and v == v // 1 and v >= -2251799813685248 and v <= 2251799813685248 then
      return v & 0xffffffff
    end
    if type(v) ~= 'number' then
      local x = tonumber(v)
      if x == nil or type(v) ~= 'string' then type_error(i, fname, 'number', n, v) end
      v = x
    end
    if v == v // 1 and v >= -2251799813685248 and v <= 2251799813685248 then return v & 0xffffffff end
    return (s_unpack('<I4', s_pack('<d', v + 0.0 + MAGIC)))
  end

  local function ret(b)
    b = b & 0xffffffff
    if b >= 0x80000000 then b = b - 0x100000000 end
    return b + 0.0
  end

  local bit = {}
  function bit.tobit(...) return ret(barg(1, 'tobit', select('#', ...), (...))) end
  function bit.bnot(...) return ret(~barg(1, 'bnot', select('#', ...), (...))) end
  local function reducer(fname, op)
    return function(...)
      local n = select('#', ...)
      local x, y = ...
      if n == 2 then return ret(op(barg(1, fname, 2, x), barg(2, fname, 2, y))) end
      local b = barg(1, fname, n, x)
      for i = n, 2, -1 do b = op(b, barg(i, fname, n, (select(i, ...)))) end
      return ret(b)
    end
  end
  bit.band = reducer('band', function(a, b) return a & b end)
  bit.bor = reducer('bor', function(a, b) return a | b end)
  bit.bxor = reducer('bxor', function(a, b) return a ~ b end)
  local function shifter(fname, op)
    return function(...)
      local n = select('#', ...)
      local x, s = ...
      local b = barg(1, fname, n, x)
      return ret(op(b, barg(2, fname, n, s) & 31))
    end
  end
  bit.lshift = shifter('lshift', function(b, s) return b << s end)
  bit.rshift = shifter('rshift', function(b, s) return b >> s end)
  bit.arshift = shifter('arshift', function(b, s)
    if b >= 0x80000000 then b = b - 0x100000000 end
    return b >> s
  end)
  bit.rol = shifter('rol', function(b, s) return b << s | b >> (32 - s) end)
  bit.ror = shifter('ror', function(b, s) return b << (32 - s) | b >> s end)
  function bit.bswap(...)
    local b = barg(1, 'bswap', select('#', ...), (...))
    return ret((b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24))
  end
  function bit.tohex(...)
    local n = select('#', ...)
    local x, w = ...
    local b = barg(1, 'tohex', n, x)
    local width = 8
    if n >= 2 then
      width = barg(2, 'tohex', n, w)
      if width >= 0x80000000 then width = width - 0x100000000 end
    end
    local fmt = '%08x'
    if width < 0 then width = -width; fmt = '%08X' end
    if width > 8 then width = 8 end
    return s_sub(s_format(fmt, b), 9 - width)
  end
  return bit
end

local function open_struct()
  local MAXINTSIZE, MAXALIGN = 32, 8
  local BIG, LITTLE = 1, 0

  -- Reads the decimal number at fmt[i], or returns the default.
  local function getnum(fmt, i, df)
    local digits = s_match(fmt, '^%d+', i)
    if digits == nil then return df, i end
    local a = 0
    for k = 1, #digits do
      local d = s_byte(digits, k) - 48
      if a > 214748364 or a * 10 > 2147483647 - d then error('integral size overflow') end
      a = a * 10 + d
    end
    return a, i + #digits
  end

  local function optsize(opt, fmt, i)
    if opt == 'b' or opt == 'B' or opt == 'x' then return 1, i
    elseif opt == 'h' or opt == 'H' then return 2, i
    elseif opt == 'l' or opt == 'L' or opt == 'T' or opt == 'd' then return 8, i
    elseif opt == 'f' then return 4, i
    elseif opt == 'c' then return getnum(fmt, i, 1)
    elseif opt == 'i' or opt == 'I' then
      local size
      size, i = getnum(fmt, i, 4)
      if size > MAXINTSIZE then error(s_format('integral size %d is larger than limit of %d', size, MAXINTSIZE)) end
      return size, i
    end
    return 0, i
  end

  local function gettoalign(len, align, opt, size)
    if size == 0 or opt == 'c' then return 0 end
    if size > align then size = align end
    if size == 0 then return 0 end
    return (size - (len & (size - 1))) & (size - 1)
  end

  -- Applies a non-data option; returns the new endianness, alignment and format index.
  local function control(opt, fmt, i, endian, align, fname)
    if opt == ' ' then return endian, align, i
    elseif opt == '>' then return BIG, align, i
    elseif opt == '<' then return LITTLE, align, i
    elseif opt == '!' then
      local a
      a, i = getnum(fmt, i, MAXALIGN)
      if a & (a - 1) ~= 0 then error(s_format('alignment %d is not a power of 2', a)) end
      return endian, a, i
    end
    arg_error(1, fname, "invalid format option '" .. opt .. "'")
  end

  local function is_int_opt(opt)
    return opt == 'b' or opt == 'B' or opt == 'h' or opt == 'H' or opt == 'l' or opt == 'L'
      or opt == 'T' or opt == 'i' or opt == 'I'
  end

  -- (Uinttype)(Inttype)n for negatives, (Uinttype)n otherwise: the 64-bit pattern of a double.
  local function to_bits(n)
    if m_type(n) == 'integer' then return n end
    if n >= 9223372036854775808.0 then
      if n < 18446744073709551616.0 then return m_tointeger(n - 18446744073709551616.0) end
      return 0
    end
    return c_int(n)
  end

  local function putinteger(n, endian, size)
    local v = to_bits(n)
    local e = endian == BIG and '>' or '<'
    if size < 8 then return s_pack(e .. 'I' .. size, v & ((1 << (size * 8)) - 1)) end
    local word = s_pack(e .. 'j', v)
    if size == 8 then return word end
    if endian == BIG then return s_rep('\0', size - 8) .. word end
    return word .. s_rep('\0', size - 8)
  end

  -- The double nearest to the unsigned 64-bit value with bit pattern v.
  local function unsigned_to_number(v)
    if v >= 0 then return v + 0.0 end
    return ((v >> 1) | (v & 1)) * 2.0
  end

  local function getinteger(data, pos, endian, signed, size)
    local v = 0
    if endian == BIG then
      for k = 0, size - 1 do v = (v << 8) | s_byte(data, pos + k) end
    else
      for k = size - 1, 0, -1 do v = (v << 8) | s_byte(data, pos + k) end
    end
    if not signed then return unsigned_to_number(v) end
    local mask = -1 << ((size * 8 - 1) & 63)
    if v & mask ~= 0 then v = v | mask end
    return v + 0.0
  end

  local struct = {}

  function struct.pack(...)
    local nargs = select('#', ...)
    local args = { ... }
    local fmt = check_string(1, 'pack', nargs, args[1])
    local endian, align = LITTLE, 1
    local buf, nb = {}, 0
    local arg, total, i = 2, 0, 1
    local flen = s_find(fmt, '\0', 1, true)
    flen = flen and flen - 1 or #fmt
    while i <= flen do
      local opt = s_sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      local pad = gettoalign(total, align, opt, size)
      total = total + pad
      if pad > 0 then nb = nb + 1; buf[nb] = s_rep('\0', pad) end
      if is_int_opt(opt) then
        nb = nb + 1; buf[nb] = putinteger(check_number(arg, 'pack', nargs, args[arg]), endian, size)
        arg = arg + 1
      elseif opt == 'x' then
        nb = nb + 1; buf[nb] = '\0'
      elseif opt == 'f' or opt == 'd' then
        local x = check_number(arg, 'pack', nargs, args[arg])
        arg = arg + 1
        nb = nb + 1; buf[nb] = s_pack((endian == BIG and '>' or '<') .. opt, x)
      elseif opt == 'c' or opt == 's' then
        local s = check_string(arg, 'pack', nargs, args[arg])
        arg = arg + 1
        local l = #s
        if size == 0 then size = l end
        if l < size then arg_error(arg, 'pack', 'string too short') end
        nb = nb + 1; buf[nb] = s_sub(s, 1, size)
        if opt == 's' then nb = nb + 1; buf[nb] = '\0'; size = size + 1 end
      else
        endian, align, i = control(opt, fmt, i, endian, align, 'pack')
      end
      total = total + size
    end
    return t_concat(buf)
  end

  function struct.unpack(...)
    local nargs = select('#', ...)
    local f, d, init = ...
    local fmt = check_string(1, 'unpack', nargs, f)
    local data = check_string(2, 'unpack', nargs, d)
    local ld = #data
    local pos = 0
    if init ~= nil then pos = c_int(check_number(3, 'unpack', nargs, init)) - 1 end
    if pos < 0 or pos > ld then arg_error(3, 'unpack', 'offset must be 1 or greater') end
    local endian, align = LITTLE, 1
    local out, n = {}, 0
    local i = 1
    local flen = s_find(fmt, '\0', 1, true)
    flen = flen and flen - 1 or #fmt
    while i <= flen do
      local opt = s_sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      pos = pos + gettoalign(pos, align, opt, size)
      if size > ld or pos > ld - size then arg_error(2, 'unpack', 'data string too short') end
      if is_int_opt(opt) then
        n = n + 1; out[n] = getinteger(data, pos + 1, endian, s_lower(opt) == opt, size)
      elseif opt == 'x' then
        -- padding only
      elseif opt == 'f' or opt == 'd' then
        n = n + 1; out[n] = s_unpack((endian == BIG and '>' or '<') .. opt, data, pos + 1) + 0.0
      elseif opt == 'c' then
        if size == 0 then
          local prev = out[n]
          if n == 0 or tonumber(prev) == nil then error("format 'c0' needs a previous size") end
          size = c_int(tonumber(prev))
          out[n] = nil; n = n - 1
          if size > ld or pos > ld - size then arg_error(2, 'unpack', 'data string too short') end
        end
        n = n + 1; out[n] = s_sub(data, pos + 1, pos + size)
      elseif opt == 's' then
        local z = s_find(data, '\0', pos + 1, true)
        if z == nil then error('unfinished string in data') end
        size = z - pos
        n = n + 1; out[n] = s_sub(data, pos + 1, z - 1)
      else
        endian, align, i = control(opt, fmt, i, endian, align, 'unpack')
      end
      pos = pos + size
    end
    n = n + 1; out[n] = pos + 1.0
    return t_unpack(out, 1, n)
  end

  function struct.size(...)
    local fmt = check_string(1, 'size', select('#', ...), (...))
    local endian, align = LITTLE, 1
    local pos, i = 0, 1
    local flen = s_find(fmt, '\0', 1, true)
    flen = flen and flen - 1 or #fmt
    while i <= flen do
      local opt = s_sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      pos = pos + gettoalign(pos, align, opt, size)
      if opt == 's' then arg_error(1, 'size', "option 's' has no fixed size")
      elseif opt == 'c' and size == 0 then arg_error(1, 'size', "option 'c0' has no fixed size") end
      if not s_find(opt, '^%w') then endian, align, i = control(opt, fmt, i, endian, align, 'size') end
      pos = pos + size
    end
    return pos + 0.0
  end

  return struct
end

local function open_cmsgpack()
  local MAX_NESTING = 16
  local encode

  local function encode_int(buf, n)
    local b
    if n >= 0 then
      if n <= 127 then b = s_char(n)
      elseif n <= 0xff then b = s_char(0xcc, n)
      elseif n <= 0xffff then b = s_pack('>BI2', 0xcd, n)
      elseif n <= 0xffffffff then b = s_pack('>BI4', 0xce, n)
      else b = s_pack('>Bj', 0xcf, n) end
    else
      if n >= -32 then b = s_char(n & 0xff)
      elseif n >= -128 then b = s_pack('>Bi1', 0xd0, n)
      elseif n >= -32768 then b = s_pack('>Bi2', 0xd1, n)
      elseif n >= -2147483648 then b = s_pack('>Bi4', 0xd2, n)
      else b = s_pack('>Bj', 0xd3, n) end
    end
    buf[#buf + 1] = b
  end

  local function encode_number(buf, n)
    if m_type(n) == 'integer' then return encode_int(buf, n) end
    if n == m_floor(n) and n >= -9223372036854775808.0 and n < 9223372036854775808.0 then
      return encode_int(buf, m_tointeger(n))
    end
    if s_unpack('<f', s_pack('<f', n)) == n then
      buf[#buf + 1] = s_pack('>Bf', 0xca, n)
    else
      buf[#buf + 1] = s_pack('>Bd', 0xcb, n)
    end
  end

  local function encode_string(buf, s)
    local l = #s
    if l < 32 then buf[#buf + 1] = s_char(0xa0 | l)
    elseif l <= 0xff then buf[#buf + 1] = s_char(0xd9, l)
    elseif l <= 0xffff then buf[#buf + 1] = s_pack('>BI2', 0xda, l)
    else buf[#buf + 1] = s_pack('>BI4', 0xdb, l) end
    buf[#buf + 1] = s
  end

  local function encode_table(buf, t, level)
    local count, max = 0, 0
    local is_array = true
    for k in next, t do
      if type(k) ~= 'number' or k <= 0 or k ~= m_floor(k) or k > 2147483647 then
        is_array = false
        break
      end
      if k > max then max = k end
      count = count + 1
    end
    if is_array and max == count then
      if count <= 15 then buf[#buf + 1] = s_char(0x90 | count)
      elseif count <= 0xffff then buf[#buf + 1] = s_pack('>BI2', 0xdc, count)
      else buf[#buf + 1] = s_pack('>BI4', 0xdd, count) end
      for i = 1, count do encode(buf, rawget(t, i), level + 1) end
    else
      count = 0
      for _ in next, t do count = count + 1 end
      if count <= 15 then buf[#buf + 1] = s_char(0x80 | count)
      elseif count <= 0xffff then buf[#buf + 1] = s_pack('>BI2', 0xde, count)
      else buf[#buf + 1] = s_pack('>BI4', 0xdf, count) end
      for k, v in next, t do
        encode(buf, k, level + 1)
        encode(buf, v, level + 1)
      end
    end
  end

  encode = function(buf, v, level)
    local t = type(v)
    if t == 'string' then encode_string(buf, v)
    elseif t == 'boolean' then buf[#buf + 1] = v and '\195' or '\194'
    elseif t == 'number' then encode_number(buf, v)
    elseif t == 'table' and level < MAX_NESTING then encode_table(buf, v, level)
    else buf[#buf + 1] = '\192' end
  end

  -- Decoder state for the string being unpacked; decoding never re-enters itself.
  local src, p, stop
  local EOF, BADFMT = {}, {}

  local function need(n)
    if stop - p + 1 < n then error(EOF, 0) end
  end

  local decode

  local function set_field(t, k, v)
    if k == nil then error('table index is nil', 0) end
    if k ~= k then error('table index is NaN', 0) end
    rawset(t, k, v)
  end

  local function decode_array(len)
    local t = {}
    for i = 1, len do t[i] = decode() end
    return t
  end

  local function decode_map(len)
    local t = {}
    for _ = 1, len do
      local k = decode()
      set_field(t, k, decode())
    end
    return t
  end

  local function raw(len, skip)
    need(skip + len)
    local s = s_sub(src, p + skip, p + skip + len - 1)
    p = p + skip + len
    return s
  end

  local function fixed(fmt, size)
    need(size + 1)
    local v = s_unpack(fmt, src, p + 1)
    p = p + size + 1
    return v
  end

  decode = function()
    need(1)
    local c = s_byte(src, p)
    if c <= 0x7f then p = p + 1; return c + 0.0
    elseif c >= 0xe0 then p = p + 1; return c - 256.0
    elseif c >= 0xa0 and c <= 0xbf then return raw(c & 0x1f, 1)
    elseif c >= 0x90 and c <= 0x9f then p = p + 1; return decode_array(c & 0xf)
    elseif c >= 0x80 and c <= 0x8f then p = p + 1; return decode_map(c & 0xf)
    elseif c == 0xc0 then p = p + 1; return nil
    elseif c == 0xc2 then p = p + 1; return false
    elseif c == 0xc3 then p = p + 1; return true
    elseif c == 0xcc then return fixed('>B', 1) + 0.0
    elseif c == 0xcd then return fixed('>I2', 2) + 0.0
    elseif c == 0xce then return fixed('>I4', 4) + 0.0
    elseif c == 0xcf or c == 0xd3 then return fixed('>j', 8) + 0.0
    elseif c == 0xd0 then return fixed('>i1', 1) + 0.0
    elseif c == 0xd1 then return fixed('>i2', 2) + 0.0
    elseif c == 0xd2 then return fixed('>i4', 4) + 0.0
    elseif c == 0xca then return fixed('>f', 4) + 0.0
    elseif c == 0xcb then return fixed('>d', 8)
    elseif c == 0xd9 then need(2); return raw(s_byte(src, p + 1), 2)
    elseif c == 0xda then need(3); return raw(s_unpack('>I2', src, p + 1), 3)
    elseif c == 0xdb then need(5); return raw(s_unpack('>I4', src, p + 1), 5)
    elseif c == 0xdc then local l = fixed('>I2', 2); return decode_array(l)
    elseif c == 0xdd then local l = fixed('>I4', 4); return decode_array(l)
    elseif c == 0xde then local l = fixed('>I2', 2); return decode_map(l)
    elseif c == 0xdf then local l = fixed('>I4', 4); return decode_map(l)
    end
    error(BADFMT, 0)
  end

  local function decode_one(out, n)
    local ok, v = pcall(decode)
    if ok then
      out[n] = v
      return
    end
    src = nil
    if v == EOF then error('Missing bytes in input.') end
    if v == BADFMT then error('Bad data format in input.') end
    error(v, 0)
  end

  -- mp_unpack_full: limit 0 and offset 0 mean "decode everything and return no offset".
  local function unpack_full(s, limit, offset)
    local len = #s
    if offset < 0 or limit < 0 then
      error(s_format('Invalid request to unpack with offset of %d and limit of %d.', offset, len))
    elseif offset > len then
      error(s_format('Start offset %d greater than input length %d.', offset, len))
    end
    local all = limit == 0 and offset == 0
    if all then limit = MAXINT end
    src, p, stop = s, offset + 1, len
    local out, n = {}, 0
    while p <= stop and n < limit do
      n = n + 1
      decode_one(out, n)
    end
    src = nil
    if all then return t_unpack(out, 1, n) end
    local next_offset = p > stop and -1.0 or (p - 1) + 0.0
    return next_offset, t_unpack(out, 1, n)
  end

  local cmsgpack = {
    _NAME = 'cmsgpack',
    _VERSION = 'lua-cmsgpack 0.4.0',
    _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo',
    _DESCRIPTION = 'MessagePack C implementation for Lua',
  }

  function cmsgpack.pack(...)
    local n = select('#', ...)
    if n == 0 then arg_error(0, 'pack', 'MessagePack pack needs input.') end
    local buf = {}
    for i = 1, n do encode(buf, (select(i, ...)), 0) end
    return t_concat(buf)
  end

  function cmsgpack.unpack(...)
    return unpack_full(check_string(1, 'unpack', select('#', ...), (...)), 0, 0)
  end

  function cmsgpack.unpack_one(...)
    local n = select('#', ...)
    local s, offset = ...
    s = check_string(1, 'unpack_one', n, s)
    offset = offset == nil and 0 or c_int(check_number(2, 'unpack_one', n, offset))
    return unpack_full(s, 1, offset)
  end

  function cmsgpack.unpack_limit(...)
    local n = select('#', ...)
    local s, limit, offset = ...
    s = check_string(1, 'unpack_limit', n, s)
    limit = c_int(check_number(2, 'unpack_limit', n, limit))
    offset = offset == nil and 0 or c_int(check_number(3, 'unpack_limit', n, offset))
    return unpack_full(s, limit, offset)
  end

  return cmsgpack
end

local function open_cjson()
  local json_encode, json_decode = api.json_encode, api.json_decode

  local function new_module()
    local cfg = {
      sparse_convert = false, sparse_ratio = 2, sparse_safe = 10,
      encode_max_depth = 1000, decode_max_depth = 1000,
      encode_invalid = 0, -- 0 off, 1 on, 2 null
      decode_invalid = true, keep_buffer = true, precision = 14,
    }

    local M = { _NAME = 'cjson', _VERSION = '2.1.0', null = NULL }

    function M.encode(...)
      if select('#', ...) ~= 1 then arg_error(1, 'encode', 'expected 1 argument') end
      return json_encode((...), cfg.encode_max_depth, cfg.sparse_convert, cfg.sparse_ratio,
        cfg.sparse_safe, cfg.encode_invalid, cfg.precision)
    end

    function M.decode(...)
      local n = select('#', ...)
      if n ~= 1 then arg_error(1, 'decode', 'expected 1 argument') end
      return json_decode(check_string(1, 'decode', n, (...)), cfg.decode_invalid, cfg.decode_max_depth)
    end

    -- Configuration getters/setters (json_integer_option / json_enum_option).
    local function check_arity(fname, max, ...)
      if select('#', ...) > max then arg_error(max + 1, fname, 'found too many arguments') end
    end

    local function int_option(fname, i, v, min, max, current)
      if v == nil then return current end
      local x = c_int(check_number(i, fname, i, v))
      if x < min or x > max then arg_error(1, fname, s_format('expected integer between %d and %d', min, max)) end
      return x
    end

    local function enum_option(fname, i, v, options, current)
      if v == nil then return current end
      if type(v) == 'boolean' then return v and 1 or 0 end
      local s = check_string(i, fname, i, v)
      for k = 1, #options do
        if options[k] == s then return k - 1 end
      end
      arg_error(i, fname, "invalid option '" .. s .. "'")
    end

    local BOOL = { 'off', 'on' }

    function M.encode_sparse_array(...)
      check_arity('encode_sparse_array', 3, ...)
      local convert, ratio, safe = ...
      cfg.sparse_convert = enum_option('encode_sparse_array', 1, convert, BOOL, cfg.sparse_convert and 1 or 0) == 1
      cfg.sparse_ratio = int_option('encode_sparse_array', 2, ratio, 0, 2147483647, cfg.sparse_ratio)
      cfg.sparse_safe = int_option('encode_sparse_array', 3, safe, 0, 2147483647, cfg.sparse_safe)
      return cfg.sparse_convert, cfg.sparse_ratio + 0.0, cfg.sparse_safe + 0.0
    end

    function M.encode_max_depth(...)
      check_arity('encode_max_depth', 1, ...)
      cfg.encode_max_depth = int_option('encode_max_depth', 1, (...), 1, 2147483647, cfg.encode_max_depth)
      return cfg.encode_max_depth + 0.0
    end

    function M.decode_max_depth(...)
      check_arity('decode_max_depth', 1, ...)
      cfg.decode_max_depth = int_option('decode_max_depth', 1, (...), 1, 2147483647, cfg.decode_max_depth)
      return cfg.decode_max_depth + 0.0
    end

    function M.encode_number_precision(...)
      check_arity('encode_number_precision', 1, ...)
      cfg.precision = int_option('encode_number_precision', 1, (...), 1, 14, cfg.precision)
      return cfg.precision + 0.0
    end

    function M.encode_keep_buffer(...)
      check_arity('encode_keep_buffer', 1, ...)
      cfg.keep_buffer = enum_option('encode_keep_buffer', 1, (...), BOOL, cfg.keep_buffer and 1 or 0) == 1
      return cfg.keep_buffer
    end

    function M.encode_invalid_numbers(...)
      check_arity('encode_invalid_numbers', 1, ...)
      cfg.encode_invalid = enum_option('encode_invalid_numbers', 1, (...), { 'off', 'on', 'null' }, cfg.encode_invalid)
      if cfg.encode_invalid == 2 then return 'null' end
      return cfg.encode_invalid == 1
    end

    function M.decode_invalid_numbers(...)
      check_arity('decode_invalid_numbers', 1, ...)
      cfg.decode_invalid = enum_option('decode_invalid_numbers', 1, (...), BOOL, cfg.decode_invalid and 1 or 0) == 1
      return cfg.decode_invalid
    end

    return M
  end

  local cjson = new_module()
  cjson.new = new_module
  return cjson
end
`;
