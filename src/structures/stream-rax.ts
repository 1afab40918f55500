// How many nodes Redis' radix tree (rax) holds for a stream's listpack keys: XINFO STREAM reports
// it as `radix-tree-nodes`. Keys are the nodes' master IDs as 16 big-endian bytes. A rax node is a
// leaf, a branching node, or a compressed run of bytes leading to one of those; the root is a
// node even when empty. Counted from the sorted keys in O(keys * 16), on demand.
import { idMs, idSeq, type StreamID } from './stream-id.js';

const KEY_BYTES = 16;

function keyBytes(id: StreamID): Uint8Array {
  const b = new Uint8Array(KEY_BYTES);
  const view = new DataView(b.buffer);
  view.setBigUint64(0, idMs(id));
  view.setBigUint64(8, idSeq(id));
  return b;
}

/** Common prefix length of a and b from `depth` on. */
function lcp(a: Uint8Array, b: Uint8Array, depth: number): number {
  let i = depth;
  while (i < KEY_BYTES && a[i] === b[i]) i++;
  return i - depth;
}

/** Nodes under the position `depth` that keys[lo..hi) share (they share bytes [0, depth)). */
function subtree(keys: Uint8Array[], lo: number, hi: number, depth: number): number {
  const run = lcp(keys[lo], keys[hi - 1], depth);
  // A run of shared bytes is one compressed node before the node where the keys part (or end).
  return run > 0 ? 1 + branch(keys, lo, hi, depth + run) : branch(keys, lo, hi, depth);
}

function branch(keys: Uint8Array[], lo: number, hi: number, depth: number): number {
  if (depth === KEY_BYTES) return 1;
  let n = 1;
  for (let i = lo; i < hi; ) {
    let j = i + 1;
    while (j < hi && keys[j][depth] === keys[i][depth]) j++;
    n += subtree(keys, i, j, depth + 1);
    i = j;
  }
  return n;
}

export function raxNodeCount(ids: readonly StreamID[]): number {
  if (ids.length === 0) return 1;
  const keys = ids.map(keyBytes);
  return subtree(keys, 0, keys.length, 0);
}
