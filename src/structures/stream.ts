// A Redis stream: entries ordered by ID in a B-tree (range reads O(log n + count)), the metadata
// Redis 7.0 keeps (last generated ID, max deleted ID, entries added), its consumer groups, and a
// model of the listpack nodes Redis would store them in (stream-nodes.ts) so that approximate
// trimming removes what Redis removes.
import sortedBtree from 'sorted-btree';
import { idRange, type ConsumerGroup } from './stream-groups.js';
import { compareIds, formatId, MIN_ID, type StreamID } from './stream-id.js';
import { needsNewNode, nodeIndexOf, StreamNode, type NodeLimits } from './stream-nodes.js';
import { stringBytes } from './values.js';

const BTree = sortedBtree.default;

/** Per entry: the 128-bit bigint ID, its B-tree slot and the fields array. */
const ENTRY_OVERHEAD = 88;
/** Per pending entry: the PendingEntry object and its slots in the group's and the consumer's PEL. */
const PENDING_OVERHEAD = 120;
const GROUP_OVERHEAD = 260;
const CONSUMER_OVERHEAD = 180;
const NODE_OVERHEAD = 96;

/** An entry's [field, value, ...] array; it also caches the entry's ID as text, which replies need. */
export type EntryFields = string[] & { idText?: string };

export type TrimStrategy = 'maxlen' | 'minid';

export interface TrimArgs {
  strategy: TrimStrategy;
  maxlen: number;
  minid: StreamID;
  approx: boolean;
  /** At most this many entries removed (0: no limit). */
  limit: number;
}

/** An entry's heap: its overhead, the array and its strings, and the cached ID text with its property slot. */
function fieldsBytes(fields: EntryFields): number {
  let n = ENTRY_OVERHEAD + 16 + 8 * fields.length;
  for (const f of fields) n += stringBytes(f.length);
  if (fields.idText !== undefined) n += 24 + stringBytes(fields.idText.length);
  return n;
}

export class StreamValue {
  readonly type = 'stream' as const;
  readonly entries = new BTree<StreamID, EntryFields>(undefined, compareIds);
  /** Listpack nodes Redis would have, ordered by master ID. */
  private nodes: StreamNode[] = [];
  lastId: StreamID = MIN_ID;
  maxDeletedId: StreamID = MIN_ID;
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();
  private entryBytes = 0;

  get length(): number {
    return this.entries.size;
  }

  /** Memory accounting: entries kept incrementally, groups counted from their sizes. */
  get bytes(): number {
    let n = this.entryBytes + this.nodes.length * NODE_OVERHEAD;
    for (const g of this.groups.values()) {
      n += GROUP_OVERHEAD + stringBytes(g.name.length) + g.pel.size * PENDING_OVERHEAD;
      for (const c of g.consumers.values()) n += CONSUMER_OVERHEAD + stringBytes(c.name.length);
    }
    return n;
  }

  /** Redis' radix-tree-keys: one per listpack node. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Master IDs of the listpack nodes (the rax keys). */
  nodeKeys(): StreamID[] {
    return this.nodes.map((n) => n.master);
  }

  /** Redis' first_id (recorded-first-entry-id): the first live entry, 0-0 when empty. */
  get firstId(): StreamID {
    return this.entries.minKey() ?? MIN_ID;
  }

  encoding(): 'stream' {
    return 'stream';
  }

  /** Appends an entry whose ID the caller checked is above lastId. `fields` is [f1, v1, f2, v2...]. */
  append(id: StreamID, fields: EntryFields, limits: NodeLimits): void {
    let tail = this.nodes[this.nodes.length - 1];
    if (needsNewNode(tail, fields, limits)) {
      const names = new Array<string>(fields.length / 2);
      for (let i = 0; i < names.length; i++) names[i] = fields[2 * i];
      tail = new StreamNode(id, names);
      this.nodes.push(tail);
    }
    tail.append(id, fields);
    fields.idText ??= formatId(id);
    this.entries.set(id, fields);
    this.entryBytes += fieldsBytes(fields);
    this.lastId = id;
    this.entriesAdded++;
  }

  /** XDEL of one ID: true if it existed. Updates max-deleted-entry-id. */
  delete(id: StreamID): boolean {
    const fields = this.entries.get(id);
    if (fields === undefined) return false;
    this.entries.delete(id);
    this.entryBytes -= fieldsBytes(fields);
    const i = nodeIndexOf(this.nodes, id);
    const node = this.nodes[i];
    node.markDeleted();
    if (node.live === 0) this.nodes.splice(i, 1);
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    return true;
  }

