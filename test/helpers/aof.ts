// Reading what redis-server wrote to its AOF, to compare with what Ferrite propagates.

/** The commands in a RESP stream (an AOF file). */
export function commandsIn(stream: string): string[][] {
  const out: string[][] = [];
  let pos = 0;
  while (pos < stream.length) {
    const headerEnd = stream.indexOf('\r\n', pos);
    const count = Number(stream.slice(pos + 1, headerEnd));
    pos = headerEnd + 2;
    const argv: string[] = [];
    for (let i = 0; i < count; i++) {
      const lenEnd = stream.indexOf('\r\n', pos);
      const len = Number(stream.slice(pos + 1, lenEnd));
      argv.push(stream.slice(lenEnd + 2, lenEnd + 2 + len));
      pos = lenEnd + 2 + len + 2;
    }
    out.push(argv);
  }
  return out;
}
