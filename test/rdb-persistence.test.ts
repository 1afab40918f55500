// RDB persistence as a server: SAVE/BGSAVE/LASTSAVE and INFO persistence, data surviving a restart,
// point-in-time BGSAVE under heavy concurrent writes (copy-on-write), LOADING while a file loads,
// refusing corrupt/truncated/bad-checksum files with exit code 1, a failing save (status err, MISCONF,
// reads still served, previous file intact), FLUSHALL ending a BGSAVE, SHUTDOWN and SIGTERM saving,
// save points, BGSAVE SCHEDULE and DEBUG RELOAD.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, startFerrite } from './helpers/servers.js';
import { mulberry32 } from './helpers/random.js';
import { diffDatasets, populate, readDataset, type Dataset } from './helpers/dataset.js';
import { rejects } from './helpers/assert.js';
import { loadRdbSync } from '../src/persistence/rdb-loader.js';
import { startSnapshot } from '../src/persistence/snapshot.js';
import { MISCONF, rdbPersistence } from '../src/persistence/rdb-persistence.js';

const BIN = fileURLToPath(new URL('../../bin/ferrite-server', import.meta.url));
const SEED = Number(process.env.RDB_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`rdb persistence seed: ${SEED} (set RDB_SEED to replay)`);
const DECODE = { hash: { maxListpackEntries: 128, maxListpackValue: 64 }, set: { maxIntsetEntries: 512 }, zset: { maxListpackEntries: 128, maxListpackValue: 64 } };

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-rdbp-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function info(c: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of String(await c.info('persistence')).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(pred: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The dataset an RDB file holds, read with our loader, in readDataset's shape. */
function datasetOfFile(path: string): Dataset {
  const loaded = loadRdbSync(readFileSync(path), { decode: DECODE, databases: 16, verifyChecksum: true, keepExpired: true });
  const out: Dataset = new Map();
  for (const db of loaded.databases) {
    for (const e of db.entries()) {
      const v = e.value;
      let type = 'string';
      let value: string;
      if (typeof v !== 'object') value = String(v);
      else if (v.type === 'list') value = JSON.stringify(v.toArray());
      else if (v.type === 'set') value = JSON.stringify([...v.members()].sort());
      else if (v.type === 'zset') {
        const flat: string[] = [];
        if (v.length > 0) v.forEachInRanks(0, v.length - 1, false, (m, s) => flat.push(m, String(s)));
        value = JSON.stringify(flat);
      } else if (v.type === 'hash') value = JSON.stringify([...v.fields()].map((f) => [f.key, f.value]).sort());
      else value = JSON.stringify([...v.entries.entries()].map(([id, fields]) => [String(id), fields]));
      if (typeof v === 'object') type = v.type;
      out.set(`${db.id}/${e.key}`, { type, value, expireAt: e.expireAt });
    }
  }
  return out;
}

/** readDataset with scores as JS prints them (the file side can't know Redis' %.17g). */
function normalizeScores(d: Dataset): Dataset {
  const out: Dataset = new Map();
  for (const [k, v] of d) {
    if (v.type !== 'zset') out.set(k, v);
    else out.set(k, { ...v, value: JSON.stringify((JSON.parse(v.value) as string[]).map((x, i) => (i % 2 === 1 ? String(x === 'inf' ? Infinity : x === '-inf' ? -Infinity : Number(x)) : x))) });
  }
  return out;
}

test('SAVE, LASTSAVE and INFO persistence; the dataset survives a restart from dump.rdb', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir });
  const c = new Redis({ port: f.port });
  let before: Dataset;
  try {
    await populate(f.port, mulberry32(SEED));
    let i = await info(c);
    assert.ok(Number(i.rdb_changes_since_last_save) > 0);
    assert.is(await c.save(), 'OK');
    i = await info(c);
    assert.is(i.rdb_changes_since_last_save, '0');
    assert.is(i.rdb_last_bgsave_status, 'ok');
    assert.is(i.rdb_saves, '1');
    assert.is(Number(await c.lastsave()), Number(i.rdb_last_save_time));
    before = await readDataset(f.port);
  } finally {
    c.disconnect();
    await f.close();
  }
  const g = await startFerrite({ dir });
  const gc = new Redis({ port: g.port });
  try {
    assert.equal(diffDatasets(before, await readDataset(g.port)), []);
    const i = await info(gc);
    assert.is(i.rdb_last_load_keys_loaded, String(before.size));
    assert.is(await gc.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(diffDatasets(before, await readDataset(g.port)), []);
  } finally {
    gc.disconnect();
    await g.close();
  }
});

