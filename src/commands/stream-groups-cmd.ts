// Consumer-group commands (Redis t_stream.c): XGROUP and its subcommands, XACK, XPENDING, XCLAIM
// and XAUTOCLAIM. Claims replace their own propagation by XCLAIM effects (stream-effects.ts).
import * as E from '../engine/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import { StreamValue } from '../structures/stream.js';
import { ConsumerGroup, INVALID_ENTRIES_READ, PendingEntry, type StreamConsumer } from '../structures/stream-groups.js';
import { formatId, MAX_ID, MIN_ID, parseStreamId, U64_MAX, type StreamID } from '../structures/stream-id.js';
import { intOrReply, is, parseInteger } from './args.js';
import { readTypedOrReply, writeTypedOrReply } from './lookup.js';
import { idOrReply, intervalIdOrReply, strictIdOrReply } from './stream-args.js';
import { StreamEffects } from './stream-effects.js';
import { replyHelp } from './stream-info.js';
import { replyEntry } from './stream-reply.js';

const KEY_REQUIRED = 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

const noGroup = (key: string, group: string): string => `NOGROUP No such key '${key}' or consumer group '${group}'`;
const subcommandSyntax = (argv: string[]): string => `ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ${argv[0].toUpperCase()} HELP.`;

// ---- XGROUP ----

interface GroupTarget {
  stream: StreamValue;
  group: ConsumerGroup | undefined;
}

/** MKSTREAM and ENTRIESREAD after `XGROUP CREATE|SETID key group id`. */
function groupOptionsOrReply(reply: Reply, argv: string[]): { mkstream: boolean; entriesRead: number } | undefined {
  const create = is(argv[1], 'CREATE');
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length; i++) {
    if (create && is(argv[i], 'MKSTREAM')) mkstream = true;
    else if (is(argv[i], 'ENTRIESREAD') && i + 1 < argv.length) {
      const n = intOrReply(reply, argv[++i]);
      if (n === undefined) return undefined;
      if (n < 0 && n !== INVALID_ENTRIES_READ) return void reply.error('ERR value for ENTRIESREAD must be positive or -1');
      entriesRead = n;
    } else return void reply.error(subcommandSyntax(argv));
  }
  return { mkstream, entriesRead };
}

/** The stream and group an XGROUP subcommand works on, with Redis' errors for missing ones. */
function groupTargetOrReply(ctx: CommandContext, argv: string[], mkstream: boolean, needsGroup: boolean): GroupTarget | null | undefined {
  const stream = writeTypedOrReply(ctx, argv[2], 'stream');
  if (stream === undefined) return undefined;
  if (stream === null) {
    if (!mkstream) return void ctx.reply.error(KEY_REQUIRED);
    return null;
  }
  const group = stream.groups.get(argv[3]);
  if (group === undefined && needsGroup) return void ctx.reply.error(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
  return { stream, group };
}

function xgroupCreate(ctx: CommandContext, argv: string[]): void {
  const opts = groupOptionsOrReply(ctx.reply, argv);
  if (opts === undefined) return;
  if (argv.length > 8) return ctx.reply.error(subcommandSyntax(argv));
  const t = groupTargetOrReply(ctx, argv, opts.mkstream, false);
  if (t === undefined) return;
  let id: StreamID;
  if (argv[4] === '$') id = t === null ? MIN_ID : t.stream.lastId;
  else {
    const parsed = strictIdOrReply(ctx.reply, argv[4]);
    if (parsed === undefined) return;
    id = parsed;
  }
  const key = argv[2];
  let stream = t?.stream;
  if (stream === undefined) {
    stream = new StreamValue();
    ctx.db.setKey(key, stream);
  }
  if (stream.groups.has(argv[3])) return ctx.reply.error('BUSYGROUP Consumer Group name already exists');
  stream.groups.set(argv[3], new ConsumerGroup(argv[3], id, opts.entriesRead));
  ctx.db.touchValue(key);
  ctx.reply.ok();
  ctx.dirty();
  ctx.notify('stream', 'xgroup-create', key);
}

function xgroupSetid(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 5 && argv.length !== 7) return ctx.reply.error(subcommandSyntax(argv));
  const opts = groupOptionsOrReply(ctx.reply, argv);
  if (opts === undefined) return;
  const t = groupTargetOrReply(ctx, argv, false, true);
  if (!t) return;
  let id: StreamID;
  if (argv[4] === '$') id = t.stream.lastId;
  else {
    const parsed = idOrReply(ctx.reply, argv[4]);
    if (parsed === undefined) return;
    id = parsed;
  }
  t.group!.lastId = id;
  t.group!.entriesRead = opts.entriesRead;
  ctx.db.touchValue(argv[2]);
  ctx.reply.ok();
  ctx.dirty();
  ctx.notify('stream', 'xgroup-setid', argv[2]);
}

