import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ZSetIndex, type LexBound, type ScoreBound } from '../src/structures/zset-index.js';

interface Item { score: number; member: string }

// The reference: a plain array kept sorted by (score, member), compared the way Redis does.
function compareItems(a: Item, b: Item): number {
  if (a.score < b.score) return -1;
  if (a.score > b.score) return 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

class Model {
  items: Item[] = [];

  insert(score: number, member: string): void {
    this.items.push({ score, member });
    this.items.sort(compareItems);
  }

  indexOf(member: string): number {
    return this.items.findIndex((it) => it.member === member);
  }

  removeAt(i: number): Item {
    return this.items.splice(i, 1)[0];
  }
}

function scoreInRange(score: number, min: ScoreBound, max: ScoreBound): boolean {
  const aboveMin = min.exclusive ? score > min.value : score >= min.value;
  const belowMax = max.exclusive ? score < max.value : score <= max.value;
  return aboveMin && belowMax;
}

function lexInRange(member: string, min: LexBound, max: LexBound): boolean {
  const aboveMin = min.kind === 'min' ? true : min.kind === 'max' ? false : min.exclusive ? member > min.value : member >= min.value;
  const belowMax = max.kind === 'max' ? true : max.kind === 'min' ? false : max.exclusive ? member < max.value : member <= max.value;
  return aboveMin && belowMax;
}

function firstAndLast(items: Item[], keep: (it: Item) => boolean): [number, number] {
  const first = items.findIndex(keep);
  let last = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (keep(items[i])) {
      last = i;
      break;
    }
  }
  return [first, last];
}

function collect(index: ZSetIndex, start: number, end: number, reverse: boolean): Item[] {
  const out: Item[] = [];
  index.forEachInRankRange(start, end, reverse, (member, score) => {
    out.push({ score, member });
  });
  return out;
}

// Full agreement on order, rank and at; O(n log n), for the small and the final states.
function assertSameOrder(index: ZSetIndex, model: Model): void {
  const { items } = model;
  assert.is(index.length, items.length);
  items.forEach((it, i) => {
    assert.is(index.rank(it.score, it.member), i, `rank of ${JSON.stringify(it)}`);
    assert.equal(index.at(i), it);
  });
  assert.is(index.at(-1), undefined);
  assert.is(index.at(items.length), undefined);
  if (items.length > 0) {
    assert.equal(collect(index, 0, items.length - 1, false), items);
    assert.equal(collect(index, 0, items.length - 1, true), items.slice().reverse());
  }
}

// Scores with many ties, both zeros and both infinities; members over an alphabet that includes
// 0x00 and 0xff so byte order (not locale order) decides, and the empty member.
const scoreArb = fc.oneof(
  fc.constantFrom(-Infinity, -1.5, -0, 0, 0.5, 1, 2, Infinity),
  fc.integer({ min: -3, max: 3 }),
);
const memberArb = fc.string({ unit: fc.constantFrom('\x00', 'a', 'b', 'z', '\x7f', '\x80', '\xff'), maxLength: 3 });
const scoreBoundArb = fc.record({ value: scoreArb, exclusive: fc.boolean() });
const lexBoundArb = fc.record({ value: memberArb, exclusive: fc.boolean(), kind: fc.constantFrom<LexBound['kind']>('value', 'value', 'min', 'max') });

type Op =
  | { kind: 'insert'; score: number; member: string }
  | { kind: 'delete'; pick: number; absent: string }
  | { kind: 'update'; pick: number; score: number }
  | { kind: 'deleteRange'; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), score: scoreArb, member: memberArb }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(), absent: memberArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), score: scoreArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('deleteRange' as const), a: fc.nat(), b: fc.nat() }), weight: 1 },
);

