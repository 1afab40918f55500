// Memcached meta commands (mg ms md ma me mn): request parsing and reply rendering, plus the token
// rules that the classic text commands and the binary protocol share with them (C-style numbers,
// key and item size limits, storage results). Like memcached's proto_text.c it knows nothing about
// storage: the storage layer executes the parsed requests and hands the outcomes to the renderers.
//
// Behaviour follows memcached 1.6.18 as observed on the real server, plus the E flag of later 1.6
// releases. Keys and values are latin1 strings (one char per byte).

/** Longest key memcached accepts (KEY_MAX_LENGTH). */
export const KEY_MAX_LENGTH = 250;

/** memcached's default -I item size limit. */
export const DEFAULT_ITEM_SIZE_MAX = 1024 * 1024;

/** Results storage returns for mutations; the text, meta and binary protocols each word them differently. */
export enum StorageResult {
  STORED = 'STORED',
  NOT_STORED = 'NOT_STORED',
  EXISTS = 'EXISTS',
  NOT_FOUND = 'NOT_FOUND',
  DELETED = 'DELETED',
  TOUCHED = 'TOUCHED',
}

// memcached's item header on 64-bit builds (48 bytes) plus the 8-byte CAS it always keeps.
const ITEM_OVERHEAD = 48 + 8;

/**
 * Whether memcached, run with `-I itemSizeMax`, could allocate this item. The size it checks
 * includes its header, the key with a NUL, 4 bytes of client flags unless they are 0, and the value
 * with its trailing CRLF: for key "k" and flags 0 the largest value under 1 MiB is 1048516 bytes.
 */
export function itemFits(keyLength: number, clientFlags: number, valueLength: number, itemSizeMax: number): boolean {
  return ITEM_OVERHEAD + keyLength + 1 + (clientFlags === 0 ? 0 : 4) + valueLength + 2 <= itemSizeMax;
}

// ---------------------------------------------------------------------------------------------
// Numbers as memcached's safe_strto* read them: glibc strto[u]l(l) (leading white space, a sign,
// decimal digits), accepted only when the digits end the token or are followed by white space.
// The 32-bit variants parse 64 bits and then truncate, exactly as memcached's casts do, so
// "4294967297" is read as 1 for a length or flags field.

const UINT64_LIMIT = 1n << 64n;
const INT64_LIMIT = 1n << 63n;
const SHORT_DECIMAL = /^[0-9]{1,9}$/;

function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

interface CDecimal {
  negative: boolean;
  magnitude: bigint;
}

function scanCDecimal(token: string): CDecimal | undefined {
  let i = 0;
  while (i < token.length && isCSpace(token.charCodeAt(i))) i++;
  let negative = false;
  if (token[i] === '+' || token[i] === '-') {
    negative = token[i] === '-';
    i++;
  }
  const start = i;
  while (i < token.length && token.charCodeAt(i) >= 0x30 && token.charCodeAt(i) <= 0x39) i++;
  if (i === start) return undefined;
  if (i < token.length && !isCSpace(token.charCodeAt(i))) return undefined;
  return { negative, magnitude: BigInt(token.slice(start, i)) };
}

/** safe_strtoull: an unsigned 64-bit number; like strtoull, "-N" wraps unless the result looks negative. */
export function parseCUint64(token: string): bigint | undefined {
  if (SHORT_DECIMAL.test(token)) return BigInt(token);
  const scanned = scanCDecimal(token);
  if (scanned === undefined || scanned.magnitude >= UINT64_LIMIT) return undefined;
  const value = scanned.negative ? BigInt.asUintN(64, -scanned.magnitude) : scanned.magnitude;
  // memcached refuses a value with the top bit set only when the token has a minus sign somewhere.
  if (value >= INT64_LIMIT && token.includes('-')) return undefined;
  return value;
}

/** safe_strtoul: parsed as unsigned long (64 bits) and stored into 32 bits. */
export function parseCUint32(token: string): number | undefined {
  if (SHORT_DECIMAL.test(token)) return Number(token);
  const value = parseCUint64(token);
  return value === undefined ? undefined : Number(BigInt.asUintN(32, value));
}