test('BGSAVE is point-in-time while clients rewrite, delete, expire, swap and flush meanwhile', async () => {
  const dir = tempDir();
  // ~1 ms per 10 keys: the save spans many slices while the writes below run between them.
  const f = await startFerrite({ dir, 'rdb-key-save-delay': 100 });
  const c = new Redis({ port: f.port });
  try {
    const random = mulberry32(SEED + 7);
    await populate(f.port, random, 4);
    const atStart = await readDataset(f.port);
    const p = c.pipeline();
    p.bgsave();
    for (const db of [0, 1, 9]) {
      p.select(db);
      for (let i = 0; i < 80; i++) {
        p.set(`str:${i}`, `changed-${i}`);
        p.del(`int:${i}`);
        p.rpush(`list:small:${i}`, 'pushed');
        p.sadd(`set:int:${i}`, 'not-an-int');
        p.zincrby(`zset:small:${i}`, 5, 'z0');
        p.hset(`hash:small:${i}`, 'new', 'field');
        p.persist(`str:${i}`);
        p.pexpire(`long:${i}`, 1_000_000);
        p.set(`created:${i}`, 'during the save');
      }
      p.del('list:big');
      p.zadd('zset:big', 1000, 'm-1');
    }
    p.swapdb(1, 9);
    p.select(1);
    p.flushdb();
    const replies = await p.exec();
    assert.equal(replies![0], [null, 'Background saving started']);
    assert.is((await info(c)).rdb_bgsave_in_progress, '1');
    await until(async () => (await info(c)).rdb_bgsave_in_progress === '0', 'the BGSAVE to end', 30_000);
    assert.is((await info(c)).rdb_last_bgsave_status, 'ok');
    const inFile = datasetOfFile(join(dir, 'dump.rdb'));
    assert.is(inFile.size, atStart.size);
    assert.equal(diffDatasets(normalizeScores(atStart), inFile), []);
  } finally {
    c.disconnect();
    await f.close();
  }
});

test('copy-on-write saves only the keys changed during the save', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir });
  const c = new Redis({ port: f.port });
  try {
    const p = c.pipeline();
    for (let i = 0; i < 5000; i++) p.set(`k${i}`, `v${i}`);
    await p.exec();
    const chunks: Buffer[] = [];
    const sink = { write: (b: Buffer) => (chunks.push(b), true), once: () => undefined };
    const snap = startSnapshot(f.server.state, sink, { compress: false, checksum: true, keyDelayUs: 200 });
    const w = c.pipeline();
    for (let i = 0; i < 5000; i += 50) w.set(`k${i}`, 'new');
    for (let i = 0; i < 5000; i += 50) w.set(`k${i}`, 'newer');
    await w.exec();
    await snap.done;
    assert.ok(snap.progress.keysCopiedOnWrite <= 100, String(snap.progress.keysCopiedOnWrite));
    assert.is(snap.progress.keysWritten, 5000);
    const loaded = loadRdbSync(Buffer.concat(chunks), { decode: DECODE, databases: 16, verifyChecksum: true });
    assert.is(loaded.databases[0].size, 5000);
    assert.is(loaded.databases[0].storedEntry('k50')!.value, 'v50');
  } finally {
    c.disconnect();
    await f.close();
  }
});

test('clients get LOADING while dump.rdb loads, and INFO shows the progress', async () => {
  const dir = tempDir();
  const seed = await startFerrite({ dir });
  const sc = new Redis({ port: seed.port });
  const p = sc.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`k${i}`, `v${i}`);
  await p.exec();
  await sc.save();
  sc.disconnect();
  await seed.close();
  const port = await freePort();
  const starting = startFerrite({ dir, port, 'key-load-delay': 300 });
  // No ready check: ioredis would otherwise wait out the load itself.
  const c = new Redis({ port, retryStrategy: () => 20, maxRetriesPerRequest: 50, enableReadyCheck: false });
  c.on('error', () => undefined);
  try {
    let loadingInfo: Record<string, string> | undefined;
    let loadingError = '';
    await until(async () => {
      try {
        await c.get('k1');
        return true;
      } catch (e) {
        loadingError = (e as Error).message;
        const i = await info(c);
        if (i.loading === '1') loadingInfo = i;
        return false;
      }
    }, 'the load to finish', 30_000);
    assert.ok(loadingInfo !== undefined, 'INFO seen while loading');
    assert.is(loadingError, 'LOADING Redis is loading the dataset in memory');
    assert.is(loadingInfo!.loading, '1');
    assert.ok(Number(loadingInfo!.loading_total_bytes) > 0);
    assert.ok('loading_loaded_perc' in loadingInfo! && 'loading_eta_seconds' in loadingInfo!);
    assert.is(await c.get('k2999'), 'v2999');
    assert.is((await info(c)).loading, '0');
  } finally {
    c.disconnect();
    await (await starting).close();
  }
});

