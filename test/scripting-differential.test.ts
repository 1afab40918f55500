// EVAL and SCRIPT differential tests: the same scripts and commands sent to Debian's redis-server
// and to Ferrite must produce byte-identical replies — every reply type crossing redis.call in
// both directions, error texts, KEYS/ARGV, SELECT inside scripts, Redis' Lua libraries, RESP3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

/** Runs the commands on both servers (after FLUSHALL and SCRIPT FLUSH) and asserts each reply is identical. */
async function same(commands: string[][]): Promise<void> {
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ...commands]);
  for (const r of results.slice(2)) {
    // HELLO's map carries the connection id and server name, which differ by design.
    if (r.command.startsWith('HELLO') && !r.redis.startsWith('-')) continue;
    assert.is(r.ferrite, r.redis, `for: ${r.command}`);
  }
}

function evalCmd(script: string, keys: string[] = [], args: string[] = []): string[] {
  return ['EVAL', script, String(keys.length), ...keys, ...args];
}

/** [script, keys, args]: run in order on one connection, so later scripts see earlier writes. */
type Case = [script: string, keys?: string[], args?: string[]];

const RETURN_VALUES: Case[] = [
  ['return 1'],
  ['return -42'],
  ['return 3.99'],
  ['return -0.5'],
  ['return 1e20'],
  ["return 'hello'"],
  ["return ''"],
  ['return true'],
  ['return false'],
  ['return nil'],
  ['return'],
  ["return {1, 'two', {3, 'four'}, true, false}"],
  ["return {1, nil, 3}"],
  ["return {'a', 'b', n = 5}"],
  ["return {ok = 'FINE'}"],
  ["return {err = 'MYERR something broke'}"],
  ["return {err = 'no code here'}"],
  ["return redis.status_reply('STATUS')"],
  ["return redis.error_reply('CUSTOM failure')"],
  ["return redis.error_reply('plain')"],
  ["return {1, {err = 'E inner'}, {ok = 'inner ok'}}"],
  ["return 'bin\\0ary\\r\\n'"],
  ["return {double = 3.5}"],
  ['return 1, 2, 3'],
];

const KEYS_AND_ARGV: Case[] = [
  ['return KEYS', ['k1', 'k2'], ['a1']],
  ['return ARGV', ['k1'], ['a1', 'a2', '']],
  ['return {#KEYS, #ARGV}', [], ['x']],
  ["return redis.call('set', KEYS[1], ARGV[1])", ['key'], ['value']],
  ["return redis.call('get', KEYS[1])", ['key']],
  ["return redis.call('get', 'missing')"],
  ["return redis.call('set', 'num', 3.5)"],
  ["redis.call('set', 'num', 1e20) return redis.call('get', 'num')"],
  ["redis.call('set', 'num', -0.1) return redis.call('get', 'num')"],
];

const CALL_REPLIES: Case[] = [
  ["return redis.call('incr', 'counter')"],
  ["return redis.call('incrbyfloat', 'fl', '1.5')"],
  ["return redis.call('ping')"],
  ["return redis.call('echo', 'hi')"],
  ["redis.call('rpush', 'list', 'a', 'b', 'c') return redis.call('lrange', 'list', 0, -1)"],
  ["redis.call('hset', 'hash', 'f', 'v') return redis.call('hgetall', 'hash')"],
  ["redis.call('sadd', 'set', 'only') return redis.call('smembers', 'set')"],
  ["redis.call('zadd', 'z', 1.5, 'a', 2, 'b') return redis.call('zrange', 'z', 0, -1, 'withscores')"],
  ["return redis.call('zscore', 'z', 'a')"],
  ["return redis.call('type', 'z')"],
  ["return redis.call('exists', 'z', 'list', 'nothing')"],
  ["return redis.call('ttl', 'z')"],
  ["return redis.call('lpop', 'nolist')"],
  ["return redis.call('hget', 'hash', 'nofield')"],
  ["return redis.call('mget', 'counter', 'nokey', 'fl')"],
  ["return redis.call('object', 'encoding', 'counter')"],
  ["local v = redis.call('get', 'nokey') return type(v) .. ':' .. tostring(v)"],
  ["local s = redis.call('set', 'x', 1) return type(s) .. ':' .. s.ok"],
  ["return redis.call('blpop', 'emptylist', 0)"],
  ["return redis.call('blmpop', 0, 1, 'emptylist', 'LEFT')"],
  ["redis.call('rpush', 'bl', 'v') return redis.call('blmpop', 0, 1, 'bl', 'LEFT')"],
  ["return redis.call('del', 'counter', 'fl', 'nokey')"],
  ["return redis.call('dbsize')"],
];

