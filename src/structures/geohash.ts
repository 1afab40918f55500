// Redis' geohash (geohash.c, geohash_helper.c): a point is the 52-bit interleaving of its 26-bit
// longitude and latitude cells over [-180, 180] x [-85.05112878, 85.05112878], stored as a sorted
// set score; a radius or box search scans the score ranges of the cell holding the centre and its
// eight neighbours at a step chosen from the radius. Same arithmetic in the same order as the C
// code, in doubles, so that scores, positions and distances match Redis bit for bit.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

export interface GeoRange {
  min: number;
  max: number;
}

export interface HashBits {
  bits: bigint;
  step: number;
}

export interface GeoArea {
  longitude: GeoRange;
  latitude: GeoRange;
}

const LONG_RANGE: GeoRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const LAT_RANGE: GeoRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

/** Spreads the 32 bits of x to the even bits of a 64-bit value. */
function spread(x: bigint): bigint {
  let v = x & 0xffffffffn;
  v = (v | (v << 16n)) & 0x0000ffff0000ffffn;
  v = (v | (v << 8n)) & 0x00ff00ff00ff00ffn;
  v = (v | (v << 4n)) & 0x0f0f0f0f0f0f0f0fn;
  v = (v | (v << 2n)) & 0x3333333333333333n;
  v = (v | (v << 1n)) & 0x5555555555555555n;
  return v;
}

/** The even bits of a 64-bit value, packed into 32. */
function squash(x: bigint): bigint {
  let v = x & 0x5555555555555555n;
  v = (v | (v >> 1n)) & 0x3333333333333333n;
  v = (v | (v >> 2n)) & 0x0f0f0f0f0f0f0f0fn;
  v = (v | (v >> 4n)) & 0x00ff00ff00ff00ffn;
  v = (v | (v >> 8n)) & 0x0000ffff0000ffffn;
  v = (v | (v >> 16n)) & 0x00000000ffffffffn;
  return v;
}

/** C's (uint32_t) cast of a non-negative double. */
const toU32 = (d: number): bigint => BigInt(Math.trunc(d)) & 0xffffffffn;

/** geohashEncode: undefined when the point is outside the GEO limits or the given ranges. */
export function geohashEncode(longRange: GeoRange, latRange: GeoRange, longitude: number, latitude: number, step: number): HashBits | undefined {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return undefined;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return undefined;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: spread(toU32(latOffset)) | (spread(toU32(longOffset)) << 1n), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step = GEO_STEP_MAX): HashBits | undefined {
  return geohashEncode(LONG_RANGE, LAT_RANGE, longitude, latitude, step);
}

export function geohashDecode(hash: HashBits, longRange = LONG_RANGE, latRange = LAT_RANGE): GeoArea {
  const step = hash.step;
  const ilato = Number(squash(hash.bits));
  const ilono = Number(squash(hash.bits >> 1n));
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const cells = 2 ** step;
  return {
    latitude: { min: latRange.min + ((ilato * 1.0) / cells) * latScale, max: latRange.min + (((ilato + 1) * 1.0) / cells) * latScale },
    longitude: { min: longRange.min + ((ilono * 1.0) / cells) * longScale, max: longRange.min + (((ilono + 1) * 1.0) / cells) * longScale },
  };
}

