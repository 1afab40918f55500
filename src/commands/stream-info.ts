// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS and XINFO CONSUMERS, with Redis 7.0's fields:
// entries-read and lag per group (streamReplyWithCGLag), idle per consumer.
import type { CommandContext, CommandSpec } from '../engine/types.js';
import type { StreamValue } from '../structures/stream.js';
import { idRange, INVALID_ENTRIES_READ, type ConsumerGroup } from '../structures/stream-groups.js';
import { formatId, MAX_ID, MIN_ID } from '../structures/stream-id.js';
import { raxNodeCount } from '../structures/stream-rax.js';
import { intOrReply, is } from './args.js';
import { readTypedOrReply } from './lookup.js';
import { replyEntries, replyEntry } from './stream-reply.js';

const subcommandSyntax = (argv: string[]): string => `ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try XINFO HELP.`;

/** Redis' streamReplyWithCGLag: entries the group has yet to read, or nil when unknowable. */
function groupLag(s: StreamValue, g: ConsumerGroup): number | null {
  if (s.entriesAdded === 0) return 0;
  if (g.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(g.lastId, MAX_ID)) return s.entriesAdded - g.entriesRead;
  const read = s.entriesUpTo(g.lastId);
  return read === INVALID_ENTRIES_READ ? null : s.entriesAdded - read;
}

function replyNullableInt(ctx: CommandContext, n: number | null): void {
  if (n === null) ctx.reply.nil();
  else ctx.reply.int(n);
}

