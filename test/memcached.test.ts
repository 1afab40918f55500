// The memcached front end over the text and meta protocols: the npm `memcached` client, raw sockets
// for every error reply and the noreply paths, the keyspace shared with RESP (both ways, other types,
// CAS and flags across protocols, flush_all scope), propagation, WATCH and notifications, exptime
// rules, stats, the memory limit and ASCII authentication.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Memcached from 'memcached';
import { Redis } from 'ioredis';
import { rejects } from './helpers/assert.js';
import { RawClient } from './helpers/servers.js';
import { exchange, lines, startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';

let server: FerriteMemcached;
let redis: Redis;
let client: Memcached;
let raw: RawClient;

test.before(async () => {
  server = await startFerriteMemcached();
  redis = new Redis({ port: server.ferrite.port, lazyConnect: true });
  await redis.connect();
  client = new Memcached(`127.0.0.1:${server.port}`, { retries: 0, timeout: 5000 });
  raw = await RawClient.connect(server.port);
});

test.before.each(async () => {
  await redis.flushall();
});

test.after(async () => {
  client.end();
  raw.close();
  redis.disconnect();
  await server.ferrite.close();
});

/** Promise form of the npm client's callbacks. */
function call<T>(run: (done: (err: unknown, data: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, data) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data))));
}

/** One text step on the shared raw connection. */
const send = (step: string): Promise<string> => exchange(raw, step);

test('npm memcached client: store, read, update, count, delete', async () => {
  assert.is(await call<boolean>((cb) => client.set('s', 'hello', 0, cb)), true);
  assert.is(await call<unknown>((cb) => client.get('s', cb)), 'hello');
  assert.is(await call<boolean>((cb) => client.set('n', 42, 0, cb)), true);
  assert.is(await call<unknown>((cb) => client.get('n', cb)), 42);
  assert.is(await call<boolean>((cb) => client.set('o', { a: [1, 2] }, 0, cb)), true);
  assert.equal(await call<unknown>((cb) => client.get('o', cb)), { a: [1, 2] });
  assert.is(await call<boolean>((cb) => client.set('b', Buffer.from([0, 255, 13, 10]), 0, cb)), true);
  assert.equal([...((await call<Buffer>((cb) => client.get('b', cb))) ?? [])], [0, 255, 13, 10]);
  assert.equal(await call<Record<string, unknown>>((cb) => client.getMulti(['s', 'n', 'missing'], cb)), { s: 'hello', n: 42 });

  // The npm client reports NOT_STORED as an error.
  await rejects(call<boolean>((cb) => client.add('s', 'x', 0, cb)), /not stored/);
  assert.is(await call<boolean>((cb) => client.add('a', 'x', 0, cb)), true);
  assert.is(await call<boolean>((cb) => client.replace('a', 'y', 0, cb)), true);
  await rejects(call<boolean>((cb) => client.replace('missing', 'y', 0, cb)), /not stored/);
  assert.is(await call<boolean>((cb) => client.append('a', '>', cb)), true);
  assert.is(await call<boolean>((cb) => client.prepend('a', '<', cb)), true);
  assert.is(await call<unknown>((cb) => client.get('a', cb)), '<y>');

  const gets = await call<{ [key: string]: unknown; cas: string }>((cb) => client.gets('a', cb));
  assert.is(gets['a'], '<y>');
  assert.is(await call<boolean>((cb) => client.cas('a', 'z', gets.cas, 0, cb)), true);
  assert.is(await call<boolean>((cb) => client.cas('a', 'w', gets.cas, 0, cb)), false);
  assert.is(await call<unknown>((cb) => client.get('a', cb)), 'z');

  assert.is(await call<boolean>((cb) => client.set('c', '10', 0, cb)), true);
  assert.is(await call<number | boolean>((cb) => client.incr('c', 5, cb)), 15);
  assert.is(await call<number | boolean>((cb) => client.decr('c', 20, cb)), 0);
  assert.is(await call<number | boolean>((cb) => client.incr('missing', 1, cb)), false);
  await call<undefined>((cb) => client.touch('c', 100, (err) => cb(err, undefined)));
  assert.ok((await redis.ttl('c')) > 90);
  assert.is(await call<boolean>((cb) => client.del('c', cb)), true);
  assert.is(await call<boolean>((cb) => client.del('c', cb)), false);

  const version = await call<{ version: string }[]>((cb) => client.version(cb));
  assert.is(version[0]?.version, '1.6.18');
  const stats = await call<Record<string, unknown>[]>((cb) => client.stats(cb));
  assert.is(Number(stats[0]?.['curr_items']), await redis.dbsize());
  assert.equal(await call<boolean[]>((cb) => client.flush(cb)), [true]);
  assert.is(await redis.dbsize(), 0);
});

