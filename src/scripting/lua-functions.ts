// The part of the init chunk that serves Redis 7 functions (function_lua.c): the environment a
// library's code runs in while FUNCTION LOAD registers its functions, redis.register_function
// with its positional and named-argument forms, and the runner FCALL calls a function through.
// It is spliced into the sandbox chunk, whose locals (real, protect, fix_message, the globals'
// metatable) it uses.

export const LUA_FUNCTIONS = String.raw`
-- Functions registered by the library being loaded; nil outside FUNCTION LOAD.
local registering

local function register_error(msg)
  error({ err = 'ERR ' .. msg }, 0)
end

-- luaGetStringSds: strings, and numbers as Lua prints them.
local function string_arg(v)
  local t = type(v)
  if t == 'string' then return v end
  if t == 'number' then return tostring(v) end
  return nil
end

local FUNCTION_FLAGS = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true, ['allow-cross-slot-keys'] = true }

local function read_flags(t)
  local flags = {}
  local j = 1
  while true do
    local v = t[j]
    if v == nil then return flags end
    local s = string_arg(v)
    if s == nil or not FUNCTION_FLAGS[s_lower(s)] then return nil end
    flags[#flags + 1] = s_lower(s)
    j = j + 1
  end
end

local function named_args(t)
  if type(t) ~= 'table' then
    register_error('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
  end
  local name, desc, callback, flags = nil, nil, nil, {}
  for k, v in next, t do
    if type(k) ~= 'string' and type(k) ~= 'number' then register_error('named argument key given to redis.register_function is not a string') end
    local key = s_lower(tostring(k))
    if key == 'function_name' then
      name = string_arg(v)
      if name == nil then register_error('function_name argument given to redis.register_function must be a string') end
    elseif key == 'description' then
      desc = string_arg(v)
      if desc == nil then register_error('description argument given to redis.register_function must be a string') end
    elseif key == 'callback' then
      if type(v) ~= 'function' then register_error('callback argument given to redis.register_function must be a function') end
      callback = v
    elseif key == 'flags' then
      if type(v) ~= 'table' then register_error('flags argument to redis.register_function must be a table representing function flags') end
      flags = read_flags(v)
      if flags == nil then register_error('unknown flag given') end
    else
      register_error('unknown argument given to redis.register_function')
    end
  end
  if name == nil then register_error('redis.register_function must get a function name argument') end
  if callback == nil then register_error('redis.register_function must get a callback argument') end
  return name, callback, flags, desc
end

local function register_function(...)
  local list = registering
  if list == nil then register_error('redis.register_function can only be called on FUNCTION LOAD command') end
  local n = select('#', ...)
  if n < 1 or n > 2 then register_error('wrong number of arguments to redis.register_function') end
  local name, callback, flags, desc
  if n == 1 then
    name, callback, flags, desc = named_args((...))
  else
    local a, b = ...
    name = string_arg(a)
    if name == nil then register_error('first argument to redis.register_function must be a string') end
    if type(b) ~= 'function' then register_error('second argument to redis.register_function must be a function') end
    callback, flags = b, {}
  end
  if not s_find(name, '^[%w_]+$') then
    register_error('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
  end
  for i = 1, #list do
    if list[i].name == name then register_error('Function already exists in the library') end
  end
  list[#list + 1] = { name = name, fn = callback, flags = flags, desc = desc }
end

-- What a library's code sees while it loads: only redis.register_function, redis.log and the
-- version fields (luaEngineInitEngine's LIBRARY_API); everything else is a nonexistent global.
local function missing_global(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
local library_redis = setmetatable({
  register_function = register_function, log = api.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = api.version, REDIS_VERSION_NUM = api.version_num,
}, { __index = missing_global })
local library_api = setmetatable({ redis = protect(library_redis) }, { __index = missing_global })

-- Runs a compiled library with the load-time globals; true and the registered functions, or
-- false and the error (a string, or an {err=...} table).
local function load_library(chunk)
  local list = {}
  registering = list
  globals_mt.__index = library_api
  local ok, err = pcall(chunk)
  globals_mt.__index = real
  registering = nil
  if not ok then
    if type(err) == 'string' then err = fix_message(err, nil) end
    return false, err
  end
  return true, list
end

-- FCALL: a function gets its keys and arguments as parameters; there are no KEYS/ARGV globals.
local function function_runner(fn, keys, args)
  script_thread = running()
  return fn(keys, args)
end
`;
