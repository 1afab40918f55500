// Ordered index of a sorted set, the role Redis gives its zskiplist: order is (score asc, member
// asc by byte order; members are latin1 strings, so JS `<` is memcmp), with O(log n) rank and
// element-by-rank so that every range command can be expressed as a rank range.
//
// It is a sorted-btree B+ tree plus a rank walk over the subtree sizes its internal nodes cache,
// chosen over a port of Redis' skiplist with spans by bench/zset-index.ts (docs/decisions.md,
// "Sorted-set index").
import sortedBtree from 'sorted-btree';

// sorted-btree is CommonJS with `exports.default`; under Node's ESM interop the default import
// is the whole exports object.
const BTree = sortedBtree.default;

export interface ScoreBound { value: number; exclusive: boolean }
export interface LexBound { value: string; exclusive: boolean; kind: 'value' | 'min' | 'max' }

interface Entry { score: number; member: string }

// sorted-btree 2.1.0 declares none of what a rank walk needs, so this is the shape of its
// @internal nodes: leaves hold sorted `keys`; internal nodes hold `children`, with keys[i] the
// max key of children[i] (the same object, so an in-place score change updates both), and
// `size()` is the entry count of the subtree (cached `_size` on internal nodes). The version is
// pinned in package.json and checkInternals() below fails at load if the shape ever changes.
interface NodeView {
  readonly keys: Entry[];
  readonly children?: NodeView[];
  size(): number;
}

// Where a monotone predicate (true for a prefix of the order, then false) switches: `count`
// entries satisfy it, `lastIn`/`firstOut` are the entries on either side of the switch, and
// `firstOut` sits at leaf.keys[index].
interface Split {
  count: number;
  lastIn: Entry | undefined;
  firstOut: Entry | undefined;
  leaf: NodeView;
  index: number;
}

