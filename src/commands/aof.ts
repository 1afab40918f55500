// BGREWRITEAOF: a new AOF base from a point-in-time view, written while clients are served
// (persistence/aof.ts does the work; the reply says whether it started).
import type { CommandContext, CommandSpec } from '../engine/types.js';

function bgrewriteaof(ctx: CommandContext): void {
  const aof = ctx.server.aof;
  if (aof === undefined) return ctx.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  const line = aof.bgrewrite();
  if (line.startsWith('ERR ')) return ctx.reply.error(line);
  ctx.reply.simple(line);
}

export const aofCommands: readonly CommandSpec[] = [
  { name: 'bgrewriteaof', arity: 1, flags: ['admin', 'noscript', 'no-async-loading'], group: 'server', since: '1.0.0', summary: 'Asynchronously rewrite the append-only file', complexity: 'O(1)', run: bgrewriteaof },
];
