// HyperLogLog commands (Redis hyperloglog.c): PFADD, PFCOUNT and PFMERGE over HLL string values.
// The representation lives in structures/hyperloglog.ts, which throws HllError with Redis' texts;
// these handlers look keys up, store, notify and propagate as Redis 7.0 does. PFDEBUG and
// PFSELFTEST are not offered: both inspect internals the structure keeps private.
import { hllAdd, hllCount, HllError, hllMerge } from '../structures/hyperloglog.js';
import { stringOf } from '../structures/values.js';
import { WRONGTYPE } from '../engine/errors.js';
import { writeStringOrReply } from './lookup.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

function sparseMaxBytes(ctx: CommandContext): number {
  return ctx.server.config.getNumber('hll-sparse-max-bytes');
}

/** Runs an HLL operation, replying its WRONGTYPE/INVALIDOBJ error instead of throwing. */
function hllOrReply<T>(ctx: CommandContext, run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof HllError)) throw err;
    ctx.reply.error(err.message);
    return undefined;
  }
}

/**
 * The keys' values (undefined when missing) for PFCOUNT and PFMERGE. Redis validates key by key,
 * so a key of another type is reported only if every key before it is a valid HLL; otherwise the
 * earlier key's HLL error wins.
 */
function hllInputsOrReply(ctx: CommandContext, keys: readonly string[]): (string | undefined)[] | undefined {
  const values: (string | undefined)[] = [];
  for (const key of keys) {
    const v = ctx.db.lookupRead(key);
    if (typeof v === 'object') {
      if (hllOrReply(ctx, () => hllMerge(undefined, values)) !== undefined) ctx.reply.error(WRONGTYPE);
      return undefined;
    }
    values.push(v === undefined ? undefined : stringOf(v));
  }
  return values;
}

function pfadd(ctx: CommandContext, argv: string[]): void {
  const key = argv[1];
  const v = writeStringOrReply(ctx, key);
  if (v === undefined) return;
  const added = hllOrReply(ctx, () => hllAdd(v === null ? undefined : stringOf(v), argv.slice(2), sparseMaxBytes(ctx)));
  if (added === undefined) return;
  if (added.changed) {
    ctx.db.setKey(key, added.value, true);
    ctx.dirty();
    ctx.notify('string', 'pfadd', key);
  }
  ctx.reply.int(added.changed ? 1 : 0);
}

function pfcount(ctx: CommandContext, argv: string[]): void {
  const values = hllInputsOrReply(ctx, argv.slice(1));
  if (values === undefined) return;
  const counted = hllOrReply(ctx, () => hllCount(values));
  if (counted === undefined) return;
  const refreshed = counted.updatedCache[0];
  if (refreshed !== undefined) {
    // A single key's cardinality is cached in its header. Redis counts refreshing it as a change
    // and replicates the PFCOUNT itself, though the command is read-only (no keyspace event).
    ctx.db.setKey(argv[1], refreshed, true);
    ctx.dirty();
    ctx.alsoPropagate(argv);
  }
  ctx.reply.int(counted.count);
}

function pfmerge(ctx: CommandContext, argv: string[]): void {
  const dest = argv[1];
  const values = hllInputsOrReply(ctx, argv.slice(1));
  if (values === undefined) return;
  const merged = hllOrReply(ctx, () => hllMerge(values[0], values.slice(1), sparseMaxBytes(ctx)));
  if (merged === undefined) return;
  ctx.db.setKey(dest, merged, true);
  ctx.dirty();
  // Redis names the event "pfadd": a merge is a mass add of elements.
  ctx.notify('string', 'pfadd', dest);
  ctx.reply.ok();
}

export const hyperloglogCommands: CommandSpec[] = [
  { name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: 'hyperloglog', since: '2.8.9', summary: 'Adds the specified elements to the specified HyperLogLog.', complexity: 'O(1) to add every element.', run: pfadd },
  {
    name: 'pfcount', arity: -2, flags: ['readonly', 'may-replicate'], keys: [1, -1, 1], group: 'hyperloglog', since: '2.8.9', summary: 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.', run: pfcount,
  },
  { name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], keys: [1, -1, 1], group: 'hyperloglog', since: '2.8.9', summary: 'Merge N different HyperLogLogs into a single one.', complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.', run: pfmerge },
];