const ERRORS: Case[] = [
  ["return redis.call('nosuchcommand')"],
  ["return redis.call('get')"],
  ["return redis.call('get', 'a', 'b')"],
  ["return redis.call('multi')"],
  ["return redis.call('eval', 'return 1', 0)"],
  ["return redis.call('subscribe', 'ch')"],
  ["return redis.call('quit')"],
  ["return redis.pcall('quit')"],
  ["return redis.call('script', 'load', 'return 1')"],
  ["return redis.call('config')"],
  ["return redis.call('config', 'nosuch')"],
  ['return redis.call()'],
  ["return redis.call('set', {}, 'x')"],
  ["return redis.pcall('nosuchcommand')"],
  ["redis.call('set', 'str', 'x') return redis.call('lpush', 'str', 'a')"],
  ["return redis.pcall('lpush', 'str', 'a')"],
  ["local e = redis.pcall('lpush', 'str', 'a') return e.err"],
  ["return redis.call('set', 'k', 'v', 'badopt')"],
  ["return redis.call('incr', 'str')"],
  ['local t = nil return t.x'],
  ["error('plain error')"],
  ["error({err = 'TABLEERR from error'})"],
  ["return pcall(function() error('caught') end)"],
  ["local ok, e = pcall(function() redis.call('nosuchcommand') end) return e"],
  ['return x + 1'],
  ['return +'],
  ['local 1 = 2'],
  ['return "unterminated'],
  ["return cjson.decode('{bad')"],
  ['coroutine.yield(1)'],
  ["return {pcall(coroutine.yield, 1)}"],
  ["local co = coroutine.wrap(function() coroutine.yield(7) end) return co()"],
  ['return {coroutine.running()}'],
];

const LIBRARIES: Case[] = [
  ["return cjson.encode({1, 2, 'three'})"],
  ["return cjson.decode('[1,2,{\"a\":\"b\"}]')[3].a"],
  ["return cjson.encode({key = 'value'})"],
  ["return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))"],
  ["return #cmsgpack.pack('hello', 42)"],
  ['return bit.band(0xff, 0x0f)'],
  ['return bit.tohex(65535)'],
  ["return struct.unpack('>I2', struct.pack('>I2', 513))"],
  ["return redis.sha1hex('abc')"],
  ["return string.format('%5.2f|%d|%s', 3.14159, 42, 'x')"],
  ['return math.floor(7.9)'],
  ["return table.concat({'a', 'b'}, ',')"],
  ['return tostring(1/0)'],
  ['return redis.REDIS_VERSION'],
  ["return type(redis.setresp)"],
  ["redis.log(redis.LOG_WARNING, 'from a script') return 'logged'"],
];

function evalAll(cases: Case[]): string[][] {
  return cases.map(([script, keys, args]) => evalCmd(script, keys, args));
}

test('return values: Lua types to RESP', async () => {
  await same(evalAll(RETURN_VALUES));
});

test('KEYS, ARGV, numbers as arguments', async () => {
  await same(evalAll(KEYS_AND_ARGV));
});

test('redis.call replies of every type reach Lua as Redis converts them', async () => {
  await same(evalAll(CALL_REPLIES));
});

test('errors: command refusals, command errors, Lua errors, their exact texts', async () => {
  await same(evalAll(ERRORS));
});

test('cjson, cmsgpack, bit, struct and the standard library', async () => {
  await same(evalAll(LIBRARIES));
});

test('numkeys errors and argument shapes', async () => {
  await same([
    ['EVAL', 'return 1', '2', 'a'], ['EVAL', 'return 1', '-1'], ['EVAL', 'return 1', 'x'], ['EVAL', 'return 1', '1.5'],
    ['EVAL', 'return 1'], ['EVAL', 'return KEYS', '0'], ['EVAL', 'return 1', '99999999999999999999'],
    ['EVALSHA', 'nosuchsha', '0'], ['EVALSHA', 'nosuchsha', '-1'], ['EVALSHA', 'nosuchsha', '5', 'a'],
    ['COMMAND', 'GETKEYS', 'EVAL', 'return 1', '2', 'a', 'b', 'c'], ['COMMAND', 'GETKEYS', 'EVALSHA_RO', 'x', '1', 'k'],
  ]);
});

test('SELECT inside a script changes only the script’s database', async () => {
  await same([
    evalCmd("redis.call('select', 1) redis.call('set', 'k', 'in1') return redis.call('get', 'k')"),
    ['GET', 'k'], ['SELECT', '1'], ['GET', 'k'],
    evalCmd("return redis.call('get', 'k')"),
    evalCmd("redis.call('select', 0) return redis.call('exists', 'k')"),
    ['GET', 'k'],
    evalCmd("return redis.call('select', 99)"),
    ['SELECT', '0'],
  ]);
});

