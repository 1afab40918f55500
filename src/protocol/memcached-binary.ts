// Memcached binary protocol (deprecated by memcached but still spoken by memjs): header codec, an
// incremental request parser with memcached 1.6.18's validation, and response encoding. Like
// memcached's proto_bin.c it knows nothing about storage. Keys and values are latin1 strings.

import { DEFAULT_ITEM_SIZE_MAX, KEY_MAX_LENGTH, StorageResult, itemFits } from './memcached-meta.js';

export const BINARY_REQUEST_MAGIC = 0x80;
export const BINARY_RESPONSE_MAGIC = 0x81;
export const BINARY_HEADER_LENGTH = 24;

export type MemcachedProtocol = 'text' | 'binary';

/** Like memcached, a connection speaks binary for good if its first byte is the request magic. */
export function detectMemcachedProtocol(firstByte: number): MemcachedProtocol {
  return firstByte === BINARY_REQUEST_MAGIC ? 'binary' : 'text';
}

export const BinaryOpcode = {
  Get: 0x00,
  Set: 0x01,
  Add: 0x02,
  Replace: 0x03,
  Delete: 0x04,
  Increment: 0x05,
  Decrement: 0x06,
  Quit: 0x07,
  Flush: 0x08,
  GetQ: 0x09,
  Noop: 0x0a,
  Version: 0x0b,
  GetK: 0x0c,
  GetKQ: 0x0d,
  Append: 0x0e,
  Prepend: 0x0f,
  Stat: 0x10,
  SetQ: 0x11,
  AddQ: 0x12,
  ReplaceQ: 0x13,
  DeleteQ: 0x14,
  IncrementQ: 0x15,
  DecrementQ: 0x16,
  QuitQ: 0x17,
  FlushQ: 0x18,
  AppendQ: 0x19,
  PrependQ: 0x1a,
  Touch: 0x1c,
  GAT: 0x1d,
  GATQ: 0x1e,
  SaslListMechs: 0x20,
  SaslAuth: 0x21,
  SaslStep: 0x22,
  GATK: 0x23,
  GATKQ: 0x24,
} as const;

export const BinaryStatus = {
  NoError: 0x00,
  KeyNotFound: 0x01,
  KeyExists: 0x02,
  ValueTooLarge: 0x03,
  InvalidArguments: 0x04,
  ItemNotStored: 0x05,
  NonNumeric: 0x06,
  AuthError: 0x20,
  AuthContinue: 0x21,
  UnknownCommand: 0x81,
  OutOfMemory: 0x82,
} as const;
export type BinaryStatus = (typeof BinaryStatus)[keyof typeof BinaryStatus];

// The texts memcached sends as the body of an error response.
const STATUS_MESSAGES: ReadonlyMap<number, string> = new Map([
  [BinaryStatus.KeyNotFound, 'Not found'],
  [BinaryStatus.KeyExists, 'Data exists for key.'],
  [BinaryStatus.ValueTooLarge, 'Too large.'],
  [BinaryStatus.InvalidArguments, 'Invalid arguments'],
  [BinaryStatus.ItemNotStored, 'Not stored.'],
  [BinaryStatus.NonNumeric, 'Non-numeric server-side value for incr or decr'],
  [BinaryStatus.AuthError, 'Auth failure.'],
  [BinaryStatus.UnknownCommand, 'Unknown command'],
  [BinaryStatus.OutOfMemory, 'Out of memory'],
]);

/** The body memcached sends with an error status. */
export function binaryStatusMessage(status: number): string {
  return STATUS_MESSAGES.get(status) ?? '';
}

/** The 24-byte header shared by requests and responses. */
export interface BinaryHeader {
  readonly magic: number;
  readonly opcode: number;
  readonly keyLength: number;
  readonly extrasLength: number;
  readonly dataType: number;
  /** The vbucket id in a request, the status in a response. */
  readonly vbucketOrStatus: number;
  readonly bodyLength: number;
  readonly opaque: number;
  readonly cas: bigint;
}

