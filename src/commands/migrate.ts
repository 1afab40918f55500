// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k...]:
// DUMP here, RESTORE there, DEL here on each acknowledged key — blocking the server meanwhile as
// Redis does (blocking-exchange.ts), so no other command sees a key half-moved.
import { encodeRequest } from './migrate-request.js';
import { intOrReply, is } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext } from '../engine/types.js';
import { blockingExchange } from '../network/blocking-exchange.js';
import { createDumpPayload } from '../persistence/dump-payload.js';

interface MigrateOptions {
  copy: boolean;
  replace: boolean;
  username: string | undefined;
  password: string | undefined;
  keys: string[];
}

function optionsOrReply(ctx: CommandContext, argv: string[]): MigrateOptions | undefined {
  const o: MigrateOptions = { copy: false, replace: false, username: undefined, password: undefined, keys: [argv[3]] };
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (is(argv[j], 'COPY')) o.copy = true;
    else if (is(argv[j], 'REPLACE')) o.replace = true;
    else if (is(argv[j], 'AUTH')) {
      if (more < 1) return void ctx.reply.error(E.SYNTAX);
      o.password = argv[++j];
    } else if (is(argv[j], 'AUTH2')) {
      if (more < 2) return void ctx.reply.error(E.SYNTAX);
      o.username = argv[++j];
      o.password = argv[++j];
    } else if (is(argv[j], 'KEYS')) {
      if (argv[3] !== '') return void ctx.reply.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      o.keys = argv.slice(j + 1);
      break;
    } else return void ctx.reply.error(E.SYNTAX);
  }
  return o;
}

export function migrate(ctx: CommandContext, argv: string[]): void {
  const o = optionsOrReply(ctx, argv);
  if (o === undefined) return;
  let timeout = intOrReply(ctx.reply, argv[5]);
  if (timeout === undefined) return;
  const dbid = intOrReply(ctx.reply, argv[4]);
  if (dbid === undefined) return;
  if (timeout <= 0) timeout = 1000;
  const present = o.keys.filter((k) => ctx.db.lookupRead(k) !== undefined);
  if (present.length === 0) return ctx.reply.simple('NOKEY');

  const commands: string[][] = [];
  if (o.password !== undefined) commands.push(o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
  commands.push(['SELECT', String(dbid)]);
  const now = ctx.server.keyspace.now;
  const moving: string[] = [];
  for (const key of present) {
    const e = ctx.db.entry(key);
    if (e === undefined) continue;
    let ttl = 0;
    if (e.expireAt !== 0) ttl = Math.max(1, e.expireAt - now);
    const cmd = ['RESTORE', key, String(ttl), createDumpPayload(e.value, true).toString('latin1')];
    if (o.replace) cmd.push('REPLACE');
    commands.push(cmd);
    moving.push(key);
  }
  const r = blockingExchange(argv[1], Number(argv[2]), encodeRequest(commands), commands.length, timeout);
  if (!r.ok) {
    if (r.error === 'connect') return ctx.reply.error('IOERR error or timeout connecting to the client');
    return ctx.reply.error(`IOERR error or timeout ${r.error === 'write' ? 'writing' : 'reading'} to target instance`);
  }
  const firstError = r.replies.find((line) => line.startsWith('-'));
  const restoreReplies = r.replies.slice(commands.length - moving.length);
  const deleted: string[] = [];
  if (!o.copy) {
    restoreReplies.forEach((line, i) => {
      if (line.startsWith('-')) return;
      if (firstError !== undefined && r.replies.indexOf(firstError) < commands.length - moving.length) return;
      ctx.db.delete(moving[i]);
      ctx.notify('generic', 'del', moving[i]);
      deleted.push(moving[i]);
    });
  }
  if (deleted.length > 0) {
    ctx.propagateAs(['DEL', ...deleted]);
    ctx.dirty(deleted.length);
  }
  if (firstError !== undefined) return ctx.reply.error(`ERR Target instance replied with error: ${firstError.slice(1)}`);
  ctx.reply.ok();
}
