// Redis 7's latency tracking as clients see it: INFO latencystats and LATENCY HISTOGRAM, read
// from the per-command histograms the command path records (engine/latency-histogram.ts).
import { percentilesField, type LatencyHistogram } from '../engine/latency-histogram.js';
import type { ServerState } from '../engine/server-context.js';
import type { CommandContext } from '../engine/types.js';

/** INFO latencystats: one line per command that has a histogram, empty while tracking is off. */
export function latencystatsSection(s: ServerState): [string, string][] {
  if (!s.latencyTracking) return [];
  const raw = s.config.get('latency-tracking-info-percentiles') ?? '';
  const percentiles = raw === '' ? [] : raw.split(' ').map(Number);
  const out: [string, string][] = [];
  for (const [name, stat] of s.stats.commands) {
    if (stat.latency !== undefined) out.push([`latency_percentiles_usec_${name}`, percentilesField(stat.latency, percentiles)]);
  }
  return out;
}

function replyHistogram(ctx: CommandContext, name: string, h: LatencyHistogram): void {
  const r = ctx.reply;
  r.bulk(name);
  r.map(2);
  r.bulk('calls');
  r.int(h.total);
  r.bulk('histogram_usec');
  const buckets = h.cumulativeBuckets();
  r.map(buckets.length);
  for (const [usec, count] of buckets) {
    r.int(usec);
    r.int(count);
  }
}

/**
 * LATENCY HISTOGRAM [command ...]: every tracked command, or the named ones (a container names
 * itself and its subcommands; unknown names are skipped, repeats repeat), as Redis answers.
 */
export function latencyHistogram(ctx: CommandContext, argv: string[]): void {
  const stats = ctx.server.stats.commands;
  const picked: [string, LatencyHistogram][] = [];
  const add = (name: string): void => {
    const h = stats.get(name)?.latency;
    if (h !== undefined) picked.push([name, h]);
  };
  if (argv.length === 2) {
    for (const [name, stat] of stats) if (stat.latency !== undefined) picked.push([name, stat.latency]);
  }
  for (const arg of argv.slice(2)) {
    const lower = arg.toLowerCase();
    const bar = lower.indexOf('|');
    const spec = ctx.server.commandTable.get(bar === -1 ? lower : lower.slice(0, bar));
    if (spec === undefined) continue;
    if (bar !== -1) {
      if (spec.subcommands?.some((s) => s.name === lower)) add(lower);
      continue;
    }
    add(spec.name);
    for (const sub of spec.subcommands ?? []) add(sub.name);
  }
  ctx.reply.map(picked.length);
  for (const [name, h] of picked) replyHistogram(ctx, name, h);
}