test('one keyspace: memcached items are RESP strings in database 0, and the reverse', async () => {
  await send(lines('set shared 5 0 5', 'hello'));
  assert.is(await redis.get('shared'), 'hello');
  assert.is(await redis.type('shared'), 'string');
  await redis.set('fromresp', 'world');
  assert.is(await send(lines('get fromresp')), lines('VALUE fromresp 0 5', 'world', 'END'));
  await redis.set('count', '41');
  assert.is(await send(lines('incr count 1')), lines('42'));
  assert.is(await redis.incr('count'), 43);
  await redis.expire('shared', 100);
  assert.is(await send(lines('mg shared v f')), lines('VA 5 f5', 'hello'));
  // A RESP write of the value knows nothing of client flags: the item is a new one, flags 0.
  await redis.append('shared', '!');
  assert.is(await send(lines('mg shared v f')), lines('VA 6 f0', 'hello!'));
  // Every byte value survives either way.
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await redis.set(Buffer.from('bin'), bytes);
  const reply = await send(lines('get bin'));
  assert.is(reply, `VALUE bin 0 256\r\n${bytes.toString('latin1')}\r\nEND\r\n`);
  await send(`set bin2 0 0 256\r\n${bytes.toString('latin1')}\r\n`);
  assert.equal([...((await redis.getBuffer('bin2')) ?? [])], [...bytes]);
  // Other databases are not memcached's.
  await redis.select(1);
  await redis.set('db1only', 'x');
  await redis.select(0);
  assert.is(await send(lines('get db1only')), lines('END'));
});

test('a key holding another type is a miss for reads, never an error', async () => {
  await redis.rpush('list', 'a');
  await redis.hset('hash', 'f', 'v');
  assert.is(await send(lines('get list hash')), lines('END'));
  assert.is(await send(lines('gets list')), lines('END'));
  assert.is(await send(lines('mg list v')), lines('EN'));
  assert.is(await send(lines('me list')), lines('EN'));
  assert.is(await send(lines('touch list 10')), lines('NOT_FOUND'));
  assert.is(await send(lines('incr list 1', 'ma list', 'ma list N0')), lines('NOT_FOUND', 'NF', 'NF'));
  assert.is(await send(lines('delete list', 'md list')), lines('NOT_FOUND', 'NF'));
  assert.is(await send(lines('replace list 0 0 1', 'x', 'append list 0 0 1', 'x', 'cas list 0 0 1 1', 'x')), lines('NOT_STORED', 'NOT_STORED', 'NOT_FOUND'));
  // add never overwrites an existing key, whatever it holds; set does, as Redis' SET.
  assert.is(await send(lines('add list 0 0 1', 'x')), lines('NOT_STORED'));
  assert.is(await redis.type('list'), 'list');
  assert.is(await send(lines('set hash 0 0 1', 'x')), lines('STORED'));
  assert.is(await redis.get('hash'), 'x');
});

test('flush_all empties database 0 only', async () => {
  await redis.set('a', '1');
  await redis.select(2);
  await redis.set('b', '2');
  await redis.select(0);
  assert.is(await send(lines('flush_all')), lines('OK'));
  assert.is(await redis.dbsize(), 0);
  await redis.select(2);
  assert.is(await redis.get('b'), '2');
  await redis.select(0);
});

/** The CAS a gets reply carries. */
async function casOf(key: string): Promise<string> {
  const reply = await send(lines(`gets ${key}`));
  const m = /^VALUE \S+ \d+ \d+ (\d+)\r$/m.exec(reply);
  if (m === null) throw new Error(`no CAS in ${JSON.stringify(reply)}`);
  return m[1] ?? '';
}

