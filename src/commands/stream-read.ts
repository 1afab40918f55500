// XREAD and XREADGROUP (Redis' xreadCommand), with BLOCK through the blocking registry: a blocked
// call is run again when one of its keys changes and then serves only the key that woke it, as
// serveClientsBlockedOnStreamKey does. `$` is resolved to the stream's last ID before blocking (the
// argv the registry keeps is rewritten), and a group read blocks for `>`, re-read at wake-up time.
import * as E from '../engine/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import type { StreamValue } from '../structures/stream.js';
import { idRange, INVALID_ENTRIES_READ, type ConsumerGroup, type StreamConsumer } from '../structures/stream-groups.js';
import { formatId, MAX_ID, MIN_ID, parseStreamId, INVALID_ID, type StreamID } from '../structures/stream-id.js';
import { intOrReply, is } from './args.js';
import { StreamEffects } from './stream-effects.js';
import { msTimeoutOrReply } from './stream-args.js';
import { replyEntries, replyEntry } from './stream-reply.js';

/** Redis' XREAD_BLOCKED_DEFAULT_COUNT: what a woken read without COUNT returns at most. */
const BLOCKED_DEFAULT_COUNT = 1000;
/** The `>` ID: serve entries never delivered to the group. */
const NEW_ENTRIES = MAX_ID;

interface ReadArgs {
  count: number;
  /** Milliseconds to block (0 = forever), undefined without BLOCK. */
  block: number | undefined;
  streamsAt: number;
  nkeys: number;
  group: string | undefined;
  consumer: string;
  noack: boolean;
}

/** argv arrays of reads that blocked: their next run is a wake-up (see lists.ts for the idea). */
const blockedReads = new WeakSet<string[]>();

/** A script's own client has no connection (as SORT tells scripts apart): Redis refuses BLOCK there. */
const fromScript = (ctx: CommandContext): boolean => ctx.client.transport === null && !ctx.client.mustObey;

function readArgsOrReply(ctx: CommandContext, argv: string[], xreadgroup: boolean): ReadArgs | undefined {
  const reply = ctx.reply;
  const a: ReadArgs = { count: 0, block: undefined, streamsAt: 0, nkeys: 0, group: undefined, consumer: '', noack: false };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i];
    if (is(o, 'BLOCK') && more > 0) {
      if (fromScript(ctx)) return void reply.error(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      a.block = msTimeoutOrReply(reply, argv[++i]);
      if (a.block === undefined) return undefined;
    } else if (is(o, 'COUNT') && more > 0) {
      const n = intOrReply(reply, argv[++i]);
      if (n === undefined) return undefined;
      a.count = n < 0 ? 0 : n;
    } else if (is(o, 'STREAMS') && more > 0) {
      a.streamsAt = i + 1;
      const n = argv.length - a.streamsAt;
      // Redis 7.0 words it the same for XREADGROUP.
      if (n % 2 !== 0) return void reply.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      a.nkeys = n / 2;
      break;
    } else if (is(o, 'GROUP') && more >= 2) {
      if (!xreadgroup) return void reply.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      a.group = argv[i + 1];
      a.consumer = argv[i + 2];
      i += 2;
    } else if (is(o, 'NOACK')) {
      if (!xreadgroup) return void reply.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      a.noack = true;
    } else return void reply.error(E.SYNTAX);
  }
  if (a.streamsAt === 0) return void reply.error(E.SYNTAX);
  if (xreadgroup && a.group === undefined) return void reply.error('ERR Missing GROUP option for XREADGROUP');
  return a;
}

interface ReadTarget {
  key: string;
  stream: StreamValue | null;
  group: ConsumerGroup | undefined;
  /** Entries must be above this; NEW_ENTRIES for a group's `>`. */
  after: StreamID;
}

