// A RESP reply framer for raw-socket tests: splits a byte stream into whole replies (RESP2 and RESP3),
// so tests can compare replies byte for byte with the real redis-server.

/** Length in bytes of the complete reply at `buf[pos]`, or -1 if it isn't complete yet. */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos);
  if (eol === -1) return -1;
  const type = String.fromCharCode(buf[pos]);
  const header = buf.toString('latin1', pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+': case '-': case ':': case ',': case '#': case '_': case '(':
      return after - pos;
    case '$': case '=': case '!': {
      const n = Number(header);
      if (n < 0) return after - pos;
      return after + n + 2 <= buf.length ? after + n + 2 - pos : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(header);
      if (n < 0) return after - pos;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        const len = replyLength(buf, p);
        if (len === -1) return -1;
        p += len;
      }
      return p - pos;
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 40)))}`);
  }
}

/** Encodes a command as a RESP multibulk request (latin1 arguments, binary-safe). */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}
