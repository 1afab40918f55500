// The multi-part AOF's files as Redis 7.0 writes them: names, manifest, RESP commands with SELECT,
// restarts that replay them, BGREWRITEAOF and CONFIG SET appendonly, and interop both ways with the
// real programs (redis-check-aof, redis-server on Ferrite's appendonlydir and the reverse).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { diffDatasets, populate, readDataset } from './helpers/dataset.js';
import { killAll, launchFerrite, launchRedis, mustStart, type ServerProcess } from './helpers/processes.js';
import { RawClient } from './helpers/servers.js';
import { createServer } from 'node:net';
import { mulberry32 } from './helpers/random.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-aof-'));
  dirs.push(d);
  return d;
}

async function withClient<T>(s: ServerProcess, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  try {
    return await f(c);
  } finally {
    c.disconnect();
  }
}

function manifest(dir: string): string {
  return readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}

function checkAof(dir: string): { status: number | null; out: string } {
  const r = spawnSync('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'latin1' });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function waitRewriteDone(c: Redis): Promise<void> {
  for (;;) {
    const info = String(await c.info('persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test.after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('appendonly yes: Redis 7 file names and manifest, RESP commands with SELECT, replayed on restart', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
  const before = await withClient(s, async (c) => {
    await c.set('plain', 'v');
    await c.select(2);
    await c.incr('counter');
    await c.expire('counter', 1000);
    await c.select(0);
    await populate(c.options.port!, mulberry32(1));
    return readDataset(c.options.port!);
  });
  await s.stop();
  assert.equal(readdirSync(join(dir, 'appendonlydir')).sort(), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
  assert.is(manifest(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.ok(incr.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$5\r\nplain\r\n$1\r\nv\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$4\r\nincr\r\n'), incr.slice(0, 200));
  // EXPIRE is logged as its effect: an absolute PEXPIREAT.
  assert.match(incr, /\*3\r\n\$9\r\nPEXPIREAT\r\n\$7\r\ncounter\r\n\$13\r\n\d{13}\r\n/);
  const again = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  assert.match(again.output(), /DB loaded from incr file appendonly\.aof\.1\.incr\.aof/);
  assert.match(again.output(), /Opening AOF incr file appendonly\.aof\.1\.incr\.aof on server start/);
  assert.equal(diffDatasets(await readDataset(again.port), before), []);
  await again.stop();
});

test('redis-check-aof accepts the manifest, bases and incr files, with and without #TS annotations', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes']));
  await withClient(s, async (c) => {
    await populate(c.options.port!, mulberry32(2));
    assert.is(await c.bgrewriteaof(), 'Background append only file rewriting started');
    await waitRewriteDone(c);
    await populate(c.options.port!, mulberry32(3));
    const tx = c.multi();
    tx.set('in-tx', '1');
    tx.lpush('in-tx-list', 'a', 'b');
    await tx.exec();
  });
  await s.stop();
  const files = readdirSync(join(dir, 'appendonlydir')).sort();
  assert.equal(files, ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'), 'latin1');
  assert.match(incr, /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n/);
  assert.match(incr, /\*1\r\n\$5\r\nMULTI\r\n[^]*\*1\r\n\$4\r\nEXEC\r\n/);
  const r = checkAof(dir);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /All AOF files and manifest are valid/);
});

for (const preamble of ['no', 'yes']) {
  test(`redis-server 7.0 started on Ferrite's appendonlydir (aof-use-rdb-preamble ${preamble}) has the same dataset; redis-check-aof accepts it`, async () => {
    const dir = freshDir();
    const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]));
    const ours = await withClient(s, async (c) => {
      await populate(c.options.port!, mulberry32(4));
      await c.bgrewriteaof();
      await waitRewriteDone(c);
      // Writes after the rewrite live in the new incr file only.
      await populate(c.options.port!, mulberry32(5));
      await c.del('int:3');
      return readDataset(c.options.port!);
    });
    await s.stop();
    assert.is(manifest(dir), `file appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
    const check = checkAof(dir);
    assert.is(check.status, 0, check.out);
    const redis = await mustStart(launchRedis(dir, ['--appendonly', 'yes']));
    assert.equal(diffDatasets(await readDataset(redis.port), ours), []);
    await redis.stop();
  });
}

for (const preamble of ['no', 'yes']) {
  test(`Ferrite started on redis-server's appendonlydir (aof-use-rdb-preamble ${preamble}) has its dataset`, async () => {
    const dir = freshDir();
    const redis = await mustStart(launchRedis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]));
    const theirs = await withClient(redis, async (c) => {
      await populate(c.options.port!, mulberry32(6));
      await c.bgrewriteaof();
      await waitRewriteDone(c);
      await populate(c.options.port!, mulberry32(7));
      return readDataset(c.options.port!);
    });
    await redis.stop();
    assert.ok(existsSync(join(dir, 'appendonlydir', `appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`)));
    const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
    assert.equal(diffDatasets(await readDataset(s.port), theirs), []);
    await s.stop();
  });
}

test('BGREWRITEAOF: a new base and incr file, old ones become history and are removed', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
  const ours = await withClient(s, async (c) => {
    await populate(c.options.port!, mulberry32(8));
    await c.bgrewriteaof();
    await waitRewriteDone(c);
    await c.bgrewriteaof();
    await waitRewriteDone(c);
    const info = String(await c.info('persistence'));
    assert.match(info, /aof_rewrites:2\r\n/);
    assert.match(info, /aof_last_bgrewrite_status:ok\r\n/);
    return readDataset(c.options.port!);
  });
  assert.is(manifest(dir), 'file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
  assert.equal(readdirSync(join(dir, 'appendonlydir')).sort(), ['appendonly.aof.3.base.aof', 'appendonly.aof.3.incr.aof', 'appendonly.aof.manifest']);
  assert.match(s.output(), /Removing the history file appendonly\.aof\.2\.base\.aof in the background/);
  assert.equal(diffDatasets(await readDataset(s.port), ours), []);
  await s.stop();
});

test('an AOF-format base carries streams (entries, groups, pending entries) and function libraries, as Redis rewrites them', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
  // A consumer's seen-time is the instant it was recreated, in Redis as here: masked.
  const streamState = async (c: Redis): Promise<string> =>
    JSON.stringify([
      await c.call('XINFO', 'STREAM', 'st', 'FULL'), await c.call('XRANGE', 'st', '-', '+'), await c.call('FCALL', 'twice', '0', '21'),
      await c.call('XINFO', 'STREAM', 'empty'),
    ]).replace(/"seen-time",\d+/g, '"seen-time",0');
  const before = await withClient(s, async (c) => {
    await c.call('FUNCTION', 'LOAD', "#!lua name=maths\nredis.register_function('twice', function(keys, args) return args[1] * 2 end)");
    for (let i = 1; i <= 5; i++) await c.call('XADD', 'st', `${i}-1`, 'n', String(i));
    await c.call('XDEL', 'st', '2-1');
    await c.call('XGROUP', 'CREATE', 'st', 'g', '0');
    await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'st', '>');
    await c.call('XGROUP', 'CREATECONSUMER', 'st', 'g', 'bob');
    await c.call('XADD', 'empty', '7-7', 'f', 'v');
    await c.call('XDEL', 'empty', '7-7');
    await c.bgrewriteaof();
    await waitRewriteDone(c);
    return streamState(c);
  });
  await s.stop();
  const base = readFileSync(join(dir, 'appendonlydir', manifest(dir).split(' ')[1]), 'latin1');
  assert.match(base, /FUNCTION\r\n\$4\r\nLOAD\r\n/);
  assert.match(base, /XCLAIM\r\n/);
  const again = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  // Delivery times and counts survive as they were written (XCLAIM ... TIME ... RETRYCOUNT).
  assert.is(await withClient(again, streamState), before);
  await again.stop();
});

