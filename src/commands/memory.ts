// MEMORY (Redis' memoryCommand in object.c): USAGE of one key, STATS and DOCTOR over the accounting
// that backs used_memory, and the allocator subcommands answered for V8's heap. used_memory counts
// the dataset only (keys, values, TTLs, their tables), so the client buffers and script cache Redis
// adds to it (and to overhead.total) are reported beside it, not inside it.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { memoryUsage } from 'node:process';
import { EXPIRE_OVERHEAD, KEY_OVERHEAD } from '../structures/values.js';
import { parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { helpReply } from './keys.js';
import { scriptingOf } from '../engine/script-runner.js';
import type { ServerState } from '../engine/server-context.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

export interface DbOverhead {
  id: number;
  /** Key entries and their share of the key table (Redis: dictEntry, robj, bucket array). */
  main: number;
  /** The TTL bookkeeping of volatile keys. */
  expires: number;
}

/** Redis' redisMemOverhead, in Ferrite's terms: where used_memory goes and how the heap looks. */
export interface MemoryOverhead {
  peak: number;
  total: number;
  clientsReplicas: number;
  clientsNormal: number;
  luaCaches: number;
  cachedScripts: number;
  dbs: DbOverhead[];
  overheadTotal: number;
  keys: number;
  bytesPerKey: number;
  dataset: number;
  datasetPerc: number;
  peakPerc: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

/** Redis keeps these ratios as C floats: the same rounding gives the same digits. */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.fround(a / b);
}

function clientOutputBytes(s: ServerState): { replicas: number; normal: number } {
  const out = { replicas: 0, normal: 0 };
  for (const c of s.clients.values()) {
    const bytes = c.transport?.outputBytes() ?? 0;
    if (c.isReplica) out.replicas += bytes;
    else out.normal += bytes;
  }
  return out;
}

/** Redis' getMemoryOverheadData: shared by MEMORY STATS, MEMORY DOCTOR and INFO memory. */
export function memoryOverhead(s: ServerState): MemoryOverhead {
  const total = s.usedMemory();
  const peak = Math.max(s.peakMemory, total);
  const dbs: DbOverhead[] = [];
  let overheadTotal = 0;
  let keys = 0;
  for (const db of s.databases) {
    if (db.size === 0) continue;
    const o = { id: db.id, main: db.size * KEY_OVERHEAD, expires: db.expiresCount * EXPIRE_OVERHEAD };
    dbs.push(o);
    overheadTotal += o.main + o.expires;
    keys += db.size;
  }
  const clients = clientOutputBytes(s);
  const scripting = scriptingOf(s);
  const dataset = total - overheadTotal;
  const net = Math.max(total, 1);
  const mem = memoryUsage();
  return {
    peak, total, clientsReplicas: clients.replicas, clientsNormal: clients.normal, luaCaches: scripting.cachedBytes,
    cachedScripts: scripting.cachedScripts, dbs, overheadTotal, keys,
    bytesPerKey: keys === 0 ? 0 : Math.floor(net / keys), dataset, datasetPerc: Math.fround((dataset * 100) / net),
    peakPerc: peak === 0 ? 100 : Math.fround((total * 100) / peak), heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, rss: mem.rss,
  };
}

/**
 * MEMORY USAGE: the key's accounted bytes (entry, name and value). The entry is read without expiring
 * it, as Redis' dictFind does. Accounting is exact, so SAMPLES is only validated, never needed.
 */
function usage(ctx: CommandContext, argv: string[]): void {
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() !== 'samples' || j + 1 >= argv.length) return ctx.reply.error(E.SYNTAX);
    const samples = parseInteger(argv[++j]);
    if (samples === undefined) return ctx.reply.error(E.NOT_INTEGER);
    if (samples < 0) return ctx.reply.error(E.SYNTAX);
  }
  const e = ctx.db.storedEntry(argv[2]);
  if (e === undefined) return ctx.reply.nil();
  ctx.reply.int(e.mem);
}

function stats(ctx: CommandContext): void {
  const m = memoryOverhead(ctx.server);
  const r = ctx.reply;
  const pair = (name: string, value: number, double = false): void => {
    r.bulk(name);
    if (double) r.double(value);
    else r.int(value);
  };
  r.map(27 + m.dbs.length);
  pair('peak.allocated', m.peak);
  pair('total.allocated', m.total);
  pair('startup.allocated', 0);
  pair('replication.backlog', 0);
  pair('clients.slaves', m.clientsReplicas);
  pair('clients.normal', m.clientsNormal);
  pair('cluster.links', 0);
  pair('aof.buffer', 0);
  pair('lua.caches', m.luaCaches);
  pair('functions.caches', 0);
  for (const db of m.dbs) {
    r.bulk(`db.${db.id}`);
    r.map(3);
    pair('overhead.hashtable.main', db.main);
    pair('overhead.hashtable.expires', db.expires);
    pair('overhead.hashtable.slot-to-keys', 0);
  }
  pair('overhead.total', m.overheadTotal);
  pair('keys.count', m.keys);
  pair('keys.bytes-per-key', m.bytesPerKey);
  pair('dataset.bytes', m.dataset);
  pair('dataset.percentage', m.datasetPerc, true);
  pair('peak.percentage', m.peakPerc, true);
  pair('allocator.allocated', m.heapUsed);
  pair('allocator.active', m.heapTotal);
  pair('allocator.resident', m.rss);
  pair('allocator-fragmentation.ratio', ratio(m.heapTotal, m.heapUsed), true);
  pair('allocator-fragmentation.bytes', m.heapTotal - m.heapUsed);
  pair('allocator-rss.ratio', ratio(m.rss, m.heapTotal), true);
  pair('allocator-rss.bytes', m.rss - m.heapTotal);
  pair('rss-overhead.ratio', 1, true);
  pair('rss-overhead.bytes', 0);
  pair('fragmentation', ratio(m.rss, m.total), true);
  pair('fragmentation.bytes', m.rss - m.total);
}

