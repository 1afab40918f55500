// Differential tests for the core: the same commands sent to Debian's redis-server and to Ferrite
// must produce byte-identical replies (strings, keys, expiry, errors, RESP3 shapes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import type { RunningServer } from '../src/index.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

/** A RESP array of bulk strings with its elements sorted. */
function sortedArrayReply(raw: string): string {
  if (!raw.startsWith('*')) return raw;
  const lines = raw.split('\r\n');
  const items: string[] = [];
  for (let i = 2; i < lines.length; i += 2) items.push(lines[i]);
  return `${lines[0]}|${items.filter((x) => x !== '').sort().join('|')}`;
}

/** Runs a script on both servers (after FLUSHALL) and asserts each reply is identical. */
async function same(commands: string[][]): Promise<void> {
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ['HELLO', '2'], ...commands]);
  for (const r of results.slice(2)) {
    // HELLO's map carries the connection id, which differs by design; its errors must still match.
    if (r.command.startsWith('HELLO') && !r.redis.startsWith('-')) continue;
    // KEYS lists keys in hash-table order, which is unspecified: compare the sets.
    const normalize = r.command.startsWith('KEYS') ? sortedArrayReply : (x: string): string => x;
    assert.is(normalize(r.ferrite), normalize(r.redis), `for: ${r.command}`);
  }
}

test('strings: SET options, GET, GETSET, GETDEL, SETNX, SETEX, errors', async () => {
  await same([
    ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'missing'], ['SET', 'k', 'v2', 'NX'], ['SET', 'k', 'v3', 'XX'], ['GET', 'k'],
    ['SET', 'n', 'x', 'XX'], ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'EX', '10', 'PX', '100'], ['SET', 'k', 'v', 'EX', '0'],
    ['SET', 'k', 'v', 'EX', '-1'], ['SET', 'k', 'v', 'EX', 'abc'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', '5'], ['SET', 'k', 'v', 'FOO'],
    ['SET', 'k', 'v', 'GET'], ['SET', 'k', 'w', 'NX', 'GET'], ['SET', 'new', 'w', 'NX', 'GET'], ['SET', 'k', 'v', 'EX'],
    ['SET', 'k', 'v', 'PX', '9223372036854775807'], ['SET', 'k', 'v', 'EX', '9223372036854775807'],
    ['GETSET', 'k', 'z'], ['GETSET', 'nokey', 'z'], ['GETDEL', 'k'], ['GETDEL', 'k'], ['SETNX', 'a', '1'], ['SETNX', 'a', '2'],
    ['SETEX', 'e', '100', 'v'], ['TTL', 'e'], ['SETEX', 'e', '0', 'v'], ['SETEX', 'e', 'x', 'v'], ['PSETEX', 'p', '100000', 'v'], ['TTL', 'p'],
    ['PSETEX', 'p', '-5', 'v'], ['SET'], ['GET', 'a', 'b'], ['MSET', 'a', '1', 'b'], ['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b', 'c'],
    ['MSETNX', 'a', '1', 'z', '2'], ['MSETNX', 'y', '1', 'z', '2'], ['MGET', 'y', 'z'], ['MSETNX', 'q'],
    ['RPUSH', 'list', 'x'], ['GET', 'list'], ['SET', 'list', 'v', 'GET'], ['GETSET', 'list', 'v'], ['MGET', 'list', 'a'],
    ['SET', 'bin', 'a\0b\r\nc'], ['GET', 'bin'], ['STRLEN', 'bin'],
  ]);
});

test('strings: counters and floats', async () => {
  await same([
    ['INCR', 'c'], ['INCRBY', 'c', '10'], ['DECR', 'c'], ['DECRBY', 'c', '3'], ['GET', 'c'], ['INCRBY', 'c', 'x'], ['INCRBY', 'c', '1.5'],
    ['SET', 'big', '9223372036854775806'], ['INCR', 'big'], ['INCR', 'big'], ['GET', 'big'], ['SET', 'small', '-9223372036854775808'],
    ['DECR', 'small'], ['DECRBY', 'c', '-9223372036854775808'], ['INCRBY', 'c', '9223372036854775808'], ['SET', 's', 'abc'], ['INCR', 's'],
    ['SET', 's', ' 1'], ['INCR', 's'], ['SET', 's', '01'], ['INCR', 's'], ['SET', 's', '+1'], ['INCR', 's'], ['SET', 's', '-0'], ['INCR', 's'],
    ['SET', 'f', '10.5'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '-5'], ['INCRBYFLOAT', 'f', '1e3'], ['INCRBYFLOAT', 'f', 'abc'],
    ['INCRBYFLOAT', 'nf', '3'], ['INCRBYFLOAT', 'nf', '1.0'], ['INCRBYFLOAT', 'nf', 'inf'], ['INCRBYFLOAT', 'nf', '0.0000001'],
    ['SET', 'f2', '3.0'], ['INCRBYFLOAT', 'f2', '0'], ['SET', 'f3', '5e3'], ['INCRBYFLOAT', 'f3', '1'], ['SET', 'f4', '1.5'],
    ['INCRBYFLOAT', 'f4', '-1.5'], ['GET', 'f4'], ['INCRBYFLOAT', 'f4', '123456789.123'], ['INCR', 'f4'],
    ['LPUSH', 'l', 'a'], ['INCR', 'l'], ['INCRBYFLOAT', 'l', '1'],
  ]);
});