export function decodeBinaryHeader(bytes: Buffer, offset = 0): BinaryHeader {
  return {
    magic: bytes.readUInt8(offset),
    opcode: bytes.readUInt8(offset + 1),
    keyLength: bytes.readUInt16BE(offset + 2),
    extrasLength: bytes.readUInt8(offset + 4),
    dataType: bytes.readUInt8(offset + 5),
    vbucketOrStatus: bytes.readUInt16BE(offset + 6),
    bodyLength: bytes.readUInt32BE(offset + 8),
    opaque: bytes.readUInt32BE(offset + 12),
    cas: bytes.readBigUInt64BE(offset + 16),
  };
}

export function encodeBinaryHeader(header: BinaryHeader): Buffer {
  const bytes = Buffer.alloc(BINARY_HEADER_LENGTH);
  writeHeader(bytes, header);
  return bytes;
}

function writeHeader(bytes: Buffer, header: BinaryHeader): void {
  bytes.writeUInt8(header.magic, 0);
  bytes.writeUInt8(header.opcode, 1);
  bytes.writeUInt16BE(header.keyLength, 2);
  bytes.writeUInt8(header.extrasLength, 4);
  bytes.writeUInt8(header.dataType, 5);
  bytes.writeUInt16BE(header.vbucketOrStatus, 6);
  bytes.writeUInt32BE(header.bodyLength, 8);
  bytes.writeUInt32BE(header.opaque, 12);
  bytes.writeBigUInt64BE(header.cas, 16);
}

// ---------------------------------------------------------------------------------------------
// Requests.

export type BinaryCommand =
  | 'get' | 'getk' | 'set' | 'add' | 'replace' | 'delete' | 'increment' | 'decrement' | 'quit' | 'flush'
  | 'noop' | 'version' | 'append' | 'prepend' | 'stat' | 'touch' | 'gat' | 'gatk'
  | 'sasl_list_mechs' | 'sasl_auth' | 'sasl_step';

interface OpcodeInfo {
  readonly command: BinaryCommand;
  readonly quiet: boolean;
}

const OPCODES: ReadonlyMap<number, OpcodeInfo> = new Map<number, OpcodeInfo>([
  [BinaryOpcode.Get, { command: 'get', quiet: false }],
  [BinaryOpcode.GetQ, { command: 'get', quiet: true }],
  [BinaryOpcode.GetK, { command: 'getk', quiet: false }],
  [BinaryOpcode.GetKQ, { command: 'getk', quiet: true }],
  [BinaryOpcode.Set, { command: 'set', quiet: false }],
  [BinaryOpcode.SetQ, { command: 'set', quiet: true }],
  [BinaryOpcode.Add, { command: 'add', quiet: false }],
  [BinaryOpcode.AddQ, { command: 'add', quiet: true }],
  [BinaryOpcode.Replace, { command: 'replace', quiet: false }],
  [BinaryOpcode.ReplaceQ, { command: 'replace', quiet: true }],
  [BinaryOpcode.Delete, { command: 'delete', quiet: false }],
  [BinaryOpcode.DeleteQ, { command: 'delete', quiet: true }],
  [BinaryOpcode.Increment, { command: 'increment', quiet: false }],
  [BinaryOpcode.IncrementQ, { command: 'increment', quiet: true }],
  [BinaryOpcode.Decrement, { command: 'decrement', quiet: false }],
  [BinaryOpcode.DecrementQ, { command: 'decrement', quiet: true }],
  [BinaryOpcode.Quit, { command: 'quit', quiet: false }],
  [BinaryOpcode.QuitQ, { command: 'quit', quiet: true }],
  [BinaryOpcode.Flush, { command: 'flush', quiet: false }],
  [BinaryOpcode.FlushQ, { command: 'flush', quiet: true }],
  [BinaryOpcode.Append, { command: 'append', quiet: false }],
  [BinaryOpcode.AppendQ, { command: 'append', quiet: true }],
  [BinaryOpcode.Prepend, { command: 'prepend', quiet: false }],
  [BinaryOpcode.PrependQ, { command: 'prepend', quiet: true }],
  [BinaryOpcode.Noop, { command: 'noop', quiet: false }],
  [BinaryOpcode.Version, { command: 'version', quiet: false }],
  [BinaryOpcode.Stat, { command: 'stat', quiet: false }],
  [BinaryOpcode.Touch, { command: 'touch', quiet: false }],
  [BinaryOpcode.GAT, { command: 'gat', quiet: false }],
  [BinaryOpcode.GATQ, { command: 'gat', quiet: true }],
  [BinaryOpcode.GATK, { command: 'gatk', quiet: false }],
  [BinaryOpcode.GATKQ, { command: 'gatk', quiet: true }],
  [BinaryOpcode.SaslListMechs, { command: 'sasl_list_mechs', quiet: false }],
  [BinaryOpcode.SaslAuth, { command: 'sasl_auth', quiet: false }],
  [BinaryOpcode.SaslStep, { command: 'sasl_step', quiet: false }],
]);

