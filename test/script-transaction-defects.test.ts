// Defects of issue 12 found side by side with redis-server 7.0.15, each scenario run on both servers
// with the transcripts compared: a script past busy-reply-threshold inside MULTI ... EXEC (BUSY for
// the others, SCRIPT KILL, the transaction finishing), EXEC of read-only commands over maxmemory,
// INFO commandstats for scripts and functions, SLOWLOG and commandstats of blocked commands,
// MODULE for a server without modules, and what RESET leaves behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

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

async function withClients<T>(port: number, n: number, f: (clients: RawClient[]) => Promise<T>): Promise<T> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  try {
    return await f(clients);
  } finally {
    for (const c of clients) c.close();
  }
}

/** Runs the scenario on redis-server, then on Ferrite; the transcripts must be equal. */
async function sameOnBoth(scenario: (port: number) => Promise<string[]>): Promise<string[]> {
  const expected = await scenario(redis.port);
  const actual = await scenario(ferrite.port);
  assert.equal(actual, expected);
  return actual;
}

async function untilBusy(probe: RawClient, runner: RawClient): Promise<string> {
  for (;;) {
    const reply = await probe.call('GET', 'probe');
    if (reply.startsWith('-BUSY')) return reply;
    if (runner.pending() !== '') throw new Error(`the script ended before the server went busy: ${runner.pending()}`);
  }
}

const LOOP_FOREVER = 'local i = 0 while true do i = i + 1 end';
const spinThenReturn = (ms: number, result: string): string =>
  `local t0 = redis.call('time') repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > ${ms * 1000} return ${result}`;

test('a long script inside MULTI ... EXEC: BUSY for others, SCRIPT KILL, the rest of the transaction runs', async () => {
  const transcript = await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      await b.call('FLUSHALL');
      const out = [await a.call('MULTI'), await a.call('SET', 'before', '1'), await a.call('EVAL', LOOP_FOREVER, '0'), await a.call('INCR', 'after')];
      a.command('EXEC');
      a.command('GET', 'after');
      out.push(await untilBusy(b, a), await b.call('INCR', 'after'), await b.call('SCRIPT', 'KILL'));
      out.push(...(await a.replies(2)));
      // A long script that finishes by itself: the transaction's later commands see its effects.
      out.push(await a.call('MULTI'), await a.call('EVAL', `redis.call('set', 'w', 'x') ${spinThenReturn(400, "'done'")}`, '0'));
      out.push(await a.call('APPEND', 'w', 'y'), await a.call('EVAL', spinThenReturn(300, "redis.call('get', 'w')"), '0'));
      a.command('EXEC');
      out.push(await untilBusy(b, a), await b.call('SCRIPT', 'KILL'), await a.reply(), await b.call('GET', 'w'));
      return out;
    }),
  );
  assert.match(transcript[7], /^\*3\r\n\+OK\r\n-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n:1\r\n$/);
  assert.match(transcript[14], /^-UNKILLABLE /);
  assert.is(transcript[15], '*3\r\n$4\r\ndone\r\n:2\r\n$2\r\nxy\r\n');
});

test('a long script in EXEC propagates the whole transaction as one unit', async () => {
  const seen: string[][] = [];
  const sink = (_db: number, argv: string[]): void => void seen.push(argv);
  const sinks = ferrite.server.state.sinks;
  sinks.push(sink);
  try {
    await withClients(ferrite.port, 2, async ([a, b]) => {
      await a.call('MULTI');
      await a.call('SET', 'u1', '1');
      await a.call('EVAL', `redis.call('set', 'u2', '2') ${spinThenReturn(300, '1')}`, '0');
      await a.call('SET', 'u3', '3');
      a.command('EXEC');
      await untilBusy(b, a);
      assert.is(await a.reply(), '*3\r\n+OK\r\n:1\r\n+OK\r\n');
    });
    assert.equal(seen, [['MULTI'], ['SET', 'u1', '1'], ['set', 'u2', '2'], ['SET', 'u3', '3'], ['EXEC']]);
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
  }
});