test('CAS changes with every modification of the value, from either protocol; flags follow it', async () => {
  await send(lines('set k 7 0 1', 'a'));
  const first = await casOf('k');
  assert.is(await casOf('k'), first, 'reads keep the CAS');
  await send(lines('touch k 100'));
  await redis.expire('k', 500);
  assert.is(await casOf('k'), first, 'TTL changes keep the CAS, as touch does');
  assert.is(await send(lines('get k')), lines('VALUE k 7 1', 'a', 'END'));
  await redis.append('k', 'b');
  assert.is.not(await casOf('k'), first);
  assert.is(await send(lines(`cas k 0 0 1 ${first}`, 'x')), lines('EXISTS'));
  assert.is(await send(lines('get k')), lines('VALUE k 0 2', 'ab', 'END'));
  await send(lines('set k 7 0 1', 'a'));
  const beforeIncr = await casOf('k');
  await redis.setrange('k', 0, 'z');
  assert.is.not(await casOf('k'), beforeIncr);
  await redis.set('k', 'fresh');
  assert.is(await send(lines('get k')), lines('VALUE k 0 5', 'fresh', 'END'));
  const resp = await casOf('k');
  assert.is(await send(lines(`cas k 3 0 1 ${resp}`, 'y')), lines('STORED'));
  assert.is.not(await casOf('k'), resp);
  // Deleting and recreating never brings an old CAS back.
  const beforeDelete = await casOf('k');
  await redis.del('k');
  await redis.set('k', 'y');
  assert.is.not(await casOf('k'), beforeDelete);
  // The side table follows the keyspace: deleted keys leave nothing behind.
  await redis.flushall();
  assert.is(server.ferrite.server.memcached?.store.trackedItems, 0);
});

test('writes propagate as RESP effects, with absolute expiries', async () => {
  const effects: string[] = [];
  const sinks = server.ferrite.server.state.sinks;
  const sink = (db: number, argv: string[]): void => void effects.push(`${db} ${argv.join(' ')}`);
  sinks.push(sink);
  try {
    await send(lines('set p 0 0 1', 'a', 'set t 0 100 1', '5', 'append p 0 0 1', 'c', 'prepend p 0 0 1', 'd', 'incr t 1'));
    await send(lines('touch p 0', 'touch t 0', 'touch p 50', 'delete p', 'set gone 0 -1 1', 'x', 'flush_all'));
    const expireAt = /^0 SET t 5 PXAT (\d+)$/m.exec(effects.join('\n'))?.[1];
    assert.ok(expireAt !== undefined && Math.abs(Number(expireAt) - Date.now() - 100_000) < 10_000, effects.join('\n'));
    const pexpireAt = /^0 PEXPIREAT p (\d+)$/m.exec(effects.join('\n'))?.[1];
    assert.equal(
      effects.map((e) => e.replace(/ (PXAT|PEXPIREAT p) \d+$/, ' $1 <ms>')),
      [
        '0 SET p a',
        '0 SET t 5 PXAT <ms>',
        '0 SET p ac KEEPTTL',
        '0 SET p dac KEEPTTL',
        '0 SET t 6 KEEPTTL',
        '0 PERSIST t',
        '0 PEXPIREAT p <ms>',
        '0 DEL p',
        '0 FLUSHDB',
      ],
    );
    assert.ok(pexpireAt !== undefined);
  } finally {
    sinks.splice(sinks.indexOf(sink), 1);
  }
});

test('memcached writes dirty WATCH and emit keyspace notifications', async () => {
  const watcher = new Redis({ port: server.ferrite.port });
  const subscriber = new Redis({ port: server.ferrite.port });
  try {
    await watcher.set('w', '1');
    await watcher.watch('w');
    await send(lines('set w 0 0 1', '2'));
    const exec = await watcher.multi().get('w').exec();
    assert.is(exec, null);

    await redis.config('SET', 'notify-keyspace-events', 'KEA');
    const events: string[] = [];
    // Messages reach a subscriber in order: once the sentinel is in, every event before it is.
    const sentinel = new Promise<void>((resolve) =>
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        if (channel === 'sentinel') resolve();
        else events.push(`${channel} ${message}`);
      }),
    );
    await subscriber.psubscribe('__keyspace@0__:n*', 'sentinel');
    await send(lines('set n1 0 0 1', '1', 'set n2 0 100 1', '2', 'incr n1 1', 'delete n1', 'append n2 0 0 1', 'x'));
    await redis.publish('sentinel', 'done');
    await sentinel;
    assert.equal(events, [
      '__keyspace@0__:n1 set',
      '__keyspace@0__:n2 set',
      '__keyspace@0__:n2 expire',
      '__keyspace@0__:n1 incrby',
      '__keyspace@0__:n1 del',
      '__keyspace@0__:n2 append',
    ]);
  } finally {
    await redis.config('SET', 'notify-keyspace-events', '');
    watcher.disconnect();
    subscriber.disconnect();
  }
});

