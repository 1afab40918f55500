// A damaged or unwritable AOF: a corrupt file, a bad manifest or an unknown command stops the start
// with Redis' message and exit code 1; a tail cut at any byte loads under aof-load-truncated yes (the
// torn tail cut and logged, the same dataset redis-server loads from the same files) and is refused
// under no; a full disk gives aof_last_write_status:err and MISCONF for writes while reads go on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { diffDatasets, populate, readDataset } from './helpers/dataset.js';
import { killAll, launchFerrite, launchRedis, mustStart, type ServerProcess } from './helpers/processes.js';
import { mulberry32 } from './helpers/random.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-aof-faults-'));
  dirs.push(d);
  return d;
}

const INCR = join('appendonlydir', 'appendonly.aof.1.incr.aof');

test.after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function client(s: ServerProcess): Promise<Redis> {
  const c = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return c;
}

let written: string | undefined;

/** A copy of one directory holding Ferrite's AOF (base in AOF format) with a populated incr file. */
async function writtenDir(): Promise<string> {
  if (written === undefined) {
    written = freshDir();
    const s = await mustStart(launchFerrite(written, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']));
    await populate(s.port, mulberry32(1));
    await s.stop();
  }
  return copyDir(written);
}

function copyDir(from: string): string {
  const to = freshDir();
  cpSync(from, to, { recursive: true });
  return to;
}

test('a corrupt AOF refuses to start, as redis-server refuses it', async () => {
  const dir = await writtenDir();
  appendFileSync(join(dir, INCR), 'garbage that is not RESP\r\n*1\r\n$4\r\nPING\r\n');
  const twin = copyDir(dir);
  const [ours, theirs] = await Promise.all([launchFerrite(dir, ['--appendonly', 'yes']), launchRedis(twin, ['--appendonly', 'yes'])]);
  assert.ok(!ours.ok);
  if (ours.ok) return;
  assert.is(ours.code, 1);
  assert.match(ours.output, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/);
  assert.ok(!theirs.ok);
  if (!theirs.ok) assert.match(theirs.output, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof/);
});

test('an AOF cut at random bytes loads the prefix under aof-load-truncated yes (as redis-server does), and is refused under no', async () => {
  const dir = await writtenDir();
  const full = readFileSync(join(dir, INCR));
  const rng = mulberry32(22);
  let refusalSeen = false;
  for (let round = 0; round < 2; round++) {
    const cut = 1 + Math.floor(rng() * (full.length - 2));
    const ours = copyDir(dir);
    truncateSync(join(ours, INCR), cut);
    const theirs = copyDir(ours);
    const refused = copyDir(ours);
    const [s, r] = await Promise.all([
      mustStart(launchFerrite(ours, ['--appendonly', 'yes', '--aof-load-truncated', 'yes'])),
      mustStart(launchRedis(theirs, ['--appendonly', 'yes', '--aof-load-truncated', 'yes'])),
    ]);
    const cutAtCommandEnd = !/Truncating the AOF/.test(r.output());
    if (!cutAtCommandEnd) {
      assert.match(s.output(), /!!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
      assert.match(s.output(), /AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
      // Both cut the file at the same offset, the end of the last whole command.
      const at = (out: string): string | undefined => /Truncating the AOF appendonly\.aof\.1\.incr\.aof at offset (\d+)/.exec(out)?.[1];
      assert.is(at(s.output()), at(r.output()));
    }
    assert.equal(diffDatasets(await readDataset(s.port), await readDataset(r.port)), [], `cut at ${cut}`);
    await Promise.all([s.kill9(), r.kill9()]);
    assert.is(statSync(join(ours, INCR)).size, statSync(join(theirs, INCR)).size);
    if (cutAtCommandEnd || refusalSeen) continue;
    refusalSeen = true;
    const no = await launchFerrite(refused, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
    assert.ok(!no.ok, `cut at ${cut} loaded under aof-load-truncated no`);
    if (!no.ok) {
      assert.is(no.code, 1);
      assert.match(no.output, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup/);
    }
  }
  assert.ok(refusalSeen, 'no cut fell inside a command');
});

test('an unfinished MULTI at the tail is reverted under aof-load-truncated yes', async () => {
  const dir = await writtenDir();
  appendFileSync(join(dir, INCR), '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$7\r\nhalf-tx\r\n$1\r\n1\r\n');
  const s = await mustStart(launchFerrite(dir, ['--appendonly', 'yes']));
  assert.match(s.output(), /Revert incomplete MULTI\/EXEC transaction in AOF file appendonly\.aof\.1\.incr\.aof/);
  const c = await client(s);
  assert.is(await c.exists('half-tx'), 0);
  c.disconnect();
  await s.kill9();
  assert.not.match(readFileSync(join(dir, INCR), 'latin1'), /half-tx/);
});

test('a bad manifest, a missing file or an unknown command stops the start with exit code 1', async () => {
  const bad = await writtenDir();
  writeFileSync(join(bad, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1\n');
  const missing = await writtenDir();
  rmSync(join(missing, INCR));
  const unknown = await writtenDir();
  appendFileSync(join(unknown, INCR), '*2\r\n$7\r\nNOSUCHC\r\n$1\r\nx\r\n');
  const [r1, r2, r3] = await Promise.all([bad, missing, unknown].map((d) => launchFerrite(d, ['--appendonly', 'yes'])));
  assert.ok(!r1.ok && r1.code === 1 && /Invalid AOF manifest file format/.test(r1.output), r1.ok ? 'started' : r1.output);
  assert.ok(!r2.ok && r2.code === 1 && /appendonly\.aof\.1\.incr\.aof doesn't exist/.test(r2.output), r2.ok ? 'started' : r2.output);
  assert.ok(!r3.ok && r3.code === 1 && /Unknown command 'NOSUCHC' reading the append only file appendonly\.aof\.1\.incr\.aof/.test(r3.output), r3.ok ? 'started' : r3.output);
});

/** A small tmpfs to fill (root only); undefined where mounting is not allowed. */
function smallDisk(): string | undefined {
  const mnt = freshDir();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  return r.status === 0 ? mnt : undefined;
}

async function fillUntilMisconf(c: Redis): Promise<string> {
  const value = 'v'.repeat(16 * 1024);
  for (let i = 0; i < 2000; i++) {
    try {
      await c.set(`fill:${i}`, value);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return 'no error';
}

/** Writes a filler that leaves the tmpfs almost full; returns its path. */
function fillDisk(mnt: string): string {
  const filler = join(mnt, 'filler');
  writeFileSync(filler, Buffer.alloc(3 * 1024 * 1024 + 512 * 1024));
  return filler;
}

async function waitFor(pred: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await pred()); i++) await new Promise((r) => setTimeout(r, 20));
}

test('a full disk: aof_last_write_status:err, MISCONF for writes, reads served; writes resume once there is room (as redis-server)', async () => {
  const disks = [smallDisk(), smallDisk()];
  try {
    const results: string[][] = [];
    for (const [i, launch] of [launchFerrite, launchRedis].entries()) {
      const mnt = disks[i];
      // Without a tmpfs to fill (no mount rights), /dev/full stands in for a full disk: no recovery to see.
      const dir = mnt ?? freshDir();
      mkdirSync(join(dir, 'data'));
      const s = await mustStart(launch(join(dir, 'data'), ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0']));
      const c = await client(s);
      await c.set('before', 'kept');
      const filler = mnt === undefined ? undefined : fillDisk(mnt);
      const err = await fillUntilMisconf(c);
      const info = String(await c.info('persistence'));
      const seen = [err, /aof_last_write_status:(\w+)/.exec(info)![1], String(await c.get('before'))];
      try {
        await c.ping();
        seen.push('PONG');
      } catch (e) {
        seen.push((e as Error).message);
      }
      if (filler !== undefined) {
        rmSync(filler);
        await waitFor(async () => /aof_last_write_status:ok/.test(String(await c.info('persistence'))));
        seen.push(String(await c.set('after', 'ok')));
      }
      results.push(seen);
      c.disconnect();
      await s.kill9();
    }
    assert.equal(results[0], results[1]);
    assert.is(results[0][0], 'MISCONF Errors writing to the AOF file: No space left on device');
    assert.is(results[0][1], 'err');
    assert.is(results[0][2], 'kept');
  } finally {
    for (const d of disks) if (d !== undefined) spawnSync('umount', [d]);
  }
});

test.run();
