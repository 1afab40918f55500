// What both protocols' pools share: the servers and their connections, the ring over the live ones,
// and node health as twemproxy keeps it — consecutive failures, ejection after serverFailureLimit
// (with autoEjectHosts), return after serverRetryTimeoutMs — plus events, stats and close().
import { EventEmitter } from 'node:events';
import { NoServersError, PoolClosedError, PoolError, RoutingError } from './errors.js';
import { NodeConnection, type ConnectionState } from './node-connection.js';
import { resolveOptions, type PoolOptions, type ResolvedOptions } from './pool-options.js';
import { Ring } from './ring.js';
import { parseServerList, parseServerSpec, ServerSpecError, type ServerSpec } from './server-spec.js';

export interface ServerStats {
  readonly address: string;
  readonly name: string;
  readonly weight: number;
  /** In the ring now (false while ejected). */
  readonly live: boolean;
  readonly state: ConnectionState;
  /** Consecutive failures counted toward serverFailureLimit. */
  readonly failureCount: number;
  readonly ejections: number;
  readonly requests: number;
  readonly replyErrors: number;
  readonly timeouts: number;
  readonly connects: number;
  readonly connectionFailures: number;
  readonly pending: number;
  /** Continuum points (ketama) or slots (modula) this server holds. */
  readonly points: number;
}

export interface PoolStats {
  readonly protocol: string;
  readonly distribution: string;
  readonly hash: string;
  readonly liveServers: number;
  readonly ejections: number;
  readonly servers: readonly ServerStats[];
}

/** A server of the pool: its line, its connection and its health. */
export interface PoolNode {
  readonly spec: ServerSpec;
  readonly connection: NodeConnection;
  live: boolean;
  failureCount: number;
  ejections: number;
  returnTimer: NodeJS.Timeout | undefined;
}

export class PoolCore extends EventEmitter {
  protected readonly options: ResolvedOptions;
  protected readonly nodes: PoolNode[];
  private ring: Ring;
  private closed = false;
  private ejections = 0;

  constructor(input: PoolOptions) {
    super();
    this.options = resolveOptions(input);
    if (input.servers.length === 0) throw new NoServersError('a pool needs at least one server');
    let specs: ServerSpec[];
    try {
      // nutcracker indexes its servers in name order; libmemcached keeps the order given.
      specs = this.options.ketama === 'libmemcached' ? input.servers.map(parseServerSpec) : parseServerList(input.servers);
    } catch (error) {
      if (error instanceof ServerSpecError) throw new PoolError(error.message);
      throw error;
    }
    this.nodes = specs.map((spec) => this.makeNode(spec));
    this.ring = this.buildRing();
    if (!this.options.lazyConnect) for (const node of this.nodes) node.connection.connect();
  }

  private makeNode(spec: ServerSpec): PoolNode {
    // The connection's callbacks need the node, and the node holds the connection.
    let node: PoolNode | undefined;
    const connection = new NodeConnection(
      spec,
      {
        protocol: this.options.protocol,
        connectTimeoutMs: this.options.connectTimeoutMs,
        timeoutMs: this.options.timeoutMs,
        reconnectBaseMs: this.options.reconnectBaseMs,
        reconnectMaxMs: this.options.reconnectMaxMs,
        redisAuth: this.options.redisAuth,
        redisDb: this.options.redisDb,
        returnBuffers: this.options.returnBuffers,
        eager: !this.options.lazyConnect,
      },
      {
        onFailure: (error) => {
          if (node !== undefined) this.onFailure(node, error);
        },
        onReply: () => {
          if (node !== undefined) node.failureCount = 0;
        },
      },
    );
    node = { spec, connection, live: true, failureCount: 0, ejections: 0, returnTimer: undefined };
    return node;
  }

  private buildRing(): Ring {
    const live = this.nodes.map((n) => n.live || !this.options.autoEjectHosts);
    return new Ring(
      this.nodes.map((n) => n.spec),
      live,
      { distribution: this.options.distribution, hash: this.options.hash, hashTag: this.options.hashTag },
    );
  }

  /** twemproxy's server_failure: count, and at the limit eject the server for serverRetryTimeoutMs. */
  private onFailure(node: PoolNode, error: Error): void {
    if (this.closed) return;
    if (this.listenerCount('error') > 0) this.emit('error', error);
    if (!this.options.autoEjectHosts || !node.live) return;
    node.failureCount++;
    if (node.failureCount < this.options.serverFailureLimit) return;
    node.failureCount = 0;
    node.live = false;
    node.ejections++;
    this.ejections++;
    this.ring = this.buildRing();
    this.emit('node:down', node.spec.address, error);
    node.returnTimer = setTimeout(() => this.returnNode(node), this.options.serverRetryTimeoutMs);
    node.returnTimer.unref();
  }

  /** After serverRetryTimeoutMs the server is put back in the ring and its keys come back to it. */
  private returnNode(node: PoolNode): void {
    node.returnTimer = undefined;
    if (this.closed || node.live) return;
    node.live = true;
    node.connection.retryNow();
    this.ring = this.buildRing();
    this.emit('node:up', node.spec.address);
  }

  protected assertOpen(): void {
    if (this.closed) throw new PoolClosedError();
  }

  /** The node a key goes to now. */
  protected nodeFor(key: string | Buffer | number): PoolNode {
    const bytes = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
    return this.nodes[this.ring.locate(bytes)];
  }

  protected nodeAt(address: string): PoolNode {
    const node = this.nodes.find((n) => n.spec.address === address || n.spec.name === address);
    if (node === undefined) throw new RoutingError(`no server ${address} in the pool`);
    return node;
  }

  /** Where a key goes now, as "host:port". */
  serverFor(key: string | Buffer): string {
    return this.nodeFor(key).spec.address;
  }

  /** Every server, in the pool's (nutcracker's) order. */
  servers(): string[] {
    return this.nodes.map((n) => n.spec.address);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): PoolStats {
    return {
      protocol: this.options.protocol,
      distribution: this.options.distribution,
      hash: this.options.hash,
      liveServers: this.ring.liveServers,
      ejections: this.ejections,
      servers: this.nodes.map((n, i) => {
        const c = n.connection.stats;
        return {
          address: n.spec.address,
          name: n.spec.name,
          weight: n.spec.weight,
          live: n.live,
          state: c.state,
          failureCount: n.failureCount,
          ejections: n.ejections,
          requests: c.requests,
          replyErrors: c.replyErrors,
          timeouts: c.timeouts,
          connects: c.connects,
          connectionFailures: c.failures,
          pending: n.connection.pendingCount(),
          points: this.ring.pointsOf(i),
        };
      }),
    };
  }

  /** Closes every connection; in-flight and later calls reject with PoolClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const node of this.nodes) {
      if (node.returnTimer !== undefined) clearTimeout(node.returnTimer);
      node.connection.close();
    }
  }
}
