// Redis' allowProtectedAction: enable-debug-command, enable-module-command and
// enable-protected-configs are "yes", "no", or "local" (only from a loopback or unix-socket client).
import type { Client } from './client.js';

export function isLocalClient(client: Client): boolean {
  const addr = client.transport?.addr ?? '';
  return addr.startsWith('127.') || addr.startsWith('::1:') || addr.startsWith('::ffff:127.') || addr.startsWith('/') || client.transport === null;
}

export function allowProtectedAction(mode: string | undefined, client: Client): boolean {
  return mode === 'yes' || (mode === 'local' && isLocalClient(client));
}
