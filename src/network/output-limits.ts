// client-output-buffer-limit (Redis networking.c, checkClientOutputBufferLimits): a client whose
// unsent output passes its class's hard limit, or stays above the soft limit for longer than the soft
// seconds, is disconnected without its output, so a subscriber that stops reading can't make the
// server buffer a publisher's flood without bound. Checked whenever output is handed to the socket.
import { describeClient } from '../commands/client-cmd.js';
import type { Client } from '../engine/client.js';
import type { ConfigAccess, ServerState } from '../engine/server-context.js';

interface ClassLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Redis' three classes; a master link counts as normal, a replica as "slave". */
type LimitClass = 'normal' | 'slave' | 'pubsub';

interface ParsedLimits {
  raw: string;
  limits: Map<string, ClassLimit>;
}

/** Parsed option per server, re-parsed only when the option's text changed (CONFIG SET). */
const parsedByConfig = new WeakMap<ConfigAccess, ParsedLimits>();
/** Unix second a client first went over its soft limit (Redis' obuf_soft_limit_reached_time). */
const softReachedAt = new WeakMap<Client, number>();

/** "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", as the config parser stores it. */
function parseLimits(raw: string): Map<string, ClassLimit> {
  const parts = raw.split(' ');
  const limits = new Map<string, ClassLimit>();
  for (let i = 0; i + 3 < parts.length; i += 4) {
    limits.set(parts[i], { hard: Number(parts[i + 1]), soft: Number(parts[i + 2]), softSeconds: Number(parts[i + 3]) });
  }
  return limits;
}

function limitsOf(config: ConfigAccess): Map<string, ClassLimit> {
  const raw = config.get('client-output-buffer-limit') ?? '';
  let parsed = parsedByConfig.get(config);
  if (parsed === undefined || parsed.raw !== raw) parsedByConfig.set(config, (parsed = { raw, limits: parseLimits(raw) }));
  return parsed.limits;
}

function limitClass(client: Client): LimitClass {
  const kind = client.kind;
  if (kind === 'replica') return 'slave';
  return kind === 'pubsub' ? 'pubsub' : 'normal';
}

/** Redis' rule: over the hard limit at once; over the soft limit once it has lasted more than softSeconds. */
function overLimit(client: Client, used: number, limit: ClassLimit): boolean {
  if (limit.hard > 0 && used >= limit.hard) return true;
  if (limit.soft === 0 || used < limit.soft) {
    softReachedAt.delete(client);
    return false;
  }
  const now = Math.floor(Date.now() / 1000);
  const since = softReachedAt.get(client);
  if (since === undefined) {
    softReachedAt.set(client, now);
    return false;
  }
  return now - since > limit.softSeconds;
}

/**
 * True when `used` bytes are over the client's class limit: for output a subsystem holds on the
 * client's behalf (the stream buffered for a replica while its full sync is sent).
 */
export function outputLimitExceeded(client: Client, state: ServerState, used: number): boolean {
  const limit = limitsOf(state.config).get(limitClass(client));
  return limit !== undefined && overLimit(client, used, limit);
}

/** Closes the client, unsent output dropped, when its output buffer is over its limit. */
export function enforceOutputLimit(client: Client, state: ServerState): void {
  const transport = client.transport;
  if (transport === null || client.closing) return;
  const limit = limitsOf(state.config).get(limitClass(client));
  if (limit === undefined || !overLimit(client, transport.outputBytes(), limit)) return;
  closeOverLimit(client, state);
}

/** Disconnects a client past its output limit, its unsent output dropped, with Redis' log line. */
export function closeOverLimit(client: Client, state: ServerState): void {
  if (client.transport === null || client.closing) return;
  state.log.warning(`Client ${describeClient(client, Date.now())} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  client.transport.close(false);
}

/**
 * How many more bytes the client's replies may take before its hard limit (0: no hard limit). The
 * writer stops keeping output past it, so one command's huge reply is never built whole in memory.
 */
export function outputRoom(client: Client, state: ServerState): number {
  const hard = limitsOf(state.config).get(limitClass(client))?.hard ?? 0;
  if (hard === 0 || client.transport === null) return 0;
  return Math.max(1, hard - client.transport.outputBytes());
}
