// Redis 7's protected actions (enable-debug-command, enable-module-command, enable-protected-configs):
// "no" refuses them, "yes" allows them, "local" allows them from loopback and unix-socket clients.
import type { CommandContext } from '../engine/types.js';

export function protectedActionAllowed(ctx: CommandContext, option: string): boolean {
  const mode = ctx.server.config.get(option);
  if (mode === 'yes') return true;
  const addr = ctx.client.transport?.addr ?? '';
  return mode === 'local' && (addr.startsWith('127.') || addr.startsWith('::1') || addr.startsWith('::ffff:127.') || addr.startsWith('/'));
}
