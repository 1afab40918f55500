// The memcached front end runs as an ACL user (the one its SASL or ASCII auth named, else the
// default user): each request is checked as the Redis command doing the same to the same keys.
import type { TextRequest } from '../protocol/memcached-text.js';
import type { BinaryRequest } from '../protocol/memcached-binary.js';

/** The Redis command a request is checked as, and its keys; undefined for requests needing no permission. */
export interface AclEquivalent {
  command: string;
  keys: readonly string[];
}

const TEXT_EQUIVALENT: Partial<Record<string, string>> = {
  storage: 'set', touch: 'expire', delete: 'del', flush_all: 'flushall', stats: 'info', verbosity: 'config|set',
  mg: 'get', ms: 'set', md: 'del', ma: 'incrby', me: 'object|encoding',
};

const BINARY_EQUIVALENT: Partial<Record<string, string>> = {
  get: 'get', getk: 'get', touch: 'getex', gat: 'getex', gatk: 'getex', set: 'set', add: 'set', replace: 'set',
  append: 'append', prepend: 'append', delete: 'del', increment: 'incrby', decrement: 'decrby', flush: 'flushall', stat: 'info',
};

export function textAclEquivalent(request: TextRequest): AclEquivalent | undefined {
  let command = TEXT_EQUIVALENT[request.kind];
  if (request.kind === 'get') command = request.exptime === undefined ? 'get' : 'getex';
  if (request.kind === 'arithmetic') command = request.command === 'incr' ? 'incrby' : 'decrby';
  if (request.kind === 'storage' && (request.command === 'append' || request.command === 'prepend')) command = 'append';
  if (command === undefined) return undefined;
  const keys = 'keys' in request ? request.keys : 'key' in request ? [request.key] : [];
  return { command, keys };
}

export function binaryAclEquivalent(request: BinaryRequest): AclEquivalent | undefined {
  const command = BINARY_EQUIVALENT[request.command];
  if (command === undefined) return undefined;
  return { command, keys: 'key' in request ? [request.key] : [] };
}

/** argv for the equivalent command: one per key (a multi-get checks each key as a GET). */
export function equivalentArgvs(eq: AclEquivalent): string[][] {
  const [name, sub] = eq.command.split('|');
  const head = sub === undefined ? [name] : [name, sub];
  if (eq.keys.length === 0) return [name === 'config' ? [...head, 'loglevel', 'notice'] : head];
  return eq.keys.map((k) => [...head, k, ...(name === 'incrby' || name === 'decrby' || name === 'expire' || name === 'append' || name === 'set' ? ['0'] : [])]);
}
