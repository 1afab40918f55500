// Memcached text protocol: an incremental request parser and the reply renderers, the split
// memcached itself makes between proto_text.c and its storage code. Behaviour follows memcached
// 1.6.18 as observed on the real server (tokenizing, number parsing, error words, noreply, what is
// discarded after an error). Keys and values are latin1 strings (one char per byte).

import {
  DEFAULT_ITEM_SIZE_MAX,
  KEY_MAX_LENGTH,
  StorageResult,
  itemFits,
  parseCInt32,
  parseCUint32,
  parseCUint64,
  parseMetaLine,
} from './memcached-meta.js';
import type { MetaRequest, MetaSetRequest } from './memcached-meta.js';

export type StorageCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** set/add/replace/append/prepend/cas with their data block. */
export interface StorageRequest {
  readonly kind: 'storage';
  readonly command: StorageCommand;
  readonly key: string;
  /** Client flags, 32-bit unsigned. */
  readonly flags: number;
  /** Signed 32-bit, as sent: 0 never, negative already expired, above 30 days a unix time. */
  readonly exptime: number;
  /** The cas command's unique; 0n for the other commands. */
  readonly cas: bigint;
  readonly noreply: boolean;
  readonly value: string;
}

/** get/gets/gat/gats (and memcached's legacy bget, read as get). */
export interface RetrievalRequest {
  readonly kind: 'get';
  readonly command: 'get' | 'gets' | 'gat' | 'gats';
  readonly keys: readonly string[];
  /** gat/gats only: the new exptime. */
  readonly exptime?: number;
}

export interface TouchRequest {
  readonly kind: 'touch';
  readonly key: string;
  readonly exptime: number;
  readonly noreply: boolean;
}

/** delete, including memcached's legacy `delete <key> 0`. */
export interface DeleteRequest {
  readonly kind: 'delete';
  readonly key: string;
  readonly noreply: boolean;
}

export interface ArithmeticRequest {
  readonly kind: 'arithmetic';
  readonly command: 'incr' | 'decr';
  readonly key: string;
  /** 64-bit unsigned. */
  readonly delta: bigint;
  readonly noreply: boolean;
}

export interface FlushAllRequest {
  readonly kind: 'flush_all';
  /** Signed 32-bit; 0 or negative means now. */
  readonly delay: number;
  readonly noreply: boolean;
}

export interface VerbosityRequest {
  readonly kind: 'verbosity';
  readonly level: number;
  readonly noreply: boolean;
}

export interface VersionRequest {
  readonly kind: 'version';
}

/** The server closes the connection without a reply. */
export interface QuitRequest {
  readonly kind: 'quit';
}

/** stats with its arguments (none, or a group such as settings, items, slabs, reset, detail on). */
export interface StatsRequest {
  readonly kind: 'stats';
  readonly args: readonly string[];
}

/**
 * A request memcached answers with an error. The server writes `reply` unless it is null (a
 * noreply command, or a connection to drop silently) and then closes the connection if `close`.
 */
export interface TextErrorRequest {
  readonly kind: 'error';
  /** Wire-ready reply, CRLF included. */
  readonly reply: string | null;
  readonly close: boolean;
}

export type TextRequest =
  | StorageRequest
  | RetrievalRequest
  | TouchRequest
  | DeleteRequest
  | ArithmeticRequest
  | FlushAllRequest
  | VerbosityRequest
  | VersionRequest
  | QuitRequest
  | StatsRequest
  | MetaRequest
  | MetaSetRequest
  | TextErrorRequest;

export interface TextParserOptions {
  /** memcached's -I: values whose item would be larger are discarded with SERVER_ERROR. */
  readonly itemSizeMax?: number;
  /**
   * Longest get/gets line accepted. memcached lets those grow without bound; past this the
   * connection is dropped, as memcached drops other over-long lines.
   */
  readonly maxMultigetLineLength?: number;
}

export const DEFAULT_MAX_MULTIGET_LINE_LENGTH = 4 * 1024 * 1024;

