// Redis 7 functions: FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/HELP and FCALL/FCALL_RO sent to
// Debian's redis-server and to Ferrite, replies compared byte for byte (RESP2 and RESP3); the
// same scripts run as EVAL and as functions give the same results; a busy function answers
// BUSY with FUNCTION KILL's words; a function's writes are propagated as effects; FUNCTION DUMP
// payloads restore both ways, and libraries live in dump.rdb both ways.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../src/index.js';
import { RawClient, differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

const THRESHOLD_MS = 100;

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([
    startRedis(['--busy-reply-threshold', String(THRESHOLD_MS)]),
    startFerrite({ 'busy-reply-threshold': THRESHOLD_MS }),
  ]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

/** Runs the commands on both servers after FLUSHALL and FUNCTION FLUSH; every reply must be identical. */
async function same(commands: string[][], resp3 = false): Promise<string[]> {
  const prefix = [['FLUSHALL'], ['FUNCTION', 'FLUSH'], ...(resp3 ? [['HELLO', '3']] : [])];
  const results = await differential(redis.port, ferrite.port, [...prefix, ...commands]);
  for (const r of results.slice(prefix.length)) assert.is(r.ferrite, r.redis, `for: ${r.command}`);
  return results.slice(prefix.length).map((r) => r.ferrite);
}

const load = (code: string, ...options: string[]): string[] => ['FUNCTION', 'LOAD', ...options, code];
const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

const LOAD_ERRORS: string[][] = [
  load('return 1'),
  load('#!lua name=x'),
  load('#!lua\n'),
  load('#!lua name=x foo=bar\n'),
  load('#!lua name=x name=y\nredis.register_function("a", function() return 1 end)'),
  load('#!lua name=a-b\nredis.register_function("a", function() return 1 end)'),
  load('#!lux name=x\nredis.register_function("a", function() return 1 end)'),
  load('#!lua name=x\n'),
  load(lib('x', 'local x =\n')),
  load(lib('x', "redis.call('ping')")),
  load(lib('x', "redis.pcall('ping')")),
  load(lib('x', "local n = string.len('a')")),
  load(lib('x', 'x = 1')),
  load(lib('x', "redis.register_function('a', function() return 1 end) redis.register_function('A', function() return 1 end)")),
  load(lib('x', "redis.register_function('a b', function() return 1 end)")),
  load(lib('x', "redis.register_function('a', 'not a function')")),
  load(lib('x', "redis.register_function(1)")),
  load(lib('x', 'redis.register_function()')),
  load(lib('x', "redis.register_function('a', function() end, 3)")),
  load(lib('x', "redis.register_function{function_name='a', callback=function() end, flags={'no-writes', 'bogus'}}")),
  load(lib('x', "redis.register_function{function_name='a', callback=function() end, flags='no-writes'}")),
  load(lib('x', "redis.register_function{function_name='a', callback=function() end, other=1}")),
  load(lib('x', "redis.register_function{function_name='a', callback='x'}")),
  load(lib('x', "redis.register_function{function_name='a'}")),
  load(lib('x', 'redis.register_function{callback=function() end}')),
  load(lib('x', "redis.register_function{function_name='a', callback=function() end, description={}}")),
  load(lib('x', 'local t = nil; t.x = 1')),
  load(lib('x', 'while true do end')),
  ['FUNCTION', 'LOAD', 'REPLACE'],
  ['FUNCTION', 'LOAD', 'NOPE', lib('x', '')],
];

test('FUNCTION LOAD: metadata, sandbox and register_function errors are Redis 7.0’s', async () => {
  await same(LOAD_ERRORS);
});

const LIBRARY = lib(
  'mylib',
  [
    "redis.register_function('plain', function(keys, args) return {keys, args} end)",
    'redis.register_function{function_name=\'ro\', callback=function(keys) return redis.call(\'get\', keys[1]) end, flags={\'no-writes\'}, description=\'reads a key\'}',
    "redis.register_function{function_name='Flags', callback=function() return 1 end, flags={'ALLOW-OOM', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}",
    "redis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)",
    "redis.register_function('bad_ro', function(keys) return redis.call('set', keys[1], 'x') end)",
    "redis.register_function{function_name='ro_writes', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}",
    "redis.register_function('fails', function() return redis.call('nosuchcommand') end)",
    "redis.register_function('runtime', function() local t = nil return t.x end)",
    "redis.register_function('globals', function() return KEYS end)",
    "redis.register_function('version', function() return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM} end)",
  ].join('\n'),
);

const FUNCTION_SESSION: string[][] = [
  load(LIBRARY),
  load(LIBRARY),
  load(lib('other', "redis.register_function('plain', function() return 2 end)")),
  load(lib('other', "redis.register_function{function_name='described', description='it says', callback=function() return 2 end, flags={'no-writes', 'allow-stale'}}")),
  // Redis lists libraries, and a library's functions, in its hash tables' order: one at a time here.
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'other'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'oth*'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'OTHER'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME'],
  ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'bogus'],
  ['FUNCTION', 'STATS'],
  ['FCALL', 'plain', '2', 'k1', 'k2', 'a1', 'a2'],
  ['FCALL', 'PLAIN', '0'],
  ['FCALL', 'plain', 'x'],
  ['FCALL', 'plain', '3', 'k1'],
  ['FCALL', 'plain', '-1'],
  ['FCALL', 'nosuch', '0'],
  ['FCALL', 'nosuch', 'x'],
  ['FCALL'],
  ['FCALL', 'setter', '1', 'key', 'value'],
  ['FCALL_RO', 'ro', '1', 'key'],
  ['FCALL', 'ro', '1', 'key'],
  ['FCALL_RO', 'setter', '1', 'key', 'value'],
  ['FCALL', 'bad_ro', '1', 'key'],
  ['FCALL', 'ro_writes', '1', 'key'],
  ['FCALL', 'fails', '0'],
  ['FCALL', 'runtime', '0'],
  ['FCALL', 'globals', '0'],
  ['FCALL', 'version', '0'],
  ['FCALL', 'flags', '0'],
  load(lib('mylib', "redis.register_function('replaced', function() return 'new' end)"), 'REPLACE'),
  ['FCALL', 'replaced', '0'],
  ['FCALL', 'setter', '1', 'k', 'v'],
  load(lib('clash', "redis.register_function('replaced', function() return 'clash' end)"), 'REPLACE'),
  load(lib('clash', "redis.register_function('REPLACED', function() return 'clash' end)"), 'REPLACE'),
  // Which of 'a' and 'A' FCALL finds depends on Redis' hash order, and FUNCTION DELETE of such a
  // library takes redis-server 7.0.15 down: it is only loaded here, and flushed below.
  load(lib('cases', "redis.register_function('a', function() return 'lower' end) redis.register_function('A', function() return 'upper' end)")),
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'mylib', 'WITHCODE'],
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'DELETE', 'nosuch'],
  ['FUNCTION', 'DELETE', 'MYLIB'],
  ['FCALL', 'replaced', '0'],
  ['FUNCTION', 'DELETE'],
  ['FUNCTION', 'FLUSH', 'bogus'],
  ['FUNCTION', 'FLUSH', 'SYNC', 'x'],
  ['FUNCTION', 'FLUSH', 'ASYNC'],
  ['FUNCTION', 'LIST'],
  ['FUNCTION', 'KILL'],
  ['FUNCTION', 'HELP'],
  ['FUNCTION', 'NOSUCH'],
  ['FUNCTION'],
  ['SCRIPT', 'KILL'],
];

