// WATCH (Redis multi.c): which clients watch which keys, and marking them dirty — EXEC then replies
// with a null array — when a watched key changes in any way: a write by anyone (a replicated one
// too), expiry (lazy or active), eviction, FLUSHDB/FLUSHALL, SWAPDB. It hangs off the keyspace's change
// signals, so no command handler has to call it.
//
// Redis 7.0's rule for keys already expired when WATCHed is kept: their deletion is no logical change
// (it only clears the flag), while any other change, or a live watched key expiring before EXEC,
// dirties the client.
import type { ChangeKind, Database, KeyEntry, KeyspaceShared } from '../structures/database.js';
import type { Client } from './client.js';
import type { KeyspaceEvents } from './keyspace-events.js';
import type { ServerState } from './server-context.js';

interface Watch {
  /** The key was logically expired (but still stored) when this client watched it. */
  expired: boolean;
}

interface WatchedKey {
  /** Whether the key is stored right now, expired or not (Redis' dictFind on the main table). */
  stored: boolean;
  watchers: Map<Client, Watch>;
}

const watchId = (db: number, key: string): string => `${db}\0${key}`;

function parseWatchId(id: string): [db: number, key: string] {
  const sep = id.indexOf('\0');
  return [Number(id.slice(0, sep)), id.slice(sep + 1)];
}

export class WatchRegistry {
  /** db index → key → watchers; a database without watched keys has no entry. */
  private readonly byDb = new Map<number, Map<string, WatchedKey>>();

  constructor(
    private readonly databases: readonly Database[],
    private readonly keyspace: KeyspaceShared,
  ) {}

  watch(client: Client, dbIndex: number, key: string): void {
    const id = watchId(dbIndex, key);
    if (client.watched.has(id)) return;
    client.watched.add(id);
    const entry = this.storedEntry(dbIndex, key);
    let keys = this.byDb.get(dbIndex);
    if (keys === undefined) this.byDb.set(dbIndex, (keys = new Map()));
    let watched = keys.get(key);
    if (watched === undefined) keys.set(key, (watched = { stored: entry !== undefined, watchers: new Map() }));
    watched.watchers.set(client, { expired: entry !== undefined && this.isExpired(entry) });
  }

  unwatchAll(client: Client): void {
    for (const id of client.watched) {
      const [dbIndex, key] = parseWatchId(id);
      const keys = this.byDb.get(dbIndex);
      const watched = keys?.get(key);
      if (keys === undefined || watched === undefined) continue;
      watched.watchers.delete(client);
      if (watched.watchers.size > 0) continue;
      keys.delete(key);
      if (keys.size === 0) this.byDb.delete(dbIndex);
    }
    client.watched.clear();
  }

  /** Redis' isWatchedKeyExpired: a key watched while alive has logically expired since. */
  expiredSinceWatch(client: Client): boolean {
    for (const id of client.watched) {
      const [dbIndex, key] = parseWatchId(id);
      if (this.byDb.get(dbIndex)?.get(key)?.watchers.get(client)?.expired !== false) continue;
      const entry = this.storedEntry(dbIndex, key);
      if (entry !== undefined && this.isExpired(entry)) return true;
    }
    return false;
  }

  /** Redis' touchWatchedKey, for every change the keyspace signals. */
  keyChanged(db: Database, key: string, kind: ChangeKind): void {
    if (this.byDb.size === 0) return;
    const watched = this.byDb.get(db.id)?.get(key);
    if (watched === undefined) return;
    watched.stored = kind === 'set' || kind === 'modify';
    for (const [client, watch] of [...watched.watchers]) {
      if (watch.expired && !watched.stored) watch.expired = false;
      else this.dirty(client);
    }
  }

  /**
   * Redis' touchAllWatchedKeysInDb, after FLUSHDB/FLUSHALL emptied `db` or SWAPDB replaced its content:
   * a watcher is dirty when its key was stored before or is stored now, except that an expired key
   * replaced by nothing or by another expired key is no logical change.
   */
  databaseReplaced(db: Database): void {
    const keys = this.byDb.get(db.id);
    if (keys === undefined) return;
    for (const [key, watched] of [...keys]) {
      const before = watched.stored;
      const now = this.storedEntry(db.id, key);
      watched.stored = now !== undefined;
      if (!before && now === undefined) continue;
      const nowExpired = now !== undefined && this.isExpired(now);
      for (const [client, watch] of [...watched.watchers]) {
        if (watch.expired) {
          if (now === undefined) watch.expired = false;
          else if (!nowExpired) this.dirty(client);
        } else if (!before && nowExpired) {
          watch.expired = true;
        } else {
          this.dirty(client);
        }
      }
    }
  }

  /** Once dirty, EXEC fails whatever else changes: stop watching, as Redis does, to save the work. */
  private dirty(client: Client): void {
    client.dirtyCas = true;
    this.unwatchAll(client);
  }

  /** The stored entry, expired or not: WATCH and EXEC's checks must not delete keys (Redis' WATCH does no look-up). */
  private storedEntry(dbIndex: number, key: string): KeyEntry | undefined {
    return this.databases[dbIndex].storedEntry(key);
  }

  private isExpired(entry: KeyEntry): boolean {
    return entry.expireAt !== 0 && entry.expireAt <= this.keyspace.now;
  }
}

/** Hangs WATCH off the keyspace's change signals and forgets a client's watches on RESET or disconnect. */
export function attachWatches(state: ServerState, events: KeyspaceEvents): void {
  const watches = state.watches;
  events.onChange.push((db, key, kind) => watches.keyChanged(db, key, kind));
  events.onFlush.push((db) => watches.databaseReplaced(db));
  const forget = (client: Client): void => watches.unwatchAll(client);
  state.clientClosedHooks.push(forget);
  state.resetHooks.push(forget);
}
