// The replica's link to its master, as Redis 7.0's syncWithMaster/readSyncBulkPayload: connect,
// PING, AUTH, REPLCONF listening-port/ip-address/capa, PSYNC; then either +CONTINUE (the stream
// resumes where we were) or +FULLRESYNC and the RDB payload (sized bulk or EOF-marked), loaded
// beside the live dataset and swapped in only when it loaded whole; then the command stream,
// applied through the one command path as the master client, with REPLCONF ACK every second.
// Any failure is a log line, a closed link and a retry a second later; the dataset stays as it was.
import { connect, type Socket } from 'node:net';
import { Client, type ClientTransport } from '../engine/client.js';
import { ReplBacklog } from './backlog.js';
import type { Replication } from './replication.js';
import { NULL_REPLID } from './replication.js';
import { PayloadStream } from './payload-stream.js';
import { encodeCommand } from './stream-encoding.js';
import { StreamError, StreamParser } from './stream-parser.js';

/** ROLE's words for the link: connect (waiting to retry), connecting, handshake, sync, connected. */
export type LinkState = 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';

/** What the persistence layer does for a replica: load a master's RDB payload, whole or not at all. */
export interface DatasetLoader {
  /**
   * Parses an RDB payload, as it arrives, into databases beside the live ones, in slices; calls back
   * once the stream ended with the error (nothing loaded), or with `commit`, which swaps the loaded
   * databases in. `totalBytes` is -1 when unknown (EOF-marked).
   */
  loadReplicationPayload(payload: AsyncIterable<Buffer>, totalBytes: number, done: (error: Error | undefined, commit: () => void) => void): void;
}

type Phase = 'lines' | 'bulk-header' | 'payload' | 'loading' | 'stream';

const EOF_MARK_SIZE = 40;

