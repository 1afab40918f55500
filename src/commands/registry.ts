// Every command group, in one list: the command table is built from this.
import { aofCommands } from './aof.js';
import { aclCommand } from './acl.js';
import { bitmapCommands } from './bitmaps.js';
import { clientCommand } from './client-cmd.js';
import { withRedisMeta } from './command-meta-apply.js';
import { commandCommand } from './command-docs.js';
import { connectionCommands } from './connection.js';
import { expireCommands } from './expire.js';
import { functionCommands } from './functions.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hashes.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { infoCommand } from './info.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { memoryCommand } from './memory.js';
import { persistenceCommands } from './persistence.js';
import { moduleCommand } from './module.js';
import { pubsubCommands } from './pubsub.js';
import { replicationCommands } from './replication.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { sortCommands } from './sort.js';
import { streamCommands } from './streams.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import type { CommandSpec } from '../engine/types.js';
import { zsetCommands } from './zsets.js';

export const ALL_COMMANDS: readonly (readonly CommandSpec[])[] = withRedisMeta([
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
  functionCommands,
  hashCommands,
  setCommands,
  zsetCommands,
  sortCommands,
  replicationCommands,
  persistenceCommands,
  aofCommands,
  streamCommands,
  geoCommands,
  [aclCommand, moduleCommand],
]);