// memcached drops a connection that sends more than this without a newline, unless the line is a
// get/gets with at most MAX_MULTIGET_INDENT leading spaces. Counted without the line's CR, so a
// line is judged the same however it is split into reads.
const MAX_LINE_LENGTH = 2048;
const MAX_MULTIGET_INDENT = 100;
const INT32_MAX = 0x7fffffff;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;

const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
const DELETE_USAGE = 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]';
const BAD_EXPTIME = 'CLIENT_ERROR invalid exptime argument';

const DROP_CONNECTION: TextErrorRequest = { kind: 'error', reply: null, close: true };

function errorRequest(message: string, noreply = false): TextErrorRequest {
  return { kind: 'error', reply: noreply ? null : `${message}\r\n`, close: false };
}

/** What a command line leads to: a request now, a data block to read first, or one to discard. */
type LineOutcome =
  | TextRequest
  | { readonly kind: 'read-data'; readonly length: number; readonly build: (value: string) => TextRequest; readonly badChunk: TextErrorRequest }
  | { readonly kind: 'swallow'; readonly length: number; readonly then: TextErrorRequest };

type ParserState =
  | { readonly kind: 'line' }
  | { readonly kind: 'data'; readonly block: Buffer; filled: number; readonly build: (value: string) => TextRequest; readonly badChunk: TextErrorRequest }
  | { readonly kind: 'swallow'; remaining: number; readonly then: TextErrorRequest }
  | { readonly kind: 'closed' };

const LINE: ParserState = { kind: 'line' };

// The indent plus "gets " and one byte past it.
const MULTIGET_PREFIX_LENGTH = MAX_MULTIGET_INDENT + 6;

function isMultigetLine(line: Buffer): boolean {
  const prefix = line.subarray(0, MULTIGET_PREFIX_LENGTH);
  let indent = 0;
  while (indent < prefix.length && prefix[indent] === SPACE) indent++;
  if (indent > MAX_MULTIGET_INDENT) return false;
  const start = prefix.toString('latin1', indent, indent + 5);
  return start.startsWith('get ') || start === 'gets ';
}

/**
 * Incremental text-protocol parser: push() the bytes as they arrive, then call next() until it
 * returns undefined (more bytes needed). Memory stays bounded: a partial line is at most 2 KiB
 * (or maxMultigetLineLength for get/gets), a data block at most itemSizeMax, and discarded blocks
 * are skipped without being kept. After a request with `close` the parser ignores everything.
 */
export class MemcachedTextParser {
  private readonly itemSizeMax: number;
  private readonly maxMultigetLineLength: number;
  private input: Buffer = Buffer.alloc(0);
  private offset = 0;
  // A line that has not seen its newline yet, kept as the chunks it arrived in.
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private state: ParserState = LINE;

  constructor(options: TextParserOptions = {}) {
    this.itemSizeMax = options.itemSizeMax ?? DEFAULT_ITEM_SIZE_MAX;
    this.maxMultigetLineLength = options.maxMultigetLineLength ?? DEFAULT_MAX_MULTIGET_LINE_LENGTH;
  }

  push(chunk: Buffer): void {
    if (this.state.kind === 'closed') return;
    if (this.offset >= this.input.length) {
      this.input = chunk;
    } else {
      this.input = Buffer.concat([this.input.subarray(this.offset), chunk]);
    }
    this.offset = 0;
  }

  next(): TextRequest | undefined {
    for (;;) {
      const state = this.state;
      switch (state.kind) {
        case 'closed':
          return undefined;
        case 'swallow': {
          const skipped = Math.min(state.remaining, this.input.length - this.offset);
          this.offset += skipped;
          state.remaining -= skipped;
          if (state.remaining > 0) return undefined;
          // memcached sends the error once the discarded block has been read.
          this.state = LINE;
          return state.then;
        }
        case 'data': {
          const copied = this.input.copy(state.block, state.filled, this.offset);
          this.offset += copied;
          state.filled += copied;
          if (state.filled < state.block.length) return undefined;
          this.state = LINE;
          return this.finishData(state.block, 0, state.block.length, state.build, state.badChunk);
        }
        case 'line': {
          const line = this.takeLine();
          if (line === undefined) return undefined;
          if (line === 'too-long') return this.close();
          const outcome = this.parseLine(line);
          if (outcome.kind === 'read-data') {
            const total = outcome.length + 2;
            if (this.input.length - this.offset >= total) {
              const start = this.offset;
              this.offset += total;
              return this.finishData(this.input, start, start + total, outcome.build, outcome.badChunk);
            }
            this.state = { kind: 'data', block: Buffer.allocUnsafe(total), filled: 0, build: outcome.build, badChunk: outcome.badChunk };
          } else if (outcome.kind === 'swallow') {
            this.state = { kind: 'swallow', remaining: outcome.length, then: outcome.then };
          } else {
            return outcome;
          }
        }
      }
    }
  }