interface BinaryRequestBase {
  readonly kind: 'request';
  /** The opcode as sent (quiet variants included); responses carry it back. */
  readonly opcode: number;
  /** A quiet variant: see binaryReplySuppressed. */
  readonly quiet: boolean;
  readonly opaque: number;
  /** The header's CAS; memcached stores with a CAS check when it is not 0 (even for add). */
  readonly cas: bigint;
}

export type BinaryRequest = BinaryRequestBase &
  (
    | { readonly command: 'get' | 'getk'; readonly key: string }
    | { readonly command: 'touch' | 'gat' | 'gatk'; readonly key: string; readonly exptime: number }
    | {
        readonly command: 'set' | 'add' | 'replace';
        readonly key: string;
        readonly value: string;
        readonly flags: number;
        readonly exptime: number;
      }
    | { readonly command: 'append' | 'prepend'; readonly key: string; readonly value: string }
    | { readonly command: 'delete'; readonly key: string }
    | {
        readonly command: 'increment' | 'decrement';
        readonly key: string;
        readonly delta: bigint;
        readonly initial: bigint;
        /** 0xffffffff: fail on a miss instead of creating the counter. */
        readonly exptime: number;
      }
    | { readonly command: 'flush'; readonly delay: number }
    | { readonly command: 'noop' | 'version' | 'quit' | 'sasl_list_mechs' }
    | { readonly command: 'stat'; readonly group: string }
    | { readonly command: 'sasl_auth' | 'sasl_step'; readonly mechanism: string; readonly data: string }
  );

/** A request memcached answers with an error: write `reply` unless null, then close if `close`. */
export interface BinaryErrorRequest {
  readonly kind: 'error';
  readonly reply: Buffer | null;
  readonly close: boolean;
}

export type BinaryParseResult = BinaryRequest | BinaryErrorRequest;

export interface BinaryParserOptions {
  /** memcached's -I: values whose item would be larger are discarded with ValueTooLarge. */
  readonly itemSizeMax?: number;
  /** Without SASL (memcached's default) the SASL opcodes are unknown commands. */
  readonly saslEnabled?: boolean;
}

// memcached's MAX_SASL_MECH_LEN.
const MAX_SASL_MECHANISM_LENGTH = 32;

type BinaryDispatch =
  | BinaryParseResult
  | { readonly kind: 'read-value'; readonly length: number; readonly build: (value: string) => BinaryRequest }
  | { readonly kind: 'swallow'; readonly length: number; readonly then: BinaryErrorRequest };

type BinaryParserState =
  | { readonly kind: 'header' }
  | { readonly kind: 'value'; readonly block: Buffer; filled: number; readonly build: (value: string) => BinaryRequest }
  | { readonly kind: 'swallow'; remaining: number; readonly then: BinaryErrorRequest }
  | { readonly kind: 'closed' };

const HEADER: BinaryParserState = { kind: 'header' };

function binaryError(header: BinaryHeader, status: BinaryStatus, close = false): BinaryErrorRequest {
  return { kind: 'error', reply: encodeBinaryError(header.opcode, header.opaque, status), close };
}

function validFraming(command: BinaryCommand, extras: number, key: number, body: number): boolean {
  switch (command) {
    case 'version':
    case 'noop':
    case 'quit':
    case 'sasl_list_mechs':
      return extras === 0 && key === 0 && body === 0;
    case 'flush':
      return key === 0 && body === extras && (extras === 0 || extras === 4);
    case 'set':
    case 'add':
    case 'replace':
      return extras === 8 && key !== 0 && body >= key + 8;
    case 'get':
    case 'getk':
    case 'delete':
      return extras === 0 && key > 0 && body === key;
    case 'increment':
    case 'decrement':
      return extras === 20 && key > 0 && body === key + 20;
    case 'append':
    case 'prepend':
      return extras === 0 && key > 0;
    case 'stat':
      return extras === 0;
    case 'sasl_auth':
    case 'sasl_step':
      return extras === 0 && key !== 0;
    case 'touch':
    case 'gat':
    case 'gatk':
      return extras === 4 && key !== 0;
  }
}