test('EVALSHA and the SCRIPT commands', async () => {
  const sha = 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db';
  await same([
    ['SCRIPT', 'LOAD', 'return 1'], ['EVALSHA', sha, '0'], ['EVALSHA', sha.toUpperCase(), '0'], ['EVALSHA_RO', sha, '0'],
    ['SCRIPT', 'EXISTS', sha, sha.toUpperCase(), 'ffffffffffffffffffffffffffffffffffffffff', 'short'],
    ['SCRIPT', 'LOAD', 'return +'], ['SCRIPT', 'LOAD'], ['SCRIPT', 'LOAD', 'a', 'b'],
    ['SCRIPT', 'FLUSH'], ['SCRIPT', 'EXISTS', sha], ['EVALSHA', sha, '0'],
    ['EVAL', 'return 7', '0'], ['SCRIPT', 'EXISTS', '4f7d3e8e1e1f5b5fd1a7d6e5ba3e4e8f9f7b3e4a'],
    ['SCRIPT', 'EXISTS', '1d7e4c26ef8d6b7b3f8c9ef1d7c3b8f07a9c4c53'],
    ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'FLUSH', 'sync'], ['SCRIPT', 'FLUSH', 'bad'], ['SCRIPT', 'FLUSH', 'a', 'b'],
    ['SCRIPT', 'KILL'], ['SCRIPT', 'KILL', 'x'], ['SCRIPT', 'HELP'], ['SCRIPT', 'NOSUCH'], ['SCRIPT'],
    ['SCRIPT', 'EXISTS'],
  ]);
});

test('read-only scripts: EVAL_RO and the no-writes shebang flag', async () => {
  await same([
    ['EVAL_RO', "return redis.call('get', 'x')", '0'],
    ['EVAL_RO', "return redis.call('set', 'x', 1)", '0'],
    ['EVAL_RO', "return redis.pcall('set', 'x', 1)", '0'],
    ['EVAL_RO', "return redis.call('pfcount', 'hll')", '0'],
    evalCmd("#!lua flags=no-writes\nreturn redis.call('set', 'x', 1)"),
    evalCmd("#!lua flags=no-writes\nreturn redis.call('get', 'x')"),
    evalCmd("#!lua\nreturn redis.call('set', 'x', 1)"),
    ['EVAL_RO', "#!lua\nreturn 1", '0'],
    ['EVAL_RO', "#!lua flags=no-writes\nreturn 1", '0'],
    evalCmd('#!lua flags=bogus\nreturn 1'),
    evalCmd('#!python\nreturn 1'),
    evalCmd('#!lua'),
    evalCmd('#!lua name=x\nreturn 1'),
    ['GET', 'x'],
  ]);
});

test('RESP3: HELLO 3 callers, redis.setresp(3), RESP3 reply types both ways', async () => {
  await same([
    ['HELLO', '3'],
    evalCmd('return true'), evalCmd('return false'), evalCmd('return nil'),
    evalCmd("redis.setresp(3) return true"), evalCmd("redis.setresp(3) return false"),
    evalCmd("return {double = 3.25}"), evalCmd("return {map = {a = 1}}"), evalCmd("return {set = {a = true}}"),
    evalCmd("return {big_number = '123456789012345678901234567890'}"),
    evalCmd("return {verbatim_string = {format = 'txt', string = 'some text'}}"),
    evalCmd("redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')"),
    evalCmd("redis.setresp(3) return redis.call('hgetall', 'h')"),
    evalCmd("redis.setresp(3) local m = redis.call('hgetall', 'h') return m.map.f"),
    evalCmd("redis.call('zadd', 'z', 1.5, 'a') redis.setresp(3) return redis.call('zscore', 'z', 'a')"),
    evalCmd("redis.setresp(3) local d = redis.call('zscore', 'z', 'a') return tostring(d.double)"),
    evalCmd("redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')"),
    evalCmd("return redis.call('zrange', 'z', 0, -1, 'withscores')"),
    evalCmd("redis.call('sadd', 's', 'm') redis.setresp(3) return redis.call('smembers', 's')"),
    evalCmd("redis.setresp(3) local s = redis.call('smembers', 's') return tostring(s.set.m)"),
    evalCmd("redis.setresp(3) return redis.call('get', 'nokey')"),
    evalCmd("redis.setresp(3) return type(redis.call('get', 'nokey'))"),
    evalCmd('redis.setresp(4)'),
    evalCmd("redis.setresp(3) return redis.call('hget', 'h', 'nofield')"),
    evalCmd("redis.setresp(3) return {1, redis.call('exists', 'h')}"),
    ['HELLO', '2'],
    evalCmd("redis.setresp(3) return redis.call('hgetall', 'h')"),
    evalCmd("return {map = {a = 1}}"), evalCmd("return {double = 3.25}"), evalCmd("return {set = {a = true}}"),
  ]);
});

test.run();
