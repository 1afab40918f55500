// GEO commands (Redis geo.c) over sorted sets whose scores are 52-bit geohashes: GEOADD (a ZADD of
// encoded scores, propagated as that ZADD), GEODIST, GEOHASH, GEOPOS, and the searches GEORADIUS,
// GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and GEOSEARCHSTORE, with Redis' option rules,
// errors, result order and number formatting ("%.4f" distances, "%.17Lf"-style coordinates).
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import { decodeScore, distanceIfWithin, geoDistance, geohashAlign52Bits, geohashEncodeWGS84, geohashString, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, searchRanges, type GeoShape } from '../structures/geohash.js';
import { ZSetValue, type ZSetEncodingLimits } from '../structures/zset.js';
import { is, parseFloatStrict, parseInteger } from './args.js';
import { formatLongDouble, fromDouble } from './long-double.js';
import { readTypedOrReply } from './lookup.js';
import { zadd } from './zsets.js';

/** addReplyDoubleDistance: fixed four decimals. */
function formatDistance(d: number): string {
  return d.toFixed(4);
}

function replyCoordinate(ctx: CommandContext, d: number): void {
  if (ctx.reply.resp === 2) ctx.reply.bulk(formatLongDouble(fromDouble(d)));
  else ctx.reply.double(d);
}

function doubleOrReply(ctx: CommandContext, s: string, error = E.NOT_FLOAT): number | undefined {
  const v = parseFloatStrict(s);
  if (v === undefined) ctx.reply.error(error);
  return v;
}

/** extractLongLatOrReply. */
function lonLatOrReply(ctx: CommandContext, lon: string, lat: string): [number, number] | undefined {
  const x = doubleOrReply(ctx, lon);
  if (x === undefined) return undefined;
  const y = doubleOrReply(ctx, lat);
  if (y === undefined) return undefined;
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    return void ctx.reply.error(`ERR invalid longitude,latitude pair ${x.toFixed(6)},${y.toFixed(6)}`);
  }
  return [x, y];
}

/** extractUnitOrReply: meters per unit. */
function unitOrReply(ctx: CommandContext, s: string): number | undefined {
  const u = s.toLowerCase();
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  return void ctx.reply.error('ERR unsupported unit provided. please use M, KM, FT, MI');
}

function distanceOrReply(ctx: CommandContext, value: string, unit: string): { radius: number; conversion: number } | undefined {
  const radius = doubleOrReply(ctx, value, 'ERR need numeric radius');
  if (radius === undefined) return undefined;
  if (radius < 0) return void ctx.reply.error('ERR radius cannot be negative');
  const conversion = unitOrReply(ctx, unit);
  return conversion === undefined ? undefined : { radius, conversion };
}

function boxOrReply(ctx: CommandContext, w: string, h: string, unit: string): { width: number; height: number; conversion: number } | undefined {
  const width = doubleOrReply(ctx, w, 'ERR need numeric width');
  if (width === undefined) return undefined;
  const height = doubleOrReply(ctx, h, 'ERR need numeric height');
  if (height === undefined) return undefined;
  if (height < 0 || width < 0) return void ctx.reply.error('ERR height or width cannot be negative');
  const conversion = unitOrReply(ctx, unit);
  return conversion === undefined ? undefined : { width, height, conversion };
}

// ---- GEOADD, GEODIST, GEOHASH, GEOPOS ----

function geoadd(ctx: CommandContext, argv: string[]): void {
  let at = 2;
  let nx = false;
  let xx = false;
  for (; at < argv.length; at++) {
    if (is(argv[at], 'NX')) nx = true;
    else if (is(argv[at], 'XX')) xx = true;
    else if (!is(argv[at], 'CH')) break;
  }
  if ((argv.length - at) % 3 !== 0 || (xx && nx)) return ctx.reply.error(E.SYNTAX);
  const zaddArgv = ['zadd', ...argv.slice(1, at)];
  for (let i = at; i < argv.length; i += 3) {
    const xy = lonLatOrReply(ctx, argv[i], argv[i + 1]);
    if (xy === undefined) return;
    const hash = geohashEncodeWGS84(xy[0], xy[1])!;
    zaddArgv.push(String(geohashAlign52Bits(hash)), argv[i + 2]);
  }
  zadd(ctx, zaddArgv);
  ctx.propagateAs(zaddArgv);
}

