// RESP requests as a client writes them: one multi-bulk array of bulk strings per command.

export type RequestArgument = string | Buffer | number;

function bulk(arg: RequestArgument): string | Buffer {
  if (Buffer.isBuffer(arg)) return arg;
  const text = typeof arg === 'number' ? String(arg) : arg;
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/**
 * Encodes one command. Strings are UTF-8; Buffers are written as they are, so the result is a list
 * of chunks that a caller can hand to one `socket.write` (joined) with any others of the same tick.
 */
export function encodeRequest(args: readonly RequestArgument[]): (string | Buffer)[] {
  const out: (string | Buffer)[] = [`*${args.length}\r\n`];
  for (const arg of args) {
    if (Buffer.isBuffer(arg)) out.push(`$${arg.length}\r\n`, arg, '\r\n');
    else out.push(bulk(arg));
  }
  return out;
}
