// Eviction quality: a cache workload (GET; SET on a miss) over Zipf-distributed keys whose working
// set is 5x what maxmemory holds, against Ferrite and Debian's redis-server, for allkeys-lru and
// allkeys-lfu. Reports keyspace_hits / (hits + misses) of each and their ratio.
//
// The two servers count memory differently (Redis' used_memory includes its own allocator and
// startup overheads), so the same maxmemory holds different numbers of keys. The fair comparison is
// the same capacity in keys: Redis runs with a fixed maxmemory, its capacity is measured by filling
// it past the limit, and Ferrite gets the maxmemory that holds exactly that many keys (its
// accounting is per key and exact: MEMORY USAGE of one key times the capacity); Ferrite's capacity
// is then measured the same way and reported.
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startFerriteProcess, startRedisProcess, type BenchServer } from './servers.js';

const POLICIES = ['allkeys-lru', 'allkeys-lfu'] as const;
const VALUE = 'v'.repeat(100);
const ZIPF_EXPONENT = 0.99;
const WORKING_SET_FACTOR = 5;
const BATCH = 500;
const SEED = 20240607;

interface Sizes {
  redisMaxmemory: number;
  requests: number;
}

/** Fixed-width names, so every key costs the same in both servers' accounting. */
function keyName(id: number): string {
  return `key:${String(id).padStart(9, '0')}`;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Key ids drawn from a Zipf law over `n` ranks; ranks map to ids through a fixed shuffle, so hot keys are scattered. */
function zipfSequence(n: number, count: number, seed: number): Uint32Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 1) ** ZIPF_EXPONENT;
  const random = mulberry32(seed);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const out = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    out[k] = ids[lo];
  }
  return out;
}

async function infoField(client: Redis, section: string, field: string): Promise<number> {
  const text = await client.info(section);
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** Writes distinct keys until well past the limit and returns how many the server keeps. */
async function measureCapacity(client: Redis, estimate: number): Promise<number> {
  let id = 0;
  while ((await infoField(client, 'stats', 'evicted_keys')) === 0 || id < estimate * 2) {
    const p = client.pipeline();
    for (let i = 0; i < BATCH; i++) p.set(keyName(id++), VALUE);
    await p.exec();
  }
  const capacity = await client.dbsize();
  await client.flushall();
  return capacity;
}

/** Runs the cache workload; counts only the second half (the first warms the cache up). */
async function hitRatio(client: Redis, sequence: Uint32Array): Promise<number> {
  const half = sequence.length >>> 1;
  for (let start = 0; start < sequence.length; start += BATCH) {
    if (start === half) await client.config('RESETSTAT');
    const ids = sequence.subarray(start, Math.min(sequence.length, start + BATCH));
    const gets = client.pipeline();
    for (const id of ids) gets.get(keyName(id));
    const replies = (await gets.exec()) ?? [];
    const sets = client.pipeline();
    replies.forEach(([, value], i) => {
      if (value === null) sets.set(keyName(ids[i]), VALUE);
    });
    if (sets.length > 0) await sets.exec();
  }
  const hits = await infoField(client, 'stats', 'keyspace_hits');
  const misses = await infoField(client, 'stats', 'keyspace_misses');
  return hits / (hits + misses);
}

interface Run {
  capacity: number;
  maxmemory: number;
  ratio: number;
}

async function withServer<T>(start: Promise<BenchServer>, body: (client: Redis) => Promise<T>): Promise<T> {
  const server = await start;
  const client = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: null });
  try {
    return await body(client);
  } finally {
    client.disconnect();
    await server.stop();
  }
}

/** Redis sets the capacity, so it also fixes the key sequence both servers then replay. */
async function runRedis(policy: string, sizes: Sizes): Promise<{ run: Run; sequence: Uint32Array }> {
  const args = ['--maxmemory', String(sizes.redisMaxmemory), '--maxmemory-policy', policy];
  return withServer(startRedisProcess(args), async (client) => {
    const capacity = await measureCapacity(client, sizes.redisMaxmemory / 200);
    const sequence = zipfSequence(capacity * WORKING_SET_FACTOR, sizes.requests, SEED);
    return { run: { capacity, maxmemory: sizes.redisMaxmemory, ratio: await hitRatio(client, sequence) }, sequence };
  });
}

async function runFerrite(policy: string, keys: number, sequence: Uint32Array): Promise<Run> {
  return withServer(startFerriteProcess(['--maxmemory-policy', policy]), async (client) => {
    await client.set(keyName(0), VALUE);
    const perKey = Number(await client.call('MEMORY', 'USAGE', keyName(0)));
    await client.flushall();
    const maxmemory = perKey * keys;
    await client.config('SET', 'maxmemory', String(maxmemory));
    const capacity = await measureCapacity(client, keys);
    return { capacity, maxmemory, ratio: await hitRatio(client, sequence) };
  });
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export async function runEvictionBench(quick: boolean): Promise<string> {
  const sizes: Sizes = quick ? { redisMaxmemory: 8 << 20, requests: 400_000 } : { redisMaxmemory: 32 << 20, requests: 2_000_000 };
  const lines = [
    `Zipf(${ZIPF_EXPONENT}) GET / SET-on-miss, ${VALUE.length}-byte values, working set ${WORKING_SET_FACTOR}x capacity, ` +
      `${sizes.requests.toLocaleString('en')} requests (hit ratio over the second half), same key capacity for both servers`,
    '',
    `${'policy'.padEnd(14)}${'redis keys'.padStart(12)}${'ferrite keys'.padStart(14)}${'redis maxmemory'.padStart(17)}${'ferrite maxmemory'.padStart(19)}` +
      `${'redis hits'.padStart(12)}${'ferrite hits'.padStart(14)}${'ferrite/redis'.padStart(15)}`,
  ];
  for (const policy of POLICIES) {
    const { run: redis, sequence } = await runRedis(policy, sizes);
    const ferrite = await runFerrite(policy, redis.capacity, sequence);
    lines.push(
      `${policy.padEnd(14)}${String(redis.capacity).padStart(12)}${String(ferrite.capacity).padStart(14)}${mb(redis.maxmemory).padStart(17)}` +
        `${mb(ferrite.maxmemory).padStart(19)}${(redis.ratio * 100).toFixed(2).padStart(11)}%${(ferrite.ratio * 100).toFixed(2).padStart(13)}%` +
        `${(ferrite.ratio / redis.ratio).toFixed(3).padStart(15)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runEvictionBench(process.argv.includes('quick')));
}
