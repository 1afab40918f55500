// Replication's state for one server, both roles: the replication ids and offset (PSYNC2), the
// backlog, the replicas attached to us, and, when we are a replica, the link to our master. It is
// the propagation point's second reader: every effect a master propagates is encoded once, appended
// to the backlog and queued to every replica. A replica instead proxies the bytes it applied from
// its own master, verbatim, so chained replicas share its offsets.
import { randomBytes } from 'node:crypto';
import type { Client } from '../engine/client.js';
import type { Dispatcher } from '../engine/dispatch.js';
import type { ServerState } from '../engine/server-context.js';
import { ReplBacklog } from './backlog.js';
import { Failover } from './failover.js';
import { FullSync, type ReplicationAux, type SnapshotProvider } from './full-sync.js';
import { MasterLink, type DatasetLoader } from './master-link.js';
import { newHello, ReplicaLink, type ReplicaHello } from './replica-link.js';
import { registerReplicationAux } from './rdb-transfer.js';
import { replicationInfoFields } from './replication-info.js';
import { encodeCommand, encodeSelect } from './stream-encoding.js';
import { WaitRegistry } from './wait.js';

export const NULL_REPLID = '0000000000000000000000000000000000000000';
const PING_COMMAND = encodeCommand(['PING']);
const GETACK_COMMAND = encodeCommand(['REPLCONF', 'GETACK', '*']);

export function randomReplid(): string {
  return randomBytes(20).toString('hex');
}

const attached = new WeakMap<ServerState, Replication>();

registerReplicationAux((state) => attached.get(state)?.saveInfo());

export function replicationOf(server: ServerState): Replication {
  const r = attached.get(server);
  if (r === undefined) throw new Error('replication is not attached to this server');
  return r;
}

export class Replication {
  replid = randomReplid();
  replid2 = NULL_REPLID;
  secondReplOffset = -1;
  /** master_repl_offset: bytes of stream produced (master) or applied (replica). */
  masterReplOffset = 0;
  backlog: ReplBacklog | null = null;
  readonly replicas = new Map<Client, ReplicaLink>();
  /** REPLCONF fields of connections that have not sent PSYNC yet. */
  readonly hellos = new WeakMap<Client, ReplicaHello>();
  /** Set while we are a replica (REPLICAOF host port). */
  master: MasterLink | null = null;
  readonly fullSync: FullSync;
  readonly waits: WaitRegistry;
  readonly failover: Failover;
  /** Database the stream last SELECTed; -1 forces a SELECT before the next command (Redis' slaveseldb). */
  private streamDb = -1;
  /** When the last replica left, ms; the backlog is freed after repl-backlog-ttl without replicas. */
  private noReplicasSince = Date.now();
  private flushScheduled = false;
  private getAckScheduled = false;
  private cronTimer: NodeJS.Timeout | undefined;
  private cronTicks = 0;
  goodReplicas = 0;
  /** Set when the dataset loaded at start-up carried a replication id and offset (RDB aux fields). */
  restoredHistory = false;
  /** repl-stream-db of the RDB loaded at start-up. */
  private restoredStreamDb: number | undefined;

  constructor(
    readonly server: ServerState,
    readonly dispatcher: Dispatcher,
    readonly snapshots: SnapshotProvider,
    readonly loader: DatasetLoader,
  ) {
    attached.set(server, this);
    // Known before any load: a replica's RDB keeps keys past their TTL (its master sends the DELs).
    if ((server.config.get('replicaof') ?? '') !== '') server.keyspace.isReplica = true;
    this.fullSync = new FullSync(this);
    this.waits = new WaitRegistry(this);
    this.failover = new Failover(this);
    server.sinks.push((db, argv) => this.propagate(db, argv));
    server.clientClosedHooks.push((c) => this.clientClosed(c));
    server.infoProviders.set('replication', () => replicationInfoFields(this));
  }

