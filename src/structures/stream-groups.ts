// A stream's consumer groups (Redis' streamCG): the last delivered ID, the logical read counter
// behind `entries-read`/`lag`, the group's pending entries list (PEL) and its consumers, each with
// its own PEL. A pending entry is shared by the group's PEL and its owner's, as in Redis.
import sortedBtree from 'sorted-btree';
import { compareIds, type StreamID } from './stream-id.js';

// sorted-btree is CommonJS with `exports.default`; under Node's ESM interop the default import is the whole exports object.
const BTree = sortedBtree.default;
export type IdTree<V> = InstanceType<typeof BTree<StreamID, V>>;

export function newIdTree<V>(): IdTree<V> {
  return new BTree<StreamID, V>(undefined, compareIds);
}

/**
 * Pairs with keys in [low, high], at most `count` (0: all). sorted-btree's getRange returns one
 * pair more than its maxLength, so the result is cut to size here.
 */
export function idRange<V>(tree: IdTree<V>, low: StreamID, high: StreamID, count: number): [StreamID, V][] {
  const out = tree.getRange(low, high, true, count > 0 ? count : undefined);
  if (count > 0 && out.length > count) out.length = count;
  return out;
}

/** Redis' SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const INVALID_ENTRIES_READ = -1;

export class PendingEntry {
  constructor(
    public consumer: StreamConsumer,
    /** Last delivery, ms. */
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

export class StreamConsumer {
  readonly pel: IdTree<PendingEntry> = newIdTree();
  constructor(readonly name: string, public seenTime: number) {}
}

export class ConsumerGroup {
  readonly pel: IdTree<PendingEntry> = newIdTree();
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(readonly name: string, public lastId: StreamID, public entriesRead: number) {}

  /** Consumers in Redis' rax order (bytewise by name). */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  createConsumer(name: string, now: number): StreamConsumer {
    const c = new StreamConsumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** Removes a consumer and its pending entries from the group; returns how many were pending. */
  deleteConsumer(c: StreamConsumer): number {
    const n = c.pel.size;
    for (const id of c.pel.keys()) this.pel.delete(id);
    this.consumers.delete(c.name);
    return n;
  }

  /** Records a delivery of `id` to `consumer` (a new PEL entry, or one moved from its old owner). */
  deliver(id: StreamID, consumer: StreamConsumer, now: number): PendingEntry {
    const existing = this.pel.get(id);
    if (existing !== undefined) {
      // Read again with `>` after SETID moved the group back: Redis hands it to the reader, counted anew.
      existing.consumer.pel.delete(id);
      existing.consumer = consumer;
      existing.deliveryTime = now;
      existing.deliveryCount = 1;
      consumer.pel.set(id, existing);
      return existing;
    }
    const pe = new PendingEntry(consumer, now, 1);
    this.pel.set(id, pe);
    consumer.pel.set(id, pe);
    return pe;
  }

  /** Acknowledges `id`; true if it was pending. */
  ack(id: StreamID): boolean {
    const pe = this.pel.get(id);
    if (pe === undefined) return false;
    this.pel.delete(id);
    pe.consumer.pel.delete(id);
    return true;
  }

  /** Moves a pending entry to another consumer. */
  transfer(id: StreamID, pe: PendingEntry, to: StreamConsumer): void {
    if (pe.consumer === to) return;
    pe.consumer.pel.delete(id);
    pe.consumer = to;
    to.pel.set(id, pe);
  }

  clone(): ConsumerGroup {
    const g = new ConsumerGroup(this.name, this.lastId, this.entriesRead);
    for (const c of this.consumers.values()) {
      const copy = g.createConsumer(c.name, c.seenTime);
      for (const [id, pe] of c.pel.entries()) {
        const p = new PendingEntry(copy, pe.deliveryTime, pe.deliveryCount);
        copy.pel.set(id, p);
        g.pel.set(id, p);
      }
    }
    return g;
  }
}
