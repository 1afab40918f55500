// The memcached side of the pool, over the text protocol: retrieval fans out (one get/gets per
// server, merged in the caller's order), every other command goes to the server of its key.
import type { MemcachedValue, TextReply } from '../protocol/memcached-text-reply.js';
import { ReplyError, RoutingError } from './errors.js';
import { PoolCore, type PoolNode } from './pool-core.js';

export type { MemcachedValue } from '../protocol/memcached-text-reply.js';

export interface StoreOptions {
  readonly flags?: number;
  /** memcached's exptime: seconds (up to 30 days) or a unix time; 0 never expires. */
  readonly exptime?: number;
}

export type CasResult = 'stored' | 'exists' | 'not_found';

const MAX_KEY_BYTES = 250;

function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > MAX_KEY_BYTES) throw new RoutingError(`memcached keys are 1 to ${MAX_KEY_BYTES} bytes: ${JSON.stringify(key.slice(0, 40))}`);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 32 || c === 127) throw new RoutingError(`memcached keys have no spaces or control characters: ${JSON.stringify(key.slice(0, 40))}`);
  }
}

function checkUint(name: string, value: number | bigint, max: bigint): void {
  const big = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : -1n;
  if (big < 0n || big > max) throw new RoutingError(`${name} must be an integer from 0 to ${max}`);
}

export class MemcachedPool extends PoolCore {
  private line(key: string, request: (string | Buffer)[]): Promise<string> {
    return this.lineTo(this.nodeFor(key), request);
  }

  private async lineTo(node: PoolNode, request: (string | Buffer)[]): Promise<string> {
    const reply = await node.connection.memcached(request, 'line');
    if (reply.kind !== 'line') throw new ReplyError(node.spec.address, 'unexpected reply');
    return reply.line;
  }

  private unexpected(key: string, line: string): never {
    throw new ReplyError(this.serverFor(key), `unexpected reply: ${line}`);
  }

  private async retrieve(command: 'get' | 'gets', keys: readonly string[]): Promise<Map<string, MemcachedValue>> {
    this.assertOpen();
    const unique = [...new Set(keys)];
    unique.forEach(checkKey);
    const groups = new Map<number, string[]>();
    for (const key of unique) {
      const at = this.nodes.indexOf(this.nodeFor(key));
      const list = groups.get(at) ?? [];
      list.push(key);
      groups.set(at, list);
    }
    const replies: TextReply[] = await Promise.all(
      [...groups].map(([at, ks]) => this.nodes[at].connection.memcached([`${command} ${ks.join(' ')}\r\n`], 'values')),
    );
    const found = new Map<string, MemcachedValue>();
    for (const reply of replies) if (reply.kind === 'values') for (const v of reply.values) found.set(v.key, v);
    const out = new Map<string, MemcachedValue>();
    for (const key of keys) {
      const v = found.get(key);
      if (v !== undefined && !out.has(key)) out.set(key, v);
    }
    return out;
  }

  /** The value, or undefined on a miss. */
  async get(key: string): Promise<Buffer | undefined> {
    return (await this.retrieve('get', [key])).get(key)?.value;
  }

  /** Value, flags and CAS unique, or undefined on a miss. */
  async gets(key: string): Promise<MemcachedValue | undefined> {
    return (await this.retrieve('gets', [key])).get(key);
  }

  /** The hits, in the order of `keys`; one get per server. */
  async getMulti(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const values = await this.retrieve('get', keys);
    return new Map([...values].map(([k, v]) => [k, v.value]));
  }

  async getsMulti(keys: readonly string[]): Promise<Map<string, MemcachedValue>> {
    return this.retrieve('gets', keys);
  }

  private async store(command: string, key: string, value: string | Buffer, options: StoreOptions, cas?: bigint): Promise<string> {
    this.assertOpen();
    checkKey(key);
    const flags = options.flags ?? 0;
    const exptime = options.exptime ?? 0;
    checkUint('flags', flags, 0xffffffffn);
    if (!Number.isInteger(exptime)) throw new RoutingError('exptime must be an integer');
    const data = Buffer.isBuffer(value) ? value : Buffer.from(value);
    const casPart = cas === undefined ? '' : ` ${cas}`;
    return this.line(key, [`${command} ${key} ${flags} ${exptime} ${data.length}${casPart}\r\n`, data, '\r\n']);
  }

  private async stored(command: string, key: string, value: string | Buffer, options: StoreOptions): Promise<boolean> {
    const line = await this.store(command, key, value, options);
    if (line === 'STORED') return true;
    if (line === 'NOT_STORED') return false;
    return this.unexpected(key, line);
  }

  /** True once stored. */
  set(key: string, value: string | Buffer, options: StoreOptions = {}): Promise<boolean> {
    return this.stored('set', key, value, options);
  }

  /** False when the key exists. */
  add(key: string, value: string | Buffer, options: StoreOptions = {}): Promise<boolean> {
    return this.stored('add', key, value, options);
  }

  /** False when the key is missing. */
  replace(key: string, value: string | Buffer, options: StoreOptions = {}): Promise<boolean> {
    return this.stored('replace', key, value, options);
  }

  append(key: string, value: string | Buffer): Promise<boolean> {
    return this.stored('append', key, value, {});
  }

  prepend(key: string, value: string | Buffer): Promise<boolean> {
    return this.stored('prepend', key, value, {});
  }

  /** Stores only if the item's CAS unique is still `cas` (from gets). */
  async cas(key: string, value: string | Buffer, cas: bigint, options: StoreOptions = {}): Promise<CasResult> {
    checkUint('cas', cas, 0xffffffffffffffffn);
    const line = await this.store('cas', key, value, options, cas);
    if (line === 'STORED') return 'stored';
    if (line === 'EXISTS') return 'exists';
    if (line === 'NOT_FOUND') return 'not_found';
    return this.unexpected(key, line);
  }

  private async counter(command: 'incr' | 'decr', key: string, delta: number | bigint): Promise<bigint | undefined> {
    this.assertOpen();
    checkKey(key);
    checkUint('delta', delta, 0xffffffffffffffffn);
    const line = await this.line(key, [`${command} ${key} ${delta}\r\n`]);
    if (line === 'NOT_FOUND') return undefined;
    if (/^[0-9]+$/.test(line)) return BigInt(line);
    return this.unexpected(key, line);
  }

  /** The new value, or undefined when the key is missing. */
  incr(key: string, delta: number | bigint = 1): Promise<bigint | undefined> {
    return this.counter('incr', key, delta);
  }

  decr(key: string, delta: number | bigint = 1): Promise<bigint | undefined> {
    return this.counter('decr', key, delta);
  }

  /** False when the key is missing. */
  async touch(key: string, exptime: number): Promise<boolean> {
    this.assertOpen();
    checkKey(key);
    if (!Number.isInteger(exptime)) throw new RoutingError('exptime must be an integer');
    const line = await this.line(key, [`touch ${key} ${exptime}\r\n`]);
    if (line === 'TOUCHED') return true;
    if (line === 'NOT_FOUND') return false;
    return this.unexpected(key, line);
  }

  /** False when the key is missing. */
  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    checkKey(key);
    const line = await this.line(key, [`delete ${key}\r\n`]);
    if (line === 'DELETED') return true;
    if (line === 'NOT_FOUND') return false;
    return this.unexpected(key, line);
  }

  /** flush_all on every live server (it has no key, so it goes everywhere). */
  async flushAll(): Promise<void> {
    this.assertOpen();
    await Promise.all(this.nodes.map((n) => this.lineTo(n, ['flush_all\r\n'])));
  }
}
