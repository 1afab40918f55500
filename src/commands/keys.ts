// Generic keyspace commands (Redis db.c / object.c): DEL, EXISTS, TYPE, RENAME, KEYS, SCAN, databases,
// COPY/MOVE, OBJECT.
import { rdbPersistence } from '../persistence/rdb-persistence.js';
import { lfuDecayed } from '../structures/eviction.js';
import { globMatch, isLiteralPattern } from '../structures/glob.js';
import { cloneValue, typeName, type RedisValue } from '../structures/values.js';
import { is, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { parseCursorOrReply, scanOptionsOrReply, scanReply } from './scan.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

function del(ctx: CommandContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (ctx.db.delete(argv[i])) {
      n++;
      ctx.notify('generic', 'del', argv[i]);
    }
  }
  ctx.dirty(n);
  ctx.reply.int(n);
}

function exists(ctx: CommandContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(argv[i]) !== undefined) n++;
  ctx.reply.int(n);
}

function touch(ctx: CommandContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(argv[i]) !== undefined) n++;
  ctx.reply.int(n);
}

function type(ctx: CommandContext, argv: string[]): void {
  const v = ctx.db.peek(argv[1]);
  ctx.reply.simple(v === undefined ? 'none' : typeName(v));
}

function renameGeneric(ctx: CommandContext, argv: string[], nx: boolean): void {
  const [, src, dst] = argv;
  const value = ctx.db.lookupWrite(src);
  if (value === undefined) return ctx.reply.error(E.NO_SUCH_KEY);
  if (src === dst) return nx ? ctx.reply.int(0) : ctx.reply.ok();
  if (nx && ctx.db.exists(dst)) return ctx.reply.int(0);
  const expireAt = ctx.db.getExpire(src) ?? 0;
  ctx.db.delete(src);
  ctx.db.delete(dst);
  ctx.db.restore(dst, value, expireAt);
  ctx.dirty();
  ctx.notify('generic', 'rename_from', src);
  ctx.notify('generic', 'rename_to', dst);
  nx ? ctx.reply.int(1) : ctx.reply.ok();
}

function keys(ctx: CommandContext, argv: string[]): void {
  const pattern = argv[1];
  if (isLiteralPattern(pattern)) return ctx.reply.bulks(ctx.db.exists(pattern) ? [pattern] : []);
  const all = ctx.db.liveKeys();
  ctx.reply.bulks(pattern === '*' ? all : all.filter((k) => globMatch(pattern, k)));
}

function scan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursorOrReply(ctx, argv[1]);
  if (cursor === undefined) return;
  const opts = scanOptionsOrReply(ctx, argv, 2, true);
  if (opts === undefined) return;
  const db = ctx.db;
  scanReply(ctx, cursor, {
    whole: false,
    pairs: false,
    step: (c, visit) => db.scanStep(c, (key, value) => visit(key, undefined, typeName(value))),
  }, opts);
}

function randomkey(ctx: CommandContext): void {
  const key = ctx.db.randomKey();
  key === undefined ? ctx.reply.nil() : ctx.reply.bulk(key);
}

function dbsize(ctx: CommandContext): void {
  ctx.reply.int(ctx.db.size);
}

function dbIndexOrReply(ctx: CommandContext, s: string, invalid = E.NOT_INTEGER): number | undefined {
  const n = parseInteger(s);
  if (n === undefined) {
    ctx.reply.error(invalid);
    return undefined;
  }
  if (n < 0 || n >= ctx.server.databases.length) {
    ctx.reply.error(E.DB_INDEX);
    return undefined;
  }
  return n;
}

function select(ctx: CommandContext, argv: string[]): void {
  const n = dbIndexOrReply(ctx, argv[1]);
  if (n === undefined) return;
  ctx.client.dbIndex = n;
  ctx.db = ctx.server.databases[n];
  ctx.reply.ok();
}

function swapdb(ctx: CommandContext, argv: string[]): void {
  const a = dbIndexOrReply(ctx, argv[1], 'ERR invalid first DB index');
  if (a === undefined) return;
  const b = dbIndexOrReply(ctx, argv[2], 'ERR invalid second DB index');
  if (b === undefined) return;
  if (a !== b) ctx.server.databases[a].swapWith(ctx.server.databases[b]);
  ctx.dirty();
  ctx.reply.ok();
}

