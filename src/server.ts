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
import { Scripting } from './engine/script-runner.js';
import { ServerState, type ServerControl } from './engine/server-context.js';
import { attachWatches } from './engine/watch.js';
import { Config } from './config.js';
import { ServerLog } from './log.js';
import { Connection } from './network/connection.js';
import { MemcachedListener, linkMemcachedMemoryLimit } from './network/memcached-listener.js';
import { enforceOutputLimit } from './network/output-limits.js';

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
  readonly connections = new Set<Connection>();
  /** The memcached front end, while memcached-port is not 0. */
  memcached: MemcachedListener | undefined;
  private listeners: NetServer[] = [];
  private cron: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private boundPort = 0;
  executable = process.argv[1] ?? '';
  /** Called when SHUTDOWN runs; the CLI exits the process, embedders get close(). */
  onShutdown: (() => void) | undefined;

  constructor(config: Config) {
    this.config = config;
    this.log.setLevel(config.get('loglevel')!);
    this.log.file = config.get('logfile')!;
    this.state = new ServerState(config, this.log, this.events);
    this.state.control = this;
    this.table = new CommandTable(ALL_COMMANDS);
    this.dispatcher = new Dispatcher(this.state, this.table);
    this.scripting = new Scripting(this.state, this.dispatcher);
    this.wireKeyspace();
    this.wirePubSubAndWatches();
    this.wireConfig();
    this.wireMemory();
    linkMemcachedMemoryLimit(this.config);
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
  }

  /** Starts listening on every `bind` address (a leading '-' marks an optional one) and the unix socket. */
  async listen(): Promise<void> {
    await this.scripting.start();
    const port = this.config.getNumber('port');
    const addresses = this.config.get('bind')!.split(' ').filter((a) => a !== '');
    let bound = 0;
    for (const raw of addresses) {
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
      socket.end('-ERR max number of clients reached\r\n');
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
    state.usedMemory();
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
    // SAVE/NOSAVE/NOW/FORCE only matter once there is persistence to save to.
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
      this.scripting.stop();
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
