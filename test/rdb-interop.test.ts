// RDB interop with the real programs: Ferrite's dump.rdb passes redis-check-rdb and loads into
// Debian's redis-server 7.0 with the same dataset (type, value, expiry of every key) and encodings;
// redis-server's dump.rdb (every encoding it writes, several databases, TTLs) loads into Ferrite with
// the same dataset; DUMP payloads restore both ways; MIGRATE moves keys to redis-server and Ferrite.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { freePort, startFerrite, startRedis } from './helpers/servers.js';

const BIN = fileURLToPath(new URL('../../bin/ferrite-server', import.meta.url));
import { mulberry32 } from './helpers/random.js';
import { diffDatasets, populate, readDataset, readEncodings } from './helpers/dataset.js';
import { rejects } from './helpers/assert.js';

const SEED = Number(process.env.RDB_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`rdb interop seed: ${SEED} (set RDB_SEED to replay)`);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrite-rdb-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("Ferrite's dump.rdb passes redis-check-rdb and redis-server 7.0 loads the same dataset and encodings", async () => {
  const dir = tempDir();
  const f = await startFerrite({ dir });
  try {
    await populate(f.port, mulberry32(SEED));
    const c = new Redis({ port: f.port });
    assert.is(await c.save(), 'OK');
    c.disconnect();
    const mine = await readDataset(f.port);
    const encodings = await readEncodings(f.port, mine);
    const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
    assert.is(check.status, 0, check.stdout);
    assert.match(check.stdout, /RDB looks OK/);
    assert.match(check.stdout, /Checksum OK/);
    const r = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
    try {
      const theirs = await readDataset(r.port);
      assert.is(theirs.size, mine.size);
      assert.equal(diffDatasets(mine, theirs), []);
      const theirEncodings = await readEncodings(r.port, theirs);
      const differ = [...encodings].filter(([k, e]) => theirEncodings.get(k) !== e).slice(0, 5);
      assert.equal(differ, []);
    } finally {
      await r.close();
    }
  } finally {
    await f.close();
  }
});

test("Ferrite loads redis-server's dump.rdb (every encoding, TTLs, several dbs) with the same dataset", async () => {
  const dir = tempDir();
  for (const compression of ['yes', 'no']) {
    const r = await startRedis(['--dir', dir, '--dbfilename', `redis-${compression}.rdb`, '--rdbcompression', compression]);
    let theirs;
    try {
      await populate(r.port, mulberry32(SEED + 1));
      const c = new Redis({ port: r.port });
      assert.is(await c.save(), 'OK');
      c.disconnect();
      theirs = await readDataset(r.port);
    } finally {
      await r.close();
    }
    const fdir = tempDir();
    copyFileSync(join(dir, `redis-${compression}.rdb`), join(fdir, 'dump.rdb'));
    const f = await startFerrite({ dir: fdir });
    try {
      const mine = await readDataset(f.port);
      assert.is(mine.size, theirs.size);
      assert.equal(diffDatasets(theirs, mine), []);
    } finally {
      await f.close();
    }
  }
});

test('DUMP payloads restore both ways, and a damaged one is refused with Redis\' error', async () => {
  const r = await startRedis();
  const f = await startFerrite();
  const rc = new Redis({ port: r.port });
  const fc = new Redis({ port: f.port });
  try {
    await populate(r.port, mulberry32(SEED + 2));
    await populate(f.port, mulberry32(SEED + 2));
    const reference = await readDataset(r.port);
    for (const [from, to] of [[rc, fc], [fc, rc]] as const) {
      await from.select(0);
      const keys = (await from.keysBuffer('*')) as Buffer[];
      for (const key of keys) {
        const payload = await from.dumpBuffer(key);
        assert.ok(payload !== null);
        await to.select(2);
        assert.is(await to.restore(key, 0, payload!, 'REPLACE'), 'OK');
      }
      assert.is(await to.dbsize(), keys.length);
    }
    // db 2 of each now holds db 0 of the other: compare both with the reference's db 0.
    const pick = (d: Map<string, { type: string; value: string; expireAt: number }>, db: string) =>
      new Map([...d].filter(([k]) => k.startsWith(`${db}/`)).map(([k, v]) => [k.slice(k.indexOf('/') + 1), { ...v, expireAt: 0 }]));
    const want = pick(reference, '0');
    assert.equal(diffDatasets(want, pick(await readDataset(r.port), '2')), []);
    assert.equal(diffDatasets(want, pick(await readDataset(f.port), '2')), []);
    const good = (await rc.dumpBuffer('hash:big'))!;
    for (const c of [rc, fc]) {
      const flipped = Buffer.from(good);
      flipped[5] ^= 0xff;
      await rejects(c.restore('x', 0, flipped), /ERR DUMP payload version or checksum are wrong/);
      const newer = Buffer.from(good);
      newer[newer.length - 10] = 11;
      await rejects(c.restore('x', 0, newer), /ERR DUMP payload version or checksum are wrong/);
      await rejects(c.restore('x', 0, Buffer.from('short')), /ERR DUMP payload version or checksum are wrong/);
      await rejects(c.restore('hash:big', 0, good), /BUSYKEY Target key name already exists\./);
      await rejects(c.restore('y', -1, good), /ERR Invalid TTL value, must be >= 0/);
      await rejects(c.call('RESTORE', 'y', '0', good, 'IDLETIME', '-1'), /ERR Invalid IDLETIME value, must be >= 0/);
      await rejects(c.call('RESTORE', 'y', '0', good, 'FREQ', '256'), /ERR Invalid FREQ value, must be >= 0 and <= 255/);
      await rejects(c.call('RESTORE', 'y', '0', good, 'BOGUS'), /ERR syntax error/);
      assert.is(await c.exists('x', 'y'), 0);
    }
  } finally {
    rc.disconnect();
    fc.disconnect();
    await r.close();
    await f.close();
  }
});