const DOCTOR_EMPTY =
  'Hi Sam, this instance is empty or is using very little memory, my issues detector can\'t be used in these conditions. ' +
  'Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n';
const DOCTOR_FINE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_FRAG =
  ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "v8".\n\n';
const DOCTOR_ALLOC_FRAG =
  " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n";
const DOCTOR_ALLOC_RSS =
  ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n';
const DOCTOR_REPLICA_BUF =
  ' * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n';
const DOCTOR_CLIENT_BUF =
  ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';
const DOCTOR_SCRIPTS =
  " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n";
const TEN_MB = 10 * 1024 * 1024;

/** Redis' getMemoryDoctorReport with its thresholds, over V8's heap in the allocator's place. */
export function memoryDoctorReport(s: ServerState): string {
  const m = memoryOverhead(s);
  if (m.total < 5 * 1024 * 1024) return DOCTOR_EMPTY;
  let replicas = 0;
  for (const c of s.clients.values()) if (c.isReplica) replicas++;
  const normalClients = Math.max(1, s.clients.size - replicas);
  const issues = [
    m.peak / m.total > 1.5 ? DOCTOR_PEAK : '',
    m.rss / m.total > 1.4 && m.rss - m.total > TEN_MB ? DOCTOR_FRAG : '',
    m.heapTotal / m.heapUsed > 1.1 && m.heapTotal - m.heapUsed > TEN_MB ? DOCTOR_ALLOC_FRAG : '',
    m.rss / m.heapTotal > 1.1 && m.rss - m.heapTotal > TEN_MB ? DOCTOR_ALLOC_RSS : '',
    replicas > 0 && m.clientsReplicas > TEN_MB ? DOCTOR_REPLICA_BUF : '',
    m.clientsNormal / normalClients > 200 * 1024 ? DOCTOR_CLIENT_BUF : '',
    m.cachedScripts > 1000 ? DOCTOR_SCRIPTS : '',
  ].join('');
  if (issues === '') return DOCTOR_FINE;
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${issues}I'm here to keep you safe, Sam. I want to help you.\n`;
}

/** V8's heap in place of jemalloc's report. */
function mallocStats(): string {
  const h = getHeapStatistics();
  let out = '___ Begin V8 heap statistics ___\n';
  for (const [k, v] of Object.entries(h)) out += `${k}: ${v}\n`;
  for (const space of getHeapSpaceStatistics()) {
    out += `${space.space_name}: size=${space.space_size} used=${space.space_used_size} available=${space.space_available_size} physical=${space.physical_space_size}\n`;
  }
  return `${out}--- End V8 heap statistics ---\n`;
}

/** There are no dirty allocator pages to hand back; a full GC, when node exposes one (--expose-gc), is the nearest thing. */
function purge(ctx: CommandContext): void {
  (globalThis as { gc?: () => void }).gc?.();
  ctx.reply.ok();
}

function sub(name: string, arity: number, summary: string, run: (ctx: CommandContext, argv: string[]) => void, flags: CommandSpec['flags'] = []): CommandSpec {
  return { name: `memory|${name}`, arity, flags, group: 'server', since: '4.0.0', summary, run };
}

export const memoryCommand: CommandSpec = {
  name: 'memory', arity: -2, flags: [], group: 'server', since: '4.0.0', summary: 'A container for memory diagnostics commands.',
  subcommands: [
    { ...sub('usage', -3, 'Estimates the memory usage of a key.', usage, ['readonly']), keys: [2, 2, 1], complexity: 'O(1)' },
    sub('stats', 2, 'Returns details about memory usage.', stats),
    sub('doctor', 2, 'Outputs a memory problems report.', (ctx) => ctx.reply.verbatim(memoryDoctorReport(ctx.server))),
    sub('malloc-stats', 2, 'Returns the allocator statistics.', (ctx) => ctx.reply.verbatim(mallocStats())),
    sub('purge', 2, 'Asks the allocator to release memory.', purge),
    sub('help', 2, 'Returns helpful text about the different subcommands.', (ctx) => helpReply(ctx, MEMORY_HELP), ['loading', 'stale']),
  ],
};
