// Clients blocked on keys (BLPOP, BZPOPMIN, BLMOVE...). A blocked client's command runs again when
// one of its keys changes, first-come first-served per key; it runs only after the command, EXEC or
// script that changed the key has finished, as in Redis.
import type { Reply } from '../protocol/reply.js';
import type { Client } from './client.js';
import type { Dispatcher } from './dispatch.js';
import type { Database } from '../structures/database.js';
import type { CommandSpec } from './types.js';

const keyId = (db: number, key: string): string => `${db}\0${key}`;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class BlockingRegistry {
  private readonly waiters = new Map<string, Client[]>();
  private ready: string[] = [];
  private readonly readySet = new Set<string>();
  private serving = false;
  /** The client whose command serveKey is running again, and whether that run blocked again. */
  private rerunning: Client | null = null;

  private reblocked = false;
  private justBlocked = false;
  /** The key whose change woke the command being run again: Redis serves a client from that key. */
  wokenBy: string | undefined;

  constructor(private readonly dispatcher: Dispatcher) {}

  get blockedCount(): number {
    let n = 0;
    for (const c of this.dispatcher.server.clients.values()) if (c.blocked !== null) n++;
    return n;
  }

  /** Number of distinct keys somebody waits on (INFO keyspace-ish stats). */
  get keysWaited(): number {
    return this.waiters.size;
  }

  hasReadyKeys(): boolean {
    return this.ready.length > 0;
  }

  /** Whether the call that just ran blocked its client (it is counted when unblocked instead); clears it. */
  takeJustBlocked(): boolean {
    const b = this.justBlocked;
    this.justBlocked = false;
    return b;
  }

  block(client: Client, argv: string[], keys: string[], timeoutMs: number, onTimeout: (reply: Reply) => void, wakeOnDelete = false): void {
    this.justBlocked = true;
    if (client === this.rerunning) {
      // Woken but nothing for it after all: it keeps its place in every queue, as in Redis.
      this.reblocked = true;
      return;
    }
    const db = client.dbIndex;
    const state = {
      argv,
      keys,
      dbIndex: db,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      timer: undefined as NodeJS.Timeout | undefined,
      onTimeout: (c: Client) => onTimeout(c.writer),
      wakeOnDelete,
    };
    client.blocked = state;
    if (timeoutMs > 0) this.armTimer(client);
    for (const key of keys) {
      const id = keyId(db, key);
      let list = this.waiters.get(id);
      if (list === undefined) this.waiters.set(id, (list = []));
      if (!list.includes(client)) list.push(client);
    }
  }

  /** Called for every key change: marks keys somebody waits on as ready. */
  keyChanged(db: number, key: string): void {
    if (this.waiters.size === 0) return;
    const id = keyId(db, key);
    if (this.waiters.has(id) && !this.readySet.has(id)) {
      this.readySet.add(id);
      this.ready.push(id);
    }
  }

  /** A database was emptied or swapped: every key waited on in it may have gone (XREADGROUP wakes with an error). */
  dbChanged(db: number): void {
    const prefix = `${db}\0`;
    for (const id of this.waiters.keys()) {
      if (id.startsWith(prefix) && !this.readySet.has(id)) {
        this.readySet.add(id);
        this.ready.push(id);
      }
    }
  }

  /** Ends a block: on timeout the command's timeout reply, on error an UNBLOCKED error, on disconnect nothing. */
  unblock(client: Client, how: 'timeout' | 'error' | 'disconnect' | 'served'): void {
    const state = client.blocked;
    if (state === null) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    client.blocked = null;
    for (const key of state.keys) {
      const id = keyId(state.dbIndex, key);
      const list = this.waiters.get(id);
      if (list === undefined) continue;
      const i = list.indexOf(client);
      if (i !== -1) list.splice(i, 1);
      if (list.length === 0) this.waiters.delete(id);
    }
    if (how === 'timeout') {
      state.onTimeout(client);
      this.dispatcher.countUnblocked(client, state.argv);
    }
    else if (how === 'error') client.writer.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    if (how === 'timeout' || how === 'error') {
      client.flush();
      client.transport?.resume();
    }
  }

  /** Serves clients waiting on keys that became ready, until no key is ready any more. */
  serveReady(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.ready.length > 0) {
        const ids = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const id of ids) this.serveKey(id);
      }
    } finally {
      this.serving = false;
    }
  }

  private serveKey(id: string): void {
    const list = this.waiters.get(id);
    if (list === undefined) return;
    const cut = id.indexOf('\0');
    const db = this.dispatcher.server.databases[Number(id.slice(0, cut))];
    const key = id.slice(cut + 1);
    for (const client of [...list]) {
      const state = client.blocked;
      if (state === null) continue;
      // Redis serves a key's waiters only while the key exists (a served pop that empties it ends
      // the round), except XREADGROUP's, which learn that their stream is gone.
      if (!state.wakeOnDelete && !db.exists(key)) continue;
      const spec = this.dispatcher.table.resolve(state.argv);
      if (spec === undefined) continue;
      if (this.rerun(client, spec, state.argv, db, key)) continue;
      this.unblock(client, 'served');
      client.flush();
      client.transport?.resume();
    }
  }

  /** Runs a blocked client's command again; true if it found nothing and stays blocked. */
  private rerun(client: Client, spec: CommandSpec, argv: string[], db: Database, key: string): boolean {
    const ctx = this.dispatcher.contextOf(client);
    const savedDb = ctx.db;
    ctx.db = db;
    this.rerunning = client;
    this.reblocked = false;
    this.wokenBy = key;
    this.dispatcher.server.keyspace.now = Date.now();
    try {
      this.dispatcher.call(ctx, spec, argv);
    } finally {
      ctx.db = savedDb;
      this.rerunning = null;
      this.wokenBy = undefined;
    }
    return this.reblocked;
  }

  /** setTimeout holds at most 2^31-1 ms (about 24.8 days): longer blocks re-arm until their deadline. */
  private armTimer(client: Client): void {
    const state = client.blocked!;
    const left = Math.max(0, state.deadline - Date.now());
    state.timer = setTimeout(() => {
      if (client.blocked !== state) return;
      if (Date.now() < state.deadline) this.armTimer(client);
      else this.unblock(client, 'timeout');
    }, Math.min(left, MAX_TIMER_MS));
  }
}
