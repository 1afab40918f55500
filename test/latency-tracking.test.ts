// Redis 7's latency tracking: LATENCY HISTOGRAM, INFO latencystats, latency-tracking and
// latency-tracking-info-percentiles, CONFIG RESETSTAT — the same steps on redis-server and Ferrite.
// Durations differ between the two, so the replies are compared in shape (names, buckets Redis can
// print, counts that add up); where the output is deterministic it is compared byte for byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { LatencyHistogram, percentilesField } from '../src/engine/latency-histogram.js';
import type { RunningServer } from '../src/index.js';

let redis: ExternalServer;
let ferrite: RunningServer;
let clients: [string, Redis][];

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
  clients = [['redis', new Redis({ port: redis.port })], ['ferrite', new Redis({ port: ferrite.port })]];
});

test.after(async () => {
  for (const [, c] of clients) c.disconnect();
  await Promise.all([redis.close(), ferrite.close()]);
});

/** hdr_iter_log's reporting points from 1024 ns doubling, as LATENCY HISTOGRAM labels them (µs). */
const LABELS = new Set([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266, 270532, 541065, 1073741]);

type Histograms = Map<string, { calls: number; buckets: [number, number][] }>;

function histograms(reply: unknown[]): Histograms {
  const out: Histograms = new Map();
  for (let i = 0; i < reply.length; i += 2) {
    const body = reply[i + 1] as unknown[];
    assert.equal([body[0], body[2]], ['calls', 'histogram_usec']);
    const flat = body[3] as number[];
    const buckets: [number, number][] = [];
    for (let j = 0; j < flat.length; j += 2) buckets.push([flat[j], flat[j + 1]]);
    out.set(reply[i] as string, { calls: body[1] as number, buckets });
  }
  return out;
}

test('LATENCY HISTOGRAM: calls and cumulative power-of-two buckets, as redis-server', async () => {
  for (const [who, c] of clients) {
    await c.config('RESETSTAT');
    const p = c.pipeline();
    for (let i = 0; i < 500; i++) p.set(`k${i}`, 'v');
    for (let i = 0; i < 200; i++) p.get(`k${i}`);
    await p.exec();
    await c.config('GET', 'maxmemory');
    const h = histograms((await c.call('LATENCY', 'HISTOGRAM', 'set', 'GET', 'nosuch', 'config')) as unknown[]);
    assert.equal([...h.keys()].sort(), ['config|get', 'config|resetstat', 'get', 'set'], who);
    assert.is(h.get('set')!.calls, 500, who);
    assert.is(h.get('get')!.calls, 200, who);
    for (const [name, { calls, buckets }] of h) {
      assert.ok(buckets.length > 0, `${who} ${name}`);
      let last = 0;
      for (const [label, cumulative] of buckets) {
        assert.ok(LABELS.has(label), `${who} ${name}: bucket ${label}`);
        assert.ok(cumulative > last, `${who} ${name}: cumulative counts grow`);
        last = cumulative;
      }
      assert.is(last, calls, `${who} ${name}: the last bucket holds every call`);
    }
    const all = histograms((await c.call('LATENCY', 'HISTOGRAM')) as unknown[]);
    for (const name of ['set', 'get', 'config|get', 'latency|histogram', 'config|resetstat']) assert.ok(all.has(name), `${who} ${name}`);
  }
});

test('INFO latencystats lines and latency-tracking-info-percentiles, as redis-server', async () => {
  const line = /^latency_percentiles_usec_set:(.*)$/m;
  for (const [who, c] of clients) {
    await c.config('RESETSTAT');
    await c.set('a', '1');
    const info = await c.info('latencystats');
    assert.ok(info.startsWith('# Latencystats\r\n'), who);
    assert.match(line.exec(info)?.[1] ?? '', /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/, who);
    await c.config('SET', 'latency-tracking-info-percentiles', '0 50.0 99.990 100');
    assert.equal(await c.config('GET', 'latency-tracking-info-percentiles'), ['latency-tracking-info-percentiles', '0 50 99.99 100'], who);
    const fields = (line.exec(await c.info('latencystats'))?.[1] ?? '').split(',').map((f) => f.split('=')[0]);
    assert.equal(fields, ['p0', 'p50', 'p99.99', 'p100'], who);
    await c.config('SET', 'latency-tracking-info-percentiles', '');
    assert.is(line.exec(await c.info('latencystats'))?.[1], '', who);
    await c.config('SET', 'latency-tracking-info-percentiles', '50 99 99.9');
  }
});

