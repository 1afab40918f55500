// Keyspace notifications (Redis notify.c): ctx.notify(class, event, key) publishes `event` on
// __keyspace@<db>__:<key> (K) and `key` on __keyevent@<db>__:<event> (E), for the classes enabled by
// notify-keyspace-events. Handlers notify what they did; four events come from the keyspace itself:
// `expired` (lazy and active expiry, routed from KeyspaceEvents.onExpired in src/server.ts), and the
// `new`, `keymiss` and `evicted` events attached here, so eviction code needs nothing beyond Database.evict().
import type { ChangeKind, Database } from '../structures/database.js';
import type { KeyspaceEvents } from './keyspace-events.js';
import type { PubSubRegistry } from './pubsub-registry.js';
import type { NotifyClass } from './types.js';

/** notify-keyspace-events letters of each class; 'A' is an alias for "g$lshzxetd". */
const CLASS_LETTERS: Record<NotifyClass, string> = {
  generic: 'g', string: '$', list: 'l', set: 's', hash: 'h', zset: 'z', expired: 'x', evicted: 'e',
  stream: 't', keymiss: 'm', new: 'n',
};
const ALL_ALIAS = 'g$lshzxetd';

export class KeyspaceNotifier {
  private readonly enabled = new Set<NotifyClass>();
  private keyspace = false;
  private keyevent = false;
  /** The key a write was last announced for (beforeWrite): a 'set' change without one created the key. */
  private existingKey: string | undefined;

  constructor(private readonly pubsub: PubSubRegistry) {}

  /** Applies a notify-keyspace-events value, as normalised by the config parser. */
  configure(flags: string): void {
    const letters = flags.replace('A', ALL_ALIAS);
    this.enabled.clear();
    for (const cls of Object.keys(CLASS_LETTERS) as NotifyClass[]) {
      if (letters.includes(CLASS_LETTERS[cls])) this.enabled.add(cls);
    }
    this.keyspace = letters.includes('K');
    this.keyevent = letters.includes('E');
  }

  readonly notify = (cls: NotifyClass, event: string, key: string, dbIndex: number): void => {
    if (!this.enabled.has(cls) || this.pubsub.idle) return;
    if (this.keyspace) this.pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (this.keyevent) this.pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
  };

  /**
   * Redis fires `new` when dbAdd creates a key and `evicted` when eviction deletes one. The keyspace
   * announces an overwrite (beforeWrite) before its 'set' change and a creation without one, which
   * tells the two apart without a look-up.
   */
  attach(events: KeyspaceEvents): void {
    events.onBeforeWrite.push((_db, entry) => void (this.existingKey = entry.key));
    events.onChange.push((db, key, kind) => this.keyChanged(db, key, kind));
    events.onFlush.push(() => void (this.existingKey = undefined));
    events.onMiss.push((db, key) => this.notify('keymiss', 'keymiss', key, db.id));
  }

  private keyChanged(db: Database, key: string, kind: ChangeKind): void {
    const created = kind === 'set' && this.existingKey !== key;
    this.existingKey = undefined;
    if (created) this.notify('new', 'new', key, db.id);
    else if (kind === 'evict') this.notify('evicted', 'evicted', key, db.id);
  }
}