test('CONFIG SET appendonly yes starts a rewrite and then logs writes; no stops; INFO says so', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--aof-use-rdb-preamble', 'no']));
  const ours = await withClient(s, async (c) => {
    await populate(c.options.port!, mulberry32(9));
    assert.match(String(await c.info('persistence')), /aof_enabled:0\r\n/);
    assert.is(await c.config('SET', 'appendonly', 'yes'), 'OK');
    await populate(c.options.port!, mulberry32(10));
    await waitRewriteDone(c);
    const info = String(await c.info('persistence'));
    assert.match(info, /aof_enabled:1\r\n/);
    assert.match(info, /aof_current_size:\d+\r\naof_base_size:\d+\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\n/);
    await c.set('after-enable', 'x');
    const snapshot = await readDataset(c.options.port!);
    assert.is(await c.config('SET', 'appendonly', 'no'), 'OK');
    await c.set('after-disable', 'y');
    assert.not.match(String(await c.info("persistence")), /aof_current_size/);
    return snapshot;
  });
  await s.stop();
  assert.is(manifest(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  const again = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  assert.equal(diffDatasets(await readDataset(again.port), ours), []);
  await again.stop();
});

test('INFO persistence lists the aof_* fields redis-server lists, in its order', async () => {
  const fields = (info: string): string[] => info.split('\r\n').map((l) => l.split(':')[0]).filter((k) => k.startsWith('aof_'));
  const [s, redis] = await Promise.all([mustStart(launchFerrite(freshDir(), ['--appendonly', 'yes'])), mustStart(launchRedis(freshDir(), ['--appendonly', 'yes']))]);
  const ours = fields(await withClient(s, async (c) => String(await c.info('persistence'))));
  const theirs = fields(await withClient(redis, async (c) => String(await c.info('persistence'))));
  assert.equal(ours, theirs);
  await s.stop();
  await redis.stop();
});

test('an old single-file appendonly.aof is migrated into the AOF directory and loaded', async () => {
  const dir = freshDir();
  const redis = await mustStart(launchRedis(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
  const theirs = await withClient(redis, async (c) => {
    await populate(c.options.port!, mulberry32(11));
    await c.bgrewriteaof();
    await waitRewriteDone(c);
    return readDataset(c.options.port!);
  });
  await redis.stop();
  // A Redis 6 layout: one appendonly.aof in dir, no AOF directory.
  renameSync(join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), join(dir, 'appendonly.aof'));
  rmSync(join(dir, 'appendonlydir'), { recursive: true });
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  assert.match(s.output(), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)/);
  assert.equal(diffDatasets(await readDataset(s.port), theirs), []);
  await s.stop();
  assert.ok(!existsSync(join(dir, 'appendonly.aof')));
  assert.match(manifest(dir), /^file appendonly\.aof seq 1 type b\n/);
  const r = checkAof(dir);
  assert.is(r.status, 0, r.out);
});

/**
 * A free port below the ephemeral range: polling a port nothing listens on yet could otherwise
 * connect the socket to itself (same source and destination port) and take the port.
 */
async function portOutsideEphemeralRange(): Promise<number> {
  for (let port = 20000 + Math.floor(Math.random() * 10000); ; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

test('while the AOF loads, clients get LOADING and INFO shows the progress; then the data is there', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
  await withClient(s, async (c) => {
    const p = c.pipeline();
    for (let i = 0; i < 400; i++) p.set(`slow:${i}`, String(i));
    await p.exec();
  });
  await s.kill9();
  // 400 commands at 5 ms each: two seconds of loading.
  const port = await portOutsideEphemeralRange();
  const starting = launchFerrite(dir, ['--appendonly', 'yes', '--key-load-delay', '5000'], [], port);
  let raw: RawClient | undefined;
  while (raw === undefined) raw = await RawClient.connect(port).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 20)));
  raw.command('GET', 'slow:1');
  assert.is(await raw.reply(), '-LOADING Redis is loading the dataset in memory\r\n');
  raw.command('INFO', 'persistence');
  const info = await raw.reply();
  assert.match(info, /loading:1\r\n/);
  assert.match(info, /loading_total_bytes:\d+\r\nloading_rdb_used_mem:0\r\nloading_loaded_bytes:\d+\r\nloading_loaded_perc:\d+\.\d\d\r\nloading_eta_seconds:\d+\r\n/);
  raw.close();
  const started = await mustStart(starting);
  await withClient(started, async (c) => {
    assert.is(await c.get('slow:399'), '399');
    assert.match(String(await c.info('persistence')), /loading:0\r\n/);
  });
  await started.kill9();
});

test('auto-aof-rewrite-percentage / -min-size start a rewrite once the AOF has grown enough', async () => {
  const dir = freshDir();
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes', '--auto-aof-rewrite-percentage', '100', '--auto-aof-rewrite-min-size', '64kb']));
  await withClient(s, async (c) => {
    const p = c.pipeline();
    for (let i = 0; i < 2000; i++) p.set(`grow:${i % 50}`, 'x'.repeat(100));
    await p.exec();
    for (let i = 0; i < 300 && !/aof_rewrites:1\r\n/.test(String(await c.info('persistence'))); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(String(await c.info('persistence')), /aof_rewrites:1\r\n/);
  });
  assert.match(s.output(), /Starting automatic rewriting of AOF on \d+% growth/);
  await s.kill9();
});

test.run();
