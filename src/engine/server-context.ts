// The server as command handlers see it: databases, configuration, clients, statistics, and the
// subsystems (blocking, slowlog, latency, propagation) that hang off the one command path.
// src/server.ts builds it and plugs in what only the network layer knows (listeners, shutdown).
import { randomBytes } from 'node:crypto';
import { Database, KeyspaceStats, type KeyspaceHooks, type KeyspaceShared } from '../structures/database.js';
import { EXPIRE_OVERHEAD } from '../structures/values.js';
import type { Acl } from './acl.js';
import type { BlockingRegistry } from './blocking.js';
import type { Client } from './client.js';
import type { CommandTable } from './command-table.js';
import { LatencyMonitor } from './latency-monitor.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { MemoryLimit } from './maxmemory.js';
import { ClientMemory } from './client-memory.js';
import { PubSubRegistry } from './pubsub-registry.js';
import { SlowLog } from './slowlog.js';
import { Tracking } from './tracking.js';
import { WatchRegistry } from './watch.js';

export const FERRITE_VERSION = '0.1.0';
/** The Redis version we answer to (INFO redis_version, HELLO): clients gate features on it. */
export const REDIS_COMPAT_VERSION = '7.0.15';

/** Read/write access to the option table (src/config.ts implements it). */
export interface ConfigAccess {
  get(name: string): string | undefined;
  getNumber(name: string): number;
  getBool(name: string): boolean;
  /** Names and values matching a glob, as CONFIG GET returns them. */
  match(pattern: string): [string, string][];
  /** Sets several options atomically; returns an error line or undefined. Protected options need `protectedAllowed`. */
  set(pairs: [string, string][], protectedAllowed?: boolean): string | undefined;
  /** Writes the current configuration back to the file it was loaded from; error line or undefined. */
  rewrite(): string | undefined;
  readonly file: string | undefined;
}

export interface Logger {
  debug(msg: string): void;
  verbose(msg: string): void;
  notice(msg: string): void;
  warning(msg: string): void;
}

export interface CommandStat {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /** Redis 7's latency tracking (latency-tracking yes): made on the command's first tracked call. */
  latency?: LatencyHistogram;
}

export class ServerStats {
  connectionsReceived = 0;
  commandsProcessed = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  rejectedConnections = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  /** Replication: full syncs served, partial resyncs accepted / refused, stream bytes in and out. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  readonly errors = new Map<string, number>();
  readonly commands = new Map<string, CommandStat>();
  /** Ops per second, sampled like Redis' instantaneous_ops_per_sec. */
  private samples: number[] = [];
  private lastSampleAt = Date.now();
  private lastSampleCommands = 0;

  commandStat(name: string): CommandStat {
    let s = this.commands.get(name);
    if (s === undefined) {
      s = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      this.commands.set(name, s);
    }
    return s;
  }

