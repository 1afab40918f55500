// MODULE (Redis 7.0): Ferrite loads no native modules, so LIST is empty and LOAD fails as a module
// that can't be loaded does; enable-module-command (no|yes|local) gates loading and unloading, as in Redis.
import { allowProtectedAction } from '../engine/protected-action.js';
import { helpReply } from './keys.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

function gated(run: (ctx: CommandContext, argv: string[]) => void): (ctx: CommandContext, argv: string[]) => void {
  return (ctx, argv) => {
    if (!allowProtectedAction(ctx.server.config.get('enable-module-command'), ctx.client)) return ctx.reply.error(NOT_ALLOWED);
    run(ctx, argv);
  };
}

function load(ctx: CommandContext, argv: string[]): void {
  ctx.server.log.warning(`Module ${argv[2]} failed to load: Ferrite does not load native modules`);
  ctx.reply.error('ERR Error loading the extension. Please check the server logs.');
}

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

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'no-async-loading'];

export const moduleCommand: CommandSpec = {
  name: 'module', arity: -2, flags: [], group: 'server', since: '4.0.0', summary: 'A container for module commands', complexity: 'Depends on subcommand.',
  subcommands: [
    { name: 'module|list', arity: 2, flags: ['admin', 'noscript'], group: 'server', since: '4.0.0', summary: 'List all modules loaded by the server', complexity: 'O(N) where N is the number of loaded modules.', run: (ctx) => ctx.reply.array(0) },
    { name: 'module|load', arity: -3, flags: ADMIN, group: 'server', since: '4.0.0', summary: 'Load a module', complexity: 'O(1)', run: gated(load) },
    { name: 'module|loadex', arity: -3, flags: ADMIN, group: 'server', since: '7.0.0', summary: 'Load a module with extended parameters', complexity: 'O(1)', run: gated(load) },
    { name: 'module|unload', arity: 3, flags: ADMIN, group: 'server', since: '4.0.0', summary: 'Unload a module', complexity: 'O(1)', run: gated((ctx) => ctx.reply.error('ERR Error unloading module: no such module with that name')) },
    { name: 'module|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '5.0.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', run: (ctx) => helpReply(ctx, MODULE_HELP) },
  ],
};
