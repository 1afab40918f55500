// MODULE (Redis module.c) for a server that loads no modules: LIST is empty, as on a Redis without
// modules (clients such as ioredis' tests ask it), and loading is refused in Redis' words: behind
// enable-module-command, then as a module that fails to load.
import { helpReply } from './keys.js';
import { protectedActionAllowed } from './protected-action.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const MODULE_HELP = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
  'HELP',
  '    Prints this help.',
];

const NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

/** Every module file fails to load here: Ferrite has no module API. */
function load(ctx: CommandContext, argv: string[]): void {
  if (!protectedActionAllowed(ctx, 'enable-module-command')) return ctx.reply.error(NOT_ALLOWED);
  ctx.server.log.warning(`Module ${argv[2]} failed to load: this server has no module API`);
  ctx.reply.error('ERR Error loading the extension. Please check the server logs.');
}

function unload(ctx: CommandContext): void {
  if (!protectedActionAllowed(ctx, 'enable-module-command')) return ctx.reply.error(NOT_ALLOWED);
  ctx.reply.error('ERR Error unloading module: no such module with that name');
}

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript'];

export const moduleCommand: CommandSpec = {
  name: 'module', arity: -2, flags: [], group: 'server', since: '4.0.0', summary: 'A container for module commands.', complexity: 'Depends on subcommand.',
  subcommands: [
    { name: 'module|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', run: (ctx) => helpReply(ctx, MODULE_HELP) },
    { name: 'module|list', arity: 2, flags: ADMIN, group: 'server', since: '4.0.0', summary: 'Returns all loaded modules.', complexity: 'O(N) where N is the number of loaded modules.', run: (ctx) => ctx.reply.array(0) },
    { name: 'module|load', arity: -3, flags: ADMIN, group: 'server', since: '4.0.0', summary: 'Loads a module.', complexity: 'O(1)', run: load },
    { name: 'module|loadex', arity: -3, flags: ADMIN, group: 'server', since: '7.0.0', summary: 'Loads a module using extended parameters.', complexity: 'O(1)', run: load },
    { name: 'module|unload', arity: 3, flags: ADMIN, group: 'server', since: '4.0.0', summary: 'Unloads a module.', complexity: 'O(1)', run: unload },
  ],
};
