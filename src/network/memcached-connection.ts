// One memcached client connection. The first byte picks the protocol for good (the binary request
// magic, else text), as memcached's auto-negotiation does; requests are parsed by the protocol codecs,
// executed by the MemcachedStore and rendered in that protocol's words, and the replies of one read
// batch go out in one write. The connection closes where memcached closes (quit, an over-long or
// garbage line, a broken binary header) and the server goes on.
//
// With requirepass set, text clients authenticate as memcached's -Y (ASCII auth) clients do, with
// `set <any key> 0 0 <n>` carrying "<user> <password>", and binary clients with SASL PLAIN; the user
// is an ACL user, and every request is checked as that user (network/memcached-acl.ts).
import { binaryAclEquivalent, textAclEquivalent, type AclEquivalent } from './memcached-acl.js';
import type { Socket } from 'node:net';
import { NO_MEMORY, type ItemHit, type MemcachedStore, type StoreOutcome } from '../engine/memcached-store.js';
import type { ServerState } from '../engine/server-context.js';
import {
  BinaryStatus,
  MemcachedBinaryParser,
  binaryCounterValue,
  binaryFlagsExtras,
  binaryReplySuppressed,
  binaryStorageStatus,
  detectMemcachedProtocol,
  encodeBinaryError,
  encodeBinaryMiss,
  encodeBinaryResponse,
  encodeBinaryStats,
  type BinaryParseResult,
  type BinaryRequest,
} from '../protocol/memcached-binary.js';
import {
  META_NOOP_REPLY,
  StorageResult,
  renderMetaArithmetic,
  renderMetaDebug,
  renderMetaDelete,
  renderMetaGet,
  renderMetaSet,
} from '../protocol/memcached-meta.js';
import {
  END_REPLY,
  ERROR_REPLY,
  MemcachedTextParser,
  OK_REPLY,
  RESET_REPLY,
  renderCounter,
  renderStats,
  renderStorageResult,
  renderValue,
  renderVersion,
  type RetrievalRequest,
  type StorageRequest,
  type TextRequest,
} from '../protocol/memcached-text.js';
import { MEMCACHED_COMPAT_VERSION, type ConnectionStats, type StatPairs } from './memcached-stats.js';

/** Past this many unsent bytes we stop reading from the client until its socket drains. */
const BACKPRESSURE_BYTES = 64 * 1024 * 1024;
/** Replies gathered past this size are written before the batch ends. */
const BATCH_OUTPUT_BYTES = 64 * 1024;

const OUT_OF_MEMORY = 'SERVER_ERROR out of memory storing object\r\n';
const READONLY_REPLY = "SERVER_ERROR READONLY You can't write against a read only replica.\r\n";
const BINARY_WRITES = new Set(['touch', 'gat', 'gatk', 'set', 'add', 'replace', 'append', 'prepend', 'delete', 'increment', 'decrement', 'flush']);

/** Text and meta requests that change the dataset (gat/gats and mg with a new TTL included). */
function isTextWrite(request: TextRequest): boolean {
  switch (request.kind) {
    case 'storage':
    case 'touch':
    case 'delete':
    case 'arithmetic':
    case 'flush_all':
    case 'ms':
    case 'md':
    case 'ma':
      return true;
    case 'get':
      return request.exptime !== undefined;
    default:
      return false;
  }
}
const NON_NUMERIC = 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n';
const TOO_LARGE = 'SERVER_ERROR object too large for cache\r\n';
const UNAUTHENTICATED = 'CLIENT_ERROR unauthenticated\r\n';
/** A request the connection's ACL user may not make (memcached has no such reply; this is ours). */
const NOPERM_REPLY = 'CLIENT_ERROR NOPERM this user has no permissions to run this command or access its keys\r\n';
/** Binary incr/decr with this exptime fail on a miss instead of creating the counter. */
const NO_VIVIFY_EXPTIME = 0xffffffff;
/** Binary commands memcached allows before SASL authentication. */
const BINARY_PRE_AUTH = new Set(['sasl_list_mechs', 'sasl_auth', 'sasl_step', 'version']);

/** What every memcached connection shares; the listener implements it. */
export interface MemcachedServices {
  readonly state: ServerState;
  readonly store: MemcachedStore;
  /** True when clients must authenticate: the default user has a password (requirepass). */
  authRequired(): boolean;
  /** The ACL user a request runs as may run it; checked as the equivalent Redis command. */
  permitted(user: string, eq: AclEquivalent): boolean;
  /** ACL credentials; true when the user exists, is on and the password matches. */
  checkCredentials(user: string, password: string): boolean;
  itemSizeMax(): number;
  setVerbosity(level: number): void;
  /** A stats group ('' the general one), undefined when memcached doesn't know it. */
  stats(group: string): StatPairs | undefined;
  /** After a read batch: clients blocked on keys the batch changed are served. */
  afterBatch(): void;
}

