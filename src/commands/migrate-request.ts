// RESP encoding of the commands MIGRATE sends to its target (binary-safe: latin1 arguments).
export function encodeRequest(commands: readonly (readonly string[])[]): Buffer {
  let out = '';
  for (const argv of commands) {
    out += `*${argv.length}\r\n`;
    for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  }
  return Buffer.from(out, 'latin1');
}
