// Persistence commands: SAVE, BGSAVE, DUMP, RESTORE, MIGRATE, and DEBUG RELOAD's save-and-load.
// The policy (one background save, status, MISCONF) lives in persistence/rdb-persistence.ts.
import { readFileSync } from 'node:fs';
import { intOrReply, is } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec, KeySpecFlag } from '../engine/types.js';
import { createDumpPayload, parseDumpPayload } from '../persistence/dump-payload.js';
import { commitLoad, loadRdbSync, type LoadedRdb } from '../persistence/rdb-loader.js';
import { rdbPersistence } from '../persistence/rdb-persistence.js';
import { decodeContextFrom } from '../persistence/value-codec.js';
import { migrate } from './migrate.js';

const BUSYKEY = 'BUSYKEY Target key name already exists.';

function save(ctx: CommandContext): void {
  const err = rdbPersistence(ctx.server).save();
  err === undefined ? ctx.reply.ok() : ctx.reply.error(err);
}

function bgsave(ctx: CommandContext, argv: string[]): void {
  let schedule = false;
  if (argv.length === 2) {
    if (!is(argv[1], 'SCHEDULE')) return ctx.reply.error(E.SYNTAX);
    schedule = true;
  } else if (argv.length > 2) return ctx.reply.error(E.SYNTAX);
  const r = rdbPersistence(ctx.server).bgsave(schedule);
  'ok' in r ? ctx.reply.simple(r.ok) : ctx.reply.error(r.err);
}

function dump(ctx: CommandContext, argv: string[]): void {
  const v = ctx.db.lookupRead(argv[1]);
  if (v === undefined) return ctx.reply.nil();
  ctx.reply.bulk(createDumpPayload(v, true).toString('latin1'));
}

interface RestoreOptions {
  replace: boolean;
  absTtl: boolean;
  idle: number;
  freq: number;
}

function restoreOptionsOrReply(ctx: CommandContext, argv: string[]): RestoreOptions | undefined {
  const o: RestoreOptions = { replace: false, absTtl: false, idle: -1, freq: -1 };
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (is(argv[j], 'REPLACE')) o.replace = true;
    else if (is(argv[j], 'ABSTTL')) o.absTtl = true;
    else if (is(argv[j], 'IDLETIME') && more >= 1 && o.freq === -1) {
      const n = intOrReply(ctx.reply, argv[++j]);
      if (n === undefined) return undefined;
      if (n < 0) return void ctx.reply.error('ERR Invalid IDLETIME value, must be >= 0');
      o.idle = n;
    } else if (is(argv[j], 'FREQ') && more >= 1 && o.idle === -1) {
      const n = intOrReply(ctx.reply, argv[++j]);
      if (n === undefined) return undefined;
      if (n < 0 || n > 255) return void ctx.reply.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      o.freq = n;
    } else return void ctx.reply.error(E.SYNTAX);
  }
  return o;
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], checks in Redis' order. */
function restore(ctx: CommandContext, argv: string[]): void {
  const o = restoreOptionsOrReply(ctx, argv);
  if (o === undefined) return;
  const key = argv[1];
  if (!o.replace && ctx.db.exists(key)) return ctx.reply.error(BUSYKEY);
  let ttl = intOrReply(ctx.reply, argv[2]);
  if (ttl === undefined) return;
  if (ttl < 0) return ctx.reply.error('ERR Invalid TTL value, must be >= 0');
  const parsed = parseDumpPayload(Buffer.from(argv[3], 'latin1'), decodeContextFrom(ctx.server.config));
  if ('error' in parsed) return ctx.reply.error(parsed.error);
  const value = parsed.value;
  const deleted = o.replace && ctx.db.delete(key);
  const now = ctx.server.keyspace.now;
  if (ttl !== 0 && !o.absTtl) ttl += now;
  if (ttl !== 0 && ttl <= now && !ctx.server.loading && !ctx.server.keyspace.isReplica) {
    // Already expired: the key is just gone, as a DEL would leave it.
    if (deleted) {
      ctx.propagateAs(['DEL', key]);
      ctx.notify('generic', 'del', key);
      ctx.dirty();
    }
    return ctx.reply.ok();
  }
  ctx.db.restore(key, value, ttl);
  const e = ctx.db.storedEntry(key)!;
  const policy = ctx.server.config.get('maxmemory-policy') ?? '';
  if (policy.includes('lfu') && o.freq >= 0) e.lfu = o.freq;
  else if (!policy.includes('lfu') && o.idle >= 0) e.lru = now - o.idle * 1000;
  if (ttl !== 0 && !o.absTtl) ctx.propagateAs(['RESTORE', key, String(ttl), argv[3], ...argv.slice(4), 'ABSTTL']);
  ctx.notify('generic', 'restore', key);
  ctx.dirty();
  ctx.reply.ok();
}

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the dataset (unless NOSAVE) and loads the file back,
 * as Redis does to check that what it writes is what it reads. NOFLUSH keeps the current keys (a key
 * in both is an error, unless MERGE, which lets the file's value win).
 */
export function debugReload(ctx: CommandContext, argv: string[]): void {
  let flush = true;
  let doSave = true;
  let merge = false;
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'MERGE')) merge = true;
    else if (is(argv[i], 'NOFLUSH')) flush = false;
    else if (is(argv[i], 'NOSAVE')) doSave = false;
    else return ctx.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const p = rdbPersistence(ctx.server);
  if (doSave && !p.saveNow()) return ctx.reply.error('ERR');
  const failed = 'ERR Error trying to load the RDB dump, check server logs.';
  let loaded: LoadedRdb;
  try {
    loaded = loadRdbSync(readFileSync(p.path), { decode: decodeContextFrom(ctx.server.config), databases: ctx.server.databases.length, verifyChecksum: ctx.server.config.getBool('rdbchecksum') });
  } catch (e) {
    ctx.server.log.warning(`DEBUG RELOAD: ${(e as Error).message}`);
    return ctx.reply.error(failed);
  }
  if (flush) commitLoad(ctx.server, loaded);
  else {
    const live = ctx.server.databases;
    if (!merge && loaded.databases.some((db, i) => [...db.entries()].some((e) => live[i].storedEntry(e.key) !== undefined))) return ctx.reply.error(failed);
    for (const db of loaded.databases) {
      for (const e of db.entries()) {
        live[db.id].delete(e.key);
        live[db.id].restore(e.key, e.value, e.expireAt);
      }
    }
    for (const apply of loaded.commits) apply(ctx.server);
  }
  ctx.server.log.warning('DB reloaded by DEBUG RELOAD');
  ctx.reply.ok();
}


