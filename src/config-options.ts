// Catalogue of every Redis 7.0 configuration parameter (as served by redis-server 7.0.15),
// plus Ferrite's own options. Pure data: no imports, no logic.
//
// Facts come from the config table in Redis' src/config.c and were checked against a live
// 7.0.15 server (CONFIG GET * on a server started without a config file, CONFIG SET probes).
//
// Error texts. CONFIG SET wraps every message below as
//   ERR CONFIG SET failed (possibly related to argument '<name>') - <message>
// and a config file / command-line load reports the same <message> under "FATAL CONFIG FILE ERROR".
//   bool      yes/no, case-insensitive                 "argument must be 'yes' or 'no'"
//   int       strict decimal: optional '-', no '+', no spaces, no leading zeros ("010" fails)
//                                                      "argument couldn't be parsed into an integer"
//             out of range                             "argument must be between <min> and <max> inclusive"
//   memory    digits + optional unit b, k, kb, m, mb, g, gb (case-insensitive; k/m/g are powers of
//             1000, kb/mb/gb powers of 1024); leading zeros allowed; no sign, spaces, decimals or 't'
//                                                      "argument must be a memory value"
//             (percent options)                        "argument must be a memory or percent value"
//             CONFIG GET prints plain bytes; out of range uses the int range message.
//   enum      case-insensitive, single value           "argument(s) must be one of the following: a, b, c"
//   flags     like enum but several space-separated values combine (same error text)
//   immutable                                          "can't set immutable config"
//   protected (unless enable-protected-configs allows) "can't set protected config"
//
// Bounds: C limits are mapped to JS numbers; LONG_MAX / LLONG_MAX / SSIZE_MAX / ULLONG_MAX all
// become Number.MAX_SAFE_INTEGER. Redis prints such a bound as 9223372036854775807 in its range
// message (ULLONG_MAX never shows up in a message), so print LLONG_MAX_TEXT when max === LLONG_MAX.

export type OptionKind = 'bool' | 'int' | 'memory' | 'enum' | 'flags' | 'string' | 'special';

export interface OptionSpec {
  name: string;
  aliases?: string[];
  kind: OptionKind;
  default: string;
  min?: number;
  max?: number;
  clamp?: boolean;
  percent?: boolean;
  values?: string[];
  immutable?: boolean;
  protected?: boolean;
  hidden?: boolean;
  deny?: boolean;
  ferrite?: string;
}

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
export const UINT_MAX = 4294967295;
export const LLONG_MAX = Number.MAX_SAFE_INTEGER;
export const LLONG_MAX_TEXT = '9223372036854775807';

const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'];
const PROTECTED_ACTION = ['no', 'yes', 'local'];

