// Typed key look-ups shared by every command group: each returns the value, null when the key is
// missing, or undefined after replying WRONGTYPE — the "...OrReply" convention.
import type { ListValue } from '../structures/list.js';
import type { HashValue } from '../structures/hash.js';
import type { SetValue } from '../structures/set.js';
import type { ZSetValue } from '../structures/zset.js';
import type { StreamValue } from '../structures/stream.js';
import type { RedisValue } from '../structures/values.js';
import { WRONGTYPE } from '../engine/errors.js';
import type { CommandContext } from '../engine/types.js';

type Collections = { list: ListValue; hash: HashValue; set: SetValue; zset: ZSetValue; stream: StreamValue };

function typed<K extends keyof Collections>(ctx: CommandContext, v: RedisValue | undefined, type: K): Collections[K] | null | undefined {
  if (v === undefined) return null;
  if (typeof v === 'object' && v.type === type) return v as Collections[K];
  ctx.reply.error(WRONGTYPE);
  return undefined;
}

/** A string value for reading (numbers formatted), null if missing, undefined after WRONGTYPE. */
export function readStringOrReply(ctx: CommandContext, key: string): string | null | undefined {
  const v = ctx.db.lookupRead(key);
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  ctx.reply.error(WRONGTYPE);
  return undefined;
}

/** A string value about to be overwritten or modified: lookupWrite semantics. */
export function writeStringOrReply(ctx: CommandContext, key: string): string | number | null | undefined {
  const v = ctx.db.lookupWrite(key);
  if (v === undefined) return null;
  if (typeof v !== 'object') return v;
  ctx.reply.error(WRONGTYPE);
  return undefined;
}

export function readTypedOrReply<K extends keyof Collections>(ctx: CommandContext, key: string, type: K): Collections[K] | null | undefined {
  return typed(ctx, ctx.db.lookupRead(key), type);
}

export function writeTypedOrReply<K extends keyof Collections>(ctx: CommandContext, key: string, type: K): Collections[K] | null | undefined {
  return typed(ctx, ctx.db.lookupWrite(key), type);
}
