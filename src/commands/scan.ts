// The SCAN family's shared loop (SCAN, HSCAN, SSCAN, ZSCAN): cursor, MATCH, COUNT, TYPE, with Redis'
// bounded work per call (at most COUNT*10 buckets) and its guarantee, which the Dict cursor provides.
import { globMatch } from '../structures/glob.js';
import { is, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext } from '../engine/types.js';

export interface ScanSource {
  /** Visits one cursor step; returns the next cursor (0 = done). */
  step(cursor: number, visit: (name: string, extra: string | undefined, type: string) => void): number;
  /** Small collections (listpack/intset in Redis) answer in one call with cursor 0, ignoring COUNT. */
  whole: boolean;
  /** Whether each element is a pair (HSCAN field/value, ZSCAN member/score). */
  pairs: boolean;
}

export function parseCursorOrReply(ctx: CommandContext, s: string): number | undefined {
  // Redis parses cursors with strtoul: a sign is accepted and "-1" wraps to 2^64-1.
  const m = /^([+-]?)0*([0-9]{1,20})$/.exec(s);
  const magnitude = m === null ? undefined : BigInt(m[2]);
  if (m === null || magnitude === undefined || magnitude > 18446744073709551615n) {
    ctx.reply.error('ERR invalid cursor');
    return undefined;
  }
  const value = m[1] === '-' && magnitude !== 0n ? 18446744073709551616n - magnitude : magnitude;
  // Our tables are at most 2^32 buckets: higher bits of a cursor select nothing more.
  return Number(value & 0xffffffffn);
}

/** Parses the options after the cursor; allowType only for SCAN. */
export function scanOptionsOrReply(
  ctx: CommandContext,
  argv: readonly string[],
  from: number,
  allowType: boolean,
): { match: string | undefined; count: number; type: string | undefined } | undefined {
  let match: string | undefined;
  let count = 10;
  let type: string | undefined;
  for (let i = from; i < argv.length; i++) {
    const hasValue = i + 1 < argv.length;
    if (is(argv[i], 'COUNT') && hasValue) {
      const n = parseInteger(argv[++i]);
      if (n === undefined) {
        ctx.reply.error(E.NOT_INTEGER);
        return undefined;
      }
      if (n < 1) {
        ctx.reply.error(E.SYNTAX);
        return undefined;
      }
      count = n;
    } else if (is(argv[i], 'MATCH') && hasValue) {
      match = argv[++i];
      if (match === '*') match = undefined;
    } else if (allowType && is(argv[i], 'TYPE') && hasValue) {
      type = argv[++i].toLowerCase();
    } else {
      ctx.reply.error(E.SYNTAX);
      return undefined;
    }
  }
  return { match, count, type };
}

export function scanReply(ctx: CommandContext, cursor: number, source: ScanSource, opts: { match: string | undefined; count: number; type: string | undefined }): void {
  const found: string[] = [];
  // COUNT bounds the elements collected before filtering, as in Redis.
  let collected = 0;
  const visit = (name: string, extra: string | undefined, type: string): void => {
    collected++;
    if (opts.type !== undefined && type !== opts.type) return;
    if (opts.match !== undefined && !globMatch(opts.match, name)) return;
    found.push(name);
    if (source.pairs) found.push(extra ?? '');
  };
  let next = cursor;
  if (source.whole) {
    do next = source.step(next, visit);
    while (next !== 0);
  } else {
    let budget = opts.count * 10;
    do next = source.step(next, visit);
    while (next !== 0 && budget-- > 0 && collected < opts.count);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(String(next));
  ctx.reply.bulks(found);
}
