// INFO with Redis 7.0's sections and field names, so monitoring tools and client libraries parse it.
// Subsystems that own a section's facts (persistence, replication) register a provider for it.
import { cpuUsage, memoryUsage } from 'node:process';
import { totalmem } from 'node:os';
import { formatDouble } from '../protocol/number-format.js';
import { memoryOverhead } from './memory.js';
import { scriptingOf } from '../engine/script-runner.js';
import { HeapGuard } from '../engine/heap-guard.js';
import { latencystatsSection } from './latency-stats.js';
import { FERRITE_VERSION, REDIS_COMPAT_VERSION, type ServerState } from '../engine/server-context.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

type Fields = [string, string | number][];

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];
const TITLES: Record<string, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats', replication: 'Replication',
  cpu: 'CPU', modules: 'Modules', commandstats: 'Commandstats', errorstats: 'Errorstats', latencystats: 'Latencystats',
  cluster: 'Cluster', keyspace: 'Keyspace',
};

/** Redis' bytesToHuman: 1.23K, 4.56M... */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

function serverSection(s: ServerState): Fields {
  const now = Date.now();
  const uptime = Math.floor((now - s.startedAt) / 1000);
  return [
    ['redis_version', REDIS_COMPAT_VERSION], ['redis_git_sha1', '00000000'], ['redis_git_dirty', 0], ['redis_build_id', 'ferrite'],
    ['redis_mode', 'standalone'], ['ferrite_version', FERRITE_VERSION], ['os', `${process.platform} ${process.arch}`], ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'], ['multiplexing_api', 'epoll'], ['atomicvar_api', 'c11-builtin'], ['gcc_version', '0.0.0'],
    ['node_version', process.version], ['process_id', process.pid], ['process_supervised', 'no'], ['run_id', s.runId],
    ['tcp_port', s.control?.port ?? s.config.getNumber('port')], ['server_time_usec', now * 1000], ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)], ['hz', s.config.getNumber('hz')], ['configured_hz', s.config.getNumber('hz')],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff], ['executable', s.control?.executable ?? ''], ['config_file', s.control?.configFile ?? ''],
    ['io_threads_active', 0],
  ];
}

function clientsSection(s: ServerState): Fields {
  let maxIn = 0;
  let maxOut = 0;
  let pubsub = 0;
  for (const c of s.clients.values()) {
    maxIn = Math.max(maxIn, c.transport?.queryBytes() ?? 0);
    maxOut = Math.max(maxOut, c.transport?.outputBytes() ?? 0);
    if (c.subscriptionCount > 0) pubsub++;
  }
  return [
    ['connected_clients', s.clients.size], ['cluster_connections', 0], ['maxclients', s.config.getNumber('maxclients')],
    ['client_recent_max_input_buffer', maxIn], ['client_recent_max_output_buffer', maxOut], ['blocked_clients', s.blocking.blockedCount],
    ['tracking_clients', s.tracking.clients], ['pubsub_clients', pubsub], ['clients_in_timeout_table', s.blocking.blockedCount],
  ];
}

function memorySection(s: ServerState): Fields {
  const used = s.usedMemory();
  const mem = memoryUsage();
  const peak = Math.max(s.peakMemory, used);
  const maxmemory = s.config.getNumber('maxmemory');
  const total = totalmem();
  const o = memoryOverhead(s);
  return [
    ['used_memory', used], ['used_memory_human', bytesToHuman(used)], ['used_memory_rss', mem.rss], ['used_memory_rss_human', bytesToHuman(mem.rss)],
    ['used_memory_peak', peak], ['used_memory_peak_human', bytesToHuman(peak)], ['used_memory_peak_perc', `${peak === 0 ? '100.00' : ((used / peak) * 100).toFixed(2)}%`],
    ['used_memory_overhead', o.overheadTotal], ['used_memory_startup', 0], ['used_memory_dataset', o.dataset],
    ['used_memory_dataset_perc', `${o.datasetPerc.toFixed(2)}%`],
    ['allocator_allocated', mem.heapUsed], ['allocator_active', mem.heapTotal], ['allocator_resident', mem.rss],
    ['total_system_memory', total], ['total_system_memory_human', bytesToHuman(total)],
    ...scriptingMemory(s),
    ['maxmemory', maxmemory], ['maxmemory_human', bytesToHuman(maxmemory)], ['maxmemory_policy', s.config.get('maxmemory-policy') ?? 'noeviction'],
    ['heap_limit', HeapGuard.limit()], ['heap_limit_human', bytesToHuman(HeapGuard.limit())],
    ['allocator_frag_ratio', ratio(mem.heapTotal, mem.heapUsed)], ['allocator_frag_bytes', mem.heapTotal - mem.heapUsed],
    ['allocator_rss_ratio', ratio(mem.rss, mem.heapTotal)], ['allocator_rss_bytes', mem.rss - mem.heapTotal],
    ['rss_overhead_ratio', '1.00'], ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(mem.rss, used)], ['mem_fragmentation_bytes', mem.rss - used],
    ['mem_not_counted_for_evict', 0], ['mem_replication_backlog', 0], ['mem_total_replication_buffers', 0], ['mem_clients_slaves', o.clientsReplicas],
    ['mem_clients_normal', o.clientsNormal], ['mem_cluster_links', 0], ['mem_aof_buffer', 0], ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0], ['lazyfree_pending_objects', 0], ['lazyfreed_objects', 0],
  ];
}

