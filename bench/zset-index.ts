// Decides the sorted-set index (docs/decisions.md, "Sorted-set index"): sorted-btree with a rank
// walk over its internal nodes' cached subtree sizes (src/structures/zset-index.ts, the design
// card's choice) against a port of Redis' skiplist with spans (below). Both hold the same
// 1,000,000 (score, member) pairs and answer the same queries; checksums make sure they agree
// and that no work is optimised away.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import { ZSetIndex } from '../src/structures/zset-index.js';

const MEMBERS = 1_000_000;
const QUERIES = 200_000;
const MIDDLE = 500_000;
const ROUNDS = 3;

interface Entry { score: number; member: string }

// Approach (b): a port of Redis' zskiplist (t_zset.c zslInsert, zslDeleteNode, zslUpdateScore,
// zslGetRank, zslGetElementByRank), reduced to the operations measured here. Each node keeps
// its links in one array, [forward0, span0, forward1, span1, ...], like the C node's level[]:
// a first cut with separate forward[] and span[] arrays took 181 instead of 133 bytes/member.
const MAX_LEVEL = 32;
const P = 0.25;

class SkipNode {
  backward: SkipNode | null = null;
  readonly links: (SkipNode | null | number)[];

  constructor(public score: number, public member: string, level: number) {
    this.links = new Array<SkipNode | null | number>(2 * level);
    for (let i = 0; i < level; i++) {
      this.links[2 * i] = null;
      this.links[2 * i + 1] = 0;
    }
  }

  forward(i: number): SkipNode | null {
    return this.links[2 * i] as SkipNode | null;
  }

  span(i: number): number {
    return this.links[2 * i + 1] as number;
  }

  link(i: number, forward: SkipNode | null, span: number): void {
    this.links[2 * i] = forward;
    this.links[2 * i + 1] = span;
  }
}

function precedes(node: SkipNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

class SkipList {
  private readonly header = new SkipNode(0, '', MAX_LEVEL);
  private level = 1;
  private length = 0;
  private readonly update = new Array<SkipNode>(MAX_LEVEL).fill(this.header);
  private readonly rankAt = new Array<number>(MAX_LEVEL).fill(0);

  insert(score: number, member: string): void {
    const { update, rankAt } = this;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1];
      for (let next = x.forward(i); next !== null && precedes(next, score, member); next = x.forward(i)) {
        rankAt[i] += x.span(i);
        x = next;
      }
      update[i] = x;
    }
    let level = 1;
    while (level < MAX_LEVEL && Math.random() < P) level++;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = this.header;
        this.header.link(i, null, this.length);
      }
      this.level = level;
    }
    const node = new SkipNode(score, member, level);
    for (let i = 0; i < level; i++) {
      const prev = update[i];
      node.link(i, prev.forward(i), prev.span(i) - (rankAt[0] - rankAt[i]));
      prev.link(i, node, rankAt[0] - rankAt[i] + 1);
    }
    for (let i = level; i < this.level; i++) update[i].link(i, update[i].forward(i), update[i].span(i) + 1);
    node.backward = update[0] === this.header ? null : update[0];
    const next = node.forward(0);
    if (next !== null) next.backward = node;
    this.length++;
  }

  updateScore(oldScore: number, member: string, newScore: number): void {
    const { update } = this;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward(i); next !== null && precedes(next, oldScore, member); next = x.forward(i)) x = next;
      update[i] = x;
    }
    const node = x.forward(0);
    if (node === null || node.score !== oldScore || node.member !== member) throw new Error('skiplist: member not found');
    const next = node.forward(0);
    if ((node.backward === null || node.backward.score < newScore) && (next === null || next.score > newScore)) {
      node.score = newScore;
      return;
    }
    for (let i = 0; i < this.level; i++) {
      const prev = update[i];
      if (prev.forward(i) === node) prev.link(i, node.forward(i), prev.span(i) + node.span(i) - 1);
      else prev.link(i, prev.forward(i), prev.span(i) - 1);
    }
    if (next !== null) next.backward = node.backward;
    while (this.level > 1 && this.header.forward(this.level - 1) === null) this.level--;
    this.length--;
    this.insert(newScore, member);
  }

  rank(score: number, member: string): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward(i); next !== null && (precedes(next, score, member) || (next.score === score && next.member === member)); next = x.forward(i)) {
        traversed += x.span(i);
        x = next;
      }
      if (x !== this.header && x.score === score && x.member === member) return traversed - 1;
    }
    return -1;
  }

  nodeAt(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.length) return null;
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward(i); next !== null && traversed + x.span(i) <= rank + 1; next = x.forward(i)) {
        traversed += x.span(i);
        x = next;
      }
      if (traversed === rank + 1) return x;
    }
    return null;
  }
}