test('EXEC of read-only commands runs while over maxmemory; queued writes make it fail', async () => {
  await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      const out = [await b.call('FLUSHALL'), await b.call('SET', 'k', 'v')];
      out.push(await a.call('MULTI'), await a.call('GET', 'k'), await a.call('TTL', 'k'), await a.call('EVAL', "return redis.call('get', 'k')", '0'));
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '1'));
      out.push(await a.call('EXEC'));
      out.push(await a.call('MULTI'), await a.call('GET', 'k'), await a.call('EXEC'));
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '0'));
      out.push(await a.call('MULTI'), await a.call('GET', 'k'), await a.call('SET', 'x', 'y'));
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '1'));
      out.push(await a.call('EXEC'));
      out.push(await a.call('EVAL', "return redis.call('get', 'k')", '0'), await a.call('EVAL', "return redis.call('set', 'k', 'v')", '0'));
      // Functions are judged by their flags: only no-writes or allow-oom ones run.
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '0'), await b.call('FUNCTION', 'FLUSH'));
      out.push(await b.call('FUNCTION', 'LOAD', [
        '#!lua name=oom',
        "redis.register_function('w', function() return redis.call('get', 'k') end)",
        "redis.register_function{function_name='r', callback=function() return redis.call('get', 'k') end, flags={'no-writes'}}",
        "redis.register_function{function_name='o', callback=function() return redis.call('set', 'k', 'o') end, flags={'allow-oom'}}",
      ].join('\n')));
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '1'));
      out.push(await a.call('FCALL', 'w', '0'), await a.call('FCALL', 'r', '0'), await a.call('FCALL_RO', 'r', '0'), await a.call('FCALL', 'o', '0'));
      out.push(await b.call('CONFIG', 'SET', 'maxmemory', '0'));
      return out;
    }),
  );
});

/** `name:calls=N,...,rejected_calls=N,failed_calls=N` lines of INFO commandstats without the timings. */
function commandstats(info: string, names: string[]): string[] {
  return info
    .split('\r\n')
    .filter((l) => names.some((n) => l.startsWith(`cmdstat_${n}:`)))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
}

test('INFO commandstats counts scripts and functions as cmdstat_eval, cmdstat_fcall...; a blocked command once', async () => {
  await sameOnBoth((port) =>
    withClients(port, 3, async ([a, b, w]) => {
      await a.call('FLUSHALL');
      await a.call('FUNCTION', 'FLUSH');
      await a.call('FUNCTION', 'LOAD', "#!lua name=stats\nredis.register_function('f', function() return redis.call('incr', 'n') end)");
      await a.call('CONFIG', 'RESETSTAT');
      await a.call('EVAL', "return redis.call('set', 'a', 'b')", '0');
      await a.call('EVAL', 'return 1', '0');
      await a.call('EVAL', "return redis.call('nosuch')", '0');
      await a.call('EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0');
      await a.call('FCALL', 'f', '0');
      await a.call('FCALL_RO', 'f', '0');
      await a.call('FCALL', 'nope', '0');
      w.command('BLPOP', 'list', '0');
      while (!(await b.call('INFO', 'clients')).includes('blocked_clients:1')) await b.call('PING');
      await b.call('RPUSH', 'list', 'x');
      await w.reply();
      await w.call('BLPOP', 'empty', '0.01');
      const info = await a.call('INFO', 'commandstats');
      return commandstats(info, ['eval', 'evalsha', 'fcall', 'fcall_ro', 'set', 'incr', 'blpop', 'rpush']);
    }),
  );
});

test('a long script’s EVAL is counted and slow-logged with its whole time, and as failed when killed', async () => {
  let usec = 0;
  let logged = 0;
  await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      await b.call('CONFIG', 'RESETSTAT');
      await b.call('CONFIG', 'SET', 'slowlog-log-slower-than', '200000');
      await b.call('SLOWLOG', 'RESET');
      a.command('EVAL', spinThenReturn(300, "'done'"), '0');
      await untilBusy(b, a);
      await a.reply();
      a.command('EVAL', LOOP_FOREVER, '0');
      await untilBusy(b, a);
      await b.call('SCRIPT', 'KILL');
      await a.reply();
      const info = await b.call('INFO', 'commandstats');
      usec = Number(/cmdstat_eval:calls=\d+,usec=(\d+)/.exec(info)?.[1]);
      const slow = await b.call('SLOWLOG', 'GET', '10');
      await b.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      // The oldest entry is the 300 ms script: its duration is the 3rd field of the last entry.
      const durations = [...slow.matchAll(/\*6\r\n:\d+\r\n:\d+\r\n:(\d+)\r\n/g)].map((m) => Number(m[1]));
      logged = durations[durations.length - 1];
      return [...commandstats(info, ['eval']), `slowlog entries: ${durations.length}`];
    }),
  );
  // The first script alone spun 300 ms by the server's clock.
  assert.ok(usec >= 300_000, `usec=${usec}`);
  assert.ok(logged >= 300_000, `slowlog duration=${logged}`);
});

