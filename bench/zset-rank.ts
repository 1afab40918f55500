// Rank questions on a big sorted set, Ferrite against Debian's redis-server in the same run: ZRANK of
// random members and ZRANGE key 500000 500010 on 1,000,000 members (integer scores with ties, so
// member order matters). Both servers get the same data over real TCP (ioredis); each operation is
// sent in pipelined batches, so the wall time per operation is mostly the servers' own work rather
// than round trips. Ferrite runs in this process (startServer), so its figure also carries the
// client's share of the one event loop; the servers' own accounting (INFO commandstats
// usec_per_call) is printed beside it. Both answer the same ZRANGE, checked before timing.
import { pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { startServer } from '../src/index.js';
import { startRedisProcess } from './servers.js';

const MEMBERS = 1_000_000;
const KEY = 'bench:zset';
const LOAD_BATCH = 1000;
const PIPELINE = 500;
const ROUNDS = 3;
const SEED = 20240607;

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

const memberName = (i: number): string => `member:${i}`;

/** 1,000,000 members with integer scores in [0, 1,000,000): about a third of them tie. */
async function load(client: Redis): Promise<void> {
  const random = mulberry32(SEED);
  for (let start = 0; start < MEMBERS; start += LOAD_BATCH * 100) {
    const pipeline = client.pipeline();
    for (let b = start; b < Math.min(start + LOAD_BATCH * 100, MEMBERS); b += LOAD_BATCH) {
      const args: (string | number)[] = [];
      for (let i = b; i < Math.min(b + LOAD_BATCH, MEMBERS); i++) args.push(Math.floor(random() * MEMBERS), memberName(i));
      pipeline.zadd(KEY, ...args);
    }
    await pipeline.exec();
  }
  const card = await client.zcard(KEY);
  if (card !== MEMBERS) throw new Error(`zset-rank bench: loaded ${card} members`);
}

type Op = (pipeline: ReturnType<Redis['pipeline']>, i: number) => void;

/** Wall microseconds per operation over `ops` operations sent in pipelined batches. */
async function timeOps(client: Redis, ops: number, op: Op): Promise<number> {
  const start = process.hrtime.bigint();
  for (let done = 0; done < ops; done += PIPELINE) {
    const pipeline = client.pipeline();
    for (let i = done; i < Math.min(done + PIPELINE, ops); i++) op(pipeline, i);
    const results = await pipeline.exec();
    for (const [err] of results ?? []) if (err !== null) throw err;
  }
  return Number(process.hrtime.bigint() - start) / 1000 / ops;
}

/** usec_per_call of a command from INFO commandstats. */
async function usecPerCall(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const m = new RegExp(`cmdstat_${command}:calls=\\d+,usec=\\d+,usec_per_call=([0-9.]+)`).exec(info);
  return m === null ? NaN : Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

interface Result {
  rankUs: number;
  rangeUs: number;
  rankServerUs: number;
  rangeServerUs: number;
}

async function measure(client: Redis, ops: number, targets: string[]): Promise<Result> {
  const rank: number[] = [];
  const range: number[] = [];
  await client.config('RESETSTAT');
  for (let round = 0; round < ROUNDS; round++) {
    rank.push(await timeOps(client, ops, (p, i) => void p.zrank(KEY, targets[i % targets.length])));
    range.push(await timeOps(client, ops, (p) => void p.zrange(KEY, 500000, 500010)));
  }
  return {
    rankUs: median(rank),
    rangeUs: median(range),
    rankServerUs: await usecPerCall(client, 'zrank'),
    rangeServerUs: await usecPerCall(client, 'zrange'),
  };
}

export async function runZsetRankBench(quick = false): Promise<string> {
  const ops = quick ? 20_000 : 100_000;
  const random = mulberry32(SEED + 1);
  const targets = Array.from({ length: 10_000 }, () => memberName(Math.floor(random() * MEMBERS)));
  const [ferrite, redis] = await Promise.all([startServer({ port: 0, 'memcached-port': 0, loglevel: 'warning' }), startRedisProcess()]);
  const fc = new Redis({ port: ferrite.port, host: '127.0.0.1' });
  const rc = new Redis({ port: redis.port, host: '127.0.0.1' });
  try {
    await load(fc);
    await load(rc);
    const [fr, rr] = await Promise.all([fc.zrange(KEY, 500000, 500010), rc.zrange(KEY, 500000, 500010)]);
    if (JSON.stringify(fr) !== JSON.stringify(rr)) throw new Error('zset-rank bench: the servers disagree on ZRANGE');
    const f = await measure(fc, ops, targets);
    const r = await measure(rc, ops, targets);
    const row = (label: string, fv: number, rv: number): string =>
      `${label.padEnd(44)}${fv.toFixed(2).padStart(12)}${rv.toFixed(2).padStart(12)}${(fv / rv).toFixed(2).padStart(10)}`;
    return [
      `sorted set of ${MEMBERS.toLocaleString('en')} members; ${ops.toLocaleString('en')} ops per round in pipelines of ${PIPELINE}, median of ${ROUNDS} rounds`,
      `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}; Ferrite in process, redis-server as a child`,
      '',
      `${'µs/op'.padEnd(44)}${'ferrite'.padStart(12)}${'redis'.padStart(12)}${'ratio'.padStart(10)}`,
      row('ZRANK random member (wall, pipelined)', f.rankUs, r.rankUs),
      row('ZRANGE key 500000 500010 (wall, pipelined)', f.rangeUs, r.rangeUs),
      row('ZRANK (server usec_per_call)', f.rankServerUs, r.rankServerUs),
      row('ZRANGE 500000 500010 (server usec_per_call)', f.rangeServerUs, r.rangeServerUs),
    ].join('\n');
  } finally {
    fc.disconnect();
    rc.disconnect();
    await Promise.all([ferrite.close(), redis.stop()]);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runZsetRankBench(process.argv.includes('quick')));
}
