// What consumer-group reads and claims propagate, in Redis' words (streamPropagateXCLAIM,
// streamPropagateGroupID, streamPropagateConsumerCreation): effects that replay to the same PELs,
// counters and consumers on a replica or from the AOF, whatever the time of the replay.
import type { CommandContext } from '../engine/types.js';
import type { ConsumerGroup, PendingEntry } from '../structures/stream-groups.js';
import { formatId, type StreamID } from '../structures/stream-id.js';

export class StreamEffects {
  private readonly list: string[][] = [];

  xclaim(key: string, group: ConsumerGroup, id: StreamID, pe: PendingEntry): void {
    this.list.push([
      'XCLAIM', key, group.name, pe.consumer.name, '0', formatId(id),
      'TIME', String(pe.deliveryTime), 'RETRYCOUNT', String(pe.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(group.lastId),
    ]);
  }

  setId(key: string, group: ConsumerGroup): void {
    this.list.push(['XGROUP', 'SETID', key, group.name, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
  }

  createConsumer(key: string, group: ConsumerGroup, consumer: string): void {
    this.list.push(['XGROUP', 'CREATECONSUMER', key, group.name, consumer]);
  }

  get size(): number {
    return this.list.length;
  }

  /** Replaces the command's own propagation with the effects collected (nothing if none). */
  emit(ctx: CommandContext): void {
    if (this.list.length === 0) return;
    ctx.dirty();
    ctx.propagateAs(this.list[0]);
    for (let i = 1; i < this.list.length; i++) ctx.alsoPropagate(this.list[i]);
  }
}
