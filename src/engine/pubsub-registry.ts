// Who listens where (Redis pubsub.c): channels, patterns and shard channels → subscribed clients, and
// the fan-out of one message to them. A message is rendered once per protocol version and appended to
// each receiver's pending output; receivers are flushed once the running task (the publisher's read
// batch, a timer's expiry cycle) is done, so a pipelined burst costs each subscriber one socket write.
import { globMatch } from '../structures/glob.js';
import type { Client } from './client.js';
import type { ServerState } from './server-context.js';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** The client's own set of names for a kind of subscription. */
export function subscriptionsOf(client: Client, kind: SubscriptionKind): Set<string> {
  if (kind === 'channel') return client.channels;
  return kind === 'pattern' ? client.patterns : client.shardChannels;
}

/** One RESP frame of bulk strings: a push in RESP3, an array in RESP2 (Redis' addReplyPushLen). */
function frame(resp: 2 | 3, parts: readonly string[]): string {
  let out = (resp === 3 ? '>' : '*') + parts.length + '\r\n';
  for (const p of parts) out += '$' + p.length + '\r\n' + p + '\r\n';
  return out;
}

/** A message rendered lazily, at most once per protocol version, whatever the number of receivers. */
class Message {
  private readonly rendered: [string | undefined, string | undefined] = [undefined, undefined];

  constructor(private readonly parts: readonly string[]) {}

  for(resp: 2 | 3): string {
    return (this.rendered[resp - 2] ??= frame(resp, this.parts));
  }
}

export class PubSubRegistry {
  private readonly index: Record<SubscriptionKind, Map<string, Set<Client>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  private readonly toFlush = new Set<Client>();
  private flushScheduled = false;

  /** Adds a subscription (again: no change). */
  add(kind: SubscriptionKind, client: Client, name: string): void {
    const own = subscriptionsOf(client, kind);
    if (own.has(name)) return;
    own.add(name);
    const index = this.index[kind];
    let clients = index.get(name);
    if (clients === undefined) index.set(name, (clients = new Set()));
    clients.add(client);
  }

  /** Removes a subscription (one the client doesn't have: no change). */
  remove(kind: SubscriptionKind, client: Client, name: string): void {
    if (!subscriptionsOf(client, kind).delete(name)) return;
    const index = this.index[kind];
    const clients = index.get(name);
    if (clients !== undefined) {
      clients.delete(client);
      if (clients.size === 0) index.delete(name);
    }
  }

  /** Drops every subscription of a client, silently (disconnect, RESET). */
  forget(client: Client): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...subscriptionsOf(client, kind)]) this.remove(kind, client, name);
    }
    this.toFlush.delete(client);
  }

  /** PUBLISH: subscribers of the channel, then of every matching pattern. Returns the receivers. */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const direct = this.index.channel.get(channel);
    if (direct !== undefined) {
      const msg = new Message(['message', channel, message]);
      for (const client of direct) this.deliver(client, msg);
      receivers += direct.size;
    }
    for (const [pattern, clients] of this.index.pattern) {
      if (!globMatch(pattern, channel)) continue;
      const msg = new Message(['pmessage', pattern, channel, message]);
      for (const client of clients) this.deliver(client, msg);
      receivers += clients.size;
    }
    return receivers;
  }

  /** SPUBLISH: subscribers of the shard channel only. */
  publishShard(channel: string, message: string): number {
    const clients = this.index.shard.get(channel);
    if (clients === undefined) return 0;
    const msg = new Message(['smessage', channel, message]);
    for (const client of clients) this.deliver(client, msg);
    return clients.size;
  }

  /** Names with at least one subscriber, optionally filtered by a glob (PUBSUB CHANNELS/SHARDCHANNELS). */
  activeNames(kind: 'channel' | 'shard', pattern: string | undefined): string[] {
    const names = [...this.index[kind].keys()];
    return pattern === undefined ? names : names.filter((n) => globMatch(pattern, n));
  }

  subscriberCount(kind: 'channel' | 'shard', name: string): number {
    return this.index[kind].get(name)?.size ?? 0;
  }

  /** Distinct patterns somebody subscribed to (PUBSUB NUMPAT). */
  get patternCount(): number {
    return this.index.pattern.size;
  }

  /** True when no PUBLISH could reach anybody: keyspace notifications skip building their channels. */
  get idle(): boolean {
    return this.index.channel.size === 0 && this.index.pattern.size === 0;
  }

  private deliver(client: Client, msg: Message): void {
    // Redis counts a closing receiver but sends it nothing; CLIENT REPLY OFF mutes replies, not messages.
    if (client.closing) return;
    client.writer.pushing = true;
    client.writer.raw(msg.for(client.resp));
    client.writer.pushing = false;
    this.toFlush.add(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flushAll());
  }

  private flushAll(): void {
    this.flushScheduled = false;
    const clients = [...this.toFlush];
    this.toFlush.clear();
    for (const client of clients) client.flush();
  }
}

/** Forgets a client's subscriptions when it disconnects or sends RESET. */
export function attachPubSub(state: ServerState): void {
  const forget = (client: Client): void => state.pubsub.forget(client);
  state.clientClosedHooks.push(forget);
  state.resetHooks.push(forget);
}
