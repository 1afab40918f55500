import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  END_REPLY,
  MemcachedTextParser,
  renderClientError,
  renderCounter,
  renderServerError,
  renderStats,
  renderStorageResult,
  renderValue,
  renderVersion,
} from '../src/protocol/memcached-text.js';
import type { TextParserOptions, TextRequest } from '../src/protocol/memcached-text.js';
import {
  StorageResult,
  decodeMemcachedBase64,
  itemFits,
  parseCInt32,
  parseCUint32,
  parseCUint64,
  renderMetaArithmetic,
  renderMetaDebug,
  renderMetaDelete,
  renderMetaGet,
  renderMetaSet,
} from '../src/protocol/memcached-meta.js';
import type {
  MetaArithmeticRequest,
  MetaDeleteRequest,
  MetaFlags,
  MetaGetRequest,
  MetaSetRequest,
} from '../src/protocol/memcached-meta.js';
import {
  BINARY_HEADER_LENGTH,
  BINARY_REQUEST_MAGIC,
  BINARY_RESPONSE_MAGIC,
  BinaryOpcode,
  BinaryStatus,
  MemcachedBinaryParser,
  binaryCounterValue,
  binaryFlagsExtras,
  binaryReplySuppressed,
  binaryStorageStatus,
  decodeBinaryHeader,
  detectMemcachedProtocol,
  encodeBinaryError,
  encodeBinaryHeader,
  encodeBinaryMiss,
  encodeBinaryResponse,
  encodeBinaryStats,
} from '../src/protocol/memcached-binary.js';
import type { BinaryParseResult, BinaryParserOptions, BinaryRequest } from '../src/protocol/memcached-binary.js';

// ---------------------------------------------------------------------------------------------
// Helpers.

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function drainText(parser: MemcachedTextParser, out: TextRequest[]): void {
  for (let request = parser.next(); request !== undefined; request = parser.next()) out.push(request);
}

/** Parses input fed in the given chunk sizes (the rest in one chunk). */
function parseText(input: Buffer | string, chunkSizes: number[] = [], options?: TextParserOptions): TextRequest[] {
  const data = typeof input === 'string' ? bytes(input) : input;
  const parser = new MemcachedTextParser(options);
  const out: TextRequest[] = [];
  let at = 0;
  for (const size of chunkSizes) {
    parser.push(data.subarray(at, at + size));
    drainText(parser, out);
    at += size;
  }
  parser.push(data.subarray(at));
  drainText(parser, out);
  return out;
}

function parseOne(line: string, options?: TextParserOptions): TextRequest {
  const out = parseText(line, [], options);
  assert.is(out.length, 1, `one request from ${JSON.stringify(line)}, got ${JSON.stringify(out, replacer)}`);
  const request = out[0];
  if (request === undefined) throw new Error('unreachable');
  return request;
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/** The reply line an error request carries (null when silent). */
function replyOf(request: TextRequest): string | null {
  if (request.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(request, replacer)}`);
  return request.reply;
}

function metaFlags(overrides: Partial<MetaFlags>): MetaFlags {
  return {
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
    ...overrides,
  };
}

function parseMeta<K extends 'mg' | 'ms' | 'md' | 'ma'>(line: string, kind: K): Extract<TextRequest, { kind: K }> {
  const request = parseOne(line);
  if (request.kind !== kind) throw new Error(`expected ${kind} from ${line}, got ${JSON.stringify(request, replacer)}`);
  return request as Extract<TextRequest, { kind: K }>;
}

function binaryRequest(
  opcode: number,
  parts: { key?: string; extras?: Buffer; value?: string; opaque?: number; cas?: bigint; bodyLength?: number; magic?: number } = {},
): Buffer {
  const key = bytes(parts.key ?? '');
  const extras = parts.extras ?? Buffer.alloc(0);
  const value = bytes(parts.value ?? '');
  const header = encodeBinaryHeader({
    magic: parts.magic ?? BINARY_REQUEST_MAGIC,
    opcode,
    keyLength: key.length,
    extrasLength: extras.length,
    dataType: 0,
    vbucketOrStatus: 0,
    bodyLength: parts.bodyLength ?? extras.length + key.length + value.length,
    opaque: parts.opaque ?? 0,
    cas: parts.cas ?? 0n,
  });
  return Buffer.concat([header, extras, key, value]);
}

function setExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(flags, 0);
  extras.writeUInt32BE(exptime, 4);
  return extras;
}

function parseBinary(input: Buffer, chunkSizes: number[] = [], options?: BinaryParserOptions): BinaryParseResult[] {
  const parser = new MemcachedBinaryParser(options);
  const out: BinaryParseResult[] = [];
  const drain = (): void => {
    for (let result = parser.next(); result !== undefined; result = parser.next()) out.push(result);
  };
  let at = 0;
  for (const size of chunkSizes) {
    parser.push(input.subarray(at, at + size));
    drain();
    at += size;
  }
  parser.push(input.subarray(at));
  drain();
  return out;
}

interface DecodedResponse {
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: string;
  key: string;
  value: string;
}

function decodeResponses(wire: Buffer): DecodedResponse[] {
  const out: DecodedResponse[] = [];
  let at = 0;
  while (at < wire.length) {
    const header = decodeBinaryHeader(wire, at);
    assert.is(header.magic, BINARY_RESPONSE_MAGIC);
    const body = at + BINARY_HEADER_LENGTH;
    out.push({
      opcode: header.opcode,
      status: header.vbucketOrStatus,
      opaque: header.opaque,
      cas: header.cas,
      extras: wire.toString('latin1', body, body + header.extrasLength),
      key: wire.toString('latin1', body + header.extrasLength, body + header.extrasLength + header.keyLength),
      value: wire.toString('latin1', body + header.extrasLength + header.keyLength, body + header.bodyLength),
    });
    at = body + header.bodyLength;
  }
  return out;
}

function errorResponse(result: BinaryParseResult | undefined): { close: boolean; responses: DecodedResponse[] } {
  if (result === undefined || result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result, replacer)}`);
  return { close: result.close, responses: result.reply === null ? [] : decodeResponses(result.reply) };
}

// Deterministic pseudo-random chunkings.
function* randomChunkings(length: number, runs: number): Generator<number[]> {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let run = 0; run < runs; run++) {
    const sizes: number[] = [];
    let left = length;
    while (left > 0) {
      const size = Math.min(left, 1 + Math.floor(random() * 40));
      sizes.push(size);
      left -= size;
    }
    yield sizes;
  }
}

// ---------------------------------------------------------------------------------------------
// Text protocol: request forms.

test('storage commands', () => {
  assert.equal(parseOne('set k 5 10 3\r\nabc\r\n'), {
    kind: 'storage', command: 'set', key: 'k', flags: 5, exptime: 10, cas: 0n, noreply: false, value: 'abc',
  });
  for (const command of ['add', 'replace', 'append', 'prepend'] as const) {
    assert.equal(parseOne(`${command} key 0 -1 2 noreply\r\nxy\r\n`), {
      kind: 'storage', command, key: 'key', flags: 0, exptime: -1, cas: 0n, noreply: true, value: 'xy',
    });
  }
  assert.equal(parseOne('cas k 4294967295 0 1 18446744073709551615\r\nz\r\n'), {
    kind: 'storage', command: 'cas', key: 'k', flags: 4294967295, exptime: 0, cas: 18446744073709551615n, noreply: false, value: 'z',
  });
  assert.equal(parseOne('cas k 0 0 1 7 noreply\r\nz\r\n'), {
    kind: 'storage', command: 'cas', key: 'k', flags: 0, exptime: 0, cas: 7n, noreply: true, value: 'z',
  });
  // An empty value, and a binary one containing CR, LF and NUL.
  assert.equal((parseOne('set k 0 0 0\r\n\r\n') as { value: string }).value, '');
  const binary = 'a\r\nb\0\xff\n';
  assert.equal((parseOne(`set k 0 0 ${binary.length}\r\n${binary}\r\n`) as { value: string }).value, binary);
  // A last token other than noreply is ignored, as memcached does.
  assert.equal((parseOne('set k 0 0 1 whatever\r\na\r\n') as { noreply: boolean }).noreply, false);
});