function sortedGroups(s: StreamValue): ConsumerGroup[] {
  return [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function replyHeader(ctx: CommandContext, s: StreamValue): void {
  const r = ctx.reply;
  r.bulk('length');
  r.int(s.length);
  r.bulk('radix-tree-keys');
  r.int(s.nodeCount);
  r.bulk('radix-tree-nodes');
  r.int(raxNodeCount(s.nodeKeys()));
  r.bulk('last-generated-id');
  r.bulk(formatId(s.lastId));
  r.bulk('max-deleted-entry-id');
  r.bulk(formatId(s.maxDeletedId));
  r.bulk('entries-added');
  r.int(s.entriesAdded);
  r.bulk('recorded-first-entry-id');
  r.bulk(formatId(s.firstId));
}

function replyEdge(ctx: CommandContext, s: StreamValue, last: boolean): void {
  const edge = s.range(MIN_ID, MAX_ID, 1, last);
  if (edge.length === 0) ctx.reply.nil();
  else replyEntry(ctx.reply, edge[0][0], edge[0][1]);
}

function replyFullGroup(ctx: CommandContext, s: StreamValue, g: ConsumerGroup, count: number): void {
  const r = ctx.reply;
  r.map(7);
  r.bulk('name');
  r.bulk(g.name);
  r.bulk('last-delivered-id');
  r.bulk(formatId(g.lastId));
  r.bulk('entries-read');
  replyNullableInt(ctx, g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead);
  r.bulk('lag');
  replyNullableInt(ctx, groupLag(s, g));
  r.bulk('pel-count');
  r.int(g.pel.size);
  r.bulk('pending');
  const pending = idRange(g.pel, MIN_ID, MAX_ID, count);
  r.array(pending.length);
  for (const [id, pe] of pending) {
    r.array(4);
    r.bulk(formatId(id));
    r.bulk(pe.consumer.name);
    r.int(pe.deliveryTime);
    r.int(pe.deliveryCount);
  }
  r.bulk('consumers');
  const consumers = g.sortedConsumers();
  r.array(consumers.length);
  for (const c of consumers) {
    r.map(4);
    r.bulk('name');
    r.bulk(c.name);
    r.bulk('seen-time');
    r.int(c.seenTime);
    r.bulk('pel-count');
    r.int(c.pel.size);
    r.bulk('pending');
    const own = idRange(c.pel, MIN_ID, MAX_ID, count);
    r.array(own.length);
    for (const [id, pe] of own) {
      r.array(3);
      r.bulk(formatId(id));
      r.int(pe.deliveryTime);
      r.int(pe.deliveryCount);
    }
  }
}

function xinfoStream(ctx: CommandContext, argv: string[]): void {
  const optc = argv.length - 3;
  let full = false;
  let count = 10;
  if (optc > 0) {
    if ((optc !== 1 && optc !== 3) || !is(argv[3], 'FULL')) return ctx.reply.error(subcommandSyntax(argv));
    full = true;
    if (optc === 3) {
      if (!is(argv[4], 'COUNT')) return ctx.reply.error(subcommandSyntax(argv));
      const n = intOrReply(ctx.reply, argv[5]);
      if (n === undefined) return;
      count = n < 0 ? 10 : n;
    }
  }
  const s = readTypedOrReply(ctx, argv[2], 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.error('ERR no such key');
  ctx.reply.map(full ? 9 : 10);
  replyHeader(ctx, s);
  if (!full) {
    ctx.reply.bulk('groups');
    ctx.reply.int(s.groups.size);
    ctx.reply.bulk('first-entry');
    replyEdge(ctx, s, false);
    ctx.reply.bulk('last-entry');
    replyEdge(ctx, s, true);
    return;
  }
  ctx.reply.bulk('entries');
  replyEntries(ctx.reply, s.range(MIN_ID, MAX_ID, count, false));
  ctx.reply.bulk('groups');
  const groups = sortedGroups(s);
  ctx.reply.array(groups.length);
  for (const g of groups) replyFullGroup(ctx, s, g, count);
}

function xinfoGroups(ctx: CommandContext, argv: string[]): void {
  const s = readTypedOrReply(ctx, argv[2], 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.error('ERR no such key');
  const groups = sortedGroups(s);
  const r = ctx.reply;
  r.array(groups.length);
  for (const g of groups) {
    r.map(6);
    r.bulk('name');
    r.bulk(g.name);
    r.bulk('consumers');
    r.int(g.consumers.size);
    r.bulk('pending');
    r.int(g.pel.size);
    r.bulk('last-delivered-id');
    r.bulk(formatId(g.lastId));
    r.bulk('entries-read');
    replyNullableInt(ctx, g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead);
    r.bulk('lag');
    replyNullableInt(ctx, groupLag(s, g));
  }
}

function xinfoConsumers(ctx: CommandContext, argv: string[]): void {
  const [, , key, groupName] = argv;
  const s = readTypedOrReply(ctx, key, 'stream');
  if (s === undefined) return;
  if (s === null) return ctx.reply.error('ERR no such key');
  const g = s.groups.get(groupName);
  if (g === undefined) return ctx.reply.error(`NOGROUP No such consumer group '${groupName}' for key name '${key}'`);
  const now = ctx.server.keyspace.now;
  const consumers = g.sortedConsumers();
  ctx.reply.array(consumers.length);
  for (const c of consumers) {
    ctx.reply.map(3);
    ctx.reply.bulk('name');
    ctx.reply.bulk(c.name);
    ctx.reply.bulk('pending');
    ctx.reply.int(c.pel.size);
    ctx.reply.bulk('idle');
    ctx.reply.int(Math.max(0, now - c.seenTime));
  }
}

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

const sub = (name: string, arity: number, summary: string, run: CommandSpec['run'], complexity: string): CommandSpec => ({
  name: `xinfo|${name}`, arity, flags: ['readonly'], keys: [2, 2, 1], group: 'stream', since: '5.0.0', summary, complexity, run,
});

export function replyHelp(ctx: CommandContext, lines: readonly string[]): void {
  ctx.reply.array(lines.length);
  for (const l of lines) ctx.reply.simple(l);
}

export const streamInfoCommand: CommandSpec = {
  name: 'xinfo', arity: -2, flags: [], group: 'stream', since: '5.0.0', summary: 'A container for stream introspection commands', complexity: 'Depends on subcommand.',
  subcommands: [
    sub('consumers', 4, 'List the consumers in a consumer group', xinfoConsumers, 'O(1)'),
    sub('groups', 3, 'List the consumer groups of a stream', xinfoGroups, 'O(1)'),
    sub('stream', -3, 'Get information about a stream', xinfoStream, 'O(1)'),
    { name: 'xinfo|help', arity: 2, flags: ['loading', 'stale'], group: 'stream', since: '5.0.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', run: (ctx) => replyHelp(ctx, XINFO_HELP) },
  ],
};
