// Fans the keyspace's change signals out to the subsystems that hang off them (blocked clients,
// WATCH, snapshots' copy-on-write, keyspace notifications, propagation of expiries), so that no
// command handler has to remember any of them.
import type { ChangeKind, Database, KeyEntry, KeyspaceHooks } from '../structures/database.js';

export type ChangeListener = (db: Database, key: string, kind: ChangeKind) => void;
export type BeforeWriteListener = (db: Database, entry: KeyEntry) => void;
export type ExpiredListener = (db: Database, key: string) => void;
export type FlushListener = (db: Database) => void;
export type MissListener = (db: Database, key: string) => void;
export type SwapListener = (a: Database, b: Database) => void;

export class KeyspaceEvents implements KeyspaceHooks {
  readonly onChange: ChangeListener[] = [];
  readonly onBeforeWrite: BeforeWriteListener[] = [];
  readonly onExpired: ExpiredListener[] = [];
  readonly onFlush: FlushListener[] = [];
  readonly onMiss: MissListener[] = [];
  readonly onSwap: SwapListener[] = [];

  beforeWrite(db: Database, entry: KeyEntry): void {
    for (const l of this.onBeforeWrite) l(db, entry);
  }

  changed(db: Database, key: string, kind: ChangeKind): void {
    for (const l of this.onChange) l(db, key, kind);
  }

  expired(db: Database, key: string): void {
    for (const l of this.onExpired) l(db, key);
  }

  flushed(db: Database): void {
    for (const l of this.onFlush) l(db);
  }

  swapped(a: Database, b: Database): void {
    for (const l of this.onSwap) l(a, b);
  }

  missed(db: Database, key: string): void {
    for (const l of this.onMiss) l(db, key);
  }
}