export const REDIS_OPTIONS: OptionSpec[] = [
  // ---- bool -------------------------------------------------------------------------------
  { name: 'rdbchecksum', kind: 'bool', default: 'yes', immutable: true },
  { name: 'daemonize', kind: 'bool', default: 'no', immutable: true },
  { name: 'io-threads-do-reads', kind: 'bool', default: 'no', immutable: true },
  { name: 'always-show-logo', kind: 'bool', default: 'no', immutable: true },
  { name: 'protected-mode', kind: 'bool', default: 'yes' },
  { name: 'rdbcompression', kind: 'bool', default: 'yes' },
  { name: 'rdb-del-sync-files', kind: 'bool', default: 'no' },
  { name: 'activerehashing', kind: 'bool', default: 'yes' },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', default: 'yes' },
  { name: 'set-proc-title', kind: 'bool', default: 'yes', immutable: true },
  { name: 'dynamic-hz', kind: 'bool', default: 'yes' },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-expire', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', default: 'no' },
  { name: 'repl-disable-tcp-nodelay', kind: 'bool', default: 'no' },
  { name: 'repl-diskless-sync', kind: 'bool', default: 'yes' },
  { name: 'aof-rewrite-incremental-fsync', kind: 'bool', default: 'yes' },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', default: 'no' },
  { name: 'cluster-require-full-coverage', kind: 'bool', default: 'yes' },
  { name: 'rdb-save-incremental-fsync', kind: 'bool', default: 'yes' },
  { name: 'aof-load-truncated', kind: 'bool', default: 'yes' },
  { name: 'aof-use-rdb-preamble', kind: 'bool', default: 'yes' },
  { name: 'aof-timestamp-enabled', kind: 'bool', default: 'no' },
  { name: 'cluster-replica-no-failover', aliases: ['cluster-slave-no-failover'], kind: 'bool', default: 'no' },
  { name: 'replica-lazy-flush', aliases: ['slave-lazy-flush'], kind: 'bool', default: 'no' },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], kind: 'bool', default: 'yes' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], kind: 'bool', default: 'yes' },
  { name: 'replica-ignore-maxmemory', aliases: ['slave-ignore-maxmemory'], kind: 'bool', default: 'yes' },
  { name: 'replica-ignore-disk-write-errors', kind: 'bool', default: 'no' },
  { name: 'jemalloc-bg-thread', kind: 'bool', default: 'yes' },
  // Debian's build (system jemalloc) refuses 'yes': "Active defragmentation cannot be enabled: it requires a
  // Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
  { name: 'activedefrag', kind: 'bool', default: 'no' },
  { name: 'syslog-enabled', kind: 'bool', default: 'no', immutable: true },
  { name: 'cluster-enabled', kind: 'bool', default: 'no', immutable: true },
  // Plain bool; turning it on starts an AOF rewrite ("Unable to turn on AOF. Check server logs." on failure).
  { name: 'appendonly', kind: 'bool', default: 'no' },
  { name: 'cluster-allow-reads-when-down', kind: 'bool', default: 'no' },
  { name: 'cluster-allow-pubsubshard-when-down', kind: 'bool', default: 'yes' },
  { name: 'crash-log-enabled', kind: 'bool', default: 'yes' },
  { name: 'crash-memcheck-enabled', kind: 'bool', default: 'yes' },
  { name: 'use-exit-on-panic', kind: 'bool', default: 'no', hidden: true },
  { name: 'disable-thp', kind: 'bool', default: 'yes', immutable: true },
  { name: 'cluster-allow-replica-migration', kind: 'bool', default: 'yes' },
  { name: 'replica-announced', kind: 'bool', default: 'yes' },
  { name: 'latency-tracking', kind: 'bool', default: 'yes' },
  { name: 'aof-disable-auto-gc', kind: 'bool', default: 'no' },
  { name: 'tls-cluster', kind: 'bool', default: 'no' },
  { name: 'tls-replication', kind: 'bool', default: 'no' },
  { name: 'tls-prefer-server-ciphers', kind: 'bool', default: 'no' },
  { name: 'tls-session-caching', kind: 'bool', default: 'yes' },

  // ---- int --------------------------------------------------------------------------------
  { name: 'databases', kind: 'int', default: '16', min: 1, max: INT_MAX, immutable: true },
  { name: 'port', kind: 'int', default: '6379', min: 0, max: 65535 },
  { name: 'io-threads', kind: 'int', default: '1', min: 1, max: 128, immutable: true },
  { name: 'auto-aof-rewrite-percentage', kind: 'int', default: '100', min: 0, max: INT_MAX },
  { name: 'cluster-replica-validity-factor', aliases: ['cluster-slave-validity-factor'], kind: 'int', default: '10', min: 0, max: INT_MAX },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], kind: 'int', default: '-2', min: INT_MIN, max: INT_MAX },
  { name: 'tcp-keepalive', kind: 'int', default: '300', min: 0, max: INT_MAX },
  { name: 'cluster-migration-barrier', kind: 'int', default: '1', min: 0, max: INT_MAX },
  { name: 'active-defrag-cycle-min', kind: 'int', default: '1', min: 1, max: 99 },
  { name: 'active-defrag-cycle-max', kind: 'int', default: '25', min: 1, max: 99 },
  { name: 'active-defrag-threshold-lower', kind: 'int', default: '10', min: 0, max: 1000 },
  { name: 'active-defrag-threshold-upper', kind: 'int', default: '100', min: 0, max: 1000 },
  { name: 'lfu-log-factor', kind: 'int', default: '10', min: 0, max: INT_MAX },
  { name: 'lfu-decay-time', kind: 'int', default: '1', min: 0, max: INT_MAX },
  { name: 'replica-priority', aliases: ['slave-priority'], kind: 'int', default: '100', min: 0, max: INT_MAX },
  { name: 'repl-diskless-sync-delay', kind: 'int', default: '5', min: 0, max: INT_MAX },
  { name: 'repl-diskless-sync-max-replicas', kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'maxmemory-samples', kind: 'int', default: '5', min: 1, max: INT_MAX },
  { name: 'maxmemory-eviction-tenacity', kind: 'int', default: '10', min: 0, max: 100 },
  { name: 'timeout', kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'replica-announce-port', aliases: ['slave-announce-port'], kind: 'int', default: '0', min: 0, max: 65535 },
  { name: 'tcp-backlog', kind: 'int', default: '511', min: 0, max: INT_MAX, immutable: true },
  { name: 'cluster-port', kind: 'int', default: '0', min: 0, max: 65535, immutable: true },
  { name: 'cluster-announce-bus-port', kind: 'int', default: '0', min: 0, max: 65535 },
  { name: 'cluster-announce-port', kind: 'int', default: '0', min: 0, max: 65535 },
  { name: 'cluster-announce-tls-port', kind: 'int', default: '0', min: 0, max: 65535 },
  { name: 'repl-timeout', kind: 'int', default: '60', min: 1, max: INT_MAX },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], kind: 'int', default: '10', min: 1, max: INT_MAX },
  { name: 'list-compress-depth', kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'rdb-key-save-delay', kind: 'int', default: '0', min: INT_MIN, max: INT_MAX, hidden: true },
  { name: 'key-load-delay', kind: 'int', default: '0', min: INT_MIN, max: INT_MAX, hidden: true },
  { name: 'active-expire-effort', kind: 'int', default: '1', min: 1, max: 10 },
  // Redis first rejects values outside 0..2147483647 (range message with those bounds), then
  // silently clamps into 1..500; CONFIG GET shows the clamped value.
  { name: 'hz', kind: 'int', default: '10', min: 1, max: 500, clamp: true },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], kind: 'int', default: '10', min: 0, max: INT_MAX },
  { name: 'watchdog-period', kind: 'int', default: '0', min: 0, max: INT_MAX, hidden: true },
  { name: 'shutdown-timeout', kind: 'int', default: '10', min: 0, max: INT_MAX },
  // Can also fail after parsing: "The operating system is not able to handle the specified number of clients, try with <n>".
  { name: 'maxclients', kind: 'int', default: '10000', min: 1, max: UINT_MAX },
  { name: 'socket-mark-id', kind: 'int', default: '0', min: 0, max: UINT_MAX, immutable: true },
  { name: 'active-defrag-max-scan-fields', kind: 'int', default: '1000', min: 1, max: LLONG_MAX },
  { name: 'slowlog-max-len', kind: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'acllog-max-len', kind: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'busy-reply-threshold', aliases: ['lua-time-limit'], kind: 'int', default: '5000', min: 0, max: LLONG_MAX },
  { name: 'cluster-node-timeout', kind: 'int', default: '15000', min: 0, max: LLONG_MAX },
  { name: 'slowlog-log-slower-than', kind: 'int', default: '10000', min: -1, max: LLONG_MAX },
  { name: 'latency-monitor-threshold', kind: 'int', default: '0', min: 0, max: LLONG_MAX },
  { name: 'stream-node-max-entries', kind: 'int', default: '100', min: 0, max: LLONG_MAX },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], kind: 'int', default: '512', min: 0, max: LLONG_MAX },
  { name: 'set-max-intset-entries', kind: 'int', default: '512', min: 0, max: LLONG_MAX },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], kind: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'tracking-table-max-keys', kind: 'int', default: '1000000', min: 0, max: LLONG_MAX },
  { name: 'repl-backlog-ttl', kind: 'int', default: '3600', min: 0, max: LLONG_MAX },
  // Despite the name this is a plain integer (no unit suffixes).
  { name: 'loading-process-events-interval-bytes', kind: 'int', default: '2097152', min: 1024, max: INT_MAX, hidden: true },
  { name: 'tls-port', kind: 'int', default: '0', min: 0, max: 65535 },
  { name: 'tls-session-cache-size', kind: 'int', default: '20480', min: 0, max: INT_MAX },
  { name: 'tls-session-cache-timeout', kind: 'int', default: '300', min: 0, max: INT_MAX },

  // ---- memory -----------------------------------------------------------------------------
  { name: 'proto-max-bulk-len', kind: 'memory', default: '536870912', min: 1048576, max: LLONG_MAX },
  // Accepts 1.., but Redis then raises anything below 16384 to 16384 (CONFIG GET shows 16384).
  { name: 'repl-backlog-size', kind: 'memory', default: '1048576', min: 1, max: LLONG_MAX },
  { name: 'maxmemory', kind: 'memory', default: '0', min: 0, max: LLONG_MAX },
  { name: 'cluster-link-sendbuf-limit', kind: 'memory', default: '0', min: 0, max: LLONG_MAX },
  { name: 'active-defrag-ignore-bytes', kind: 'memory', default: '104857600', min: 1, max: LLONG_MAX },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], kind: 'memory', default: '64', min: 0, max: LLONG_MAX },
  { name: 'stream-node-max-bytes', kind: 'memory', default: '4096', min: 0, max: LLONG_MAX },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], kind: 'memory', default: '64', min: 0, max: LLONG_MAX },
  { name: 'hll-sparse-max-bytes', kind: 'memory', default: '3000', min: 0, max: LLONG_MAX },
  { name: 'client-query-buffer-limit', kind: 'memory', default: '1073741824', min: 1048576, max: LLONG_MAX },
  // Also 'N%' with 0 <= N <= 100 (share of maxmemory). Redis stores a percentage as -N internally but
  // CONFIG GET prints it back as 'N%' ('0%' prints as '0'). N > 100: "percentage argument must be less or equal to 100".
  { name: 'maxmemory-clients', kind: 'memory', default: '0', min: 0, max: LLONG_MAX, percent: true },
  { name: 'auto-aof-rewrite-min-size', kind: 'memory', default: '67108864', min: 0, max: LLONG_MAX },

  // ---- enum -------------------------------------------------------------------------------
  { name: 'supervised', kind: 'enum', default: 'no', values: ['upstart', 'systemd', 'auto', 'no'], immutable: true },
  { name: 'syslog-facility', kind: 'enum', default: 'local0', values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], immutable: true },
  { name: 'repl-diskless-load', kind: 'enum', default: 'disabled', values: ['disabled', 'on-empty-db', 'swapdb'], deny: true },
  { name: 'loglevel', kind: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning'] },
  { name: 'maxmemory-policy', kind: 'enum', default: 'noeviction', values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'] },
  { name: 'appendfsync', kind: 'enum', default: 'everysec', values: ['everysec', 'always', 'no'] },
  // 'yes' and 'relative' are the same setting; CONFIG GET prints 'yes' for both.
  { name: 'oom-score-adj', kind: 'enum', default: 'no', values: ['no', 'yes', 'relative', 'absolute'] },
  { name: 'acl-pubsub-default', kind: 'enum', default: 'resetchannels', values: ['allchannels', 'resetchannels'] },
  { name: 'sanitize-dump-payload', kind: 'enum', default: 'no', values: ['no', 'yes', 'clients'] },
  { name: 'enable-protected-configs', kind: 'enum', default: 'no', values: PROTECTED_ACTION, immutable: true },
  { name: 'enable-debug-command', kind: 'enum', default: 'no', values: PROTECTED_ACTION, immutable: true },
  { name: 'enable-module-command', kind: 'enum', default: 'no', values: PROTECTED_ACTION, immutable: true },
  { name: 'cluster-preferred-endpoint-type', kind: 'enum', default: 'ip', values: ['ip', 'hostname', 'unknown-endpoint'] },
  { name: 'propagation-error-behavior', kind: 'enum', default: 'ignore', values: ['ignore', 'panic', 'panic-on-replicas'] },
  { name: 'tls-auth-clients', kind: 'enum', default: 'yes', values: ['no', 'yes', 'optional'] },

  // ---- flags ------------------------------------------------------------------------------
  // One or more space-separated values. 'default' means no flags and is ignored next to others
  // ('default now' -> 'now'). CONFIG GET lists set flags in values order ('now save' -> 'save now'),
  // or 'default' when none. An empty value gets the enum error; 'save' with 'nosave' gets
  // "shutdown options SAVE and NOSAVE can't be used simultaneously".
  { name: 'shutdown-on-sigint', kind: 'flags', default: 'default', values: SHUTDOWN_FLAGS },
  { name: 'shutdown-on-sigterm', kind: 'flags', default: 'default', values: SHUTDOWN_FLAGS },

  // ---- string -----------------------------------------------------------------------------
  { name: 'aclfile', kind: 'string', default: '', immutable: true },
  { name: 'unixsocket', kind: 'string', default: '', immutable: true },
  { name: 'pidfile', kind: 'string', default: '', immutable: true },
  { name: 'replica-announce-ip', aliases: ['slave-announce-ip'], kind: 'string', default: '' },
  { name: 'masteruser', kind: 'string', default: '' },
  // Sets the default user's password as a side effect (ACL); empty clears it.
  { name: 'requirepass', kind: 'string', default: '' },
  { name: 'masterauth', kind: 'string', default: '' },
  { name: 'cluster-announce-ip', kind: 'string', default: '' },
  { name: 'cluster-config-file', kind: 'string', default: 'nodes.conf', immutable: true },
  // Errors: "Hostnames may only contain alphanumeric characters, hyphens or dots",
  // "Hostnames must be less than 256 characters".
  { name: 'cluster-announce-hostname', kind: 'string', default: '' },
  { name: 'syslog-ident', kind: 'string', default: 'redis', immutable: true },
  // Error: "dbfilename can't be a path, just a filename".
  { name: 'dbfilename', kind: 'string', default: 'dump.rdb', protected: true },
  // Errors: "appendfilename can't be empty", "appendfilename can't be a path, just a filename".
  { name: 'appendfilename', kind: 'string', default: 'appendonly.aof', immutable: true },
  // Errors: "appenddirname can't be empty", "appenddirname can't be a path, just a dirname".
  { name: 'appenddirname', kind: 'string', default: 'appendonlydir', immutable: true },
  { name: 'server_cpulist', kind: 'string', default: '', immutable: true },
  { name: 'bio_cpulist', kind: 'string', default: '', immutable: true },
  { name: 'aof_rewrite_cpulist', kind: 'string', default: '', immutable: true },
  { name: 'bgsave_cpulist', kind: 'string', default: '', immutable: true },
  { name: 'ignore-warnings', kind: 'string', default: '' },
  // Template over {title} {listen-addr} {server-mode} {port} {tls-port} {unixsocket} {config-file}; unknown
  // variables (and some templates expanding to nothing) get "template format is invalid or contains unknown variables".
  { name: 'proc-title-template', kind: 'string', default: '{title} {listen-addr} {server-mode}' },
  { name: 'bind-source-addr', kind: 'string', default: '' },
  { name: 'logfile', kind: 'string', default: '', immutable: true },
  // TLS strings are accepted freely while TLS is inactive; with TLS on, a bad value gets
  // "Unable to update TLS configuration. Check server logs."
  { name: 'tls-cert-file', kind: 'string', default: '' },
  { name: 'tls-key-file', kind: 'string', default: '' },
  { name: 'tls-key-file-pass', kind: 'string', default: '' },
  { name: 'tls-client-cert-file', kind: 'string', default: '' },
  { name: 'tls-client-key-file', kind: 'string', default: '' },
  { name: 'tls-client-key-file-pass', kind: 'string', default: '' },
  { name: 'tls-dh-params-file', kind: 'string', default: '' },
  { name: 'tls-ca-cert-file', kind: 'string', default: '' },
  { name: 'tls-ca-cert-dir', kind: 'string', default: '' },
  { name: 'tls-protocols', kind: 'string', default: '' },
  { name: 'tls-ciphers', kind: 'string', default: '' },
  { name: 'tls-ciphersuites', kind: 'string', default: '' },

  // ---- special ----------------------------------------------------------------------------
  // <path>; Redis chdir()s into it and CONFIG GET reports getcwd(), so the real default is the
  // process working directory (left empty here). Bad path: the strerror text, e.g. "No such file or directory".
  { name: 'dir', kind: 'special', default: '', protected: true, deny: true },
  // "<seconds> <changes> [<seconds> <changes> ...]" (seconds >= 1, changes >= 0) or "" to disable;
  // odd count or bad number: "Invalid save parameters". Default applies only when no config file
  // sets save (a server started with --save '' prints '').
  { name: 'save', kind: 'special', default: '3600 1 300 100 60 10000' },
  // "<class> <hard> <soft> <soft-seconds>" repeated; class is normal|replica|slave|pubsub, hard/soft are
  // memory values, soft-seconds a non-negative integer; classes not named keep their values; GET names
  // replicas 'slave'. Errors: "Wrong number of arguments in buffer limit configuration.",
  // "Invalid client class specified in buffer limit configuration." (also for 'master'),
  // "Error in hard, soft or soft_seconds setting in buffer limit configuration."
  { name: 'client-output-buffer-limit', kind: 'special', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60' },
  // Exactly three integers -2000..2000 (master replica bgchild). Wrong count: "wrong number of arguments";
  // bad value: "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
  { name: 'oom-score-adj-values', kind: 'special', default: '0 200 800' },
  // Characters from 'Ag$lshzxeKEtmdn' ('A' = g$lshzxetd). GET order: 'A' or the subset of g$lshzxetdn
  // in that order, then K, E, m ('KEA' -> 'AKE'; 'n' is not shown when 'A' is). Error:
  // "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
  { name: 'notify-keyspace-events', kind: 'special', default: '' },
  // Up to 16 space-separated addresses ('-' prefix = optional); "" binds nothing. Errors:
  // "Too many bind addresses specified.", "Failed to bind to specified addresses."
  { name: 'bind', kind: 'special', default: '* -::*' },
  // "<host> <port>" or "no one" (config file / command line only). GET prints "<host> <port>" or "".
  // Errors: "wrong number of arguments", "Invalid master port" (port not 0..65535).
  { name: 'replicaof', aliases: ['slaveof'], kind: 'special', default: '', immutable: true },
  // Space-separated doubles in 0..100, or "" for none; GET prints them trimmed ('99.90' -> '99.9').
  // Errors: "Invalid latency-tracking-info-percentiles parameters",
  // "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
  { name: 'latency-tracking-info-percentiles', kind: 'special', default: '50 99 99.9' },
  // Octal integer 0..0777; GET prints octal digits without a leading 0. Errors:
  // "argument couldn't be parsed as an octal number", "argument must be between 0 and 777 inclusive".
  { name: 'unixsocketperm', kind: 'special', default: '0', min: 0, max: 0o777, immutable: true },
];

export const FERRITE_OPTIONS: OptionSpec[] = [
  // 0 disables the memcached listener.
  { name: 'memcached-port', kind: 'int', default: '11211', min: 0, max: 65535, immutable: true },
  // Same default as bind's first entry ('*' = all IPv4 interfaces), but one address only.
  { name: 'memcached-bind', kind: 'string', default: '*' },
  { name: 'memcached-max-item-size', kind: 'memory', default: '1048576', min: 1024, max: 1073741824 },
  // Maps onto maxmemory.
  { name: 'memcached-memory-limit', kind: 'memory', default: '0', min: 0, max: LLONG_MAX },
];