/** Checks every key and ID before anything is served, in Redis' order; undefined after an error. */
function targetsOrReply(ctx: CommandContext, argv: string[], a: ReadArgs): ReadTarget[] | undefined {
  const out: ReadTarget[] = [];
  for (let i = 0; i < a.nkeys; i++) {
    const key = argv[a.streamsAt + i];
    const idArg = argv[a.streamsAt + a.nkeys + i];
    const v = ctx.db.lookupRead(key);
    if (v !== undefined && (typeof v !== 'object' || v.type !== 'stream')) return void ctx.reply.error(E.WRONGTYPE);
    const stream = v === undefined ? null : v;
    let group: ConsumerGroup | undefined;
    if (a.group !== undefined) {
      group = stream?.groups.get(a.group);
      if (group === undefined) return void ctx.reply.error(`NOGROUP No such key '${key}' or consumer group '${a.group}' in XREADGROUP with GROUP option`);
    }
    let after: StreamID;
    if (idArg === '$') {
      if (a.group !== undefined) {
        return void ctx.reply.error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      after = stream === null ? MIN_ID : stream.lastId;
    } else if (idArg === '>') {
      if (a.group === undefined) return void ctx.reply.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      after = NEW_ENTRIES;
    } else {
      const p = parseStreamId(idArg, 0n, true);
      if (p === undefined) return void ctx.reply.error(INVALID_ID);
      after = p.id;
    }
    out.push({ key, stream, group, after });
  }
  return out;
}

/** The reading consumer, created on first use; `created` says whether this call made it. */
function consumerFor(ctx: CommandContext, t: ReadTarget, name: string): { consumer: StreamConsumer; created: boolean } {
  const group = t.group!;
  const now = ctx.server.keyspace.now;
  let c = group.consumers.get(name);
  const created = c === undefined;
  if (c === undefined) {
    c = group.createConsumer(name, now);
    ctx.notify('stream', 'xgroup-createconsumer', t.key);
  }
  c.seenTime = now;
  return { consumer: c, created };
}

/**
 * Entries after the group's last delivered ID, now delivered to `consumer` (streamReplyWithRange).
 * Propagated as Redis 7.0 does: an XCLAIM per entry; with NOACK (no XCLAIM to carry them) the
 * consumer's creation and the group's new last ID instead.
 */
function serveNewEntries(ctx: CommandContext, t: ReadTarget, reader: { consumer: StreamConsumer; created: boolean }, count: number, noack: boolean, fx: StreamEffects): void {
  const consumer = reader.consumer;
  const s = t.stream!;
  const group = t.group!;
  const entries = group.lastId === MAX_ID ? [] : s.range(group.lastId + 1n, MAX_ID, count, false);
  const now = ctx.server.keyspace.now;
  let moved = false;
  for (const [id] of entries) {
    if (id > group.lastId) {
      if (group.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, MAX_ID)) group.entriesRead++;
      else if (s.entriesAdded > 0) group.entriesRead = s.entriesUpTo(id);
      group.lastId = id;
      moved = true;
    }
    if (!noack) fx.xclaim(t.key, group, id, group.deliver(id, consumer, now));
  }
  if (noack && moved) {
    if (reader.created) fx.createConsumer(t.key, group, consumer.name);
    fx.setId(t.key, group);
  }
  replyEntries(ctx.reply, entries);
}

/**
 * A consumer's own pending entries after `after` (streamReplyWithRangeFromConsumerPEL). Their
 * delivery counts and times change, which Redis 7.0 does not propagate.
 */
function serveHistory(ctx: CommandContext, t: ReadTarget, consumer: StreamConsumer, count: number): void {
  const s = t.stream!;
  const now = ctx.server.keyspace.now;
  const pending = t.after === MAX_ID ? [] : idRange(consumer.pel, t.after + 1n, MAX_ID, count);
  ctx.reply.array(pending.length);
  for (const [id, pe] of pending) {
    const fields = s.entries.get(id);
    if (fields === undefined) {
      // Deleted since it was delivered: Redis shows the ID with no fields.
      ctx.reply.array(2);
      ctx.reply.bulk(formatId(id));
      ctx.reply.nullArray();
      continue;
    }
    replyEntry(ctx.reply, id, fields);
    pe.deliveryTime = now;
    pe.deliveryCount++;
  }
}

function lastValidId(s: StreamValue): StreamID {
  return s.entries.maxKey() ?? MIN_ID;
}

/** Serves one stream now if Redis would (xreadCommand's serve_synchronously); false otherwise. */
function wouldServe(t: ReadTarget): boolean {
  const s = t.stream;
  if (s === null) return false;
  if (t.group !== undefined) return t.after !== NEW_ENTRIES || (s.length > 0 && lastValidId(s) > t.group.lastId);
  return s.length > 0 && lastValidId(s) > t.after;
}

