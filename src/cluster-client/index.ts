// `ferrite/pool`: a client pool that spreads keys over many Ferrite, Redis or memcached servers
// exactly as twemproxy (nutcracker 0.5) does, so keys stay put when moving between the two.
import { MemcachedPool } from './memcached-pool.js';
import type { PoolOptions } from './pool-options.js';
import { RedisPool } from './redis-pool.js';

export function createPool(options: PoolOptions & { protocol: 'redis' }): RedisPool;
export function createPool(options: PoolOptions & { protocol?: 'memcached' }): MemcachedPool;
export function createPool(options: PoolOptions): RedisPool | MemcachedPool;
export function createPool(options: PoolOptions): RedisPool | MemcachedPool {
  return options.protocol === 'redis' ? new RedisPool(options) : new MemcachedPool(options);
}

export { RedisPool } from './redis-pool.js';
export { MemcachedPool, type CasResult, type MemcachedValue, type StoreOptions } from './memcached-pool.js';
export type { PoolOptions, KetamaCompat } from './pool-options.js';
export { DEFAULTS } from './pool-options.js';
export type { PoolStats, ServerStats } from './pool-core.js';
export type { RedisReply, Protocol } from './node-connection.js';
export { Ring, ketamaPointsPerServer, hashTagged, type Distribution, type RingOptions } from './ring.js';
export { keyHash, HASH_NAMES, type HashName } from './key-hash.js';
export { parseServerSpec, parseServerList, type ServerSpec } from './server-spec.js';
export { PoolError, ServerUnreachableError, PoolTimeoutError, ReplyError, RoutingError, PoolClosedError, NoServersError } from './errors.js';