  countError(line: string): void {
    this.totalErrorReplies++;
    const space = line.indexOf(' ');
    const code = space === -1 ? line : line.slice(0, space);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sampleOps(now: number): void {
    const elapsed = now - this.lastSampleAt;
    if (elapsed < 100) return;
    const ops = ((this.commandsProcessed - this.lastSampleCommands) * 1000) / elapsed;
    this.samples.push(ops);
    if (this.samples.length > 16) this.samples.shift();
    this.lastSampleAt = now;
    this.lastSampleCommands = this.commandsProcessed;
  }

  get instantaneousOps(): number {
    if (this.samples.length === 0) return 0;
    return Math.round(this.samples.reduce((a, b) => a + b, 0) / this.samples.length);
  }

  reset(): void {
    this.connectionsReceived = 0;
    this.commandsProcessed = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.rejectedConnections = 0;
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.syncFull = 0;
    this.syncPartialOk = 0;
    this.syncPartialErr = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.errors.clear();
    this.commands.clear();
    this.samples = [];
  }
}

/** Where a write's effects go once it ran: AOF, replicas (added by persistence/replication). */
export type PropagationSink = (dbIndex: number, argv: string[]) => void;

/**
 * Holds replies until the writes they acknowledge are in the AOF (and fsynced under appendfsync
 * always: one fsync per event-loop turn, then every held connection writes). Null when the AOF is off.
 */
export interface ReplyBarrier {
  /** True when `transport.flush()` was deferred until the pending writes are on disk. */
  hold(transport: { flush(): void }): boolean;
  /** Makes pending writes durable now (a connection closing right after its reply). */
  settle(): void;
}

/** What BGREWRITEAOF and CONFIG SET appendonly reach (persistence/aof.ts implements it). */
export interface AofControl {
  /** Starts or schedules a rewrite; the reply line, or an error line starting with "ERR". */
  bgrewrite(): string;
}

export interface PauseState {
  /** Until when clients are paused (ms), 0 when not paused. */
  until: number;
  /** 'write' pauses only writes (and may-replicate commands), 'all' every command. */
  mode: 'write' | 'all';
  timer: NodeJS.Timeout | undefined;
}

/** Hooks the network layer provides. */
export interface ServerControl {
  shutdown(options: { save?: boolean; now?: boolean; force?: boolean }): string | undefined;
  /** The TCP port actually listened on (port 0 resolves to a free one). */
  readonly port: number;
  readonly configFile: string | undefined;
  readonly executable: string;
}

export class ServerState {
  readonly runId = randomBytes(20).toString('hex');
  readonly startedAt = Date.now();
  readonly stats = new ServerStats();
  readonly keyspaceStats = new KeyspaceStats();
  readonly keyspace: KeyspaceShared;
  readonly databases: Database[];
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly slowlog: SlowLog;
  readonly latency = new LatencyMonitor();
  /** latency-tracking, kept here so the command path reads a field, not the option table. */
  latencyTracking = true;
  readonly sinks: PropagationSink[] = [];
  /** The AOF writer while the AOF is on: replies wait for its write (and fsync) of their turn. */
  replyBarrier: ReplyBarrier | null = null;
  /** The append-only file, once persistence is wired. */
  aof: AofControl | undefined;
  readonly pause: PauseState = { until: 0, mode: 'all', timer: undefined };
  /** Clients waiting for the pause to end, resumed in arrival order. */
  readonly pausedClients = new Set<Client>();
  /** Users, permissions and the ACL LOG; set by the composition root once the command table exists. */
  acl!: Acl;
  /** Redis' server.dirty: writes since the last save. */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  peakMemory = 0;
  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the active expiry cycle off (tests of lazy expiry use it). */
  activeExpireEnabled = true;
  /** True while a dataset is being loaded (commands without the `loading` flag get LOADING). */
  loading = false;
  /**
   * Set while a script that ran past busy-reply-threshold is suspended so the loop can serve
   * others (Redis' isInsideYieldingLongCommand): the error commands without `allow-busy` get.
   * Nothing may change the dataset meanwhile (no eviction, active expiry or blocked-client wake-ups).
   */
  busyError: string | null = null;
  /** MASTERDOWN while a replica with replica-serve-stale-data no has no link to its master. */
  staleError: string | null = null;
  /** NOREPLICAS while min-replicas-to-write is not met: writes are refused. */
  noReplicasError: string | null = null;
  /** Set while writes must be refused because persisting failed (MISCONF after a failed save or AOF write). */
  writeDenied: string | null = null;
  nextClientId = 1;
  /** Clients blocked on keys; owned by the Dispatcher, which re-runs their commands. */
  blocking!: BlockingRegistry;
  /** The command table (COMMAND reads it); set by the Dispatcher. */
  commandTable!: CommandTable;
  /** Channel, pattern and shard-channel subscriptions (PUBLISH, keyspace notifications). */
  readonly pubsub = new PubSubRegistry();
  /** Client-side caching: who may hold which keys, and their invalidations. */
  readonly tracking = new Tracking(this);
  /** Keys watched by clients for MULTI/EXEC. */
  readonly watches: WatchRegistry;
  /** maxmemory and eviction: memory.ensureRoom() before anything that may grow the dataset. */
  readonly memory: MemoryLimit;
  /** Normal clients' query and output buffers: part of used_memory; maxmemory-clients. */
  readonly clientMemory: ClientMemory;
  control: ServerControl | undefined;
  /** Subsystems that keep per-client state (pub/sub, WATCH) forget a client here. */
  readonly clientClosedHooks: ((client: Client) => void)[] = [];
  /** Per-client state to drop on RESET (subscriptions, WATCH, blocking...). */
  readonly resetHooks: ((client: Client) => void)[] = [];
  /** Extra INFO sections contributed by subsystems (persistence, replication...), by section name. */
  readonly infoProviders = new Map<string, () => [string, string | number][]>();

  constructor(readonly config: ConfigAccess, readonly log: Logger, hooks: KeyspaceHooks) {
    this.keyspace = {
      now: Date.now(),
      hooks,
      stats: this.keyspaceStats,
      isReplica: false,
      lfuLogFactor: config.getNumber('lfu-log-factor'),
      lfuDecayTime: config.getNumber('lfu-decay-time'),
      lfuPolicy: config.get('maxmemory-policy')?.includes('lfu') ?? false,
    };
    const n = config.getNumber('databases');
    this.databases = Array.from({ length: n }, (_, i) => new Database(i, this.keyspace));
    this.slowlog = new SlowLog(config);
    this.watches = new WatchRegistry(this.databases, this.keyspace);
    this.clientMemory = new ClientMemory(log);
    this.memory = new MemoryLimit(this);
  }

  /** Bytes accounted to keys and values over every database. */
  usedMemory(): number {
    let total = 0;
    for (const db of this.databases) total += db.usedBytes + db.expiresCount * EXPIRE_OVERHEAD;
    total += this.clientMemory.total;
    if (total > this.peakMemory) this.peakMemory = total;
    return total;
  }

  propagate(dbIndex: number, argv: string[]): void {
    for (const sink of this.sinks) sink(dbIndex, argv);
  }
}
