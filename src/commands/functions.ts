// FUNCTION and FCALL / FCALL_RO (Redis 7 functions.c): managing libraries and calling their
// functions. The catalogue is engine/function-libraries.ts; running is the script runner's.
import { is, parseInteger, numkeysKeyIndexes } from './args.js';
import { globMatch } from '../structures/glob.js';
import { helpReply } from './keys.js';
import { scriptingOf } from '../engine/script-runner.js';
import { LOAD_TIMEOUT_MS, LibrarySet, type FunctionLibrary } from '../engine/function-libraries.js';
import { dumpLibraries, libraryCodesOf } from '../persistence/function-libraries-rdb.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import { SCRIPT_FLAGS } from '../scripting/shebang.js';

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

const SLOW_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

function fcallGeneric(ctx: CommandContext, argv: string[], readOnly: boolean): void {
  const scripting = scriptingOf(ctx.server);
  // FCALL is flagged skip-monitor and shown here instead, before the commands its function runs.
  if (ctx.server.monitors.size > 0) scripting.dispatcher.feedMonitors(ctx.client, argv);
  const fn = scripting.functions.current.function(argv[1]);
  if (fn === undefined) return ctx.reply.error('ERR Function not found');
  const n = parseInteger(argv[2]);
  if (n === undefined) return ctx.reply.error('ERR Bad number of keys provided');
  if (n > argv.length - 3) return ctx.reply.error("ERR Number of keys can't be greater than number of args");
  if (n < 0) return ctx.reply.error("ERR Number of keys can't be negative");
  scripting.fcall(ctx, fn, argv.slice(3, 3 + n), argv.slice(3 + n), readOnly);
}

/** Keys are the numkeys arguments after it; none when numkeys is invalid. */
/** Redis' functionGetKeys. */
function fcallKeys(argv: readonly string[]): number[] {
  return numkeysKeyIndexes(argv, 2, 3);
}

function functionLoad(ctx: CommandContext, argv: string[]): void {
  let replace = false;
  let i = 2;
  for (; i < argv.length - 1; i++) {
    if (!is(argv[i], 'REPLACE')) return ctx.reply.error(`ERR Unknown option given: ${argv[i]}`);
    replace = true;
  }
  if (i >= argv.length) return ctx.reply.error('ERR Function code is missing');
  const libs = scriptingOf(ctx.server).functions;
  // A master's libraries load whatever they take, as Redis does (mustObeyClient).
  const timeout = ctx.client.isMaster ? 0 : LOAD_TIMEOUT_MS;
  const name = libs.create(argv[i], replace, libs.current, timeout);
  if (typeof name !== 'string') return ctx.reply.error(`ERR ${name.error}`);
  ctx.dirty();
  ctx.reply.bulk(name);
}

function functionDelete(ctx: CommandContext, argv: string[]): void {
  if (!scriptingOf(ctx.server).functions.delete(argv[2])) return ctx.reply.error('ERR Library not found');
  ctx.dirty();
  ctx.reply.ok();
}

/** ASYNC and SYNC both flush at once: dropping the callbacks' references is quick. */
function functionFlush(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
  if (argv.length === 3 && !is(argv[2], 'SYNC') && !is(argv[2], 'ASYNC')) {
    return ctx.reply.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  scriptingOf(ctx.server).functions.flush();
  ctx.dirty();
  ctx.reply.ok();
}

function replyLibrary(ctx: CommandContext, lib: FunctionLibrary, withCode: boolean): void {
  const r = ctx.reply;
  r.map(withCode ? 4 : 3);
  r.bulk('library_name');
  r.bulk(lib.name);
  r.bulk('engine');
  r.bulk(lib.engine);
  r.bulk('functions');
  r.array(lib.functions.size);
  for (const fn of lib.functions.values()) {
    r.map(3);
    r.bulk('name');
    r.bulk(fn.name);
    r.bulk('description');
    if (fn.description === null) r.nil();
    else r.bulk(fn.description);
    // A bit set in Redis: each flag once, in its table's order, as status replies.
    const flags = SCRIPT_FLAGS.filter((f) => fn.flags.includes(f));
    r.bulk('flags');
    r.set(flags.length);
    for (const f of flags) r.simple(f);
  }
  if (withCode) {
    r.bulk('library_code');
    r.bulk(lib.code);
  }
}

function functionList(ctx: CommandContext, argv: string[]): void {
  let withCode = false;
  let pattern: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    if (!withCode && is(argv[i], 'WITHCODE')) {
      withCode = true;
    } else if (pattern === undefined && is(argv[i], 'LIBRARYNAME')) {
      if (i >= argv.length - 1) return ctx.reply.error('ERR library name argument was not given');
      pattern = argv[++i];
    } else {
      return ctx.reply.error(`ERR Unknown argument ${argv[i]}`);
    }
  }
  let libs = [...scriptingOf(ctx.server).functions.current.libraries.values()];
  if (pattern !== undefined) libs = libs.filter((lib) => globMatch(pattern, lib.name, true));
  ctx.reply.array(libs.length);
  for (const lib of libs) replyLibrary(ctx, lib, withCode);
}