function compareEntries(a: Entry, b: Entry): number {
  // `!==` and `<` treat -0 as 0, which is how Redis compares doubles.
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

function before(entry: Entry, score: number, member: string): boolean {
  return entry.score < score || (entry.score === score && entry.member < member);
}

function aboveMin(score: number, min: ScoreBound): boolean {
  return min.exclusive ? score > min.value : score >= min.value;
}

function belowMax(score: number, max: ScoreBound): boolean {
  return max.exclusive ? score < max.value : score <= max.value;
}

function lexAboveMin(member: string, min: LexBound): boolean {
  if (min.kind !== 'value') return min.kind === 'min';
  return min.exclusive ? member > min.value : member >= min.value;
}

function lexBelowMax(member: string, max: LexBound): boolean {
  if (max.kind !== 'value') return max.kind === 'max';
  return max.exclusive ? member < max.value : member <= max.value;
}

function rootOf(tree: object): NodeView {
  return (tree as { _root: NodeView })._root;
}

// Entries in children[0, i), summed from whichever end is nearer: each size() call touches a
// child node, and that memory traffic is most of the cost of a descent.
function sizeBefore(node: NodeView, children: NodeView[], i: number): number {
  let sum = 0;
  if (i <= children.length >> 1) {
    for (let j = 0; j < i; j++) sum += children[j].size();
    return sum;
  }
  for (let j = i; j < children.length; j++) sum += children[j].size();
  return node.size() - sum;
}

const DELETE = { delete: true } as const;

export class ZSetIndex {
  private readonly tree = new BTree<Entry, undefined>(undefined, compareEntries);

  get length(): number {
    return this.tree.size;
  }

  insert(score: number, member: string): void {
    this.tree.set({ score, member }, undefined);
  }

  delete(score: number, member: string): boolean {
    return this.tree.delete({ score, member });
  }

  updateScore(oldScore: number, member: string, newScore: number): void {
    const found = this.split((e) => before(e, oldScore, member));
    const entry = found.firstOut;
    if (entry === undefined || entry.score !== oldScore || entry.member !== member) {
      throw new Error(`ZSetIndex.updateScore: ${member} is not indexed at ${oldScore}`);
    }
    // Like zslUpdateScore: if the entry stays between its neighbours it is rewritten in place,
    // which keeps every copy of the reference (leaf and internal max keys) correctly ordered.
    const moved = { score: newScore, member };
    const { keys } = found.leaf;
    const next = found.index + 1 < keys.length ? keys[found.index + 1] : this.tree.nextHigherKey(entry);
    if ((found.lastIn === undefined || compareEntries(found.lastIn, moved) < 0) && (next === undefined || compareEntries(moved, next) < 0)) {
      entry.score = newScore;
      return;
    }
    this.tree.delete(entry);
    this.tree.set(moved, undefined);
  }

  rank(score: number, member: string): number {
    const { count, firstOut } = this.split((e) => before(e, score, member));
    return firstOut !== undefined && firstOut.score === score && firstOut.member === member ? count : -1;
  }

  at(rank: number): { score: number; member: string } | undefined {
    if (!(rank >= 0 && rank < this.tree.size)) return undefined;
    // A copy: the stored entry is shared with the tree's internal nodes and must not be edited.
    const { score, member } = this.entryAt(rank);
    return { score, member };
  }

  forEachInRankRange(start: number, end: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): void {
    this.visit(rootOf(this.tree), start, end, reverse, fn);
  }

  firstRankInScoreRange(min: ScoreBound, max: ScoreBound): number {
    const { count, firstOut } = this.split((e) => !aboveMin(e.score, min));
    return firstOut !== undefined && belowMax(firstOut.score, max) ? count : -1;
  }

  lastRankInScoreRange(min: ScoreBound, max: ScoreBound): number {
    const { count, lastIn } = this.split((e) => belowMax(e.score, max));
    return lastIn !== undefined && aboveMin(lastIn.score, min) ? count - 1 : -1;
  }

  firstRankInLexRange(min: LexBound, max: LexBound): number {
    const { count, firstOut } = this.split((e) => !lexAboveMin(e.member, min));
    return firstOut !== undefined && lexBelowMax(firstOut.member, max) ? count : -1;
  }

  lastRankInLexRange(min: LexBound, max: LexBound): number {
    const { count, lastIn } = this.split((e) => lexBelowMax(e.member, max));
    return lastIn !== undefined && lexAboveMin(lastIn.member, min) ? count - 1 : -1;
  }

  // `fn` sees each entry as it is removed and must not modify this index meanwhile.
  deleteRankRange(start: number, end: number, fn?: (member: string, score: number) => void): number {
    const last = Math.min(end, this.tree.size - 1);
    if (start < 0 || start > last) return 0;
    // Entries are unique, so the rank range is exactly the key range between its two ends.
    const removed = this.tree.editRange(this.entryAt(start), this.entryAt(last), true, (entry) => {
      fn?.(entry.member, entry.score);
      return DELETE;
    });
    return typeof removed === 'number' ? removed : 0;
  }

  clear(): void {
    this.tree.clear();
  }

  // One root-to-leaf descent: binary search each node for the first key (a subtree max, in
  // internal nodes) outside the prefix, counting the entries of the subtrees passed over.
  private split(inPrefix: (entry: Entry) => boolean): Split {
    let node = rootOf(this.tree);
    let count = 0;
    let lastIn: Entry | undefined;
    for (;;) {
      const { keys, children } = node;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (inPrefix(keys[mid])) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) lastIn = keys[lo - 1];
      if (children === undefined) {
        return { count: count + lo, lastIn, firstOut: lo < keys.length ? keys[lo] : undefined, leaf: node, index: lo };
      }
      // Only the root can lie wholly inside the prefix: every child descended into holds a key
      // outside it (its max).
      if (lo === children.length) return { count: node.size(), lastIn, firstOut: undefined, leaf: node, index: lo };
      count += sizeBefore(node, children, lo);
      node = children[lo];
    }
  }

  // 0 <= rank < length. Scans each node's children from the nearer end, as sizeBefore() does.
  private entryAt(rank: number): Entry {
    let node = rootOf(this.tree);
    let offset = rank;
    for (let children = node.children; children !== undefined; children = node.children) {
      let after = node.size() - offset;
      let j: number;
      if (offset < after) {
        j = 0;
        for (let size = children[0].size(); offset >= size; size = children[++j].size()) offset -= size;
      } else {
        // `after` counts the target and everything behind it; walk back until a child holds it.
        j = children.length - 1;
        for (let size = children[j].size(); after > size; size = children[--j].size()) after -= size;
        offset = children[j].size() - after;
      }
      node = children[j];
    }
    return node.keys[offset];
  }

  // Visits ranks [from, to] of the subtree under `node` (ranks relative to it); false once
  // `fn` asked to stop. Cost is the path to `from` plus the nodes holding the range.
  private visit(node: NodeView, from: number, to: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): boolean {
    const { keys, children } = node;
    if (children === undefined) {
      for (let i = reverse ? to : from; reverse ? i >= from : i <= to; reverse ? i-- : i++) {
        if (fn(keys[i].member, keys[i].score) === false) return false;
      }
      return true;
    }
    if (reverse) {
      let offset = node.size();
      for (let j = children.length - 1; j >= 0 && offset > from; j--) {
        const size = children[j].size();
        offset -= size;
        if (offset <= to && !this.visit(children[j], Math.max(from - offset, 0), Math.min(to - offset, size - 1), true, fn)) return false;
      }
    } else {
      let offset = 0;
      for (let j = 0; j < children.length && offset <= to; j++) {
        const size = children[j].size();
        if (offset + size > from && !this.visit(children[j], Math.max(from - offset, 0), Math.min(to - offset, size - 1), false, fn)) return false;
        offset += size;
      }
    }
    return true;
  }
}

// Verifies, once per process, that sorted-btree's nodes still have the shape NodeView assumes,
// on a tree deep enough to have two levels of internal nodes. Wrong ranks would be silent; this
// makes a changed dependency fail at startup instead.
function checkInternals(): void {
  const probe = new BTree<Entry, undefined>(undefined, compareEntries);
  const count = probe.maxNodeSize * probe.maxNodeSize + 1;
  for (let i = 0; i < count; i++) probe.set({ score: i, member: '' }, undefined);
  // Entry count of a well-formed subtree, -1 if some node breaks the assumed shape.
  const countEntries = (node: NodeView): number => {
    if (!Array.isArray(node.keys) || typeof node.size !== 'function') return -1;
    if (node.children === undefined) return node.size() === node.keys.length ? node.size() : -1;
    let total = 0;
    for (const [i, child] of node.children.entries()) {
      const entries = countEntries(child);
      if (entries < 0 || node.keys[i] !== child.keys[child.keys.length - 1]) return -1;
      total += entries;
    }
    return node.size() === total ? total : -1;
  };
  const root = rootOf(probe);
  if (root.children?.[0]?.children === undefined || countEntries(root) !== count) {
    throw new Error('sorted-btree internals differ from what ZSetIndex reads; re-check src/structures/zset-index.ts against the installed version');
  }
}

checkInternals();
