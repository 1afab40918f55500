// Stream commands on entries (Redis t_stream.c): XADD with its ID forms and trimming, XRANGE and
// XREVRANGE, XLEN, XDEL, XTRIM and XSETID. Consumer groups are in stream-groups-cmd.ts, the reads
// (XREAD, XREADGROUP) in stream-read.ts, XINFO in stream-info.ts.
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import { StreamValue, type EntryFields } from '../structures/stream.js';
import { formatId, idMs, idSeq, makeId, MAX_ID, MIN_ID, U64_MAX, type ParsedId, type StreamID } from '../structures/stream-id.js';
import type { NodeLimits } from '../structures/stream-nodes.js';
import { intOrReply, is } from './args.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import { addTrimArgsOrReply, exactTrimArgv, intervalIdOrReply, strictIdOrReply, type AddTrimArgs } from './stream-args.js';
import { replyEntries } from './stream-reply.js';
import { streamGroupCommands } from './stream-groups-cmd.js';
import { streamInfoCommand } from './stream-info.js';
import { streamReadCommands } from './stream-read.js';

const ID_TOO_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';

export function nodeLimits(ctx: CommandContext): NodeLimits {
  const config = ctx.server.config;
  return { maxBytes: config.getNumber('stream-node-max-bytes'), maxEntries: config.getNumber('stream-node-max-entries') };
}

/** The ID an XADD gets (streamNextID and the explicit forms); undefined after replying an error. */
function newIdOrReply(ctx: CommandContext, s: StreamValue, given: ParsedId | undefined): StreamID | undefined {
  const last = s.lastId;
  if (given === undefined) {
    const ms = BigInt(Date.now());
    if (ms > idMs(last)) return makeId(ms, 0n);
    return last + 1n;
  }
  if (!given.seqGiven) {
    const ms = idMs(given.id);
    const lastMs = idMs(last);
    if (ms > lastMs) return makeId(ms, 0n);
    if (ms < lastMs || idSeq(last) === U64_MAX) return void ctx.reply.error(ID_TOO_SMALL);
    return last + 1n;
  }
  if (given.id <= last) return void ctx.reply.error(ID_TOO_SMALL);
  return given.id;
}

/** After an approximate trim, what a replica needs to trim exactly the same entries. */
function reachedThreshold(s: StreamValue, a: AddTrimArgs): string {
  if (a.trim!.strategy === 'maxlen') return String(s.length);
  return formatId(s.length > 0 ? s.firstId : MAX_ID);
}

/** Trims per the parsed options: the `xtrim` event when anything went. Returns how many went. */
function trimIfAsked(ctx: CommandContext, key: string, s: StreamValue, a: AddTrimArgs): number {
  if (a.trim === undefined) return 0;
  const removed = s.trim(a.trim);
  if (removed > 0) ctx.notify('stream', 'xtrim', key);
  return removed;
}

function xadd(ctx: CommandContext, argv: string[]): void {
  const a = addTrimArgsOrReply(ctx.reply, argv, true, ctx.server.config.getNumber('stream-node-max-entries'), ctx.client.mustObey);
  if (a === undefined) return;
  const fieldPos = a.idIndex + 1;
  const nfields = argv.length - fieldPos;
  if (nfields < 2 || nfields % 2 === 1) return ctx.reply.error(E.wrongArity('xadd'));
  if (a.id !== undefined && a.id.seqGiven && a.id.id === MIN_ID) return ctx.reply.error('ERR The ID specified in XADD must be greater than 0-0');
  const key = argv[1];
  const existing = writeTypedOrReply(ctx, key, 'stream');
  if (existing === undefined) return;
  if (existing === null && a.noMkStream) return ctx.reply.nil();
  const s = existing ?? new StreamValue();
  if (s.lastId === MAX_ID) return ctx.reply.error('ERR The stream has exhausted the last possible ID, unable to add more items');
  const id = newIdOrReply(ctx, s, a.id);
  if (id === undefined) return;
  const idText = formatId(id);
  const fields: EntryFields = argv.slice(fieldPos);
  fields.idText = idText;
  s.append(id, fields, nodeLimits(ctx));
  ctx.reply.bulk(idText);
  ctx.notify('stream', 'xadd', key);
  ctx.dirty();
  trimIfAsked(ctx, key, s, a);
  if (existing === null) ctx.db.setKey(key, s);
  else ctx.db.touchValue(key);
  const approx = a.trim?.approx === true;
  if (approx || a.id === undefined || !a.id.seqGiven) {
    const head = exactTrimArgv(argv, a, approx ? reachedThreshold(s, a) : argv[a.thresholdIndex], a.idIndex);
    ctx.propagateAs([...head, idText, ...argv.slice(fieldPos)]);
  }
}

