// The last line of defence when maxmemory is 0: V8 aborts the whole process ("JavaScript heap out
// of memory") when its heap limit is reached, losing every key. Before that, writes are refused with
// the OOM error, as Redis refuses them over maxmemory, and the log says why; reads, deletes and
// FLUSHALL still run, so a user can make room. The heap is looked at every few hundred commands
// (a getHeapStatistics call costs about a microsecond), and the machine's free memory with it.
// Freed keys are only garbage until V8 collects, and a server refusing writes allocates too little
// to make it: once the dataset shrank by a tenth while writes are refused, a full collection is run.
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { freemem, totalmem } from 'node:os';

/**
 * Writes stop when less than this share of the old generation's limit is free (or less than a young
 * generation's worth plus a little, whichever is more: a scavenge may promote that much at once, and
 * V8 gives up before the limit when collections stop freeing much).
 */
const HEAP_RESERVE = 0.1;
const MIN_RESERVE = 32 * 1024 * 1024;
/** They start again once this much more is free, so the state doesn't flap at every collection. */
const RECOVERY = 0.05;
/** Commands between two looks at the heap (a look costs a few microseconds: heap space statistics, free memory). */
const CHECK_EVERY = 1024;
const MB = 1024 * 1024;
/** V8's default semi-space ceiling on x64; the young generation is three of them (two semi-spaces, new large objects). */
const DEFAULT_SEMI_SPACE_MB = 16;

/** The young generation's share of heap_size_limit, from --max-semi-space-size if the process was given it. */
function youngGenerationBytes(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  let semi = DEFAULT_SEMI_SPACE_MB;
  for (const f of flags) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(f);
    if (m !== null) semi = Number(m[1]);
  }
  return 3 * semi * MB;
}

/** What the limit is about: heap_size_limit counts the young generation, but only the old one fills up and aborts. */
function oldGeneration(youngMax: number): { used: number; limit: number; young: number } {
  const h = getHeapStatistics();
  let young = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') young += s.space_used_size;
  return { used: h.used_heap_size - young, limit: h.heap_size_limit - youngMax, young: youngMax };
}

export interface HeapLog {
  warning(message: string): void;
  notice(message: string): void;
}

/** A full collection on demand, without running the whole process with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Share of the dataset freed while critical that is worth a forced collection. */
const FREED_SHARE = 0.1;

export class HeapGuard {
  /** True while writes must be refused. */
  critical = false;
  private countdown = 0;
  /** used_memory when writes were last refused or a collection was forced. */
  private datasetMark = 0;
  /** Free system memory below which the kernel's OOM killer would be next. */
  private readonly minFree = Math.min(512 * 1024 * 1024, totalmem() * 0.03);
  private readonly youngMax = youngGenerationBytes();

  /** `dataset` is used_memory: how much the keys hold. */
  constructor(private readonly log: HeapLog, private readonly dataset: () => number) {}

  /** The V8 heap limit this process works under (INFO memory's heap_limit). */
  static limit(): number {
    return getHeapStatistics().heap_size_limit;
  }

  /** Called before every command that may grow memory: true while there is room. */
  hasRoom(): boolean {
    if (--this.countdown <= 0) {
      this.countdown = CHECK_EVERY;
      this.check();
    }
    return !this.critical;
  }

  private check(): void {
    if (this.critical && this.dataset() < this.datasetMark * (1 - FREED_SHARE)) {
      collectGarbage();
      this.datasetMark = this.dataset();
    }
    const h = oldGeneration(this.youngMax);
    const reserve = Math.max(h.limit * HEAP_RESERVE, h.young + MIN_RESERVE);
    const free = h.limit - h.used;
    const lowSystem = freemem() < this.minFree;
    if (!this.critical && (free < reserve || lowSystem)) {
      this.critical = true;
      this.datasetMark = this.dataset();
      this.log.warning(
        `WARNING: memory is nearly exhausted (V8 old generation ${mb(h.used)} of its ${mb(h.limit)} limit, ` +
          `${mb(freemem())} free in the system): write commands are refused with OOM until memory is freed. ` +
          `Set maxmemory and a maxmemory-policy to evict keys instead.`,
      );
    } else if (this.critical && free > reserve + h.limit * RECOVERY && !lowSystem) {
      this.critical = false;
      this.log.notice(`Memory is available again (V8 old generation ${mb(h.used)} of ${mb(h.limit)}): writes are accepted.`);
    }
  }
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(0)}MB`;
}
