// Key expiry commands (Redis expire.c): EXPIRE family with NX/XX/GT/LT, TTL family, PERSIST.
// Relative times are propagated as PEXPIREAT so replicas and the AOF agree on the instant.
import { expireAtFrom, msInt, parseInt64 } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

type Unit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

function expireGeneric(ctx: CommandContext, argv: string[], unit: Unit): void {
  const key = argv[1];
  const v = parseInt64(argv[2]);
  if (v === undefined) return ctx.reply.error(E.NOT_INTEGER);
  let nx = false, xx = false, gt = false, lt = false;
  for (let i = 3; i < argv.length; i++) {
    const o = argv[i].toUpperCase();
    if (o === 'NX') nx = true;
    else if (o === 'XX') xx = true;
    else if (o === 'GT') gt = true;
    else if (o === 'LT') lt = true;
    else return ctx.reply.error(`ERR Unsupported option ${argv[i]}`);
  }
  if (nx && (xx || gt || lt)) return ctx.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) return ctx.reply.error('ERR GT and LT options at the same time are not compatible');
  const now = ctx.server.keyspace.now;
  const at = expireAtFrom(unit, v, now);
  if (at === undefined) return ctx.reply.error(E.INVALID_EXPIRE(argv[0].toLowerCase()));
  const current = ctx.db.getExpire(key);
  if (current === undefined) return ctx.reply.int(0);
  // A persistent key counts as an infinite TTL for GT/LT.
  if (nx && current !== 0) return ctx.reply.int(0);
  if (xx && current === 0) return ctx.reply.int(0);
  if (gt && (current === 0 || at <= current)) return ctx.reply.int(0);
  if (lt && current !== 0 && at >= current) return ctx.reply.int(0);
  if (at <= now && !ctx.client.isMaster && !ctx.server.loading) {
    ctx.db.delete(key);
    ctx.dirty();
    ctx.notify('generic', 'del', key);
    ctx.propagateAs(['DEL', key]);
    return ctx.reply.int(1);
  }
  ctx.db.setExpire(key, at);
  ctx.dirty();
  ctx.notify('generic', 'expire', key);
  ctx.propagateAs(['PEXPIREAT', key, String(msInt(at))]);
  ctx.reply.int(1);
}

function ttlGeneric(ctx: CommandContext, argv: string[], output: 'ttl' | 'pttl' | 'expiretime' | 'pexpiretime'): void {
  if (ctx.db.lookupRead(argv[1], false) === undefined) return ctx.reply.int(-2);
  const at = ctx.db.getExpire(argv[1])!;
  if (at === 0) return ctx.reply.int(-1);
  if (output === 'expiretime') return ctx.reply.int(msInt(Math.floor(at / 1000)));
  if (output === 'pexpiretime') return ctx.reply.int(msInt(at));
  const ttl = Math.max(0, at - ctx.server.keyspace.now);
  ctx.reply.int(msInt(output === 'pttl' ? ttl : Math.floor((ttl + 500) / 1000)));
}

function persist(ctx: CommandContext, argv: string[]): void {
  if (!ctx.db.persist(argv[1])) return ctx.reply.int(0);
  ctx.dirty();
  ctx.notify('generic', 'persist', argv[1]);
  ctx.reply.int(1);
}

const key1: [number, number, number] = [1, 1, 1];
const expireSpec = (name: string, unit: Unit, since: string, summary: string): CommandSpec => ({
  name, arity: -3, flags: ['write', 'fast'], keys: key1, group: 'generic', since, summary, complexity: 'O(1)',
  run: (ctx, argv) => expireGeneric(ctx, argv, unit),
});
const ttlSpec = (name: 'ttl' | 'pttl' | 'expiretime' | 'pexpiretime', since: string, summary: string): CommandSpec => ({
  name, arity: 2, flags: ['readonly', 'fast'], keys: key1, group: 'generic', since, summary, complexity: 'O(1)',
  run: (ctx, argv) => ttlGeneric(ctx, argv, name),
});

export const expireCommands: CommandSpec[] = [
  expireSpec('expire', 'EX', '1.0.0', 'Sets the expiration time of a key in seconds.'),
  expireSpec('pexpire', 'PX', '2.6.0', 'Sets the expiration time of a key in milliseconds.'),
  expireSpec('expireat', 'EXAT', '1.2.0', 'Sets the expiration time of a key to a Unix timestamp.'),
  expireSpec('pexpireat', 'PXAT', '2.6.0', 'Sets the expiration time of a key to a Unix milliseconds timestamp.'),
  ttlSpec('ttl', '1.0.0', 'Returns the expiration time in seconds of a key.'),
  ttlSpec('pttl', '2.6.0', 'Returns the expiration time in milliseconds of a key.'),
  ttlSpec('expiretime', '7.0.0', 'Returns the expiration time of a key as a Unix timestamp.'),
  ttlSpec('pexpiretime', '7.0.0', 'Returns the expiration time of a key as a Unix milliseconds timestamp.'),
  { name: 'persist', arity: 2, flags: ['write', 'fast'], keys: key1, group: 'generic', since: '2.2.0', summary: 'Removes the expiration time of a key.', complexity: 'O(1)', run: persist },
];
