// The command flags COMMAND INFO shows, as Redis' addReplyCommandFlags does.
import type { CommandFlag, CommandSpec } from '../engine/types.js';

/**
 * The flags COMMAND shows, in the order of Redis' addReplyCommandFlags table; may_replicate and
 * sentinel are hidden there on purpose (they still act: CLIENT PAUSE WRITE, read-only scripts).
 */
const SHOWN_FLAGS: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip-monitor', 'skip-slowlog',
  'fast', 'no-auth', 'no-mandatory-keys', 'no-async-loading', 'no-multi', 'movablekeys', 'allow-busy',
];

/** The spec's flags as COMMAND INFO spells them (allow_busy, no_auth...). */
export function shownFlags(spec: CommandSpec): string[] {
  return SHOWN_FLAGS.filter((f) => spec.flags.includes(f)).map((f) => f.replace(/-/g, '_'));
}
