// Commands as they travel on the replication stream: RESP arrays of bulk strings, in latin1 (one
// byte per char, how the keyspace holds bytes), exactly what a Redis master sends.

export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

const SELECTS: string[] = [];

/** SELECT n, cached: it precedes every change of database on the stream. */
export function encodeSelect(db: number): string {
  return (SELECTS[db] ??= encodeCommand(['SELECT', String(db)]));
}