test('MIGRATE moves keys to redis-server and to Ferrite (COPY, REPLACE, KEYS, AUTH), DEL on the source', async () => {
  const r = await startRedis(['--requirepass', 'sekret']);
  const f = await startFerrite();
  // The target runs in its own process: MIGRATE blocks this one's event loop while it waits, as Redis does.
  const g = await startFerriteProcess();
  const fc = new Redis({ port: f.port });
  const rc = new Redis({ port: r.port, password: 'sekret' });
  const gc = new Redis({ port: g.port });
  try {
    await fc.set('a', '1');
    await fc.rpush('l', 'x', 'y');
    await fc.set('t', 'v', 'PX', 50_000);
    await fc.hset('h', 'f', 'v');
    assert.is(await fc.migrate('127.0.0.1', r.port, 'a', 3, 5000, 'AUTH', 'sekret'), 'OK');
    assert.is(await fc.exists('a'), 0);
    await rc.select(3);
    assert.is(await rc.get('a'), '1');
    assert.is(await fc.migrate('127.0.0.1', r.port, '', 3, 5000, 'COPY', 'AUTH2', 'default', 'sekret', 'KEYS', 'l', 't', 'missing'), 'OK');
    assert.is(await fc.exists('l', 't'), 2);
    assert.equal(await rc.lrange('l', 0, -1), ['x', 'y']);
    const pttl = await rc.pttl('t');
    assert.ok(pttl > 40_000 && pttl <= 50_000, String(pttl));
    await rejects(fc.migrate('127.0.0.1', r.port, 'l', 3, 5000, 'AUTH', 'sekret'), /ERR Target instance replied with error: BUSYKEY Target key name already exists\./);
    assert.is(await fc.exists('l'), 1);
    assert.is(await fc.migrate('127.0.0.1', r.port, 'l', 3, 5000, 'REPLACE', 'AUTH', 'sekret'), 'OK');
    await rejects(fc.migrate('127.0.0.1', r.port, 'h', 3, 5000, 'AUTH', 'wrong'), /ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled\./);
    assert.is(await fc.exists('h'), 1);
    assert.is(await fc.migrate('127.0.0.1', r.port, 'nothing', 3, 5000), 'NOKEY');
    await rejects(fc.migrate('127.0.0.1', r.port, 'h', 3, 5000, 'KEYS', 'h'), /ERR When using MIGRATE KEYS option, the key argument must be set to the empty string/);
    assert.is(await fc.migrate('127.0.0.1', g.port, 'h', 0, 5000), 'OK');
    assert.equal(await gc.hgetall('h'), { f: 'v' });
    await rejects(fc.migrate('127.0.0.1', 1, 't', 0, 300), /IOERR error or timeout connecting to the client/);
  } finally {
    fc.disconnect();
    rc.disconnect();
    gc.disconnect();
    await r.close();
    await f.close();
    await g.close();
  }
});

test('IDLE and FREQ travel in dump.rdb under LRU and LFU policies (RESTORE IDLETIME/FREQ set them)', async () => {
  for (const [policy, field, option, value] of [['allkeys-lru', 'IDLETIME', 'IDLETIME', '5000'], ['allkeys-lfu', 'FREQ', 'FREQ', '77']] as const) {
    const dir = tempDir();
    const f = await startFerrite({ dir, 'maxmemory-policy': policy });
    const c = new Redis({ port: f.port });
    try {
      await c.set('src', 'v');
      const payload = (await c.dumpBuffer('src'))!;
      assert.is(await c.call('RESTORE', 'k', '0', payload, option, value), 'OK');
      const mine = Number(await c.call('OBJECT', field, 'k'));
      assert.ok(policy === 'allkeys-lfu' ? mine === 77 : mine >= 5000, `${field} ${mine}`);
      assert.is(await c.save(), 'OK');
    } finally {
      c.disconnect();
      await f.close();
    }
    const r = await startRedis(['--dir', dir, '--maxmemory-policy', policy]);
    const rc = new Redis({ port: r.port });
    try {
      const theirs = Number(await rc.call('OBJECT', field, 'k'));
      assert.ok(policy === 'allkeys-lfu' ? theirs === 77 : theirs >= 5000, `redis ${field} ${theirs}`);
    } finally {
      rc.disconnect();
      await r.close();
    }
  }
});

/** ferrite-server as a child process on a free port. */
async function startFerriteProcess(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(BIN, ['--port', String(port), '--save', '', '--memcached-port', '0', '--dir', tempDir()], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ port, host: '127.0.0.1' }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

test.run();
