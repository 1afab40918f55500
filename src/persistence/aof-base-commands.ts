// A key as the commands that rebuild it, as Redis' rewriteAppendOnlyFileRio writes an AOF-format base
// (aof-use-rdb-preamble no): SET for strings, RPUSH / SADD / ZADD / HMSET in batches of 64 items, XADD/XSETID/XGROUP/XCLAIM for streams,
// then PEXPIREAT for a TTL.
import { formatDouble } from '../protocol/number-format.js';
import type { StreamValue } from '../structures/stream.js';
import { formatId } from '../structures/stream-id.js';
import { stringOf, type RedisValue } from '../structures/values.js';
import { encodeCommand } from './aof-format.js';

/** Redis' AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_CMD = 64;

/** The RESP text of the commands that recreate `key`; expireAt 0 means no TTL. */
export function keyAsCommands(key: string, value: RedisValue, expireAt: number): string {
  let out = valueCommands(key, value);
  if (expireAt !== 0) out += encodeCommand(['PEXPIREAT', key, String(expireAt)]);
  return out;
}

function valueCommands(key: string, value: RedisValue): string {
  if (typeof value !== 'object') return encodeCommand(['SET', key, stringOf(value)]);
  switch (value.type) {
    case 'list':
      return batched('RPUSH', key, value.toArray(), 1);
    case 'set':
      return batched('SADD', key, value.members(), 1);
    case 'hash': {
      const flat: string[] = [];
      for (const f of value.fields()) flat.push(f.key, f.value);
      return batched('HMSET', key, flat, 2);
    }
    case 'zset': {
      const flat: string[] = [];
      value.forEachInRanks(0, value.length - 1, false, (member, score) => void flat.push(formatDouble(score), member));
      return batched('ZADD', key, flat, 2);
    }
    case 'stream':
      return streamCommands(key, value);
  }
}

/**
 * Redis' rewriteStreamObject: an XADD per entry (an empty stream through the XADD MAXLEN 0 trick), XSETID
 * for the last ID and counters, then each group (XGROUP CREATE ... ENTRIESREAD), its consumers' pending
 * entries as XCLAIM ... JUSTID FORCE and consumers with none as XGROUP CREATECONSUMER.
 */
function streamCommands(key: string, s: StreamValue): string {
  let out = '';
  if (s.length > 0) {
    for (const [id, fields] of s.entries.entries()) out += encodeCommand(['XADD', key, formatId(id), ...fields]);
  } else {
    out += encodeCommand(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out += encodeCommand(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)]);
  const groups = [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const g of groups) {
    out += encodeCommand(['XGROUP', 'CREATE', key, g.name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out += encodeCommand(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
        continue;
      }
      for (const [id, pe] of c.pel.entries()) {
        out += encodeCommand(['XCLAIM', key, g.name, c.name, '0', formatId(id), 'TIME', String(pe.deliveryTime), 'RETRYCOUNT', String(pe.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
  return out;
}

/** `cmd key items...` with at most 64 items (pairs count as one) per command. */
function batched(cmd: string, key: string, flat: readonly string[], width: number): string {
  let out = '';
  const step = ITEMS_PER_CMD * width;
  for (let i = 0; i < flat.length; i += step) out += encodeCommand([cmd, key, ...flat.slice(i, i + step)]);
  return out;
}