test('numbers are read like memcached (C strtol/strtoul, then truncated to 32 bits)', () => {
  const set = (flags: string, exptime: string, length: string, data = 'a'): TextRequest =>
    parseOne(`set k ${flags} ${exptime} ${length}\r\n${data}\r\n`);
  assert.equal((set('4294967296', '0', '1') as { flags: number }).flags, 0);
  assert.equal((set('+5', '0', '1') as { flags: number }).flags, 5);
  assert.equal((set('-0', '0', '1') as { flags: number }).flags, 0);
  assert.equal((set('18446744073709551615', '0', '1') as { flags: number }).flags, 4294967295);
  assert.equal((set('-18446744073709551615', '0', '1') as { flags: number }).flags, 1);
  assert.equal((set('5\x0b', '0', '1') as { flags: number }).flags, 5);
  assert.equal((set('\x0b5', '0', '1') as { flags: number }).flags, 5);
  assert.equal((set('0', '4294967296', '1') as { exptime: number }).exptime, 0);
  assert.equal((set('0', '2147483648', '1') as { exptime: number }).exptime, -2147483648);
  assert.equal((set('0', '0', '4294967297') as { value: string }).value, 'a');
  assert.equal((set('0', '0', '00', '') as { value: string }).value, '');
  // A CR left inside the line ends the number like white space.
  assert.equal((parseOne('set k 0 0 1\r\r\na\r\n') as { value: string }).value, 'a');

  assert.is(parseCUint32('-1'), undefined);
  assert.is(parseCUint32('5x'), undefined);
  assert.is(parseCUint32(''), undefined);
  assert.is(parseCUint32('18446744073709551616'), undefined);
  assert.is(parseCUint64('18446744073709551615'), 18446744073709551615n);
  assert.is(parseCUint64('-1'), undefined);
  assert.is(parseCUint64('-9223372036854775808'), undefined);
  assert.is(parseCUint64('-9223372036854775807'), undefined);
  assert.is(parseCUint64('-18446744073709551615'), 1n);
  assert.is(parseCUint64(' 42'), 42n);
  assert.is(parseCInt32('-1'), -1);
  assert.is(parseCInt32('9223372036854775807'), -1);
  assert.is(parseCInt32('9223372036854775808'), undefined);
  assert.is(parseCInt32('-9223372036854775808'), 0);
  assert.is(parseCInt32('-'), undefined);
});

test('retrieval commands', () => {
  assert.equal(parseOne('get k\r\n'), { kind: 'get', command: 'get', keys: ['k'] });
  assert.equal(parseOne('gets a b  c \r\n'), { kind: 'get', command: 'gets', keys: ['a', 'b', 'c'] });
  assert.equal(parseOne('gat 100 a b\r\n'), { kind: 'get', command: 'gat', keys: ['a', 'b'], exptime: 100 });
  assert.equal(parseOne('gats -1 a\r\n'), { kind: 'get', command: 'gats', keys: ['a'], exptime: -1 });
  // gat with no key replies END in memcached: an empty key list.
  assert.equal(parseOne('gat 10\r\n'), { kind: 'get', command: 'gat', keys: [], exptime: 10 });
  assert.equal(parseOne('bget k\r\n'), { kind: 'get', command: 'get', keys: ['k'] });
  assert.equal(parseOne('   get k\r\n'), { kind: 'get', command: 'get', keys: ['k'] });
  const many = Array.from({ length: 100 }, (_, i) => `key${i}`);
  assert.equal(parseOne(`get ${many.join(' ')}\r\n`), { kind: 'get', command: 'get', keys: many });
  // Only spaces separate tokens: tabs and other control bytes are part of a key.
  assert.equal(parseOne('get a\tb c\x01d\r\n'), { kind: 'get', command: 'get', keys: ['a\tb', 'c\x01d'] });
  // memcached reads the line as a C string: a NUL ends it.
  assert.equal(parseOne('get a\0b\r\n'), { kind: 'get', command: 'get', keys: ['a'] });
  assert.equal(parseOne(`get ${'k'.repeat(250)}\r\n`), { kind: 'get', command: 'get', keys: ['k'.repeat(250)] });
  assert.equal(parseOne('get \xe9t\xe9\r\n'), { kind: 'get', command: 'get', keys: ['\xe9t\xe9'] });
});

test('bare LF line endings', () => {
  assert.equal(parseText('get k\nset k 0 0 1\na\r\ndelete k\n').map((r) => r.kind), ['get', 'storage', 'delete']);
});

test('touch, delete, incr/decr', () => {
  assert.equal(parseOne('touch k 10\r\n'), { kind: 'touch', key: 'k', exptime: 10, noreply: false });
  assert.equal(parseOne('touch k -5 noreply\r\n'), { kind: 'touch', key: 'k', exptime: -5, noreply: true });
  assert.equal(parseOne('delete k\r\n'), { kind: 'delete', key: 'k', noreply: false });
  assert.equal(parseOne('delete k 0\r\n'), { kind: 'delete', key: 'k', noreply: false });
  assert.equal(parseOne('delete k noreply\r\n'), { kind: 'delete', key: 'k', noreply: true });
  assert.equal(parseOne('delete k 0 noreply\r\n'), { kind: 'delete', key: 'k', noreply: true });
  assert.equal(parseOne('delete noreply\r\n'), { kind: 'delete', key: 'noreply', noreply: false });
  assert.equal(parseOne('incr k 1\r\n'), { kind: 'arithmetic', command: 'incr', key: 'k', delta: 1n, noreply: false });
  assert.equal(parseOne('decr k 18446744073709551615 noreply\r\n'), {
    kind: 'arithmetic', command: 'decr', key: 'k', delta: 18446744073709551615n, noreply: true,
  });
  assert.equal(parseOne('incr k 1 2\r\n'), { kind: 'arithmetic', command: 'incr', key: 'k', delta: 1n, noreply: false });
});

test('flush_all, version, verbosity, quit, stats', () => {
  assert.equal(parseOne('flush_all\r\n'), { kind: 'flush_all', delay: 0, noreply: false });
  assert.equal(parseOne('flush_all 30\r\n'), { kind: 'flush_all', delay: 30, noreply: false });
  assert.equal(parseOne('flush_all noreply\r\n'), { kind: 'flush_all', delay: 0, noreply: true });
  assert.equal(parseOne('flush_all 10 noreply\r\n'), { kind: 'flush_all', delay: 10, noreply: true });
  assert.equal(parseOne('flush_all 0 foo\r\n'), { kind: 'flush_all', delay: 0, noreply: false });
  assert.equal(parseOne('flush_all -5\r\n'), { kind: 'flush_all', delay: -5, noreply: false });
  assert.equal(parseOne('version\r\n'), { kind: 'version' });
  assert.equal(parseOne('version extra\r\n'), { kind: 'version' });
  assert.equal(parseOne('verbosity 1\r\n'), { kind: 'verbosity', level: 1, noreply: false });
  assert.equal(parseOne('verbosity 1 noreply\r\n'), { kind: 'verbosity', level: 1, noreply: true });
  assert.equal(parseOne('verbosity 1 2\r\n'), { kind: 'verbosity', level: 1, noreply: false });
  assert.equal(parseOne('quit\r\n'), { kind: 'quit' });
  assert.equal(parseOne('stats\r\n'), { kind: 'stats', args: [] });
  assert.equal(parseOne('stats items\r\n'), { kind: 'stats', args: ['items'] });
  assert.equal(parseOne('stats detail on\r\n'), { kind: 'stats', args: ['detail', 'on'] });
});