  /**
   * The replication facts of the RDB loaded at start-up (Redis' loadDataFromDisk): a replica takes
   * them as its cached master and asks to continue from there; a master keeps them as its secondary
   * id, so replicas that were in sync with it when it saved can continue too.
   */
  restoreFromRdb(aux: Map<string, string>): void {
    const replid = aux.get('repl-id');
    const offset = Number(aux.get('repl-offset'));
    if (replid === undefined || !/^[0-9a-f]{40}$/.test(replid) || !Number.isSafeInteger(offset) || offset < 0) return;
    if ((this.server.config.get('replicaof') ?? '') !== '') {
      this.replid = replid;
      this.masterReplOffset = offset;
      this.restoredHistory = true;
      const db = Number(aux.get('repl-stream-db') ?? 0);
      this.restoredStreamDb = Number.isInteger(db) && db >= 0 && db < this.server.databases.length ? db : 0;
      this.server.log.notice(`Restored replication ID ${replid} and offset ${offset} from the RDB: will try a partial resynchronization.`);
      return;
    }
    this.replid2 = replid;
    this.secondReplOffset = offset + 1;
    this.masterReplOffset = offset;
    this.createBacklog();
    this.noReplicasSince = Date.now();
  }

  start(): void {
    this.cronTimer = setInterval(() => this.cron(), 100);
    this.cronTimer.unref();
    const line = this.server.config.get('replicaof') ?? '';
    if (line !== '') {
      const [host, port] = line.split(' ');
      // A fresh start has no history to continue unless the dataset loaded brought one (RDB aux fields).
      this.replicaOf(host, Number(port), 'config', this.restoredHistory);
    }
  }

  stop(): void {
    if (this.cronTimer !== undefined) clearInterval(this.cronTimer);
    this.master?.close();
    this.fullSync.abort();
    this.waits.clear();
  }

  get isReplica(): boolean {
    return this.master !== null;
  }

  /** Redis' rdbPopulateSaveInfo: the history an RDB we write now should carry, if there is one. */
  saveInfo(): ReplicationAux | undefined {
    const link = this.master;
    if (link === null) return this.backlog === null ? undefined : { replid: this.replid, offset: this.masterReplOffset, streamDb: this.streamDb };
    if (link.client === null && link.cachedReplid === '?') return undefined;
    return { replid: this.replid, offset: this.masterReplOffset, streamDb: link.client?.dbIndex ?? 0 };
  }

  // ---- the stream -------------------------------------------------------------------------

  /** The propagation sink: a master's effects go to the backlog and its replicas. */
  private propagate(db: number, argv: string[]): void {
    if (this.master !== null || this.backlog === null) return;
    let text = '';
    if (db !== this.streamDb) {
      text = encodeSelect(db);
      this.streamDb = db;
    }
    this.feed(text + encodeCommand(argv));
  }

  /** Appends stream bytes (latin1 text) to the backlog and queues them to every replica. */
  feed(text: string): void {
    if (this.backlog === null) return;
    this.backlog.appendLatin1(text);
    this.masterReplOffset = this.backlog.offset;
    if (this.replicas.size === 0) return;
    for (const link of this.replicas.values()) link.send(text);
    this.server.stats.netReplOutputBytes += text.length * this.replicas.size;
    this.scheduleFlush();
  }

