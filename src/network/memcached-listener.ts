// The memcached front end: a TCP listener beside the RESP one, its connections, and the storage layer
// they share over database 0. src/server.ts starts it when memcached-port is not 0.
import { AclDenial } from '../engine/acl-selector.js';
import { equivalentArgvs, type AclEquivalent } from './memcached-acl.js';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Notifier } from '../engine/dispatch.js';
import type { KeyspaceEvents } from '../engine/keyspace-events.js';
import { MemcachedStore } from '../engine/memcached-store.js';
import type { ConfigAccess, ServerState } from '../engine/server-context.js';
import { MemcachedConnection, type MemcachedServices } from './memcached-connection.js';
import { statsGroup, type StatPairs } from './memcached-stats.js';

/** The option table as the memcached front end needs it: values and change hooks. */
export interface ConfigWithHooks extends ConfigAccess {
  onChange(name: string, hook: (value: string) => string | undefined | void): void;
}

/**
 * memcached-memory-limit (memcached's -m) is maxmemory under another name: a non-zero value sets
 * maxmemory at start-up and whenever it changes, so eviction and OOM replies follow it.
 */
export function linkMemcachedMemoryLimit(config: ConfigWithHooks): void {
  const apply = (value: string): string | undefined => (value === '0' ? undefined : config.set([['maxmemory', value]]));
  config.onChange('memcached-memory-limit', apply);
  const error = apply(config.get('memcached-memory-limit') ?? '0');
  if (error !== undefined) throw new Error(error);
}

export class MemcachedListener implements MemcachedServices {
  readonly store: MemcachedStore;
  readonly connections = new Set<MemcachedConnection>();
  private readonly startedAt = Date.now();
  private server: NetServer | undefined;
  private boundPort = 0;
  private bindAddress = '';
  private verbosity = 0;
  private nextId = 1;

  constructor(
    readonly state: ServerState,
    events: KeyspaceEvents,
    notifier: () => Notifier | undefined,
  ) {
    this.store = new MemcachedStore(state, events, {
      notify: (cls, event, key) => notifier()?.(cls, event, key, 0),
      itemSizeMax: () => this.itemSizeMax(),
    });
  }

  /** The port actually listened on (0 before listen()). */
  get port(): number {
    return this.boundPort;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      server.once('error', reject);
      server.listen({ host: host === '*' ? '0.0.0.0' : host, port, backlog: this.state.config.getNumber('tcp-backlog') }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.state.log.warning(`memcached listener error: ${e.message}`));
        this.server = server;
        this.bindAddress = host;
        this.boundPort = (server.address() as { port: number }).port;
        resolve(this.boundPort);
      });
    });
  }

  private accept(socket: Socket): void {
    const counters = this.store.counters;
    counters.totalConnections++;
    if (this.connections.size >= this.state.config.getNumber('maxclients')) {
      counters.rejectedConnections++;
      socket.end('ERROR Too many open connections\r\n');
      return;
    }
    const conn = new MemcachedConnection(this.nextId++, socket, this, (c) => this.connections.delete(c));
    this.connections.add(conn);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.store.close();
    for (const conn of [...this.connections]) conn.close();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  authRequired(): boolean {
    return !this.state.acl.authenticatedAtConnect();
  }

  permitted(user: string, eq: AclEquivalent): boolean {
    const u = this.state.acl.user(user);
    if (u === undefined) return false;
    if (u.unrestricted) return true;
    return equivalentArgvs(eq).every((argv) => {
      const spec = this.state.commandTable.resolve(argv);
      return spec !== undefined && u.check(spec, argv).denial === AclDenial.None;
    });
  }

  checkCredentials(user: string, password: string): boolean {
    return this.state.acl.checkCredentials(user, password);
  }

  itemSizeMax(): number {
    return this.state.config.getNumber('memcached-max-item-size');
  }

  setVerbosity(level: number): void {
    this.verbosity = level;
  }

  stats(group: string): StatPairs | undefined {
    return statsGroup(group, {
      state: this.state,
      counters: this.store.counters,
      startedAt: this.startedAt,
      port: this.boundPort,
      bind: this.bindAddress,
      verbosity: this.verbosity,
      saslEnabled: this.authRequired(),
      itemSizeMax: this.itemSizeMax(),
      connections: [...this.connections],
    });
  }

  afterBatch(): void {
    const blocking = this.state.blocking;
    if (blocking.hasReadyKeys()) blocking.serveReady();
  }
}