/** The protocol a connection speaks, chosen by its first byte. */
type ProtocolParser =
  | { readonly kind: 'text'; readonly parser: MemcachedTextParser }
  | { readonly kind: 'binary'; readonly parser: MemcachedBinaryParser };

interface BinaryReply {
  readonly status: number;
  readonly bytes: Buffer;
}

export class MemcachedConnection implements ConnectionStats {
  readonly addr: string;
  readonly laddr: string;
  lastCommandAt = Date.now();
  private protocol: ProtocolParser | undefined;
  private authenticated: boolean;
  /** The ACL user requests run as. */
  private user = 'default';
  private textOut = '';
  private binaryOut: Buffer[] = [];
  private closed = false;
  /** Input that arrived while the server must not run commands (a suspended script, CLIENT PAUSE). */
  private held: Buffer[] = [];
  private retry: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly services: MemcachedServices,
    onClosed: (c: MemcachedConnection) => void,
  ) {
    this.authenticated = !services.authRequired();
    this.addr = `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = `${socket.localAddress}:${socket.localPort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
      onClosed(this);
    });
  }

  private get store(): MemcachedStore {
    return this.services.store;
  }

  /**
   * memcached commands bypass the RESP gate, so they wait here while a script is suspended (its
   * atomicity) or clients are paused: memcached has no BUSY reply, a held client just waits, as
   * RESP clients do under CLIENT PAUSE.
   */
  private mustWait(): boolean {
    const state = this.services.state;
    return state.busyError !== null || state.pause.until > Date.now();
  }

  private hold(chunk: Buffer): void {
    this.held.push(chunk);
    this.socket.pause();
    if (this.retry !== undefined) return;
    const again = (): void => {
      if (this.closed) return;
      if (this.mustWait()) {
        this.retry = setTimeout(again, 5);
        return;
      }
      this.retry = undefined;
      const chunks = this.held;
      this.held = [];
      this.socket.resume();
      for (const c of chunks) this.onData(c);
    };
    this.retry = setTimeout(again, 5);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.held.length > 0 || this.mustWait()) return this.hold(chunk);
    this.store.counters.bytesRead += chunk.length;
    this.lastCommandAt = Date.now();
    const protocol = (this.protocol ??= this.negotiate(chunk[0] ?? 0));
    try {
      const open = protocol.kind === 'text' ? this.runText(protocol.parser, chunk) : this.runBinary(protocol.parser, chunk);
      if (open) this.flush();
      else this.close();
    } catch (e) {
      // A bug or a resource limit (V8's longest string) costs this connection, not the server.
      this.services.state.log.warning(`memcached connection ${this.addr} failed: ${(e as Error).message}`);
      this.destroy();
    }
    this.services.afterBatch();
  }

  private negotiate(firstByte: number): ProtocolParser {
    const itemSizeMax = this.services.itemSizeMax();
    if (detectMemcachedProtocol(firstByte) === 'text') return { kind: 'text', parser: new MemcachedTextParser({ itemSizeMax }) };
    return { kind: 'binary', parser: new MemcachedBinaryParser({ itemSizeMax, saslEnabled: this.services.authRequired() }) };
  }

  private flush(): void {
    if (this.closed) return;
    let bytes = 0;
    if (this.textOut.length > 0) {
      bytes = this.textOut.length;
      this.socket.write(this.textOut, 'latin1');
      this.textOut = '';
    } else if (this.binaryOut.length > 0) {
      const out = Buffer.concat(this.binaryOut);
      bytes = out.length;
      this.socket.write(out);
      this.binaryOut = [];
    }
    this.store.counters.bytesWritten += bytes;
    if (this.socket.writableLength > BACKPRESSURE_BYTES) this.socket.pause();
  }

  /** Sends what is pending, then closes. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket.end();
  }

  private destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  // ---------------------------------------------------------------------------------------------
  // Text and meta protocol. Each handler returns false when the connection is to be closed.

  private runText(parser: MemcachedTextParser, chunk: Buffer): boolean {
    parser.push(chunk);
    const keyspace = this.services.state.keyspace;
    for (let request = parser.next(); request !== undefined; request = parser.next()) {
      keyspace.now = Date.now();
      const open = this.authenticated ? this.textRequest(request) : this.textAuthentication(request);
      if (!open) return false;
      if (this.textOut.length > BATCH_OUTPUT_BYTES) this.flush();
    }
    return true;
  }

  /** A read-only replica refuses memcached writes too: the master's stream is its only writer. */
  private get readOnlyReplica(): boolean {
    const state = this.services.state;
    return state.keyspace.isReplica && state.config.getBool('replica-read-only');
  }

  private textRequest(request: TextRequest): boolean {
    const store = this.store;
    const eq = textAclEquivalent(request);
    if (eq !== undefined && !this.services.permitted(this.user, eq)) {
      this.textOut += NOPERM_REPLY;
      return true;
    }
    if (this.readOnlyReplica && isTextWrite(request)) {
      this.textReply('noreply' in request && request.noreply, READONLY_REPLY);
      return true;
    }
    switch (request.kind) {
      case 'get':
        this.textRetrieve(request);
        break;
      case 'storage':
        this.textStore(request);
        break;
      case 'touch':
        this.textReply(request.noreply, renderStorageResult(store.touch(request.key, request.exptime)));
        break;
      case 'delete':
        this.textReply(request.noreply, renderStorageResult(store.delete(request.key)));
        break;
      case 'arithmetic':
        this.textArithmetic(request.key, request.command === 'incr', request.delta, request.noreply);
        break;
      case 'flush_all':
        store.flushAll(request.delay);
        this.textReply(request.noreply, OK_REPLY);
        break;
      case 'verbosity':
        this.services.setVerbosity(request.level);
        this.textReply(request.noreply, OK_REPLY);
        break;
      case 'version':
        this.textOut += renderVersion(MEMCACHED_COMPAT_VERSION);
        break;
      case 'quit':
        return false;
      case 'stats':
        this.textOut += this.textStats(request.args);
        break;
      case 'error':
        if (request.reply === TOO_LARGE) store.counters.storeTooLarge++;
        if (request.reply !== null) this.textOut += request.reply;
        return !request.close;
      default:
        this.textOut += this.metaRequest(request) ?? '';
    }
    return true;
  }

  private textReply(noreply: boolean, reply: string): void {
    if (!noreply) this.textOut += reply;
  }

  private textRetrieve(request: RetrievalRequest): void {
    const store = this.store;
    const withCas = request.command === 'gets' || request.command === 'gats';
    const exptime = request.exptime;
    let out = '';
    for (const key of request.keys) {
      const hit = exptime === undefined ? store.get(key) : store.getAndTouch(key, exptime);
      if (hit !== undefined) out += renderValue(key, hit.flags, hit.value, withCas ? hit.cas : undefined);
    }
    this.textOut += out + END_REPLY;
  }

  private textStore(request: StorageRequest): void {
    const { command, key, value, flags, exptime, cas } = request;
    const outcome = this.store.store({ mode: command, key, value, flags, exptime, cas });
    this.textReply(request.noreply, outcome.result === NO_MEMORY ? OUT_OF_MEMORY : renderStorageResult(outcome.result));
  }

  private textArithmetic(key: string, incr: boolean, delta: bigint, noreply: boolean): void {
    const outcome = this.store.arithmetic({ key, incr, delta, cas: 0n });
    switch (outcome.kind) {
      case 'counter':
        return this.textReply(noreply, renderCounter(outcome.value));
      case 'non-numeric':
        return this.textReply(noreply, NON_NUMERIC);
      default:
        return this.textReply(noreply, renderStorageResult(StorageResult.NOT_FOUND));
    }
  }

  private textStats(args: readonly string[]): string {
    const group = args[0] ?? '';
    if (group === 'reset') {
      this.store.counters.reset();
      return RESET_REPLY;
    }
    if (group === 'detail') {
      const mode = args[1];
      if (mode === 'on' || mode === 'off') return OK_REPLY;
      return mode === 'dump' ? END_REPLY : 'CLIENT_ERROR usage: stats detail on|off|dump\r\n';
    }
    const stats = this.services.stats(group);
    return stats === undefined ? ERROR_REPLY : renderStats(stats);
  }

  /** mg ms md ma me mn; null when q hides the reply. */
  private metaRequest(request: Extract<TextRequest, { kind: 'mg' | 'ms' | 'md' | 'ma' | 'me' | 'mn' }>): string | null {
    const store = this.store;
    switch (request.kind) {
      case 'mg': {
        const hit = store.metaGet(request);
        // memcached echoes a hit's key as the item was stored, whatever this request's b says.
        const echo = hit === undefined || hit.binaryKey === request.flags.base64Key ? request : { ...request, flags: { ...request.flags, base64Key: hit.binaryKey } };
        return renderMetaGet(echo, hit);
      }
      case 'ms': {
        const outcome = store.metaSet(request);
        return outcome.result === NO_MEMORY ? OUT_OF_MEMORY : renderMetaSet(request, outcome.result, outcome.cas);
      }
      case 'md':
        return renderMetaDelete(request, store.metaDelete(request));
      case 'ma': {
        const outcome = store.metaArithmetic(request);
        return outcome === 'non-numeric' ? NON_NUMERIC : renderMetaArithmetic(request, outcome);
      }
      case 'me': {
        const info = store.metaDebug(request.key);
        return renderMetaDebug(info === undefined ? request : { ...request, base64Key: info.binaryKey }, info);
      }
      case 'mn':
        store.counters.cmdMeta++;
        return META_NOOP_REPLY;
    }
  }

  /** memcached's ASCII auth: until a `set` carrying "<user> <password>" succeeds, nothing else runs. */
  private textAuthentication(request: TextRequest): boolean {
    if (request.kind === 'error' && request.close) return false;
    if (request.kind !== 'storage' || request.command !== 'set') {
      this.textOut += UNAUTHENTICATED;
      return true;
    }
    const tokens = request.value.split(' ').filter((token) => token !== '');
    const password = tokens[1];
    if (password === undefined) {
      this.textOut += 'CLIENT_ERROR bad authentication token format\r\n';
      return true;
    }
    this.authenticated = this.checkPassword(tokens[0], password);
    this.textOut += this.authenticated ? renderStorageResult(StorageResult.STORED) : 'CLIENT_ERROR authentication failure\r\n';
    return true;
  }

  private checkPassword(user: string, password: string): boolean {
    const counters = this.store.counters;
    counters.authCmds++;
    const ok = this.services.checkCredentials(user, password);
    if (ok) this.user = user;
    else counters.authErrors++;
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Binary protocol.

  private runBinary(parser: MemcachedBinaryParser, chunk: Buffer): boolean {
    parser.push(chunk);
    const keyspace = this.services.state.keyspace;
    for (let request = parser.next(); request !== undefined; request = parser.next()) {
      keyspace.now = Date.now();
      if (!this.binaryRequest(request)) return false;
      if (this.binaryOut.length > 1024) this.flush();
    }
    return true;
  }

  private binaryRequest(request: BinaryParseResult): boolean {
    if (request.kind === 'error') {
      if (request.reply !== null) {
        if (request.reply.readUInt16BE(6) === BinaryStatus.ValueTooLarge) this.store.counters.storeTooLarge++;
        this.binaryOut.push(request.reply);
      }
      return !request.close;
    }
    if (!this.authenticated && !BINARY_PRE_AUTH.has(request.command)) {
      this.binaryOut.push(encodeBinaryError(request.opcode, request.opaque, BinaryStatus.AuthError));
      return false;
    }
    const eq = binaryAclEquivalent(request);
    if (eq !== undefined && !this.services.permitted(this.user, eq)) {
      this.binaryOut.push(encodeBinaryError(request.opcode, request.opaque, BinaryStatus.AuthError));
      return true;
    }
    const reply = this.readOnlyReplica && BINARY_WRITES.has(request.command) ? binaryStatusReply(request, BinaryStatus.ItemNotStored) : this.binaryReply(request);
    if (!binaryReplySuppressed(request, reply.status)) this.binaryOut.push(reply.bytes);
    return request.command !== 'quit';
  }

  private binaryReply(request: BinaryRequest): BinaryReply {
    const store = this.store;
    switch (request.command) {
      case 'get':
      case 'getk':
        return binaryHit(request, store.get(request.key));
      case 'touch':
      case 'gat':
      case 'gatk':
        return binaryHit(request, store.getAndTouch(request.key, request.exptime));
      case 'set':
      case 'add':
      case 'replace': {
        const { key, value, flags, exptime, cas } = request;
        // memcached turns any store with a CAS into a CAS store, even add.
        const mode = cas !== 0n ? 'cas' : request.command;
        return binaryStored(request, store.store({ mode, key, value, flags, exptime, cas }));
      }
      case 'append':
      case 'prepend': {
        const { key, value, cas } = request;
        return binaryStored(request, store.store({ mode: request.command, key, value, flags: 0, exptime: 0, cas }));
      }
      case 'delete':
        return binaryStatusReply(request, binaryStorageStatus('delete', store.delete(request.key, request.cas)));
      case 'increment':
      case 'decrement':
        return this.binaryArithmetic(request);
      case 'flush':
        store.flushAll(request.delay);
        return binaryOk(request);
      case 'version':
        return binaryOk(request, MEMCACHED_COMPAT_VERSION);
      case 'noop':
      case 'quit':
        return binaryOk(request);
      case 'stat':
        return this.binaryStats(request);
      case 'sasl_list_mechs':
        return binaryOk(request, 'PLAIN');
      case 'sasl_auth':
        return this.binarySaslAuth(request);
      case 'sasl_step':
        return binaryStatusReply(request, BinaryStatus.AuthError);
    }
  }

  private binaryArithmetic(request: Extract<BinaryRequest, { command: 'increment' | 'decrement' }>): BinaryReply {
    const { key, delta, initial, exptime, cas } = request;
    const vivify = exptime === NO_VIVIFY_EXPTIME ? undefined : { initial, exptime };
    const outcome = this.store.arithmetic({ key, incr: request.command === 'increment', delta, cas, vivify });
    switch (outcome.kind) {
      case 'counter': {
        const bytes = encodeBinaryResponse({ opcode: request.opcode, opaque: request.opaque, cas: outcome.cas, value: binaryCounterValue(outcome.value) });
        return { status: BinaryStatus.NoError, bytes };
      }
      case 'non-numeric':
        return binaryStatusReply(request, BinaryStatus.NonNumeric);
      case 'exists':
        return binaryStatusReply(request, BinaryStatus.KeyExists);
      case 'not-found':
        return binaryStatusReply(request, BinaryStatus.KeyNotFound);
    }
  }

  private binaryStats(request: Extract<BinaryRequest, { command: 'stat' }>): BinaryReply {
    if (request.group === 'reset') {
      this.store.counters.reset();
      return { status: BinaryStatus.NoError, bytes: encodeBinaryStats(request.opcode, request.opaque, []) };
    }
    const stats = this.services.stats(request.group);
    if (stats === undefined) return binaryStatusReply(request, BinaryStatus.KeyNotFound);
    return { status: BinaryStatus.NoError, bytes: encodeBinaryStats(request.opcode, request.opaque, stats) };
  }

  /** SASL PLAIN: "authzid NUL user NUL password" in one step. */
  private binarySaslAuth(request: Extract<BinaryRequest, { command: 'sasl_auth' | 'sasl_step' }>): BinaryReply {
    const parts = request.data.split('\0');
    const password = request.mechanism === 'PLAIN' && parts.length === 3 ? parts[2] : undefined;
    if (password === undefined || !this.checkPassword(parts[1], password)) {
      if (password === undefined) this.store.counters.authErrors++;
      return binaryStatusReply(request, BinaryStatus.AuthError);
    }
    this.authenticated = true;
    return binaryOk(request, 'Authenticated');
  }
}