  private close(): TextErrorRequest {
    this.state = { kind: 'closed' };
    this.input = Buffer.alloc(0);
    this.offset = 0;
    this.lineParts = [];
    this.lineLength = 0;
    return DROP_CONNECTION;
  }

  // A data block is its value followed by CRLF; memcached rejects anything else in those two
  // bytes and resumes parsing right after them.
  private finishData(
    bytes: Buffer,
    start: number,
    end: number,
    build: (value: string) => TextRequest,
    badChunk: TextErrorRequest,
  ): TextRequest {
    if (bytes[end - 2] !== CR || bytes[end - 1] !== LF) return badChunk;
    return build(bytes.toString('latin1', start, end - 2));
  }

  /** The next complete line (without its newline), or undefined while it is incomplete. */
  private takeLine(): Buffer | 'too-long' | undefined {
    const newline = this.input.indexOf(LF, this.offset);
    if (newline === -1) {
      if (this.offset < this.input.length) {
        const rest = this.input.subarray(this.offset);
        this.lineParts.push(rest);
        this.lineLength += rest.length;
        this.offset = this.input.length;
      }
      const last = this.lineParts[this.lineParts.length - 1];
      const endsWithCR = last !== undefined && last[last.length - 1] === CR;
      return this.lineTooLong(this.lineLength - (endsWithCR ? 1 : 0)) ? 'too-long' : undefined;
    }
    const tail = this.input.subarray(this.offset, newline);
    this.offset = newline + 1;
    let line = tail;
    if (this.lineParts.length > 0) {
      this.lineParts.push(tail);
      line = Buffer.concat(this.lineParts, this.lineLength + tail.length);
      this.lineParts = [];
      this.lineLength = 0;
    }
    const endsWithCR = line.length > 0 && line[line.length - 1] === CR;
    return this.lineTooLong(line.length - (endsWithCR ? 1 : 0), line) ? 'too-long' : line;
  }

  private lineTooLong(length: number, line?: Buffer): boolean {
    if (length <= MAX_LINE_LENGTH) return false;
    if (length > this.maxMultigetLineLength) return true;
    return !isMultigetLine(line ?? this.partialLinePrefix());
  }

  // Enough of the partial line to tell a get/gets from junk, without joining all of it.
  private partialLinePrefix(): Buffer {
    const parts: Buffer[] = [];
    let length = 0;
    for (const part of this.lineParts) {
      if (length >= MULTIGET_PREFIX_LENGTH) break;
      const piece = part.subarray(0, MULTIGET_PREFIX_LENGTH - length);
      parts.push(piece);
      length += piece.length;
    }
    return Buffer.concat(parts, length);
  }

  private parseLine(line: Buffer): LineOutcome {
    // memcached drops a CR before the newline (unless it is the whole line), then reads the line
    // as a C string: a NUL ends it early.
    let end = line.length > 1 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    const nul = line.indexOf(0);
    if (nul !== -1 && nul < end) end = nul;
    // Only spaces separate tokens; tabs and other control bytes belong to them.
    const tokens = line.toString('latin1', 0, end).split(' ').filter((token) => token !== '');
    const command = tokens[0] ?? '';
    if (command.length < 2) return errorRequest('ERROR');
    if (command.length === 2 && command[0] === 'm') return this.parseMeta(tokens);
    switch (command) {
      case 'get':
      case 'bget':
      case 'gets':
      case 'gat':
      case 'gats':
        return parseRetrieval(command === 'bget' ? 'get' : command, tokens);
      case 'set':
      case 'add':
      case 'replace':
      case 'append':
      case 'prepend':
      case 'cas':
        return this.parseStorage(command, tokens);
      case 'touch':
        return parseTouch(tokens);
      case 'delete':
        return parseDelete(tokens);
      case 'incr':
      case 'decr':
        return parseArithmetic(command, tokens);
      case 'flush_all':
        return parseFlushAll(tokens);
      case 'verbosity':
        return parseVerbosity(tokens);
      case 'version':
        return { kind: 'version' };
      case 'quit':
        return { kind: 'quit' };
      case 'stats':
        return { kind: 'stats', args: tokens.slice(1) };
      default:
        return errorRequest('ERROR');
    }
  }

