// Writes made by one EXEC or one script reach the AOF and replicas as one unit, as Redis 7.0's
// propagatePendingCommands does: shared by transactions and the script runner.
import type { PropagationSink, ServerState } from './server-context.js';

/** Sinks that capture a transaction's effects; a nested unit (a script inside EXEC) joins the outer one. */
const capturing = new WeakSet<PropagationSink>();

/**
 * Runs `run` and propagates the writes it made as one unit, like Redis 7.0's propagatePendingCommands:
 * a single effect as it is, several wrapped in MULTI ... EXEC, MULTI carrying the first effect's
 * database so that its SELECT comes before it.
 */
export function propagateAtomically(server: ServerState, run: () => void): void {
  const unit = openAtomicUnit(server);
  try {
    run();
  } finally {
    unit.close();
  }
}

/**
 * The same as an object, for a unit that outlives one call: an EXEC whose script was suspended
 * past busy-reply-threshold keeps capturing until its last queued command has run.
 */
export function openAtomicUnit(server: ServerState): { close(): void } {
  const sinks = server.sinks;
  if (sinks.length === 0 || sinks.some((s) => capturing.has(s))) return { close: () => undefined };
  const effects: [db: number, argv: string[]][] = [];
  const capture: PropagationSink = (db, argv) => void effects.push([db, argv]);
  capturing.add(capture);
  const real = sinks.splice(0, sinks.length, capture);
  return {
    close(): void {
      // A sink attached while running (CONFIG SET appendonly yes inside the transaction) stays attached.
      const added = sinks.filter((s) => s !== capture);
      sinks.splice(0, sinks.length, ...real, ...added);
      emitAsUnit(server, effects);
    },
  };
}

function emitAsUnit(server: ServerState, effects: [number, string[]][]): void {
  if (effects.length === 0) return;
  if (effects.length === 1) return server.propagate(effects[0][0], effects[0][1]);
  server.propagate(effects[0][0], ['MULTI']);
  for (const [db, argv] of effects) server.propagate(db, argv);
  server.propagate(effects[effects.length - 1][0], ['EXEC']);
}