function serveOne(ctx: CommandContext, t: ReadTarget, a: ReadArgs, count: number, fx: StreamEffects): void {
  if (ctx.reply.resp === 2) ctx.reply.array(2);
  ctx.reply.bulk(t.key);
  if (t.group === undefined) {
    const entries = t.after === MAX_ID ? [] : t.stream!.range(t.after + 1n, MAX_ID, count, false);
    return replyEntries(ctx.reply, entries);
  }
  const reader = consumerFor(ctx, t, a.consumer);
  if (t.after === NEW_ENTRIES) serveNewEntries(ctx, t, reader, count, a.noack, fx);
  else serveHistory(ctx, t, reader.consumer, count);
  // The PEL and consumers grew: memory accounting must see it.
  ctx.db.touchValue(t.key);
}

function openReply(reply: Reply, n: number): void {
  if (reply.resp === 2) reply.array(n);
  else reply.map(n);
}

/** A blocked read's wake-up from `key`: served, an error, or blocked again. */
function wakeUp(ctx: CommandContext, argv: string[], a: ReadArgs, key: string): void {
  const i = argv.indexOf(key, a.streamsAt) - a.streamsAt;
  const v = ctx.db.peek(key);
  const stream = typeof v === 'object' && v.type === 'stream' ? v : null;
  if (a.group !== undefined && stream === null) return ctx.reply.error('UNBLOCKED the stream key no longer exists');
  let group: ConsumerGroup | undefined;
  if (a.group !== undefined) {
    group = stream!.groups.get(a.group);
    if (group === undefined) return ctx.reply.error('NOGROUP the consumer group this client was blocked on no longer exists');
  }
  const after = group !== undefined ? group.lastId : parseStreamId(argv[a.streamsAt + a.nkeys + i], 0n, true)!.id;
  if (stream === null || stream.lastId <= after) return reblock(ctx, argv, a);
  const fx = new StreamEffects();
  openReply(ctx.reply, 1);
  serveOne(ctx, { key, stream, group, after: group !== undefined ? NEW_ENTRIES : after }, a, a.count || BLOCKED_DEFAULT_COUNT, fx);
  fx.emit(ctx);
}

function reblock(ctx: CommandContext, argv: string[], a: ReadArgs): void {
  blockedReads.add(argv);
  ctx.blockOn(argv.slice(a.streamsAt, a.streamsAt + a.nkeys), a.block!, (reply) => reply.nullArray(), { wakeOnDelete: a.group !== undefined });
}

function xreadGeneric(ctx: CommandContext, argv: string[], xreadgroup: boolean): void {
  const a = readArgsOrReply(ctx, argv, xreadgroup);
  if (a === undefined) return;
  const woken = blockedReads.delete(argv) ? ctx.server.blocking.wokenBy : undefined;
  if (woken !== undefined) return wakeUp(ctx, argv, a, woken);
  const targets = targetsOrReply(ctx, argv, a);
  if (targets === undefined) return;
  const served = targets.filter(wouldServe);
  if (served.length > 0) {
    const fx = new StreamEffects();
    openReply(ctx.reply, served.length);
    for (const t of served) serveOne(ctx, t, a, a.count, fx);
    return fx.emit(ctx);
  }
  if (a.block === undefined || !ctx.canBlock) return ctx.reply.nullArray();
  // `$` means "after what is there now": the call run again at wake-up must not re-resolve it.
  targets.forEach((t, i) => {
    if (argv[a.streamsAt + a.nkeys + i] === '$') argv[a.streamsAt + a.nkeys + i] = formatId(t.after);
  });
  reblock(ctx, argv, a);
}

/** Keys of XREAD/XREADGROUP: the first half of what follows STREAMS. */
function readKeys(argv: readonly string[]): number[] {
  for (let i = 1; i < argv.length; i++) {
    if (is(argv[i], 'STREAMS')) {
      const n = Math.floor((argv.length - i - 1) / 2);
      return Array.from({ length: n }, (_, j) => i + 1 + j);
    }
    if (is(argv[i], 'GROUP')) i += 2;
    else if (is(argv[i], 'BLOCK') || is(argv[i], 'COUNT')) i++;
  }
  return [];
}

const movable: [number, number, number] = [0, 0, 0];

export const streamReadCommands: CommandSpec[] = [
  { name: 'xread', arity: -4, flags: ['readonly', 'blocking', 'movablekeys'], keys: movable, getKeys: readKeys, group: 'stream', since: '5.0.0', summary: 'Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.', complexity: 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.', run: (ctx, argv) => xreadGeneric(ctx, argv, false) },
  { name: 'xreadgroup', arity: -7, flags: ['write', 'blocking', 'movablekeys'], keys: movable, getKeys: readKeys, group: 'stream', since: '5.0.0', summary: 'Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.', complexity: 'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.', run: (ctx, argv) => xreadGeneric(ctx, argv, true) },
];