function move(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const target = dbIndexOrReply(ctx, argv[2]);
  if (target === undefined) return;
  if (target === ctx.db.id) return ctx.reply.error('ERR source and destination objects are the same');
  const value = ctx.db.lookupWrite(key);
  if (value === undefined) return ctx.reply.int(0);
  const dst = ctx.server.databases[target];
  if (dst.exists(key)) return ctx.reply.int(0);
  const expireAt = ctx.db.getExpire(key) ?? 0;
  ctx.db.delete(key);
  dst.restore(key, value, expireAt);
  ctx.dirty();
  ctx.notify('generic', 'move_from', key);
  ctx.notify('generic', 'move_to', key, target);
  ctx.reply.int(1);
}

function copy(ctx: CommandContext, argv: string[]): void {
  const [, src, dst] = argv;
  let target = ctx.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    if (is(argv[i], 'REPLACE')) replace = true;
    else if (is(argv[i], 'DB') && i + 1 < argv.length) {
      const n = dbIndexOrReply(ctx, argv[++i]);
      if (n === undefined) return;
      target = ctx.server.databases[n];
    } else return ctx.reply.error(E.SYNTAX);
  }
  if (src === dst && target === ctx.db) return ctx.reply.error('ERR source and destination objects are the same');
  const value = ctx.db.lookupRead(src);
  if (value === undefined) return ctx.reply.int(0);
  if (target.exists(dst)) {
    if (!replace) return ctx.reply.int(0);
    target.delete(dst);
  }
  target.restore(dst, cloneValue(value), ctx.db.getExpire(src) ?? 0);
  ctx.dirty();
  ctx.notify('generic', 'copy_to', dst, target.id);
  ctx.reply.int(1);
}

function flushMode(ctx: CommandContext, argv: string[]): boolean {
  if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'ASYNC') && !is(argv[1], 'SYNC'))) {
    ctx.reply.error(E.SYNTAX);
    return false;
  }
  return true;
}

function flushdb(ctx: CommandContext, argv: string[]): void {
  if (!flushMode(ctx, argv)) return;
  ctx.dirty(ctx.db.flush() + 1);
  ctx.reply.ok();
}

function flushall(ctx: CommandContext, argv: string[]): void {
  if (!flushMode(ctx, argv)) return;
  let n = 0;
  for (const db of ctx.server.databases) n += db.flush();
  rdbPersistence(ctx.server).afterFlushAll();
  ctx.dirty(n + 1);
  ctx.reply.ok();
}

/** Redis shares integer objects 0..9999 (OBJ_SHARED_INTEGERS), which report refcount INT_MAX. */
const SHARED_INTEGERS = 10000;

