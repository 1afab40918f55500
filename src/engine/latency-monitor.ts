// LATENCY: per-event latency spikes above latency-monitor-threshold, as Redis' latency monitor keeps them.

export interface LatencySample {
  time: number;
  latencyMs: number;
}

export interface LatencyEvent {
  samples: LatencySample[];
  maxMs: number;
}

/** Redis keeps 160 samples per event, one per second at most. */
const MAX_SAMPLES = 160;

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();

  add(event: string, latencyMs: number, thresholdMs: number): void {
    if (thresholdMs <= 0 || latencyMs < thresholdMs) return;
    const now = Math.floor(Date.now() / 1000);
    let ev = this.events.get(event);
    if (ev === undefined) {
      ev = { samples: [], maxMs: 0 };
      this.events.set(event, ev);
    }
    const last = ev.samples[ev.samples.length - 1];
    if (last !== undefined && last.time === now) {
      last.latencyMs = Math.max(last.latencyMs, latencyMs);
    } else {
      ev.samples.push({ time: now, latencyMs });
      if (ev.samples.length > MAX_SAMPLES) ev.samples.shift();
    }
    ev.maxMs = Math.max(ev.maxMs, latencyMs);
  }

  reset(names: string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }
}