test('latency-tracking no stops recording; CONFIG RESETSTAT clears; errors and empty replies byte for byte', async () => {
  const raw = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ferrite.port)]);
  const steps = [
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 abc'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '-1'],
    ['SET', 'x', '1'],
    ['CONFIG', 'RESETSTAT'],
    ['LATENCY', 'HISTOGRAM', 'set', 'nosuch', 'config|nosuch'],
    ['CONFIG', 'SET', 'latency-tracking', 'no'],
    ['SET', 'x', '2'],
    ['LATENCY', 'HISTOGRAM', 'set'],
    ['INFO', 'latencystats'],
    ['CONFIG', 'GET', 'latency-tracking'],
    ['CONFIG', 'SET', 'latency-tracking', 'yes'],
    ['LATENCY', 'HISTOGRAM', 'set'],
    ['LATENCY', 'HISTOGRAM', 'a', 'b', 'c', 'd'],
  ];
  for (const s of steps) {
    const [r, f] = await Promise.all(raw.map((c) => c.call(...s)));
    assert.is(f, r, s.join(' '));
  }
  for (const c of raw) c.close();
});

test('a blocking command counts one call; its latency is taken when served, none when it times out (as 7.0)', async () => {
  for (const [who, c] of clients) {
    const port = who === 'redis' ? redis.port : ferrite.port;
    await c.config('RESETSTAT');
    const waiter = await RawClient.connect(port);
    waiter.command('BLPOP', 'bq', '0');
    for (let i = 0; i < 100 && !/blocked_clients:1/.test(await c.info('clients')); i++) await new Promise((r) => setTimeout(r, 10));
    await c.lpush('bq', 'x');
    assert.is(await waiter.reply(), '*2\r\n$2\r\nbq\r\n$1\r\nx\r\n', who);
    await c.call('BLPOP', 'none', '0.05');
    const stats = await c.info('commandstats');
    assert.match(stats, /cmdstat_blpop:calls=2,/, who);
    const h = histograms((await c.call('LATENCY', 'HISTOGRAM', 'blpop')) as unknown[]);
    assert.is(h.get('blpop')?.calls, 1, who);
    assert.is(/latency_percentiles_usec_blpop:/.test(await c.info('latencystats')), true, who);
    waiter.close();
  }
});

test('the histogram\'s figures are hdr_histogram\'s (values seen on redis-server)', () => {
  const one = new LatencyHistogram();
  one.record(1);
  // redis-server: a 1 µs command shows p0=1.000,p50=1.003 and the bucket 1 => 1.
  assert.is(percentilesField(one, [0, 50, 100]), 'p0=1.000,p50=1.003,p100=1.003');
  assert.equal(one.cumulativeBuckets(), [[1, 1]]);
  const zero = new LatencyHistogram();
  zero.record(0);
  assert.is(percentilesField(zero, [50]), 'p50=0.001');
  const mixed = new LatencyHistogram();
  for (const usec of [0, 1, 1, 3, 5, 9, 16, 634, 1_500_000]) mixed.record(usec);
  // 634 µs reported as 634.879 (2 significant figures of 634,000 ns); over 1 s is clamped to 1 s.
  assert.is(percentilesField(mixed, [80, 90]), 'p80=16.063,p90=634.879');
  // 9 µs and 16 µs both fall under the 16.511 µs step; past the last reporting step the walk ends at 2^30 ns.
  assert.equal(mixed.cumulativeBuckets(), [[1, 3], [4, 4], [8, 5], [16, 7], [1056, 8], [1073741, 9]]);
});

test('a command over 1 s is clamped to 1 s: the same figures as redis-server, byte for byte', async () => {
  const raw = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ferrite.port)]);
  await Promise.all(raw.map((c) => c.call('CONFIG', 'RESETSTAT')));
  await Promise.all(raw.map((c) => c.call('DEBUG', 'SLEEP', '1.05')));
  const [r, f] = await Promise.all(raw.map((c) => c.call('LATENCY', 'HISTOGRAM', 'debug')));
  assert.is(f, r);
  const [ri, fi] = await Promise.all(raw.map(async (c) => /latency_percentiles_usec_debug:.*/.exec(await c.call('INFO', 'latencystats'))?.[0]));
  assert.ok(ri !== undefined);
  assert.is(fi, ri);
  for (const c of raw) c.close();
});

test.run();
