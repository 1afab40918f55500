// WAIT numreplicas timeout: the client is held until enough replicas acknowledged the stream up to
// the offset its writes reached, or the timeout passes; the reply is how many did. Each WAIT asks the
// replicas for an ACK at once (REPLCONF GETACK) rather than waiting for their once-a-second ACK.
import type { Client } from '../engine/client.js';
import type { Replication } from './replication.js';

interface Waiter {
  client: Client;
  offset: number;
  needed: number;
  timer: NodeJS.Timeout | undefined;
}

export class WaitRegistry {
  private readonly waiters = new Map<Client, Waiter>();

  constructor(private readonly repl: Replication) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Holds `client` until `needed` replicas reach `offset`; timeoutMs 0 waits forever. */
  wait(client: Client, offset: number, needed: number, timeoutMs: number): void {
    const waiter: Waiter = { client, offset, needed, timer: undefined };
    if (timeoutMs > 0) waiter.timer = setTimeout(() => this.release(waiter), timeoutMs);
    client.paused = true;
    this.waiters.set(client, waiter);
    this.repl.requestAcks();
  }

  /** An ACK arrived or a replica left: release the clients whose wait is over. */
  acked(): void {
    for (const w of [...this.waiters.values()]) if (this.repl.replicasAt(w.offset) >= w.needed) this.release(w);
  }

  forget(client: Client): void {
    const w = this.waiters.get(client);
    if (w === undefined) return;
    if (w.timer !== undefined) clearTimeout(w.timer);
    this.waiters.delete(client);
  }

  /** Answers every waiting client with the count reached so far (the server is closing or demoted). */
  clear(): void {
    for (const w of [...this.waiters.values()]) this.release(w);
  }

  private release(w: Waiter): void {
    if (this.waiters.get(w.client) !== w) return;
    this.forget(w.client);
    const client = w.client;
    client.paused = false;
    client.writer.int(this.repl.replicasAt(w.offset));
    client.flush();
    client.transport?.resume();
  }
}