function binaryOk(request: BinaryRequest, value?: string): BinaryReply {
  return { status: BinaryStatus.NoError, bytes: encodeBinaryResponse({ opcode: request.opcode, opaque: request.opaque, value }) };
}

function binaryStatusReply(request: BinaryRequest, status: BinaryStatus): BinaryReply {
  if (status === BinaryStatus.NoError) return binaryOk(request);
  return { status, bytes: encodeBinaryError(request.opcode, request.opaque, status) };
}

/** get/getk/gat/gatk/touch: the flags as extras, the key for the k variants, no value for touch. */
function binaryHit(request: Extract<BinaryRequest, { command: 'get' | 'getk' | 'touch' | 'gat' | 'gatk' }>, hit: ItemHit | undefined): BinaryReply {
  if (hit === undefined) return { status: BinaryStatus.KeyNotFound, bytes: encodeBinaryMiss(request) };
  const withKey = request.command === 'getk' || request.command === 'gatk';
  const bytes = encodeBinaryResponse({
    opcode: request.opcode,
    opaque: request.opaque,
    cas: hit.cas,
    extras: binaryFlagsExtras(hit.flags),
    key: withKey ? request.key : undefined,
    value: request.command === 'touch' ? undefined : hit.value,
  });
  return { status: BinaryStatus.NoError, bytes };
}

function binaryStored(request: Extract<BinaryRequest, { command: 'set' | 'add' | 'replace' | 'append' | 'prepend' }>, outcome: StoreOutcome): BinaryReply {
  if (outcome.result === NO_MEMORY) return binaryStatusReply(request, BinaryStatus.OutOfMemory);
  const status = binaryStorageStatus(request.command, outcome.result);
  if (status !== BinaryStatus.NoError) return binaryStatusReply(request, status);
  return { status, bytes: encodeBinaryResponse({ opcode: request.opcode, opaque: request.opaque, cas: outcome.cas }) };
}
