// EVAL on a running server: the script cache, atomicity against other clients, propagation of a
// script's effects, frozen time, MONITOR, OOM, INFO, and long scripts — other clients get BUSY
// while a script runs past busy-reply-threshold, SCRIPT KILL ends it unless it already wrote.
// Scenarios with several clients run on Debian's redis-server too and must give the same replies.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
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

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const LOOP_FOREVER = 'local i = 0 while true do i = i + 1 end';
/** Writes, spins for `ms` by the server's clock (TIME is not frozen), then returns `result` (Lua). */
const writeThenSpin = (ms: number, result = "'done'"): string =>
  `redis.call('set', 'w', '1') local t0 = redis.call('time') ` +
  `repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > ${ms * 1000} return ${result}`;

/**
 * Sends GET on `probe` until the server answers BUSY: the script sent on `runner` has timed out.
 * Fails instead of spinning forever if the script ends first.
 */
async function untilBusy(probe: RawClient, runner: RawClient): Promise<string> {
  for (;;) {
    const reply = await probe.call('GET', 'probe');
    if (reply.startsWith('-BUSY')) return reply;
    if (runner.pending() !== '') throw new Error(`the script ended before the server went busy: ${runner.pending()}`);
  }
}

async function withClients<T>(port: number, n: number, f: (clients: RawClient[]) => Promise<T>): Promise<T> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  try {
    return await f(clients);
  } finally {
    for (const c of clients) c.close();
  }
}

/**
 * Runs a multi-client scenario on both servers and asserts the transcripts are equal. One after
 * the other: Ferrite runs in this process, and a script it runs holds up the clients talking to
 * redis-server too.
 */
async function sameOnBoth(scenario: (port: number) => Promise<string[]>): Promise<string[]> {
  const expected = await scenario(redis.port);
  const actual = await scenario(ferrite.port);
  assert.equal(actual, expected);
  return actual;
}

test('SCRIPT LOAD returns the SHA1, EVAL caches, EVALSHA runs it', async () => {
  const c = new Redis(ferrite.port, '127.0.0.1');
  try {
    await c.script('FLUSH');
    const body = "return redis.call('incr', KEYS[1])";
    assert.is(await c.script('LOAD', body), sha1(body));
    assert.is(await c.evalsha(sha1(body), 1, 'n'), 1);
    await c.eval('return 42', 0);
    assert.equal(await c.script('EXISTS', sha1('return 42'), sha1('never')), [1, 0]);
    const info = await c.info('memory');
    assert.match(info, /number_of_cached_scripts:2\r\n/);
    assert.ok(Number(/used_memory_lua:(\d+)/.exec(info)?.[1]) > 0);
    await c.script('FLUSH');
    assert.match(await c.info('memory'), /number_of_cached_scripts:0\r\n/);
  } finally {
    c.disconnect();
  }
});

