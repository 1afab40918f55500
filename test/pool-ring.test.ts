// The pool's ring without a network: the key hashes and the ketama continuum against libmemcached's
// published vectors, C float rounding of points per server, the hash tag rule, server lines, and
// how many keys move when a server leaves or joins (only the ones that must).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPool, hashTagged, keyHash, ketamaPointsPerServer, NoServersError, parseServerList, parseServerSpec, PoolError, Ring } from '../src/cluster-client/index.js';
import { HASHED_WORDS, HASH_VALUES, KETAMA_CASES, KETAMA_SERVERS } from './fixtures/libmemcached-vectors.js';
import { mulberry32 } from './helpers/random.js';

test('key hashes match libmemcached hash_results.h for every word', () => {
  for (const [name, values] of Object.entries(HASH_VALUES)) {
    const h = keyHash(name as keyof typeof HASH_VALUES);
    assert.equal(HASHED_WORDS.map((w) => h(Buffer.from(w))), [...values], name);
  }
});

test('hashes widen bytes >= 0x80 as a signed C char does (and stay unsigned 32-bit)', () => {
  const key = Buffer.from([0x61, 0xe9, 0xff, 0x80]);
  for (const name of ['fnv1a_64', 'fnv1_64', 'fnv1_32', 'fnv1a_32', 'one_at_a_time', 'hsieh', 'crc16', 'murmur', 'jenkins', 'md5', 'crc32a', 'crc32'] as const) {
    const v = keyHash(name)(key);
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${name} gave ${v}`);
  }
  // fnv1a_64 of one byte 0xe9: the byte enters as 0xffffffe9, not 0xe9.
  const signed = Math.imul((0x84222325 ^ 0xffffffe9) | 0, 0x1b3) >>> 0;
  assert.is(keyHash('fnv1a_64')(Buffer.from([0xe9])), signed);
});

test('ketama continuum: libketama benchmark keys reach the published points (libmemcached KETAMA_WEIGHTED)', () => {
  for (const compat of ['twemproxy', 'libmemcached'] as const) {
    const specs = compat === 'twemproxy' ? parseServerList(KETAMA_SERVERS) : KETAMA_SERVERS.map(parseServerSpec);
    const ring = new Ring(specs, [], { distribution: 'ketama', hash: 'md5' });
    for (const [key, hash1, hash2] of KETAMA_CASES) {
      assert.is(keyHash('md5')(Buffer.from(key)), hash1, key);
      assert.is(ring.continuumPoint(key), hash2, `${compat}: ${key}`);
    }
  }
});

test("ketama: 'libmemcached' uses md5 by default and the servers in the order given", () => {
  const pool = createPool({ servers: KETAMA_SERVERS, ketama: 'libmemcached' });
  assert.is(pool.stats().hash, 'md5');
  assert.equal(pool.servers(), KETAMA_SERVERS.map((s) => s.replace(/:\d+$/, '')));
  const ring = new Ring(KETAMA_SERVERS.map(parseServerSpec), [], { distribution: 'ketama', hash: 'md5' });
  for (const [key] of KETAMA_CASES) assert.is(pool.serverFor(key), KETAMA_SERVERS[ring.locate(key)].replace(/:\d+$/, ''));
  void pool.close();
});

test('ketama points per server: 160 per server scaled by weight, C float arithmetic, multiples of 4', () => {
  // 8 servers of total weight 4300: 600/4300 of 1280 points is 178.6, rounded down to 44 hashes of 4.
  assert.is(ketamaPointsPerServer(600, 4300, 8), 176);
  assert.is(ketamaPointsPerServer(1, 1, 1), 160);
  assert.is(ketamaPointsPerServer(1, 3, 3), 160);
  const specs = parseServerList(KETAMA_SERVERS);
  const ring = new Ring(specs, [], { distribution: 'ketama', hash: 'md5' });
  const points = specs.map((_, i) => ring.pointsOf(i));
  assert.equal(points, specs.map((s) => ketamaPointsPerServer(s.weight, 4300, 8)));
  assert.ok(points.every((p) => p % 4 === 0));
  // Single precision matters: weight 1 of 25 over 5 servers is 0.04f * 40 * 5 = 7.9999995 in floats,
  // so 7 hashes (28 points) where doubles would give 8 (32). The nutcracker suite runs this pool.
  assert.is(ketamaPointsPerServer(1, 25, 5), 28);
  assert.is(Math.floor((1 / 25) * 40 * 5 + 1e-10) * 4, 32);
  assert.is(ketamaPointsPerServer(29, 30, 3), 460);
});

test('hash tags: only the part between the first open and the next close counts, if not empty', () => {
  const t = (k: string): string => Buffer.from(hashTagged(Buffer.from(k), '{}')).toString();
  assert.is(t('{user1000}.following'), 'user1000');
  assert.is(t('foo{}{bar}'), 'foo{}{bar}');
  assert.is(t('foo{bar'), 'foo{bar');
  assert.is(t('a{b}c{d}'), 'b');
  assert.is(t('plain'), 'plain');
  const pool = createPool({ servers: ['10.0.0.1:6379:1', '10.0.0.2:6379:1', '10.0.0.3:6379:1'], protocol: 'redis', hashTag: '{}' });
  assert.is(pool.serverFor('{u7}.a'), pool.serverFor('{u7}.b'));
  assert.is(pool.serverFor('{u7}.a'), pool.serverFor('u7'));
  void pool.close();
});

test('server lines: names, weights, the 11211 rule, nutcracker order, errors', () => {
  assert.equal(parseServerSpec('10.0.0.1:11211:2'), { address: '10.0.0.1:11211', host: '10.0.0.1', port: 11211, weight: 2, name: '10.0.0.1' });
  assert.is(parseServerSpec('10.0.0.1:6379').name, '10.0.0.1:6379');
  assert.is(parseServerSpec('10.0.0.1:6379:1 cache-a').name, 'cache-a');
  // nutcracker sorts by name: shorter first, then bytes.
  assert.equal(parseServerList(['h:1:1 bb', 'h:2:1 a', 'h:3:1 ab']).map((s) => s.name), ['a', 'ab', 'bb']);
  for (const bad of ['10.0.0.1', '10.0.0.1:0', '10.0.0.1:6379:0', 'h:x', ':6379']) {
    assert.throws(() => createPool({ servers: [bad] }), (e: Error) => e instanceof PoolError, bad);
  }
  assert.throws(() => createPool({ servers: [] }), (e: Error) => e instanceof NoServersError);
  assert.throws(() => createPool({ servers: ['a:1:1 same', 'b:2:1 same'] }), /same name/);
  assert.throws(() => createPool({ servers: ['a:1'], hash: 'sha1' as never }), /not one of twemproxy's hashes/);
});

/** The fraction of keys whose server differs between two placements. */
function remapped<T>(keys: string[], before: (k: string) => T, after: (k: string) => T): number {
  return keys.filter((k) => before(k) !== after(k)).length / keys.length;
}

test('ketama: ejecting one of 5 servers moves only its keys (about 1/5); adding a sixth moves about 1/6', () => {
  const rand = mulberry32(42);
  const keys = Array.from({ length: 20000 }, (_, i) => `key:${i}:${Math.floor(rand() * 1e9)}`);
  const five = parseServerList(['10.0.0.1:6379:1', '10.0.0.2:6379:1', '10.0.0.3:6379:1', '10.0.0.4:6379:1', '10.0.0.5:6379:1']);
  const opts = { distribution: 'ketama', hash: 'fnv1a_64' } as const;
  const all = new Ring(five, [], opts);
  const ejected = new Ring(five, [true, true, false, true, true], opts);
  for (const k of keys) {
    const was = all.locate(k);
    const now = ejected.locate(k);
    if (was !== 2) assert.is(now, was, `key ${k} moved off a live server`);
    else assert.is.not(now, 2);
  }
  const moved = remapped(keys, (k) => all.locate(k), (k) => ejected.locate(k));
  assert.ok(moved > 0.14 && moved < 0.26, `moved ${moved}`);
  const six = parseServerList([...five.map((s) => `${s.address}:1`), '10.0.0.6:6379:1']);
  const grown = new Ring(six, [], opts);
  const moved6 = remapped(keys, (k) => five[all.locate(k)].address, (k) => six[grown.locate(k)].address);
  assert.ok(moved6 > 0.11 && moved6 < 0.23, `moved ${moved6}`);
  for (const k of keys) {
    const to = six[grown.locate(k)].address;
    if (to !== '10.0.0.6:6379') assert.is(to, five[all.locate(k)].address, 'a key moved between old servers');
  }
});

test('modula moves most keys when a server leaves (why ketama is the default)', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
  const five = parseServerList(['a:1:1', 'b:1:1', 'c:1:1', 'd:1:1', 'e:1:1']);
  const all = new Ring(five, [], { distribution: 'modula', hash: 'fnv1a_64' });
  const less = new Ring(five, [true, true, false, true, true], { distribution: 'modula', hash: 'fnv1a_64' });
  assert.ok(remapped(keys, (k) => all.locate(k), (k) => less.locate(k)) > 0.6);
});

test('no live server: a typed error', () => {
  const ring = new Ring(parseServerList(['a:1:1', 'b:1:1']), [false, false], { distribution: 'ketama', hash: 'md5' });
  assert.throws(() => ring.locate('k'), /no live servers/);
});

test("the package exports the pool as 'ferrite/pool'", async () => {
  const specifier: string = 'ferrite/pool';
  const mod = (await import(specifier)) as { createPool: unknown; RedisPool: unknown };
  assert.type(mod.createPool, 'function');
  assert.type(mod.RedisPool, 'function');
});

test.run();
