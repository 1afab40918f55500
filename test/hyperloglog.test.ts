// Differential test of the HyperLogLog functions against Debian's real redis-server 7: every
// operation runs on both sides and the stored values must match byte for byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { HLL_INVALID, HllError, hllAdd, hllCount, hllMerge, isHll } from '../src/structures/hyperloglog.js';
import { mulberry32 as random } from './helpers/random.js';

const DEFAULT_SPARSE_MAX_BYTES = 3000;
const HEADER_SIZE = 16;
const DENSE_SIZE = HEADER_SIZE + 12288;
const WRONGTYPE = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPTED = 'INVALIDOBJ Corrupted HLL object detected';

let server: ChildProcess;
let redis: Redis;
/** Our side of the keyspace, mirroring what real Redis holds. */
const ours = new Map<string, string>();
let sparseMaxBytes = DEFAULT_SPARSE_MAX_BYTES;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      probe.close(() => resolve(address.port));
    });
  });
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      resolve(reply.startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

test.before(async () => {
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`redis-server exited early with code ${code}`)));
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([pingOnce(port), exited]))) {
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING');
    await delay(50);
  }
  redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
});

test.after(async () => {
  redis.disconnect();
  if (server.pid !== undefined && server.exitCode === null) {
    const exit = new Promise((resolve) => server.once('exit', resolve));
    process.kill(server.pid, 'SIGTERM');
    await exit;
  }
});

test.before.each(async () => {
  await redis.flushall();
  ours.clear();
  sparseMaxBytes = DEFAULT_SPARSE_MAX_BYTES;
  await redis.config('SET', 'hll-sparse-max-bytes', String(DEFAULT_SPARSE_MAX_BYTES));
});

// --- helpers --------------------------------------------------------------------------------