/** The centre of a cell, clamped to the GEO limits (geohashDecodeAreaToLongLat). */
export function areaCenter(area: GeoArea): [number, number] {
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** A sorted-set score back to [longitude, latitude] (Redis' decodeGeohash). */
export function decodeScore(score: number): [number, number] {
  return areaCenter(geohashDecode({ bits: BigInt.asUintN(64, BigInt(Math.trunc(score))), step: GEO_STEP_MAX }));
}

/** The score a point is stored with: its 26-step hash aligned to 52 bits. */
export function geohashAlign52Bits(hash: HashBits): bigint {
  return hash.bits << BigInt(52 - hash.step * 2);
}

export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** Haversine distance in meters, as geohashGetDistance computes it. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

export type GeoShape =
  | { type: 'radius'; x: number; y: number; conversion: number; radius: number }
  | { type: 'box'; x: number; y: number; conversion: number; width: number; height: number };

/** Distance from the shape's centre when (x, y) lies inside the shape (geoWithinShape). */
export function distanceIfWithin(shape: GeoShape, x: number, y: number): number | undefined {
  if (shape.type === 'radius') {
    const d = geoDistance(shape.x, shape.y, x, y);
    return d > shape.radius * shape.conversion ? undefined : d;
  }
  const width = shape.width * shape.conversion;
  const height = shape.height * shape.conversion;
  if (latDistance(y, shape.y) > height / 2) return undefined;
  if (geoDistance(x, y, shape.x, y) > width / 2) return undefined;
  return geoDistance(shape.x, shape.y, x, y);
}

function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

function boundingBox(shape: GeoShape): [number, number, number, number] {
  const { x: longitude, y: latitude } = shape;
  const height = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    southern ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const U64 = (1n << 64n) - 1n;

/** geohash_move_x / geohash_move_y: the neighbouring cell east/west (x) or north/south (y). */
function move(hash: HashBits, dx: number, dy: number): HashBits {
  const shift = BigInt(64 - hash.step * 2);
  let x = hash.bits & ODD;
  let y = hash.bits & EVEN;
  if (dx !== 0) {
    const zz = EVEN >> shift;
    x = dx > 0 ? (x + (zz + 1n)) & U64 : ((x | zz) - (zz + 1n)) & U64;
    x &= ODD >> shift;
  }
  if (dy !== 0) {
    const zz = ODD >> shift;
    y = dy > 0 ? (y + (zz + 1n)) & U64 : ((y | zz) - (zz + 1n)) & U64;
    y &= EVEN >> shift;
  }
  return { bits: x | y, step: hash.step };
}

/**
 * The cells to scan for a shape, in Redis' order (centre, N, S, E, W, NE, NW, SE, SW), with the
 * useless neighbours left out (geohashCalculateAreasByShapeWGS84), as [min, max) score ranges.
 */
export function searchRanges(shape: GeoShape): [number, number][] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    (shape.type === 'radius' ? shape.radius : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))) * shape.conversion;
  let steps = estimateStepsByRadius(radiusMeters, shape.y);
  let hash = geohashEncodeWGS84(shape.x, shape.y, steps)!;
  const around = (h: HashBits): HashBits[] => [move(h, 0, 1), move(h, 0, -1), move(h, 1, 0), move(h, -1, 0), move(h, 1, 1), move(h, -1, 1), move(h, 1, -1), move(h, -1, -1)];
  let n = around(hash);
  const [north, south, east, west] = n.map((h) => geohashDecode(h));
  const decrease = north.latitude.max < maxLat || south.latitude.min > minLat || east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = geohashEncodeWGS84(shape.x, shape.y, steps)!;
    n = around(hash);
  }
  const area = geohashDecode(hash);
  // Indexes in n: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW.
  const skip = new Set<number>();
  if (steps >= 2) {
    if (area.latitude.min < minLat) [1, 7, 6].forEach((i) => skip.add(i));
    if (area.latitude.max > maxLat) [0, 4, 5].forEach((i) => skip.add(i));
    if (area.longitude.min < minLon) [3, 7, 5].forEach((i) => skip.add(i));
    if (area.longitude.max > maxLon) [2, 6, 4].forEach((i) => skip.add(i));
  }
  const cells: (HashBits | undefined)[] = [hash, ...n.map((h, i) => (skip.has(i) ? undefined : h))];
  const out: [number, number][] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c === undefined) continue;
    // Huge radii make neighbours coincide: Redis skips a cell equal to the neighbour scanned just
    // before (its test never compares with the centre, index 0).
    if (last > 0 && c.bits === cells[last]!.bits && c.step === cells[last]!.step) continue;
    const min = geohashAlign52Bits(c);
    const max = geohashAlign52Bits({ bits: c.bits + 1n, step: c.step });
    out.push([Number(min), Number(max)]);
    last = i;
  }
  return out;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash of a stored score (re-encoded over latitude -90..90). */
export function geohashString(score: number): string {
  const [x, y] = decodeScore(score);
  const hash = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
  const bits = hash?.bits ?? 0n;
  let s = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    s += GEOALPHABET[idx];
  }
  return s;
}