test('SLOWLOG records what the client sent, a blocked command once, and a script’s own commands', async () => {
  const entries = await sameOnBoth((port) =>
    withClients(port, 3, async ([a, b, w]) => {
      await a.call('DEL', 'list');
      await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await a.call('SLOWLOG', 'RESET');
      await a.call('SET', 'k', 'v', 'EX', '100');
      await a.call('EXPIRE', 'k', '200');
      await a.call('INCRBYFLOAT', 'f', '1.5');
      await a.call('GETEX', 'k', 'PERSIST');
      await a.call('EVAL', "return redis.call('get', 'k')", '0');
      w.command('BLPOP', 'list', '0');
      while (!(await b.call('INFO', 'clients')).includes('blocked_clients:1')) await b.call('PING');
      await b.call('RPUSH', 'list', 'x');
      await w.reply();
      await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      // Each entry: its arguments (id, time, duration and a TCP address vary), and the address of a script's command.
      a.command('SLOWLOG', 'GET', '20');
      const raw = await a.reply();
      const entries = raw.split(/\*6\r\n/).slice(1);
      return entries.map((e) => {
        const lines = e.split('\r\n');
        const n = Number(lines[3].slice(1));
        const args: string[] = [];
        for (let i = 0; i < n; i++) args.push(lines[5 + 2 * i]);
        const addr = lines[5 + 2 * n];
        return args.join(' ') + (addr.startsWith('127.0.0.1:') ? '' : ` from ${addr}`);
      });
    }),
  );
  assert.ok(entries.includes('get k from ?:0'), entries.join(' | '));
  assert.is(entries.filter((e) => e === 'BLPOP list 0').length, 1);
  assert.ok(entries.includes('SET k v EX 100'));
});

test('MODULE: LIST is empty, HELP, and loading refused as on a Redis with enable-module-command no', async () => {
  await sameOnBoth((port) =>
    withClients(port, 1, async ([a]) => {
      const out: string[] = [];
      for (const cmd of [['MODULE', 'LIST'], ['MODULE', 'HELP'], ['MODULE', 'nosuch'], ['MODULE'], ['MODULE', 'LOAD', '/no/such.so'], ['MODULE', 'LOADEX', '/no/such.so', 'ARGS', 'a'], ['MODULE', 'UNLOAD', 'x'], ['MODULE', 'LIST', 'x']]) {
        out.push(await a.call(...cmd));
      }
      await a.call('HELLO', '3');
      out.push(await a.call('MODULE', 'LIST'));
      return out;
    }),
  );
});

test('RESET clears the name, database, MULTI, WATCH, subscriptions, REPLY mode, tracking, protocol and authentication', async () => {
  await sameOnBoth((port) =>
    withClients(port, 2, async ([a, b]) => {
      const out: string[] = [];
      const info = async (): Promise<void> => {
        const line = await a.call('CLIENT', 'INFO');
        out.push(/ name=\S* /.exec(line)![0] + /db=\d+/.exec(line)![0] + / flags=\S+/.exec(line)![0] + / sub=\d+ psub=\d+/.exec(line)![0] + / multi=-?\d+/.exec(line)![0] + / resp=\d/.exec(line)![0]);
      };
      await a.call('FLUSHALL');
      await a.call('CLIENT', 'SETNAME', 'before');
      await a.call('SELECT', '3');
      await a.call('SET', 'in3', 'x');
      await a.call('CLIENT', 'TRACKING', 'on');
      await a.call('GET', 'in3');
      await a.call('WATCH', 'w');
      await info();
      out.push(await a.call('RESET'));
      await info();
      out.push(await a.call('GET', 'in3'), await a.call('CLIENT', 'TRACKINGINFO'), await a.call('CLIENT', 'GETNAME'));
      // MULTI is discarded.
      await a.call('MULTI');
      await a.call('SET', 'queued', '1');
      out.push(await a.call('RESET'), await a.call('EXEC'), await a.call('EXISTS', 'queued'));
      // Subscriptions end, and RESP3 goes back to RESP2.
      await a.call('HELLO', '3');
      await a.call('SUBSCRIBE', 'ch');
      await a.call('PSUBSCRIBE', 'p*');
      await info();
      out.push(await a.call('RESET'));
      await info();
      out.push(await b.call('PUBLISH', 'ch', 'm'), await a.call('PING'));
      // CLIENT REPLY OFF ends: RESET itself replies.
      a.command('CLIENT', 'REPLY', 'OFF');
      a.command('SET', 'silent', '1');
      out.push(await a.call('RESET'), await a.call('GET', 'silent'));
      // With a password, RESET logs the connection out.
      await b.call('CONFIG', 'SET', 'requirepass', 'secret');
      out.push(await a.call('AUTH', 'secret'), await a.call('RESET'), await a.call('GET', 'silent'), await a.call('AUTH', 'secret'), await a.call('GET', 'silent'));
      out.push(await a.call('CONFIG', 'SET', 'requirepass', ''));
      return out;
    }),
  );
});

test.run();