function geodist(ctx: CommandContext, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    const u = unitOrReply(ctx, argv[4]);
    if (u === undefined) return;
    toMeter = u;
  } else if (argv.length > 5) return ctx.reply.error(E.SYNTAX);
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  const s1 = z?.score(argv[2]);
  const s2 = z?.score(argv[3]);
  if (s1 === undefined || s2 === undefined) return ctx.reply.nil();
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  ctx.reply.bulk(formatDistance(geoDistance(x1, y1, x2, y2) / toMeter));
}

function geohash(ctx: CommandContext, argv: string[]): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]);
    if (score === undefined) ctx.reply.nil();
    else ctx.reply.bulk(geohashString(score));
  }
}

function geopos(ctx: CommandContext, argv: string[]): void {
  const z = readTypedOrReply(ctx, argv[1], 'zset');
  if (z === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]);
    if (score === undefined) {
      ctx.reply.nullArray();
      continue;
    }
    const [x, y] = decodeScore(score);
    ctx.reply.array(2);
    replyCoordinate(ctx, x);
    replyCoordinate(ctx, y);
  }
}

// ---- searches ----

type SearchKind = 'radius' | 'radius_ro' | 'bymember' | 'bymember_ro' | 'search' | 'searchstore';

interface GeoPoint {
  member: string;
  score: number;
  x: number;
  y: number;
  dist: number;
}

interface SearchOptions {
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  sort: 'none' | 'asc' | 'desc';
  any: boolean;
  count: number;
  storeKey: string | undefined;
  storeDist: boolean;
}

const isGeosearch = (k: SearchKind): boolean => k === 'search' || k === 'searchstore';
const canStore = (k: SearchKind): boolean => k === 'radius' || k === 'bymember';

function memberPosition(z: ZSetValue, member: string): [number, number] | undefined {
  const score = z.score(member);
  return score === undefined ? undefined : decodeScore(score);
}

/** Points of the sorted set inside the shape, in the order Redis collects them (membersOfAllNeighbors). */
function pointsWithin(z: ZSetValue, shape: GeoShape, limit: number): GeoPoint[] {
  const out: GeoPoint[] = [];
  for (const [min, max] of searchRanges(shape)) {
    if (limit > 0 && out.length >= limit) break;
    const span = z.scoreSpan({ value: min, exclusive: false }, { value: max, exclusive: true });
    if (span === undefined) continue;
    z.forEachInRanks(span[0], span[1], false, (member, score) => {
      if (limit > 0 && out.length >= limit) return;
      const [x, y] = decodeScore(score);
      const dist = distanceIfWithin(shape, x, y);
      if (dist !== undefined) out.push({ member, score, x, y, dist });
    });
  }
  return out;
}

function replyPoints(ctx: CommandContext, points: GeoPoint[], o: SearchOptions, conversion: number): void {
  const extra = (o.withDist ? 1 : 0) + (o.withCoord ? 1 : 0) + (o.withHash ? 1 : 0);
  ctx.reply.array(points.length);
  for (const p of points) {
    if (extra > 0) ctx.reply.array(extra + 1);
    ctx.reply.bulk(p.member);
    if (o.withDist) ctx.reply.bulk(formatDistance(p.dist / conversion));
    if (o.withHash) ctx.reply.int(p.score);
    if (o.withCoord) {
      ctx.reply.array(2);
      replyCoordinate(ctx, p.x);
      replyCoordinate(ctx, p.y);
    }
  }
}

function storePoints(ctx: CommandContext, kind: SearchKind, points: GeoPoint[], o: SearchOptions, conversion: number): void {
  const key = o.storeKey!;
  if (points.length > 0) {
    const c = ctx.server.config;
    const limits: ZSetEncodingLimits = { maxListpackEntries: c.getNumber('zset-max-listpack-entries'), maxListpackValue: c.getNumber('zset-max-listpack-value') };
    const z = ZSetValue.fromEntries(points.map((p) => [p.member, o.storeDist ? p.dist / conversion : p.score] as const), limits);
    ctx.db.setKey(key, z);
    ctx.notify('zset', isGeosearch(kind) ? 'geosearchstore' : 'georadiusstore', key);
    ctx.dirty(points.length);
  } else if (ctx.db.delete(key)) {
    ctx.notify('generic', 'del', key);
    ctx.dirty();
  }
  ctx.reply.int(points.length);
}

