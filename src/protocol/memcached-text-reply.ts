// memcached text-protocol replies as a client reads them: a retrieval (VALUE lines and END) or one
// status line. `parseTextReply` is incremental: it returns undefined until the whole reply is here.

export interface MemcachedValue {
  readonly key: string;
  readonly flags: number;
  readonly value: Buffer;
  readonly cas?: bigint;
}

export type TextReply =
  | { readonly kind: 'values'; readonly values: MemcachedValue[] }
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'error'; readonly line: string };

export type ExpectedReply = 'values' | 'line';

export class MemcachedProtocolError extends Error {
  override name = 'MemcachedProtocolError';
}

/** Whether a status line is one of memcached's error replies. */
function isErrorLine(line: string): boolean {
  return line === 'ERROR' || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR');
}

/** Parses one reply at `offset`; returns it and the offset after it, or undefined if incomplete. */
export function parseTextReply(buf: Buffer, offset: number, expected: ExpectedReply): { reply: TextReply; next: number } | undefined {
  if (expected === 'line') {
    const eol = buf.indexOf('\r\n', offset);
    if (eol === -1) return undefined;
    const line = buf.toString('latin1', offset, eol);
    return { reply: { kind: isErrorLine(line) ? 'error' : 'line', line }, next: eol + 2 };
  }
  const values: MemcachedValue[] = [];
  let pos = offset;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol === -1) return undefined;
    const line = buf.toString('utf8', pos, eol);
    if (line === 'END') return { reply: { kind: 'values', values }, next: eol + 2 };
    if (isErrorLine(line)) return { reply: { kind: 'error', line }, next: eol + 2 };
    const parts = line.split(' ');
    if (parts[0] !== 'VALUE' || parts.length < 4 || parts.length > 5) throw new MemcachedProtocolError(`unexpected reply line: ${line.slice(0, 100)}`);
    const bytes = Number(parts[3]);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new MemcachedProtocolError(`bad VALUE length: ${line.slice(0, 100)}`);
    const dataEnd = eol + 2 + bytes;
    if (buf.length < dataEnd + 2) return undefined;
    if (buf[dataEnd] !== 13 || buf[dataEnd + 1] !== 10) throw new MemcachedProtocolError('VALUE data not followed by CRLF');
    values.push({
      key: parts[1],
      flags: Number(parts[2]),
      value: Buffer.from(buf.subarray(eol + 2, dataEnd)),
      ...(parts.length === 5 ? { cas: BigInt(parts[4]) } : {}),
    });
    pos = dataEnd + 2;
  }
}
