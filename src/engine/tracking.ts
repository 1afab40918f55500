// Client-side caching (Redis tracking.c): which clients may hold which keys, and the invalidation
// messages they get when those keys change. Keys a tracking client reads are remembered after
// its read-only commands (inside MULTI and scripts too); the keyspace's change signal starts the
// invalidation. In BCAST mode clients get every changed key under their prefixes instead, once
// per turn of the event loop. Messages are RESP3 pushes, or pub/sub messages on
// __redis__:invalidate for a RESP2 client that redirects to a subscribed connection.
import type { Client } from './client.js';
import type { KeyspaceEvents } from './keyspace-events.js';
import type { ServerState } from './server-context.js';

export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** A client's tracking mode (CLIENT TRACKING ON ...). */
export interface TrackingState {
  /** Client id the messages go to; 0 for the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (optin) / NO (optout) for the next command. */
  caching: boolean;
  /** The redirect client went away (CLIENT TRACKINGINFO's broken_redirect). */
  brokenRedirect: boolean;
  /** BCAST prefixes, in the order given. */
  readonly prefixes: string[];
}

interface PrefixState {
  readonly clients: Set<Client>;
  /** Keys changed since the last broadcast, with the client that changed them (null: several did). */
  readonly keys: Map<string, Client | null>;
}

const NULL_RESP2 = '$-1\r\n';
/** Keys the cron may evict from the table per tick (Redis starts at 100 and raises it when behind). */
const CRON_EFFORT = 1000;
const NULL_RESP3 = '_\r\n';

export class Tracking {
  /** Key -> ids of the clients that may have it cached (Redis' TrackingTable). */
  private readonly table = new Map<string, Set<number>>();
  private readonly prefixTable = new Map<string, PrefixState>();
  private readonly states = new Map<Client, TrackingState>();
  private totalItems = 0;
  /** The client whose command runs now (server.current_client): a script's caller for its commands. */
  private current: Client | null = null;
  /** Keys the current client invalidated for itself: their messages go after its reply. */
  private pending: string[] = [];
  /** Clients to send the flush's null invalidation to once the command ends. */
  private readonly flushTargets = new Set<Client>();
  private housekeepingScheduled = false;
  /** Set by the script runner while a script runs: its commands' reads count for its caller. */
  scriptCaller: Client | null = null;

  constructor(private readonly server: ServerState) {}

  get clients(): number {
    return this.states.size;
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get items(): number {
    return this.totalItems;
  }

  get prefixes(): number {
    return this.prefixTable.size;
  }

  stateOf(client: Client): TrackingState | undefined {
    return this.states.get(client);
  }

  /** enableTracking: options already validated by CLIENT TRACKING. */
  enable(client: Client, redirect: number, options: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    const old = this.states.get(client);
    const state: TrackingState = {
      redirect, ...options, caching: false, brokenRedirect: false, prefixes: old?.prefixes ?? [],
    };
    this.states.set(client, state);
    if (!options.bcast) return;
    for (const p of prefixes.length === 0 ? [''] : prefixes) {
      let ps = this.prefixTable.get(p);
      if (ps === undefined) this.prefixTable.set(p, (ps = { clients: new Set(), keys: new Map() }));
      ps.clients.add(client);
      if (!state.prefixes.includes(p)) state.prefixes.push(p);
    }
  }

  /** disableTracking: the keys it read stay in the table until they change (as in Redis). */
  disable(client: Client): void {
    const state = this.states.get(client);
    if (state === undefined) return;
    for (const p of state.prefixes) {
      const ps = this.prefixTable.get(p);
      if (ps === undefined) continue;
      ps.clients.delete(client);
      if (ps.clients.size === 0) this.prefixTable.delete(p);
    }
    this.states.delete(client);
    this.flushTargets.delete(client);
  }

  /** A top-level command starts: Redis' server.current_client. */
  begin(client: Client): void {
    this.current = client;
  }

  /** The top-level command ended: its own invalidations and a flush's go out after its reply. */
  end(): void {
    const client = this.current;
    this.current = null;
    // The common case, on every command: nobody tracks anything.
    if (this.states.size === 0 && this.pending.length === 0 && this.flushTargets.size === 0) return;
    if (client !== null && this.pending.length > 0) {
      const pending = this.pending;
      this.pending = [];
      for (const key of pending) this.send(client, [key]);
    }
    if (this.flushTargets.size > 0) {
      const targets = [...this.flushTargets];
      this.flushTargets.clear();
      for (const c of targets) this.send(c, null);
    }
    // CLIENT CACHING applies to the next command only, or to a whole transaction; any CLIENT
    // subcommand in between keeps it (resetClient).
    if (client !== null && client.multi === null && !client.lastCommand.startsWith('client')) {
      const state = this.states.get(client);
      if (state !== undefined) state.caching = false;
    }
  }

  private get caller(): Client | null {
    return this.scriptCaller ?? this.current;
  }

  /** trackingRememberKeys: after a read-only command of a tracking client (not in BCAST mode). */
  remember(client: Client, keys: readonly string[]): void {
    const c = client.transport === null && this.scriptCaller !== null ? this.scriptCaller : client;
    const state = this.states.get(c);
    if (state === undefined || state.bcast) return;
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
    const max = this.server.config.getNumber('tracking-table-max-keys');
    if (max > 0 && this.table.size > max) this.scheduleHousekeeping();
  }

  /**
   * trackingLimitUsedSlots: forgets the oldest keys beyond the limit, invalidating them for their
   * clients; at most `effort` keys per call, so a lowered limit is reached over a few turns.
   */
  private limitUsedSlots(effort = Infinity): void {
    const max = this.server.config.getNumber('tracking-table-max-keys');
    if (max === 0) return;
    for (const key of this.table.keys()) {
      if (this.table.size <= max || effort-- <= 0) return;
      this.invalidate(key, false);
    }
  }

  /** serverCron's share: a table over a lowered tracking-table-max-keys shrinks without new reads. */
  cron(): void {
    if (this.table.size > 0) this.limitUsedSlots(CRON_EFFORT);
  }

  /** Redis' beforeSleep: broadcasts and the table's limit, after the replies of this turn of the loop. */
  private scheduleHousekeeping(): void {
    if (this.housekeepingScheduled) return;
    this.housekeepingScheduled = true;
    setImmediate(() => {
      this.housekeepingScheduled = false;
      this.broadcast();
      this.limitUsedSlots();
    });
  }

  /** The keyspace's change signal (signalModifiedKey). */
  keyChanged(key: string): void {
    if (this.prefixTable.size > 0) this.rememberForBroadcast(key);
    if (this.table.size > 0) this.invalidate(key, true);
  }

  private invalidate(key: string, fromWrite: boolean): void {
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    this.totalItems -= ids.size;
    const current = fromWrite ? this.caller : null;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      if (target === undefined) continue;
      const state = this.states.get(target);
      // A client that switched to BCAST since it read the key gets no stale per-key messages.
      if (state === undefined || state.bcast) continue;
      if (state.noloop && target === current) continue;
      if (target === current) this.pending.push(key);
      else this.send(target, [key]);
    }
  }