function xgroupDestroy(ctx: CommandContext, argv: string[]): void {
  const t = groupTargetOrReply(ctx, argv, false, false);
  if (!t) return;
  if (t.group === undefined) return ctx.reply.int(0);
  t.stream.groups.delete(argv[3]);
  // The change wakes clients blocked on the group: they get NOGROUP.
  ctx.db.touchValue(argv[2]);
  ctx.reply.int(1);
  ctx.dirty();
  ctx.notify('stream', 'xgroup-destroy', argv[2]);
}

function xgroupCreateConsumer(ctx: CommandContext, argv: string[]): void {
  const t = groupTargetOrReply(ctx, argv, false, true);
  if (!t) return;
  const group = t.group!;
  if (group.consumers.has(argv[4])) return ctx.reply.int(0);
  group.createConsumer(argv[4], ctx.server.keyspace.now);
  ctx.db.touchValue(argv[2]);
  ctx.dirty();
  ctx.notify('stream', 'xgroup-createconsumer', argv[2]);
  ctx.reply.int(1);
}

function xgroupDelConsumer(ctx: CommandContext, argv: string[]): void {
  const t = groupTargetOrReply(ctx, argv, false, true);
  if (!t) return;
  const consumer = t.group!.consumers.get(argv[4]);
  if (consumer === undefined) return ctx.reply.int(0);
  const pending = t.group!.deleteConsumer(consumer);
  ctx.db.touchValue(argv[2]);
  ctx.dirty();
  ctx.notify('stream', 'xgroup-delconsumer', argv[2]);
  ctx.reply.int(pending);
}

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  '      Set the group\'s entries_read counter (internal use).',
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

// ---- XACK ----

/** The group of `key` for XACK/XPENDING-style reads: null if key or group is missing. */
function groupOf(ctx: CommandContext, key: string, name: string): [StreamValue, ConsumerGroup] | null | undefined {
  const s = readTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return undefined;
  const g = s?.groups.get(name);
  return s === null || g === undefined ? null : [s, g];
}

function xack(ctx: CommandContext, argv: string[]): void {
  const found = groupOf(ctx, argv[1], argv[2]);
  if (found === undefined) return;
  if (found === null) return ctx.reply.int(0);
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = strictIdOrReply(ctx.reply, argv[j]);
    if (id === undefined) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) if (found[1].ack(id)) acked++;
  if (acked > 0) {
    ctx.db.touchValue(argv[1]);
    ctx.dirty(acked);
  }
  ctx.reply.int(acked);
}

// ---- XPENDING ----

interface PendingRange {
  minIdle: number;
  start: StreamID;
  end: StreamID;
  count: number;
  consumer: string | undefined;
}

function pendingRangeOrReply(reply: Reply, argv: string[]): PendingRange | undefined {
  let at = 3;
  let minIdle = 0;
  if (is(argv[3], 'IDLE')) {
    const n = intOrReply(reply, argv[4]);
    if (n === undefined) return undefined;
    if (argv.length < 8) return void reply.error(E.SYNTAX);
    minIdle = n;
    at += 2;
  }
  const count = intOrReply(reply, argv[at + 2]);
  if (count === undefined) return undefined;
  const start = intervalIdOrReply(reply, argv[at], 0n, true);
  if (start === undefined) return undefined;
  const end = intervalIdOrReply(reply, argv[at + 1], U64_MAX, false);
  if (end === undefined) return undefined;
  return { minIdle, start, end, count: count < 0 ? 0 : count, consumer: at + 3 < argv.length ? argv[at + 3] : undefined };
}