function bytes(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

function describe(buffer: Buffer | null | undefined): string {
  if (buffer == null) return '(nil)';
  const head = buffer.subarray(0, 40).toString('hex');
  return `${buffer.length} bytes, starts ${head}`;
}

async function assertSameValue(key: string): Promise<void> {
  const actual = await redis.getBuffer(key);
  const mine = ours.get(key);
  const expected = mine === undefined ? null : bytes(mine);
  if (actual === null || expected === null) {
    assert.is(describe(expected), describe(actual), `key ${key} existence`);
    return;
  }
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  assert.unreachable(`key ${key} differs at byte ${at}: ours ${describe(expected)} vs redis ${describe(actual)}; ` +
    `around: ours ${expected.subarray(at, at + 8).toString('hex')} redis ${actual.subarray(at, at + 8).toString('hex')}`);
}

/** Runs `mine` and the Redis command; both must succeed with the same reply or fail with the same message. */
async function same<T>(mine: () => T, theirs: () => Promise<T>, label: string): Promise<void> {
  let myResult: { ok: true; value: T } | { ok: false; message: string };
  try {
    myResult = { ok: true, value: mine() };
  } catch (err) {
    assert.instance(err, HllError, `${label}: our error is an HllError`);
    myResult = { ok: false, message: (err as Error).message };
  }
  let theirResult: typeof myResult;
  try {
    theirResult = { ok: true, value: await theirs() };
  } catch (err) {
    theirResult = { ok: false, message: (err as Error).message };
  }
  assert.equal(myResult, theirResult, label);
}

async function pfadd(key: string, elements: string[]): Promise<void> {
  await same(
    () => {
      const { value, changed } = hllAdd(ours.get(key), elements, sparseMaxBytes);
      ours.set(key, value);
      return changed ? 1 : 0;
    },
    () => redis.pfadd(key, ...elements.map(bytes)),
    `PFADD ${key} (${elements.length} elements)`,
  );
  await assertSameValue(key);
}

async function pfcount(keys: string[]): Promise<number> {
  let count = -1;
  await same(
    () => {
      const result = hllCount(keys.map((key) => ours.get(key)));
      result.updatedCache.forEach((value, i) => {
        if (value !== undefined) ours.set(keys[i], value);
      });
      count = result.count;
      return result.count;
    },
    () => redis.pfcount(...keys),
    `PFCOUNT ${keys.join(' ')}`,
  );
  for (const key of keys) await assertSameValue(key);
  return count;
}

async function pfmerge(dest: string, sources: string[]): Promise<void> {
  await same(
    () => {
      ours.set(dest, hllMerge(ours.get(dest), sources.map((key) => ours.get(key)), sparseMaxBytes));
      return 'OK';
    },
    () => redis.pfmerge(dest, ...sources),
    `PFMERGE ${dest} ${sources.join(' ')}`,
  );
  await assertSameValue(dest);
}

async function setBoth(key: string, value: string): Promise<void> {
  ours.set(key, value);
  await redis.set(key, bytes(value));
}

function encodingOf(key: string): number {
  const value = ours.get(key);
  if (value === undefined) throw new Error(`no key ${key}`);
  return value.charCodeAt(4);
}


function randomBinary(rand: () => number, maxLength: number): string {
  const length = Math.floor(rand() * (maxLength + 1));
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

function range(prefix: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${prefix}${i}`);
  return out;
}

/** Our value stored under a fresh key in real Redis must count the same there. */
async function assertRedisReads(key: string): Promise<void> {
  const value = ours.get(key);
  if (value === undefined) throw new Error(`no key ${key}`);
  const mirror = `mirror:${key}`;
  await redis.set(mirror, bytes(value));
  const expected = hllCount([value]).count;
  assert.is(await redis.pfcount(mirror), expected, `redis counts our ${key}`);
  await redis.del(mirror);
}

// --- cases ----------------------------------------------------------------------------------

test('constants, error class and header check', () => {
  assert.is(HLL_INVALID, 'INVALIDOBJ');
  const err = new HllError(CORRUPTED);
  assert.instance(err, Error);
  assert.is(err.message, CORRUPTED);
  assert.ok(isHll(hllAdd(undefined, [], DEFAULT_SPARSE_MAX_BYTES).value));
  assert.not.ok(isHll('hello'));
  assert.not.ok(isHll('HYLL\x00' + '\x00'.repeat(20)));
  assert.not.ok(isHll('HYLL\x02' + '\x00'.repeat(20)));
  assert.not.ok(isHll('HYLX\x01' + '\x00'.repeat(13)));
  assert.ok(isHll('HYLL\x00' + '\x00'.repeat(DENSE_SIZE - 5)));
  assert.ok(isHll('HYLL\x01' + '\x00'.repeat(11)));
});

test('empty HLL: PFADD without elements, PFCOUNT, missing keys', async () => {
  await pfadd('e', []);
  await pfadd('e', []);
  assert.is(await pfcount(['e']), 0);
  assert.is(await pfcount(['missing']), 0);
  assert.is(await pfcount(['e', 'missing']), 0);
  await assertRedisReads('e');
});

test('one element, then the same element again', async () => {
  await pfadd('one', ['hello']);
  await pfadd('one', ['hello']);
  assert.is(await pfcount(['one']), 1);
  assert.is(await pfcount(['one']), 1);
  await pfadd('one', ['hello']);
  await pfadd('one', ['world']);
  assert.is(await pfcount(['one']), 2);
  await assertRedisReads('one');
});

test('binary elements: NUL, bytes > 127, every tail length', async () => {
  const elements = ['', '\x00', '\x00\x00', '\xff', '\x80\x81\x82', 'a\x00b\xffc', '\xfe'.repeat(7)];
  for (let length = 0; length <= 40; length++) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode((i * 37 + length * 11) & 0xff);
    elements.push(s);
  }
  for (const element of elements) await pfadd('bin', [element]);
  await pfadd('bin2', elements);
  await pfcount(['bin']);
  await pfcount(['bin2']);
  await pfcount(['bin', 'bin2']);
  await assertRedisReads('bin');
});

test('1000 elements stay sparse, added one by one and in batches', async () => {
  for (let i = 0; i < 300; i++) await pfadd('s1', [`e${i}`]);
  await pfadd('s1', range('e', 300, 1000));
  await pfadd('s2', range('e', 0, 1000));
  assert.is(encodingOf('s1'), 1);
  const count = await pfcount(['s1']);
  assert.ok(Math.abs(count - 1000) < 50, `count ${count}`);
  await pfcount(['s2']);
  await pfadd('s1', range('e', 0, 1000));
  await assertRedisReads('s1');
});

test('20000 elements promote to dense', async () => {
  await pfadd('d', range('x', 0, 20000));
  assert.is(encodingOf('d'), 0);
  assert.is(ours.get('d')?.length, DENSE_SIZE);
  for (let i = 0; i < 2000; i += 200) await pfadd('d', range('y', i, i + 200));
  await pfcount(['d']);
  await pfadd('d', range('x', 0, 20000));
  await pfcount(['d']);
  await assertRedisReads('d');
  // Grow a sparse HLL one batch at a time across the promotion point.
  for (let i = 0; i < 5000; i += 100) await pfadd('grow', range('g', i, i + 100));
  assert.is(encodingOf('grow'), 0);
});

test('a register above 32 promotes a sparse HLL to dense', async () => {
  // Found by brute force: these hash with 32+ zero bits after the register index (odds 2^-32).
  const highRun = ['hll33-5602598858', 'hll33-16918153046', 'hll33-14363851989'];
  await pfadd('high', ['a', 'b', 'c']);
  assert.is(encodingOf('high'), 1);
  await pfadd('high', [highRun[0]]);
  assert.is(encodingOf('high'), 0);
  await pfadd('high2', highRun.slice(1));
  assert.is(encodingOf('high2'), 0);
  await pfadd('low', ['d']);
  await pfmerge('low', ['high']);
  await pfcount(['high']);
  await pfcount(['high', 'high2', 'low']);
  await assertRedisReads('high2');
});

test('hll-sparse-max-bytes is honoured (small and large limits)', async () => {
  for (const limit of [100, 500, 9000]) {
    sparseMaxBytes = limit;
    await redis.config('SET', 'hll-sparse-max-bytes', String(limit));
    const key = `limit${limit}`;
    for (let i = 0; i < 4000; i += 50) await pfadd(key, range(`l${limit}-`, i, i + 50));
    await pfcount([key]);
  }
  // One element per PFADD so the exact moment of promotion is visible; with these elements the
  // sparse value reaches exactly the limit before promoting, which must still be allowed.
  for (const limit of [300, 500]) {
    sparseMaxBytes = limit;
    await redis.config('SET', 'hll-sparse-max-bytes', String(limit));
    const key = `single${limit}`;
    let reachedLimit = false;
    let i = 0;
    do {
      await pfadd(key, [`one${limit}-${i++}`]);
      if (ours.get(key)?.length === limit && encodingOf(key) === 1) reachedLimit = true;
    } while (encodingOf(key) !== 0);
    assert.ok(reachedLimit, `sparse value never reached exactly ${limit} bytes`);
  }
});

test('PFMERGE of sparse, dense and missing keys, into new and existing destinations', async () => {
  await pfadd('sa', range('a', 0, 100));
  await pfadd('sb', range('b', 0, 300));
  await pfadd('sc', range('a', 50, 150));
  await pfadd('dd', range('c', 0, 15000));
  await pfmerge('m1', ['sa', 'sb']);
  assert.is(encodingOf('m1'), 1);
  await pfmerge('m2', ['sa', 'sb', 'sc', 'missing']);
  await pfmerge('m3', ['sa', 'dd']);
  assert.is(encodingOf('m3'), 0);
  await pfmerge('m4', []);
  await pfcount(['sa']);
  await pfmerge('sa', ['sb']); // existing sparse destination with a valid cache
  await pfcount(['dd']);
  await pfmerge('dd', ['sc']); // existing dense destination
  await pfmerge('sb', ['sb', 'sb']);
  await pfmerge('big', ['sa', 'sb', 'sc', 'm2']);
  sparseMaxBytes = 200;
  await redis.config('SET', 'hll-sparse-max-bytes', '200');
  await pfmerge('promoted', ['sa', 'sb', 'sc']);
  assert.is(encodingOf('promoted'), 0);
  for (const key of ['m1', 'm2', 'm3', 'm4', 'sa', 'dd', 'sb', 'big', 'promoted']) await pfcount([key]);
  await assertRedisReads('m1');
  await assertRedisReads('m3');
});

test('PFCOUNT of several keys counts the union without touching the keys', async () => {
  await pfadd('u1', range('u', 0, 500));
  await pfadd('u2', range('u', 250, 800));
  await pfadd('u3', range('v', 0, 20000));
  await pfcount(['u1', 'u2']);
  await pfcount(['u1', 'u2', 'u3', 'nope']);
  await pfcount(['u2', 'u1', 'u1']);
  await pfcount(['u1']);
  await pfcount(['u1', 'u2']);
});

test('cached cardinality: a valid cache is returned as is', async () => {
  const value = hllAdd(undefined, range('c', 0, 10), DEFAULT_SPARSE_MAX_BYTES).value;
  const card = '\x39\x30\x00\x00\x00\x00\x00\x00'; // 12345, cache valid
  await setBoth('cached', value.slice(0, 8) + card + value.slice(16));
  assert.is(await pfcount(['cached']), 12345);
  await pfadd('cached', ['c0']);
  assert.is(await pfcount(['cached']), 12345);
  await pfadd('cached', ['new element']);
  assert.is(await pfcount(['cached']), 11);
});

test('invalid and corrupted values give Redis errors', async () => {
  await setBoth('str', 'hello');
  await setBoth('shortdense', 'HYLL\x00' + '\x00'.repeat(30));
  await setBoth('badenc', 'HYLL\x02' + '\x00'.repeat(30));
  await setBoth('noops', 'HYLL\x01' + '\x00'.repeat(11));
  await setBoth('short', 'HYLL\x01' + '\x00'.repeat(10) + '\x80' + '\x7f\xfe'); // covers 16383 registers
  await setBoth('long', 'HYLL\x01' + '\x00'.repeat(10) + '\x80' + '\x7f\xff\x00'); // covers 16385
  await setBoth('tiny', 'HYLL\x01' + '\x00'.repeat(10) + '\x80' + '\x40\x00'); // covers register 0 only
  await pfadd('ok', ['a', 'b']);
  for (const key of ['str', 'shortdense', 'badenc', 'noops', 'short', 'long', 'tiny']) {
    await pfcount([key]);
    await pfcount(['ok', key]);
    await pfmerge('dst', ['ok', key]);
    await pfmerge(key, ['ok']);
  }
  for (const key of ['str', 'shortdense', 'badenc', 'noops', 'tiny']) await pfadd(key, ['x']);
  await pfadd('long', ['x', 'y', 'z']);
  try {
    hllAdd('hello', ['x'], DEFAULT_SPARSE_MAX_BYTES);
    assert.unreachable('hllAdd accepted a non-HLL string');
  } catch (err) {
    assert.instance(err, HllError);
    assert.is((err as Error).message, WRONGTYPE);
  }
});

test('random operations on several keys match Redis byte for byte', async () => {
  const rand = random(20240607);
  const keys = ['r0', 'r1', 'r2', 'r3'];
  const pool = (): string => (rand() < 0.3 ? randomBinary(rand, 12) : `p${Math.floor(rand() * 40000)}`);
  let sparseAdds = 0;
  for (let op = 0; op < 3000; op++) {
    const key = keys[Math.floor(rand() * keys.length)];
    const roll = rand();
    if (roll < 0.06) {
      // Deleting keeps keys cycling through the sparse stage instead of all ending up dense.
      ours.delete(key);
      await redis.del(key);
    } else if (roll < 0.75) {
      if (ours.get(key)?.charCodeAt(4) !== 0) sparseAdds++;
      const size = roll < 0.6 ? 1 + Math.floor(rand() * 3) : roll < 0.72 ? 10 + Math.floor(rand() * 50) : 200 + Math.floor(rand() * 1300);
      const elements: string[] = [];
      for (let i = 0; i < size; i++) elements.push(pool());
      await pfadd(key, elements);
    } else if (roll < 0.85) {
      await pfcount([key]);
    } else if (roll < 0.9) {
      await pfcount(keys.filter(() => rand() < 0.6).concat(key));
    } else {
      await pfmerge(key, keys.filter(() => rand() < 0.4));
    }
  }
  for (const key of keys) if (ours.has(key)) await assertRedisReads(key);
  assert.ok(sparseAdds > 1000, `only ${sparseAdds} adds hit sparse values`);
});

test('100k distinct elements: exact Redis count and error under 2%', async () => {
  const elements = range('acc:', 0, 100_000);
  const { value } = hllAdd(undefined, elements, DEFAULT_SPARSE_MAX_BYTES);
  ours.set('acc', value);
  for (let i = 0; i < elements.length; i += 10_000) await redis.pfadd('acc', ...elements.slice(i, i + 10_000));
  await assertSameValue('acc');
  const count = await pfcount(['acc']);
  const error = Math.abs(count - 100_000) / 100_000;
  assert.ok(error < 0.02, `estimate ${count}, error ${(error * 100).toFixed(2)}%`);
  await assertRedisReads('acc');
});

test('PFADD of 1M elements is fast and matches Redis', async () => {
  const elements = range('m', 0, 1_000_000);
  const started = performance.now();
  const { value } = hllAdd(undefined, elements, DEFAULT_SPARSE_MAX_BYTES);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
  ours.set('million', value);
  const pipeline = redis.pipeline();
  for (let i = 0; i < elements.length; i += 20_000) pipeline.pfadd('million', ...elements.slice(i, i + 20_000));
  await pipeline.exec();
  await assertSameValue('million');
  const count = await pfcount(['million']);
  // Redis itself estimates 1020195 here (2.5 standard errors), so the bound is looser than at 100k.
  assert.ok(Math.abs(count - 1_000_000) / 1_000_000 < 0.03, `estimate ${count}`);
  console.log(`  1M-element PFADD took ${elapsed.toFixed(0)} ms, estimate ${count}`);
});

test.run();