/** Redis' georadiusGeneric: the source and centre, the options in its order, then the search. */
function georadiusGeneric(ctx: CommandContext, argv: string[], kind: SearchKind): void {
  const srcKey = kind === 'searchstore' ? argv[2] : argv[1];
  const z = readTypedOrReply(ctx, srcKey, 'zset');
  if (z === undefined) return;
  let base: number;
  let shape: Partial<GeoShape> & { type?: 'radius' | 'box' } = {};
  if (kind === 'radius' || kind === 'radius_ro') {
    base = 6;
    const xy = lonLatOrReply(ctx, argv[2], argv[3]);
    if (xy === undefined) return;
    const d = distanceOrReply(ctx, argv[4], argv[5]);
    if (d === undefined) return;
    shape = { type: 'radius', x: xy[0], y: xy[1], ...d };
  } else if (kind === 'bymember' || kind === 'bymember_ro') {
    base = 5;
    if (z !== null) {
      const xy = memberPosition(z, argv[2]);
      if (xy === undefined) return ctx.reply.error('ERR could not decode requested zset member');
      const d = distanceOrReply(ctx, argv[3], argv[4]);
      if (d === undefined) return;
      shape = { type: 'radius', x: xy[0], y: xy[1], ...d };
    }
  } else base = kind === 'searchstore' ? 3 : 2;

  const o: SearchOptions = { withDist: false, withHash: false, withCoord: false, sort: 'none', any: false, count: 0, storeKey: kind === 'searchstore' ? argv[1] : undefined, storeDist: false };
  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  const geosearch = isGeosearch(kind);
  for (let i = base; i < argv.length; i++) {
    const arg = argv[i];
    const remaining = argv.length - i - 1;
    if (is(arg, 'WITHDIST')) o.withDist = true;
    else if (is(arg, 'WITHHASH')) o.withHash = true;
    else if (is(arg, 'WITHCOORD')) o.withCoord = true;
    else if (is(arg, 'ANY')) o.any = true;
    else if (is(arg, 'ASC')) o.sort = 'asc';
    else if (is(arg, 'DESC')) o.sort = 'desc';
    else if (is(arg, 'COUNT') && remaining >= 1) {
      const n = parseInteger(argv[++i]);
      if (n === undefined) return ctx.reply.error(E.NOT_INTEGER);
      if (n <= 0) return ctx.reply.error('ERR COUNT must be > 0');
      o.count = n;
    } else if ((is(arg, 'STORE') || is(arg, 'STOREDIST')) && remaining >= 1 && canStore(kind)) {
      o.storeKey = argv[++i];
      o.storeDist = is(arg, 'STOREDIST');
    } else if (is(arg, 'STOREDIST') && kind === 'searchstore') o.storeDist = true;
    else if (is(arg, 'FROMMEMBER') && remaining >= 1 && geosearch && !fromLonLat) {
      fromMember = true;
      const member = argv[++i];
      if (z === null) continue;
      const xy = memberPosition(z, member);
      if (xy === undefined) return ctx.reply.error('ERR could not decode requested zset member');
      shape.x = xy[0];
      shape.y = xy[1];
    } else if (is(arg, 'FROMLONLAT') && remaining >= 2 && geosearch && !fromMember) {
      const xy = lonLatOrReply(ctx, argv[i + 1], argv[i + 2]);
      if (xy === undefined) return;
      shape.x = xy[0];
      shape.y = xy[1];
      fromLonLat = true;
      i += 2;
    } else if (is(arg, 'BYRADIUS') && remaining >= 2 && geosearch && !byBox) {
      const d = distanceOrReply(ctx, argv[i + 1], argv[i + 2]);
      if (d === undefined) return;
      Object.assign(shape, { type: 'radius', ...d });
      byRadius = true;
      i += 2;
    } else if (is(arg, 'BYBOX') && remaining >= 3 && geosearch && !byRadius) {
      const b = boxOrReply(ctx, argv[i + 1], argv[i + 2], argv[i + 3]);
      if (b === undefined) return;
      Object.assign(shape, { type: 'box', ...b });
      byBox = true;
      i += 3;
    } else return ctx.reply.error(E.SYNTAX);
  }
  if (o.storeKey !== undefined && (o.withDist || o.withHash || o.withCoord)) {
    return ctx.reply.error(`ERR ${kind === 'searchstore' ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (geosearch && !(fromMember || fromLonLat)) return ctx.reply.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  if (geosearch && !(byRadius || byBox)) return ctx.reply.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  if (o.any && o.count === 0) return ctx.reply.error('ERR the ANY argument requires COUNT argument');
  if (z === null) {
    if (o.storeKey === undefined) return ctx.reply.array(0);
    if (ctx.db.delete(o.storeKey)) {
      ctx.notify('generic', 'del', o.storeKey);
      ctx.dirty();
    }
    return ctx.reply.int(0);
  }
  if (o.count !== 0 && o.sort === 'none' && !o.any) o.sort = 'asc';
  const full = shape as GeoShape;
  let points = pointsWithin(z, full, o.any ? o.count : 0);
  if (o.sort !== 'none') points.sort(o.sort === 'asc' ? (a, b) => a.dist - b.dist : (a, b) => b.dist - a.dist);
  if (o.count > 0 && points.length > o.count) points = points.slice(0, o.count);
  if (o.storeKey === undefined) replyPoints(ctx, points, o, full.conversion);
  else storePoints(ctx, kind, points, o, full.conversion);
}

/** GEORADIUS[BYMEMBER] keys: the source, and the STORE/STOREDIST target when given. */
function radiusKeys(argv: readonly string[], base: number): number[] {
  const keys = [1];
  for (let i = base; i < argv.length - 1; i++) {
    if (is(argv[i], 'STORE') || is(argv[i], 'STOREDIST')) keys.push(++i);
  }
  return keys;
}

const SEARCH_COMPLEXITY = 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';

export const geoCommands: CommandSpec[] = [
  { name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: 'geo', since: '3.2.0', summary: 'Add one or more geospatial items in the geospatial index represented using a sorted set', complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', run: geoadd },
  { name: 'geodist', arity: -4, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '3.2.0', summary: 'Returns the distance between two members of a geospatial index', complexity: 'O(log(N))', run: geodist },
  { name: 'geohash', arity: -2, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '3.2.0', summary: 'Returns members of a geospatial index as standard geohash strings', complexity: 'O(log(N)) for each member requested, where N is the number of elements in the sorted set.', run: geohash },
  { name: 'geopos', arity: -2, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '3.2.0', summary: 'Returns longitude and latitude of members of a geospatial index', complexity: 'O(N) where N is the number of members requested.', run: geopos },
  { name: 'georadius', arity: -6, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: (argv) => radiusKeys(argv, 6), group: 'geo', since: '3.2.0', summary: 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'radius') },
  { name: 'georadius_ro', arity: -6, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '3.2.10', summary: 'A read-only variant for GEORADIUS', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'radius_ro') },
  { name: 'georadiusbymember', arity: -5, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: (argv) => radiusKeys(argv, 5), group: 'geo', since: '3.2.0', summary: 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'bymember') },
  { name: 'georadiusbymember_ro', arity: -5, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '3.2.10', summary: 'A read-only variant for GEORADIUSBYMEMBER', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'bymember_ro') },
  { name: 'geosearch', arity: -7, flags: ['readonly'], keys: [1, 1, 1], group: 'geo', since: '6.2.0', summary: 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'search') },
  { name: 'geosearchstore', arity: -8, flags: ['write', 'denyoom'], keys: [1, 2, 1], group: 'geo', since: '6.2.0', summary: 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.', complexity: SEARCH_COMPLEXITY, run: (ctx, argv) => georadiusGeneric(ctx, argv, 'searchstore') },
];
