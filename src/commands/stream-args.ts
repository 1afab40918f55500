// Argument parsing shared by the stream commands: IDs in their several forms, the XADD/XTRIM
// trimming options (streamParseAddOrTrimArgsOrReply), and millisecond timeouts.
import type { Reply } from '../protocol/reply.js';
import * as E from '../engine/errors.js';
import { INVALID_ID, MIN_ID, nextId, parseStreamId, prevId, type ParsedId, type StreamID } from '../structures/stream-id.js';
import type { TrimArgs } from '../structures/stream.js';
import { intOrReply, is, parseInteger } from './args.js';

/** An ID where `-`/`+` are allowed and a missing sequence is `missingSeq`. */
export function idOrReply(reply: Reply, s: string, missingSeq = 0n): StreamID | undefined {
  const p = parseStreamId(s, missingSeq, false);
  if (p === undefined) return void reply.error(INVALID_ID);
  return p.id;
}

/** An ID where `-` and `+` are refused (Redis' streamParseStrictIDOrReply). */
export function strictIdOrReply(reply: Reply, s: string, missingSeq = 0n): StreamID | undefined {
  const p = parseStreamId(s, missingSeq, true);
  if (p === undefined) return void reply.error(INVALID_ID);
  return p.id;
}

/** A range bound of XRANGE/XREVRANGE/XPENDING: `(` makes it exclusive (not with `-`/`+`). */
export function intervalIdOrReply(reply: Reply, s: string, missingSeq: bigint, isStart: boolean): StreamID | undefined {
  const exclusive = s.length > 1 && s[0] === '(';
  const id = exclusive ? strictIdOrReply(reply, s.slice(1), missingSeq) : idOrReply(reply, s, missingSeq);
  if (id === undefined || !exclusive) return id;
  const moved = isStart ? nextId(id) : prevId(id);
  if (moved === undefined) return void reply.error(isStart ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
  return moved;
}

/** BLOCK's milliseconds (getTimeoutFromObjectOrReply with UNIT_MILLISECONDS): 0 = forever. */
export function msTimeoutOrReply(reply: Reply, s: string): number | undefined {
  const v = parseInteger(s);
  if (v === undefined) return void reply.error('ERR timeout is not an integer or out of range');
  if (v < 0) return void reply.error(E.NEGATIVE_TIMEOUT);
  return v;
}

export interface AddTrimArgs {
  trim: TrimArgs | undefined;
  noMkStream: boolean;
  /** The explicit ID of XADD, undefined for `*`. */
  id: ParsedId | undefined;
  /** argv index of the ID (XADD) or of the end of options (XTRIM). */
  idIndex: number;
  /** argv indexes of the `~` or `=` operator, the trimming threshold and LIMIT, for propagation. */
  operatorIndex: number;
  thresholdIndex: number;
  limitIndex: number;
}

/**
 * XADD's and XTRIM's options. An approximate trim without LIMIT gets Redis' default of 100
 * nodes' worth of entries; the master's and the AOF's commands come exact (`=`, no LIMIT).
 */
export function addTrimArgsOrReply(reply: Reply, argv: string[], xadd: boolean, nodeMaxEntries: number, fromMaster: boolean): AddTrimArgs | undefined {
  const a: AddTrimArgs = { trim: undefined, noMkStream: false, id: undefined, idIndex: argv.length, operatorIndex: -1, thresholdIndex: -1, limitIndex: -1 };
  let limit: number | undefined;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    if ((is(opt, 'MAXLEN') || is(opt, 'MINID')) && more > 0) {
      if (a.trim !== undefined) return void reply.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      const maxlen = is(opt, 'MAXLEN');
      let approx = false;
      if (more >= 2 && (argv[i + 1] === '~' || argv[i + 1] === '=')) {
        approx = argv[i + 1] === '~';
        a.operatorIndex = ++i;
      } else a.operatorIndex = -1;
      const threshold = argv[i + 1];
      let trim: TrimArgs;
      if (maxlen) {
        const n = intOrReply(reply, threshold);
        if (n === undefined) return undefined;
        if (n < 0) return void reply.error('ERR The MAXLEN argument must be >= 0.');
        trim = { strategy: 'maxlen', maxlen: n, minid: MIN_ID, approx, limit: 0 };
      } else {
        const id = strictIdOrReply(reply, threshold);
        if (id === undefined) return undefined;
        trim = { strategy: 'minid', maxlen: 0, minid: id, approx, limit: 0 };
      }
      a.trim = trim;
      a.thresholdIndex = ++i;
    } else if (is(opt, 'LIMIT') && more > 0) {
      const n = intOrReply(reply, argv[i + 1]);
      if (n === undefined) return undefined;
      if (n < 0) return void reply.error('ERR The LIMIT argument must be >= 0.');
      limit = n;
      a.limitIndex = i++;
    } else if (xadd && is(opt, 'NOMKSTREAM')) {
      a.noMkStream = true;
    } else if (xadd) {
      const id = parseStreamId(opt, 0n, true, true);
      if (id === undefined) return void reply.error(INVALID_ID);
      a.id = id;
      break;
    } else {
      return void reply.error(E.SYNTAX);
    }
  }
  a.idIndex = i;
  if (limit !== undefined && a.trim === undefined) return void reply.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && a.trim === undefined) return void reply.error('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (a.trim !== undefined && fromMaster) {
    // A master's (or the AOF's) trim is already exact: LIMIT is ignored, as mustObeyClient() does.
    a.trim.limit = 0;
  } else if (a.trim !== undefined) {
    if (limit !== undefined) {
      if (!a.trim.approx) return void reply.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      a.trim.limit = limit;
    } else if (a.trim.approx) {
      const dflt = 100 * nodeMaxEntries;
      a.trim.limit = dflt <= 0 || dflt > 1000000 ? 10000 : dflt;
    }
  }
  return a;
}

/**
 * The options as a replica must replay them after an approximate trim: `=` for `~` and the
 * threshold actually reached (streamRewriteApproxSpecifier/TrimArgument); a LIMIT stays, as in
 * Redis' AOF, and the replica ignores it.
 */
export function exactTrimArgv(argv: string[], a: AddTrimArgs, threshold: string, upTo: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < upTo; i++) {
    if (i === a.operatorIndex) out.push('=');
    else if (i === a.thresholdIndex) out.push(threshold);
    else out.push(argv[i]);
  }
  return out;
}