test('meta commands', () => {
  assert.equal(parseOne('mn\r\n'), { kind: 'mn' });
  assert.equal(parseOne('me k\r\n'), { kind: 'me', key: 'k', base64Key: false });
  assert.equal(parseOne('me YWJj b\r\n'), { kind: 'me', key: 'abc', base64Key: true });

  const get = parseMeta('mg k v t f c k s q O123 T30 N40 R5 h l u\r\n', 'mg');
  assert.is(get.key, 'k');
  assert.equal(get.flags, metaFlags({
    order: 'vtfcksqOTNRhlu',
    returnValue: true, returnTtl: true, returnClientFlags: true, returnCas: true, returnKey: true, returnSize: true,
    quiet: true, opaque: 'O123', ttl: 30, vivifyTtl: 40, recacheTtl: 5, returnHit: true, returnLastAccess: true, noLruBump: true,
  }));
  assert.equal(parseMeta('mg k\r\n', 'mg').flags, metaFlags({}));
  assert.equal(parseMeta('mg AAEC b k\r\n', 'mg').key, '\x00\x01\x02');

  const set = parseMeta('ms k 3 T0 F5 c k O1 C99 I E7 MA\r\nabc\r\n', 'ms');
  assert.equal(set, {
    kind: 'ms', key: 'k', mode: 'append', value: 'abc',
    flags: metaFlags({ order: 'TFckOCIEM', ttl: 0, clientFlags: 5, returnCas: true, returnKey: true, opaque: 'O1', compareCas: 99n, invalidate: true, newCas: 7n, mode: 'A' }),
  });
  assert.is(parseMeta('ms k 1\r\na\r\n', 'ms').mode, 'set');
  for (const [letter, mode] of [['E', 'add'], ['A', 'append'], ['P', 'prepend'], ['R', 'replace'], ['S', 'set']] as const) {
    assert.is(parseMeta(`ms k 1 M${letter}\r\na\r\n`, 'ms').mode, mode);
  }
  assert.is(parseMeta('ms YWJj 1 b\r\na\r\n', 'ms').key, 'abc');

  assert.equal(parseMeta('md k q C5 I T30 k O9\r\n', 'md'), {
    kind: 'md', key: 'k',
    flags: metaFlags({ order: 'qCITkO', quiet: true, compareCas: 5n, invalidate: true, ttl: 30, returnKey: true, opaque: 'O9' }),
  });

  const arith = parseMeta('ma k\r\n', 'ma');
  assert.equal([arith.mode, arith.delta, arith.initial], ['incr', 1n, 0n]);
  const decr = parseMeta('ma k MD D5 J10 N0 v\r\n', 'ma');
  assert.equal([decr.mode, decr.delta, decr.initial, decr.flags.vivifyTtl], ['decr', 5n, 10n, 0]);
  for (const [letter, mode] of [['I', 'incr'], ['+', 'incr'], ['D', 'decr'], ['-', 'decr']] as const) {
    assert.is(parseMeta(`ma k M${letter}\r\n`, 'ma').mode, mode);
  }
  // memcached counts command, key and a terminal token against 20: 17 flags fit mg, 16 fit ms.
  assert.is(parseOne('mg k c f h k l q s t u v I L O P T1 N1 R1\r\n').kind, 'mg');
  assert.equal(replyOf(parseOne('mg k c f h k l q s t u v I L O P T1 N1 R1 C1\r\n')), 'CLIENT_ERROR options flags are too long\r\n');
  assert.is(parseOne('ms k 1 c f h k l s t u v C1 I L O P T1 N1\r\na\r\n').kind, 'ms');
});

test('memcached base64', () => {
  assert.is(decodeMemcachedBase64('YQ=='), 'a');
  assert.is(decodeMemcachedBase64('YWJj'), 'abc');
  assert.is(decodeMemcachedBase64('YQ==YQ=='), 'a');
  assert.is(decodeMemcachedBase64('Y!Q=!='), 'a');
  assert.is(decodeMemcachedBase64('YQ'), undefined);
  assert.is(decodeMemcachedBase64('YQ='), undefined);
  assert.is(decodeMemcachedBase64('!!!!'), undefined);
  assert.is(decodeMemcachedBase64('A==='), undefined);
  assert.is(decodeMemcachedBase64('/+8A'), '\xff\xef\x00');
});

// ---------------------------------------------------------------------------------------------
// Text protocol: errors, each checked against memcached 1.6.18.

