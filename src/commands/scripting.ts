// EVAL, EVALSHA, their _RO variants and SCRIPT (Redis eval.c): argument handling and the script
// cache's commands. Running a script is script-runner.ts's job.
import { is, numkeysKeyIndexes, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { helpReply } from './keys.js';
import { scriptingOf } from '../engine/script-runner.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

/** The numkeys argument, or the error Redis replies for it. */
function numKeys(argv: readonly string[]): number | string {
  const n = parseInteger(argv[2]);
  if (n === undefined) return E.NOT_INTEGER;
  if (n > argv.length - 3) return "ERR Number of keys can't be greater than number of args";
  if (n < 0) return "ERR Number of keys can't be negative";
  return n;
}

/** Keys are the numkeys arguments after it (evalGetKeys). */
function evalKeys(argv: readonly string[]): number[] {
  return numkeysKeyIndexes(argv, 2, 3);
}

function evalGeneric(ctx: CommandContext, argv: string[], bySha: boolean, readOnly: boolean): void {
  const scripting = scriptingOf(ctx.server);
  // EVAL is flagged skip-monitor and shown here instead, before the commands its script runs.
  if (ctx.server.monitors.size > 0) scripting.dispatcher.feedMonitors(ctx.client, argv);
  // No script has a SHA of another length: answered before numkeys is even looked at.
  if (bySha && argv[1].length !== 40) return ctx.reply.error(NOSCRIPT);
  const n = numKeys(argv);
  if (typeof n === 'string') return ctx.reply.error(n);
  const script = bySha ? (scripting.get(argv[1]) ?? { error: NOSCRIPT }) : scripting.load(argv[1]);
  if ('error' in script) return ctx.reply.error(script.error);
  scripting.eval(ctx, script, argv.slice(3, 3 + n), argv.slice(3 + n), readOnly);
}

function scriptLoad(ctx: CommandContext, argv: string[]): void {
  const script = scriptingOf(ctx.server).load(argv[2]);
  if ('error' in script) return ctx.reply.error(script.error);
  ctx.reply.bulk(script.sha);
}

function scriptExists(ctx: CommandContext, argv: string[]): void {
  const scripting = scriptingOf(ctx.server);
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.int(scripting.get(argv[i]) === undefined ? 0 : 1);
}

/** ASYNC and SYNC both flush at once: a fresh VM is cheap, and Redis' reply is the same. */
function scriptFlush(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3 || (argv.length === 3 && !is(argv[2], 'SYNC') && !is(argv[2], 'ASYNC'))) {
    return ctx.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  scriptingOf(ctx.server).flush();
  ctx.reply.ok();
}

function scriptKill(ctx: CommandContext): void {
  const error = scriptingOf(ctx.server).kill(true);
  if (error !== null) return ctx.reply.error(error);
  ctx.reply.ok();
}

const EVAL_FLAGS = ['noscript', 'stale', 'skip-monitor', 'no-mandatory-keys', 'movablekeys'] as const;
const EVAL_RO_FLAGS = ['readonly', ...EVAL_FLAGS] as const;
const movable: [number, number, number] = [0, 0, 0];
const EVAL_COMPLEXITY = 'Depends on the script that is executed.';

function evalSpec(name: string, summary: string, since: string, bySha: boolean, readOnly: boolean): CommandSpec {
  return {
    name, arity: -3, flags: readOnly ? EVAL_RO_FLAGS : EVAL_FLAGS, keys: movable, getKeys: evalKeys, group: 'scripting', since, summary,
    complexity: EVAL_COMPLEXITY, run: (ctx, argv) => evalGeneric(ctx, argv, bySha, readOnly),
  };
}

const scriptCommand: CommandSpec = {
  name: 'script', arity: -2, flags: [], group: 'scripting', since: '2.6.0', summary: 'A container for Lua scripts management commands.', complexity: 'Depends on subcommand.',
  subcommands: [
    { name: 'script|exists', arity: -3, flags: ['noscript'], group: 'scripting', since: '2.6.0', summary: 'Determines whether server-side Lua scripts exist in the script cache.', complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).', run: scriptExists },
    { name: 'script|flush', arity: -2, flags: ['noscript'], group: 'scripting', since: '2.6.0', summary: 'Removes all server-side Lua scripts from the script cache.', complexity: 'O(N) with N being the number of scripts in cache', run: scriptFlush },
    { name: 'script|help', arity: 2, flags: ['loading', 'stale'], group: 'scripting', since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', run: (ctx) => helpReply(ctx, SCRIPT_HELP) },
    { name: 'script|kill', arity: 2, flags: ['noscript', 'allow-busy'], group: 'scripting', since: '2.6.0', summary: 'Terminates a server-side Lua script during execution.', complexity: 'O(1)', run: scriptKill },
    { name: 'script|load', arity: 3, flags: ['noscript', 'stale'], group: 'scripting', since: '2.6.0', summary: 'Loads a server-side Lua script to the script cache.', complexity: 'O(N) with N being the length in bytes of the script body.', run: scriptLoad },
  ],
};

export const scriptingCommands: CommandSpec[] = [
  evalSpec('eval', 'Executes a server-side Lua script.', '2.6.0', false, false),
  evalSpec('evalsha', 'Executes a server-side Lua script by SHA1 digest.', '2.6.0', true, false),
  evalSpec('eval_ro', 'Executes a read-only server-side Lua script.', '7.0.0', false, true),
  evalSpec('evalsha_ro', 'Executes a read-only server-side Lua script by SHA1 digest.', '7.0.0', true, true),
  scriptCommand,
];
