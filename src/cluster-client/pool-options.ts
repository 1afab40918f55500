// The pool's options: twemproxy's pool settings under their camel-cased names, with nutcracker's
// defaults, validated once so that a typo fails at createPool() rather than at the first command.
import { isHashName, type HashName } from './key-hash.js';
import type { Protocol } from './node-connection.js';
import type { Distribution } from './ring.js';
import { PoolError } from './errors.js';

/**
 * Whose ketama continuum: nutcracker's, or libmemcached's KETAMA_WEIGHTED (the continuum of
 * MEMCACHED_BEHAVIOR_KETAMA_COMPAT): the same points over the servers in the order given rather than
 * nutcracker's name order (which decides only between points that collide), md5 as the default hash.
 */
export type KetamaCompat = 'twemproxy' | 'libmemcached';

export interface PoolOptions {
  /** "host:port[:weight] [name]", as in nutcracker.yml's `servers:`. */
  readonly servers: readonly string[];
  /** twemproxy's `redis: true|false`; its default is memcached. */
  readonly protocol?: Protocol;
  readonly distribution?: Distribution;
  readonly hash?: HashName;
  /** Two characters, e.g. "{}" (`hash_tag`). */
  readonly hashTag?: string;
  /** Per-request timeout (`timeout`); unset waits as long as the connection lives, as nutcracker does. */
  readonly timeoutMs?: number;
  /** Connect timeout; defaults to timeoutMs, else 10 s, so no connect attempt hangs. */
  readonly connectTimeoutMs?: number;
  readonly serverFailureLimit?: number;
  readonly serverRetryTimeoutMs?: number;
  readonly autoEjectHosts?: boolean;
  /** The inverse of twemproxy's `preconnect` (default false): connect on the first command. */
  readonly lazyConnect?: boolean;
  readonly redisAuth?: string;
  readonly redisDb?: number;
  /** Redis bulk replies as Buffers rather than UTF-8 strings (for binary values). */
  readonly returnBuffers?: boolean;
  /** Whose ketama continuum; 'libmemcached' also makes md5 the default key hash, as libmemcached's ketama does. */
  readonly ketama?: KetamaCompat;
  /** Backoff between reconnect attempts of one server: doubles from the base up to the max. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
}

export interface ResolvedOptions {
  readonly servers: readonly string[];
  readonly protocol: Protocol;
  readonly distribution: Distribution;
  readonly hash: HashName;
  readonly hashTag: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly serverFailureLimit: number;
  readonly serverRetryTimeoutMs: number;
  readonly autoEjectHosts: boolean;
  readonly lazyConnect: boolean;
  readonly redisAuth: string | undefined;
  readonly redisDb: number | undefined;
  readonly returnBuffers: boolean;
  readonly ketama: KetamaCompat;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
}

/** nutcracker's CONF_DEFAULT_* values. */
export const DEFAULTS = {
  protocol: 'memcached',
  distribution: 'ketama',
  hash: 'fnv1a_64',
  serverFailureLimit: 2,
  serverRetryTimeoutMs: 30_000,
  autoEjectHosts: false,
  lazyConnect: true,
  connectTimeoutMs: 10_000,
  reconnectBaseMs: 50,
  reconnectMaxMs: 2_000,
} as const;

function nonNegative(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw new PoolError(`option ${name} must be a non-negative number`);
  return value;
}

export function resolveOptions(options: PoolOptions): ResolvedOptions {
  if (!Array.isArray(options.servers)) throw new PoolError('option servers must be a list of "host:port[:weight] [name]"');
  const protocol = options.protocol ?? DEFAULTS.protocol;
  if (protocol !== 'redis' && protocol !== 'memcached') throw new PoolError(`option protocol must be 'redis' or 'memcached'`);
  const distribution = options.distribution ?? DEFAULTS.distribution;
  if (!['ketama', 'modula', 'random'].includes(distribution)) throw new PoolError(`option distribution must be ketama, modula or random`);
  const ketama = options.ketama ?? 'twemproxy';
  if (ketama !== 'twemproxy' && ketama !== 'libmemcached') throw new PoolError(`option ketama must be 'twemproxy' or 'libmemcached'`);
  const hash = options.hash ?? (ketama === 'libmemcached' ? 'md5' : DEFAULTS.hash);
  if (!isHashName(hash)) throw new PoolError(`option hash '${String(hash)}' is not one of twemproxy's hashes`);
  if (options.hashTag !== undefined && (options.hashTag.length !== 2 || Buffer.byteLength(options.hashTag) !== 2)) throw new PoolError('option hashTag must be two ASCII characters, e.g. "{}"');
  const timeoutMs = nonNegative('timeoutMs', options.timeoutMs);
  const limit = nonNegative('serverFailureLimit', options.serverFailureLimit) ?? DEFAULTS.serverFailureLimit;
  return {
    servers: options.servers,
    protocol,
    distribution,
    hash,
    hashTag: options.hashTag,
    timeoutMs,
    connectTimeoutMs: nonNegative('connectTimeoutMs', options.connectTimeoutMs) ?? timeoutMs ?? DEFAULTS.connectTimeoutMs,
    serverFailureLimit: Math.max(1, limit),
    serverRetryTimeoutMs: nonNegative('serverRetryTimeoutMs', options.serverRetryTimeoutMs) ?? DEFAULTS.serverRetryTimeoutMs,
    autoEjectHosts: options.autoEjectHosts ?? DEFAULTS.autoEjectHosts,
    lazyConnect: options.lazyConnect ?? DEFAULTS.lazyConnect,
    redisAuth: options.redisAuth,
    redisDb: nonNegative('redisDb', options.redisDb),
    returnBuffers: options.returnBuffers ?? false,
    ketama,
    reconnectBaseMs: nonNegative('reconnectBaseMs', options.reconnectBaseMs) ?? DEFAULTS.reconnectBaseMs,
    reconnectMaxMs: nonNegative('reconnectMaxMs', options.reconnectMaxMs) ?? DEFAULTS.reconnectMaxMs,
  };
}
