// Every command group, in one list: the command table is built from this.
import { bitmapCommands } from './bitmaps.js';
import { clientCommand } from './client-cmd.js';
import { commandCommand } from './command-docs.js';
import { connectionCommands } from './connection.js';
import { expireCommands } from './expire.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hashes.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { infoCommand } from './info.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { memoryCommand } from './memory.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { sortCommands } from './sort.js';
import { streamCommands } from './streams.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import type { CommandSpec } from '../engine/types.js';
import { zsetCommands } from './zsets.js';

export const ALL_COMMANDS: readonly (readonly CommandSpec[])[] = [
  connectionCommands,
  stringCommands,
  keyCommands,
  expireCommands,
  serverCommands,
  [infoCommand, clientCommand, commandCommand, memoryCommand],
  bitmapCommands,
  hyperloglogCommands,
  listCommands,
  transactionCommands,
  pubsubCommands,
  scriptingCommands,
  hashCommands,
  setCommands,
  zsetCommands,
  sortCommands,
  streamCommands,
  geoCommands,
  persistenceCommands,
];