function apply(op: Op, index: ZSetIndex, model: Model): void {
  const n = model.items.length;
  switch (op.kind) {
    case 'insert':
      if (model.indexOf(op.member) >= 0) return;
      index.insert(op.score, op.member);
      model.insert(op.score, op.member);
      return;
    case 'delete': {
      if (n === 0 || op.pick % 3 === 0) {
        // An absent member, or a present one asked for at the wrong score: nothing to delete.
        const i = model.indexOf(op.absent);
        if (i < 0) assert.is(index.delete(0, op.absent), false);
        else assert.is(index.delete(model.items[i].score === 1 ? 2 : 1, op.absent), false);
        return;
      }
      const { score, member } = model.removeAt(op.pick % n);
      assert.is(index.delete(score, member), true);
      return;
    }
    case 'update': {
      if (n === 0) return;
      const { score, member } = model.removeAt(op.pick % n);
      index.updateScore(score, member, op.score);
      model.insert(op.score, member);
      return;
    }
    case 'deleteRange': {
      if (n === 0) return;
      const start = Math.min(op.a % n, op.b % n);
      const end = Math.max(op.a % n, op.b % n);
      const expected = model.items.splice(start, end - start + 1);
      const seen: Item[] = [];
      assert.is(index.deleteRankRange(start, end, (member, score) => seen.push({ score, member })), expected.length);
      assert.equal(seen, expected);
    }
  }
}

test('insert/delete/updateScore/deleteRankRange agree with a sorted array, checked after every step', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const index = new ZSetIndex();
      const model = new Model();
      for (const op of ops) {
        apply(op, index, model);
        assertSameOrder(index, model);
      }
    }),
    { numRuns: 300 },
  );
});

