// The keyspace's own table (src/structures/dict.ts) against a Map model: random operations keep the
// same contents and insertion order through linear mode, indexing, rehashes and compactions; SCAN
// returns every entry present for the whole scan even when the table grows or shrinks between
// calls; iterators survive changes and compactions; random() only returns live entries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dict } from '../src/structures/dict.js';
import { mulberry32 } from './helpers/random.js';

interface Item {
  readonly key: string;
  n: number;
}

function check(d: Dict<Item>, model: Map<string, Item>): void {
  assert.is(d.size, model.size);
  assert.equal([...d.keys()], [...model.keys()], 'insertion order');
  for (const [k, v] of model) assert.is(d.get(k), v);
}

for (const linearMax of [0, 8]) {
  test(`random adds, replaces and deletes match a Map (linearMax ${linearMax})`, () => {
    const random = mulberry32(11 + linearMax);
    const d = new Dict<Item>(linearMax);
    const model = new Map<string, Item>();
    for (let step = 0; step < 30_000; step++) {
      // Phases of growth and of draining, so the table indexes, grows, shrinks and compacts.
      const growing = Math.floor(step / 5000) % 2 === 0;
      const key = `k${Math.floor(random() * 3000)}`;
      const r = random();
      if (r < (growing ? 0.6 : 0.25)) {
        const item = { key, n: step };
        if (model.has(key)) {
          // Replacing keeps the key's place in the order, as a Map's set does.
          d.replace(item);
        } else d.add(item);
        model.set(key, item);
      } else {
        assert.is(d.delete(key), model.get(key));
        model.delete(key);
      }
      assert.is(d.has(key), model.has(key));
      if (step % 1000 === 0) check(d, model);
    }
    check(d, model);
    for (const k of [...model.keys()]) d.delete(k);
    assert.is(d.size, 0);
    assert.is(d.random(), undefined);
    assert.equal([...d.values()], []);
  });
}

test('SCAN returns every entry present for the whole scan while the table grows and shrinks', () => {
  const random = mulberry32(5);
  const d = new Dict<Item>(0);
  const stable = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    d.add({ key: `s${i}`, n: i });
    stable.add(`s${i}`);
  }
  const seen = new Set<string>();
  let cursor = 0;
  let calls = 0;
  let extra = 0;
  do {
    cursor = d.scan(cursor, (e) => seen.add(e.key));
    calls++;
    // Grow to ~30k entries, then drain back: several rehashes in each direction during one scan.
    if (calls < 400) for (let j = 0; j < 80; j++) d.add({ key: `x${extra++}`, n: 0 });
    else for (let j = 0; j < 80 && extra > 0; j++) d.delete(`x${--extra}`);
    if (random() < 0.01) d.delete(`x${Math.floor(random() * extra)}`);
  } while (cursor !== 0);
  for (const k of stable) assert.ok(seen.has(k), `${k} returned`);
  assert.ok(calls > 100, 'the scan took many steps');
});

test('lookups, replaces and deletes stay right while an incremental rehash is under way', () => {
  const random = mulberry32(3);
  const d = new Dict<Item>(0);
  const live: string[] = [];
  // Grow to 200k (rehashes of up to 131072 buckets, moved a few per operation), then drain to 1k.
  for (let i = 0; i < 200_000; i++) {
    d.add({ key: `k${i}`, n: i });
    live.push(`k${i}`);
    const probe = live[Math.floor(random() * live.length)];
    assert.ok(d.has(probe), `${probe} found at size ${d.size}`);
    if (i % 7 === 0) d.replace({ key: probe, n: -i });
  }
  assert.not.ok(d.has('absent'));
  while (live.length > 1000) {
    const j = Math.floor(random() * live.length);
    const k = live[j];
    live[j] = live[live.length - 1];
    live.pop();
    assert.ok(d.delete(k) !== undefined, `${k} deleted`);
    assert.is(d.delete(k), undefined);
    if (live.length % 997 === 0) assert.ok(d.has(live[Math.floor(random() * live.length)]));
  }
  assert.is(d.size, 1000);
  for (const k of live) assert.ok(d.has(k));
  let scanned = 0;
  let cursor = 0;
  do cursor = d.scan(cursor, () => scanned++);
  while (cursor !== 0);
  assert.ok(scanned >= 1000);
});

test('an iterator survives deletes, adds and the compaction they cause', () => {
  const d = new Dict<Item>();
  for (let i = 0; i < 1000; i++) d.add({ key: `k${i}`, n: i });
  const it = d.values();
  const got: number[] = [];
  for (let i = 0; i < 100; i++) got.push(it.next().value!.n);
  // Delete most of what is behind and ahead of the iterator: the slots compact under it.
  for (let i = 0; i < 1000; i++) if (i % 10 !== 0) d.delete(`k${i}`);
  d.add({ key: 'late', n: -1 });
  for (let r = it.next(); !r.done; r = it.next()) got.push(r.value.n);
  const after = got.slice(100);
  assert.equal(after, [...Array.from({ length: 90 }, (_, j) => 100 + j * 10), -1], 'the rest in order, the new one last');
});

test('random() is spread over the live entries only', () => {
  const d = new Dict<Item>(0);
  for (let i = 0; i < 100; i++) d.add({ key: `k${i}`, n: i });
  for (let i = 0; i < 100; i += 2) d.delete(`k${i}`);
  const counts = new Map<number, number>();
  for (let i = 0; i < 20_000; i++) {
    const e = d.random()!;
    assert.ok(e.n % 2 === 1, 'a live entry');
    counts.set(e.n, (counts.get(e.n) ?? 0) + 1);
  }
  assert.is(counts.size, 50);
  for (const c of counts.values()) assert.ok(c > 200 && c < 700, `about 400 picks each, got ${c}`);
});

test.run();