/** safe_strtol: parsed as long (64 bits, refused on overflow) and stored into a signed 32-bit int. */
export function parseCInt32(token: string): number | undefined {
  if (SHORT_DECIMAL.test(token)) return Number(token);
  const scanned = scanCDecimal(token);
  if (scanned === undefined) return undefined;
  const value = scanned.negative ? -scanned.magnitude : scanned.magnitude;
  if (value >= INT64_LIMIT || value < -INT64_LIMIT) return undefined;
  return Number(BigInt.asIntN(32, value));
}

// ---------------------------------------------------------------------------------------------
// Base64 keys (the b flag). memcached's decoder skips bytes outside the alphabet, needs a multiple
// of four alphabet bytes, and stops after the first block holding padding; it reports failure by
// decoding to nothing. Encoding is standard padded base64.

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES: readonly number[] = (() => {
  const values = new Array<number>(256).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) values[BASE64_ALPHABET.charCodeAt(i)] = i;
  values[0x3d] = 0; // '=' decodes as zero bits and is counted as padding
  return values;
})();

/** Decodes a base64 key the way memcached does; undefined where memcached fails. */
export function decodeMemcachedBase64(text: string): string | undefined {
  let count = 0;
  for (let i = 0; i < text.length; i++) if ((BASE64_VALUES[text.charCodeAt(i)] ?? -1) >= 0) count++;
  if (count === 0 || count % 4 !== 0) return undefined;
  const out: number[] = [];
  const block = [0, 0, 0, 0];
  let filled = 0;
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const value = BASE64_VALUES[text.charCodeAt(i)] ?? -1;
    if (value < 0) continue;
    if (text.charCodeAt(i) === 0x3d) pad++;
    block[filled++] = value;
    if (filled < 4) continue;
    const [a = 0, b = 0, c = 0, d = 0] = block;
    out.push(((a << 2) | (b >> 4)) & 0xff, ((b << 4) | (c >> 2)) & 0xff, ((c << 6) | d) & 0xff);
    filled = 0;
    if (pad > 0) {
      if (pad > 2) return undefined;
      out.length -= pad;
      break;
    }
  }
  return Buffer.from(out).toString('latin1');
}

/** How a key is echoed by the k flag and by me: base64 when the request carried b. */
function keyText(key: string, base64: boolean): string {
  return base64 ? Buffer.from(key, 'latin1').toString('base64') : key;
}

// ---------------------------------------------------------------------------------------------
// Flags.