test('rank ranges, early stop and score bounds agree with the model', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(scoreArb, memberArb), { maxLength: 80 }),
      fc.nat(),
      fc.nat(),
      fc.nat({ max: 5 }),
      scoreBoundArb,
      scoreBoundArb,
      (pairs, a, b, stopAfter, min, max) => {
        const index = new ZSetIndex();
        const model = new Model();
        for (const [score, member] of pairs) apply({ kind: 'insert', score, member }, index, model);
        const { items } = model;
        const [first, last] = firstAndLast(items, (it) => scoreInRange(it.score, min, max));
        assert.is(index.firstRankInScoreRange(min, max), first, 'first in score range');
        assert.is(index.lastRankInScoreRange(min, max), last, 'last in score range');
        if (items.length === 0) return;
        const start = Math.min(a % items.length, b % items.length);
        const end = Math.max(a % items.length, b % items.length);
        assert.equal(collect(index, start, end, false), items.slice(start, end + 1));
        assert.equal(collect(index, start, end, true), items.slice(start, end + 1).reverse());
        for (const reverse of [false, true]) {
          const seen: string[] = [];
          index.forEachInRankRange(start, end, reverse, (member) => {
            seen.push(member);
            return seen.length < stopAfter + 1 ? undefined : false;
          });
          const slice = items.slice(start, end + 1).map((it) => it.member);
          assert.equal(seen, (reverse ? slice.reverse() : slice).slice(0, stopAfter + 1), 'early stop');
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('lex bounds (all scores equal) agree with the model, including - and +', () => {
  fc.assert(
    fc.property(fc.uniqueArray(memberArb, { maxLength: 60 }), fc.constantFrom(-0, 0, 7), lexBoundArb, lexBoundArb, (members, score, min, max) => {
      const index = new ZSetIndex();
      const model = new Model();
      for (const member of members) apply({ kind: 'insert', score, member }, index, model);
      const [first, last] = firstAndLast(model.items, (it) => lexInRange(it.member, min, max));
      assert.is(index.firstRankInLexRange(min, max), first, 'first in lex range');
      assert.is(index.lastRankInLexRange(min, max), last, 'last in lex range');
    }),
    { numRuns: 1000 },
  );
});

// Small random sets never leave the root leaf; these start from thousands of entries so every
// operation runs through internal nodes, splits and merges.
test('multi-level trees: random operations on a few thousand entries agree with the model', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 500, max: 5000 }),
      fc.integer(),
      fc.array(opArb, { maxLength: 200 }),
      fc.array(fc.tuple(scoreBoundArb, scoreBoundArb), { maxLength: 10 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 100 })), { maxLength: 10 }),
      (size, seed, ops, bounds, windows) => {
        const index = new ZSetIndex();
        const model = new Model();
        const items: Item[] = [];
        let state = seed >>> 0;
        for (let i = 0; i < size; i++) {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          items.push({ score: (state >>> 16) % 50, member: `m${i}` });
        }
        for (const it of items) index.insert(it.score, it.member);
        model.items = items.sort(compareItems);
        for (const op of ops) {
          apply(op, index, model);
          if (op.kind === 'deleteRange') assert.is(index.length, model.items.length);
        }
        // Large range deletions, so nodes are merged and the tree shrinks by levels.
        const n = model.items.length;
        if (n > 10) {
          const start = (seed >>> 0) % Math.floor(n / 2);
          apply({ kind: 'deleteRange', a: start, b: start + Math.floor(n / 3) }, index, model);
        }
        assertSameOrder(index, model);
        for (const [min, max] of bounds) {
          const [first, last] = firstAndLast(model.items, (it) => scoreInRange(it.score, min, max));
          assert.is(index.firstRankInScoreRange(min, max), first);
          assert.is(index.lastRankInScoreRange(min, max), last);
        }
        // Short windows at arbitrary offsets start and end inside leaves and across node edges.
        for (const [at, width] of windows) {
          if (model.items.length === 0) break;
          const start = at % model.items.length;
          const end = Math.min(start + width, model.items.length - 1);
          const slice = model.items.slice(start, end + 1);
          assert.equal(collect(index, start, end, false), slice);
          assert.equal(collect(index, start, end, true), slice.reverse());
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('-0 and 0 are the same score', () => {
  const index = new ZSetIndex();
  index.insert(0, 'b');
  index.insert(-0, 'a');
  index.insert(-0, 'c');
  assert.equal(index.at(0), { score: -0, member: 'a' });
  assert.is(index.rank(0, 'a'), 0);
  assert.is(index.rank(-0, 'b'), 1);
  assert.is(index.rank(0, 'c'), 2);
  const zero = { value: 0, exclusive: false };
  assert.is(index.firstRankInScoreRange(zero, zero), 0);
  assert.is(index.lastRankInScoreRange({ value: -0, exclusive: false }, { value: -0, exclusive: false }), 2);
  assert.is(index.firstRankInScoreRange({ value: -0, exclusive: true }, { value: Infinity, exclusive: false }), -1);
  index.updateScore(0, 'c', 0);
  assert.is(index.rank(0, 'c'), 2);
  assert.ok(index.delete(0, 'a'));
  assert.is(index.length, 2);
});

test('byte order, not locale order, breaks score ties', () => {
  const index = new ZSetIndex();
  for (const member of ['\xff', 'b', 'a\x00', 'B', '', 'a', '\x80']) index.insert(1, member);
  assert.equal(collect(index, 0, 6, false).map((it) => it.member), ['', 'B', 'a', 'a\x00', 'b', '\x80', '\xff']);
});

test('updateScore keeps the entry in place when order allows and moves it otherwise', () => {
  const index = new ZSetIndex();
  for (let i = 0; i < 10; i++) index.insert(i * 10, `m${i}`);
  index.updateScore(50, 'm5', 55);
  assert.equal(index.at(5), { score: 55, member: 'm5' });
  index.updateScore(55, 'm5', 95);
  assert.equal(index.at(9), { score: 95, member: 'm5' });
  assert.is(index.rank(90, 'm9'), 8);
  index.updateScore(0, 'm0', -Infinity);
  assert.equal(index.at(0), { score: -Infinity, member: 'm0' });
  assert.throws(() => index.updateScore(1, 'm1', 2));
  assert.throws(() => index.updateScore(10, 'nope', 2));
});

test('updateScore at every position of a multi-level tree, staying and moving past a neighbour', () => {
  const index = new ZSetIndex();
  const size = 3000;
  for (let i = 0; i < size; i++) index.insert(2 * i, `m${i}`);
  for (let i = 0; i < size; i++) {
    index.updateScore(2 * i, `m${i}`, 2 * i + 1);
    assert.is(index.rank(2 * i + 1, `m${i}`), i);
    // Past the next entry (which for a leaf's last entry lives in another leaf), then back.
    index.updateScore(2 * i + 1, `m${i}`, 2 * i + 3);
    assert.is(index.rank(2 * i + 3, `m${i}`), Math.min(i + 1, size - 1));
    index.updateScore(2 * i + 3, `m${i}`, 2 * i);
    assert.is(index.rank(2 * i, `m${i}`), i);
  }
  for (let i = 0; i < size; i++) assert.equal(index.at(i), { score: 2 * i, member: `m${i}` });
});

test('empty index and clear()', () => {
  const index = new ZSetIndex();
  const all: ScoreBound = { value: -Infinity, exclusive: false };
  const top: ScoreBound = { value: Infinity, exclusive: false };
  assert.is(index.length, 0);
  assert.is(index.rank(1, 'a'), -1);
  assert.is(index.at(0), undefined);
  assert.is(index.firstRankInScoreRange(all, top), -1);
  assert.is(index.lastRankInScoreRange(all, top), -1);
  assert.is(index.firstRankInLexRange({ value: '', exclusive: true, kind: 'min' }, { value: '', exclusive: true, kind: 'max' }), -1);
  assert.is(index.deleteRankRange(0, 10), 0);
  for (let i = 0; i < 2000; i++) index.insert(i, `m${i}`);
  index.clear();
  assert.is(index.length, 0);
  assert.is(index.rank(5, 'm5'), -1);
  index.insert(1, 'x');
  assert.equal(index.at(0), { score: 1, member: 'x' });
});

test('rank() and at() on 1,000,000 members', () => {
  const size = 1_000_000;
  const index = new ZSetIndex();
  // score = i / 10 (ten-way ties) and zero-padded members make rank i the expected order;
  // inserting in a shuffled order makes the tree do real work.
  const memberOf = (i: number): string => `member:${String(i).padStart(7, '0')}`;
  const order = Array.from({ length: size }, (_, i) => i);
  let state = 12345;
  const next = (bound: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % bound;
  };
  for (let i = size - 1; i > 0; i--) {
    const j = next(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const i of order) index.insert(Math.floor(i / 10), memberOf(i));
  assert.is(index.length, size);
  const probes = [0, 1, 9, 10, 499_999, 500_000, size - 2, size - 1];
  for (let k = 0; k < 20_000; k++) probes.push(next(size));
  for (const i of probes) {
    assert.is(index.rank(Math.floor(i / 10), memberOf(i)), i);
    assert.equal(index.at(i), { score: Math.floor(i / 10), member: memberOf(i) });
  }
  assert.is(index.rank(5, memberOf(49)), -1);
  assert.is(index.firstRankInScoreRange({ value: 50_000, exclusive: false }, { value: Infinity, exclusive: false }), 500_000);
  assert.is(index.lastRankInScoreRange({ value: -Infinity, exclusive: false }, { value: 50_000, exclusive: true }), 499_999);
  const window: string[] = [];
  index.forEachInRankRange(500_000, 500_009, true, (member) => {
    window.push(member);
  });
  assert.equal(window, Array.from({ length: 10 }, (_, k) => memberOf(500_009 - k)));
  assert.is(index.deleteRankRange(100_000, 199_999), 100_000);
  assert.is(index.rank(Math.floor(250_000 / 10), memberOf(250_000)), 150_000);
  assert.equal(index.at(100_000), { score: 20_000, member: memberOf(200_000) });
});

test.run();