/** Runs ferrite-server on `dir` until it exits or is ready; returns the exit code (null if it kept running) and its log. */
async function runServer(dir: string, extra: string[] = []): Promise<{ code: number | null; log: string; port: number; exited: Promise<number | null>; stop(signal?: NodeJS.Signals): Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(BIN, ['--port', String(port), '--dir', dir, '--memcached-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const result = await Promise.race([exited, (async () => {
    while (!log.includes('Ready to accept connections') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    return null;
  })()]);
  return {
    code: result,
    get log() {
      return log;
    },
    port,
    exited,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

test('a corrupt, truncated or wrong-checksum dump.rdb stops the start with exit code 1', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir });
  const c = new Redis({ port: f.port });
  await populate(f.port, mulberry32(SEED + 3));
  await c.save();
  c.disconnect();
  await f.close();
  const good = readFileSync(join(dir, 'dump.rdb'));
  const cases: [string, Buffer, RegExp][] = [
    ['truncated', good.subarray(0, Math.floor(good.length / 2)), /Short read or OOM loading DB/],
    ['bad checksum', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 1])]), /Wrong RDB checksum/],
    ['bad signature', Buffer.concat([Buffer.from('RODIS'), good.subarray(5)]), /Wrong signature trying to load DB from file/],
    ['newer version', Buffer.concat([Buffer.from('REDIS0011'), good.subarray(9)]), /Can't handle RDB format version 0011/],
    ['bad type byte', (() => { const b = Buffer.from(good); b[b.indexOf(0xfe) + 6] = 0x7f; return b; })(), /Internal error in RDB reading offset|Short read/],
  ];
  for (const [what, bytes, message] of cases) {
    const d = tempDir();
    writeFileSync(join(d, 'dump.rdb'), bytes);
    const run = await runServer(d, ['--save', '']);
    const code = run.code ?? (await run.stop());
    assert.is(code, 1, `${what}: ${run.log}`);
    assert.match(run.log, message, what);
    assert.match(run.log, /Fatal error loading the DB/, what);
  }
});

test('a failing BGSAVE: err status, MISCONF for writes, reads served, previous file intact', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir, save: '3600 1' });
  const c = new Redis({ port: f.port });
  try {
    await c.set('k', 'v1');
    assert.is(await c.save(), 'OK');
    const before = readFileSync(join(dir, 'dump.rdb'));
    await c.set('k', 'v2');
    // The temp file can't be created (a directory has its name): works even for root.
    mkdirSync(join(dir, `temp-${process.pid}.rdb`));
    assert.is(await c.bgsave(), 'Background saving started');
    await until(async () => (await info(c)).rdb_last_bgsave_status === 'err', 'the save to fail');
    await rejects(c.set('k', 'v3'), new RegExp(`^${MISCONF.replace(/[.()]/g, '\\$&')}$`));
    await rejects(c.ping(), /^MISCONF/);
    assert.is(await c.get('k'), 'v2');
    assert.ok(readFileSync(join(dir, 'dump.rdb')).equals(before));
    await rejects(c.save(), /^ERR$/);
    await c.config('SET', 'stop-writes-on-bgsave-error', 'no');
    assert.is(await c.set('k', 'v3'), 'OK');
    await c.config('SET', 'stop-writes-on-bgsave-error', 'yes');
    await rejects(c.set('k', 'v4'), /^MISCONF/);
    rmSync(join(dir, `temp-${process.pid}.rdb`), { recursive: true });
    assert.is(await c.bgsave(), 'Background saving started');
    await until(async () => (await info(c)).rdb_last_bgsave_status === 'ok', 'a good save');
    assert.is(await c.set('k', 'v4'), 'OK');
  } finally {
    c.disconnect();
    await f.close();
  }
});