test('strings: APPEND, ranges, SETRANGE, LCS', async () => {
  await same([
    ['APPEND', 'a', 'hello'], ['APPEND', 'a', ' world'], ['GET', 'a'], ['STRLEN', 'a'], ['STRLEN', 'none'],
    ['GETRANGE', 'a', '0', '4'], ['GETRANGE', 'a', '-5', '-1'], ['GETRANGE', 'a', '5', '2'], ['GETRANGE', 'a', '-1', '-5'],
    ['GETRANGE', 'a', '0', '100'], ['GETRANGE', 'a', '100', '200'], ['GETRANGE', 'none', '0', '1'], ['GETRANGE', 'a', 'x', '1'],
    ['SUBSTR', 'a', '1', '3'], ['SETRANGE', 'a', '6', 'WORLD'], ['GET', 'a'], ['SETRANGE', 'b', '5', 'x'], ['GET', 'b'],
    ['SETRANGE', 'c', '0', ''], ['EXISTS', 'c'], ['SETRANGE', 'a', '-1', 'x'], ['SETRANGE', 'a', '536870912', 'x'],
    ['SET', 'n', '123'], ['APPEND', 'n', '4'], ['GET', 'n'], ['SETRANGE', 'n', '1', '9'], ['GET', 'n'],
    ['SET', 'k1', 'ohmytext'], ['SET', 'k2', 'mynewtext'], ['LCS', 'k1', 'k2'], ['LCS', 'k1', 'k2', 'LEN'],
    ['LCS', 'k1', 'k2', 'IDX'], ['LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4'], ['LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    ['LCS', 'k1', 'k2', 'IDX', 'LEN'], ['LCS', 'k1', 'missing'], ['LCS', 'k1', 'k2', 'FOO'],
  ]);
});

test('keys: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, SWAPDB, KEYS patterns', async () => {
  await same([
    ['MSET', 'a', '1', 'b', '2', 'c', '3', 'h[1]', 'x', 'h*', 'y', 'hello', 'z', 'hallo', 'z', 'hxllo', 'z', 'hllo', 'z', 'foo\\bar', 'q'],
    ['EXISTS', 'a', 'a', 'zz'], ['TYPE', 'a'], ['TYPE', 'zz'], ['RPUSH', 'l', '1'], ['TYPE', 'l'],
    ['KEYS', 'h?llo'], ['KEYS', 'h*llo'], ['KEYS', 'h[ae]llo'], ['KEYS', 'h[^e]llo'], ['KEYS', 'h[a-b]llo'], ['KEYS', 'h\\[1\\]'],
    ['KEYS', 'h\\*'], ['KEYS', 'foo\\\\bar'], ['KEYS', 'nomatch*'], ['KEYS', 'a'], ['KEYS', '[b-a]'], ['KEYS', 'h[a'],
    ['RENAME', 'a', 'a2'], ['GET', 'a2'], ['RENAME', 'nokey', 'x'], ['RENAME', 'a2', 'a2'], ['RENAMENX', 'b', 'c'], ['RENAMENX', 'b', 'b2'],
    ['COPY', 'b2', 'cp'], ['COPY', 'b2', 'cp'], ['COPY', 'b2', 'cp', 'REPLACE'], ['COPY', 'b2', 'b2'], ['COPY', 'b2', 'd1', 'DB', '1'],
    ['COPY', 'b2', 'x', 'DB', '99'], ['COPY', 'b2', 'x', 'FOO'], ['MOVE', 'cp', '1'], ['MOVE', 'cp', '1'], ['MOVE', 'c', '0'], ['MOVE', 'c', 'x'],
    ['SELECT', '1'], ['KEYS', '*'], ['SELECT', '0'], ['SWAPDB', '0', '1'], ['DBSIZE'], ['SWAPDB', '0', '1'], ['SWAPDB', 'x', '1'],
    ['SWAPDB', '0', '100'], ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', 'x'], ['DEL', 'c', 'zz', 'l'], ['UNLINK', 'b2'],
    ['TOUCH', 'hello', 'nope'], ['FLUSHDB', 'FOO'], ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['RANDOMKEY'], ['FLUSHALL', 'SYNC'],
  ]);
});

test('expiry: EXPIRE family, NX/XX/GT/LT, TTL family, PERSIST', async () => {
  const future = String(Math.floor(Date.now() / 1000) + 1000);
  await same([
    ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['TTL', 'nokey'], ['PEXPIRETIME', 'nokey'],
    ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '100', 'LT'], ['TTL', 'k'], ['EXPIRE', 'k', '50', 'NX'],
    ['EXPIRE', 'k', '200', 'GT'], ['TTL', 'k'], ['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '300', 'LT'], ['EXPIRE', 'k', '10', 'LT'],
    ['TTL', 'k'], ['EXPIRE', 'k', '10', 'NX', 'XX'], ['EXPIRE', 'k', '10', 'GT', 'LT'], ['EXPIRE', 'k', '10', 'FOO'], ['EXPIRE', 'k', 'x'],
    ['PERSIST', 'k'], ['PERSIST', 'k'], ['TTL', 'k'], ['EXPIREAT', 'k', future], ['TTL', 'k'], ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', `${future}000`], ['PEXPIRETIME', 'k'], ['EXPIRE', 'nokey', '10'], ['EXPIRE', 'k', '9223372036854775807'],
    ['PEXPIRE', 'k', '9223372036854775807'], ['EXPIRE', 'k', '-1'], ['EXISTS', 'k'], ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'v2'],
    ['TTL', 'k'], ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'v3', 'KEEPTTL'], ['TTL', 'k'], ['GETEX', 'k', 'PERSIST'], ['TTL', 'k'],
    ['GETEX', 'k', 'EX', '50'], ['TTL', 'k'], ['GETEX', 'k', 'PX', '0'], ['GETEX', 'k', 'EX', '10', 'PX', '10'], ['GETEX', 'k', 'FOO'],
    ['GETEX', 'nokey'], ['INCR', 'k'], ['APPEND', 'k', 'x'], ['TTL', 'k'],
  ]);
});