  /** Redis' streamTrim: whole nodes first, then (unless approximate) entries of the next node. */
  trim(args: TrimArgs): number {
    let removed = 0;
    let dropNodes = 0;
    for (const node of this.nodes) {
      if (args.strategy === 'maxlen' && this.length <= args.maxlen) break;
      if (args.limit > 0 && removed + node.live > args.limit) break;
      const whole = args.strategy === 'maxlen' ? this.length - node.live >= args.maxlen : node.last < args.minid;
      if (whole) {
        removed += node.live;
        this.dropRange(node.master, node.last);
        dropNodes++;
        continue;
      }
      if (!args.approx) removed += this.trimWithin(node, args);
      break;
    }
    if (dropNodes > 0) this.nodes.splice(0, dropNodes);
    return removed;
  }

  /** Entries in [start, end] ascending (or descending), at most `count` (0: all). */
  range(start: StreamID, end: StreamID, count: number, reverse: boolean): [StreamID, EntryFields][] {
    if (start > end) return [];
    if (!reverse) return idRange(this.entries, start, end, count);
    const out: [StreamID, EntryFields][] = [];
    for (const pair of this.entries.entriesReversed(end)) {
      if (pair[0] < start) break;
      out.push(pair);
      if (out.length === count) break;
    }
    return out;
  }

  /** Redis' streamRangeHasTombstones: may an entry deleted from [start, end] still count as read? */
  rangeHasTombstones(start: StreamID, end: StreamID): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /**
   * Redis' streamEstimateDistanceFromFirstEverEntry: the logical number of `id` (how many entries
   * were ever added up to it), or INVALID_ENTRIES_READ (-1) when deletions make it unknowable.
   */
  entriesUpTo(id: StreamID): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return -1;
    const first = this.firstId;
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < first) {
      if (id < first) return this.entriesAdded - this.length;
      if (id === first) return this.entriesAdded - this.length + 1;
    }
    return -1;
  }

  /** The first live entry ID at or after `id`, if any. */
  firstAtOrAfter(id: StreamID): StreamID | undefined {
    return this.entries.getPairOrNextHigher(id)?.[0];
  }

  /** Puts back a listpack node read from an RDB file: its master fields and live entries, in order. */
  restoreNode(master: StreamID, masterFields: readonly string[], entries: readonly [StreamID, EntryFields][]): void {
    const node = new StreamNode(master, masterFields);
    for (const [id, fields] of entries) {
      fields.idText = formatId(id);
      node.append(id, fields);
      this.entries.set(id, fields);
      this.entryBytes += fieldsBytes(fields);
    }
    this.nodes.push(node);
  }

  /** The nodes holding live entries, for writing an RDB: master ID, master fields, entries. */
  liveNodes(): { master: StreamID; masterFields: readonly string[]; entries: [StreamID, string[]][] }[] {
    const out = [];
    for (const n of this.nodes) {
      if (n.live === 0) continue;
      out.push({ master: n.master, masterFields: n.masterFields, entries: idRange(this.entries, n.master, n.last, 0) });
    }
    return out;
  }

  clone(): StreamValue {
    const s = new StreamValue();
    for (const [id, fields] of this.entries.entries()) s.entries.set(id, fields);
    s.nodes = this.nodes.map((n) => n.clone());
    s.lastId = this.lastId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    s.entryBytes = this.entryBytes;
    for (const [name, g] of this.groups) s.groups.set(name, g.clone());
    return s;
  }

  private dropRange(first: StreamID, last: StreamID): void {
    this.entries.forRange(first, last, true, (_id, fields) => {
      this.entryBytes -= fieldsBytes(fields);
    });
    this.entries.deleteRange(first, last, true);
  }

  /** Exact trimming inside one node: entries are marked deleted one by one. */
  private trimWithin(node: StreamNode, args: TrimArgs): number {
    let removed = 0;
    const doomed: StreamID[] = [];
    for (const [id, fields] of this.entries.entries(node.master)) {
      if (id > node.last) break;
      if (args.strategy === 'maxlen' ? this.length - removed <= args.maxlen : id >= args.minid) break;
      doomed.push(id);
      this.entryBytes -= fieldsBytes(fields);
      node.markDeleted();
      removed++;
    }
    this.entries.deleteKeys(doomed);
    return removed;
  }
}