/** Meta flags of one request. Absent optional fields mean the flag was not given. */
export interface MetaFlags {
  /** Flag letters in request order: memcached echoes return flags in the order they were asked. */
  readonly order: string;
  /** b: the key was sent base64-encoded (the request's key is already decoded). */
  readonly base64Key: boolean;
  /** c: return the CAS value. */
  readonly returnCas: boolean;
  /** f: return the client flags. */
  readonly returnClientFlags: boolean;
  /** h: return whether the item had been fetched before. */
  readonly returnHit: boolean;
  /** k: return the key. */
  readonly returnKey: boolean;
  /** l: return seconds since last access. */
  readonly returnLastAccess: boolean;
  /** q: quiet, hide the command's uninteresting result (see the renderers). */
  readonly quiet: boolean;
  /** s: return the value size. */
  readonly returnSize: boolean;
  /** t: return the remaining TTL. */
  readonly returnTtl: boolean;
  /** u: don't bump the item in the LRU. */
  readonly noLruBump: boolean;
  /** v: return the value. */
  readonly returnValue: boolean;
  /** I: invalidate (mark stale) instead of deleting / store only if the CAS is older. */
  readonly invalidate: boolean;
  /** C: compare CAS. */
  readonly compareCas?: bigint;
  /** E: explicit new CAS value (memcached 1.6.21+; 1.6.18 rejects it). */
  readonly newCas?: bigint;
  /** D: ma delta. */
  readonly delta?: bigint;
  /** F: client flags to store. */
  readonly clientFlags?: number;
  /** J: ma initial value when autovivifying. */
  readonly initial?: bigint;
  /** M: mode switch character for ms and ma (validated by those commands). */
  readonly mode?: string;
  /** N: autovivify on miss with this TTL. */
  readonly vivifyTtl?: number;
  /** O: opaque, the whole token including the O, echoed verbatim. */
  readonly opaque?: string;
  /** R: win a recache token if the TTL is below this. */
  readonly recacheTtl?: number;
  /** T: new TTL. */
  readonly ttl?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// memcached counts the command, key and a terminal token against this limit.
const META_MAX_TOKENS = 20;
// Includes the leading O.
const META_MAX_OPAQUE_LENGTH = 32;

const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
const BAD_TOKEN = 'CLIENT_ERROR bad token in command line format';

interface ParsedFlags {
  flags: MetaFlags;
  key: string;
}

/**
 * memcached's _meta_flag_preparse. Duplicates and unknown letters fail at once; bad tokens are
 * noted and parsing goes on, so the last bad token's message wins (a bad F keeps the previous one).
 */
function parseFlags(tokens: readonly string[], start: number, rawKey: string): ParsedFlags | string {
  const flags: Mutable<MetaFlags> = {
    order: '',
    base64Key: false,
    returnCas: false,
    returnClientFlags: false,
    returnHit: false,
    returnKey: false,
    returnLastAccess: false,
    quiet: false,
    returnSize: false,
    returnTtl: false,
    noLruBump: false,
    returnValue: false,
    invalidate: false,
  };
  let key = rawKey;
  let failed = false;
  let message = BAD_FORMAT;
  const fail = (why: string): void => {
    failed = true;
    message = why;
  };
  const seen = new Set<number>();
  for (let i = start; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const letter = token.charCodeAt(0);
    if (letter >= 127 || seen.has(letter)) return 'CLIENT_ERROR duplicate flag';
    seen.add(letter);
    const arg = token.slice(1);
    switch (token[0]) {
      case 'b': {
        flags.base64Key = true;
        const decoded = decodeMemcachedBase64(rawKey);
        if (decoded === undefined) fail('CLIENT_ERROR error decoding key');
        else key = decoded;
        break;
      }
      case 'N':
      case 'T':
      case 'R': {
        const value = parseCInt32(arg);
        if (value === undefined) fail(BAD_TOKEN);
        else if (token[0] === 'N') flags.vivifyTtl = value;
        else if (token[0] === 'T') flags.ttl = value;
        else flags.recacheTtl = value;
        break;
      }
      case 'F': {
        const value = parseCUint32(arg);
        if (value === undefined) failed = true;
        else flags.clientFlags = value;
        break;
      }
      case 'C':
      case 'E': {
        const value = parseCUint64(arg);
        if (value === undefined) fail(BAD_TOKEN);
        else if (token[0] === 'C') flags.compareCas = value;
        else flags.newCas = value;
        break;
      }
      case 'M':
        if (token.length !== 2) fail('CLIENT_ERROR incorrect length for M token');
        else flags.mode = arg;
        break;
      case 'J':
      case 'D': {
        const value = parseCUint64(arg);
        if (value === undefined) {
          fail(token[0] === 'J' ? 'CLIENT_ERROR invalid numeric initial value' : 'CLIENT_ERROR invalid numeric delta value');
        } else if (token[0] === 'J') flags.initial = value;
        else flags.delta = value;
        break;
      }
      case 'O':
        flags.opaque = token;
        break;
      case 'c': flags.returnCas = true; break;
      case 'f': flags.returnClientFlags = true; break;
      case 'h': flags.returnHit = true; break;
      case 'k': flags.returnKey = true; break;
      case 'l': flags.returnLastAccess = true; break;
      case 'q': flags.quiet = true; break;
      case 's': flags.returnSize = true; break;
      case 't': flags.returnTtl = true; break;
      case 'u': flags.noLruBump = true; break;
      case 'v': flags.returnValue = true; break;
      case 'I': flags.invalidate = true; break;
      // Proxy routing hints: accepted and ignored.
      case 'P':
      case 'L':
        break;
      default:
        return 'CLIENT_ERROR invalid flag';
    }
    flags.order += token[0];
  }
  return failed ? message : { flags, key };
}

// ---------------------------------------------------------------------------------------------
// Requests.

export interface MetaGetRequest {
  readonly kind: 'mg';
  readonly key: string;
  readonly flags: MetaFlags;
}

export type MetaSetMode = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/**
 * ms. memcached turns set and replace into a CAS store when C is given; add ignores C and
 * append/prepend compare it themselves.
 */
export interface MetaSetRequest {
  readonly kind: 'ms';
  readonly key: string;
  readonly mode: MetaSetMode;
  readonly flags: MetaFlags;
  readonly value: string;
}

export interface MetaDeleteRequest {
  readonly kind: 'md';
  readonly key: string;
  readonly flags: MetaFlags;
}

export interface MetaArithmeticRequest {
  readonly kind: 'ma';
  readonly key: string;
  readonly mode: 'incr' | 'decr';
  /** D, default 1. */
  readonly delta: bigint;
  /** J, default 0: the value created by autovivification (N). */
  readonly initial: bigint;
  readonly flags: MetaFlags;
}

/** me: memcached's item debug dump. */
export interface MetaDebugRequest {
  readonly kind: 'me';
  readonly key: string;
  readonly base64Key: boolean;
}

export interface MetaNoopRequest {
  readonly kind: 'mn';
}

export type MetaRequest = MetaGetRequest | MetaDeleteRequest | MetaArithmeticRequest | MetaDebugRequest | MetaNoopRequest;

/** What a meta command line asks for; the text parser reads or discards the data block. */
export type MetaLineOutcome =
  | { readonly kind: 'request'; readonly request: MetaRequest }
  /** ms: read valueLength bytes plus CRLF, then build the request. */
  | { readonly kind: 'value'; readonly key: string; readonly mode: MetaSetMode; readonly flags: MetaFlags; readonly valueLength: number }
  /** Reply with the line after discarding `swallow` bytes (an ms data block, or 0). */
  | { readonly kind: 'error'; readonly reply: string; readonly swallow: number };

function lineError(message: string, swallow = 0): MetaLineOutcome {
  return { kind: 'error', reply: `${message}\r\n`, swallow };
}

const META_SET_MODES: Readonly<Record<string, MetaSetMode>> = { E: 'add', A: 'append', P: 'prepend', R: 'replace', S: 'set' };
const META_ARITHMETIC_MODES: Readonly<Record<string, 'incr' | 'decr'>> = { I: 'incr', '+': 'incr', D: 'decr', '-': 'decr' };

function opaqueTooLong(flags: MetaFlags): boolean {
  return flags.opaque !== undefined && flags.opaque.length > META_MAX_OPAQUE_LENGTH;
}

/**
 * Parses a tokenized meta command line (tokens[0] is a two-letter command starting with m), with
 * memcached's checks in memcached's order. An opaque token that is too long is refused here for
 * every command; memcached notices it for mg and ma only after executing them.
 */
export function parseMetaLine(tokens: readonly string[], itemSizeMax: number): MetaLineOutcome {
  // memcached's token count includes a terminal empty token.
  const ntokens = tokens.length + 1;
  const command = tokens[0] ?? '';
  const rawKey = tokens[1] ?? '';
  if (command === 'mn') return { kind: 'request', request: { kind: 'mn' } };
  if (command === 'me') {
    if (ntokens < 3 || rawKey.length > KEY_MAX_LENGTH) return lineError(BAD_FORMAT);
    if (tokens[2] !== 'b') return { kind: 'request', request: { kind: 'me', key: rawKey, base64Key: false } };
    const key = decodeMemcachedBase64(rawKey);
    if (key === undefined) return lineError(BAD_FORMAT);
    return { kind: 'request', request: { kind: 'me', key, base64Key: true } };
  }
  if (command !== 'mg' && command !== 'ms' && command !== 'md' && command !== 'ma') return lineError('ERROR');
  if (ntokens < 3) return lineError('ERROR');
  if (rawKey.length > KEY_MAX_LENGTH) return lineError(BAD_FORMAT);

  if (command === 'mg') {
    if (ntokens > META_MAX_TOKENS) return lineError('CLIENT_ERROR options flags are too long');
    const parsed = parseFlags(tokens, 2, rawKey);
    if (typeof parsed === 'string') return lineError(parsed);
    if (opaqueTooLong(parsed.flags)) return lineError('CLIENT_ERROR opaque token too long');
    return { kind: 'request', request: { kind: 'mg', key: parsed.key, flags: parsed.flags } };
  }

  if (command === 'ms') {
    if (ntokens === 3) return lineError(BAD_FORMAT);
    if (ntokens > META_MAX_TOKENS) return lineError('CLIENT_ERROR options flags too long');
    const valueLength = parseCInt32(tokens[2] ?? '');
    if (valueLength === undefined || valueLength < 0 || valueLength > 0x7fffffff - 2) return lineError(BAD_FORMAT);
    // From here on memcached knows the block's size and discards it after an error.
    const swallow = valueLength + 2;
    const parsed = parseFlags(tokens, 3, rawKey);
    if (typeof parsed === 'string') return lineError(parsed, swallow);
    const { flags, key } = parsed;
    const mode = flags.mode === undefined ? 'set' : META_SET_MODES[flags.mode];
    if (mode === undefined) return lineError('CLIENT_ERROR invalid mode for ms M token', swallow);
    if (opaqueTooLong(flags)) return lineError('CLIENT_ERROR opaque token too long', swallow);
    if (!itemFits(key.length, flags.clientFlags ?? 0, valueLength, itemSizeMax)) {
      return lineError('SERVER_ERROR object too large for cache', swallow);
    }
    return { kind: 'value', key, mode, flags, valueLength };
  }

  if (ntokens > META_MAX_TOKENS) return lineError('CLIENT_ERROR options flags too long');
  const parsed = parseFlags(tokens, 2, rawKey);
  // md and ma word every flag problem the same way.
  if (typeof parsed === 'string') return lineError('CLIENT_ERROR invalid or duplicate flag');
  const { flags, key } = parsed;
  if (command === 'md') {
    if (opaqueTooLong(flags)) return lineError('CLIENT_ERROR opaque token too long');
    return { kind: 'request', request: { kind: 'md', key, flags } };
  }
  const mode = flags.mode === undefined ? 'incr' : META_ARITHMETIC_MODES[flags.mode];
  if (mode === undefined) return lineError('CLIENT_ERROR invalid mode for ma M token');
  if (opaqueTooLong(flags)) return lineError('CLIENT_ERROR opaque token too long');
  return {
    kind: 'request',
    request: { kind: 'ma', key, mode, delta: flags.delta ?? 1n, initial: flags.initial ?? 0n, flags },
  };
}

// ---------------------------------------------------------------------------------------------
// Replies. Renderers return the wire text, or null when the q flag hides it.

/** mn's reply. */
export const META_NOOP_REPLY = 'MN\r\n';

/** An item as mg reports it. */
export interface MetaItem {
  readonly value: string;
  readonly clientFlags: number;
  readonly cas: bigint;
  /**
   * Seconds left to live, -1 for none. memcached applies T at its place among the flags, so
   * `T30 t` reports 30 and `t T30` the TTL from before; callers pass what t should print.
   */
  readonly ttl: number;
  /** Seconds since last access (l). */
  readonly lastAccess: number;
  /** Whether it had been fetched before this request (h). */
  readonly fetched: boolean;
  /** Stale-while-revalidate markers memcached appends: Z, X, then W. */
  readonly tokenSent?: boolean;
  readonly stale?: boolean;
  readonly won?: boolean;
}

/** The echo of an O or k flag; other letters echo nothing here. */
function echoFlag(letter: string, flags: MetaFlags, key: string): string {
  if (letter === 'O') return ` ${flags.opaque ?? 'O'}`;
  if (letter === 'k') return ` k${keyText(key, flags.base64Key)}${flags.base64Key ? ' b' : ''}`;
  return '';
}

function echoOpaqueAndKey(flags: MetaFlags, key: string): string {
  let out = '';
  for (const letter of flags.order) out += echoFlag(letter, flags, key);
  return out;
}

/** mg: VA/HD with the requested flags, or EN (hidden by q). */
export function renderMetaGet(request: MetaGetRequest, item: MetaItem | undefined): string | null {
  const { flags, key } = request;
  if (item === undefined) return flags.quiet ? null : `EN${echoOpaqueAndKey(flags, key)}\r\n`;
  let line = flags.returnValue ? `VA ${item.value.length}` : 'HD';
  for (const letter of flags.order) {
    switch (letter) {
      case 's': line += ` s${item.value.length}`; break;
      case 't': line += ` t${item.ttl}`; break;
      case 'c': line += ` c${item.cas}`; break;
      case 'f': line += ` f${item.clientFlags}`; break;
      case 'l': line += ` l${item.lastAccess}`; break;
      case 'h': line += ` h${item.fetched ? 1 : 0}`; break;
      default: line += echoFlag(letter, flags, key);
    }
  }
  if (item.tokenSent === true) line += ' Z';
  if (item.stale === true) line += ' X';
  if (item.won === true) line += ' W';
  return flags.returnValue ? `${line}\r\n${item.value}\r\n` : `${line}\r\n`;
}

// A storage result in meta words.
const META_STATUS: Readonly<Record<StorageResult, string>> = {
  [StorageResult.STORED]: 'HD',
  [StorageResult.DELETED]: 'HD',
  [StorageResult.TOUCHED]: 'HD',
  [StorageResult.NOT_STORED]: 'NS',
  [StorageResult.EXISTS]: 'EX',
  [StorageResult.NOT_FOUND]: 'NF',
};

/** ms: status with O, k and c (the item's new CAS, 0 when nothing was stored); q hides HD. */
export function renderMetaSet(request: MetaSetRequest, result: StorageResult, cas: bigint): string | null {
  const status = META_STATUS[result];
  if (request.flags.quiet && status === 'HD') return null;
  let line = status;
  for (const letter of request.flags.order) {
    if (letter === 'c') line += ` c${cas}`;
    else line += echoFlag(letter, request.flags, request.key);
  }
  return `${line}\r\n`;
}

/** md: HD, NF or EX with O and k; q hides HD. */
export function renderMetaDelete(request: MetaDeleteRequest, result: StorageResult): string | null {
  const status = META_STATUS[result];
  if (request.flags.quiet && status === 'HD') return null;
  return `${status}${echoOpaqueAndKey(request.flags, request.key)}\r\n`;
}

/** A counter after ma. */
export interface MetaCounter {
  readonly value: bigint;
  readonly cas: bigint;
  /** As for MetaItem.ttl. */
  readonly ttl: number;
  /** Made by autovivification (N); memcached shows those even under q. */
  readonly created: boolean;
}

/**
 * ma: VA/HD with c, t, O and k for a counter; NF or EX (StorageResult.NOT_FOUND / EXISTS) with O
 * and k otherwise. q hides an update's reply but not a miss, a CAS mismatch or a creation.
 */
export function renderMetaArithmetic(
  request: MetaArithmeticRequest,
  outcome: MetaCounter | StorageResult.NOT_FOUND | StorageResult.EXISTS,
): string | null {
  const { flags, key } = request;
  if (typeof outcome === 'string') return `${META_STATUS[outcome]}${echoOpaqueAndKey(flags, key)}\r\n`;
  if (flags.quiet && !outcome.created) return null;
  const digits = outcome.value.toString();
  let line = flags.returnValue ? `VA ${digits.length}` : 'HD';
  for (const letter of flags.order) {
    if (letter === 'c') line += ` c${outcome.cas}`;
    else if (letter === 't') line += ` t${outcome.ttl}`;
    else line += echoFlag(letter, flags, key);
  }
  return flags.returnValue ? `${line}\r\n${digits}\r\n` : `${line}\r\n`;
}

/** What me reports about an item, in memcached's field order. */
export interface MetaDebugInfo {
  /** memcached prints -1 for no expiry, otherwise now minus the expiry time (negative while alive). */
  readonly exp: number;
  /** Seconds since last access. */
  readonly la: number;
  readonly cas: bigint;
  readonly fetched: boolean;
  /** Slab class. */
  readonly cls: number;
  /** Item size including memcached's overhead. */
  readonly size: number;
}

/** me: the ME debug line, or EN. */
export function renderMetaDebug(request: MetaDebugRequest, info: MetaDebugInfo | undefined): string {
  if (info === undefined) return 'EN\r\n';
  const key = keyText(request.key, request.base64Key);
  return `ME ${key} exp=${info.exp} la=${info.la} cas=${info.cas} fetch=${info.fetched ? 'yes' : 'no'} cls=${info.cls} size=${info.size}\r\n`;
}
