// A client as commands see it: identity, selected database, protocol, transaction, subscription and
// blocking state. The network layer owns the socket and plugs in through ClientTransport; clients
// without a socket (a script's caller, the AOF loader, a master link) have none.
import { RespWriter } from '../protocol/reply.js';
import type { CallContext } from './dispatch.js';
import type { CommandSpec } from './types.js';

export interface ClientTransport {
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Writes pending output; called for replies produced outside the client's own read batch. */
  flush(): void;
  /** Closes the connection, after writing pending output when `afterReply`. */
  close(afterReply: boolean): void;
  /** Bytes accepted by the socket but not yet sent. */
  outputBytes(): number;
  /** Bytes of the query buffer (received, not yet executed). */
  queryBytes(): number;
  /** Continues executing buffered requests after an unblock or an unpause. */
  resume(): void;
  /** Writes bytes to the socket after pending replies (a full sync's RDB); false once the socket's buffer is full. */
  writeBytes?(data: Buffer): boolean;
  /** Calls `cb` once the socket's buffer has drained (at once when it is empty). */
  onceDrained?(cb: () => void): void;
}

export interface QueuedCommand {
  spec: CommandSpec;
  argv: string[];
}

export interface BlockState {
  /** The command to run again when a key is ready. */
  argv: string[];
  keys: string[];
  dbIndex: number;
  /** 0 = block forever. */
  deadline: number;
  timer: NodeJS.Timeout | undefined;
  onTimeout: (client: Client) => void;
  /** Run again when a key is deleted too (XREADGROUP), not only when it changes. */
  wakeOnDelete: boolean;
}

export type ClientKind = 'normal' | 'pubsub' | 'replica' | 'master';

export class Client {
  name = '';
  dbIndex = 0;
  authenticated: boolean;
  user = 'default';
  readonly writer = new RespWriter();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCommand = 'NULL';
  commandsProcessed = 0;

  /** Open transaction: queued commands, or null when not in MULTI. */
  multi: QueuedCommand[] | null = null;
  /** A command failed to queue: EXEC must abort with EXECABORT. */
  multiFailed = false;
  /** A watched key changed: EXEC must return a null array. */
  dirtyCas = false;
  /** Watched keys as "db\0key". */
  readonly watched = new Set<string>();

  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  blocked: BlockState | null = null;
  /** Set while the client is held: waiting for CLIENT PAUSE to end, or for its own suspended script. */
  paused = false;

  replyMode: 'on' | 'off' | 'skip' = 'on';
  monitor = false;
  noEvict = false;
  /** The link from our master: its writes are applied even on a read-only replica, without replies. */
  isMaster = false;
  /** The AOF loader's client (Redis' CLIENT_ID_AOF). */
  isAofLoader = false;
  isReplica = false;
  closing = false;
  /** Lib name and version from CLIENT SETINFO (Redis 7.2 clients send them). */
  libName = '';
  libVersion = '';
  /** The reusable call context, created by the dispatcher on first use. */
  context: CallContext | undefined;

  constructor(readonly id: number, readonly transport: ClientTransport | null, requirePass: boolean) {
    this.authenticated = !requirePass;
  }

  get resp(): 2 | 3 {
    return this.writer.resp;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /**
   * Redis' mustObeyClient: the master link and the AOF loader replay what was already accepted, so
   * limits meant for users (XADD/XTRIM LIMIT without ~) don't apply to them.
   */
  get mustObey(): boolean {
    return this.isMaster || this.isAofLoader;
  }

  get kind(): ClientKind {
    if (this.isReplica) return 'replica';
    if (this.isMaster) return 'master';
    return this.subscriptionCount > 0 ? 'pubsub' : 'normal';
  }

  /** Sends what this client has pending; for replies produced outside its own read batch. */
  flush(): void {
    this.transport?.flush();
  }
}
