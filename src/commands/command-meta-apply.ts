// Attaches Redis 7.0's ACL categories, tips and key specs (command-meta.ts) to the specs of the
// commands Redis has, so the one command table carries them; a spec that declares its own keeps it.
import { REDIS_COMMAND_META } from './command-meta.js';
import type { CommandSpec } from '../engine/types.js';

function attach(spec: CommandSpec): void {
  spec.meta ??= REDIS_COMMAND_META[spec.name];
  for (const sub of spec.subcommands ?? []) attach(sub);
}

export function withRedisMeta<T extends readonly (readonly CommandSpec[])[]>(groups: T): T {
  for (const group of groups) for (const spec of group) attach(spec);
  return groups;
}