  private parseStorage(command: StorageCommand, tokens: string[]): LineOutcome {
    // memcached counts a terminal empty token.
    const ntokens = tokens.length + 1;
    const withCas = command === 'cas';
    if (withCas ? ntokens !== 7 && ntokens !== 8 : ntokens !== 6 && ntokens !== 7) return errorRequest('ERROR');
    // memcached takes noreply from the last token, whatever its position; an error found after
    // that is not sent either.
    const noreply = tokens[tokens.length - 1] === 'noreply';
    const key = tokens[1] ?? '';
    if (key.length > KEY_MAX_LENGTH) return errorRequest(BAD_FORMAT, noreply);
    const flags = parseCUint32(tokens[2] ?? '');
    const exptime = parseCInt32(tokens[3] ?? '');
    const length = parseCInt32(tokens[4] ?? '');
    if (flags === undefined || exptime === undefined || length === undefined) return errorRequest(BAD_FORMAT, noreply);
    const cas = withCas ? parseCUint64(tokens[5] ?? '') : 0n;
    if (cas === undefined || length < 0 || length > INT32_MAX - 2) return errorRequest(BAD_FORMAT, noreply);
    if (!itemFits(key.length, flags, length, this.itemSizeMax)) {
      return { kind: 'swallow', length: length + 2, then: errorRequest('SERVER_ERROR object too large for cache', noreply) };
    }
    return {
      kind: 'read-data',
      length,
      build: (value) => ({ kind: 'storage', command, key, flags, exptime, cas, noreply, value }),
      badChunk: errorRequest('CLIENT_ERROR bad data chunk', noreply),
    };
  }

  private parseMeta(tokens: string[]): LineOutcome {
    const outcome = parseMetaLine(tokens, this.itemSizeMax);
    switch (outcome.kind) {
      case 'request':
        return outcome.request;
      case 'value': {
        const { key, mode, flags } = outcome;
        return {
          kind: 'read-data',
          length: outcome.valueLength,
          build: (value) => ({ kind: 'ms', key, mode, flags, value }),
          // Meta commands report errors even under q.
          badChunk: errorRequest('CLIENT_ERROR bad data chunk'),
        };
      }
      case 'error': {
        const error: TextErrorRequest = { kind: 'error', reply: outcome.reply, close: false };
        return outcome.swallow > 0 ? { kind: 'swallow', length: outcome.swallow, then: error } : error;
      }
    }
  }
}

function parseRetrieval(command: RetrievalRequest['command'], tokens: string[]): TextRequest {
  if (tokens.length < 2) return errorRequest('ERROR');
  const touch = command === 'gat' || command === 'gats';
  const exptime = touch ? parseCInt32(tokens[1] ?? '') : 0;
  if (exptime === undefined) return errorRequest(BAD_EXPTIME);
  const keys = tokens.slice(touch ? 2 : 1);
  // memcached looks up keys in order and throws away what it found when one is too long.
  if (keys.some((key) => key.length > KEY_MAX_LENGTH)) return errorRequest(BAD_FORMAT);
  return touch ? { kind: 'get', command, keys, exptime } : { kind: 'get', command, keys };
}

function parseTouch(tokens: string[]): TextRequest {
  if (tokens.length !== 3 && tokens.length !== 4) return errorRequest('ERROR');
  const noreply = tokens[tokens.length - 1] === 'noreply';
  const key = tokens[1] ?? '';
  if (key.length > KEY_MAX_LENGTH) return errorRequest(BAD_FORMAT, noreply);
  const exptime = parseCInt32(tokens[2] ?? '');
  if (exptime === undefined) return errorRequest(BAD_EXPTIME, noreply);
  return { kind: 'touch', key, exptime, noreply };
}

