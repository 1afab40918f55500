// memcached's `stats` groups with memcached 1.6's names and order, filled from the memcached counters
// and the shared keyspace (curr_items is database 0's size, evictions the keyspace's evicted keys,
// limit_maxbytes is maxmemory). Ferrite has no slabs or LRU segments: the per-slab groups report the
// whole of database 0 as one class, and fields without a Ferrite counterpart are left out.
import type { MemcachedCounters } from '../engine/memcached-store.js';
import type { ServerState } from '../engine/server-context.js';

/** The memcached release Ferrite answers as (version command, stats): clients gate meta commands on it. */
export const MEMCACHED_COMPAT_VERSION = '1.6.18';

export type StatPairs = [string, string | number | bigint][];

/** One memcached connection as `stats conns` lists it. */
export interface ConnectionStats {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly lastCommandAt: number;
}

export interface StatsSource {
  readonly state: ServerState;
  readonly counters: MemcachedCounters;
  readonly startedAt: number;
  readonly port: number;
  readonly bind: string;
  readonly verbosity: number;
  readonly saslEnabled: boolean;
  readonly itemSizeMax: number;
  readonly connections: readonly ConnectionStats[];
}

/** rusage-style seconds.microseconds. */
function cpuSeconds(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

function generalStats(s: StatsSource): StatPairs {
  const c = s.counters;
  const now = Date.now();
  const cpu = process.cpuUsage();
  const db0 = s.state.databases[0];
  return [
    ['pid', process.pid],
    ['uptime', Math.floor((now - s.startedAt) / 1000)],
    ['time', Math.floor(now / 1000)],
    ['version', MEMCACHED_COMPAT_VERSION],
    ['pointer_size', 64],
    ['rusage_user', cpuSeconds(cpu.user)],
    ['rusage_system', cpuSeconds(cpu.system)],
    ['max_connections', s.state.config.getNumber('maxclients')],
    ['curr_connections', s.connections.length],
    ['total_connections', c.totalConnections],
    ['rejected_connections', c.rejectedConnections],
    ['cmd_get', c.cmdGet],
    ['cmd_set', c.cmdSet],
    ['cmd_flush', c.cmdFlush],
    ['cmd_touch', c.cmdTouch],
    ['cmd_meta', c.cmdMeta],
    ['get_hits', c.getHits],
    ['get_misses', c.getMisses],
    ['get_expired', c.getExpired],
    ['get_flushed', c.getFlushed],
    ['delete_misses', c.deleteMisses],
    ['delete_hits', c.deleteHits],
    ['incr_misses', c.incrMisses],
    ['incr_hits', c.incrHits],
    ['decr_misses', c.decrMisses],
    ['decr_hits', c.decrHits],
    ['cas_misses', c.casMisses],
    ['cas_hits', c.casHits],
    ['cas_badval', c.casBadval],
    ['touch_hits', c.touchHits],
    ['touch_misses', c.touchMisses],
    ['store_too_large', c.storeTooLarge],
    ['store_no_memory', c.storeNoMemory],
    ['auth_cmds', c.authCmds],
    ['auth_errors', c.authErrors],
    ['bytes_read', c.bytesRead],
    ['bytes_written', c.bytesWritten],
    ['limit_maxbytes', s.state.config.getNumber('maxmemory')],
    ['accepting_conns', 1],
    ['threads', 1],
    ['bytes', db0.usedBytes],
    ['curr_items', db0.size],
    ['total_items', c.totalItems],
    ['evictions', s.state.keyspaceStats.evictedKeys],
  ];
}

function settingsStats(s: StatsSource): StatPairs {
  const config = s.state.config;
  return [
    ['maxbytes', config.getNumber('maxmemory')],
    ['maxconns', config.getNumber('maxclients')],
    ['tcpport', s.port],
    ['udpport', 0],
    ['inter', s.bind],
    ['verbosity', s.verbosity],
    ['oldest', 0],
    ['evictions', config.get('maxmemory-policy') === 'noeviction' ? 'off' : 'on'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['growth_factor', '1.25'],
    ['chunk_size', 48],
    ['num_threads', 1],
    ['num_threads_per_udp', 1],
    ['stat_key_prefix', ':'],
    ['detail_enabled', 'no'],
    ['reqs_per_event', 20],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', config.getNumber('tcp-backlog')],
    ['binding_protocol', 'auto-negotiate'],
    ['auth_enabled_sasl', s.saslEnabled ? 'yes' : 'no'],
    ['auth_enabled_ascii', s.saslEnabled ? 'yes' : 'no'],
    ['item_size_max', s.itemSizeMax],
    ['maxconns_fast', 'yes'],
    ['flush_enabled', 'yes'],
  ];
}

function itemsStats(s: StatsSource): StatPairs {
  const db0 = s.state.databases[0];
  if (db0.size === 0) return [];
  return [
    ['items:1:number', db0.size],
    ['items:1:mem_requested', db0.usedBytes],
    ['items:1:evicted', s.state.keyspaceStats.evictedKeys],
    ['items:1:outofmemory', s.counters.storeNoMemory],
  ];
}

function slabsStats(s: StatsSource): StatPairs {
  const db0 = s.state.databases[0];
  return [
    ['active_slabs', db0.size === 0 ? 0 : 1],
    ['total_malloced', db0.usedBytes],
  ];
}

function connsStats(s: StatsSource): StatPairs {
  const now = Date.now();
  const out: StatPairs = [];
  for (const conn of s.connections) {
    out.push([`${conn.id}:addr`, `tcp:${conn.addr}`]);
    out.push([`${conn.id}:listen_addr`, `tcp:${conn.laddr}`]);
    out.push([`${conn.id}:state`, 'conn_parse_cmd']);
    out.push([`${conn.id}:secs_since_last_cmd`, Math.floor((now - conn.lastCommandAt) / 1000)]);
  }
  return out;
}

const GROUPS: ReadonlyMap<string, (s: StatsSource) => StatPairs> = new Map([
  ['', generalStats],
  ['settings', settingsStats],
  ['items', itemsStats],
  ['slabs', slabsStats],
  ['conns', connsStats],
  ['sizes', () => [['sizes_status', 'disabled']]],
]);

/** A stats group by name ('' for the general one); undefined for a group memcached doesn't know. */
export function statsGroup(name: string, source: StatsSource): StatPairs | undefined {
  return GROUPS.get(name)?.(source);
}