test('FUNCTION LIST/STATS/DELETE/FLUSH/KILL/HELP and FCALL/FCALL_RO, RESP2', async () => {
  await same(FUNCTION_SESSION);
});

test('the same, RESP3 (maps, sets and nulls of LIST and STATS)', async () => {
  await same(FUNCTION_SESSION, true);
});

/** [script body, keys, args]: each runs as EVAL, and as a function whose parameters are KEYS and ARGV. */
const SCRIPTS: [string, string[], string[]][] = [
  ['return 1', [], []],
  ["return 'hello'", [], []],
  ['return 3.99', [], []],
  ['return {1, 2, {3, "four"}, true, false}', [], []],
  ['return nil', [], []],
  ["return {ok = 'FINE'}", [], []],
  ["return {err = 'MYERR broke'}", [], []],
  ["return redis.error_reply('CUSTOM x')", [], []],
  ["return redis.status_reply('DONE')", [], []],
  ['return {KEYS[1], KEYS[2], ARGV[1], #ARGV}', ['k1', 'k2'], ['a1', 'a2']],
  ["redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", ['s'], ['v']],
  ["return redis.call('incrby', KEYS[1], ARGV[1])", ['n'], ['5']],
  ["redis.call('rpush', KEYS[1], 'a', 'b', 'c') return redis.call('lrange', KEYS[1], 0, -1)", ['l'], []],
  ["redis.call('zadd', KEYS[1], 1, 'a', 2.5, 'b') return redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')", ['z'], []],
  ["redis.call('hset', KEYS[1], 'f', 'v') return redis.call('hgetall', KEYS[1])", ['h'], []],
  ["return redis.pcall('incr', KEYS[1])", ['s'], []],
  ["return redis.call('incr', KEYS[1])", ['s'], []],
  ["return redis.pcall('nosuch')", [], []],
  ["local r = redis.pcall('get') return type(r) == 'table' and r.err", [], []],
  ["redis.setresp(3) return redis.call('hgetall', KEYS[1])", ['h'], []],
  ["redis.setresp(3) return {double = 1.5}", [], []],
  ["return cjson.encode({a = {1, 2}})", [], []],
  ["return cjson.decode('[1,2,3]')", [], []],
  ["return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))", [], []],
  ['return bit.band(0xff, 0x0f)', [], []],
  ["return struct.pack('>I2', 258)", [], []],
  ["return redis.sha1hex('abc')", [], []],
  ["return string.format('%d-%s', 7, 'x')", [], []],
  ['return math.floor(7.9)', [], []],
  ['return table.concat({1, 2, 3}, ",")', [], []],
  ['return tonumber("0x10")', [], []],
  ['local t = {} for i = 1, 100 do t[i] = i * i end return t[100]', [], []],
  ["error('plain failure')", [], []],
  ["error({err = 'TABLE failure'})", [], []],
  ["return redis.call('select', 1) and redis.call('set', 'in1', 'x') and redis.call('dbsize')", [], []],
  ["return redis.call('exists', KEYS[1])", ['in1'], []],
  ['return undefined_global', [], []],
  ["return redis.call('set', KEYS[1], 'x', 'EX', 'bad')", ['s'], []],
  ["return redis.call('hello')", [], []],
];