test('exptime: 0 never, up to 30 days relative, beyond a unix time, negative or past is gone', async () => {
  await send(lines('set never 0 0 1', 'x', 'set rel 0 2592000 1', 'x', 'set abs 0 2592001 1', 'x'));
  assert.is(await redis.pttl('never'), -1);
  const rel = await redis.pttl('rel');
  assert.ok(rel > 2592000_000 - 60_000 && rel <= 2592000_000, String(rel));
  // 2592001 is a unix time in 1970: already past.
  assert.is(await redis.exists('abs'), 0);
  const future = Math.floor(Date.now() / 1000) + 3600;
  await send(lines(`set fut 0 ${future} 1`, 'x'));
  assert.is(await redis.call('PEXPIRETIME', 'fut'), future * 1000);
  await redis.set('old', 'v');
  assert.is(await send(lines('set old 0 -1 1', 'x', 'get old')), lines('STORED', 'END'));
  assert.is(await redis.exists('old'), 0);
  await send(lines('set tt 0 100 1', 'x', 'touch tt -1'));
  assert.is(await redis.exists('tt'), 0);
  // A RESP TTL is a memcached TTL.
  await redis.set('r', 'v', 'EX', 50);
  assert.is(await send(lines('mg r t')), lines('HD t50'));
  // And expiry happens.
  await send(lines('set short 0 1 1', 'x'));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.is(await send(lines('get short')), lines('END'));
});

test('flush_all with a delay empties database 0 when the delay has passed', async () => {
  assert.is(await send(lines('set a 0 0 1', 'a', 'flush_all 1', 'get a')), lines('STORED', 'OK', 'VALUE a 0 1', 'a', 'END'));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.is(await send(lines('get a')), lines('END'));
  // A later flush_all replaces a pending one.
  await send(lines('set b 0 0 1', 'b', 'flush_all 1', 'flush_all 0', 'set c 0 0 1', 'c'));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.is(await send(lines('get c')), lines('VALUE c 0 1', 'c', 'END'));
});

test('every error reply, in memcached words', async () => {
  const cases: [string, string][] = [
    [lines('bogus'), lines('ERROR')],
    [lines('set k 0 0'), lines('ERROR')],
    [lines('set k x 0 1'), lines('CLIENT_ERROR bad command line format')],
    [lines(`set ${'k'.repeat(251)} 0 0 1`), lines('CLIENT_ERROR bad command line format')],
    [lines('set k 0 0 1', 'xx'), lines('CLIENT_ERROR bad data chunk', 'ERROR')],
    [lines('set k 0 0 2000000', 'x'.repeat(2000000)), lines('SERVER_ERROR object too large for cache')],
    [lines('touch k x'), lines('CLIENT_ERROR invalid exptime argument')],
    [lines('gat x k'), lines('CLIENT_ERROR invalid exptime argument')],
    [lines('flush_all x'), lines('CLIENT_ERROR invalid exptime argument')],
    [lines('incr k x'), lines('CLIENT_ERROR invalid numeric delta argument')],
    [lines('set s 0 0 1', 'x', 'incr s 1'), lines('STORED', 'CLIENT_ERROR cannot increment or decrement non-numeric value')],
    [lines('delete k 5'), lines('CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]')],
    [lines('verbosity x'), lines('CLIENT_ERROR bad command line format')],
    [lines('stats nosuch'), lines('ERROR')],
    [lines('stats detail x'), lines('CLIENT_ERROR usage: stats detail on|off|dump')],
    [lines('mg k zz'), lines('CLIENT_ERROR invalid flag')],
    [lines('mg k v v'), lines('CLIENT_ERROR duplicate flag')],
    [lines('ms k 1 MZ', 'x'), lines('CLIENT_ERROR invalid mode for ms M token')],
    [lines('ma k MZ'), lines('CLIENT_ERROR invalid mode for ma M token')],
    [lines('md k zz'), lines('CLIENT_ERROR invalid or duplicate flag')],
    [lines('ma s'), lines('CLIENT_ERROR cannot increment or decrement non-numeric value')],
    [lines('mg k O' + '1'.repeat(40)), lines('CLIENT_ERROR opaque token too long')],
  ];
  for (const [input, expected] of cases) assert.is(await send(input), expected, `for ${JSON.stringify(input.slice(0, 60))}`);
});

