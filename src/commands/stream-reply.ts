// How stream entries are written in replies: [id, [field, value, ...]], as Redis' streamReplyWithRange.
import type { Reply } from '../protocol/reply.js';
import { formatId, type StreamID } from '../structures/stream-id.js';

export function replyEntry(reply: Reply, id: StreamID, fields: readonly string[]): void {
  reply.array(2);
  reply.bulk(formatId(id));
  reply.bulks(fields);
}

export function replyEntries(reply: Reply, entries: readonly (readonly [StreamID, readonly string[]])[]): void {
  reply.array(entries.length);
  for (const [id, fields] of entries) replyEntry(reply, id, fields);
}