/** The library running SCRIPTS[i] as function f<i>. */
const SCRIPTS_LIBRARY = lib(
  'asfunctions',
  SCRIPTS.map(([body], i) => `redis.register_function('f${i}', function(KEYS, ARGV)\n${body}\nend)`).join('\n'),
);

function evalAndFcall(resp3: boolean): { evals: string[][]; fcalls: string[][] } {
  const evals: string[][] = [];
  const fcalls: string[][] = [];
  SCRIPTS.forEach(([body, keys, args], i) => {
    const rest = [String(keys.length), ...keys, ...args];
    evals.push(['EVAL', body, ...rest]);
    fcalls.push(['FCALL', `f${i}`, ...rest]);
  });
  return { evals: resp3 ? [['HELLO', '3'], ...evals] : evals, fcalls: resp3 ? [['HELLO', '3'], ...fcalls] : fcalls };
}

/** Strips what legitimately differs between a script and a function: the name in error positions. */
function normalized(reply: string): string {
  return reply
    .replace(/script: [0-9a-f]{40}, on @user_script:(\d+)\./g, 'script: S, on L$1.')
    .replace(/script: f\d+, on @user_function:(\d+)\./g, 'script: S, on L$1.')
    .replace(/user_(script|function):(\d+):/g, 'L$2:');
}