function functionStats(ctx: CommandContext): void {
  const scripting = scriptingOf(ctx.server);
  if (scripting.evalRunning) return ctx.reply.error(SLOW_EVAL);
  const r = ctx.reply;
  r.map(2);
  r.bulk('running_script');
  const running = scripting.runningFunction();
  if (running === null) {
    r.nil();
  } else {
    r.map(3);
    r.bulk('name');
    r.bulk(running.name);
    r.bulk('command');
    r.array(running.argv.length);
    for (const a of running.argv) r.bulk(a);
    r.bulk('duration_ms');
    r.int(Date.now() - running.startedAt);
  }
  const current = scripting.functions.current;
  r.bulk('engines');
  r.map(1);
  r.bulk('LUA');
  r.map(2);
  r.bulk('libraries_count');
  r.int(current.libraries.size);
  r.bulk('functions_count');
  let functions = 0;
  for (const lib of current.libraries.values()) functions += lib.functions.size;
  r.int(functions);
}

function functionDump(ctx: CommandContext): void {
  const payload = dumpLibraries(scriptingOf(ctx.server).functions.current, ctx.server.config.getBool('rdbcompression'));
  ctx.reply.bulk(payload.toString('latin1'));
}

/** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: all the payload's libraries, or none. */
function functionRestore(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 4) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
  let policy: 'append' | 'replace' | 'flush' = 'append';
  if (argv.length === 4) {
    if (is(argv[3], 'APPEND')) policy = 'append';
    else if (is(argv[3], 'REPLACE')) policy = 'replace';
    else if (is(argv[3], 'FLUSH')) policy = 'flush';
    else return ctx.reply.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  const codes = libraryCodesOf(Buffer.from(argv[2], 'latin1'));
  if ('error' in codes) return ctx.reply.error(`ERR ${codes.error}`);
  const libs = scriptingOf(ctx.server).functions;
  const restored = new LibrarySet();
  for (const code of codes) {
    const created = libs.create(code, false, restored, 0);
    if (typeof created !== 'string') {
      libs.releaseAll(restored);
      return ctx.reply.error(`ERR ${created.error}`);
    }
  }
  if (policy === 'flush') {
    libs.flush();
    libs.current = restored;
  } else {
    const error = libs.join(restored, policy === 'replace');
    if (error !== undefined) {
      libs.releaseAll(restored);
      return ctx.reply.error(`ERR ${error}`);
    }
  }
  ctx.dirty();
  ctx.reply.ok();
}

function functionKill(ctx: CommandContext): void {
  const error = scriptingOf(ctx.server).kill(false);
  if (error !== null) return ctx.reply.error(error);
  ctx.reply.ok();
}

const FCALL_FLAGS = ['noscript', 'stale', 'skip-monitor', 'no-mandatory-keys', 'movablekeys'] as const;
const FCALL_RO_FLAGS = ['readonly', ...FCALL_FLAGS] as const;
const movable: [number, number, number] = [0, 0, 0];

function sub(name: string, arity: number, flags: CommandSpec['flags'], summary: string, complexity: string, run: CommandSpec['run']): CommandSpec {
  return { name: `function|${name}`, arity, flags, group: 'scripting', since: '7.0.0', summary, complexity, run };
}

const functionSubcommands: CommandSpec[] = [
  sub('delete', 3, ['write', 'noscript'], 'Deletes a library and its functions.', 'O(1)', functionDelete),
  sub('dump', 2, ['noscript'], 'Dumps all libraries into a serialized binary payload.', 'O(N) where N is the number of functions', functionDump),
  sub('flush', -2, ['write', 'noscript'], 'Deletes all libraries and functions.', 'O(N) where N is the number of functions deleted', functionFlush),
  sub('help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', 'O(1)', (ctx) => helpReply(ctx, FUNCTION_HELP)),
  sub('kill', 2, ['noscript', 'allow-busy'], 'Terminates a function during execution.', 'O(1)', functionKill),
  sub('list', -2, ['noscript'], 'Returns information about all libraries.', 'O(N) where N is the number of functions', functionList),
  sub('load', -3, ['write', 'denyoom', 'noscript'], 'Creates a library.', 'O(1) (considering compilation time is redundant)', functionLoad),
  sub('restore', -3, ['write', 'denyoom', 'noscript'], 'Restores all libraries from a payload.', 'O(N) where N is the number of functions on the payload', functionRestore),
  sub('stats', 2, ['noscript', 'allow-busy'], 'Returns information about a function during execution.', 'O(1)', functionStats),
];

export const functionCommands: CommandSpec[] = [
  {
    name: 'function', arity: -2, flags: [], group: 'scripting', since: '7.0.0', summary: 'A container for function commands.', complexity: 'Depends on subcommand.',
    subcommands: functionSubcommands,
  },
  {
    name: 'fcall', arity: -3, flags: FCALL_FLAGS, keys: movable, getKeys: fcallKeys, group: 'scripting', since: '7.0.0', summary: 'Invokes a function.',
    complexity: 'Depends on the function that is executed.', run: (ctx, argv) => fcallGeneric(ctx, argv, false),
  },
  {
    name: 'fcall_ro', arity: -3, flags: FCALL_RO_FLAGS, keys: movable, getKeys: fcallKeys, group: 'scripting', since: '7.0.0', summary: 'Invokes a read-only function.',
    complexity: 'Depends on the function that is executed.', run: (ctx, argv) => fcallGeneric(ctx, argv, true),
  },
];