test('FLUSHALL ends a running BGSAVE; BGSAVE SCHEDULE waits for a running snapshot', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir, 'rdb-key-save-delay': 1000 });
  const c = new Redis({ port: f.port });
  try {
    const p = c.pipeline();
    for (let i = 0; i < 2000; i++) p.set(`k${i}`, 'v');
    await p.exec();
    assert.is(await c.bgsave(), 'Background saving started');
    await rejects(c.bgsave(), /ERR Background save already in progress/);
    assert.is(await c.flushall(), 'OK');
    assert.is((await info(c)).rdb_bgsave_in_progress, '0');
    assert.not.ok(existsSync(join(dir, 'dump.rdb')));
    const sink = { write: () => true, once: () => undefined };
    const q = c.pipeline();
    for (let i = 0; i < 500; i++) q.set(`y${i}`, 'v');
    await q.set('x', '1').exec();
    // At least 1 ms per key: the snapshot outlasts the two BGSAVEs below.
    const snap = startSnapshot(f.server.state, sink, { compress: true, checksum: true, keyDelayUs: 2000 });
    await rejects(c.bgsave(), /ERR Another child process is active \(AOF\?\): can't BGSAVE right now/);
    assert.is(await c.bgsave('SCHEDULE'), 'Background saving scheduled');
    await snap.done;
    await until(async () => existsSync(join(dir, 'dump.rdb')) && (await info(c)).rdb_bgsave_in_progress === '0', 'the scheduled save');
    assert.is(datasetOfFile(join(dir, 'dump.rdb')).get('0/x')?.value, '1');
  } finally {
    c.disconnect();
    await f.close();
  }
});

test('save points trigger a BGSAVE; SHUTDOWN saves unless NOSAVE; SIGTERM saves with save points', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir, save: '1 1', hz: 50 });
  const c = new Redis({ port: f.port });
  try {
    await c.set('a', '1');
    await until(async () => (await info(c)).rdb_saves === '1', 'a save point to fire');
    assert.is(datasetOfFile(join(dir, 'dump.rdb')).get('0/a')?.value, '1');
  } finally {
    c.disconnect();
    await f.close();
  }
  const d2 = tempDir();
  const run = await runServer(d2, ['--save', '']);
  let c2 = new Redis({ port: run.port, retryStrategy: () => null });
  await c2.set('b', '2');
  await c2.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  assert.is(await run.exited, 0);
  assert.not.ok(existsSync(join(d2, 'dump.rdb')));
  c2.disconnect();
  const run2 = await runServer(d2, ['--save', '']);
  c2 = new Redis({ port: run2.port, retryStrategy: () => null });
  await c2.set('b', '2');
  await c2.call('SHUTDOWN', 'SAVE').catch(() => undefined);
  assert.is(await run2.exited, 0);
  c2.disconnect();
  assert.is(datasetOfFile(join(d2, 'dump.rdb')).get('0/b')?.value, '2');
  const run3 = await runServer(d2, ['--save', '3600 1']);
  c2 = new Redis({ port: run3.port, retryStrategy: () => null });
  assert.is(await c2.get('b'), '2');
  await c2.set('c', '3');
  c2.disconnect();
  assert.is(await run3.stop('SIGTERM'), 0);
  assert.match(run3.log, /Saving the final RDB snapshot before exiting/);
  assert.is(datasetOfFile(join(d2, 'dump.rdb')).get('0/c')?.value, '3');
  assert.ok(statSync(join(d2, 'dump.rdb')).size > 0);
});

test('rdb-del-sync-files removes a sync-only dump.rdb only when nothing else persists', async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir, save: '3600 1' });
  const c = new Redis({ port: f.port });
  try {
    await c.set('k', 'v');
    await c.save();
    const p = rdbPersistence(f.server.state);
    assert.not.ok(p.removeSyncFile(), 'rdb-del-sync-files is no');
    await c.config('SET', 'rdb-del-sync-files', 'yes');
    assert.not.ok(p.removeSyncFile(), 'save points are set');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    await c.config('SET', 'save', '');
    assert.ok(p.removeSyncFile());
    assert.not.ok(existsSync(join(dir, 'dump.rdb')));
  } finally {
    c.disconnect();
    await f.close();
  }
});

test('SHUTDOWN refuses to exit when its save fails, unless FORCE', async () => {
  const dir = tempDir();
  const run = await runServer(dir, ['--save', '3600 1']);
  const c = new Redis({ port: run.port, retryStrategy: () => null });
  try {
    await c.set('k', 'v');
    const pid = Number((String(await c.info('server')).match(/process_id:(\d+)/) ?? [])[1]);
    mkdirSync(join(dir, `temp-${pid}.rdb`));
    await rejects(c.call('SHUTDOWN'), /ERR Errors trying to SHUTDOWN\. Check logs\./);
    assert.is(await c.get('k'), 'v');
    await c.call('SHUTDOWN', 'FORCE').catch(() => undefined);
    assert.is(await run.exited, 0);
  } finally {
    c.disconnect();
    await run.stop();
  }
});

test.run();
