// How stream entries are written in replies: [id, [field, value, ...]], as Redis' streamReplyWithRange.
import { RespWriter, type Reply } from '../protocol/reply.js';
import type { EntryFields } from '../structures/stream.js';
import { formatId, type StreamID } from '../structures/stream-id.js';

/** The entry's RESP (the same in RESP2 and RESP3): one string, so a socket reply is one buffer write. */
function entryResp(idText: string, fields: EntryFields): string {
  let s = '*2\r\n$' + idText.length + '\r\n' + idText + '\r\n*' + fields.length + '\r\n';
  for (let i = 0; i < fields.length; i++) s += '$' + fields[i].length + '\r\n' + fields[i] + '\r\n';
  return s;
}

export function replyEntry(reply: Reply, id: StreamID, fields: EntryFields): void {
  // Formatting a 128-bit bigint is a quarter of an XRANGE's time: each entry keeps its text.
  const idText = (fields.idText ??= formatId(id));
  // Seven writes per entry made XRANGE of 100 spend ~40% of its time in the writer; a socket's
  // writer takes the entry in one (scripts' and other sinks get the same reply piece by piece).
  if (reply instanceof RespWriter) return reply.raw(entryResp(idText, fields));
  reply.array(2);
  reply.bulk(idText);
  reply.bulks(fields);
}

export function replyEntries(reply: Reply, entries: readonly (readonly [StreamID, EntryFields])[]): void {
  reply.array(entries.length);
  for (const [id, fields] of entries) replyEntry(reply, id, fields);
}