test('noreply and q hide replies; errors of noreply commands are hidden too', async () => {
  assert.is(await send(lines('set a 0 0 1 noreply', 'a', 'add a 0 0 1 noreply', 'b', 'get a')), lines('VALUE a 0 1', 'a', 'END'));
  assert.is(await send(lines('set a 0 0 1 noreply', 'xx', 'get a')), lines('ERROR', 'VALUE a 0 1', 'a', 'END'));
  assert.is(await send(lines('incr a x noreply', 'incr a 1 noreply', 'delete zz noreply', 'touch zz 1 noreply', 'flush_all noreply')), '');
  assert.is(await send(lines('ms q 1 q', 'x', 'mg q v q', 'mg nokey v q', 'md q q', 'md q q', 'mn')), lines('VA 1', 'x', 'NF', 'MN'));
});

test('garbage and over-long lines close the connection; the server goes on', async () => {
  const victim = await RawClient.connect(server.port);
  victim.send('x'.repeat(5000));
  assert.is(await victim.waitClosed(), '');
  const quitter = await RawClient.connect(server.port);
  quitter.send(lines('version', 'quit', 'version'));
  assert.is(await quitter.waitClosed(), lines('VERSION 1.6.18'));
  assert.is(await send(lines('version')), lines('VERSION 1.6.18'));
});

/** Sends input and reads up to and including `until` (no sync command, so counters stay exact). */
async function request(c: RawClient, input: string, until = 'END\r\n'): Promise<string> {
  c.send(input);
  return c.readUntil(until);
}

test('stats: memcached names over the shared keyspace, settings, items, slabs, conns, reset', async () => {
  const c = await RawClient.connect(server.port);
  await request(c, lines('stats reset'), 'RESET\r\n');
  await redis.set('resp', 'x');
  await request(c, lines('set a 0 0 1', 'a', 'get a nokey', 'incr nokey 1', 'delete a'), 'DELETED\r\n');
  const general = parseStats(await request(c, lines('stats')));
  assert.is(general.get('pid'), String(process.pid));
  assert.is(general.get('version'), '1.6.18');
  assert.is(general.get('curr_items'), '1');
  assert.is(general.get('cmd_get'), '2');
  assert.is(general.get('get_hits'), '1');
  assert.is(general.get('get_misses'), '1');
  assert.is(general.get('cmd_set'), '1');
  assert.is(general.get('incr_misses'), '1');
  assert.is(general.get('delete_hits'), '1');
  assert.is(general.get('threads'), '1');
  assert.ok(Number(general.get('curr_connections')) >= 2);
  assert.equal([...general.keys()].slice(0, 4), ['pid', 'uptime', 'time', 'version']);
  assert.is(parseStats(await send(lines('stats settings'))).get('item_size_max'), '1048576');
  assert.is(parseStats(await send(lines('stats items'))).get('items:1:number'), '1');
  assert.ok(parseStats(await send(lines('stats slabs'))).has('total_malloced'));
  assert.ok([...parseStats(await send(lines('stats conns'))).keys()].some((name) => name.endsWith(':addr')));
  assert.is(await send(lines('stats sizes')), lines('STAT sizes_status disabled', 'END'));
  assert.is(await request(c, lines('stats reset'), 'RESET\r\n'), lines('RESET'));
  assert.is(parseStats(await request(c, lines('stats'))).get('cmd_get'), '0');
  c.close();
});

function parseStats(reply: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m !== null) out.set(m[1] ?? '', m[2] ?? '');
  }
  return out;
}

