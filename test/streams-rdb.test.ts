// Streams in RDB files and DUMP payloads, with the real programs: a stream with several listpack
// nodes, deleted entries, 64-bit IDs and consumer groups (PELs, consumers, entries-read) survives
// DUMP/RESTORE from redis-server into Ferrite and back, Ferrite's dump.rdb passes redis-check-rdb
// and loads into redis-server, and redis-server's dump.rdb loads into Ferrite — each time with the
// same XINFO STREAM FULL (entries, node count, metadata, delivery and seen times).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startFerrite, startRedis } from './helpers/servers.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-stream-rdb-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KEYS = ['events', 'wide', 'empty', 'huge-ids'];

/** The same stream dataset, built with commands (node size 4 so that there are many nodes). */
async function populate(c: Redis): Promise<void> {
  await c.config('SET', 'stream-node-max-entries', '4');
  for (let i = 1; i <= 30; i++) await c.xadd('events', `${i}-${i % 3}`, 'type', i % 2 ? 'click' : 'view', 'n', String(i));
  await c.xdel('events', '3-0', '4-1', '17-2', '30-0');
  await c.xtrim('events', 'MAXLEN', 24);
  await c.xgroup('CREATE', 'events', 'billing', '0');
  await c.xgroup('CREATE', 'events', 'audit', '$', 'ENTRIESREAD', '5');
  await c.call('XREADGROUP', 'GROUP', 'billing', 'alice', 'COUNT', '5', 'STREAMS', 'events', '>');
  await c.call('XREADGROUP', 'GROUP', 'billing', 'bob', 'COUNT', '3', 'STREAMS', 'events', '>');
  await c.xack('events', 'billing', '8-2');
  await c.call('XCLAIM', 'events', 'billing', 'carol', '0', '9-0', 'TIME', '1700000000000', 'RETRYCOUNT', '4');
  await c.xgroup('CREATECONSUMER', 'events', 'audit', 'idle-one');
  for (let i = 0; i < 40; i++) await c.xadd('wide', `${1000 + i}-0`, ...Array.from({ length: 1 + (i % 9) }, (_, j) => [`field${j}`, 'v'.repeat(i * 3 + j)]).flat());
  await c.xgroup('CREATE', 'empty', 'g', '$', 'MKSTREAM');
  await c.xadd('huge-ids', '18446744073709551614-18446744073709551615', 'a', '1');
  await c.call('XSETID', 'huge-ids', '18446744073709551615-5', 'ENTRIESADDED', '99', 'MAXDELETEDID', '18446744073709551615-1');
  await c.config('SET', 'stream-node-max-entries', '100');
}

async function snapshot(c: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) out[k] = await c.call('XINFO', 'STREAM', k, 'FULL', 'COUNT', '0');
  return out;
}

test('DUMP payloads of streams restore both ways with groups, PELs and metadata', async () => {
  const [r, f] = await Promise.all([startRedis(), startFerrite()]);
  const rc = new Redis({ port: r.port });
  const fc = new Redis({ port: f.port });
  try {
    for (const [from, to] of [[rc, fc], [fc, rc]] as const) {
      await Promise.all([from.flushall(), to.flushall()]);
      await populate(from);
      for (const k of KEYS) await to.restore(k, 0, (await from.dumpBuffer(k))!);
      assert.equal(await snapshot(to), await snapshot(from));
    }
  } finally {
    rc.disconnect();
    fc.disconnect();
    await Promise.all([r.close(), f.close()]);
  }
});

test("Ferrite's dump.rdb with streams passes redis-check-rdb and loads into redis-server, and the reverse", async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir });
  let mine;
  try {
    const fc = new Redis({ port: f.port });
    await populate(fc);
    mine = await snapshot(fc);
    assert.is(await fc.save(), 'OK');
    fc.disconnect();
  } finally {
    await f.close();
  }
  const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
  assert.is(check.status, 0, check.stdout);
  assert.match(check.stdout, /RDB looks OK/);
  const r = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
  const rc = new Redis({ port: r.port });
  try {
    assert.equal(await snapshot(rc), mine);
  } finally {
    rc.disconnect();
    await r.close();
  }
  // And back: redis-server's own file of the same data loads into Ferrite.
  const rdir = tempDir();
  const r2 = await startRedis(['--dir', rdir, '--dbfilename', 'dump.rdb']);
  let theirs;
  const rc2 = new Redis({ port: r2.port });
  try {
    await populate(rc2);
    theirs = await snapshot(rc2);
    assert.is(await rc2.save(), 'OK');
  } finally {
    rc2.disconnect();
    await r2.close();
  }
  const fdir = tempDir();
  copyFileSync(join(rdir, 'dump.rdb'), join(fdir, 'dump.rdb'));
  const f2 = await startFerrite({ dir: fdir });
  const fc2 = new Redis({ port: f2.port });
  try {
    assert.equal(await snapshot(fc2), theirs);
  } finally {
    fc2.disconnect();
    await f2.close();
  }
});

test.run();