function replyPendingSummary(ctx: CommandContext, group: ConsumerGroup): void {
  ctx.reply.array(4);
  ctx.reply.int(group.pel.size);
  if (group.pel.size === 0) {
    ctx.reply.nil();
    ctx.reply.nil();
    ctx.reply.nullArray();
    return;
  }
  ctx.reply.bulk(formatId(group.pel.minKey()!));
  ctx.reply.bulk(formatId(group.pel.maxKey()!));
  const owners = group.sortedConsumers().filter((c) => c.pel.size > 0);
  ctx.reply.array(owners.length);
  for (const c of owners) {
    ctx.reply.array(2);
    ctx.reply.bulk(c.name);
    ctx.reply.bulk(String(c.pel.size));
  }
}

function xpending(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) return ctx.reply.error(E.SYNTAX);
  const range = argv.length >= 6 ? pendingRangeOrReply(ctx.reply, argv) : null;
  if (range === undefined) return;
  const found = groupOf(ctx, argv[1], argv[2]);
  if (found === undefined) return;
  if (found === null) return ctx.reply.error(noGroup(argv[1], argv[2]));
  const group = found[1];
  if (range === null) return replyPendingSummary(ctx, group);
  let pel = group.pel;
  if (range.consumer !== undefined) {
    const c = group.consumers.get(range.consumer);
    if (c === undefined) return ctx.reply.array(0);
    pel = c.pel;
  }
  const now = ctx.server.keyspace.now;
  const rows: [StreamID, PendingEntry][] = [];
  if (range.count > 0 && range.start <= range.end) {
    for (const pair of pel.entries(range.start)) {
      if (pair[0] > range.end) break;
      if (range.minIdle !== 0 && now - pair[1].deliveryTime < range.minIdle) continue;
      rows.push(pair);
      if (rows.length === range.count) break;
    }
  }
  ctx.reply.array(rows.length);
  for (const [id, pe] of rows) {
    ctx.reply.array(4);
    ctx.reply.bulk(formatId(id));
    ctx.reply.bulk(pe.consumer.name);
    ctx.reply.int(Math.max(0, now - pe.deliveryTime));
    ctx.reply.int(pe.deliveryCount);
  }
}

// ---- XCLAIM / XAUTOCLAIM ----

/** The claiming consumer, created on first need (streamCreateConsumer's event included). */
class Claimer {
  private consumer: StreamConsumer | undefined;
  constructor(private readonly ctx: CommandContext, private readonly key: string, private readonly group: ConsumerGroup, private readonly name: string) {}

  get(): StreamConsumer {
    if (this.consumer !== undefined) return this.consumer;
    let c = this.group.consumers.get(this.name);
    if (c === undefined) {
      c = this.group.createConsumer(this.name, this.ctx.server.keyspace.now);
      this.ctx.notify('stream', 'xgroup-createconsumer', this.key);
    } else c.seenTime = this.ctx.server.keyspace.now;
    return (this.consumer = c);
  }
}

interface ClaimOptions {
  force: boolean;
  justId: boolean;
  /** -1 when neither IDLE nor TIME was given. */
  deliveryTime: number;
  retryCount: number;
  lastId: StreamID;
}

