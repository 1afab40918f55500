// Pub/sub commands (Redis pubsub.c): (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB.
// Replies to (un)subscribing are push frames in RESP3 and arrays in RESP2, one per name, in Redis'
// shape: [kind, name, count]; the registry does the fan-out.
import { helpReply } from './keys.js';
import { subscriptionsOf, type SubscriptionKind } from '../engine/pubsub-registry.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

/** Redis counts channels and patterns together, and shard channels on their own. */
function subscriptionCount(ctx: CommandContext, kind: SubscriptionKind): number {
  const c = ctx.client;
  return kind === 'shard' ? c.shardChannels.size : c.channels.size + c.patterns.size;
}

/** [event, name, count]; a null name when unsubscribing from nothing. */
function replySubscription(ctx: CommandContext, event: string, name: string | null, kind: SubscriptionKind): void {
  const r = ctx.reply;
  r.pushing = true;
  r.push(3);
  r.bulk(event);
  name === null ? r.nil() : r.bulk(name);
  r.int(subscriptionCount(ctx, kind));
  r.pushing = false;
}

function subscribeGeneric(ctx: CommandContext, argv: string[], kind: SubscriptionKind, event: string): void {
  for (let i = 1; i < argv.length; i++) {
    ctx.server.pubsub.add(kind, ctx.client, argv[i]);
    replySubscription(ctx, event, argv[i], kind);
  }
}

/** Without names: every subscription of that kind, or one reply with a null name when there is none. */
function unsubscribeGeneric(ctx: CommandContext, argv: string[], kind: SubscriptionKind, event: string): void {
  const names = argv.length > 1 ? argv.slice(1) : [...subscriptionsOf(ctx.client, kind)];
  if (names.length === 0) return replySubscription(ctx, event, null, kind);
  for (const name of names) {
    ctx.server.pubsub.remove(kind, ctx.client, name);
    replySubscription(ctx, event, name, kind);
  }
}

function ssubscribe(ctx: CommandContext, argv: string[]): void {
  // A client that expects exactly one reply per command (inside EXEC) can't enter shard pub/sub; Redis
  // only lets SUBSCRIBE and PSUBSCRIBE through there, for backward compatibility.
  if (!ctx.canBlock) return ctx.reply.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  subscribeGeneric(ctx, argv, 'shard', 'ssubscribe');
}

/** Redis' addReplySubcommandSyntaxError. */
function subcommandSyntaxError(ctx: CommandContext, argv: string[]): void {
  ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ${argv[0].toUpperCase()} HELP.`);
}

function activeNames(ctx: CommandContext, argv: string[], kind: 'channel' | 'shard'): void {
  if (argv.length > 3) return subcommandSyntaxError(ctx, argv);
  ctx.reply.bulks(ctx.server.pubsub.activeNames(kind, argv[2]));
}

function subscriberCounts(ctx: CommandContext, argv: string[], kind: 'channel' | 'shard'): void {
  const names = argv.slice(2);
  ctx.reply.array(names.length * 2);
  for (const name of names) {
    ctx.reply.bulk(name);
    ctx.reply.int(ctx.server.pubsub.subscriberCount(kind, name));
  }
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

type Handler = (ctx: CommandContext, argv: string[]) => void;

function pubsubSub(name: string, arity: number, summary: string, since: string, run: Handler): CommandSpec {
  return { name: `pubsub|${name}`, arity, flags: ['pubsub', 'loading', 'stale'], group: 'pubsub', since, summary, run };
}

export const pubsubCommand: CommandSpec = {
  name: 'pubsub', arity: -2, flags: [], group: 'pubsub', since: '2.8.0', summary: 'A container for Pub/Sub commands.', complexity: 'Depends on subcommand.',
  subcommands: [
    pubsubSub('channels', -2, 'Returns the active channels.', '2.8.0', (ctx, argv) => activeNames(ctx, argv, 'channel')),
    pubsubSub('numsub', -2, 'Returns a count of subscribers to channels.', '2.8.0', (ctx, argv) => subscriberCounts(ctx, argv, 'channel')),
    pubsubSub('numpat', 2, 'Returns a count of unique pattern subscriptions.', '2.8.0', (ctx) => ctx.reply.int(ctx.server.pubsub.patternCount)),
    pubsubSub('shardchannels', -2, 'Returns the active shard channels.', '7.0.0', (ctx, argv) => activeNames(ctx, argv, 'shard')),
    pubsubSub('shardnumsub', -2, 'Returns the count of subscribers of shard channels.', '7.0.0', (ctx, argv) => subscriberCounts(ctx, argv, 'shard')),
    { name: 'pubsub|help', arity: 2, flags: ['loading', 'stale'], group: 'pubsub', since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', run: (ctx) => helpReply(ctx, PUBSUB_HELP) },
  ],
};

const SUBSCRIBE_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const;

export const pubsubCommands: CommandSpec[] = [
  { name: 'subscribe', arity: -2, flags: SUBSCRIBE_FLAGS, group: 'pubsub', since: '2.0.0', summary: 'Listens for messages published to channels.', complexity: 'O(N) where N is the number of channels to subscribe to.', run: (ctx, argv) => subscribeGeneric(ctx, argv, 'channel', 'subscribe') },
  { name: 'unsubscribe', arity: -1, flags: SUBSCRIBE_FLAGS, group: 'pubsub', since: '2.0.0', summary: 'Stops listening to messages posted to channels.', complexity: 'O(N) where N is the number of clients already subscribed to a channel.', run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'channel', 'unsubscribe') },
  { name: 'psubscribe', arity: -2, flags: SUBSCRIBE_FLAGS, group: 'pubsub', since: '2.0.0', summary: 'Listens for messages published to channels that match one or more patterns.', complexity: 'O(N) where N is the number of patterns to subscribe to.', run: (ctx, argv) => subscribeGeneric(ctx, argv, 'pattern', 'psubscribe') },
  { name: 'punsubscribe', arity: -1, flags: SUBSCRIBE_FLAGS, group: 'pubsub', since: '2.0.0', summary: 'Stops listening to messages published to channels that match one or more patterns.', complexity: 'O(N) where N is the number of patterns to unsubscribe.', run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'pattern', 'punsubscribe') },
  { name: 'ssubscribe', arity: -2, flags: SUBSCRIBE_FLAGS, keys: [1, -1, 1], group: 'pubsub', since: '7.0.0', summary: 'Listens for messages published to shard channels.', complexity: 'O(N) where N is the number of shard channels to subscribe to.', run: ssubscribe },
  { name: 'sunsubscribe', arity: -1, flags: SUBSCRIBE_FLAGS, keys: [1, -1, 1], group: 'pubsub', since: '7.0.0', summary: 'Stops listening to messages posted to shard channels.', complexity: 'O(N) where N is the number of shard channels to unsubscribe.', run: (ctx, argv) => unsubscribeGeneric(ctx, argv, 'shard', 'sunsubscribe') },
  { name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may-replicate'], group: 'pubsub', since: '2.0.0', summary: 'Posts a message to a channel.', complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).', run: (ctx, argv) => ctx.reply.int(ctx.server.pubsub.publish(argv[1], argv[2])) },
  { name: 'spublish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast', 'may-replicate'], keys: [1, 1, 1], group: 'pubsub', since: '7.0.0', summary: 'Post a message to a shard channel', complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.', run: (ctx, argv) => ctx.reply.int(ctx.server.pubsub.publishShard(argv[1], argv[2])) },
  pubsubCommand,
];