for (const resp3 of [false, true]) {
  test(`the same scripts as EVAL and as functions give the same results, on both servers (${resp3 ? 'RESP3' : 'RESP2'})`, async () => {
    const { evals, fcalls } = evalAndFcall(resp3);
    const setup = [['FLUSHALL'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH'], load(SCRIPTS_LIBRARY)];
    const evalRun = await differential(redis.port, ferrite.port, [...setup, ...evals]);
    const fcallRun = await differential(redis.port, ferrite.port, [['FLUSHALL'], ...fcalls]);
    const skip = resp3 ? 1 : 0;
    for (const r of [...evalRun.slice(setup.length + skip), ...fcallRun.slice(1 + skip)]) assert.is(r.ferrite, r.redis, `for: ${r.command}`);
    const asEval = evalRun.slice(setup.length + skip).map((r) => normalized(r.ferrite));
    const asFunction = fcallRun.slice(1 + skip).map((r) => normalized(r.ferrite));
    // Function i's body is line 3 + 3i of the library, an EVAL body line 1: positions are shifted.
    SCRIPTS.forEach(([body], i) => {
      const offset = 2 + i * 3;
      const fixed = asFunction[i].replace(/L(\d+)/g, (_, n: string) => `L${Number(n) - offset}`);
      assert.is(fixed, asEval[i], `for script: ${body}`);
    });
  });
}

async function withClients<T>(port: number, n: number, f: (clients: RawClient[]) => Promise<T>): Promise<T> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  try {
    return await f(clients);
  } finally {
    for (const c of clients) c.close();
  }
}

async function untilBusy(probe: RawClient, runner: RawClient): Promise<string> {
  for (;;) {
    const reply = await probe.call('GET', 'probe');
    if (reply.startsWith('-BUSY')) return reply;
    if (runner.pending() !== '') throw new Error(`the function ended before the server went busy: ${runner.pending()}`);
  }
}

/** FUNCTION STATS with the running duration (which varies) masked. */
const maskDuration = (reply: string): string => reply.replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N');

test('a busy function: BUSY naming FUNCTION KILL, SCRIPT KILL refused, STATS shows it, FUNCTION KILL ends it', async () => {
  const scenario = (port: number): Promise<string[]> =>
    withClients(port, 2, async ([a, b]) => {
      await b.call('FUNCTION', 'FLUSH');
      await b.call('FUNCTION', 'LOAD', lib('busy', "redis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)\nredis.register_function('ok', function() return 'fine' end)"));
      a.command('FCALL', 'spin', '0', 'arg');
      const out = [await untilBusy(b, a)];
      out.push(await b.call('SCRIPT', 'KILL'), maskDuration(await b.call('FUNCTION', 'STATS')), await b.call('FUNCTION', 'LIST'));
      out.push(await b.call('FUNCTION', 'KILL'), await a.reply(), await b.call('FUNCTION', 'KILL'), await a.call('FCALL', 'ok', '0'));
      // An EVAL script being busy: FUNCTION KILL and FUNCTION STATS refuse with SCRIPT KILL's words.
      a.command('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
      out.push(await untilBusy(b, a), await b.call('FUNCTION', 'KILL'), await b.call('FUNCTION', 'STATS'), await b.call('SCRIPT', 'KILL'));
      out.push((await a.reply()).replace(/[0-9a-f]{40}/, 'SHA'));
      return out;
    });
  const expected = await scenario(redis.port);
  const actual = await scenario(ferrite.port);
  assert.equal(actual, expected);
  assert.match(actual[0], /^-BUSY Redis is busy running a script\. You can only call FUNCTION KILL or SHUTDOWN NOSAVE\.\r\n$/);
  assert.match(actual[2], /spin/);
});

test('a function’s writes are propagated as effects, FUNCTION LOAD/DELETE/FLUSH as themselves', async () => {
  const seen: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void seen.push(argv);
  const sinks = ferrite.server.state.sinks;
  sinks.push(sink);
  const c = await RawClient.connect(ferrite.port);
  try {
    await c.call('FUNCTION', 'FLUSH');
    seen.splice(0);
    const code = lib('prop', "redis.register_function('two', function(keys) redis.call('incr', keys[1]) redis.call('expire', keys[1], 100) return 1 end)");
    assert.is(await c.call('FUNCTION', 'LOAD', code), '$4\r\nprop\r\n');
    assert.equal(seen.splice(0), [['FUNCTION', 'LOAD', code]]);
    assert.is(await c.call('FCALL', 'two', '1', 'counter'), ':1\r\n');
    const effects = seen.splice(0);
    assert.equal(effects[0], ['MULTI']);
    assert.equal(effects[1], ['incr', 'counter']);
    assert.is(effects[2][0].toUpperCase(), 'PEXPIREAT');
    assert.equal(effects[3], ['EXEC']);
    assert.is(await c.call('FUNCTION', 'DELETE', 'prop'), '+OK\r\n');
    assert.equal(seen.splice(0), [['FUNCTION', 'DELETE', 'prop']]);
  } finally {
    c.close();
    sinks.splice(sinks.indexOf(sink), 1);
  }
});

test('INFO memory counts libraries and functions, and the functions’ VM', async () => {
  const counts = (info: string): string[] => info.split('\r\n').filter((l) => /^number_of_(functions|libraries):/.test(l));
  const steps = [
    ['FUNCTION', 'FLUSH'],
    load(lib('one', "redis.register_function('a', function() return 1 end) redis.register_function('b', function() return 2 end)")),
    load(lib('two', "redis.register_function('c', function() return 3 end)")),
    ['INFO', 'memory'],
  ];
  const [r] = (await differential(redis.port, ferrite.port, steps)).slice(3);
  assert.equal(counts(r.ferrite), counts(r.redis));
  assert.equal(counts(r.ferrite), ['number_of_functions:3', 'number_of_libraries:2']);
  assert.ok(Number(/used_memory_vm_functions:(\d+)/.exec(r.ferrite)?.[1]) > 0);
  assert.ok(Number(/used_memory_functions:(\d+)/.exec(r.ferrite)?.[1]) > 0);
});

/** A RESP bulk reply's bytes. */
function bulkBytes(reply: string): Buffer {
  const header = reply.indexOf('\r\n');
  return Buffer.from(reply.slice(header + 2, reply.length - 2), 'latin1');
}

const DUMPED = lib('dumped', "redis.register_function{function_name='greet', callback=function(keys, args) return 'hello ' .. args[1] end, flags={'no-writes'}, description='says hello'}");
const LONG = lib('long', `local big = '${'x'.repeat(300)}'\nredis.register_function('long', function() return #big end)`);

test('FUNCTION DUMP gives redis-server’s payload; payloads restore both ways; RESTORE policies and errors', async () => {
  // Byte for byte with rdbcompression no (LZF encoders may pick different matches; both decode the same).
  for (const code of [DUMPED, LONG]) {
    const steps = [['CONFIG', 'SET', 'rdbcompression', 'no'], ['FUNCTION', 'FLUSH'], load(code), ['FUNCTION', 'DUMP'], ['CONFIG', 'SET', 'rdbcompression', 'yes']];
    const dump = (await differential(redis.port, ferrite.port, steps))[3];
    assert.is(dump.ferrite, dump.redis, 'the same library dumps to the same bytes');
  }
  // redis-server's payload into Ferrite, and Ferrite's into redis-server.
  const fromRedis = bulkBytes((await differential(redis.port, ferrite.port, [['FUNCTION', 'FLUSH'], load(DUMPED), ['FUNCTION', 'DUMP']]))[2].redis);
  const mine = await RawClient.connect(ferrite.port);
  const theirs = await RawClient.connect(redis.port);
  try {
    await mine.call('FUNCTION', 'FLUSH');
    assert.is(await mine.call('FUNCTION', 'RESTORE', fromRedis), '+OK\r\n');
    assert.is(await mine.call('FCALL_RO', 'greet', '0', 'ferrite'), '$13\r\nhello ferrite\r\n');
    await mine.call('FUNCTION', 'LOAD', LONG);
    const fromFerrite = bulkBytes(await mine.call('FUNCTION', 'DUMP'));
    await theirs.call('FUNCTION', 'FLUSH');
    assert.is(await theirs.call('FUNCTION', 'RESTORE', fromFerrite), '+OK\r\n');
    assert.is(await theirs.call('FCALL', 'long', '0'), ':300\r\n');
    assert.is(await theirs.call('FCALL_RO', 'greet', '0', 'redis'), '$11\r\nhello redis\r\n');
  } finally {
    mine.close();
    theirs.close();
  }
  const corrupt = Buffer.from(fromRedis);
  corrupt[5] ^= 0xff;
  const notAFunction = Buffer.concat([Buffer.from([0]), fromRedis.subarray(1)]);
  await same([
    load(DUMPED),
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1')],
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'APPEND'],
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'REPLACE'],
    ['FCALL_RO', 'greet', '0', 'again'],
    load(lib('other', "redis.register_function('greet', function() return 'other' end)"), 'REPLACE'),
    ['FUNCTION', 'DELETE', 'dumped'],
    load(lib('clash', "redis.register_function('greet', function() return 'clash' end)")),
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'REPLACE'],
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'FLUSH'],
    ['FUNCTION', 'LIST'],
    ['FCALL_RO', 'greet', '0', 'flushed'],
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'bogus'],
    ['FUNCTION', 'RESTORE', fromRedis.toString('latin1'), 'FLUSH', 'x'],
    ['FUNCTION', 'RESTORE', 'short'],
    ['FUNCTION', 'RESTORE', corrupt.toString('latin1')],
    ['FUNCTION', 'RESTORE', notAFunction.toString('latin1')],
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'DUMP'],
  ]);
});

