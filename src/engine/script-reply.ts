// The Reply a script's redis.call hands to the command it runs: instead of RESP bytes it builds
// the ScriptValue the Lua engine converts into Lua values. It takes the shapes the RESP writer
// would send on a connection of the script's protocol (redis.setresp), because Redis' scripts
// see exactly what its Lua client's connection receives.
import { formatDouble } from '../protocol/number-format.js';
import type { Reply } from '../protocol/reply.js';
import type { ScriptValue } from '../scripting/lua-engine.js';

interface OpenArray {
  items: ScriptValue[];
  /** Elements still to come. */
  left: number;
  /** Set and map headers on RESP3; arrays otherwise. */
  kind: 'array' | 'set' | 'map';
}

/**
 * Elements one command's reply may hand a script. A script has no output buffer limit; past this the
 * command stops (`overflowed`) and redis.call raises an error, instead of the process running out of
 * memory building a table no script could use.
 */
const MAX_SCRIPT_REPLY_ELEMENTS = 1 << 24;

export class ScriptReply implements Reply {
  resp: 2 | 3 = 2;
  overflowed = false;
  pushing = false;
  private elements = 0;
  /** Counts error replies, as the server counts every error a command replies. */
  onError: ((line: string) => void) | undefined;
  private readonly open: OpenArray[] = [];
  private result: ScriptValue | undefined;

  /** Starts a new command's reply. */
  begin(resp: 2 | 3): void {
    this.resp = resp;
    this.open.length = 0;
    this.result = undefined;
    this.overflowed = false;
    this.elements = 0;
  }

  /** The complete reply; a command that wrote none (a bug) reads as nil, as an empty reply would. */
  take(): ScriptValue {
    if (this.overflowed) {
      this.overflowed = false;
      return { t: 'error', v: `ERR the reply has more than ${MAX_SCRIPT_REPLY_ELEMENTS} elements, too many for a script` };
    }
    const out = this.result ?? { t: 'nil' };
    this.result = undefined;
    return out;
  }

  ok(): void {
    this.add({ t: 'status', v: 'OK' });
  }
  simple(s: string): void {
    this.add({ t: 'status', v: s });
  }
  error(message: string): void {
    this.add({ t: 'error', v: message });
    this.onError?.(message);
  }
  int(n: number | bigint): void {
    this.add({ t: 'int', v: n });
  }
  bulk(s: string): void {
    this.add({ t: 'bulk', v: s });
  }
  nil(): void {
    this.add({ t: 'nil' });
  }
  nullArray(): void {
    this.add({ t: 'nil' });
  }
  array(length: number): void {
    this.start('array', length);
  }
  map(length: number): void {
    if (this.resp === 3) this.start('map', length * 2);
    else this.start('array', length * 2);
  }
  set(length: number): void {
    this.start(this.resp === 3 ? 'set' : 'array', length);
  }
  push(length: number): void {
    this.start('array', length);
  }
  double(d: number): void {
    this.add(this.resp === 3 ? { t: 'double', v: d } : { t: 'bulk', v: formatDouble(d) });
  }
  bool(b: boolean): void {
    this.add(this.resp === 3 ? { t: 'bool', v: b } : { t: 'int', v: b ? 1 : 0 });
  }
  bigNumber(s: string): void {
    this.add(this.resp === 3 ? { t: 'bignum', v: s } : { t: 'bulk', v: s });
  }
  verbatim(s: string, format = 'txt'): void {
    this.add(this.resp === 3 ? { t: 'verbatim', v: s, format } : { t: 'bulk', v: s });
  }
  bulks(items: readonly string[]): void {
    this.add({ t: 'array', v: items.map((v): ScriptValue => ({ t: 'bulk', v })) });
  }

  private start(kind: OpenArray['kind'], length: number): void {
    if (this.overflowed) return;
    if (length === 0) return this.add(closed(kind, []));
    this.elements += length;
    if (this.elements > MAX_SCRIPT_REPLY_ELEMENTS) {
      this.overflowed = true;
      this.open.length = 0;
      return;
    }
    this.open.push({ items: [], left: length, kind });
  }

  /** Appends a finished value to the innermost open container, closing every container it completes. */
  private add(value: ScriptValue): void {
    if (this.overflowed) return;
    let v = value;
    for (;;) {
      const top = this.open[this.open.length - 1];
      if (top === undefined) {
        // Only the first top-level value is the reply, as Redis reads one reply per call.
        this.result ??= v;
        return;
      }
      top.items.push(v);
      if (--top.left > 0) return;
      this.open.pop();
      v = closed(top.kind, top.items);
    }
  }
}

function closed(kind: OpenArray['kind'], items: ScriptValue[]): ScriptValue {
  if (kind === 'array') return { t: 'array', v: items };
  if (kind === 'set') return { t: 'set', v: items };
  const pairs: [ScriptValue, ScriptValue][] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
  return { t: 'map', v: pairs };
}

/** Writes a script's result to the caller's connection, in the caller's protocol. */
export function writeScriptValue(reply: Reply, value: ScriptValue): void {
  switch (value.t) {
    case 'status': return reply.simple(value.v);
    case 'error': return reply.error(value.v);
    case 'int': return reply.int(value.v);
    case 'bulk': return reply.bulk(value.v);
    case 'nil': return reply.nil();
    case 'double': return reply.double(value.v);
    case 'bool': return reply.bool(value.v);
    case 'bignum': return reply.bigNumber(value.v);
    case 'verbatim': return reply.verbatim(value.v, value.format);
    case 'array':
      reply.array(value.v.length);
      for (const item of value.v) writeScriptValue(reply, item);
      return;
    case 'set':
      reply.set(value.v.length);
      for (const item of value.v) writeScriptValue(reply, item);
      return;
    case 'map':
      reply.map(value.v.length);
      for (const [k, v] of value.v) {
        writeScriptValue(reply, k);
        writeScriptValue(reply, v);
      }
  }
}
