// The key hashes of twemproxy's hashkit (nutcracker 0.5), bit for bit. Keys are bytes; where the C
// code widens a plain (signed on x86/ARM64 Linux) `char`, bytes >= 0x80 are sign-extended exactly as
// nutcracker does, so non-ASCII keys land on the same server as through nutcracker.
import { createHash } from 'node:crypto';

export const HASH_NAMES = [
  'one_at_a_time',
  'md5',
  'crc16',
  'crc32',
  'crc32a',
  'fnv1_64',
  'fnv1a_64',
  'fnv1_32',
  'fnv1a_32',
  'hsieh',
  'murmur',
  'jenkins',
] as const;

export type HashName = (typeof HASH_NAMES)[number];

/** A key hash: bytes in, an unsigned 32-bit integer out. */
export type KeyHash = (key: Uint8Array) => number;

/** The value C gets from `(uint32_t)(char)b`: sign-extended for bytes >= 0x80. */
const signedByte = (b: number): number => (b << 24) >> 24;

/** MD5 of the bytes, the 16-byte digest. */
export function md5Digest(key: Uint8Array | string): Buffer {
  return createHash('md5').update(key).digest();
}

/** The four digest bytes at `alignment * 4` as a little-endian uint32 (ketama's points). */
export function md5Word(digest: Uint8Array, alignment: number): number {
  const o = alignment * 4;
  return (digest[o] | (digest[o + 1] << 8) | (digest[o + 2] << 16) | (digest[o + 3] << 24)) >>> 0;
}

function md5(key: Uint8Array): number {
  return md5Word(md5Digest(key), 0);
}

function oneAtATime(key: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < key.length; i++) {
    v = (v + signedByte(key[i])) >>> 0;
    v = (v + (v << 10)) >>> 0;
    v = (v ^ (v >>> 6)) >>> 0;
  }
  v = (v + (v << 3)) >>> 0;
  v = (v ^ (v >>> 11)) >>> 0;
  v = (v + (v << 15)) >>> 0;
  return v;
}

const CRC16_TABLE = ((): Uint16Array => {
  // CRC-16/XMODEM (polynomial 0x1021), the table of nutcracker 0.5.0's nc_crc16.c. (Later twemproxy
  // switched to the reflected ARC table; Debian's 0.5.0 places keys with this one.)
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[n] = c;
  }
  return t;
})();

/** nutcracker 0.5.0 keeps the CRC in a uint32 and never masks it to 16 bits: the high bits count. */
function crc16(key: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < key.length; i++) crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ key[i]) & 0xff]) >>> 0;
  return crc;
}

const CRC32_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32Raw(key: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < key.length; i++) crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ key[i]) & 0xff];
  return ~crc >>> 0;
}

/** libmemcached's "crc32": bits 16..30 of the real CRC-32, kept for key compatibility. */
function crc32(key: Uint8Array): number {
  return (crc32Raw(key) >>> 16) & 0x7fff;
}

const FNV64_INIT = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

function fnv1_64(key: Uint8Array): number {
  let h = FNV64_INIT;
  for (let i = 0; i < key.length; i++) {
    h = (h * FNV64_PRIME) & MASK64;
    h ^= BigInt.asUintN(64, BigInt(signedByte(key[i])));
  }
  return Number(h & 0xffffffffn);
}

// twemproxy's fnv1a_64 runs in 32 bits with the 64-bit constants truncated; Math.imul keeps it exact.
function fnv1a_64(key: Uint8Array): number {
  let h = 0x84222325 | 0;
  for (let i = 0; i < key.length; i++) {
    h ^= signedByte(key[i]);
    h = Math.imul(h, 0x000001b3);
  }
  return h >>> 0;
}

function fnv1_32(key: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h, 16777619);
    h ^= signedByte(key[i]);
  }
  return h >>> 0;
}