// Both candidates behind one shape, so each measurement runs the same code on each.
interface Candidate {
  insert(score: number, member: string): void;
  updateScore(oldScore: number, member: string, newScore: number): void;
  rank(score: number, member: string): number;
  at(rank: number): Entry | undefined;
  forEachFromRank(start: number, count: number, fn: (member: string, score: number) => void): void;
}

function btreeCandidate(): Candidate {
  const index = new ZSetIndex();
  return {
    insert: (score, member) => index.insert(score, member),
    updateScore: (oldScore, member, newScore) => index.updateScore(oldScore, member, newScore),
    rank: (score, member) => index.rank(score, member),
    at: (rank) => index.at(rank),
    forEachFromRank: (start, count, fn) => index.forEachInRankRange(start, Math.min(start + count, index.length) - 1, false, fn),
  };
}

function skiplistCandidate(): Candidate {
  const list = new SkipList();
  return {
    insert: (score, member) => list.insert(score, member),
    updateScore: (oldScore, member, newScore) => list.updateScore(oldScore, member, newScore),
    rank: (score, member) => list.rank(score, member),
    at: (rank) => {
      const node = list.nodeAt(rank);
      return node === null ? undefined : { score: node.score, member: node.member };
    },
    forEachFromRank: (start, count, fn) => {
      let node = list.nodeAt(start);
      for (let left = count; node !== null && left > 0; left--) {
        fn(node.member, node.score);
        node = node.forward(0);
      }
    },
  };
}

// Deterministic data so every run and both candidates see the same workload.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Workload { members: string[]; scores: number[]; picks: number[]; newScores: number[] }

function makeWorkload(): Workload {
  const random = mulberry32(0x5eed);
  const members: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    members.push(`member:${i}`);
    // Integer scores drawn from a range the size of the set: about a third of them tie, so the
    // member tie-break is exercised as in a leaderboard.
    scores.push(Math.floor(random() * MEMBERS));
  }
  // Insert in random order, not member order.
  for (let i = MEMBERS - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [members[i], members[j]] = [members[j], members[i]];
    [scores[i], scores[j]] = [scores[j], scores[i]];
  }
  const picks: number[] = [];
  const newScores: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    picks.push(Math.floor(random() * MEMBERS));
    newScores.push(Math.floor(random() * MEMBERS));
  }
  return { members, scores, picks, newScores };
}

// heapUsed deltas mean something only right after a full collection; this gets V8's gc()
// without requiring callers to start node with --expose-gc.
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Measurement {
  insertNs: number;
  rankNs: number;
  atNs: number;
  rangeNs: number;
  updateNs: number;
  bytesPerMember: number;
  checksum: number;
}

function nsPerOp(startNs: bigint, ops: number): number {
  return Number(process.hrtime.bigint() - startNs) / ops;
}

