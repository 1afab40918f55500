// Sizing V8's heap from the machine. Node's default old-space limit is about 4 GB whatever the
// machine has, and reaching it aborts the process with every key in it. V8 fixes the limit when the
// process starts, so bin/ferrite-server runs this first: it works out --max-old-space-size from
// maxmemory (room for the dataset plus collection headroom) or, without maxmemory, from the
// machine's memory, and runs the server in a child Node with that flag. The parent only forwards
// signals and the exit status; the child exits if the parent disappears (even by SIGKILL).
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parseCommandLine } from './cli.js';

const MB = 1024 * 1024;
/** Marks the child, so it doesn't relaunch itself. */
const LAUNCHED = 'FERRITE_HEAP_SIZED';
/** Without maxmemory the heap may take this share of the machine; the rest is for buffers, typed arrays and the system. */
const MACHINE_SHARE = 0.75;
/** With maxmemory: the dataset plus half again for garbage between collections, plus clients and the rest of the server. */
const DATASET_HEADROOM = 1.5;
const BASE_MB = 512;
/**
 * The young generation's semi-space. 16 MB is V8's default ceiling; 64 MB lets a pipelined burst's
 * short-lived buffers and strings die young instead of being promoted (docs/decisions.md, "The keyspace at scale").
 */
const SEMI_SPACE_MB = 64;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

/** The old-space limit in MB for a machine of `totalBytes` and a maxmemory (0: none); never below V8's own default. */
export function heapLimitMb(totalBytes: number, maxmemory: number, defaultBytes: number): number {
  const machine = (totalBytes * MACHINE_SHARE) / MB;
  const wanted = maxmemory > 0 ? (maxmemory * DATASET_HEADROOM) / MB + BASE_MB : machine;
  return Math.floor(Math.max(defaultBytes / MB, Math.min(machine, wanted)));
}

function flagsGiven(): boolean {
  const all = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return all.some((a) => a.startsWith('--max-old-space-size') || a.startsWith('--max_old_space_size'));
}

/** True when this process should run the server itself; otherwise it became the launcher of a child that does. */
export function launch(): boolean {
  if (process.env[LAUNCHED] !== undefined) {
    watchParent();
    return true;
  }
  const argv = process.argv.slice(2);
  // A config read from stdin can't be read twice; explicit heap flags are the user's choice.
  if (argv.includes('-') || flagsGiven()) return true;
  const parsed = parseCommandLine(argv);
  // --version, --help and config errors: answered by the server's own start-up path.
  if ('exit' in parsed) return true;
  const limit = heapLimitMb(totalmem(), parsed.config.getNumber('maxmemory'), getHeapStatistics().heap_size_limit);
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${limit}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, ...process.execArgv, process.argv[1], ...argv],
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [LAUNCHED]: String(limit) } },
  );
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      for (const s of SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
  return false;
}

/** The child's end: if the launcher dies without forwarding a signal, the server goes too. */
function watchParent(): void {
  if (process.channel === undefined) return;
  process.channel.unref();
  process.on('disconnect', () => process.exit(1));
}
