// Client-side caching (CLIENT TRACKING and friends) on Debian's redis-server and on Ferrite: the
// same multi-client scenarios give byte-identical transcripts — option errors, RESP3 push
// invalidations, the RESP2 redirect to __redis__:invalidate, BCAST with prefixes, OPTIN/OPTOUT
// with CLIENT CACHING, NOLOOP, keys read inside MULTI and scripts, FLUSHALL/FLUSHDB's null,
// broken redirects, RESET, tracking-table-max-keys and INFO's tracking fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

/** A scenario's connections and its transcript; client ids (which differ by server) are masked. */
class Session {
  readonly lines: string[] = [];
  private readonly clients: RawClient[] = [];
  constructor(readonly port: number) {}

  async connect(): Promise<RawClient> {
    const c = await RawClient.connect(this.port);
    this.clients.push(c);
    return c;
  }

  /** Sends a command and records its reply. */
  async call(c: RawClient, ...args: string[]): Promise<string> {
    const reply = await c.call(...args);
    this.lines.push(`${this.clients.indexOf(c)}> ${args.join(' ')} => ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Records what arrived before a PING's reply: pushed invalidations, or nothing. */
  async sync(c: RawClient): Promise<void> {
    c.command('PING');
    const got: string[] = [];
    for (;;) {
      const r = await c.reply();
      if (r === '+PONG\r\n' || r === '*2\r\n$4\r\npong\r\n$0\r\n\r\n') break;
      got.push(r);
    }
    this.lines.push(`${this.clients.indexOf(c)}< ${JSON.stringify(got)}`);
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

const idOf = (reply: string): string => reply.slice(1, -2);

async function onBoth(scenario: (s: Session) => Promise<void>): Promise<string[]> {
  const run = async (port: number): Promise<string[]> => {
    const s = new Session(port);
    try {
      await scenario(s);
      return s.lines.map((l) => l.replace(/(redirect\\r\\n|tracking-redir-broken\\r\\n):[1-9]\d*/g, '$1:ID').replace(/REDIRECT \d+/g, 'REDIRECT ID'));
    } finally {
      s.close();
    }
  };
  const expected = await run(redis.port);
  const actual = await run(ferrite.port);
  assert.equal(actual, expected);
  return actual;
}

test('CLIENT TRACKING option errors, GETREDIR and TRACKINGINFO', async () => {
  await onBoth(async (s) => {
    const a = await s.connect();
    for (const args of [
      ['on', 'PREFIX', 'x'], ['on', 'BCAST', 'OPTIN'], ['on', 'BCAST', 'OPTOUT'], ['on', 'OPTIN', 'OPTOUT'],
      ['on', 'REDIRECT', '999999999'], ['on', 'REDIRECT', 'abc'], ['maybe'], ['on', 'bogus'], ['on', 'PREFIX'],
      ['on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'], ['on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
    ]) await s.call(a, 'CLIENT', 'TRACKING', ...args);
    await s.call(a, 'CLIENT', 'CACHING', 'yes');
    await s.call(a, 'CLIENT', 'GETREDIR');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'OPTIN', 'NOLOOP');
    await s.call(a, 'CLIENT', 'CACHING', 'no');
    await s.call(a, 'CLIENT', 'CACHING', 'maybe');
    await s.call(a, 'CLIENT', 'CACHING', 'yes');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'BCAST');
    await s.call(a, 'CLIENT', 'TRACKING', 'off');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
    await s.call(a, 'CLIENT', 'CACHING', 'no');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await s.call(a, 'CLIENT', 'TRACKING', 'off');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'bc');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c', 'NOLOOP');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await a.call('HELLO', '3');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
  });
});

test('RESP3: reads are remembered, other clients’ writes push invalidations, own writes after the reply, NOLOOP none', async () => {
  await onBoth(async (s) => {
    const [a, b] = [await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    await a.call('HELLO', '3');
    await s.call(a, 'CLIENT', 'TRACKING', 'on');
    await s.call(a, 'GET', 'k1');
    await s.call(a, 'MGET', 'k2', 'k3');
    await s.call(a, 'HGETALL', 'h');
    await s.call(b, 'SET', 'k1', 'v');
    await s.sync(a);
    await s.call(b, 'MSET', 'k2', 'v', 'k3', 'v');
    await s.call(b, 'HSET', 'h', 'f', 'v');
    await s.sync(a);
    // Already invalidated: no second message until it is read again.
    await s.call(b, 'SET', 'k1', 'again');
    await s.sync(a);
    await s.call(a, 'GET', 'k1');
    a.command('SET', 'k1', 'mine');
    s.lines.push(JSON.stringify(await a.replies(2)));
    await s.call(a, 'GET', 'k1');
    await s.call(b, 'PEXPIRE', 'k1', '1');
    await new Promise((r) => setTimeout(r, 20));
    await s.call(b, 'GET', 'k1');
    await s.sync(a);
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'NOLOOP');
    await s.call(a, 'GET', 'k2');
    await s.call(a, 'SET', 'k2', 'mine');
    await s.sync(a);
    await s.call(a, 'GET', 'k2');
    await s.call(b, 'DEL', 'k2');
    await s.sync(a);
    // Keys read inside MULTI and inside scripts are remembered too.
    await s.call(a, 'MULTI');
    await s.call(a, 'GET', 'm1');
    await s.call(a, 'EXEC');
    await s.call(a, 'EVAL', "return redis.call('get', KEYS[1])", '1', 'e1');
    await s.call(a, 'EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'e2');
    await s.call(b, 'MSET', 'm1', 'x', 'e1', 'x', 'e2', 'x');
    await s.sync(a);
    await s.call(a, 'GET', 'f1');
    await s.call(b, 'FLUSHDB');
    await s.sync(a);
    await s.call(a, 'GET', 'f1');
    a.command('FLUSHALL');
    s.lines.push(JSON.stringify(await a.replies(2)));
    await s.call(b, 'SWAPDB', '0', '1');
    await s.sync(a);
  });
});

test('OPTIN with CLIENT CACHING YES, OPTOUT with CLIENT CACHING NO, for one command or a transaction', async () => {
  await onBoth(async (s) => {
    const [a, b] = [await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    await a.call('HELLO', '3');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'OPTIN');
    await s.call(a, 'GET', 'o1');
    await s.call(a, 'CLIENT', 'CACHING', 'yes');
    await s.call(a, 'GET', 'o2');
    await s.call(a, 'GET', 'o3');
    await s.call(a, 'CLIENT', 'CACHING', 'yes');
    await s.call(a, 'EVAL', "return redis.call('get', KEYS[1])", '1', 'o4');
    await s.call(a, 'CLIENT', 'CACHING', 'yes');
    await s.call(a, 'MULTI');
    await s.call(a, 'GET', 'o5');
    await s.call(a, 'GET', 'o6');
    await s.call(a, 'EXEC');
    await s.call(a, 'GET', 'o7');
    await s.call(b, 'MSET', 'o1', '1', 'o2', '2', 'o3', '3', 'o4', '4', 'o5', '5', 'o6', '6', 'o7', '7');
    await s.sync(a);
    await s.call(a, 'CLIENT', 'TRACKING', 'off');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
    await s.call(a, 'GET', 'p1');
    await s.call(a, 'CLIENT', 'CACHING', 'no');
    await s.call(a, 'GET', 'p2');
    await s.call(a, 'GET', 'p3');
    await s.call(b, 'MSET', 'p1', '1', 'p2', '2', 'p3', '3');
    await s.sync(a);
  });
});

test('BCAST: every change under a prefix, once per event-loop turn, NOLOOP skipping own writes', async () => {
  await onBoth(async (s) => {
    const [a, b, c] = [await s.connect(), await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    await a.call('HELLO', '3');
    await c.call('HELLO', '3');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'item:', 'NOLOOP');
    await s.call(c, 'CLIENT', 'TRACKING', 'on', 'BCAST');
    await s.call(b, 'SET', 'user:1', 'x');
    await s.sync(a);
    await s.sync(c);
    await s.call(b, 'MSET', 'item:1', 'x', 'item:2', 'y', 'other', 'z');
    await s.sync(a);
    await s.sync(c);
    await s.call(a, 'SET', 'user:2', 'mine');
    await s.sync(a);
    await s.sync(c);
    await s.call(a, 'GET', 'user:1');
    await s.call(b, 'DEL', 'user:1');
    await s.sync(a);
    await s.sync(c);
    await s.call(b, 'FLUSHALL');
    await s.sync(a);
    await s.sync(c);
    s.lines.push(/tracking_clients:\d+/.exec(await a.call('INFO', 'clients'))![0]);
  });
});

test('RESP2 redirect: messages on __redis__:invalidate, the flush null, a broken redirect', async () => {
  await onBoth(async (s) => {
    const [a, b, r] = [await s.connect(), await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    const rid = idOf(await r.call('CLIENT', 'ID'));
    await s.call(r, 'SUBSCRIBE', '__redis__:invalidate');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid, 'REDIRECT', rid);
    await s.call(a, 'GET', 'rk');
    await s.call(b, 'SET', 'rk', 'v');
    await s.sync(r);
    await s.call(a, 'GET', 'rk');
    await s.call(a, 'SET', 'rk', 'own');
    await s.sync(r);
    await s.call(a, 'FLUSHDB');
    await s.sync(r);
    await s.sync(a);
    // RESP2 without a redirect: tracked, but nothing can be sent.
    const n = await s.connect();
    await s.call(n, 'CLIENT', 'TRACKING', 'on');
    await s.call(n, 'GET', 'nk');
    await s.call(b, 'SET', 'nk', 'v');
    await s.call(n, 'PING');
    // The redirect target goes away.
    r.close();
    await s.call(b, 'PING');
    await new Promise((res) => setTimeout(res, 50));
    await s.call(a, 'GET', 'gone');
    await s.call(b, 'SET', 'gone', 'v');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await s.call(a, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
    // A RESP3 client whose redirect broke is told so.
    const d = await s.connect();
    const target = await s.connect();
    const tid = idOf(await target.call('CLIENT', 'ID'));
    await d.call('HELLO', '3');
    await s.call(d, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', tid);
    await s.call(d, 'GET', 'dk');
    target.close();
    await new Promise((res) => setTimeout(res, 50));
    await s.call(b, 'SET', 'dk', 'v');
    await s.sync(d);
  });
});

test('several trackers of one key, multi-key reads, a RESP3 redirect to a RESP3 client, db-agnostic keys', async () => {
  await onBoth(async (s) => {
    const [a, c, b, t] = [await s.connect(), await s.connect(), await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    for (const x of [a, c, t]) await x.call('HELLO', '3');
    const tid = idOf(await t.call('CLIENT', 'ID'));
    await s.call(a, 'CLIENT', 'TRACKING', 'on');
    await s.call(c, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', tid);
    await s.call(a, 'GET', 'shared');
    await s.call(c, 'GET', 'shared');
    await s.call(a, 'SUNION', 's1', 's2');
    await s.call(c, 'ZRANGE', 'z', '0', '-1');
    await s.call(c, 'EXISTS', 'e1', 'e2');
    await s.call(b, 'SET', 'shared', '1');
    await s.call(b, 'SADD', 's2', 'x');
    await s.call(b, 'ZADD', 'z', '1', 'm');
    await s.call(b, 'SET', 'e2', 'x');
    await s.sync(a);
    await s.sync(c);
    await s.sync(t);
    // Tracking ignores databases, as Redis' does: a write in db 1 invalidates a read in db 0.
    await s.call(a, 'GET', 'anydb');
    await s.call(b, 'SELECT', '1');
    await s.call(b, 'SET', 'anydb', 'x');
    await s.sync(a);
    await s.call(b, 'SELECT', '0');
  });
});

test('RESET turns tracking off; a closed client’s keys are forgotten; INFO counts', async () => {
  await onBoth(async (s) => {
    const [a, b] = [await s.connect(), await s.connect()];
    await s.call(b, 'FLUSHALL');
    await a.call('HELLO', '3');
    await s.call(a, 'CLIENT', 'TRACKING', 'on');
    await s.call(a, 'MGET', 'i1', 'i2', 'i3');
    const stats = async (): Promise<void> => {
      const info = await b.call('INFO', 'everything');
      s.lines.push(info.split('\r\n').filter((l) => l.startsWith('tracking_')).join(' '));
    };
    await stats();
    await s.call(b, 'SET', 'i1', 'x');
    await s.sync(a);
    await stats();
    await s.call(a, 'RESET');
    await s.call(a, 'CLIENT', 'TRACKINGINFO');
    await stats();
    await s.call(b, 'SET', 'i2', 'x');
    await s.call(a, 'PING');
    await stats();
    await s.call(b, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'y');
    await stats();
    await s.call(b, 'CLIENT', 'TRACKING', 'off');
    await stats();
  });
});

test('tracking-table-max-keys: past the limit, keys are forgotten and their clients told', async () => {
  const run = async (port: number): Promise<string[]> => {
    const [a, b] = [await RawClient.connect(port), await RawClient.connect(port)];
    try {
      await b.call('FLUSHALL');
      await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
      await a.call('HELLO', '3');
      await a.call('CLIENT', 'TRACKING', 'on');
      await a.call('GET', 't1');
      await a.call('GET', 't2');
      await a.call('GET', 't3');
      // One key was evicted from the table: its invalidation arrives, the others' on writes.
      const evicted = await a.reply();
      await b.call('MSET', 't1', '1', 't2', '2', 't3', '3');
      const rest = await a.replies(2);
      const info = await b.call('INFO', 'stats');
      // A limit lowered later is reached without further reads (Redis' cron).
      await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '0');
      await a.call('MGET', 'u1', 'u2', 'u3');
      await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
      const shrunk = (await a.replies(2)).map((r) => /u\d/.exec(r)?.[0] ?? r);
      const after = /tracking_total_keys:\d+/.exec(await b.call('INFO', 'stats'))![0];
      await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
      return [evicted.replace(/t\d/, 'tN'), [evicted, ...rest].map((r) => /t\d/.exec(r)?.[0]).sort().join(','), /tracking_total_keys:\d+/.exec(info)![0], String(shrunk.length), after];
    } finally {
      a.close();
      b.close();
    }
  };
  const expected = await run(redis.port);
  const actual = await run(ferrite.port);
  assert.equal(actual, expected);
  assert.equal(actual, ['>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\ntN\r\n', 't1,t2,t3', 'tracking_total_keys:0', '2', 'tracking_total_keys:1']);
});

test.run();