test('expiry: big 64-bit times are accepted or refused as Redis checks them', async () => {
  await same([
    ['SET', 'k', 'v'], ['PEXPIREAT', 'k', '9223372036854770000'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['EXPIREAT', 'k', '9223372036854770'], ['EXPIRETIME', 'k'], ['EXPIREAT', 'k', '9223372036854775'], ['EXPIREAT', 'k', '9223372036854776'],
    ['EXPIRE', 'k', '9223372036854775'], ['PEXPIRE', 'k', '9223372036854770000'], ['EXPIRE', 'k', '92233720368547'],
    ['SET', 'k', 'v', 'PXAT', '9223372036854770000'], ['PEXPIRETIME', 'k'], ['SET', 'k', 'v', 'EXAT', '9223372036854770'],
    ['SET', 'k', 'v', 'EX', '9223372036854775'], ['SET', 'k', 'v', 'EX', '92233720368547'], ['EXISTS', 'k'],
    ['SET', 'k', 'v', 'PX', '9223372036854775807'], ['GETEX', 'k', 'EXAT', '9223372036854775808'], ['GETEX', 'k', 'PXAT', '9223372036854770000'],
    ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', '-9223372036854775808'], ['EXISTS', 'k'],
  ]);
});

test('errors: unknown commands, arity, RESP3 shapes', async () => {
  await same([
    ['NOSUCHCOMMAND', 'a', 'b'], ['nosuch'], ['GET'], ['SET', 'a'], ['EXPIRE'], ['OBJECT'], ['OBJECT', 'FOO', 'k'], ['CONFIG', 'FOO'],
    ['CLIENT', 'FOO'], ['ECHO', 'hi'], ['ECHO'], ['PING'], ['PING', 'hello'], ['PING', 'a', 'b'],
    ['HELLO', '3'], ['SET', 'k', 'v'], ['GET', 'missing'], ['MGET', 'k', 'missing'], ['CONFIG', 'GET', 'maxmemory'],
    ['SET', 'i', '1'], ['OBJECT', 'ENCODING', 'i'], ['OBJECT', 'ENCODING', 'k'], ['SET', 'long', 'x'.repeat(50)],
    ['OBJECT', 'ENCODING', 'long'], ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'REFCOUNT', 'i'], ['OBJECT', 'FREQ', 'i'],
    ['HELLO', '4'], ['HELLO', 'x'], ['HELLO', '2', 'FOO'], ['HELLO', '2'],
  ]);
});

test.run();