function parseDelete(tokens: string[]): TextRequest {
  if (tokens.length < 2 || tokens.length > 4) return errorRequest('ERROR');
  const noreply = tokens.length > 2 && tokens[tokens.length - 1] === 'noreply';
  if (tokens.length > 2) {
    // Beyond the key memcached allows only a legacy hold time of 0 and/or noreply.
    const holdIsZero = tokens[2] === '0';
    const valid = tokens.length === 3 ? holdIsZero || noreply : holdIsZero && noreply;
    if (!valid) return errorRequest(DELETE_USAGE, noreply);
  }
  const key = tokens[1] ?? '';
  if (key.length > KEY_MAX_LENGTH) return errorRequest(BAD_FORMAT, noreply);
  return { kind: 'delete', key, noreply };
}

function parseArithmetic(command: 'incr' | 'decr', tokens: string[]): TextRequest {
  if (tokens.length !== 3 && tokens.length !== 4) return errorRequest('ERROR');
  const noreply = tokens[tokens.length - 1] === 'noreply';
  const key = tokens[1] ?? '';
  if (key.length > KEY_MAX_LENGTH) return errorRequest(BAD_FORMAT, noreply);
  const delta = parseCUint64(tokens[2] ?? '');
  if (delta === undefined) return errorRequest('CLIENT_ERROR invalid numeric delta argument', noreply);
  return { kind: 'arithmetic', command, key, delta, noreply };
}

function parseFlushAll(tokens: string[]): TextRequest {
  if (tokens.length > 3) return errorRequest('ERROR');
  const noreply = tokens[tokens.length - 1] === 'noreply';
  // A delay is read from the first argument unless the only argument is noreply.
  if (tokens.length === (noreply ? 2 : 1)) return { kind: 'flush_all', delay: 0, noreply };
  const delay = parseCInt32(tokens[1] ?? '');
  if (delay === undefined) return errorRequest(BAD_EXPTIME, noreply);
  return { kind: 'flush_all', delay, noreply };
}

function parseVerbosity(tokens: string[]): TextRequest {
  if (tokens.length !== 2 && tokens.length !== 3) return errorRequest('ERROR');
  const noreply = tokens[tokens.length - 1] === 'noreply';
  const level = parseCUint32(tokens[1] ?? '');
  if (level === undefined) return errorRequest(BAD_FORMAT, noreply);
  return { kind: 'verbosity', level, noreply };
}

// ---------------------------------------------------------------------------------------------
// Replies, wire-ready with their CRLF.

export const END_REPLY = 'END\r\n';
export const OK_REPLY = 'OK\r\n';
export const ERROR_REPLY = 'ERROR\r\n';
/** stats reset's reply. */
export const RESET_REPLY = 'RESET\r\n';

/** One hit of get/gets/gat/gats: the VALUE line (with the CAS for gets/gats) and the data block. */
export function renderValue(key: string, flags: number, value: string, cas?: bigint): string {
  const casField = cas === undefined ? '' : ` ${cas}`;
  return `VALUE ${key} ${flags} ${value.length}${casField}\r\n${value}\r\n`;
}

/** STORED, NOT_STORED, EXISTS, NOT_FOUND, DELETED or TOUCHED. */
export function renderStorageResult(result: StorageResult): string {
  return `${result}\r\n`;
}

/** incr/decr's new value. */
export function renderCounter(value: bigint): string {
  return `${value}\r\n`;
}

export function renderVersion(version: string): string {
  return `VERSION ${version}\r\n`;
}

/** STAT lines followed by END. */
export function renderStats(stats: Iterable<readonly [string, string | number | bigint]>): string {
  let out = '';
  for (const [name, value] of stats) out += `STAT ${name} ${value}\r\n`;
  return out + END_REPLY;
}

export function renderClientError(message: string): string {
  return `CLIENT_ERROR ${message}\r\n`;
}

export function renderServerError(message: string): string {
  return `SERVER_ERROR ${message}\r\n`;
}
