// The composition root: builds the option table, the keyspace, the command table and dispatcher,
// the listeners, and the timers (active expiry, client timeouts, statistics) that make a server.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { CommandTable } from './engine/command-table.js';
import { Dispatcher } from './engine/dispatch.js';
import { KeyspaceEvents } from './engine/keyspace-events.js';
import { KeyspaceNotifier } from './engine/notifications.js';
import { attachPubSub } from './engine/pubsub-registry.js';
import { ALL_COMMANDS } from './commands/registry.js';
import { AppendOnlyFile } from './persistence/aof.js';
import { Scripting } from './engine/script-runner.js';
import { ServerState, type ServerControl } from './engine/server-context.js';
import { attachTracking } from './engine/tracking.js';
import { attachWatches } from './engine/watch.js';
import { Config } from './config.js';
import { ServerLog } from './log.js';
import { Connection } from './network/connection.js';
import { Acl } from './engine/acl.js';
import { describeClient } from './commands/client-cmd.js';
import { applyRenames, loadUsersAtStartup } from './startup-directives.js';
import { secureContextOptions, TLS_CONTEXT_OPTIONS, TlsListener } from './network/tls-listener.js';
import { isLocalPeer, PROTECTED_MODE_DENIED } from './network/protected-mode.js';
import { MemcachedListener, linkMemcachedMemoryLimit } from './network/memcached-listener.js';
import { rdbLoader, rdbSnapshots } from './replication/rdb-transfer.js';
import { Replication } from './replication/replication.js';
import { attachRdbPersistence, type RdbPersistence } from './persistence/rdb-persistence.js';
import { attachSnapshots } from './persistence/snapshot.js';
import { clientsLimit } from './engine/client-memory.js';
import { enforceOutputLimit } from './network/output-limits.js';
import './persistence/stream-codec.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export class FerriteServer implements ServerControl {
  readonly config: Config;
  readonly log = new ServerLog();
  readonly events = new KeyspaceEvents();
  readonly state: ServerState;
  readonly table: CommandTable;
  readonly dispatcher: Dispatcher;
  readonly scripting: Scripting;
  readonly aof: AppendOnlyFile;
  readonly replication: Replication;
  readonly connections = new Set<Connection>();
  /** The memcached front end, while memcached-port is not 0. */
  memcached: MemcachedListener | undefined;
  readonly rdb: RdbPersistence;
  private listeners: NetServer[] = [];
  /** A rename-command, `user` line or ACL file that can't be applied stops listen(). */
  private startupError: string | undefined;
  private cron: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private boundPort = 0;
  private tlsBoundPort = 0;
  /** One TLS server per bind address (a node:tls server listens on one). */
  private tlsListeners: TlsListener[] = [];
  /** The re-listen a CONFIG SET tls-port started, for whoever needs to wait for it. */
  tlsMove: Promise<void> = Promise.resolve();
  private listening = false;
  executable = process.argv[1] ?? '';
  /** Called when SHUTDOWN runs; the CLI exits the process, embedders get close(). */
  onShutdown: (() => void) | undefined;

  constructor(config: Config) {
    this.config = config;
    this.log.setLevel(config.get('loglevel')!);
    this.log.file = config.get('logfile')!;
    this.state = new ServerState(config, this.log, this.events);
    this.log.following = () => this.state.keyspace.isReplica;
    this.state.control = this;
    this.table = new CommandTable(ALL_COMMANDS);
    this.startupError = applyRenames(config, this.table);
    this.state.acl = new Acl({ config, clients: this.state.clients, describeClient: (c) => describeClient(c, Date.now()) }, this.table);
    this.dispatcher = new Dispatcher(this.state, this.table);
    this.scripting = new Scripting(this.state, this.dispatcher);
    this.aof = new AppendOnlyFile(this.state, this.dispatcher);
    this.replication = new Replication(this.state, this.dispatcher, rdbSnapshots(this.state), rdbLoader(this.state));
    this.wireKeyspace();
    attachSnapshots(this.state, this.events);
    this.rdb = attachRdbPersistence(this.state);
    for (const name of ['save', 'stop-writes-on-bgsave-error']) this.config.onChange(name, () => this.rdb.refreshWriteDenial());
    this.wirePubSubAndWatches();
    this.wireConfig();
    this.wireMemory();
    this.wireAof();
    linkMemcachedMemoryLimit(this.config);
  }

  /** The append-only file: live options and its INFO persistence fields. */
  private wireAof(): void {
    for (const name of AppendOnlyFile.liveOptions) this.config.onChange(name, (v) => this.aof.applyConfig(name, v));
    this.state.infoProviders.set('persistence-aof', () => this.aof.info());
    this.state.infoProviders.set('persistence-aof-loading', () => this.aof.loadingInfo());
  }

  get port(): number {
    return this.boundPort;
  }

  get configFile(): string | undefined {
    return this.config.file;
  }

  private wireKeyspace(): void {
    const blocking = this.dispatcher.blocking;
    this.events.onChange.push((db, key) => blocking.keyChanged(db.id, key));
    attachTracking(this.state, this.events);
    this.events.onFlush.push((db) => blocking.dbChanged(db.id));
    this.events.onExpired.push((db, key) => {
      this.dispatcher.notifier?.('expired', 'expired', key, db.id);
      // Expiry is the master's decision: replicas and the AOF learn it as a DEL.
      this.state.propagate(db.id, ['DEL', key]);
    });
  }

  /** WATCH, subscriptions' cleanup and keyspace notifications, hanging off the keyspace's signals. */
  private wirePubSubAndWatches(): void {
    attachWatches(this.state, this.events);
    attachPubSub(this.state);
    const notifier = new KeyspaceNotifier(this.state.pubsub);
    notifier.configure(this.config.get('notify-keyspace-events')!);
    this.config.onChange('notify-keyspace-events', (v) => notifier.configure(v));
    notifier.attach(this.events);
    this.dispatcher.notifier = notifier.notify;
  }

  private wireConfig(): void {
    const c = this.config;
    const ks = this.state.keyspace;
    c.onChange('loglevel', (v) => void this.log.setLevel(v));
    c.onChange('maxmemory-policy', (v) => void (ks.lfuPolicy = v.includes('lfu')));
    c.onChange('lfu-log-factor', (v) => void (ks.lfuLogFactor = Number(v)));
    c.onChange('lfu-decay-time', (v) => void (ks.lfuDecayTime = Number(v)));
    c.onChange('hz', () => this.startCron());
    for (const name of TLS_CONTEXT_OPTIONS) {
      c.onChange(name, () => {
        try {
          for (const l of this.tlsListeners) l.reload();
        } catch (e) {
          this.log.warning(`Failed to update TLS configuration: ${(e as Error).message}`);
          return 'Unable to update TLS configuration. Check server logs.';
        }
        return undefined;
      });
    }
    c.onChange('tls-port', (v) => {
      if (!this.listening) return undefined;
      if (v !== '0') {
        try {
          secureContextOptions(c);
        } catch (e) {
          this.log.warning(`Failed to configure TLS: ${(e as Error).message}`);
          return 'Unable to update TLS configuration. Check server logs.';
        }
      }
      this.moveTlsPort(Number(v));
      return undefined;
    });
    c.userLines = () => this.state.acl.allUsers().map((u) => `user ${u.name} ${u.describe()}`);
    c.onChange('requirepass', (v) => void this.state.acl.syncRequirePass(v));
    c.onChange('acllog-max-len', (v) => void this.state.acl.log.trim(Number(v)));
    c.onChange('repl-backlog-size', (v) => void this.replication.backlog?.resize(Number(v)));
    c.onChange('replica-serve-stale-data', () => this.replication.refreshStale());
    for (const name of ['min-replicas-to-write', 'min-replicas-max-lag']) c.onChange(name, () => this.replication.refreshGoodReplicas());
    this.state.latencyTracking = c.getBool('latency-tracking');
    c.onChange('latency-tracking', (v) => void (this.state.latencyTracking = v === 'yes'));
  }

  /** maxmemory: evict before every command, and at once when CONFIG SET changes the limit. */
  private wireMemory(): void {
    const memory = this.state.memory;
    this.dispatcher.memoryGuard = () => memory.ensureRoom();
    for (const name of ['maxmemory-policy', 'maxmemory-samples', 'maxmemory-eviction-tenacity', 'lazyfree-lazy-eviction']) {
      this.config.onChange(name, () => memory.configure());
    }
    this.config.onChange('maxmemory', () => memory.limitChanged());
    const clientMemory = this.state.clientMemory;
    const applyClientsLimit = (): void => void (clientMemory.limit = clientsLimit(this.config.get('maxmemory-clients') ?? '0', this.config.getNumber('maxmemory')));
    this.config.onChange('maxmemory-clients', applyClientsLimit);
    this.config.onChange('maxmemory', applyClientsLimit);
    applyClientsLimit();
    this.state.clientClosedHooks.push((client) => clientMemory.forget(client));
  }

  /** Starts listening on every `bind` address (a leading '-' marks an optional one) and the unix socket. */
  async listen(): Promise<void> {
    this.startupError ??= loadUsersAtStartup(this.config, this.state.acl);
    if (this.startupError !== undefined) throw new Error(this.startupError);
    await this.scripting.start();
    const port = this.config.getNumber('port');
    const addresses = this.config.get('bind')!.split(' ').filter((a) => a !== '');
    const tlsPort = this.config.getNumber('tls-port');
    if (tlsPort !== 0) await this.listenTls(tlsPort, addresses);
    let bound = 0;
    // port 0 with a tls-port serves TLS only, as in Redis; without one, port 0 picks a free port (embedding).
    for (const raw of tlsPort !== 0 && port === 0 ? [] : addresses) {
      const optional = raw.startsWith('-');
      const host = optional ? raw.slice(1) : raw;
      const hostArg = host === '*' ? '0.0.0.0' : host;
      try {
        const server = await this.listenOn({ port: bound || port, host: hostArg });
        if (bound === 0) bound = (server.address() as { port: number }).port;
        this.log.verbose(`Listening on ${host}:${bound}`);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) continue;
        await this.close();
        throw new Error(`Warning: Could not create server TCP listening socket ${host}:${port}: ${err.message}`);
      }
    }
    this.boundPort = bound;
    const unixPath = this.config.get('unixsocket')!;
    if (unixPath !== '') {
      if (existsSync(unixPath)) unlinkSync(unixPath);
      await this.listenOn({ path: unixPath });
    }
    await this.listenMemcached();
    this.startCron();
    this.listening = true;
    await this.loadData();
  }

  /**
   * Loads the dataset on start (clients get LOADING meanwhile): with appendonly yes the AOF is what
   * loads, as in Redis, else dump.rdb. A bad file stops the start-up.
   */
  private async loadData(): Promise<void> {
    try {
      if (!this.config.getBool('appendonly')) {
        const aux = await this.rdb.loadOnStart();
        if (aux !== undefined) this.replication.restoreFromRdb(aux);
      }
      await this.aof.start();
    } catch (e) {
      await this.close();
      throw e;
    }
    this.replication.start();
  }

  /** The TLS listener on tls-port, on every bind address; CONFIG SET tls-* reloads its certificates. */
  private async listenTls(port: number, addresses: readonly string[]): Promise<void> {
    for (const raw of addresses) {
      const optional = raw.startsWith('-');
      const host = optional ? raw.slice(1) : raw;
      let listener: TlsListener;
      try {
        listener = new TlsListener(this.config, (socket) => this.accept(socket), (m) => this.log.verbose(m));
      } catch (e) {
        await this.close();
        throw new Error(`Failed to configure TLS. Check logs for more info. ${(e as Error).message}`);
      }
      try {
        await this.listenWith(listener.server, { port, host: host === '*' ? '0.0.0.0' : host });
        this.tlsListeners.push(listener);
        this.tlsBoundPort = port;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) continue;
        await this.close();
        throw new Error(`Warning: Could not create server TLS listening socket ${host}:${port}: ${err.message}`);
      }
    }
  }

  /**
   * CONFIG SET tls-port at run time: the TLS listeners stop accepting and new ones start on the new
   * port (0 = none); connected TLS clients stay. Binding is asynchronous, so a failure is logged.
   */
  private moveTlsPort(port: number): void {
    const old = this.tlsListeners;
    this.tlsListeners = [];
    this.tlsBoundPort = 0;
    for (const l of old) {
      this.listeners = this.listeners.filter((s) => s !== l.server);
      l.server.close();
    }
    if (port === 0) return;
    const addresses = this.config.get('bind')!.split(' ').filter((a) => a !== '');
    this.tlsMove = (async () => {
      for (const raw of addresses) {
        const optional = raw.startsWith('-');
        const host = optional ? raw.slice(1) : raw;
        try {
          const listener = new TlsListener(this.config, (socket) => this.accept(socket), (m) => this.log.verbose(m));
          await this.listenWith(listener.server, { port, host: host === '*' ? '0.0.0.0' : host });
          this.tlsListeners.push(listener);
          this.tlsBoundPort = port;
        } catch (e) {
          if (!optional) this.log.warning(`Could not create server TLS listening socket ${host}:${port}: ${(e as Error).message}`);
        }
      }
    })();
  }

  private listenWith(server: NetServer, options: { port: number; host: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port, host: options.host, backlog: this.config.getNumber('tcp-backlog') }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        this.listeners.push(server);
        resolve();
      });
    });
  }

  get tlsPort(): number {
    return this.tlsBoundPort;
  }

  /** The memcached front end on memcached-port (0 turns it off), over database 0. */
  private async listenMemcached(): Promise<void> {
    const port = this.config.getNumber('memcached-port');
    if (port === 0) return;
    const host = this.config.get('memcached-bind')!;
    this.memcached = new MemcachedListener(this.state, this.events, () => this.dispatcher.notifier);
    try {
      await this.memcached.listen(host, port);
    } catch (e) {
      // Several servers side by side with only --port: the default memcached port being taken is not fatal.
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && !this.config.isExplicit('memcached-port')) {
        this.log.warning(`Could not listen for memcached clients on ${host}:${port} (${(e as Error).message}); memcached front end disabled. Set memcached-port to choose another port, 0 to turn it off.`);
        this.memcached = undefined;
        return;
      }
      await this.close();
      throw new Error(`Warning: Could not create memcached TCP listening socket ${host}:${port}: ${(e as Error).message}`);
    }
  }

  private listenOn(options: { port: number; host: string } | { path: string }): Promise<NetServer> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      server.maxConnections = Number.MAX_SAFE_INTEGER;
      server.once('error', reject);
      const backlog = this.config.getNumber('tcp-backlog');
      const done = (): void => {
        server.off('error', reject);
        server.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        this.listeners.push(server);
        resolve(server);
      };
      if ('path' in options) server.listen({ path: options.path, backlog }, done);
      else server.listen({ port: options.port, host: options.host, backlog }, done);
    });
  }

  private accept(socket: Socket): void {
    this.state.stats.connectionsReceived++;
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.state.clients.size >= this.config.getNumber('maxclients')) {
      this.state.stats.rejectedConnections++;
      socket.resume();
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.config.getBool('protected-mode') && this.state.acl.defaultUser.nopass && !isLocalPeer(socket)) {
      // Read (and drop) what the client sends, or its FIN is never seen and the socket stays open.
      socket.resume();
      socket.end(PROTECTED_MODE_DENIED, 'latin1');
      return;
    }
    const conn = new Connection(socket, this.state, this.dispatcher, (c) => this.forget(c));
    this.connections.add(conn);
    this.state.clients.set(conn.client.id, conn.client);
  }

  private forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    const client = conn.client;
    this.state.clients.delete(client.id);
    this.state.monitors.delete(client);
    this.state.pausedClients.delete(client);
    this.dispatcher.blocking.unblock(client, 'disconnect');
    for (const hook of this.state.clientClosedHooks) hook(client);
  }

  /** Runs `hz` times a second: active expiry, idle-client timeouts, statistics, pause end. */
  private startCron(): void {
    if (this.cron !== undefined) clearInterval(this.cron);
    const hz = Math.max(1, this.config.getNumber('hz'));
    const period = 1000 / hz;
    this.cron = setInterval(() => this.tick(period), period);
    this.cron.unref();
  }

  private tick(period: number): void {
    const state = this.state;
    const now = Date.now();
    state.keyspace.now = now;
    // A suspended script must find the dataset as it left it.
    if (state.activeExpireEnabled && state.busyError === null) {
      // Redis gives the slow cycle 25% of a tick; effort 1..10 raises it a little.
      const effort = state.config.getNumber('active-expire-effort');
      const deadline = now + period * (0.25 + (effort - 1) * 0.02);
      for (const db of state.databases) {
        if (Date.now() >= deadline) break;
        db.activeExpire(deadline);
      }
      if (this.dispatcher.blocking.hasReadyKeys()) this.dispatcher.blocking.serveReady();
    }
    state.stats.sampleOps(now);
    state.tracking.cron();
    // Sockets drain without our code running: re-measure every client's buffers.
    for (const conn of this.connections) state.clientMemory.track(conn.client);
    state.usedMemory();
    this.rdb.cron(now);
    const timeout = state.config.getNumber('timeout');
    if (timeout > 0) {
      for (const conn of this.connections) {
        const c = conn.client;
        if (c.blocked !== null || c.subscriptionCount > 0 || c.isMaster || c.isReplica) continue;
        if (now - c.lastInteraction > timeout * 1000) {
          this.log.verbose(`Closing idle client`);
          conn.close(false);
        }
      }
    }
    for (const conn of this.connections) {
      if (conn.client.blocked !== null || conn.client.paused) conn.client.flush();
      // A client over its soft limit that sends nothing more must still be cut once the soft seconds pass.
      else if (conn.outputBytes() > 0) enforceOutputLimit(conn.client, state);
    }
  }

  shutdown(options: { save?: boolean; now?: boolean; force?: boolean }): string | undefined {
    if (this.state.busyError !== null && options.save !== false) return this.state.busyError;
    this.log.warning('User requested shutdown...');
    const err = this.rdb.prepareShutdown(options);
    if (err !== undefined) return err;
    this.log.warning('Ferrite is now ready to exit, bye bye...');
    setImmediate(() => {
      void this.close().then(() => this.onShutdown?.());
    });
    return undefined;
  }

  /** Stops listening, closes every client, stops timers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.cron !== undefined) clearInterval(this.cron);
      this.rdb.killBackground('server closing');
      this.scripting.stop();
      this.aof.shutdown();
      this.replication.stop();
      for (const conn of [...this.connections]) conn.close(true);
      await this.memcached?.close();
      await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
      this.listeners = [];
      const unixPath = this.config.get('unixsocket')!;
      if (unixPath !== '' && existsSync(unixPath)) unlinkSync(unixPath);
    })();
    return this.closing;
  }
}
