// INFO replication with Redis 7.0's fields and order, for both roles (monitoring tools, Sentinel-
// style scripts and client libraries parse them).
import type { Replication } from './replication.js';

type Fields = [string, string | number][];

export function replicationInfoFields(repl: Replication): Fields {
  const config = repl.server.config;
  const now = Date.now();
  const out: Fields = [['role', repl.master === null ? 'master' : 'slave']];
  const link = repl.master;
  if (link !== null) {
    out.push(
      ['master_host', link.host],
      ['master_port', link.port],
      ['master_link_status', link.state === 'connected' ? 'up' : 'down'],
      ['master_last_io_seconds_ago', link.state === 'connected' ? Math.floor((now - link.lastIo) / 1000) : -1],
      ['master_sync_in_progress', link.state === 'transfer' ? 1 : 0],
      ['slave_read_repl_offset', link.readOffset],
      ['slave_repl_offset', repl.masterReplOffset],
    );
    if (link.state === 'transfer') {
      const total = link.transferSize;
      const read = link.transferRead;
      out.push(
        ['master_sync_total_bytes', total],
        ['master_sync_read_bytes', read],
        ['master_sync_left_bytes', total > 0 ? total - read : -1],
        ['master_sync_perc', (total > 0 ? (read * 100) / total : 0).toFixed(2)],
        ['master_sync_last_io_seconds_ago', Math.floor((now - link.lastIo) / 1000)],
      );
    }
    if (link.state !== 'connected') out.push(['master_link_down_since_seconds', link.downSince === 0 ? -1 : Math.floor((now - link.downSince) / 1000)]);
    out.push(
      ['slave_priority', config.getNumber('replica-priority')],
      ['slave_read_only', config.getBool('replica-read-only') ? 1 : 0],
      ['replica_announced', config.getBool('replica-announced') ? 1 : 0],
    );
  }
  out.push(['connected_slaves', repl.replicas.size]);
  if (config.getNumber('min-replicas-to-write') > 0 && config.getNumber('min-replicas-max-lag') > 0) out.push(['min_slaves_good_slaves', repl.goodReplicas]);
  let i = 0;
  for (const r of repl.replicas.values()) {
    const lag = Math.floor((now - r.ackTime) / 1000);
    out.push([`slave${i++}`, `ip=${r.ip},port=${r.port},state=${r.state},offset=${r.ackOffset},lag=${lag}`]);
  }
  const backlog = repl.backlog;
  out.push(
    ['master_failover_state', repl.failover.stateName],
    ['master_replid', repl.replid],
    ['master_replid2', repl.replid2],
    ['master_repl_offset', repl.masterReplOffset],
    ['second_repl_offset', repl.secondReplOffset],
    ['repl_backlog_active', backlog === null ? 0 : 1],
    ['repl_backlog_size', config.getNumber('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', backlog === null ? 0 : backlog.firstByteOffset],
    ['repl_backlog_histlen', backlog === null ? 0 : backlog.histlen],
  );
  return out;
}