test('meta commands over the shared keyspace', async () => {
  await redis.set('m', 'resp');
  assert.is(await send(lines('mg m v f s c')).then((r) => r.replace(/ c\d+/, ' c<cas>')), lines('VA 4 f0 s4 c<cas>', 'resp'));
  assert.is(await send(lines('ms m 2 F9 T100', 'mc')), lines('HD'));
  assert.is(await redis.get('m'), 'mc');
  assert.ok((await redis.ttl('m')) > 90);
  await redis.set('cnt', '5');
  assert.is(await send(lines('ma cnt D10 v')), lines('VA 2', '15'));
  assert.is(await redis.get('cnt'), '15');
  assert.is(await send(lines('ma fresh N0 J7 v')), lines('VA 1', '7'));
  assert.is(await redis.get('fresh'), '7');
  assert.is(await send(lines('md fresh')), lines('HD'));
  assert.is(await redis.exists('fresh'), 0);
});

test('memcached-memory-limit maps onto maxmemory: OOM under noeviction, eviction otherwise', async () => {
  const limited = await startFerriteMemcached({ 'memcached-memory-limit': '2mb', 'maxmemory-policy': 'noeviction' });
  const r = new Redis({ port: limited.ferrite.port });
  const c = await RawClient.connect(limited.port);
  try {
    assert.equal(await r.config('GET', 'maxmemory'), ['maxmemory', String(2 * 1024 * 1024)]);
    const value = 'v'.repeat(10_000);
    let reply = '';
    for (let i = 0; i < 400 && !reply.startsWith('SERVER_ERROR'); i++) reply = await exchange(c, lines(`set k${i} 0 0 ${value.length}`, value));
    assert.is(reply, lines('SERVER_ERROR out of memory storing object'));
    assert.is(await exchange(c, lines(`ms big ${value.length}`, value)), lines('SERVER_ERROR out of memory storing object'));
    assert.is(await exchange(c, lines('get k0')), lines(`VALUE k0 0 ${value.length}`, value, 'END'));
    assert.ok(Number(parseStats(await exchange(c, lines('stats'))).get('store_no_memory')) >= 2);

    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    for (let i = 0; i < 50; i++) assert.is(await exchange(c, lines(`set more${i} 0 0 ${value.length}`, value)), lines('STORED'));
    const stats = parseStats(await exchange(c, lines('stats')));
    assert.ok(Number(stats.get('evictions')) > 0);
    assert.is(stats.get('limit_maxbytes'), String(2 * 1024 * 1024));
    await r.config('SET', 'memcached-memory-limit', '3mb');
    assert.equal(await r.config('GET', 'maxmemory'), ['maxmemory', String(3 * 1024 * 1024)]);
  } finally {
    c.close();
    r.disconnect();
    await limited.ferrite.close();
  }
});

test('requirepass: text clients authenticate as memcached -Y clients do', async () => {
  const locked = await startFerriteMemcached({ requirepass: 'secret' });
  const c = await RawClient.connect(locked.port);
  try {
    assert.is(await request(c, lines('get a', 'mn'), 'unauthenticated\r\n'), lines('CLIENT_ERROR unauthenticated'));
    assert.is(await request(c, '', 'unauthenticated\r\n'), lines('CLIENT_ERROR unauthenticated'));
    assert.is(await request(c, lines('set auth 0 0 5', 'user1'), 'format\r\n'), lines('CLIENT_ERROR bad authentication token format'));
    assert.is(await request(c, lines('set auth 0 0 11', 'user1 wrong'), 'failure\r\n'), lines('CLIENT_ERROR authentication failure'));
    assert.is(await request(c, lines('set auth 0 0 14', 'default secret', 'set k 0 0 1', 'v', 'get k')), lines('STORED', 'STORED', 'VALUE k 0 1', 'v', 'END'));
    const stats = parseStats(await request(c, lines('stats')));
    assert.is(stats.get('auth_cmds'), '2');
    assert.is(stats.get('auth_errors'), '1');
  } finally {
    c.close();
    await locked.ferrite.close();
  }
});

test('memcached commands wait while clients are paused, like RESP clients', async () => {
  const c = await RawClient.connect(server.port);
  try {
    assert.is(await redis.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    c.send('set paused 0 0 1\r\nx\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.is(c.pending(), '');
    assert.is(await redis.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.is(await c.readUntil('\r\n'), 'STORED\r\n');
    assert.is(await redis.get('paused'), 'x');
  } finally {
    c.close();
  }
});

test.run();