function claimOptionsOrReply(ctx: CommandContext, argv: string[], from: number): ClaimOptions | undefined {
  const o: ClaimOptions = { force: false, justId: false, deliveryTime: -1, retryCount: -1, lastId: MIN_ID };
  const now = ctx.server.keyspace.now;
  for (let j = from; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    const opt = argv[j];
    if (is(opt, 'FORCE')) o.force = true;
    else if (is(opt, 'JUSTID')) o.justId = true;
    else if (is(opt, 'IDLE') && more) {
      const n = intOrReply(ctx.reply, argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
      if (n === undefined) return undefined;
      o.deliveryTime = now - n;
    } else if (is(opt, 'TIME') && more) {
      const n = intOrReply(ctx.reply, argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
      if (n === undefined) return undefined;
      o.deliveryTime = n;
    } else if (is(opt, 'RETRYCOUNT') && more) {
      const n = intOrReply(ctx.reply, argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (n === undefined) return undefined;
      o.retryCount = n;
    } else if (is(opt, 'LASTID') && more) {
      const id = strictIdOrReply(ctx.reply, argv[++j]);
      if (id === undefined) return undefined;
      o.lastId = id;
    } else return void ctx.reply.error(`ERR Unrecognized XCLAIM option '${opt}'`);
  }
  // A bogus time (the client's clock ahead of ours) means now rather than an error, as in Redis.
  if (o.deliveryTime < 0 || o.deliveryTime > now) o.deliveryTime = now;
  return o;
}

/** Drops a pending entry whose stream entry was deleted (XCLAIM and XAUTOCLAIM do since 7.0). */
function dropDeleted(key: string, group: ConsumerGroup, id: StreamID, pe: PendingEntry, fx: StreamEffects): void {
  fx.xclaim(key, group, id, pe);
  group.ack(id);
}

function replyClaimed(ctx: CommandContext, s: StreamValue, id: StreamID, justId: boolean): void {
  if (justId) ctx.reply.bulk(formatId(id));
  else replyEntry(ctx.reply, id, s.entries.get(id)!);
}

function xclaim(ctx: CommandContext, argv: string[]): void {
  const [, key, groupName, name] = argv;
  const s = readTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  const group = s?.groups.get(groupName);
  if (s === null || group === undefined) return ctx.reply.error(noGroup(key, groupName));
  const minIdleArg = intOrReply(ctx.reply, argv[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdleArg === undefined) return;
  const minIdle = Math.max(0, minIdleArg);
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const p = parseStreamId(argv[j], 0n, true);
    if (p === undefined) break;
    ids.push(p.id);
  }
  const o = claimOptionsOrReply(ctx, argv, j);
  if (o === undefined) return;
  const now = ctx.server.keyspace.now;
  const fx = new StreamEffects();
  let lastIdMoved = false;
  if (o.lastId > group.lastId) {
    group.lastId = o.lastId;
    lastIdMoved = true;
  }
  const claimer = new Claimer(ctx, key, group, name);
  const claimed: StreamID[] = [];
  for (const id of ids) {
    let pe = group.pel.get(id);
    if (!s.entries.has(id)) {
      if (pe !== undefined) {
        dropDeleted(key, group, id, pe, fx);
        lastIdMoved = false;
      }
      continue;
    }
    let forced = false;
    if (pe === undefined) {
      if (!o.force) continue;
      pe = new PendingEntry(claimer.get(), now, 1);
      group.pel.set(id, pe);
      pe.consumer.pel.set(id, pe);
      forced = true;
    }
    if (!forced && minIdle > 0 && now - pe.deliveryTime < minIdle) continue;
    group.transfer(id, pe, claimer.get());
    pe.deliveryTime = o.deliveryTime;
    if (o.retryCount >= 0) pe.deliveryCount = o.retryCount;
    else if (!o.justId) pe.deliveryCount++;
    claimed.push(id);
    fx.xclaim(key, group, id, pe);
    lastIdMoved = false;
  }
  if (lastIdMoved) fx.setId(key, group);
  ctx.reply.array(claimed.length);
  for (const id of claimed) replyClaimed(ctx, s, id, o.justId);
  if (fx.size > 0) ctx.db.touchValue(key);
  fx.emit(ctx);
}

const ATTEMPTS_FACTOR = 10;

function xautoclaim(ctx: CommandContext, argv: string[]): void {
  const [, key, groupName, name] = argv;
  const minIdleArg = intOrReply(ctx.reply, argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdleArg === undefined) return;
  const minIdle = Math.max(0, minIdleArg);
  const start = intervalIdOrReply(ctx.reply, argv[5], 0n, true);
  if (start === undefined) return;
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    if (is(argv[j], 'COUNT') && j + 1 < argv.length) {
      const n = parseInteger(argv[++j]);
      if (n === undefined || n < 1 || n > Math.floor(Number.MAX_SAFE_INTEGER / ATTEMPTS_FACTOR)) return ctx.reply.error('ERR COUNT must be > 0');
      count = n;
    } else if (is(argv[j], 'JUSTID')) justId = true;
    else return ctx.reply.error(E.SYNTAX);
  }
  const s = readTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  const group = s?.groups.get(groupName);
  if (s === null || group === undefined) return ctx.reply.error(noGroup(key, groupName));
  const now = ctx.server.keyspace.now;
  const fx = new StreamEffects();
  const claimer = new Claimer(ctx, key, group, name);
  const claimed: StreamID[] = [];
  const deleted: StreamID[] = [];
  let attempts = count * ATTEMPTS_FACTOR;
  let cursor: StreamID | undefined = group.pel.getPairOrNextHigher(start)?.[0];
  while (attempts-- > 0 && count > 0 && cursor !== undefined) {
    const id: StreamID = cursor;
    const pe = group.pel.get(id)!;
    cursor = id === MAX_ID ? undefined : group.pel.getPairOrNextHigher(id + 1n)?.[0];
    if (!s.entries.has(id)) {
      dropDeleted(key, group, id, pe, fx);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle > 0 && now - pe.deliveryTime < minIdle) continue;
    group.transfer(id, pe, claimer.get());
    pe.deliveryTime = now;
    if (!justId) pe.deliveryCount++;
    claimed.push(id);
    count--;
    fx.xclaim(key, group, id, pe);
  }
  ctx.reply.array(3);
  ctx.reply.bulk(formatId(cursor ?? MIN_ID));
  ctx.reply.array(claimed.length);
  for (const id of claimed) replyClaimed(ctx, s, id, justId);
  ctx.reply.bulks(deleted.map(formatId));
  if (fx.size > 0) ctx.db.touchValue(key);
  fx.emit(ctx);
}

const groupSub = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, run: CommandSpec['run'], complexity = 'O(1)'): CommandSpec => ({
  name: `xgroup|${name}`, arity, flags, keys: [2, 2, 1], group: 'stream', since: name === 'createconsumer' ? '6.2.0' : '5.0.0', summary, complexity, run,
});

export const streamGroupCommands: CommandSpec[] = [
  {
    name: 'xgroup', arity: -2, flags: [], group: 'stream', since: '5.0.0', summary: 'A container for consumer groups commands', complexity: 'Depends on subcommand.',
    subcommands: [
      groupSub('create', -5, ['write', 'denyoom'], 'Create a consumer group.', xgroupCreate),
      groupSub('setid', -5, ['write'], 'Set a consumer group to an arbitrary last delivered ID value.', xgroupSetid),
      groupSub('destroy', 4, ['write'], 'Destroy a consumer group.', xgroupDestroy, 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).'),
      groupSub('createconsumer', 5, ['write', 'denyoom'], 'Create a consumer in a consumer group.', xgroupCreateConsumer),
      groupSub('delconsumer', 5, ['write'], 'Delete a consumer from a consumer group.', xgroupDelConsumer),
      { name: 'xgroup|help', arity: 2, flags: ['loading', 'stale'], group: 'stream', since: '5.0.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', run: (ctx) => replyHelp(ctx, XGROUP_HELP) },
    ],
  },
  { name: 'xack', arity: -4, flags: ['write', 'fast'], keys: [1, 1, 1], group: 'stream', since: '5.0.0', summary: 'Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.', complexity: 'O(1) for each message ID processed.', run: xack },
  { name: 'xpending', arity: -3, flags: ['readonly'], keys: [1, 1, 1], group: 'stream', since: '5.0.0', summary: 'Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.', complexity: 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.', run: xpending },
  { name: 'xclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], group: 'stream', since: '5.0.0', summary: 'Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.', complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.', run: xclaim },
  { name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], group: 'stream', since: '6.2.0', summary: 'Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.', complexity: 'O(1) if COUNT is small.', run: xautoclaim },
];
