// `npm run bench`: every benchmark, Ferrite beside the real server measured in the same run, as ratios.
// `npm run bench -- quick` uses fewer requests; `npm run bench -- core` (or lists, zset, ...) runs one part.
import { compareRssAfterMillionKeys, compareWithRedisBenchmark, formatRows } from './redis-benchmark.js';

interface Part {
  name: string;
  run(quick: boolean): Promise<string>;
}

const CORE_TESTS = ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'MSET'];
const TYPE_TESTS = ['LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN', 'LRANGE_100', 'LRANGE_600'];

async function redisBenchmarkPart(tests: string[], quick: boolean): Promise<string> {
  const rows = await compareWithRedisBenchmark(tests, { requests: quick ? 20_000 : 100_000, pipelines: [1, 16], clients: 50 });
  return formatRows(rows);
}

const parts: Part[] = [
  { name: 'core', run: (quick) => redisBenchmarkPart(CORE_TESTS, quick) },
  { name: 'rss', run: (quick) => compareRssAfterMillionKeys(quick) },
  { name: 'types', run: (quick) => redisBenchmarkPart(TYPE_TESTS, quick) },
];

/** Optional parts contributed by other modules, loaded if present in this build. */
const optional: [string, string, string][] = [
  ['request-parser', './request-parser.js', 'runRequestParserBench'],
  ['list-deque', './list-deque.js', 'runListDequeBench'],
  ['zset-index', './zset-index.js', 'runZsetIndexBench'],
  ['zset-rank', './zset-rank.js', 'runZsetRankBench'],
  ['pubsub', './pubsub.js', 'runPubsubBench'],
  ['scripting', './scripting.js', 'runScriptingBench'],
  ['memcached', './memcached.js', 'runMemcachedBench'],
  ['eviction', './eviction.js', 'runEvictionBench'],
  ['replication', './replication.js', 'runReplicationBench'],
  ['persistence', './persistence-rdb.js', 'runPersistenceRdbBench'],
  // Both files run under the one part name: each exports its own function.
  ['persistence', './persistence-aof.js', 'runPersistenceAofBench'],
  ['acl', './acl.js', 'runAclBench'],
  ['pool', './pool.js', 'runPoolBench'],
  ['scale', './scale.js', 'runScaleBench'],
  ['dict-stress', './dict-stress.js', 'runDictStressBench'],
  ['streams', './streams.js', 'runStreamsBench'],
];

/** Long or memory-hungry parts (minutes, gigabytes): run only when named. */
const OPT_IN = new Set(['scale', 'dict-stress']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('quick');
  const only = args.filter((a) => a !== 'quick');
  for (const [name, path, fn] of optional) {
    parts.push({
      name,
      run: async (q) => {
        const mod = (await import(path)) as Record<string, (quick: boolean) => Promise<string>>;
        return mod[fn](q);
      },
    });
  }
  console.log(`# Ferrite benchmarks — ${new Date().toISOString()} — node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? ''} x${(await import('node:os')).cpus().length}\n`);
  for (const part of parts) {
    if (only.length > 0 ? !only.includes(part.name) : OPT_IN.has(part.name)) continue;
    console.log(`## ${part.name}\n`);
    try {
      console.log(`${await part.run(quick)}\n`);
    } catch (e) {
      console.log(`(not run: ${(e as Error).message})\n`);
    }
  }
}

await main();