test('a script is atomic: another client’s INCRs never land between its commands', async () => {
  const script = `local first = redis.call('incr', KEYS[1])
    for i = 1, 20000 do redis.call('incr', KEYS[1]) end
    return redis.call('get', KEYS[1]) - first`;
  const a = new Redis(ferrite.port, '127.0.0.1');
  const b = new Redis(ferrite.port, '127.0.0.1');
  try {
    await a.del('atomic');
    // INCRs sent while a script has been running long enough to be suspended get BUSY instead.
    let applied = 0;
    const hammer = (async () => {
      for (let round = 0; round < 20; round++) {
        const p = b.pipeline();
        for (let i = 0; i < 100; i++) p.incr('atomic');
        for (const [err] of (await p.exec()) ?? []) if (err === null) applied++;
      }
    })();
    const gaps = await Promise.all([a.eval(script, 1, 'atomic'), a.eval(script, 1, 'atomic'), a.eval(script, 1, 'atomic')]);
    await hammer;
    assert.equal(gaps, [20000, 20000, 20000]);
    assert.is(await a.get('atomic'), String(3 * 20001 + applied));
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('a script propagates its writes in MULTI/EXEC, a single write alone, never the EVAL', async () => {
  const seen: [number, string[]][] = [];
  const sink = (db: number, argv: string[]): void => void seen.push([db, argv]);
  const sinks = ferrite.server.state.sinks;
  sinks.push(sink);
  const c = new Redis(ferrite.port, '127.0.0.1');
  try {
    await c.eval("redis.call('INCR', 'x') redis.call('SET', 'y', 'z')", 0);
    assert.equal(seen.splice(0), [[0, ['MULTI']], [0, ['INCR', 'x']], [0, ['SET', 'y', 'z']], [0, ['EXEC']]]);
    await c.eval("redis.call('set', 'only', 'one') return redis.call('get', 'only')", 0);
    assert.equal(seen.splice(0), [[0, ['set', 'only', 'one']]]);
    await c.eval("return redis.call('get', 'x')", 0);
    assert.equal(seen.splice(0), []);
    // SELECT inside the script: each write carries the database it was made in.
    await c.eval("redis.call('select', 2) redis.call('set', 'a', '1') redis.call('select', 0) redis.call('del', 'y')", 0);
    assert.equal(seen.splice(0), [[2, ['MULTI']], [2, ['set', 'a', '1']], [0, ['del', 'y']], [0, ['EXEC']]]);
    // Writes made before an error stay made, and are propagated.
    await c.eval("redis.call('set', 'e', '1') error('boom')", 0).catch(() => undefined);
    assert.equal(seen.splice(0), [[0, ['set', 'e', '1']]]);
    // redis.set_repl(REPL_NONE) keeps the commands after it to the dataset.
    await c.eval("redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1') redis.set_repl(redis.REPL_ALL) redis.call('set', 'shown', '1')", 0);
    assert.equal(seen.splice(0), [[0, ['set', 'shown', '1']]]);
    // Inside EXEC, the script's writes join the transaction's unit.
    await c.multi().set('m1', 'a').eval("redis.call('set', 'm2', 'b') redis.call('set', 'm3', 'c')", 0).exec();
    assert.equal(seen.splice(0), [[0, ['MULTI']], [0, ['set', 'm1', 'a']], [0, ['set', 'm2', 'b']], [0, ['set', 'm3', 'c']], [0, ['EXEC']]]);
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
    c.disconnect();
  }
});

test('time stands still inside a script: a key does not expire while it runs', async () => {
  const script = `local t0 = redis.call('time')
    repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 300000
    return redis.call('exists', KEYS[1])`;
  await sameOnBoth(async (port) => {
    return withClients(port, 1, async ([c]) => [await c.call('SET', 'shortlived', 'v', 'PX', '100'), await c.call('EVAL', script, '1', 'shortlived'), await c.call('EXISTS', 'shortlived')]);
  });
});

test('a script’s write to a watched key makes the watcher’s EXEC fail', async () => {
  await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => [
      await a.call('WATCH', 'watched'), await a.call('MULTI'), await a.call('SET', 'other', '1'),
      await b.call('EVAL', "return redis.call('set', KEYS[1], 'x')", '1', 'watched'),
      await a.call('EXEC'), await a.call('GET', 'other'),
    ]),
  );
});

test('MONITOR shows EVAL before the commands its script runs', async () => {
  await withClients(ferrite.port, 2, async ([monitor, c]) => {
    assert.is(await monitor.call('MONITOR'), '+OK\r\n');
    await c.call('EVAL', "return redis.call('set', 'mon', 'v')", '0');
    const lines = await monitor.waitFor((s) => s.includes('"mon"'));
    assert.match(lines, /\[0 127\.0\.0\.1:\d+\] "EVAL" "return redis\.call\('set', 'mon', 'v'\)" "0"\r\n\+[\d.]+ \[0 lua\] "set" "mon" "v"\r\n/);
  });
});

test('out of memory: a script may not start writing, unless it declares allow-oom', async () => {
  const results = await differential(redis.port, ferrite.port, [
    ['FLUSHALL'], ['SET', 'big', 'x'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['CONFIG', 'SET', 'maxmemory', '1'],
    ['EVAL', "return redis.call('set', 'a', 'b')", '0'],
    ['EVAL', "return redis.call('get', 'big')", '0'],
    ['EVAL', "redis.call('get', 'big') return redis.pcall('incr', 'n')", '0'],
    ['EVAL', "#!lua\nreturn 1", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'big')", '0'],
    ['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', 'a', 'b')", '0'],
    ['EVAL', "return redis.call('del', 'a')", '0'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['EVAL', "return redis.call('set', 'a', 'b')", '0'],
  ]);
  for (const r of results) assert.is(r.ferrite, r.redis, `for: ${r.command}`);
});

test('a script in MULTI runs at EXEC, its reply an element of EXEC’s array', async () => {
  const results = await differential(redis.port, ferrite.port, [
    ['FLUSHALL'], ['MULTI'], ['EVAL', "return redis.call('incr', 'tx')", '0'], ['EVAL', 'return {1, {2}}', '0'],
    ['EVAL', "return redis.call('nosuch')", '0'], ['EXEC'],
  ]);
  for (const r of results) assert.is(r.ferrite, r.redis, `for: ${r.command}`);
});

test('busy script: others get BUSY (reads too), SCRIPT KILL ends it, its own client waits its turn', async () => {
  const transcript = await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      a.command('EVAL', LOOP_FOREVER, '0');
      a.command('PING');
      const out = [await untilBusy(b, a)];
      out.push(await b.call('SET', 'k', 'v'), await b.call('SCRIPT', 'LOAD', 'return 1'), await b.call('SHUTDOWN'));
      out.push(await b.call('SCRIPT', 'KILL'));
      out.push(...(await a.replies(2)));
      out.push(await b.call('GET', 'probe'), await b.call('SCRIPT', 'KILL'));
      return out;
    }),
  );
  assert.match(transcript[0], /^-BUSY Redis is busy running a script\. You can only call SCRIPT KILL or SHUTDOWN NOSAVE\.\r\n$/);
  assert.match(transcript[5], /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
});

test('busy script that already wrote: SCRIPT KILL answers UNKILLABLE and the script finishes', async () => {
  const transcript = await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      a.command('EVAL', writeThenSpin(1500), '0');
      const out = [await untilBusy(b, a), await b.call('SCRIPT', 'KILL'), await a.reply(), await b.call('GET', 'w')];
      return out;
    }),
  );
  assert.match(transcript[1], /^-UNKILLABLE Sorry the script already executed write commands/);
  assert.is(transcript[2], '$4\r\ndone\r\n');
});

