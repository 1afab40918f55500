// Clients blocked on keys (BLPOP, BZPOPMIN, BLMOVE...). A blocked client's command runs again when
// one of its keys changes, first-come first-served per key; it runs only after the command, EXEC or
// script that changed the key has finished, as in Redis.
import type { Reply } from '../protocol/reply.js';
import type { Client } from './client.js';
import type { Dispatcher } from './dispatch.js';

const keyId = (db: number, key: string): string => `${db}\0${key}`;

export class BlockingRegistry {
  private readonly waiters = new Map<string, Client[]>();
  private ready: string[] = [];
  private readonly readySet = new Set<string>();
  private serving = false;

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

  block(client: Client, argv: string[], keys: string[], timeoutMs: number, onTimeout: (reply: Reply) => void): void {
    const db = client.dbIndex;
    const state = {
      argv,
      keys,
      dbIndex: db,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      timer: undefined as NodeJS.Timeout | undefined,
      onTimeout: (c: Client) => onTimeout(c.writer),
    };
    if (timeoutMs > 0) state.timer = setTimeout(() => this.unblock(client, 'timeout'), timeoutMs);
    client.blocked = state;
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
    if (how === 'timeout') state.onTimeout(client);
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
    for (const client of [...list]) {
      const state = client.blocked;
      if (state === null) continue;
      this.unblock(client, 'served');
      const ctx = this.dispatcher.contextOf(client);
      const spec = this.dispatcher.table.resolve(state.argv);
      if (spec === undefined) continue;
      const savedDb = ctx.db;
      ctx.db = this.dispatcher.server.databases[state.dbIndex];
      this.dispatcher.server.keyspace.now = Date.now();
      this.dispatcher.call(ctx, spec, state.argv);
      ctx.db = savedDb;
      if (client.blocked !== null) {
        // Still nothing for it: it went back to waiting. Keep the original deadline.
        const again = client.blocked;
        if (again.timer !== undefined) clearTimeout(again.timer);
        again.deadline = state.deadline;
        if (state.deadline > 0) again.timer = setTimeout(() => this.unblock(client, 'timeout'), Math.max(0, state.deadline - Date.now()));
        continue;
      }
      client.flush();
      client.transport?.resume();
    }
  }
}
