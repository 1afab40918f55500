// Transactions (Redis multi.c): MULTI opens a queue (the gate in dispatch.ts queues and replies
// QUEUED, and flags a rejected command), EXEC runs the queue through the one command path as one
// atomic step, DISCARD drops it; WATCH/UNWATCH manage the optimistic locks kept in watch.ts.
import { AclDenial } from '../engine/acl-selector.js';
import type { QueuedCommand } from '../engine/client.js';
import { hasFlag } from '../engine/command-table.js';
import { CallContext } from '../engine/dispatch.js';
import * as E from '../engine/errors.js';
import { openAtomicUnit } from '../engine/propagate-unit.js';
import { scriptingOf } from '../engine/script-runner.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** EXEC re-enters the dispatcher with the caller's own context; only the dispatcher runs it. */
function callContext(ctx: CommandContext): CallContext {
  if (ctx instanceof CallContext) return ctx;
  throw new Error('EXEC must run through the dispatcher');
}

/** Leaves MULTI state and forgets every WATCH (Redis' discardTransaction). */
function endTransaction(ctx: CommandContext): void {
  const client = ctx.client;
  client.multi = null;
  client.multiFailed = false;
  client.dirtyCas = false;
  ctx.server.watches.unwatchAll(client);
}

function multi(ctx: CommandContext): void {
  if (ctx.client.multi !== null) return ctx.reply.error('ERR MULTI calls can not be nested');
  ctx.client.multi = [];
  ctx.reply.ok();
}

function discard(ctx: CommandContext): void {
  if (ctx.client.multi === null) return ctx.reply.error('ERR DISCARD without MULTI');
  endTransaction(ctx);
  ctx.reply.ok();
}

/** Redis refuses EXEC with OOM when a queued command may grow memory and none can be freed. */
function outOfMemory(ctx: CallContext, queue: readonly QueuedCommand[]): boolean {
  const guard = ctx.dispatcher.memoryGuard;
  return guard !== undefined && queue.some((q) => hasFlag(q.spec, 'denyoom')) && !guard(ctx.client);
}

/** Why EXEC refuses a queued command whose permission was revoked after it was queued (Redis' execCommand). */
const REVOKED_REASON: Record<number, string> = {
  [AclDenial.Command]: 'no permission to execute the command or subcommand',
  [AclDenial.Key]: 'no permission to touch the specified keys',
  [AclDenial.Channel]: 'no permission to access one of the channels used as arguments',
};

/**
 * Runs the queue from `from`, each reply an element of one array. The client stays in MULTI state
 * meanwhile, as in Redis: ctx.canBlock is false then (blocking commands answer at once) and
 * SUBSCRIBE is still allowed. A script past busy-reply-threshold is suspended as at top level
 * (others get BUSY); the rest of the queue runs once it has replied, and the transaction ends,
 * its writes propagated as one unit, after the last command.
 */
function runQueued(ctx: CallContext, queue: readonly QueuedCommand[], from: number, finish: () => void): void {
  const top = !ctx.dispatcher.callIsNested;
  const scripting = scriptingOf(ctx.server);
  const acl = ctx.server.acl;
  try {
    for (let i = from; i < queue.length; i++) {
      const { spec, argv } = queue[i];
      // Permissions are checked again: they may have changed since the command was queued.
      const verdict = acl.check(ctx.client, spec, argv);
      if (verdict.denial !== AclDenial.None) {
        acl.logVerdict(ctx.client, verdict, 'multi', spec, argv);
        ctx.reply.error(`NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${REVOKED_REASON[verdict.denial]}`);
        continue;
      }
      if (!top) {
        ctx.dispatcher.call(ctx, spec, argv);
      } else if (scripting.callInTransaction(ctx, spec, argv)) {
        const next = i + 1;
        scripting.afterScript(() => runQueued(ctx, queue, next, finish));
        return;
      }
    }
  } catch (e) {
    finish();
    throw e;
  }
  finish();
}

function exec(context: CommandContext): void {
  const ctx = callContext(context);
  const client = ctx.client;
  const queue = client.multi;
  if (queue === null) return ctx.reply.error('ERR EXEC without MULTI');
  if (outOfMemory(ctx, queue)) {
    endTransaction(ctx);
    return ctx.reply.error(`EXECABORT Transaction discarded because of: ${E.OOM}`);
  }
  if (ctx.server.watches.expiredSinceWatch(client)) client.dirtyCas = true;
  if (client.multiFailed || client.dirtyCas) {
    const aborted = client.multiFailed;
    endTransaction(ctx);
    return aborted ? ctx.reply.error(EXECABORT) : ctx.reply.nullArray();
  }
  // Unwatch first: the transaction's own writes must not dirty it.
  ctx.server.watches.unwatchAll(client);
  const unit = openAtomicUnit(ctx.server);
  ctx.reply.array(queue.length);
  runQueued(ctx, queue, 0, () => {
    unit.close();
    endTransaction(ctx);
  });
}

function watch(ctx: CommandContext, argv: string[]): void {
  if (ctx.client.multi !== null) return ctx.reply.error('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) ctx.server.watches.watch(ctx.client, ctx.db.id, argv[i]);
  ctx.reply.ok();
}

function unwatch(ctx: CommandContext): void {
  ctx.server.watches.unwatchAll(ctx.client);
  ctx.client.dirtyCas = false;
  ctx.reply.ok();
}

export const transactionCommands: CommandSpec[] = [
  { name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', since: '1.2.0', summary: 'Starts a transaction.', complexity: 'O(1)', run: multi },
  { name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip-slowlog'], group: 'transactions', since: '1.2.0', summary: 'Executes all commands in a transaction.', complexity: 'Depends on commands in the transaction', run: exec },
  { name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', since: '2.0.0', summary: 'Discards a transaction.', complexity: 'O(N), when N is the number of queued commands', run: discard },
  { name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], keys: [1, -1, 1], group: 'transactions', since: '2.2.0', summary: 'Monitors changes to keys to determine the execution of a transaction.', complexity: 'O(1) for every key.', run: watch },
  { name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], group: 'transactions', since: '2.2.0', summary: 'Forgets about watched keys of a transaction.', complexity: 'O(1)', run: unwatch },
];