test('error replies', () => {
  const cases: Array<[string, Array<string | null>]> = [
    ['\r\n', ['ERROR\r\n']],
    ['\n', ['ERROR\r\n']],
    [' \r\n', ['ERROR\r\n']],
    ['\0get k\r\n', ['ERROR\r\n']],
    ['x\r\n', ['ERROR\r\n']],
    ['GET k\r\n', ['ERROR\r\n']],
    ['bogus\r\n', ['ERROR\r\n']],
    ['get\r\n', ['ERROR\r\n']],
    ['gat\r\n', ['ERROR\r\n']],
    ['set k 0 0\r\n', ['ERROR\r\n']],
    ['set k 0 0 1 noreply x\r\n', ['ERROR\r\n']],
    ['set k\t0 0 3\r\nabc\r\n', ['ERROR\r\n', 'ERROR\r\n']],
    ['set k 0 0 \r\n\r\n', ['ERROR\r\n', 'ERROR\r\n']],
    ['cas k 0 0 1\r\na\r\n', ['ERROR\r\n', 'ERROR\r\n']],
    ['set k -1 0 1\r\na\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['set k 5x 0 1\r\na\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['set k 18446744073709551616 0 1\r\na\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['set k 0 0 -1\r\nxx\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['set k 0 0 2147483646\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['cas k 0 0 1 abc\r\na\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['cas k 0 0 1 -1\r\na\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    [`set ${'k'.repeat(251)} 0 0 1\r\na\r\n`, ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    [`set ${'k'.repeat(251)} 0 0 1 noreply\r\na\r\n`, [null, 'ERROR\r\n']],
    ['set k 0 0 abc noreply\r\na\r\n', [null, 'ERROR\r\n']],
    ['set k 0 0 noreply\r\na\r\n', [null, 'ERROR\r\n']],
    ['set k 0 0 3\r\nabcde\r\n', ['CLIENT_ERROR bad data chunk\r\n', 'ERROR\r\n']],
    ['set k 0 0 3 noreply\r\nabcde\r\n', [null, 'ERROR\r\n']],
    ['set k 0 0 1\r\nab\n', ['CLIENT_ERROR bad data chunk\r\n']],
    ['set k 0 0 1\r\na\nx\r\n', ['CLIENT_ERROR bad data chunk\r\n', 'ERROR\r\n']],
    [`get ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    [`get k ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    ['gat abc k\r\n', ['CLIENT_ERROR invalid exptime argument\r\n']],
    [`gat abc ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR invalid exptime argument\r\n']],
    ['touch k\r\n', ['ERROR\r\n']],
    ['touch k abc\r\n', ['CLIENT_ERROR invalid exptime argument\r\n']],
    ['touch k abc noreply\r\n', [null]],
    [`touch ${'k'.repeat(251)} 1\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    ['delete\r\n', ['ERROR\r\n']],
    ['delete a b c d\r\n', ['ERROR\r\n']],
    ['delete k 5\r\n', ['CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n']],
    ['delete k 0 0\r\n', ['CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n']],
    ['delete k noreply 0\r\n', ['CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n']],
    ['delete k 5 noreply\r\n', [null]],
    [`delete ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    [`delete ${'k'.repeat(251)} 0\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    [`delete ${'k'.repeat(251)} noreply\r\n`, [null]],
    ['incr k\r\n', ['ERROR\r\n']],
    ['incr k -1\r\n', ['CLIENT_ERROR invalid numeric delta argument\r\n']],
    ['incr k 18446744073709551616\r\n', ['CLIENT_ERROR invalid numeric delta argument\r\n']],
    ['decr k abc noreply\r\n', [null]],
    [`incr ${'k'.repeat(251)} 1\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    ['verbosity\r\n', ['ERROR\r\n']],
    ['verbosity 1 2 3\r\n', ['ERROR\r\n']],
    ['verbosity x\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['verbosity noreply\r\n', [null]],
    ['flush_all foo\r\n', ['CLIENT_ERROR invalid exptime argument\r\n']],
    ['flush_all noreply 5\r\n', ['CLIENT_ERROR invalid exptime argument\r\n']],
    ['flush_all 1 2 3\r\n', ['ERROR\r\n']],
    ['mx\r\n', ['ERROR\r\n']],
    ['m\r\n', ['ERROR\r\n']],
    ['mg\r\n', ['ERROR\r\n']],
    ['ms\r\n', ['ERROR\r\n']],
    ['md\r\n', ['ERROR\r\n']],
    ['ma\r\n', ['ERROR\r\n']],
    ['me\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['me a b\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    [`me ${'k'.repeat(251)}\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    [`mg ${'k'.repeat(251)} v\r\n`, ['CLIENT_ERROR bad command line format\r\n']],
    [`mg k ${'v '.repeat(20)}\r\n`, ['CLIENT_ERROR options flags are too long\r\n']],
    ['mg k v v\r\n', ['CLIENT_ERROR duplicate flag\r\n']],
    ['mg k \x80\r\n', ['CLIENT_ERROR duplicate flag\r\n']],
    ['mg k Z\r\n', ['CLIENT_ERROR invalid flag\r\n']],
    ['mg k v xx\r\n', ['CLIENT_ERROR invalid flag\r\n']],
    ['mg k S5\r\n', ['CLIENT_ERROR invalid flag\r\n']],
    ['mg YQ b v\r\n', ['CLIENT_ERROR error decoding key\r\n']],
    ['mg k T\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k Tx\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k N\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k R\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k C\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k E-1\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k F\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['mg k M\r\n', ['CLIENT_ERROR incorrect length for M token\r\n']],
    ['mg k J\r\n', ['CLIENT_ERROR invalid numeric initial value\r\n']],
    ['mg k D\r\n', ['CLIENT_ERROR invalid numeric delta value\r\n']],
    ['mg k Tx Mxx\r\n', ['CLIENT_ERROR incorrect length for M token\r\n']],
    ['mg k Mxx Tx\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k Tx F\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['mg k Tx v v\r\n', ['CLIENT_ERROR duplicate flag\r\n']],
    [`mg k O${'1'.repeat(32)}\r\n`, ['CLIENT_ERROR opaque token too long\r\n']],
    ['ms k\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['ms k abc\r\nxyz\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    ['ms k -1\r\nxyz\r\n', ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    [`ms ${'k'.repeat(251)} 3\r\nxyz\r\n`, ['CLIENT_ERROR bad command line format\r\n', 'ERROR\r\n']],
    [`ms k 3 ${'c '.repeat(18)}\r\nxyz\r\n`, ['CLIENT_ERROR options flags too long\r\n', 'ERROR\r\n']],
    ['ms k 3 c f h k l q s t u v C1 I L O P T1 N1\r\nxyz\r\n', ['CLIENT_ERROR options flags too long\r\n', 'ERROR\r\n']],
    // Errors found once the data length is known discard the data block.
    ['ms k 3 Mx\r\nxyz\r\n', ['CLIENT_ERROR invalid mode for ms M token\r\n']],
    ['ms k 3 Ms\r\nxyz\r\n', ['CLIENT_ERROR invalid mode for ms M token\r\n']],
    ['ms k 3 MSS\r\nxyz\r\n', ['CLIENT_ERROR incorrect length for M token\r\n']],
    [`ms k 3 O${'1'.repeat(40)} Mx\r\nxyz\r\n`, ['CLIENT_ERROR invalid mode for ms M token\r\n']],
    [`ms k 3 O${'1'.repeat(40)}\r\nxyz\r\n`, ['CLIENT_ERROR opaque token too long\r\n']],
    ['ms k 3 T1 F-1\r\nxyz\r\n', ['CLIENT_ERROR bad command line format\r\n']],
    ['ms k 3 Tx F-1\r\nxyz\r\n', ['CLIENT_ERROR bad token in command line format\r\n']],
    ['ms k 3 c k b\r\nxyz\r\n', ['CLIENT_ERROR error decoding key\r\n']],
    ['ms k 3 v v\r\nxyz\r\n', ['CLIENT_ERROR duplicate flag\r\n']],
    ['ms k 3 Z\r\nxyz\r\n', ['CLIENT_ERROR invalid flag\r\n']],
    ['ms k 3 q\r\nxyzab\r\n', ['CLIENT_ERROR bad data chunk\r\n', 'ERROR\r\n']],
    ['md k Z\r\n', ['CLIENT_ERROR invalid or duplicate flag\r\n']],
    ['md k Tx\r\n', ['CLIENT_ERROR invalid or duplicate flag\r\n']],
    [`md k O${'1'.repeat(32)}\r\n`, ['CLIENT_ERROR opaque token too long\r\n']],
    [`md k ${'q '.repeat(18)}\r\n`, ['CLIENT_ERROR options flags too long\r\n']],
    ['ma k D-1\r\n', ['CLIENT_ERROR invalid or duplicate flag\r\n']],
    ['ma k D18446744073709551616\r\n', ['CLIENT_ERROR invalid or duplicate flag\r\n']],
    ['ma k Mi\r\n', ['CLIENT_ERROR invalid mode for ma M token\r\n']],
    ['ma k Mx\r\n', ['CLIENT_ERROR invalid mode for ma M token\r\n']],
  ];
  for (const [input, replies] of cases) {
    const results = parseText(input);
    assert.equal(results.map(replyOf), replies, JSON.stringify(input));
    for (const result of results) assert.is((result as { close: boolean }).close, false);
  }
});

test('oversize values are discarded whole, then SERVER_ERROR', () => {
  // For key "k" and flags 0 memcached's 1 MiB limit leaves room for 1048516 value bytes.
  assert.is(itemFits(1, 0, 1048516, 1048576), true);
  assert.is(itemFits(1, 0, 1048517, 1048576), false);
  assert.is(itemFits(1, 1, 1048512, 1048576), true);
  assert.is(itemFits(1, 1, 1048513, 1048576), false);
  assert.is(itemFits(10, 0, 1048507, 1048576), true);
  assert.is(itemFits(10, 0, 1048508, 1048576), false);

  const ok = 'x'.repeat(1048516);
  assert.is((parseOne(`set k 0 0 ${ok.length}\r\n${ok}\r\n`) as { value: string }).value.length, ok.length);

  const big = 'x'.repeat(2_000_000);
  const input = `set k 0 0 ${big.length}\r\n${big}\r\nget k\r\n`;
  const expected = [
    { kind: 'error', reply: 'SERVER_ERROR object too large for cache\r\n', close: false },
    { kind: 'get', command: 'get', keys: ['k'] },
  ];
  assert.equal(parseText(input), expected);
  assert.equal(parseText(input, Array.from({ length: 200 }, () => 10_007)), expected);
  // Nothing is reported until the whole block has arrived, as with memcached.
  const parser = new MemcachedTextParser();
  parser.push(bytes(`set k 0 0 ${big.length}\r\n${big.slice(0, 1000)}`));
  assert.is(parser.next(), undefined);

  assert.equal(parseText(`set k 0 0 ${big.length} noreply\r\n${big}\r\nmn\r\n`), [
    { kind: 'error', reply: null, close: false },
    { kind: 'mn' },
  ]);
  // Meta sets report it even under q.
  assert.equal(parseText(`ms k ${big.length} q T0\r\n${big}\r\nmn\r\n`), [
    { kind: 'error', reply: 'SERVER_ERROR object too large for cache\r\n', close: false },
    { kind: 'mn' },
  ]);
  // The limit is an option.
  assert.equal(parseText('set k 0 0 1000\r\n' + 'y'.repeat(1000) + '\r\n', [], { itemSizeMax: 1024 }).map(replyOf), [
    'SERVER_ERROR object too large for cache\r\n',
  ]);
  assert.is(parseText('set k 0 0 900\r\n' + 'y'.repeat(900) + '\r\n', [], { itemSizeMax: 1024 })[0]?.kind, 'storage');
  // A block claiming 2 GB is skipped, not kept.
  const huge = new MemcachedTextParser();
  huge.push(bytes('set k 0 0 2147483645\r\n'));
  assert.is(huge.next(), undefined);
  for (let i = 0; i < 10; i++) {
    huge.push(Buffer.alloc(1 << 20, 0x61));
    assert.is(huge.next(), undefined);
  }
});

test('long lines: memcached drops the connection past 2048 bytes unless it is a get/gets', () => {
  const dropped = [{ kind: 'error', reply: null, close: true }];
  assert.equal(parseText(`set ${'k'.repeat(3000)}`), dropped);
  assert.equal(parseText(`set ${'k'.repeat(3000)}\r\n`), dropped);
  assert.equal(parseText(`foo ${'k'.repeat(2044)}\r\n`).map(replyOf), ['ERROR\r\n']);
  assert.equal(parseText(`foo ${'k'.repeat(2044)}\r\n`, [2048, 1]).map(replyOf), ['ERROR\r\n']);
  assert.equal(parseText(`foo ${'k'.repeat(2045)}\n`), dropped);
  assert.equal(parseText(`gat 0 ${'k '.repeat(3000)}\r\n`), dropped);
  assert.equal(parseText(`${' '.repeat(101)}get ${'k '.repeat(3000)}\r\n`), dropped);
  // After dropping, nothing else is parsed.
  const parser = new MemcachedTextParser();
  parser.push(bytes('x'.repeat(3000)));
  assert.equal(parser.next(), { kind: 'error', reply: null, close: true });
  parser.push(bytes('\r\nversion\r\n'));
  assert.is(parser.next(), undefined);

  const keys = Array.from({ length: 3000 }, () => 'k');
  assert.equal(parseText(`get ${keys.join(' ')}\r\n`), [{ kind: 'get', command: 'get', keys }]);
  assert.equal(parseText(`${' '.repeat(100)}gets ${keys.join(' ')}\r\n`, [1, 1, 200, 5000]), [{ kind: 'get', command: 'gets', keys }]);
  assert.equal(parseText(`get ${'k'.repeat(3000)}\r\n`).map(replyOf), ['CLIENT_ERROR bad command line format\r\n']);
  // Our own bound on get lines.
  assert.equal(parseText(`get ${'k '.repeat(10_000)}\r\n`, [], { maxMultigetLineLength: 8192 }), dropped);
  const bounded = new MemcachedTextParser({ maxMultigetLineLength: 8192 });
  bounded.push(bytes('get '));
  for (let i = 0; i < 5000; i++) {
    bounded.push(bytes('k '));
    const result = bounded.next();
    if (result !== undefined) {
      assert.equal(result, { kind: 'error', reply: null, close: true });
      assert.ok(i > 2000);
      return;
    }
  }
  assert.unreachable('the get line was never cut off');
});

// ---------------------------------------------------------------------------------------------
// Chunking: the same requests whatever the reads look like.

const CORPUS = [
  'set k 5 10 3\r\nabc\r\n',
  'add k2 0 0 5 noreply\r\nhello\r\n',
  'replace k 0 0 0\r\n\r\n',
  'append k 0 0 2\r\n\r\n\r\n',
  'prepend k 0 0 1\na\r\n',
  'cas k 1 2 3 42\r\nxyz\r\n',
  'get a b c\r\n',
  'gets k\n',
  'gat 10 k\r\n',
  'gats 10 k k2\r\n',
  'touch k 5 noreply\r\n',
  'delete k 0\r\n',
  'delete k noreply\r\n',
  'incr k 18446744073709551615\r\n',
  'decr k 1 noreply\r\n',
  'flush_all 0 noreply\r\n',
  'version\r\n',
  'verbosity 1\r\n',
  'stats slabs\r\n',
  'mn\r\n',
  'me k\r\n',
  'mg k v c f k s t O123 q\r\n',
  'ms k 5 T0 F3 c MS\r\nhello\r\n',
  'ms YWJj 2 b k\r\nhi\r\n',
  'md k q\r\n',
  'ma k N0 J10 MD D2 v\r\n',
  '\r\n',
  'bogus command\r\n',
  'set k 0 0 3\r\nabcde\r\n',
  'set k 0 0 -1\r\n',
  `set k 0 0 1100000\r\n${'z'.repeat(1_100_000)}\r\n`,
  `ms k 1100000 q\r\n${'z'.repeat(1_100_000)}\r\n`,
  'ms k 3 Mx\r\nxyz\r\n',
  'ms k 3 q\r\nabc\n\r\n',
  `get ${'k '.repeat(1500)}\r\n`,
  'mg k Z\r\n',
  'quit\r\n',
].join('');

test('split at every byte: same requests for every two-chunk split and for byte-at-a-time feeding', () => {
  const input = bytes(CORPUS);
  const expected = JSON.stringify(parseText(input), replacer);
  assert.ok(parseText(input).length > 35);
  const oneByte = new MemcachedTextParser();
  const out: TextRequest[] = [];
  for (let i = 0; i < input.length; i++) {
    oneByte.push(input.subarray(i, i + 1));
    drainText(oneByte, out);
  }
  assert.is(JSON.stringify(out, replacer), expected, 'byte at a time');
  // Every split point, on the corpus without its two large blocks to keep this quick.
  const small = bytes(CORPUS.replace(/set k 0 0 1100000[^]*?ms k 3 Mx/, 'ms k 3 Mx'));
  const smallExpected = JSON.stringify(parseText(small), replacer);
  for (let split = 0; split <= small.length; split++) {
    assert.is(JSON.stringify(parseText(small, [split]), replacer), smallExpected, `split at ${split}`);
  }
  for (const sizes of randomChunkings(input.length, 5)) {
    assert.is(JSON.stringify(parseText(input, sizes), replacer), expected);
  }
});

// ---------------------------------------------------------------------------------------------
// Replies.

test('text replies', () => {
  assert.is(renderValue('k', 5, 'abc'), 'VALUE k 5 3\r\nabc\r\n');
  assert.is(renderValue('k', 0, 'a\r\nb', 42n), 'VALUE k 0 4 42\r\na\r\nb\r\n');
  assert.is(renderValue('k', 4294967295, ''), 'VALUE k 4294967295 0\r\n\r\n');
  assert.is(END_REPLY, 'END\r\n');
  const words: Array<[StorageResult, string]> = [
    [StorageResult.STORED, 'STORED\r\n'],
    [StorageResult.NOT_STORED, 'NOT_STORED\r\n'],
    [StorageResult.EXISTS, 'EXISTS\r\n'],
    [StorageResult.NOT_FOUND, 'NOT_FOUND\r\n'],
    [StorageResult.DELETED, 'DELETED\r\n'],
    [StorageResult.TOUCHED, 'TOUCHED\r\n'],
  ];
  for (const [result, line] of words) assert.is(renderStorageResult(result), line);
  assert.is(renderCounter(18446744073709551615n), '18446744073709551615\r\n');
  assert.is(renderVersion('1.6.18'), 'VERSION 1.6.18\r\n');
  assert.is(renderStats([['pid', 1], ['version', '1.6.18'], ['cas', 5n]]), 'STAT pid 1\r\nSTAT version 1.6.18\r\nSTAT cas 5\r\nEND\r\n');
  assert.is(renderStats([]), 'END\r\n');
  assert.is(renderClientError('cannot increment or decrement non-numeric value'), 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
  assert.is(renderServerError('out of memory storing object'), 'SERVER_ERROR out of memory storing object\r\n');
});

test('meta replies (formats observed on memcached 1.6.18)', () => {
  const item = { value: 'abc', clientFlags: 5, cas: 36n, ttl: -1, lastAccess: 2, fetched: true };
  const get = (line: string): MetaGetRequest => parseMeta(line, 'mg');
  assert.is(renderMetaGet(get('mg mk v c f k s t O9\r\n'), item), 'VA 3 c36 f5 kmk s3 t-1 O9\r\nabc\r\n');
  assert.is(renderMetaGet(get('mg mk\r\n'), item), 'HD\r\n');
  assert.is(renderMetaGet(get('mg mk q\r\n'), item), 'HD\r\n');
  assert.is(renderMetaGet(get('mg mk q v\r\n'), item), 'VA 3\r\nabc\r\n');
  assert.is(renderMetaGet(get('mg mk h l O\r\n'), { ...item, fetched: false }), 'HD h0 l2 O\r\n');
  assert.is(renderMetaGet(get('mg mk c\r\n'), { ...item, tokenSent: true, stale: true, won: true }), 'HD c36 Z X W\r\n');
  assert.is(renderMetaGet(get('mg YWJj b k v\r\n'), item), 'VA 3 kYWJj b\r\nabc\r\n');
  assert.is(renderMetaGet(get('mg nokey\r\n'), undefined), 'EN\r\n');
  assert.is(renderMetaGet(get('mg nokey v k O1\r\n'), undefined), 'EN knokey O1\r\n');
  assert.is(renderMetaGet(get('mg AAEC b v k\r\n'), undefined), 'EN kAAEC b\r\n');
  assert.is(renderMetaGet(get('mg nokey q v k O1\r\n'), undefined), null);

  const set = (line: string): MetaSetRequest => parseMeta(`${line}\r\nabc\r\n`, 'ms');
  assert.is(renderMetaSet(set('ms mk 3 T0 F5 c k O123'), StorageResult.STORED, 36n), 'HD c36 kmk O123\r\n');
  assert.is(renderMetaSet(set('ms mk 3 q'), StorageResult.STORED, 1n), null);
  assert.is(renderMetaSet(set('ms mk 3 q ME'), StorageResult.NOT_STORED, 0n), 'NS\r\n');
  assert.is(renderMetaSet(set('ms k 3 c k O C1'), StorageResult.NOT_FOUND, 0n), 'NF c0 kk O\r\n');
  assert.is(renderMetaSet(set('ms k 3 C1'), StorageResult.EXISTS, 0n), 'EX\r\n');

  const del = (line: string): MetaDeleteRequest => parseMeta(line, 'md');
  assert.is(renderMetaDelete(del('md mk q\r\n'), StorageResult.DELETED), null);
  assert.is(renderMetaDelete(del('md mk\r\n'), StorageResult.DELETED), 'HD\r\n');
  assert.is(renderMetaDelete(del('md nokey q\r\n'), StorageResult.NOT_FOUND), 'NF\r\n');
  assert.is(renderMetaDelete(del('md nox k O\r\n'), StorageResult.NOT_FOUND), 'NF knox O\r\n');
  assert.is(renderMetaDelete(del('md k C1\r\n'), StorageResult.EXISTS), 'EX\r\n');

  const arith = (line: string): MetaArithmeticRequest => parseMeta(line, 'ma');
  const counter = { value: 10n, cas: 7n, ttl: -1, created: false };
  assert.is(renderMetaArithmetic(arith('ma cnt v\r\n'), counter), 'VA 2\r\n10\r\n');
  assert.is(renderMetaArithmetic(arith('ma cnt\r\n'), counter), 'HD\r\n');
  assert.is(renderMetaArithmetic(arith('ma cnt t c O5 k v\r\n'), counter), 'VA 2 t-1 c7 O5 kcnt\r\n10\r\n');
  assert.is(renderMetaArithmetic(arith('ma cnt q D5 MD\r\n'), counter), null);
  assert.is(renderMetaArithmetic(arith('ma cnt q N0 v\r\n'), { ...counter, created: true }), 'VA 2\r\n10\r\n');
  assert.is(renderMetaArithmetic(arith('ma nocnt q\r\n'), StorageResult.NOT_FOUND), 'NF\r\n');
  assert.is(renderMetaArithmetic(arith('ma nocnt k\r\n'), StorageResult.NOT_FOUND), 'NF knocnt\r\n');
  assert.is(renderMetaArithmetic(arith('ma cnt C1\r\n'), StorageResult.EXISTS), 'EX\r\n');

  const debug = parseOne('me mk\r\n');
  if (debug.kind !== 'me') throw new Error('expected me');
  assert.is(
    renderMetaDebug(debug, { exp: -1, la: 0, cas: 37n, fetched: true, cls: 1, size: 64 }),
    'ME mk exp=-1 la=0 cas=37 fetch=yes cls=1 size=64\r\n',
  );
  assert.is(renderMetaDebug(debug, undefined), 'EN\r\n');
  const debug64 = parseOne('me YQ== b\r\n');
  if (debug64.kind !== 'me') throw new Error('expected me');
  assert.is(renderMetaDebug(debug64, { exp: -5, la: 1, cas: 1n, fetched: false, cls: 1, size: 61 }), 'ME YQ== exp=-5 la=1 cas=1 fetch=no cls=1 size=61\r\n');
});

// ---------------------------------------------------------------------------------------------
// Binary protocol.

test('protocol detection from the first byte', () => {
  assert.is(detectMemcachedProtocol(0x80), 'binary');
  assert.is(detectMemcachedProtocol(0x81), 'text');
  assert.is(detectMemcachedProtocol('g'.charCodeAt(0)), 'text');
});

test('binary header round trip', () => {
  const setHeader = { magic: 0x80, opcode: 0x01, keyLength: 3, extrasLength: 8, dataType: 0, vbucketOrStatus: 0, bodyLength: 16, opaque: 0xdeadbeef, cas: 0xffffffffffffffffn };
  const headers = [
    setHeader,
    { magic: 0x81, opcode: 0x24, keyLength: 0xffff, extrasLength: 0xff, dataType: 1, vbucketOrStatus: 0x82, bodyLength: 0xffffffff, opaque: 0, cas: 1n },
  ];
  for (const header of headers) {
    const encoded = encodeBinaryHeader(header);
    assert.is(encoded.length, 24);
    assert.equal(decodeBinaryHeader(encoded), header);
    assert.equal(decodeBinaryHeader(Buffer.concat([Buffer.from('xx'), encoded]), 2), header);
  }
  // Byte layout: magic, opcode, key length, extras length, data type, vbucket, body, opaque, cas.
  assert.is(encodeBinaryHeader(setHeader).toString('hex'), '80' + '01' + '0003' + '08' + '00' + '0000' + '00000010' + 'deadbeef' + 'ffffffffffffffff');
});

test('binary requests', () => {
  const extras = setExtras(5, 100);
  const cases: Array<[Buffer, BinaryRequest]> = [
    [binaryRequest(BinaryOpcode.Get, { key: 'k', opaque: 7 }), { kind: 'request', opcode: 0, quiet: false, opaque: 7, cas: 0n, command: 'get', key: 'k' }],
    [binaryRequest(BinaryOpcode.GetQ, { key: 'k' }), { kind: 'request', opcode: 0x09, quiet: true, opaque: 0, cas: 0n, command: 'get', key: 'k' }],
    [binaryRequest(BinaryOpcode.GetK, { key: 'k' }), { kind: 'request', opcode: 0x0c, quiet: false, opaque: 0, cas: 0n, command: 'getk', key: 'k' }],
    [binaryRequest(BinaryOpcode.GetKQ, { key: 'k' }), { kind: 'request', opcode: 0x0d, quiet: true, opaque: 0, cas: 0n, command: 'getk', key: 'k' }],
    [binaryRequest(BinaryOpcode.Set, { key: 'k', extras, value: 'v\0\xff', cas: 9n }), {
      kind: 'request', opcode: 1, quiet: false, opaque: 0, cas: 9n, command: 'set', key: 'k', value: 'v\0\xff', flags: 5, exptime: 100,
    }],
    [binaryRequest(BinaryOpcode.SetQ, { key: 'k', extras, value: '' }), {
      kind: 'request', opcode: 0x11, quiet: true, opaque: 0, cas: 0n, command: 'set', key: 'k', value: '', flags: 5, exptime: 100,
    }],
    [binaryRequest(BinaryOpcode.AddQ, { key: 'k', extras, value: 'v' }), {
      kind: 'request', opcode: 0x12, quiet: true, opaque: 0, cas: 0n, command: 'add', key: 'k', value: 'v', flags: 5, exptime: 100,
    }],
    [binaryRequest(BinaryOpcode.ReplaceQ, { key: 'k', extras, value: 'v' }), {
      kind: 'request', opcode: 0x13, quiet: true, opaque: 0, cas: 0n, command: 'replace', key: 'k', value: 'v', flags: 5, exptime: 100,
    }],
    [binaryRequest(BinaryOpcode.AppendQ, { key: 'k', value: 'tail' }), {
      kind: 'request', opcode: 0x19, quiet: true, opaque: 0, cas: 0n, command: 'append', key: 'k', value: 'tail',
    }],
    [binaryRequest(BinaryOpcode.PrependQ, { key: 'k', value: 'head' }), {
      kind: 'request', opcode: 0x1a, quiet: true, opaque: 0, cas: 0n, command: 'prepend', key: 'k', value: 'head',
    }],
    [binaryRequest(BinaryOpcode.DeleteQ, { key: 'k', cas: 3n }), { kind: 'request', opcode: 0x14, quiet: true, opaque: 0, cas: 3n, command: 'delete', key: 'k' }],
    [binaryRequest(BinaryOpcode.IncrementQ, { key: 'c', extras: Buffer.concat([binaryCounterValue(18446744073709551615n), binaryCounterValue(10n), binaryFlagsExtras(0xffffffff)]) }), {
      kind: 'request', opcode: 0x15, quiet: true, opaque: 0, cas: 0n, command: 'increment', key: 'c', delta: 18446744073709551615n, initial: 10n, exptime: 0xffffffff,
    }],
    [binaryRequest(BinaryOpcode.DecrementQ, { key: 'c', extras: Buffer.alloc(20) }), {
      kind: 'request', opcode: 0x16, quiet: true, opaque: 0, cas: 0n, command: 'decrement', key: 'c', delta: 0n, initial: 0n, exptime: 0,
    }],
    [binaryRequest(BinaryOpcode.QuitQ), { kind: 'request', opcode: 0x17, quiet: true, opaque: 0, cas: 0n, command: 'quit' }],
    [binaryRequest(BinaryOpcode.FlushQ), { kind: 'request', opcode: 0x18, quiet: true, opaque: 0, cas: 0n, command: 'flush', delay: 0 }],
    [binaryRequest(BinaryOpcode.Flush, { extras: binaryFlagsExtras(60) }), { kind: 'request', opcode: 0x08, quiet: false, opaque: 0, cas: 0n, command: 'flush', delay: 60 }],
    [binaryRequest(BinaryOpcode.Noop, { opaque: 4 }), { kind: 'request', opcode: 0x0a, quiet: false, opaque: 4, cas: 0n, command: 'noop' }],
    [binaryRequest(BinaryOpcode.Version), { kind: 'request', opcode: 0x0b, quiet: false, opaque: 0, cas: 0n, command: 'version' }],
    [binaryRequest(BinaryOpcode.Stat), { kind: 'request', opcode: 0x10, quiet: false, opaque: 0, cas: 0n, command: 'stat', group: '' }],
    [binaryRequest(BinaryOpcode.Stat, { key: 'settings' }), { kind: 'request', opcode: 0x10, quiet: false, opaque: 0, cas: 0n, command: 'stat', group: 'settings' }],
    [binaryRequest(BinaryOpcode.Touch, { key: 'k', extras: binaryFlagsExtras(10) }), { kind: 'request', opcode: 0x1c, quiet: false, opaque: 0, cas: 0n, command: 'touch', key: 'k', exptime: 10 }],
    [binaryRequest(BinaryOpcode.GAT, { key: 'k', extras: binaryFlagsExtras(10) }), { kind: 'request', opcode: 0x1d, quiet: false, opaque: 0, cas: 0n, command: 'gat', key: 'k', exptime: 10 }],
    [binaryRequest(BinaryOpcode.GATQ, { key: 'k', extras: binaryFlagsExtras(10) }), { kind: 'request', opcode: 0x1e, quiet: true, opaque: 0, cas: 0n, command: 'gat', key: 'k', exptime: 10 }],
    [binaryRequest(BinaryOpcode.GATK, { key: 'k', extras: binaryFlagsExtras(10) }), { kind: 'request', opcode: 0x23, quiet: false, opaque: 0, cas: 0n, command: 'gatk', key: 'k', exptime: 10 }],
    [binaryRequest(BinaryOpcode.GATKQ, { key: 'k', extras: binaryFlagsExtras(10) }), { kind: 'request', opcode: 0x24, quiet: true, opaque: 0, cas: 0n, command: 'gatk', key: 'k', exptime: 10 }],
  ];
  for (const [wire, request] of cases) assert.equal(parseBinary(wire), [request], request.command);

  // Every request, split at every byte of the whole stream.
  const stream = Buffer.concat(cases.map(([wire]) => wire));
  const expected = cases.map(([, request]) => request);
  for (let split = 0; split <= stream.length; split++) assert.equal(parseBinary(stream, [split]), expected, `split at ${split}`);
  assert.equal(parseBinary(stream, Array.from({ length: stream.length }, () => 1)), expected);
});

test('binary SASL', () => {
  const auth = binaryRequest(BinaryOpcode.SaslAuth, { key: 'PLAIN', value: '\0user\0pass', opaque: 3 });
  assert.equal(parseBinary(auth, [], { saslEnabled: true }), [
    { kind: 'request', opcode: 0x21, quiet: false, opaque: 3, cas: 0n, command: 'sasl_auth', mechanism: 'PLAIN', data: '\0user\0pass' },
  ]);
  assert.equal(parseBinary(binaryRequest(BinaryOpcode.SaslStep, { key: 'X', value: 'd' }), [], { saslEnabled: true }), [
    { kind: 'request', opcode: 0x22, quiet: false, opaque: 0, cas: 0n, command: 'sasl_step', mechanism: 'X', data: 'd' },
  ]);
  assert.equal(parseBinary(binaryRequest(BinaryOpcode.SaslListMechs), [], { saslEnabled: true }), [
    { kind: 'request', opcode: 0x20, quiet: false, opaque: 0, cas: 0n, command: 'sasl_list_mechs' },
  ]);
  // memcached without SASL: unknown command, the payload consumed, the connection kept.
  const disabled = parseBinary(Buffer.concat([auth, binaryRequest(BinaryOpcode.SaslListMechs, { opaque: 4 }), binaryRequest(BinaryOpcode.Noop)]));
  assert.equal(errorResponse(disabled[0]), {
    close: false,
    responses: [{ opcode: 0x21, status: 0x81, opaque: 3, cas: 0n, extras: '', key: '', value: 'Unknown command' }],
  });
  assert.equal(errorResponse(disabled[1]).responses[0]?.opaque, 4);
  assert.is((disabled[2] as { command: string }).command, 'noop');
  const longMechanism = parseBinary(binaryRequest(BinaryOpcode.SaslAuth, { key: 'M'.repeat(33), value: 'x' }), [], { saslEnabled: true });
  assert.equal(errorResponse(longMechanism[0]).responses[0]?.status, BinaryStatus.InvalidArguments);
  assert.is(errorResponse(longMechanism[0]).close, false);
});

test('binary errors as memcached 1.6.18 sends them', () => {
  // Bad magic: dropped without a reply, even after valid requests.
  const afterNoop = parseBinary(Buffer.concat([binaryRequest(BinaryOpcode.Noop, { opaque: 1 }), binaryRequest(BinaryOpcode.Get, { key: 'k', magic: 0x81 })]));
  assert.is(afterNoop.length, 2);
  assert.equal(afterNoop[1], { kind: 'error', reply: null, close: true });

  const single = (wire: Buffer): { close: boolean; responses: DecodedResponse[] } => {
    const results = parseBinary(wire);
    assert.is(results.length, 1);
    return errorResponse(results[0]);
  };
  const invalid = (opcode: number, opaque = 0): { close: boolean; responses: DecodedResponse[] } => ({
    close: true,
    responses: [{ opcode, status: 4, opaque, cas: 0n, extras: '', key: '', value: 'Invalid arguments' }],
  });
  assert.equal(single(binaryRequest(BinaryOpcode.Get, { key: 'k'.repeat(251), opaque: 9 })), invalid(0, 9));
  assert.equal(single(binaryRequest(BinaryOpcode.Get, { key: 'k', extras: Buffer.from('1234') })), invalid(0));
  assert.equal(single(binaryRequest(BinaryOpcode.Get)), invalid(0));
  assert.equal(single(binaryRequest(BinaryOpcode.Noop, { key: 'k' })), invalid(0x0a));
  assert.equal(single(binaryRequest(BinaryOpcode.Quit, { extras: Buffer.from('12345') })), invalid(0x07));
  assert.equal(single(binaryRequest(BinaryOpcode.Set, { key: 'k', value: 'v' })), invalid(1));
  assert.equal(single(binaryRequest(BinaryOpcode.Increment, { key: 'k', extras: Buffer.alloc(8) })), invalid(5));
  assert.equal(single(binaryRequest(BinaryOpcode.Touch, { key: 'k' })), invalid(0x1c));
  assert.equal(single(binaryRequest(BinaryOpcode.Flush, { extras: Buffer.alloc(2) })), invalid(0x08));
  assert.equal(single(binaryRequest(BinaryOpcode.Get, { key: 'kk', bodyLength: 1 })), {
    close: true,
    responses: [{ opcode: 0, status: 0x81, opaque: 0, cas: 0n, extras: '', key: '', value: 'Unknown command' }],
  });
  // An unknown opcode: memcached discards a full body length past the extras and key it read.
  assert.equal(parseBinary(Buffer.concat([binaryRequest(0x55, { opaque: 5 }), binaryRequest(BinaryOpcode.Noop, { opaque: 1 })])).map((r) => r.kind), ['error', 'request']);
  const unknown = parseBinary(binaryRequest(0x55, { opaque: 5 }));
  assert.equal(errorResponse(unknown[0]), {
    close: false,
    responses: [{ opcode: 0x55, status: 0x81, opaque: 5, cas: 0n, extras: '', key: '', value: 'Unknown command' }],
  });
  const overSwallow = new MemcachedBinaryParser();
  overSwallow.push(binaryRequest(0x55, { key: 'abc', value: 'xy' }));
  assert.is(overSwallow.next(), undefined, 'waits for 3 more bytes');
  overSwallow.push(Buffer.from('123'));
  assert.is(overSwallow.next()?.kind, 'error');
  // Framing leaves a stat's extra body bytes unread: memcached reads them as the next header.
  const stat = parseBinary(Buffer.concat([binaryRequest(BinaryOpcode.Stat, { key: 'a', value: 'x'.repeat(24) })]));
  assert.equal(stat[1], { kind: 'error', reply: null, close: true });
});

test('binary oversize values are discarded, then ValueTooLarge', () => {
  const big = 'x'.repeat(1048517);
  const stream = Buffer.concat([
    binaryRequest(BinaryOpcode.Set, { key: 'big', extras: setExtras(0, 0), value: big, opaque: 9 }),
    binaryRequest(BinaryOpcode.Noop, { opaque: 3 }),
  ]);
  for (const chunks of [[], Array.from({ length: 100 }, () => 10_009)]) {
    const results = parseBinary(stream, chunks);
    assert.equal(errorResponse(results[0]), {
      close: false,
      responses: [{ opcode: 1, status: 3, opaque: 9, cas: 0n, extras: '', key: '', value: 'Too large.' }],
    });
    assert.equal(results[1], { kind: 'request', opcode: 0x0a, quiet: false, opaque: 3, cas: 0n, command: 'noop' });
  }
  const fits = parseBinary(binaryRequest(BinaryOpcode.Set, { key: 'big', extras: setExtras(0, 0), value: 'x'.repeat(1048514) }));
  assert.is((fits[0] as { value: string }).value.length, 1048514);
  const append = parseBinary(binaryRequest(BinaryOpcode.Append, { key: 'k', value: 'x'.repeat(1000) }), [], { itemSizeMax: 1024 });
  assert.equal(errorResponse(append[0]).responses[0]?.status, BinaryStatus.ValueTooLarge);
});

test('binary responses', () => {
  assert.equal(decodeResponses(encodeBinaryResponse({ opcode: 0, opaque: 8, cas: 24n, extras: binaryFlagsExtras(5), value: 'val' })), [
    { opcode: 0, status: 0, opaque: 8, cas: 24n, extras: '\0\0\0\x05', key: '', value: 'val' },
  ]);
  assert.equal(decodeResponses(encodeBinaryResponse({ opcode: 0x0d, extras: binaryFlagsExtras(5), key: 'bk', value: Buffer.from([0, 255]) })), [
    { opcode: 0x0d, status: 0, opaque: 0, cas: 0n, extras: '\0\0\0\x05', key: 'bk', value: '\0\xff' },
  ]);
  assert.equal(decodeResponses(encodeBinaryResponse({ opcode: 5, cas: 29n, value: binaryCounterValue(11n) })), [
    { opcode: 5, status: 0, opaque: 0, cas: 29n, extras: '', key: '', value: '\0\0\0\0\0\0\0\x0b' },
  ]);
  const messages: Array<[number, string]> = [
    [BinaryStatus.KeyNotFound, 'Not found'],
    [BinaryStatus.KeyExists, 'Data exists for key.'],
    [BinaryStatus.ValueTooLarge, 'Too large.'],
    [BinaryStatus.InvalidArguments, 'Invalid arguments'],
    [BinaryStatus.ItemNotStored, 'Not stored.'],
    [BinaryStatus.NonNumeric, 'Non-numeric server-side value for incr or decr'],
    [BinaryStatus.AuthError, 'Auth failure.'],
    [BinaryStatus.UnknownCommand, 'Unknown command'],
    [BinaryStatus.OutOfMemory, 'Out of memory'],
  ];
  for (const [status, message] of messages) {
    assert.equal(decodeResponses(encodeBinaryError(0x19, 28, status)), [
      { opcode: 0x19, status, opaque: 28, cas: 0n, extras: '', key: '', value: message },
    ]);
  }
  assert.equal(decodeResponses(encodeBinaryStats(0x10, 4, [['pid', 1], ['version', '1.6.18']])), [
    { opcode: 0x10, status: 0, opaque: 4, cas: 0n, extras: '', key: 'pid', value: '1' },
    { opcode: 0x10, status: 0, opaque: 4, cas: 0n, extras: '', key: 'version', value: '1.6.18' },
    { opcode: 0x10, status: 0, opaque: 4, cas: 0n, extras: '', key: '', value: '' },
  ]);

  const miss = (opcode: number, extras?: Buffer): DecodedResponse[] => {
    const request = parseBinary(binaryRequest(opcode, { key: 'nope', opaque: 2, ...(extras ? { extras } : {}) }))[0];
    if (request?.kind !== 'request' || !('key' in request)) throw new Error('expected a keyed request');
    return decodeResponses(encodeBinaryMiss(request));
  };
  assert.equal(miss(BinaryOpcode.GetK), [{ opcode: 0x0c, status: 1, opaque: 2, cas: 0n, extras: '', key: 'nope', value: '' }]);
  assert.equal(miss(BinaryOpcode.GATKQ, binaryFlagsExtras(0)), [{ opcode: 0x24, status: 1, opaque: 2, cas: 0n, extras: '', key: 'nope', value: '' }]);
  assert.equal(miss(BinaryOpcode.Get), [{ opcode: 0, status: 1, opaque: 2, cas: 0n, extras: '', key: '', value: 'Not found' }]);
  assert.equal(miss(BinaryOpcode.Touch, binaryFlagsExtras(0)), [{ opcode: 0x1c, status: 1, opaque: 2, cas: 0n, extras: '', key: '', value: 'Not found' }]);

  assert.is(binaryStorageStatus('set', StorageResult.STORED), BinaryStatus.NoError);
  assert.is(binaryStorageStatus('set', StorageResult.EXISTS), BinaryStatus.KeyExists);
  assert.is(binaryStorageStatus('set', StorageResult.NOT_FOUND), BinaryStatus.KeyNotFound);
  assert.is(binaryStorageStatus('add', StorageResult.NOT_STORED), BinaryStatus.KeyExists);
  assert.is(binaryStorageStatus('replace', StorageResult.NOT_STORED), BinaryStatus.KeyNotFound);
  assert.is(binaryStorageStatus('append', StorageResult.NOT_STORED), BinaryStatus.ItemNotStored);
  assert.is(binaryStorageStatus('delete', StorageResult.DELETED), BinaryStatus.NoError);
  assert.is(binaryStorageStatus('touch', StorageResult.TOUCHED), BinaryStatus.NoError);
});

test('binary quiet rules: quiet gets hide misses, other quiet commands hide success', () => {
  const request = (opcode: number, key = 'k', extras?: Buffer, value?: string): BinaryRequest => {
    const result = parseBinary(binaryRequest(opcode, { key, ...(extras ? { extras } : {}), ...(value !== undefined ? { value } : {}) }))[0];
    if (result?.kind !== 'request') throw new Error('expected a request');
    return result;
  };
  const gatExtras = binaryFlagsExtras(0);
  for (const quietGet of [request(BinaryOpcode.GetQ), request(BinaryOpcode.GetKQ), request(BinaryOpcode.GATQ, 'k', gatExtras), request(BinaryOpcode.GATKQ, 'k', gatExtras)]) {
    assert.is(binaryReplySuppressed(quietGet, BinaryStatus.KeyNotFound), true);
    assert.is(binaryReplySuppressed(quietGet, BinaryStatus.NoError), false);
  }
  const setQ = request(BinaryOpcode.SetQ, 'k', setExtras(0, 0), 'v');
  assert.is(binaryReplySuppressed(setQ, BinaryStatus.NoError), true);
  assert.is(binaryReplySuppressed(setQ, BinaryStatus.KeyExists), false);
  assert.is(binaryReplySuppressed(request(BinaryOpcode.DeleteQ), BinaryStatus.KeyNotFound), false);
  assert.is(binaryReplySuppressed(request(BinaryOpcode.FlushQ, ''), BinaryStatus.NoError), true);
  assert.is(binaryReplySuppressed(request(BinaryOpcode.Get), BinaryStatus.KeyNotFound), false);
  assert.is(binaryReplySuppressed(request(BinaryOpcode.Set, 'k', setExtras(0, 0), 'v'), BinaryStatus.NoError), false);
});

test.run();