/** The two Lua VMs (EVAL's and the functions'), the script cache and the function libraries. */
function scriptingMemory(s: ServerState): Fields {
  const scripting = scriptingOf(s);
  const vm = scripting.vmBytes();
  const fvm = scripting.functionVmBytes();
  const scripts = scripting.cachedBytes;
  const libs = scripting.functions;
  const functions = libs.overheadBytes();
  return [
    ['used_memory_lua', vm], ['used_memory_vm_eval', vm], ['used_memory_lua_human', bytesToHuman(vm)], ['used_memory_scripts_eval', scripts],
    ['number_of_cached_scripts', scripting.cachedScripts], ['number_of_functions', libs.current.functions.size], ['number_of_libraries', libs.current.libraries.size],
    ['used_memory_vm_functions', fvm], ['used_memory_vm_total', vm + fvm], ['used_memory_vm_total_human', bytesToHuman(vm + fvm)], ['used_memory_functions', functions],
    ['used_memory_scripts', scripts + functions], ['used_memory_scripts_human', bytesToHuman(scripts + functions)],
  ];
}

function ratio(a: number, b: number): string {
  return b === 0 ? '0.00' : (a / b).toFixed(2);
}

/** What persistence reports while no snapshot or AOF machinery is running. */
function persistenceSection(s: ServerState): Fields {
  return [
    ['loading', s.loading ? 1 : 0], ['async_loading', 0], ['current_cow_peak', 0], ['current_cow_size', 0], ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'], ['current_save_keys_processed', 0], ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', s.dirty], ['rdb_bgsave_in_progress', 0], ['rdb_last_save_time', s.lastSave],
    ['rdb_last_bgsave_status', 'ok'], ['rdb_last_bgsave_time_sec', -1], ['rdb_current_bgsave_time_sec', -1], ['rdb_saves', 0],
    ['rdb_last_cow_size', 0], ['rdb_last_load_keys_expired', 0], ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0], ['aof_rewrite_in_progress', 0], ['aof_rewrite_scheduled', 0], ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1], ['aof_last_bgrewrite_status', 'ok'], ['aof_rewrites', 0], ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'], ['aof_last_cow_size', 0], ['module_fork_in_progress', 0], ['module_fork_last_cow_size', 0],
  ];
}

