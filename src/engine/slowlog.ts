// SLOWLOG: the last slowlog-max-len calls that took longer than slowlog-log-slower-than µs.
import type { ConfigAccess } from './server-context.js';

export interface SlowLogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Redis keeps at most 32 arguments and 128 bytes of each. */
const MAX_ARGS = 32;
const MAX_ARG_LENGTH = 128;

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;

  constructor(private readonly config: ConfigAccess) {}

  record(argv: readonly string[], durationUs: number, addr: string, name: string): void {
    const threshold = this.config.getNumber('slowlog-log-slower-than');
    if (threshold < 0 || durationUs < threshold) return;
    const max = this.config.getNumber('slowlog-max-len');
    if (max <= 0) return;
    const kept: string[] = [];
    const n = Math.min(argv.length, MAX_ARGS);
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGS - 1 && argv.length > MAX_ARGS) {
        kept.push(`... (${argv.length - MAX_ARGS + 1} more arguments)`);
        break;
      }
      const a = argv[i];
      kept.push(a.length > MAX_ARG_LENGTH ? `${a.slice(0, MAX_ARG_LENGTH)}... (${a.length - MAX_ARG_LENGTH} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), durationUs, argv: kept, addr, name });
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}