  /** A replica proxies what it applied from its master, byte for byte. */
  feedFromMaster(raw: Buffer): void {
    if (this.backlog === null) this.createBacklog();
    this.feed(raw.toString('latin1'));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After this turn's socket reads (every client's batch): one write per replica for all of them,
    // as Redis writes replicas in beforeSleep; a write per client batch doubled the master's CPU per SET.
    setImmediate(() => {
      this.flushScheduled = false;
      for (const link of this.replicas.values()) if (link.state === 'online') link.client.flush();
    });
  }

  /** WAIT asks replicas for their offset; one GETACK per turn of the loop however many clients wait. */
  requestAcks(): void {
    if (this.getAckScheduled || this.master !== null) return;
    this.getAckScheduled = true;
    setImmediate(() => {
      this.getAckScheduled = false;
      if (this.replicas.size > 0) this.feed(GETACK_COMMAND);
    });
  }

  createBacklog(): void {
    this.backlog = new ReplBacklog(this.server.config.getNumber('repl-backlog-size'), this.masterReplOffset);
  }

  /** Redis' shiftReplicationId: our history so far stays reachable under replid2 (PSYNC2 after a promotion). */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = randomReplid();
    this.server.log.notice(`Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`);
  }

  /** The stream restarts with a SELECT (after a full sync, a promotion, a new master). */
  forceSelect(): void {
    this.streamDb = -1;
  }

  // ---- master side: replicas ------------------------------------------------------------------

  helloOf(client: Client): ReplicaHello {
    let h = this.hellos.get(client);
    if (h === undefined) this.hellos.set(client, (h = newHello()));
    return h;
  }

  /**
   * PSYNC replid offset: +CONTINUE with the backlog from `offset` when our history includes it,
   * otherwise a full sync. Returns an error line when the request can't be served at all.
   */
  psync(client: Client, replid: string, offset: number, legacy: boolean, failover: boolean): string | undefined {
    if (client.isReplica || client.monitor) return undefined;
    if (failover) {
      if (replid !== this.replid) return 'ERR PSYNC FAILOVER replid must match my replid.';
      this.promote(`failover request from 'id=${client.id} addr=${client.transport?.addr ?? ''}'`);
    }
    if (this.failover.state !== 'no-failover') return "NOMASTERLINK Can't SYNC while failing over";
    if (this.master !== null && this.master.state !== 'connected') return "NOMASTERLINK Can't SYNC while not connected with my master";
    if (client.writer.length > 0) return 'ERR SYNC and PSYNC are invalid with pending output';
    const hello = this.helloOf(client);
    const addr = describeReplica(client, hello);
    this.server.log.notice(`Replica ${addr} asks for synchronization`);
    if (!legacy && this.tryPartial(client, hello, replid, offset)) {
      this.server.stats.syncPartialOk++;
      return undefined;
    }
    if (!legacy && replid !== '?') this.server.stats.syncPartialErr++;
    this.server.stats.syncFull++;
    if (!legacy && replid !== '?') this.server.log.notice(`Full resync requested by replica ${addr}`);
    const link = this.attach(client, hello);
    link.legacySync = legacy;
    // A master that never had replicas starts a new history when the first one attaches.
    if (this.backlog === null) {
      if (this.master === null) {
        this.replid = randomReplid();
        this.replid2 = NULL_REPLID;
        this.secondReplOffset = -1;
      }
      this.createBacklog();
      this.server.log.notice(`Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`);
    }
    this.fullSync.enqueue(link);
    return undefined;
  }

  private tryPartial(client: Client, hello: ReplicaHello, replid: string, offset: number): boolean {
    const log = this.server.log;
    const addr = describeReplica(client, hello);
    if (replid !== this.replid && (replid !== this.replid2 || offset > this.secondReplOffset)) {
      if (replid !== '?') {
        if (replid !== this.replid && replid !== this.replid2) {
          log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`);
        } else {
          log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplOffset}`);
        }
      }
      return false;
    }
    if (this.backlog === null || !Number.isFinite(offset) || !this.backlog.covers(offset)) {
      log.notice(`Unable to partial resync with replica ${addr} for lack of backlog (Replica request was: ${offset}).`);
      return false;
    }
    const link = this.attach(client, hello);
    link.state = 'online';
    link.ackOffset = offset - 1;
    const data = this.backlog.readFrom(offset);
    client.writer.raw(hello.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n');
    client.flush();
    if (data.length > 0) client.transport?.writeBytes?.(data);
    log.notice(`Partial resynchronization request from ${addr} accepted. Sending ${data.length} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  private attach(client: Client, hello: ReplicaHello): ReplicaLink {
    client.isReplica = true;
    const link = new ReplicaLink(client, hello, this.server);
    this.replicas.set(client, link);
    return link;
  }

  /** REPLCONF ACK offset from a replica. */
  ack(client: Client, offset: number): void {
    const link = this.replicas.get(client);
    if (link === undefined) return;
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTime = Date.now();
    // A diskless replica starts receiving the stream on its first ACK, once it has read the whole payload.
    if (link.state === 'send_bulk' && link.snapshotSent) link.goOnline();
    this.waits.acked();
  }

  private clientClosed(client: Client): void {
    const link = this.replicas.get(client);
    this.waits.forget(client);
    if (link === undefined) return;
    this.replicas.delete(client);
    this.fullSync.forget(link);
    this.server.log.notice(`Connection with replica ${describeReplica(client, link.hello)} lost.`);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
    this.refreshGoodReplicas();
    this.waits.acked();
  }

  /** Replicas whose ACK covers `offset`. */
  replicasAt(offset: number): number {
    let n = 0;
    for (const link of this.replicas.values()) if (link.state === 'online' && link.ackOffset >= offset) n++;
    return n;
  }

  /** Disconnects every replica (after our history changed, so they learn the new replication id). */
  disconnectReplicas(): void {
    for (const client of [...this.replicas.keys()]) client.transport?.close(true);
  }

  /** min-replicas-to-write / min-replicas-max-lag: NOREPLICAS for writes while too few replicas are good. */
  refreshGoodReplicas(): void {
    const config = this.server.config;
    const maxLag = config.getNumber('min-replicas-max-lag');
    const need = config.getNumber('min-replicas-to-write');
    const now = Date.now();
    let good = 0;
    for (const link of this.replicas.values()) {
      if (link.state === 'online' && Math.floor((now - link.ackTime) / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
    const deny = this.master === null && need > 0 && maxLag > 0 && good < need;
    this.server.noReplicasError = deny ? 'NOREPLICAS Not enough good replicas to write.' : null;
  }

  // ---- replica side ---------------------------------------------------------------------------

  /** REPLICAOF host port: follow a master, continuing our own history if it can (PSYNC2). */
  replicaOf(host: string, port: number, who: string, continueHistory = true): void {
    const wasMaster = this.master === null;
    const streamDb = this.master?.client?.dbIndex ?? this.master?.streamDb ?? Math.max(0, this.streamDb);
    if (this.master !== null) {
      if (this.master.host === host && this.master.port === port) return;
      this.master.close();
    }
    this.server.keyspace.isReplica = true;
    this.master = new MasterLink(this, host, port, this.loader);
    // Our history so far is what the new master may share with us (an ex-replica promoted).
    if (continueHistory) {
      this.master.cachedReplid = this.replid;
      this.master.cachedOffset = this.masterReplOffset;
      this.master.streamDb = this.restoredStreamDb ?? streamDb;
    }
    this.disconnectReplicas();
    if (wasMaster && continueHistory) this.server.log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
    this.server.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.server.log.notice(`REPLICAOF ${host}:${port} enabled (${who})`);
    this.fullSync.abort();
    this.refreshStale();
    this.refreshGoodReplicas();
    this.master.connect();
  }

  /** REPLICAOF NO ONE: we become a master, our history continuing under a new replication id. */
  promote(who: string): void {
    if (this.master === null) return;
    this.master.close();
    this.master = null;
    this.server.keyspace.isReplica = false;
    this.shiftReplicationId();
    this.disconnectReplicas();
    this.forceSelect();
    if (this.backlog === null) this.createBacklog();
    this.refreshStale();
    this.refreshGoodReplicas();
    this.server.log.notice(`MASTER MODE enabled (${who})`);
  }

  /** replica-serve-stale-data no: MASTERDOWN for most commands while the link is not up. */
  refreshStale(): void {
    const link = this.master;
    const down = link !== null && link.state !== 'connected';
    const serve = this.server.config.getBool('replica-serve-stale-data');
    this.server.staleError = down && !serve ? "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." : null;
  }

  // ---- the cron -------------------------------------------------------------------------------

  private cron(): void {
    this.cronTicks++;
    this.fullSync.cron();
    this.failover.cron();
    this.master?.cron();
    if (this.cronTicks % 10 !== 0) return;
    // Once a second, as Redis' replicationCron.
    const config = this.server.config;
    const now = Date.now();
    const seconds = this.cronTicks / 10;
    if (this.master === null && this.replicas.size > 0 && this.failover.state === 'no-failover' && seconds % Math.max(1, config.getNumber('repl-ping-replica-period')) === 0) {
      this.feed(PING_COMMAND);
    }
    const timeout = config.getNumber('repl-timeout') * 1000;
    for (const link of [...this.replicas.values()]) {
      if (link.state === 'wait_bgsave') {
        link.client.writer.raw('\n');
        link.client.flush();
      } else if (link.state === 'online' && !link.legacySync && now - link.ackTime > timeout) {
        this.server.log.warning(`Disconnecting timedout replica (streaming sync): ${describeReplica(link.client, link.hello)}`);
        link.client.transport?.close(false);
      }
    }
    const ttl = config.getNumber('repl-backlog-ttl');
    if (this.master === null && this.replicas.size === 0 && this.backlog !== null && ttl > 0 && now - this.noReplicasSince > ttl * 1000) {
      // A new history: nobody can continue the old one from a backlog we no longer have.
      this.replid = randomReplid();
      this.replid2 = NULL_REPLID;
      this.secondReplOffset = -1;
      this.backlog = null;
      this.server.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
    this.refreshGoodReplicas();
  }
}

/** "ip:port" as Redis' replicationGetSlaveName. */
export function describeReplica(client: Client, hello: ReplicaHello): string {
  const addr = client.transport?.addr ?? '';
  const colon = addr.lastIndexOf(':');
  let ip = hello.ipAddress !== '' ? hello.ipAddress : colon === -1 ? addr : addr.slice(0, colon);
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return hello.listeningPort > 0 ? `${ip}:${hello.listeningPort}` : `${ip}:<unknown-replica-port>`;
}