export const persistenceCommands: CommandSpec[] = [
  { name: 'save', arity: 1, flags: ['admin', 'noscript', 'no-multi', 'no-async-loading'], group: 'server', since: '1.0.0', summary: 'Synchronously saves the database(s) to disk.', complexity: 'O(N) where N is the total number of keys in all databases', run: save },
  { name: 'bgsave', arity: -1, flags: ['admin', 'noscript', 'no-async-loading'], group: 'server', since: '1.0.0', summary: 'Asynchronously saves the database(s) to disk.', complexity: 'O(1)', run: bgsave },
  { name: 'dump', arity: 2, flags: ['readonly'], keys: [1, 1, 1], group: 'generic', since: '2.6.0', summary: 'Returns a serialized representation of the value stored at a key.', complexity: 'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).', run: dump },
  { name: 'restore', arity: -4, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: 'generic', since: '2.6.0', summary: 'Creates a key from the serialized representation of a value.', complexity: 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).', run: restore },
  { name: 'migrate', arity: -6, flags: ['write', 'movablekeys'], keys: [3, 3, 1], getKeys: migrateKeys, getKeysAndFlags: (argv) => migrateKeys(argv).map((index) => ({ index, flags: MIGRATED_KEY })), group: 'generic', since: '2.6.0', summary: 'Atomically transfers a key from one Redis instance to another.', complexity: 'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.', run: migrate },
];

/** Redis' migrateGetKeys: the key argument, or the ones after KEYS (none if both are given). */
function migrateKeys(argv: readonly string[]): number[] {
  for (let i = 6; i < argv.length; i++) {
    if (is(argv[i], 'KEYS')) return argv[3] !== '' ? [] : Array.from({ length: argv.length - i - 1 }, (_, k) => i + 1 + k);
    if (is(argv[i], 'AUTH')) i++;
    else if (is(argv[i], 'AUTH2')) i += 2;
  }
  return [3];
}

const MIGRATED_KEY: readonly KeySpecFlag[] = ['RW', 'access', 'delete'];
