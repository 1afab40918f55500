// Ferrite with its memcached listener on a free port, and the text-protocol exchange the memcached
// suites share: send a step, then a meta no-op miss whose echo marks the end of the step's replies.
import type { RunningServer, StartOptions } from '../../src/index.js';
import { freePort, startFerrite, type RawClient } from './servers.js';

export interface FerriteMemcached {
  readonly ferrite: RunningServer;
  /** The memcached port. */
  readonly port: number;
}

export async function startFerriteMemcached(options: StartOptions = {}): Promise<FerriteMemcached> {
  const port = await freePort();
  const ferrite = await startFerrite({ 'memcached-port': port, ...options });
  return { ferrite, port };
}

let syncCount = 0;

/**
 * Sends one step of text-protocol input and returns everything the server answered to it, or, when
 * the server closed the connection, what it sent before closing followed by "<closed>".
 */
export async function exchange(client: RawClient, step: string): Promise<string> {
  const marker = `EN Osync${++syncCount}\r\n`;
  client.send(`${step}mg ferrite-sync Osync${syncCount}\r\n`);
  const reply = await client.waitFor((received) => received.includes(marker));
  if (!reply.includes(marker)) return `${reply}<closed>`;
  return (await client.readUntil(marker)).slice(0, -marker.length);
}

/** Lines joined with CRLF, ending with one. */
export function lines(...parts: string[]): string {
  return parts.map((part) => `${part}\r\n`).join('');
}
