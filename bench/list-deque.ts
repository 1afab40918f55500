// The list structure against denque (the design card's package) on what Redis lists need:
// push/pop at both ends, index reads, LSET, and the memory a drained list keeps.
import Denque from 'denque';
import { ListValue } from '../src/structures/list.js';

const N = 1_000_000;

function time(fn: () => void): number {
  fn();
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function heapAfter(fn: () => unknown): number {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  const keep = fn();
  (globalThis as { gc?: () => void }).gc?.();
  const used = process.memoryUsage().heapUsed - before;
  void keep;
  return used;
}

export async function runListDequeBench(): Promise<string> {
  const values = Array.from({ length: N }, (_, i) => `v${i}`);
  const rows: [string, number, number][] = [];
  rows.push(['push tail + pop head, 1M (ms)',
    time(() => { const l = new ListValue(); for (const v of values) l.pushTail(v); while (l.popHead() !== undefined); }),
    time(() => { const d = new Denque<string>(); for (const v of values) d.push(v); while (d.shift() !== undefined); })]);
  const l = new ListValue(values);
  const d = new Denque<string>(values);
  rows.push(['index read at random, 1M (ms)',
    time(() => { for (let i = 0; i < N; i++) l.at((i * 7919) % N); }),
    time(() => { for (let i = 0; i < N; i++) d.peekAt((i * 7919) % N); })]);
  // denque has no set(i, v): LSET on it needs splice, which moves elements.
  rows.push(['LSET at random, 1k (ms)',
    time(() => { for (let i = 0; i < 1000; i++) l.set((i * 7919) % N, 'x'); }),
    time(() => { for (let i = 0; i < 1000; i++) d.splice((i * 7919) % N, 1, 'x'); })]);
  rows.push(['heap kept by a drained 1M list (KB)',
    heapAfter(() => { const x = new ListValue(values); while (x.popHead() !== undefined); return x; }) / 1024,
    heapAfter(() => { const x = new Denque<string>(values); while (x.shift() !== undefined); return x; }) / 1024]);
  const lines = ['| operation | ListValue (ring buffer) | denque 2.1.0 |', '|---|---:|---:|'];
  for (const [name, ours, theirs] of rows) lines.push(`| ${name} | ${ours.toFixed(1)} | ${theirs.toFixed(1)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runListDequeBench());