export class MasterLink {
  state: LinkState = 'connect';
  /** PSYNC asks for this history: our own ids and offset, or those of the master we lost. */
  cachedReplid = '?';
  cachedOffset = -1;
  /** Database the master's stream is positioned on: a +CONTINUE resumes mid-stream, without a SELECT. */
  streamDb = 0;
  lastIo = Date.now();
  /** When the link went down (ms), 0 before the first connection. */
  downSince = 0;
  /** Stream bytes received (slave_read_repl_offset). */
  readOffset = 0;
  transferSize = -1;
  transferRead = 0;
  client: Client | null = null;
  private socket: Socket | null = null;
  private phase: Phase = 'lines';
  private lineBuf: Buffer = Buffer.alloc(0);
  private replyHandlers: ((line: string) => void)[] = [];
  private payload: PayloadStream | undefined;
  /** The load of the payload being received finished (error or commit) before the payload's end. */
  private loadResult: [Error | undefined, () => void] | undefined;
  private eofMark: Buffer | null = null;
  private parser: StreamParser;
  private retryAt = 0;
  private closed = false;
  private lastAck = 0;
  private lastProgressLog = 0;
  private applying = false;
  private applyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repl: Replication,
    readonly host: string,
    readonly port: number,
    private readonly loader: DatasetLoader,
  ) {
    this.parser = new StreamParser(repl.server.config.getNumber('proto-max-bulk-len'));
  }

  private get log() {
    return this.repl.server.log;
  }

  connect(): void {
    if (this.closed) return;
    this.setState('connecting');
    this.phase = 'lines';
    this.lineBuf = Buffer.alloc(0);
    this.replyHandlers = [];
    // Bytes of a command cut by the lost link are not ours: the master resends from our offset.
    this.parser = new StreamParser(this.repl.server.config.getNumber('proto-max-bulk-len'));
    this.lastIo = Date.now();
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(!this.repl.server.config.getBool('repl-disable-tcp-nodelay'));
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.log.notice('Non blocking connect for SYNC fired the event.');
      this.setState('handshake');
      this.handshake();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on('error', (e) => {
      if (this.socket === socket) this.fail(this.state === 'connecting' ? `Error condition on socket for SYNC: ${e.message}` : `Error on the link with MASTER: ${e.message}`);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail(this.state === 'connected' ? 'Connection with master lost.' : 'Master closed the connection during the synchronization.');
    });
  }

  /** Stops following the master (REPLICAOF elsewhere or NO ONE, shutdown). */
  close(): void {
    this.closed = true;
    this.dropSocket();
    if (this.applyTimer !== undefined) clearTimeout(this.applyTimer);
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
    if (this.client !== null) {
      const client = this.client;
      this.client = null;
      this.repl.server.clients.delete(client.id);
      for (const hook of this.repl.server.clientClosedHooks) hook(client);
    }
    if (this.phase === 'loading') this.repl.server.loading = false;
    this.payload?.fail(new Error('the link with the master was lost'));
    this.payload = undefined;
  }

  private setState(state: LinkState): void {
    const wasUp = this.state === 'connected';
    this.state = state;
    if (wasUp && state !== 'connected') this.downSince = Date.now();
    if (state !== 'connected' && this.downSince === 0) this.downSince = Date.now();
    this.repl.refreshStale();
  }

  /** A failed step: log it, drop the link, try again in a second. Keeps the dataset and the cached offsets. */
  private fail(reason: string): void {
    if (this.closed) return;
    if (this.state === 'connected') {
      // The master we lose becomes the cached master: PSYNC continues from what we applied.
      this.cachedReplid = this.repl.replid;
      this.cachedOffset = this.repl.masterReplOffset;
      this.streamDb = this.client?.dbIndex ?? this.streamDb;
      this.log.notice(`${reason} Caching the disconnected master state.`);
    } else {
      this.log.warning(reason);
    }
    this.dropSocket();
    this.setState('connect');
    this.retryAt = Date.now() + 1000;
  }

  // ---- handshake ------------------------------------------------------------------------------

  private send(argv: string[]): void {
    this.socket?.write(encodeCommand(argv), 'latin1');
  }

  private expect(handler: (line: string) => void): void {
    this.replyHandlers.push(handler);
  }

  private handshake(): void {
    const config = this.repl.server.config;
    this.send(['PING']);
    this.expect((line) => {
      // An authentication error still proves the master is there; AUTH follows.
      if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
        return this.fail(`Error reply to PING from master: '${line.slice(1)}'`);
      }
      this.log.notice('Master replied to PING, replication can continue...');
      const auth = config.get('masterauth') ?? '';
      const user = config.get('masteruser') ?? '';
      if (auth !== '') {
        this.send(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
        this.expect((reply) => {
          if (reply.startsWith('-')) this.fail(`Unable to AUTH to MASTER: ${reply.slice(1)}`);
        });
      }
      const announcePort = config.getNumber('replica-announce-port');
      this.send(['REPLCONF', 'listening-port', String(announcePort > 0 ? announcePort : this.repl.server.control?.port ?? config.getNumber('port'))]);
      this.expect((reply) => {
        if (reply.startsWith('-')) this.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${reply.slice(1)}`);
      });
      const announceIp = config.get('replica-announce-ip') ?? '';
      if (announceIp !== '') {
        this.send(['REPLCONF', 'ip-address', announceIp]);
        this.expect((reply) => {
          if (reply.startsWith('-')) this.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${reply.slice(1)}`);
        });
      }
      this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
      this.expect((reply) => {
        if (reply.startsWith('-')) this.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${reply.slice(1)}`);
        if (this.socket !== null) this.sendPsync();
      });
    });
  }

  private sendPsync(): void {
    const replid = this.cachedReplid;
    const offset = replid === '?' ? -1 : this.cachedOffset + 1;
    if (replid !== '?') this.log.notice(`Trying a partial resynchronization (request ${replid}:${offset}).`);
    else this.log.notice('Partial resynchronization not possible (no cached master)');
    // Sent by a master handing over (FAILOVER): the target promotes itself before answering.
    this.send(this.repl.failover.inProgress ? ['PSYNC', replid, String(offset), 'FAILOVER'] : ['PSYNC', replid, String(offset)]);
    this.expect((line) => this.psyncReply(line));
  }

  private psyncReply(line: string): void {
    if (line === '') {
      // The master keeps the link alive with newlines while it prepares the snapshot.
      this.expect((next) => this.psyncReply(next));
      return;
    }
    const fullMatch = /^\+FULLRESYNC ([0-9a-f]{40}) ([0-9]+)$/.exec(line);
    const cont = /^\+CONTINUE(?: ([0-9a-f]{40}))?$/.exec(line);
    if (fullMatch !== null || cont !== null) this.repl.failover.completed();
    else if (this.repl.failover.inProgress) return this.repl.failover.abort('Failover target rejected psync request');
    if (fullMatch !== null) {
      this.log.notice(`Full resync from master: ${fullMatch[1]}:${fullMatch[2]}`);
      this.beginTransfer(fullMatch[1], Number(fullMatch[2]));
      return;
    }
    if (cont !== null) {
      this.continueStream(cont[1]);
      return;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      return this.fail(`Master is currently unable to PSYNC but should be in the future: ${line.slice(1)}`);
    }
    if (line.startsWith('-')) return this.fail(`Unexpected reply to PSYNC from master: ${line.slice(1)}`);
    this.fail(`Unexpected reply to PSYNC from master: ${JSON.stringify(line.slice(0, 64))}`);
  }

  /** +CONTINUE [new id]: keep the dataset, resume the stream; a new id means the master was promoted. */
  private continueStream(newId: string | undefined): void {
    const repl = this.repl;
    this.log.notice('Successful partial resynchronization with master.');
    repl.masterReplOffset = this.cachedOffset;
    if (newId !== undefined && newId !== this.cachedReplid) {
      repl.replid2 = this.cachedReplid;
      repl.secondReplOffset = repl.masterReplOffset + 1;
      repl.replid = newId;
      this.log.notice(`Master replication ID changed to ${newId}`);
      // Our sub-replicas must learn the new id: they reconnect and continue partially.
      repl.disconnectReplicas();
    } else if (newId !== undefined) {
      repl.replid = newId;
    }
    if (repl.backlog === null || repl.backlog.offset !== repl.masterReplOffset) repl.backlog = new ReplBacklog(repl.server.config.getNumber('repl-backlog-size'), repl.masterReplOffset);
    this.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
    this.startStream(this.lineBuf);
  }

  // ---- full sync ------------------------------------------------------------------------------

  private beginTransfer(replid: string, offset: number): void {
    this.setState('transfer');
    this.phase = 'bulk-header';
    this.transferSize = -1;
    this.transferRead = 0;
    this.eofTail = Buffer.alloc(0);
    this.pendingReplid = replid;
    this.pendingOffset = offset;
  }

  private pendingReplid = NULL_REPLID;
  private pendingOffset = 0;
  /** The last bytes of an EOF-marked payload, compared with the mark. */
  private eofTail: Buffer = Buffer.alloc(0);

  private bulkHeader(line: string): void {
    if (line === '') return;
    if (line.startsWith('-')) return this.fail(`MASTER aborted replication with an error: ${line.slice(1)}`);
    const eof = /^\$EOF:(.{40})$/.exec(line);
    if (eof !== null) {
      this.eofMark = Buffer.from(eof[1], 'latin1');
      this.log.notice('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to memory');
    } else if (/^\$[0-9]+$/.test(line)) {
      this.eofMark = null;
      this.transferSize = Number(line.slice(1));
      this.log.notice(`MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master to memory`);
    } else {
      return this.fail(`Bad protocol from MASTER, the first byte is not '$' (we received '${line.slice(0, 64)}'), are you sure the host and port are right?`);
    }
    this.phase = 'payload';
    this.startLoad();
    const rest = this.lineBuf;
    this.lineBuf = Buffer.alloc(0);
    if (rest.length > 0) this.payloadData(rest);
  }

  private payloadData(chunk: Buffer): void {
    if (this.eofMark === null) {
      const want = this.transferSize - this.transferRead;
      const take = chunk.length <= want ? chunk : chunk.subarray(0, want);
      this.payload?.push(take);
      this.transferRead += take.length;
      if (this.transferRead === this.transferSize) this.payloadDone(take.length < chunk.length ? chunk.subarray(take.length) : Buffer.alloc(0));
      return;
    }
    // The mark goes to the loader too: it ends at the RDB's own EOF and leaves the mark as its rest.
    this.payload?.push(chunk);
    this.transferRead += chunk.length;
    // As Redis: the payload ends when the last bytes received are the mark (the master sends nothing
    // after it until our first ACK).
    const tail = Buffer.concat([this.eofTail, chunk.subarray(Math.max(0, chunk.length - EOF_MARK_SIZE))]);
    this.eofTail = tail.subarray(Math.max(0, tail.length - EOF_MARK_SIZE));
    if (this.transferRead < EOF_MARK_SIZE || !this.eofTail.equals(this.eofMark)) return;
    this.transferSize = this.transferRead - EOF_MARK_SIZE;
    this.payloadDone(Buffer.alloc(0));
  }

  private logProgress(): void {
    const now = Date.now();
    if (now - this.lastProgressLog < 1000) return;
    this.lastProgressLog = now;
    const total = this.transferSize > 0 ? ` of ${this.transferSize}` : '';
    this.log.notice(`MASTER <-> REPLICA sync: received ${this.transferRead}${total} bytes`);
  }

  /** The loader starts on the payload's first bytes and parses them as they arrive, beside the live data. */
  private startLoad(): void {
    const stream = new PayloadStream();
    this.payload = stream;
    this.loadResult = undefined;
    const socket = this.socket;
    this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory while receiving it');
    this.loader.loadReplicationPayload(stream, this.transferSize, (error, commit) => {
      // The link went away: the payload's history is not ours to adopt.
      if (this.socket !== socket || this.closed || this.payload !== stream) return;
      if (this.phase !== 'payload') return this.loaded(error, commit);
      // A corrupt payload fails before its end; a whole one waits for the end of the transfer.
      if (error !== undefined) return this.loaded(error, commit);
      this.loadResult = [error, commit];
    });
  }

  private payloadDone(rest: Buffer): void {
    this.payload?.end();
    this.phase = 'loading';
    this.parser = new StreamParser(this.repl.server.config.getNumber('proto-max-bulk-len'));
    if (rest.length > 0) this.parser.feed(rest);
    this.repl.server.loading = true;
    const result = this.loadResult;
    this.loadResult = undefined;
    if (result !== undefined) this.loaded(result[0], result[1]);
  }

  private loaded(error: Error | undefined, commit: () => void): void {
    const repl = this.repl;
    repl.server.loading = false;
    this.payload = undefined;
    if (error !== undefined) {
      this.fail(`Failed trying to load the MASTER synchronization DB from socket: ${error.message}`);
      return;
    }
    this.log.notice('MASTER <-> REPLICA sync: Flushing old data');
    commit();
    // The new history: our sub-replicas must sync again from it.
    repl.disconnectReplicas();
    repl.replid = this.pendingReplid;
    repl.replid2 = NULL_REPLID;
    repl.secondReplOffset = -1;
    repl.masterReplOffset = this.pendingOffset;
    repl.backlog = new ReplBacklog(repl.server.config.getNumber('repl-backlog-size'), this.pendingOffset);
    this.streamDb = 0;
    this.log.notice('MASTER <-> REPLICA sync: Finished with success');
    this.startStream(Buffer.alloc(0));
  }

  // ---- the stream -----------------------------------------------------------------------------

  private startStream(rest: Buffer): void {
    const server = this.repl.server;
    this.phase = 'stream';
    this.lineBuf = Buffer.alloc(0);
    this.readOffset = this.repl.masterReplOffset;
    if (rest.length > 0) {
      this.parser.feed(rest);
      this.readOffset += rest.length;
    }
    const client = new Client(server.nextClientId++, this.transport(), false);
    client.isMaster = true;
    client.authenticated = true;
    client.dbIndex = this.streamDb;
    client.writer.onError = (line) => this.log.warning(`Error from the master's stream, ignored: ${line}`);
    this.client = client;
    server.clients.set(client.id, client);
    this.setState('connected');
    this.sendAck();
    this.applyStream();
  }

  private transport(): ClientTransport {
    const link = this;
    return {
      addr: `${this.host}:${this.port}`,
      get laddr() {
        return `${link.socket?.localAddress ?? ''}:${link.socket?.localPort ?? 0}`;
      },
      fd: -1,
      // Replies to the master are never sent (REPLCONF ACK is written by the link itself).
      flush: () => void link.client?.writer.take(),
      close: () => link.fail('Connection with master closed by a command.'),
      outputBytes: () => 0,
      queryBytes: () => link.parser.pendingBytes,
      resume: () => link.applyStream(),
    };
  }

  /** Applies every whole command received, advancing the offset and proxying the bytes to sub-replicas. */
  private applyStream(): void {
    if (this.applying || this.phase !== 'stream' || this.client === null) return;
    const server = this.repl.server;
    const client = this.client;
    this.applying = true;
    try {
      for (;;) {
        // A suspended script must find the dataset as it left it: the stream waits.
        if (server.busyError !== null || server.loading) {
          this.applyTimer ??= setTimeout(() => {
            this.applyTimer = undefined;
            this.applyStream();
          }, 5);
          break;
        }
        let cmd;
        try {
          cmd = this.parser.next();
        } catch (e) {
          if (!(e instanceof StreamError)) throw e;
          this.fail(`${e.message} from MASTER: closing the link`);
          return;
        }
        if (cmd === undefined) break;
        client.lastInteraction = Date.now();
        this.dispatcher.execute(client, cmd.argv);
        client.writer.take();
        this.repl.feedFromMaster(cmd.raw);
        if (this.client !== client) break;
      }
    } finally {
      this.applying = false;
    }
  }

  private get dispatcher() {
    return this.repl.dispatcher;
  }

  /** REPLCONF ACK <offset applied>: every second, and when the master asks (GETACK). */
  sendAck(): void {
    if (this.socket === null || this.state !== 'connected') return;
    this.lastAck = Date.now();
    this.send(['REPLCONF', 'ACK', String(this.repl.masterReplOffset)]);
  }

  // ---- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastIo = Date.now();
    this.repl.server.stats.netReplInputBytes += chunk.length;
    switch (this.phase) {
      case 'lines':
      case 'bulk-header':
        this.lineBuf = this.lineBuf.length === 0 ? chunk : Buffer.concat([this.lineBuf, chunk]);
        this.readLines();
        return;
      case 'payload':
        this.payloadData(chunk);
        this.logProgress();
        return;
      case 'loading':
        this.parser.feed(chunk);
        this.readOffset += chunk.length;
        return;
      case 'stream':
        this.parser.feed(chunk);
        this.readOffset += chunk.length;
        this.applyStream();
    }
  }

  private readLines(): void {
    while (this.socket !== null && (this.phase === 'lines' || this.phase === 'bulk-header')) {
      const nl = this.lineBuf.indexOf(0x0a);
      if (nl === -1) {
        if (this.lineBuf.length > 64 * 1024) this.fail('Bad protocol from MASTER: reply line too long');
        return;
      }
      let end = nl;
      if (end > 0 && this.lineBuf[end - 1] === 0x0d) end--;
      const line = this.lineBuf.toString('latin1', 0, end);
      this.lineBuf = this.lineBuf.subarray(nl + 1);
      if (this.phase === 'bulk-header') {
        this.bulkHeader(line);
        continue;
      }
      const handler = this.replyHandlers.shift();
      if (handler === undefined) {
        if (line === '') continue;
        return this.fail(`Unexpected reply from MASTER during the handshake: ${JSON.stringify(line.slice(0, 64))}`);
      }
      handler(line);
    }
  }

  // ---- timers ---------------------------------------------------------------------------------

  cron(): void {
    const now = Date.now();
    const timeout = this.repl.server.config.getNumber('repl-timeout') * 1000;
    switch (this.state) {
      case 'connect':
        if (now >= this.retryAt) {
          this.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
          this.connect();
        }
        return;
      case 'connecting':
      case 'handshake':
        if (now - this.lastIo > timeout) this.fail('Timeout connecting to the MASTER...');
        return;
      case 'transfer':
        if (this.phase !== 'loading' && now - this.lastIo > timeout) this.fail('Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.');
        return;
      case 'connected':
        if (now - this.lastIo > timeout) return this.fail('MASTER timeout: no data nor PING received...');
        if (now - this.lastAck >= 1000) this.sendAck();
    }
  }
}
