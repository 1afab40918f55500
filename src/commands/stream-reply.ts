// How stream entries are written in replies: [id, [field, value, ...]], as Redis' streamReplyWithRange.
import type { Reply } from '../protocol/reply.js';
import type { EntryFields } from '../structures/stream.js';
import { formatId, type StreamID } from '../structures/stream-id.js';

export function replyEntry(reply: Reply, id: StreamID, fields: EntryFields): void {
  reply.array(2);
  // Formatting a 128-bit bigint is a quarter of an XRANGE's time: each entry keeps its text.
  reply.bulk((fields.idText ??= formatId(id)));
  reply.bulks(fields);
}

export function replyEntries(reply: Reply, entries: readonly (readonly [StreamID, EntryFields])[]): void {
  reply.array(entries.length);
  for (const [id, fields] of entries) replyEntry(reply, id, fields);
}