  private rememberForBroadcast(key: string): void {
    const by = this.caller;
    for (const [prefix, ps] of this.prefixTable) {
      if (!key.startsWith(prefix)) continue;
      const prev = ps.keys.get(key);
      ps.keys.set(key, prev === undefined || prev === by ? by : null);
    }
    this.scheduleHousekeeping();
  }

  /** trackingBroadcastInvalidationMessages: every changed key under a prefix, to that prefix's clients. */
  private broadcast(): void {
    for (const ps of this.prefixTable.values()) {
      if (ps.keys.size === 0) continue;
      for (const client of ps.clients) {
        const state = this.states.get(client);
        let keys = [...ps.keys.keys()];
        if (state?.noloop) keys = keys.filter((k) => ps.keys.get(k) !== client);
        if (keys.length > 0) this.send(client, keys);
      }
      ps.keys.clear();
    }
  }

  /** trackingInvalidateKeysOnFlush: every tracking client gets a null invalidation; the table is emptied. */
  flushed(): void {
    for (const client of this.states.keys()) this.flushTargets.add(client);
    this.table.clear();
    this.totalItems = 0;
    if (this.current === null) this.end();
  }

  /** sendTrackingMessage: `keys` null is the flush's null. */
  private send(client: Client, keys: string[] | null): void {
    const state = this.states.get(client);
    if (state === undefined) return;
    let target = client;
    let redirected = false;
    if (state.redirect !== 0) {
      const redir = this.server.clients.get(state.redirect);
      if (redir === undefined) {
        // The original connection learns that its messages have nowhere to go.
        state.brokenRedirect = true;
        if (client.resp === 3) {
          // A push, not a reply: CLIENT REPLY OFF does not mute it.
          client.writer.pushing = true;
          client.writer.push(2);
          client.writer.bulk('tracking-redir-broken');
          client.writer.int(state.redirect);
          client.writer.pushing = false;
          client.flush();
        }
        return;
      }
      target = redir;
      redirected = true;
    }
    // RESP2 without a redirect has no way to carry a push.
    if (target.resp !== 3 && !(redirected && target.subscriptionCount > 0)) return;
    const w = target.writer;
    w.pushing = true;
    if (target.resp === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else {
      w.array(3);
      w.bulk('message');
      w.bulk(INVALIDATE_CHANNEL);
    }
    // The flush's null is written as the tracking client's own protocol's null, as Redis does.
    if (keys === null) w.raw(client.resp === 3 ? NULL_RESP3 : NULL_RESP2);
    else w.bulks(keys);
    w.pushing = false;
    if (target !== this.current) target.flush();
  }
}

/** Hangs tracking off the keyspace's signals and the clients' lifecycle. */
export function attachTracking(state: ServerState, events: KeyspaceEvents): void {
  const tracking = state.tracking;
  events.onChange.push((_db, key) => tracking.keyChanged(key));
  events.onFlush.push((_db, how) => {
    if (how === 'flush') tracking.flushed();
  });
  const forget = (client: Client): void => tracking.disable(client);
  state.clientClosedHooks.push(forget);
  state.resetHooks.push(forget);
}