test('libraries are kept in dump.rdb: Ferrite’s file loads into redis-server and redis-server’s into Ferrite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-functions-'));
  try {
    const f = await startFerrite({ dir });
    try {
      const c = await RawClient.connect(f.port);
      await c.call('FUNCTION', 'LOAD', DUMPED);
      await c.call('FUNCTION', 'LOAD', LONG);
      await c.call('SET', 'key', 'value');
      assert.is(await c.call('SAVE'), '+OK\r\n');
      c.close();
    } finally {
      await f.close();
    }
    const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
    assert.is(check.status, 0, check.stdout);
    const r = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    try {
      const c = await RawClient.connect(r.port);
      assert.is(await c.call('FCALL_RO', 'greet', '0', 'loaded'), '$12\r\nhello loaded\r\n');
      assert.is(await c.call('FCALL', 'long', '0'), ':300\r\n');
      assert.is(await c.call('GET', 'key'), '$5\r\nvalue\r\n');
      // Back the other way: redis-server's file, with a library of its own.
      await c.call('FUNCTION', 'LOAD', lib('theirs', "redis.register_function('theirs', function() return 'saved by redis' end)"));
      assert.is(await c.call('SAVE'), '+OK\r\n');
      c.close();
    } finally {
      await r.close();
    }
    const fdir = mkdtempSync(join(tmpdir(), 'ferrite-functions-'));
    copyFileSync(join(dir, 'dump.rdb'), join(fdir, 'dump.rdb'));
    const g = await startFerrite({ dir: fdir });
    try {
      const c = await RawClient.connect(g.port);
      assert.is(await c.call('FCALL', 'theirs', '0'), '$14\r\nsaved by redis\r\n');
      assert.is(await c.call('FCALL_RO', 'greet', '0', 'back'), '$10\r\nhello back\r\n');
      assert.match(await c.call('FUNCTION', 'STATS'), /libraries_count\r\n:3\r\n/);
      c.close();
    } finally {
      await g.close();
      rmSync(fdir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