function xtrim(ctx: CommandContext, argv: string[]): void {
  const a = addTrimArgsOrReply(ctx.reply, argv, false, ctx.server.config.getNumber('stream-node-max-entries'), ctx.client.mustObey);
  if (a === undefined) return;
  const key = argv[1];
  const s = writeTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.int(0);
  const removed = trimIfAsked(ctx, key, s, a);
  ctx.reply.int(removed);
  if (removed === 0) return;
  ctx.db.touchValue(key);
  ctx.dirty(removed);
  if (a.trim!.approx) ctx.propagateAs(exactTrimArgv(argv, a, reachedThreshold(s, a), argv.length));
}

function rangeGeneric(ctx: CommandContext, argv: string[], reverse: boolean): void {
  const start = intervalIdOrReply(ctx.reply, reverse ? argv[3] : argv[2], 0n, true);
  if (start === undefined) return;
  const end = intervalIdOrReply(ctx.reply, reverse ? argv[2] : argv[3], U64_MAX, false);
  if (end === undefined) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (!is(argv[j], 'COUNT') || j + 1 >= argv.length) return ctx.reply.error(E.SYNTAX);
    const n = intOrReply(ctx.reply, argv[++j]);
    if (n === undefined) return;
    count = n < 0 ? 0 : n;
  }
  const s = readTypedOrReply(ctx, argv[1], 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.array(0);
  if (count === 0) return ctx.reply.nullArray();
  replyEntries(ctx.reply, s.range(start, end, count === -1 ? 0 : count, reverse));
}

function xlen(ctx: CommandContext, argv: string[]): void {
  const s = readTypedOrReply(ctx, argv[1], 'stream');
  if (s !== undefined) ctx.reply.int(s === null ? 0 : s.length);
}

function xdel(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const s = writeTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.int(0);
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = strictIdOrReply(ctx.reply, argv[j]);
    if (id === undefined) return;
    ids.push(id);
  }
  let deleted = 0;
  for (const id of ids) if (s.delete(id)) deleted++;
  if (deleted > 0) {
    ctx.db.touchValue(key);
    ctx.notify('stream', 'xdel', key);
    ctx.dirty(deleted);
  }
  ctx.reply.int(deleted);
}

function xsetid(ctx: CommandContext, argv: string[]): void {
  const id = strictIdOrReply(ctx.reply, argv[2]);
  if (id === undefined) return;
  let entriesAdded = -1;
  let maxDeleted = MIN_ID;
  for (let i = 3; i < argv.length; i += 2) {
    const more = i + 1 < argv.length;
    if (is(argv[i], 'ENTRIESADDED') && more) {
      const n = intOrReply(ctx.reply, argv[i + 1]);
      if (n === undefined) return;
      if (n < 0) return ctx.reply.error('ERR entries_added must be positive');
      entriesAdded = n;
    } else if (is(argv[i], 'MAXDELETEDID') && more) {
      const m = strictIdOrReply(ctx.reply, argv[i + 1]);
      if (m === undefined) return;
      if (id < m) return ctx.reply.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDeleted = m;
    } else return ctx.reply.error(E.SYNTAX);
  }
  const key = argv[1];
  const s = writeTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.error(E.NO_SUCH_KEY);
  if (s.length > 0) {
    if (id < s.entries.maxKey()!) return ctx.reply.error('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) return ctx.reply.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== MIN_ID) s.maxDeletedId = maxDeleted;
  ctx.db.touchValue(key);
  ctx.reply.ok();
  ctx.dirty();
  ctx.notify('stream', 'xsetid', key);
}

const key1: [number, number, number] = [1, 1, 1];

export const streamCommands: CommandSpec[] = [
  { name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'stream', since: '5.0.0', summary: 'Appends a new entry to a stream', complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.', run: xadd },
  { name: 'xrange', arity: -4, flags: ['readonly'], keys: key1, group: 'stream', since: '5.0.0', summary: 'Return a range of elements in a stream, with IDs matching the specified IDs interval', complexity: 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).', run: (ctx, argv) => rangeGeneric(ctx, argv, false) },
  { name: 'xrevrange', arity: -4, flags: ['readonly'], keys: key1, group: 'stream', since: '5.0.0', summary: 'Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE', complexity: 'O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).', run: (ctx, argv) => rangeGeneric(ctx, argv, true) },
  { name: 'xlen', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'stream', since: '5.0.0', summary: 'Return the number of entries in a stream', complexity: 'O(1)', run: xlen },
  { name: 'xdel', arity: -3, flags: ['write', 'fast'], keys: key1, group: 'stream', since: '5.0.0', summary: 'Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.', complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.', run: xdel },
  { name: 'xtrim', arity: -4, flags: ['write'], keys: key1, group: 'stream', since: '5.0.0', summary: "Trims the stream to (approximately if '~' is passed) a certain size", complexity: 'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.', run: xtrim },
  { name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: key1, group: 'stream', since: '5.0.0', summary: 'An internal command for replicating stream values', complexity: 'O(1)', run: xsetid },
  ...streamReadCommands,
  ...streamGroupCommands,
  streamInfoCommand,
];
