// The master's view of one replica: its announced address and capabilities (REPLCONF), where it is
// in its sync (Redis' wait_bgsave → send_bulk → online), the offset it acknowledged, and the stream
// held for it while its snapshot is being sent.
import type { Client } from '../engine/client.js';
import type { ServerState } from '../engine/server-context.js';
import { outputLimitExceeded } from '../network/output-limits.js';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

/** What a connection said with REPLCONF before PSYNC; kept per client until it becomes a replica. */
export interface ReplicaHello {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
  rdbOnly: boolean;
}

export function newHello(): ReplicaHello {
  return { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false, rdbOnly: false };
}

export class ReplicaLink {
  state: ReplicaState = 'wait_bgsave';
  /** Offset the replica acknowledged with REPLCONF ACK (Redis' repl_ack_off). */
  ackOffset = 0;
  /** When the last ACK (or any byte) came from the replica, ms. */
  ackTime = Date.now();
  /** When the replica started waiting for a snapshot, ms (repl-diskless-sync-delay counts from it). */
  readonly waitingSince = Date.now();
  /** Old-style SYNC: no +FULLRESYNC line, and no ACKs to expect. */
  legacySync = false;
  /** The whole snapshot was written to the socket; a diskless replica goes online on its next ACK. */
  snapshotSent = false;
  /** Stream produced while the snapshot is sent, written after it. */
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(readonly client: Client, readonly hello: ReplicaHello, private readonly state_: ServerState) {}

  /** ip as announced (REPLCONF ip-address) or seen on the socket. */
  get ip(): string {
    if (this.hello.ipAddress !== '') return this.hello.ipAddress;
    const addr = this.client.transport?.addr ?? '';
    const colon = addr.lastIndexOf(':');
    const host = colon === -1 ? addr : addr.slice(0, colon);
    return host.startsWith('::ffff:') ? host.slice(7) : host;
  }

  get port(): number {
    return this.hello.listeningPort;
  }

  /** Queues stream bytes: to the socket once online, held while the snapshot is being sent. */
  send(text: string): void {
    if (this.state === 'online') {
      this.client.writer.raw(text);
      return;
    }
    if (this.state === 'wait_bgsave') return;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (outputLimitExceeded(this.client, this.state_, this.pendingBytes)) {
      this.state_.log.warning(`Client id=${this.client.id} addr=${this.client.transport?.addr ?? ''} scheduled to be closed ASAP for overcoming of output buffer limits.`);
      this.client.transport?.close(false);
    }
  }

  /** The snapshot has been sent: the held stream follows it, and the replica gets everything live. */
  goOnline(): void {
    this.state = 'online';
    this.ackTime = Date.now();
    for (const text of this.pending) this.client.writer.raw(text);
    this.pending = [];
    this.pendingBytes = 0;
    this.client.flush();
  }

  get heldBytes(): number {
    return this.pendingBytes;
  }
}