/**
 * Incremental binary-protocol parser: push() bytes as they arrive, then call next() until it
 * returns undefined. Like memcached it reads the header, extras and key, validates, and only then
 * reads (or discards) the value; bytes a command's framing leaves unread are parsed as the next
 * header, as memcached does. Memory stays bounded: a header with its extras and key is under
 * 64 KiB and a value at most itemSizeMax. After a request with `close` everything is ignored.
 */
export class MemcachedBinaryParser {
  private readonly itemSizeMax: number;
  private readonly saslEnabled: boolean;
  // Unread input, consumed from the front; joined only when a header, extras and key are complete.
  private chunks: Buffer[] = [];
  private buffered = 0;
  private state: BinaryParserState = HEADER;

  constructor(options: BinaryParserOptions = {}) {
    this.itemSizeMax = options.itemSizeMax ?? DEFAULT_ITEM_SIZE_MAX;
    this.saslEnabled = options.saslEnabled ?? false;
  }

  push(chunk: Buffer): void {
    if (this.state.kind === 'closed' || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  next(): BinaryParseResult | undefined {
    for (;;) {
      const state = this.state;
      switch (state.kind) {
        case 'closed':
          return undefined;
        case 'swallow':
          state.remaining -= this.consume(state.remaining);
          if (state.remaining > 0) return undefined;
          // memcached sends the error once the discarded value has been read.
          this.state = HEADER;
          return state.then;
        case 'value':
          state.filled += this.consume(state.block.length - state.filled, state.block, state.filled);
          if (state.filled < state.block.length) return undefined;
          this.state = HEADER;
          return state.build(state.block.toString('latin1'));
        case 'header': {
          if (this.buffered < BINARY_HEADER_LENGTH) return undefined;
          const first = this.contiguous(BINARY_HEADER_LENGTH);
          if (first[0] !== BINARY_REQUEST_MAGIC) return this.close();
          const header = decodeBinaryHeader(first);
          const framed = BINARY_HEADER_LENGTH + header.extrasLength + header.keyLength;
          if (this.buffered < framed) return undefined;
          const bytes = this.contiguous(framed);
          const extras = Buffer.from(bytes.subarray(BINARY_HEADER_LENGTH, BINARY_HEADER_LENGTH + header.extrasLength));
          const key = bytes.toString('latin1', BINARY_HEADER_LENGTH + header.extrasLength, framed);
          this.consume(framed);
          const outcome = this.dispatch(header, extras, key);
          if (outcome.kind === 'read-value') {
            this.state = { kind: 'value', block: Buffer.allocUnsafe(outcome.length), filled: 0, build: outcome.build };
          } else if (outcome.kind === 'swallow') {
            this.state = { kind: 'swallow', remaining: outcome.length, then: outcome.then };
          } else {
            if (outcome.kind === 'error' && outcome.close) this.close();
            return outcome;
          }
        }
      }
    }
  }

  private close(): BinaryErrorRequest {
    this.state = { kind: 'closed' };
    this.chunks = [];
    this.buffered = 0;
    return { kind: 'error', reply: null, close: true };
  }

  /** The first `length` buffered bytes as one Buffer, joining chunks if needed. */
  private contiguous(length: number): Buffer {
    const first = this.chunks[0] ?? Buffer.alloc(0);
    if (first.length >= length) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  /** Drops up to `length` bytes from the front, copying them into `target` if given; returns how many. */
  private consume(length: number, target?: Buffer, at = 0): number {
    let done = 0;
    while (done < length && this.chunks.length > 0) {
      const chunk = this.chunks[0] ?? Buffer.alloc(0);
      const take = Math.min(chunk.length, length - done);
      if (target !== undefined) chunk.copy(target, at + done, 0, take);
      done += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    this.buffered -= done;
    return done;
  }

  // memcached's dispatch_bin_command and the process_bin_* checks, in its order.
  private dispatch(header: BinaryHeader, extras: Buffer, key: string): BinaryDispatch {
    const { keyLength, extrasLength, bodyLength } = header;
    if (keyLength > bodyLength || keyLength + extrasLength > bodyLength) {
      return binaryError(header, BinaryStatus.UnknownCommand, true);
    }
    if (keyLength > KEY_MAX_LENGTH) return binaryError(header, BinaryStatus.InvalidArguments, true);
    const info = OPCODES.get(header.opcode);
    if (info === undefined) {
      // memcached discards a whole body length after the extras and key it has already read,
      // eating into whatever follows.
      return { kind: 'swallow', length: bodyLength, then: binaryError(header, BinaryStatus.UnknownCommand) };
    }
    if (!validFraming(info.command, extrasLength, keyLength, bodyLength)) {
      return binaryError(header, BinaryStatus.InvalidArguments, true);
    }
    // Object spread is slow in V8, so every request is spelled out from these.
    const kind = 'request';
    const { opcode, opaque, cas } = header;
    const quiet = info.quiet;
    const valueLength = bodyLength - keyLength - extrasLength;
    switch (info.command) {
      case 'get':
      case 'getk':
      case 'delete':
        return { kind, opcode, quiet, opaque, cas, command: info.command, key };
      case 'touch':
      case 'gat':
      case 'gatk':
        return { kind, opcode, quiet, opaque, cas, command: info.command, key, exptime: extras.readUInt32BE(0) };
      case 'increment':
      case 'decrement':
        return {
          kind,
          opcode,
          quiet,
          opaque,
          cas,
          command: info.command,
          key,
          delta: extras.readBigUInt64BE(0),
          initial: extras.readBigUInt64BE(8),
          exptime: extras.readUInt32BE(16),
        };
      case 'flush':
        return { kind, opcode, quiet, opaque, cas, command: 'flush', delay: extrasLength === 4 ? extras.readUInt32BE(0) : 0 };
      case 'stat':
        return { kind, opcode, quiet, opaque, cas, command: 'stat', group: key };
      case 'noop':
      case 'version':
      case 'quit':
        return { kind, opcode, quiet, opaque, cas, command: info.command };
      case 'set':
      case 'add':
      case 'replace': {
        const command = info.command;
        const flags = extras.readUInt32BE(0);
        const exptime = extras.readUInt32BE(4);
        if (!itemFits(keyLength, flags, valueLength, this.itemSizeMax)) {
          return { kind: 'swallow', length: valueLength, then: binaryError(header, BinaryStatus.ValueTooLarge) };
        }
        return {
          kind: 'read-value',
          length: valueLength,
          build: (value) => ({ kind, opcode, quiet, opaque, cas, command, key, value, flags, exptime }),
        };
      }
      case 'append':
      case 'prepend': {
        const command = info.command;
        if (!itemFits(keyLength, 0, valueLength, this.itemSizeMax)) {
          return { kind: 'swallow', length: valueLength, then: binaryError(header, BinaryStatus.ValueTooLarge) };
        }
        return { kind: 'read-value', length: valueLength, build: (value) => ({ kind, opcode, quiet, opaque, cas, command, key, value }) };
      }
      case 'sasl_list_mechs':
        if (!this.saslEnabled) return binaryError(header, BinaryStatus.UnknownCommand);
        return { kind, opcode, quiet, opaque, cas, command: 'sasl_list_mechs' };
      case 'sasl_auth':
      case 'sasl_step': {
        const command = info.command;
        if (!this.saslEnabled) {
          return { kind: 'swallow', length: valueLength, then: binaryError(header, BinaryStatus.UnknownCommand) };
        }
        if (keyLength > MAX_SASL_MECHANISM_LENGTH) {
          return { kind: 'swallow', length: valueLength, then: binaryError(header, BinaryStatus.InvalidArguments) };
        }
        // memcached reads the challenge into an item, so the item size limit applies.
        if (!itemFits(keyLength, 0, valueLength, this.itemSizeMax)) {
          return { kind: 'swallow', length: valueLength, then: binaryError(header, BinaryStatus.OutOfMemory) };
        }
        return {
          kind: 'read-value',
          length: valueLength,
          build: (data) => ({ kind, opcode, quiet, opaque, cas, command, mechanism: key, data }),
        };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Responses.

export interface BinaryResponse {
  /** The request's opcode, quiet variants included. */
  readonly opcode: number;
  readonly status?: number;
  readonly opaque?: number;
  readonly cas?: bigint;
  readonly extras?: Buffer;
  readonly key?: string;
  readonly value?: string | Buffer;
}

export function encodeBinaryResponse(response: BinaryResponse): Buffer {
  const extras = response.extras ?? Buffer.alloc(0);
  const key = Buffer.from(response.key ?? '', 'latin1');
  const value = typeof response.value === 'string' ? Buffer.from(response.value, 'latin1') : (response.value ?? Buffer.alloc(0));
  const bodyLength = extras.length + key.length + value.length;
  const bytes = Buffer.allocUnsafe(BINARY_HEADER_LENGTH + bodyLength);
  writeHeader(bytes, {
    magic: BINARY_RESPONSE_MAGIC,
    opcode: response.opcode,
    keyLength: key.length,
    extrasLength: extras.length,
    dataType: 0,
    vbucketOrStatus: response.status ?? BinaryStatus.NoError,
    bodyLength,
    opaque: response.opaque ?? 0,
    cas: response.cas ?? 0n,
  });
  extras.copy(bytes, BINARY_HEADER_LENGTH);
  key.copy(bytes, BINARY_HEADER_LENGTH + extras.length);
  value.copy(bytes, BINARY_HEADER_LENGTH + extras.length + key.length);
  return bytes;
}

/** An error response as memcached sends it: no extras or key, the status's text as the body. */
export function encodeBinaryError(opcode: number, opaque: number, status: number, message = binaryStatusMessage(status)): Buffer {
  return encodeBinaryResponse({ opcode, opaque, status, value: message });
}

/** A get/gat/touch miss: getk and gatk echo the key with no message, the others say "Not found". */
export function encodeBinaryMiss(request: BinaryRequest & { readonly key: string }): Buffer {
  if (request.command === 'getk' || request.command === 'gatk') {
    return encodeBinaryResponse({ opcode: request.opcode, opaque: request.opaque, status: BinaryStatus.KeyNotFound, key: request.key });
  }
  return encodeBinaryError(request.opcode, request.opaque, BinaryStatus.KeyNotFound);
}

/** The extras of a get/gat/touch hit: the client flags. */
export function binaryFlagsExtras(flags: number): Buffer {
  const extras = Buffer.alloc(4);
  extras.writeUInt32BE(flags >>> 0, 0);
  return extras;
}

/** The body of an increment/decrement reply: the new value, 64-bit big-endian. */
export function binaryCounterValue(value: bigint): Buffer {
  const body = Buffer.alloc(8);
  body.writeBigUInt64BE(value, 0);
  return body;
}

/** A stat reply: one response per statistic (name as key, value as body) and an empty one to end. */
export function encodeBinaryStats(
  opcode: number,
  opaque: number,
  stats: Iterable<readonly [string, string | number | bigint]>,
): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of stats) parts.push(encodeBinaryResponse({ opcode, opaque, key: name, value: String(value) }));
  parts.push(encodeBinaryResponse({ opcode, opaque }));
  return Buffer.concat(parts);
}

/**
 * The status for a storage result. As in memcached, an add that stored nothing reports KeyExists
 * and a replace KeyNotFound; other failures to store are ItemNotStored.
 */
export function binaryStorageStatus(command: BinaryCommand, result: StorageResult): BinaryStatus {
  switch (result) {
    case StorageResult.STORED:
    case StorageResult.DELETED:
    case StorageResult.TOUCHED:
      return BinaryStatus.NoError;
    case StorageResult.EXISTS:
      return BinaryStatus.KeyExists;
    case StorageResult.NOT_FOUND:
      return BinaryStatus.KeyNotFound;
    case StorageResult.NOT_STORED:
      if (command === 'add') return BinaryStatus.KeyExists;
      if (command === 'replace') return BinaryStatus.KeyNotFound;
      return BinaryStatus.ItemNotStored;
  }
}

/**
 * Whether memcached stays silent for this reply: quiet gets hide misses only, the other quiet
 * commands hide success only; errors are always sent.
 */
export function binaryReplySuppressed(request: BinaryRequest, status: number): boolean {
  if (!request.quiet) return false;
  switch (request.command) {
    case 'get':
    case 'getk':
    case 'gat':
    case 'gatk':
      return status === BinaryStatus.KeyNotFound;
    default:
      return status === BinaryStatus.NoError;
  }
}