/** Collections decide their encoding as they change (one way, as in Redis); strings by form and size. */
function objectEncoding(v: RedisValue): string {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return v.length <= 44 ? 'embstr' : 'raw';
  return v.encoding();
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

function objectSub(name: string, run: (ctx: CommandContext, argv: string[]) => void, summary: string): CommandSpec {
  return { name: `object|${name}`, arity: 3, flags: ['readonly'], keys: [2, 2, 1], group: 'generic', since: '2.2.3', summary, run };
}

function withEntry(ctx: CommandContext, key: string, fn: (v: RedisValue) => void): void {
  const e = ctx.db.entry(key);
  if (e === undefined) return ctx.reply.nil();
  fn(e.value);
}

const lfuSelected = (ctx: CommandContext): boolean => (ctx.server.config.get('maxmemory-policy') ?? '').includes('lfu');

export const objectCommand: CommandSpec = {
  name: 'object', arity: -2, flags: [], group: 'generic', since: '2.2.3', summary: 'A container for object introspection commands.',
  subcommands: [
    objectSub('encoding', (ctx, argv) => withEntry(ctx, argv[2], (v) => ctx.reply.bulk(objectEncoding(v))), 'Returns the internal encoding of a Redis object.'),
    objectSub('refcount', (ctx, argv) => withEntry(ctx, argv[2], (v) => ctx.reply.int(typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS ? 2147483647 : 1)), 'Returns the reference count of a value of a key.'),
    objectSub('idletime', (ctx, argv) => {
      const e = ctx.db.entry(argv[2]);
      if (e === undefined) return ctx.reply.nil();
      if (lfuSelected(ctx)) return ctx.reply.error('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      ctx.reply.int(Math.floor((Date.now() - e.lru) / 1000));
    }, 'Returns the time since the last access to a Redis object.'),
    objectSub('freq', (ctx, argv) => {
      const e = ctx.db.entry(argv[2]);
      if (e === undefined) return ctx.reply.nil();
      if (!lfuSelected(ctx)) return ctx.reply.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      ctx.reply.int(lfuDecayed(e, Date.now(), ctx.server.keyspace.lfuDecayTime));
    }, 'Returns the logarithmic access frequency counter of a Redis object.'),
    { name: 'object|help', arity: 2, flags: ['loading', 'stale'], group: 'generic', since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', run: (ctx) => helpReply(ctx, OBJECT_HELP) },
  ],
};

/** HELP subcommands reply with an array of status lines. */
export function helpReply(ctx: CommandContext, lines: readonly string[]): void {
  ctx.reply.array(lines.length);
  for (const l of lines) ctx.reply.simple(l);
}

const key1: [number, number, number] = [1, 1, 1];

export const keyCommands: CommandSpec[] = [
  { name: 'del', arity: -2, flags: ['write'], keys: [1, -1, 1], group: 'generic', since: '1.0.0', summary: 'Deletes one or more keys.', complexity: 'O(N) where N is the number of keys that will be removed.', run: del },
  { name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: [1, -1, 1], group: 'generic', since: '4.0.0', summary: 'Asynchronously deletes one or more keys.', complexity: 'O(1) for each key removed regardless of its size.', run: del },
  { name: 'exists', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], group: 'generic', since: '1.0.0', summary: 'Determines whether one or more keys exist.', complexity: 'O(N) where N is the number of keys to check.', run: exists },
  { name: 'touch', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], group: 'generic', since: '3.2.1', summary: 'Returns the number of existing keys out of those specified after updating the time they were last accessed.', complexity: 'O(N) where N is the number of keys that will be touched.', run: touch },
  { name: 'type', arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'generic', since: '1.0.0', summary: 'Determines the type of value stored at a key.', complexity: 'O(1)', run: type },
  { name: 'rename', arity: 3, flags: ['write'], keys: [1, 2, 1], group: 'generic', since: '1.0.0', summary: 'Renames a key and overwrites the destination.', complexity: 'O(1)', run: (ctx, argv) => renameGeneric(ctx, argv, false) },
  { name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: [1, 2, 1], group: 'generic', since: '1.0.0', summary: 'Renames a key only when the target key name doesn\'t exist.', complexity: 'O(1)', run: (ctx, argv) => renameGeneric(ctx, argv, true) },
  { name: 'keys', arity: 2, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'Returns all key names that match a pattern.', complexity: 'O(N) with N being the number of keys in the database', run: keys },
  { name: 'scan', arity: -2, flags: ['readonly'], group: 'generic', since: '2.8.0', summary: 'Iterates over the key names in the database.', complexity: 'O(1) for every call. O(N) for a complete iteration.', run: scan },
  { name: 'randomkey', arity: 1, flags: ['readonly'], group: 'generic', since: '1.0.0', summary: 'Returns a random key name from the database.', complexity: 'O(1)', run: randomkey },
  { name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], group: 'server', since: '1.0.0', summary: 'Returns the number of keys in the database.', complexity: 'O(1)', run: dbsize },
  { name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], group: 'connection', since: '1.0.0', summary: 'Changes the selected database.', complexity: 'O(1)', run: select },
  { name: 'swapdb', arity: 3, flags: ['write', 'fast'], group: 'server', since: '4.0.0', summary: 'Swaps two Redis databases.', complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.', run: swapdb },
  { name: 'move', arity: 3, flags: ['write', 'fast'], keys: key1, group: 'generic', since: '1.0.0', summary: 'Moves a key to another database.', complexity: 'O(1)', run: move },
  { name: 'copy', arity: -3, flags: ['write', 'denyoom'], keys: [1, 2, 1], group: 'generic', since: '6.2.0', summary: 'Copies the value of a key to a new key.', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.', run: copy },
  { name: 'flushdb', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Remove all keys from the current database.', complexity: 'O(N) where N is the number of keys in the selected database', run: flushdb },
  { name: 'flushall', arity: -1, flags: ['write'], group: 'server', since: '1.0.0', summary: 'Removes all keys from all databases.', complexity: 'O(N) where N is the total number of keys in all databases', run: flushall },
  objectCommand,
];