function measure(make: () => Candidate, w: Workload, gc: () => void): Measurement {
  const { members, picks, newScores } = w;
  const scores = w.scores.slice();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const c = make();
  let t = process.hrtime.bigint();
  for (let i = 0; i < MEMBERS; i++) c.insert(scores[i], members[i]);
  const insertNs = nsPerOp(t, MEMBERS);
  gc();
  const bytesPerMember = (process.memoryUsage().heapUsed - heapBefore) / MEMBERS;

  let checksum = 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < QUERIES; i++) checksum += c.rank(scores[picks[i]], members[picks[i]]);
  const rankNs = nsPerOp(t, QUERIES);

  t = process.hrtime.bigint();
  for (let i = 0; i < QUERIES; i++) checksum += c.at(MIDDLE)?.score ?? 0;
  const atNs = nsPerOp(t, QUERIES);

  const addScore = (_member: string, score: number): void => {
    checksum += score;
  };
  t = process.hrtime.bigint();
  for (let i = 0; i < QUERIES; i++) c.forEachFromRank(MIDDLE, 10, addScore);
  const rangeNs = nsPerOp(t, QUERIES);

  t = process.hrtime.bigint();
  for (let i = 0; i < QUERIES; i++) {
    const p = picks[i];
    c.updateScore(scores[p], members[p], newScores[i]);
    scores[p] = newScores[i];
  }
  const updateNs = nsPerOp(t, QUERIES);
  checksum += c.rank(scores[picks[0]], members[picks[0]]);
  return { insertNs, rankNs, atNs, rangeNs, updateNs, bytesPerMember, checksum };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

export async function runZsetIndexBench(): Promise<string> {
  const workload = makeWorkload();
  const gc = exposeGc();
  const candidates: [string, () => Candidate][] = [
    ['sorted-btree + rank walk', btreeCandidate],
    ['skiplist with spans', skiplistCandidate],
  ];
  const results = new Map<string, Measurement[]>(candidates.map(([name]) => [name, []]));
  // Rounds alternate the candidates so JIT warm-up and heap growth do not favour one side.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of candidates) {
      results.get(name)?.push(measure(make, workload, gc));
      // Let the timers of a caller (e.g. a bench runner) breathe between long synchronous runs.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const checksums = new Set([...results.values()].flatMap((ms) => ms.map((m) => m.checksum)));
  if (checksums.size !== 1) throw new Error('zset-index bench: candidates disagree on query results');

  const rows: [string, (m: Measurement) => number, string][] = [
    [`insert ${MEMBERS.toLocaleString('en')} (random order)`, (m) => m.insertNs, 'ns/op'],
    ['rank of a random member', (m) => m.rankNs, 'ns/op'],
    [`element at rank ${MIDDLE}`, (m) => m.atNs, 'ns/op'],
    [`range of 10 from rank ${MIDDLE}`, (m) => m.rangeNs, 'ns/op'],
    ['score update (delete + reinsert)', (m) => m.updateNs, 'ns/op'],
    ['heap per member (heapUsed delta)', (m) => m.bytesPerMember, 'bytes'],
  ];
  const [btreeName, skiplistName] = candidates.map(([name]) => name);
  const btree = results.get(btreeName) ?? [];
  const skiplist = results.get(skiplistName) ?? [];
  const lines = [
    `zset index, ${MEMBERS.toLocaleString('en')} members, median of ${ROUNDS} rounds, ${QUERIES.toLocaleString('en')} queries per op`,
    `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}`,
    '',
    `${'operation'.padEnd(40)}${btreeName.padStart(26)}${skiplistName.padStart(22)}${'btree/skiplist'.padStart(16)}`,
  ];
  for (const [label, pick, unit] of rows) {
    const b = median(btree.map(pick));
    const s = median(skiplist.map(pick));
    lines.push(
      `${label.padEnd(40)}${`${b.toFixed(0)} ${unit}`.padStart(26)}${`${s.toFixed(0)} ${unit}`.padStart(22)}${(b / s).toFixed(2).padStart(16)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runZsetIndexBench());
}