test('a kill is not swallowed by pcall, and a long script’s BLMPOP still does not block', async () => {
  await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      a.command('EVAL', `while true do pcall(function() ${LOOP_FOREVER} end) end`, '0');
      const out = [await untilBusy(b, a), await b.call('SCRIPT', 'KILL'), await a.reply()];
      a.command('EVAL', writeThenSpin(1000, "redis.call('blmpop', 0, 1, 'nothing', 'LEFT')"), '0');
      out.push(await untilBusy(b, a), await a.reply());
      return out;
    }),
  );
});

test('clients blocked on keys a busy script wrote are served after it, not during', async () => {
  await withClients(ferrite.port, 3, async ([a, b, waiter]) => {
    await waiter.call('DEL', 'queue');
    waiter.command('BLPOP', 'queue', '0');
    while (!(await b.call('INFO', 'clients')).includes('blocked_clients:1')) await b.call('PING');
    a.command('EVAL', `redis.call('rpush', 'queue', 'item') ${writeThenSpin(1000)}`, '0');
    await untilBusy(b, a);
    assert.is(waiter.pending(), '');
    assert.is(await a.reply(), '$4\r\ndone\r\n');
    assert.is(await waiter.reply(), '*2\r\n$5\r\nqueue\r\n$4\r\nitem\r\n');
  });
});

test('SHUTDOWN NOSAVE gets through while a script is busy, and the suspended script is dropped', async () => {
  const own = await startFerrite({ 'busy-reply-threshold': 10 });
  await withClients(own.port, 2, async ([a, b]) => {
    a.command('EVAL', LOOP_FOREVER, '0');
    await untilBusy(b, a);
    b.command('SHUTDOWN', 'NOSAVE');
    assert.is(await b.waitClosed(), '');
    await own.close();
    assert.is(own.server.state.busyError, null);
  });
});

test.run();
