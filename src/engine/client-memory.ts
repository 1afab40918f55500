// Clients' buffers in used_memory, and Redis 7's client eviction (maxmemory-clients). As in Redis,
// a normal client's query buffer and unsent output are part of used_memory, so maxmemory evicts keys
// when many clients hold big replies; replicas' output is left out, as Redis' freeMemoryGetNotCountedMemory
// leaves it. Each client's bytes are re-measured when its connection flushes and on every cron tick
// (the socket drains without our code running), and kept as a running total so used_memory stays O(1).
// Over maxmemory-clients, the clients using most memory are disconnected first, except masters,
// replicas and CLIENT NO-EVICT ones (Redis' evictClients).
import type { Client } from './client.js';

export interface ClientMemoryLog {
  verbose(message: string): void;
}

export class ClientMemory {
  /** Bytes counted in used_memory: the sum of every tracked client's last measure. */
  total = 0;
  /** INFO stats evicted_clients. */
  evicted = 0;
  private readonly bytes = new Map<Client, number>();
  /** maxmemory-clients in bytes (a percentage already applied to maxmemory); 0 is no limit. */
  limit = 0;
  private evicting = false;

  constructor(private readonly log: ClientMemoryLog) {}

  /** Re-measures one client; evicts clients when the total passes maxmemory-clients. */
  track(client: Client): void {
    const t = client.transport;
    if (t === null) return;
    const now = client.isReplica ? 0 : t.outputBytes() + t.queryBytes();
    const before = this.bytes.get(client) ?? 0;
    if (now === before) return;
    if (now === 0) this.bytes.delete(client);
    else this.bytes.set(client, now);
    this.total += now - before;
    if (this.limit > 0 && this.total > this.limit) this.evict();
  }

  /** The client is gone: its buffers with it. */
  forget(client: Client): void {
    const before = this.bytes.get(client);
    if (before === undefined) return;
    this.bytes.delete(client);
    this.total -= before;
  }

  /** A tracked client's bytes (CLIENT LIST tot-mem's buffer part). */
  of(client: Client): number {
    return this.bytes.get(client) ?? 0;
  }

  private evict(): void {
    if (this.evicting) return;
    this.evicting = true;
    try {
      const candidates = [...this.bytes].filter(([c]) => !c.isMaster && !c.isReplica && !c.noEvict && !c.closing);
      candidates.sort((a, b) => b[1] - a[1]);
      for (const [c, bytes] of candidates) {
        if (this.total <= this.limit) break;
        this.log.verbose(`Evicting client: id=${c.id} addr=${c.transport?.addr ?? ''} (${bytes} bytes of buffers; maxmemory-clients ${this.limit})`);
        this.evicted++;
        this.forget(c);
        c.transport?.close(false);
      }
    } finally {
      this.evicting = false;
    }
  }
}

/** maxmemory-clients as bytes: bytes, or 'N%' of maxmemory (no limit without maxmemory). */
export function clientsLimit(raw: string, maxmemory: number): number {
  if (!raw.endsWith('%')) return Number(raw);
  return Math.floor((maxmemory * Number(raw.slice(0, -1))) / 100);
}
