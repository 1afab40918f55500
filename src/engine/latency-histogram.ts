// Per-command latency histograms, as Redis 7's latency tracking keeps them: an HDR histogram of
// nanoseconds from 1 ns to 1 s with 2 significant figures (hdr_histogram's layout: 23 buckets of
// 128 sub-buckets, ~1% wide), in a typed array, so recording a call is a few integer operations.
// The percentiles (INFO latencystats) and the log-2 cumulative walk (LATENCY HISTOGRAM) follow
// hdr_histogram's own arithmetic, so the figures are the ones redis-server would print.

/** hdr_histogram's parameters for lowest 1, highest 1e9, 2 significant figures. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 7;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF_COUNT * 2;
const SUB_BUCKET_MASK = SUB_BUCKET_COUNT - 1;
const BUCKET_COUNT = 23;
const COUNTS_LEN = (BUCKET_COUNT + 1) * SUB_BUCKET_HALF_COUNT;

/** Redis' LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE, in nanoseconds. */
const MIN_NS = 1;
const MAX_NS = 1_000_000_000;

function bucketIndex(v: number): number {
  return 32 - Math.clz32(v | SUB_BUCKET_MASK) - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1);
}

function countsIndex(v: number): number {
  const b = bucketIndex(v);
  return ((b + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (v >>> b) - SUB_BUCKET_HALF_COUNT;
}

function valueAtIndex(index: number): number {
  let b = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (b < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    b = 0;
  }
  return sub * 2 ** b;
}

function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return (v >>> b) * 2 ** b;
}

function highestEquivalent(v: number): number {
  const b = bucketIndex(v);
  const sub = v >>> b;
  const range = 2 ** (sub >= SUB_BUCKET_COUNT ? b + 1 : b);
  return lowestEquivalent(v) + range - 1;
}

export class LatencyHistogram {
  /** Float64 so counts stay exact past 2^32 calls. */
  private readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records one call that took `usec` microseconds (Redis records duration*1000 ns, clamped). */
  record(usec: number): void {
    let ns = usec * 1000;
    if (ns < MIN_NS) ns = MIN_NS;
    else if (ns > MAX_NS) ns = MAX_NS;
    this.counts[countsIndex(ns)]++;
    this.total++;
  }

  /** hdr_value_at_percentile, in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    const p = percentile < 100 ? percentile : 100;
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= wanted) {
        value = valueAtIndex(i);
        break;
      }
    }
    return percentile === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }

  /**
   * LATENCY HISTOGRAM's buckets: hdr_iter_log from 1024 ns doubling, each reported as the highest
   * value equivalent to where the walk stopped (in µs) with the cumulative count there, skipping
   * steps that added nothing.
   */
  cumulativeBuckets(): [number, number][] {
    const out: [number, number][] = [];
    let index = -1;
    let value = 0;
    let highest = 0;
    let cumulative = 0;
    let previous = 0;
    let level = 1024;
    let levelLowest = lowestEquivalent(level);
    const emit = (): void => {
      if (cumulative > previous) out.push([Math.floor(highest / 1000), cumulative]);
      previous = cumulative;
    };
    while (cumulative < this.total || valueAtIndex(index + 1) > levelLowest) {
      for (;;) {
        if (value >= levelLowest) {
          // Stays below 2^31: the last index's value is under 2^30.
          level *= 2;
          levelLowest = lowestEquivalent(level);
          emit();
          break;
        }
        if (index + 1 >= COUNTS_LEN) {
          emit();
          return out;
        }
        index++;
        cumulative += this.counts[index];
        value = valueAtIndex(index);
        highest = highestEquivalent(value);
      }
    }
    return out;
  }
}

/** Redis' "%f" then trimDoubleString: 50 → "50", 99.9 → "99.9". */
export function formatPercentile(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

/** One INFO latencystats value: "p50=1.003,p99=2.007,p99.9=4.015" (µs, three decimals). */
export function percentilesField(h: LatencyHistogram, percentiles: readonly number[]): string {
  return percentiles.map((p) => `p${formatPercentile(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`).join(',');
}
