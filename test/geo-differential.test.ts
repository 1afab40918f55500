// GEO commands against Debian's real redis-server, byte for byte: errors and option rules, then
// searches over random points — many near the poles and the antimeridian, where cells wrap and the
// step estimate changes — by radius and by box, from coordinates and from members, with every
// WITH* option, ordering, COUNT [ANY] and STORE/STOREDIST. Set GEO_SEED to replay a corpus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../src/index.js';
import { mulberry32 as prng } from './helpers/random.js';
import { differential, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

async function same(lines: string[][]): Promise<void> {
  const results = await differential(redis.port, ferrite.port, [['FLUSHALL'], ...lines]);
  results.forEach((r, i) => assert.is(r.ferrite, r.redis, `#${i} ${r.command}`));
}

const split = (lines: string[]): string[][] => lines.map((l) => l.split(' '));

test('GEOADD, GEODIST, GEOHASH, GEOPOS: options, units, limits and errors', () =>
  same(split([
    'GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania', 'GEOADD g NX 13.361389 38.115556 Palermo 1 1 new', 'GEOADD g XX CH 13.4 38.1 Palermo 2 2 nope',
    'GEOADD g NX XX 1 1 m', 'GEOADD g 1 1', 'GEOADD g CH CH CH', 'GEOADD g 181 0 m', 'GEOADD g 0 85.06 m', 'GEOADD g -180 -85.05112878 edge', 'GEOADD g 180 85.05112878 edge2',
    'GEOADD g x 0 m', 'GEOADD g 0 y m', 'ZRANGE g 0 -1 WITHSCORES', 'GEODIST g Palermo Catania', 'GEODIST g Palermo Catania km', 'GEODIST g Palermo Catania MI',
    'GEODIST g Palermo Catania ft', 'GEODIST g Palermo Catania yd', 'GEODIST g Palermo Catania km x', 'GEODIST g Palermo nope', 'GEODIST missing a b', 'GEODIST g edge edge2',
    'GEOHASH g Palermo Catania edge edge2 nope', 'GEOHASH missing a', 'GEOHASH g', 'GEOPOS g Palermo Catania edge edge2 nope', 'GEOPOS missing a b', 'GEOPOS g',
    'SET s v', 'GEOADD s 1 1 m', 'GEOPOS s m', 'GEODIST s a b', 'GEOHASH s a', 'TYPE g',
  ])));

test('GEORADIUS, GEORADIUSBYMEMBER, GEOSEARCH(STORE): option rules and errors', () =>
  same(split([
    'GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2',
    'GEORADIUS g 15 37 200 km WITHDIST WITHCOORD WITHHASH', 'GEORADIUS g 15 37 200 km COUNT 1 DESC', 'GEORADIUS g 15 37 200 km COUNT 2 ANY',
    'GEORADIUS g 15 37 200 km ANY', 'GEORADIUS g 15 37 200 km COUNT 0', 'GEORADIUS g 15 37 200 km COUNT -1', 'GEORADIUS g 15 37 200 km COUNT x',
    'GEORADIUS g 15 37 200 foo', 'GEORADIUS g 15 37 -1 km', 'GEORADIUS g 15 37 x km', 'GEORADIUS g 200 37 1 km', 'GEORADIUS g 15 37 200 km FOO',
    'GEORADIUS g 15 37 200 km STORE dst', 'ZRANGE dst 0 -1 WITHSCORES', 'GEORADIUS g 15 37 200 km STOREDIST dst2 ASC', 'ZRANGE dst2 0 -1 WITHSCORES',
    'GEORADIUS g 15 37 200 km STORE dst WITHDIST', 'GEORADIUS g 15 37 1 m STORE dst', 'EXISTS dst', 'GEORADIUS_RO g 15 37 200 km STORE x', 'GEORADIUS_RO g 15 37 200 km ASC',
    'GEORADIUSBYMEMBER g Palermo 200 km WITHDIST ASC', 'GEORADIUSBYMEMBER g nope 200 km', 'GEORADIUSBYMEMBER_RO g Catania 100 km WITHCOORD',
    'GEORADIUSBYMEMBER missing Palermo 1 km', 'GEORADIUSBYMEMBER missing Palermo 1 km STORE d', 'GEORADIUS missing 0 0 1 km',
    'GEOSEARCH g FROMMEMBER Palermo BYRADIUS 200 km ASC WITHDIST', 'GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km DESC WITHCOORD WITHHASH',
    'GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km FROMMEMBER Palermo', 'GEOSEARCH g FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km',
    'GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km', 'GEOSEARCH g BYRADIUS 1 km', 'GEOSEARCH g FROMLONLAT 15 37', 'GEOSEARCH g FROMLONLAT 15 37 BYBOX -1 1 km',
    'GEOSEARCH g FROMLONLAT 15 37 BYBOX x 1 km', 'GEOSEARCH g FROMLONLAT 15 37 BYBOX 1 y km', 'GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 1 km STORE x',
    'GEOSEARCH g FROMMEMBER nope BYRADIUS 1 km', 'GEOSEARCH missing FROMMEMBER nope BYRADIUS 1 km', 'GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2 ANY ASC',
    'GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST', 'ZRANGE d 0 -1 WITHSCORES', 'GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1',
    'ZRANGE d 0 -1 WITHSCORES', 'GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST', 'GEOSEARCHSTORE d missing FROMLONLAT 15 37 BYRADIUS 200 km', 'EXISTS d',
    'SET s v', 'GEOSEARCH s FROMLONLAT 0 0 BYRADIUS 1 m', 'GEORADIUS s 0 0 1 m',
  ])));

function randomPoint(rand: () => number): [number, number] {
  const r = rand();
  const lon = r < 0.3 ? (rand() < 0.5 ? -1 : 1) * (175 + rand() * 5) : rand() * 360 - 180;
  const lat = r > 0.6 ? (rand() < 0.5 ? -1 : 1) * (78 + rand() * 7.05) : rand() * 170 - 85;
  return [Number(lon.toFixed(6)), Number(lat.toFixed(6))];
}

function randomSearches(seed: number): string[][] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: string[][] = [];
  const n = 400;
  const add = ['GEOADD', 'g'];
  for (let i = 0; i < n; i++) add.push(...randomPoint(rand).map(String), `m${i}`);
  out.push(add);
  for (let i = 0; i < 60; i++) {
    const [lon, lat] = randomPoint(rand);
    const unit = pick(['m', 'km', 'mi', 'ft']);
    const scale = unit === 'm' ? 1000 : unit === 'ft' ? 3000 : 1;
    const radius = String(Math.round((50 + rand() * pick([100, 1000, 5000])) * scale));
    const opts = [pick(['', 'WITHDIST']), pick(['', 'WITHCOORD']), pick(['', 'WITHHASH']), pick(['', 'ASC', 'DESC']), pick(['', '', 'COUNT 5', 'COUNT 3 ANY'])].join(' ').trim().split(/\s+/).filter(Boolean);
    const from = rand() < 0.5 ? ['FROMLONLAT', String(lon), String(lat)] : ['FROMMEMBER', `m${Math.floor(rand() * n)}`];
    const by = rand() < 0.5 ? ['BYRADIUS', radius, unit] : ['BYBOX', radius, String(Math.round(Number(radius) * (0.3 + rand()))), unit];
    out.push(['GEOSEARCH', 'g', ...from, ...by, ...opts]);
    if (i % 3 === 0) out.push(['GEORADIUS', 'g', String(lon), String(lat), radius, unit, ...opts]);
    // STOREDIST scores print 17 digits, where V8's sin/cos/asin and glibc's can differ by an ulp:
    // their order is compared, the scores themselves only for STORE (exact geohashes).
    if (i % 5 === 0) {
      const dist = rand() < 0.5;
      out.push(['GEOSEARCHSTORE', 'dst', 'g', ...from, ...by, ...(dist ? ['STOREDIST'] : [])], ['ZRANGE', 'dst', '0', '-1', ...(dist ? [] : ['WITHSCORES'])]);
    }
    if (i % 4 === 0) out.push(['GEODIST', 'g', `m${i}`, `m${i + 1}`, unit], ['GEOPOS', 'g', `m${i}`], ['GEOHASH', 'g', `m${i}`]);
  }
  return out;
}

const SEED = Number(process.env.GEO_SEED ?? 0);

test('generated searches near the poles and the antimeridian', async () => {
  for (const seed of SEED !== 0 ? [SEED] : [21, 22, 23]) {
    await same(randomSearches(seed)).catch((e: Error) => {
      throw new Error(`seed ${seed}: ${e.message}`);
    });
  }
});

test.run();