function fnv1a_32(key: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) {
    h ^= signedByte(key[i]);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function hsieh(key: Uint8Array): number {
  let len = key.length;
  if (len === 0) return 0;
  const get16 = (i: number): number => key[i] | (key[i + 1] << 8);
  let h = 0;
  let p = 0;
  const rem = len & 3;
  len >>>= 2;
  for (; len > 0; len--) {
    h = (h + get16(p)) >>> 0;
    const tmp = ((get16(p + 2) << 11) ^ h) >>> 0;
    h = ((h << 16) ^ tmp) >>> 0;
    p += 4;
    h = (h + (h >>> 11)) >>> 0;
  }
  switch (rem) {
    case 3:
      h = (h + get16(p)) >>> 0;
      h = (h ^ (h << 16)) >>> 0;
      h = (h ^ (signedByte(key[p + 2]) << 18)) >>> 0;
      h = (h + (h >>> 11)) >>> 0;
      break;
    case 2:
      h = (h + get16(p)) >>> 0;
      h = (h ^ (h << 11)) >>> 0;
      h = (h + (h >>> 17)) >>> 0;
      break;
    case 1:
      h = (h + key[p]) >>> 0;
      h = (h ^ (h << 10)) >>> 0;
      h = (h + (h >>> 1)) >>> 0;
      break;
  }
  h = (h ^ (h << 3)) >>> 0;
  h = (h + (h >>> 5)) >>> 0;
  h = (h ^ (h << 4)) >>> 0;
  h = (h + (h >>> 17)) >>> 0;
  h = (h ^ (h << 25)) >>> 0;
  h = (h + (h >>> 6)) >>> 0;
  return h;
}

/** MurmurHash2 with libmemcached's seed (0xdeadbeef times the length), little-endian reads. */
function murmur(key: Uint8Array): number {
  const m = 0x5bd1e995;
  let len = key.length;
  const seed = Math.imul(0xdeadbeef, len);
  let h = (seed ^ len) | 0;
  let p = 0;
  while (len >= 4) {
    let k = key[p] | (key[p + 1] << 8) | (key[p + 2] << 16) | (key[p + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
    p += 4;
    len -= 4;
  }
  // The C switch falls through from 3 to 1.
  if (len >= 3) h ^= key[p + 2] << 16;
  if (len >= 2) h ^= key[p + 1] << 8;
  if (len >= 1) {
    h ^= key[p];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

const rot = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Bob Jenkins' lookup3 hashlittle with initval 13; the byte-wise path (equal to the aligned ones). */
function jenkins(key: Uint8Array): number {
  let length = key.length;
  let a = (0xdeadbeef + length + 13) | 0;
  let b = a;
  let c = a;
  let p = 0;
  while (length > 12) {
    a = (a + (key[p] | (key[p + 1] << 8) | (key[p + 2] << 16) | (key[p + 3] << 24))) | 0;
    b = (b + (key[p + 4] | (key[p + 5] << 8) | (key[p + 6] << 16) | (key[p + 7] << 24))) | 0;
    c = (c + (key[p + 8] | (key[p + 9] << 8) | (key[p + 10] << 16) | (key[p + 11] << 24))) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    p += 12;
  }
  if (length === 0) return c >>> 0;
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2] += key[p + i] << ((i & 3) * 8);
  a = (a + tail[0]) | 0;
  b = (b + tail[1]) | 0;
  c = (c + tail[2]) | 0;
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

const HASHES: Record<HashName, KeyHash> = {
  one_at_a_time: oneAtATime,
  md5,
  crc16,
  crc32,
  crc32a: crc32Raw,
  fnv1_64,
  fnv1a_64,
  fnv1_32,
  fnv1a_32,
  hsieh,
  murmur,
  jenkins,
};

export function keyHash(name: HashName): KeyHash {
  return HASHES[name];
}

export function isHashName(name: string): name is HashName {
  return (HASH_NAMES as readonly string[]).includes(name);
}
