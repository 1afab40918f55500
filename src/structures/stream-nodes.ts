// Where Redis would cut a stream into listpack nodes. Entries themselves live in the stream's
// B-tree; this keeps, per node Redis would have, its master ID and fields, its live and deleted
// counts and its listpack size, so that approximate trimming (which only drops whole nodes),
// `radix-tree-keys` and the node limits (stream-node-max-bytes/-entries) behave as in Redis.
import { LISTPACK_EMPTY_BYTES, listpackIntBytes, listpackStringBytes } from './listpack-size.js';
import { idMs, idSeq, type StreamID } from './stream-id.js';

/** A listpack is never allowed to grow past 1 GB (STREAM_LISTPACK_MAX_SIZE). */
const LISTPACK_MAX_SIZE = 1 << 30;
const FLAG_SAMEFIELDS = 2;

export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

export class StreamNode {
  /** Last ID written to the node, deleted or not (what Redis reads as the listpack's edge). */
  last: StreamID;
  live = 0;
  deleted = 0;
  /** Listpack bytes except the two counters, whose size changes with their value. */
  private body: number;

  constructor(readonly master: StreamID, readonly masterFields: readonly string[]) {
    this.last = master;
    let body = LISTPACK_EMPTY_BYTES + listpackIntBytes(masterFields.length) + listpackIntBytes(0);
    for (const f of masterFields) body += listpackStringBytes(f);
    this.body = body;
  }

  get bytes(): number {
    return this.body + listpackIntBytes(this.live) + listpackIntBytes(this.deleted);
  }

  /** Adds an entry's listpack elements, as streamAppendItem writes them. */
  append(id: StreamID, fields: readonly string[]): void {
    const n = fields.length / 2;
    const same = this.hasMasterFields(fields);
    let bytes = listpackIntBytes(same ? FLAG_SAMEFIELDS : 0);
    bytes += listpackIntBytes(Number(idMs(id) - idMs(this.master)));
    bytes += listpackIntBytes(Number(BigInt.asIntN(64, idSeq(id) - idSeq(this.master))));
    if (!same) bytes += listpackIntBytes(n);
    for (let i = 0; i < fields.length; i += 2) {
      if (!same) bytes += listpackStringBytes(fields[i]);
      bytes += listpackStringBytes(fields[i + 1]);
    }
    bytes += listpackIntBytes(same ? n + 3 : 2 * n + 4);
    this.body += bytes;
    this.live++;
    this.last = id;
  }

  clone(): StreamNode {
    const n = new StreamNode(this.master, this.masterFields);
    n.last = this.last;
    n.live = this.live;
    n.deleted = this.deleted;
    n.body = this.body;
    return n;
  }

  markDeleted(): void {
    this.live--;
    this.deleted++;
  }

  private hasMasterFields(fields: readonly string[]): boolean {
    const m = this.masterFields;
    if (m.length * 2 !== fields.length) return false;
    for (let i = 0; i < m.length; i++) if (m[i] !== fields[2 * i]) return false;
    return true;
  }
}

/** Redis' test in streamAppendItem: does the entry go to a new node? */
export function needsNewNode(tail: StreamNode | undefined, fields: readonly string[], limits: NodeLimits): boolean {
  if (tail === undefined) return true;
  const maxBytes = limits.maxBytes === 0 || limits.maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : limits.maxBytes;
  let total = 0;
  for (const f of fields) total += f.length;
  if (tail.bytes + total >= maxBytes) return true;
  return limits.maxEntries > 0 && tail.live + tail.deleted >= limits.maxEntries;
}

/** Index of the node holding `id` in `nodes` (ordered by master ID), or -1. */
export function nodeIndexOf(nodes: readonly StreamNode[], id: StreamID): number {
  let lo = 0;
  let hi = nodes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].master <= id) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
