// Every command group, in one list: the command table is built from this.
import { clientCommand } from './client-cmd.js';
import { commandCommand } from './command-docs.js';
import { connectionCommands } from './connection.js';
import { expireCommands } from './expire.js';
import { infoCommand } from './info.js';
import { keyCommands } from './keys.js';
import { serverCommands } from './server.js';
import { stringCommands } from './strings.js';
import type { CommandSpec } from './types.js';

export const ALL_COMMANDS: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  stringCommands,
  keyCommands,
  expireCommands,
  serverCommands,
  [infoCommand, clientCommand, commandCommand],
];