function statsSection(s: ServerState): Fields {
  const st = s.stats;
  const ks = s.keyspaceStats;
  const exceeded = s.memory.exceededTime();
  const extra = s.infoProviders.get('stats')?.() ?? [];
  return [
    ['total_connections_received', st.connectionsReceived], ['total_commands_processed', st.commandsProcessed],
    ['instantaneous_ops_per_sec', st.instantaneousOps], ['total_net_input_bytes', st.netInputBytes], ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', st.netReplInputBytes], ['total_net_repl_output_bytes', st.netReplOutputBytes], ['instantaneous_input_kbps', '0.00'], ['instantaneous_output_kbps', '0.00'],
    ['instantaneous_input_repl_kbps', '0.00'], ['instantaneous_output_repl_kbps', '0.00'], ['rejected_connections', st.rejectedConnections],
    ['sync_full', st.syncFull], ['sync_partial_ok', st.syncPartialOk], ['sync_partial_err', st.syncPartialErr], ['expired_keys', ks.expiredKeys], ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', ks.expiredTimeCapReached], ['expire_cycle_cpu_milliseconds', 0], ['evicted_keys', ks.evictedKeys],
    ['evicted_clients', s.clientMemory.evicted], ['total_eviction_exceeded_time', exceeded.total], ['current_eviction_exceeded_time', exceeded.current],
    ['keyspace_hits', ks.hits], ['keyspace_misses', ks.misses], ...extra, ['latest_fork_usec', 0], ['total_forks', 0],
    ['migrate_cached_sockets', 0], ['slave_expires_tracked_keys', 0], ['active_defrag_hits', 0], ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0], ['active_defrag_key_misses', 0], ['total_active_defrag_time', 0], ['current_active_defrag_time', 0],
    ['tracking_total_keys', s.tracking.totalKeys], ['tracking_total_items', s.tracking.items], ['tracking_total_prefixes', s.tracking.prefixes],
    ['unexpected_error_replies', st.unexpectedErrorReplies], ['total_error_replies', st.totalErrorReplies], ['dump_payload_sanitizations', 0],
    ['total_reads_processed', st.commandsProcessed], ['total_writes_processed', st.commandsProcessed],
    ['io_threaded_reads_processed', 0], ['io_threaded_writes_processed', 0], ['reply_buffer_shrinks', 0], ['reply_buffer_expands', 0],
  ];
}

function replicationSection(s: ServerState): Fields {
  return [
    ['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover'], ['master_replid', s.runId],
    ['master_replid2', '0000000000000000000000000000000000000000'], ['master_repl_offset', 0], ['second_repl_offset', -1],
    ['repl_backlog_active', 0], ['repl_backlog_size', s.config.getNumber('repl-backlog-size')], ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

function cpuSection(): Fields {
  const u = cpuUsage();
  const sys = (u.system / 1e6).toFixed(6);
  const user = (u.user / 1e6).toFixed(6);
  return [
    ['used_cpu_sys', sys], ['used_cpu_user', user], ['used_cpu_sys_children', '0.000000'], ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys], ['used_cpu_user_main_thread', user],
  ];
}

function commandstatsSection(s: ServerState): Fields {
  const out: Fields = [];
  for (const [name, st] of s.stats.commands) {
    const per = st.calls === 0 ? 0 : st.usec / st.calls;
    out.push([`cmdstat_${name}`, `calls=${st.calls},usec=${st.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`]);
  }
  return out;
}

function errorstatsSection(s: ServerState): Fields {
  return [...s.stats.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
}

function keyspaceSection(s: ServerState): Fields {
  const out: Fields = [];
  for (const db of s.databases) {
    if (db.size === 0) continue;
    out.push([`db${db.id}`, `keys=${db.size},expires=${db.expiresCount},avg_ttl=${Math.round(db.avgTtl)}`]);
  }
  return out;
}

const BUILDERS: Record<string, (s: ServerState) => Fields> = {
  server: serverSection, clients: clientsSection, memory: memorySection, persistence: persistenceSection, stats: statsSection,
  replication: replicationSection, cpu: cpuSection, modules: () => [], commandstats: commandstatsSection, errorstats: errorstatsSection,
  latencystats: latencystatsSection, cluster: () => [['cluster_enabled', 0]], keyspace: keyspaceSection,
};

/** Renders the requested INFO sections as Redis does: "# Title" then "field:value" lines, CRLF. */
export function renderInfo(s: ServerState, args: readonly string[]): string {
  const requested = args.map((a) => a.toLowerCase());
  let sections: string[];
  if (requested.length === 0 || requested.includes('default')) sections = DEFAULT_SECTIONS;
  else if (requested.includes('all') || requested.includes('everything')) sections = ALL_SECTIONS;
  else sections = requested.filter((r) => r in BUILDERS);
  const parts: string[] = [];
  for (const name of new Set(sections)) {
    const provider = name === 'stats' ? undefined : s.infoProviders.get(name);
    const fields = provider !== undefined ? provider() : BUILDERS[name](s);
    let text = `# ${TITLES[name]}\r\n`;
    for (const [k, v] of fields) text += `${k}:${typeof v === 'number' && !Number.isInteger(v) ? formatDouble(v) : v}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

export const infoCommand: CommandSpec = {
  name: 'info', arity: -1, flags: ['loading', 'stale'], group: 'server', since: '1.0.0', summary: 'Returns information and statistics about the server.', complexity: 'O(1)',
  run: (ctx: CommandContext, argv: string[]) => ctx.reply.verbatim(renderInfo(ctx.server, argv.slice(1))),
};
