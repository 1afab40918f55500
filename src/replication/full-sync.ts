// The master's full sync: replicas that asked for one wait (wait_bgsave), a point-in-time snapshot
// starts for all of them at one offset (+FULLRESYNC replid offset), its RDB bytes go to their
// sockets while the live stream is held for each (send_bulk), then the held stream follows (online).
// Diskless (repl-diskless-sync yes, the 7.0 default, for replicas that announced capa eof): the
// snapshot streams straight to the sockets between "$EOF:<mark>" and the mark, after
// repl-diskless-sync-delay seconds so that replicas arriving together share one snapshot (or as soon
// as repl-diskless-sync-max-replicas are waiting). Otherwise it is written to a file first and sent
// as a sized bulk. The snapshot is sliced by its writer; we only pause it when a socket is full.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, unlinkSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ReplicaLink } from './replica-link.js';
import type { Replication } from './replication.js';

/** The replication facts an RDB carries in its aux fields, so a restarted node can continue (PSYNC). */
export interface ReplicationAux {
  replid: string;
  offset: number;
  /** Database the stream is positioned on (repl-stream-db); -1 when unknown. */
  streamDb: number;
}

export interface SnapshotHandle {
  /** Continues after `write` returned false. */
  resume(): void;
  /** Stops the snapshot; `done` is not called. */
  abort(): void;
}

/** What the persistence layer does for a master: a point-in-time RDB snapshot, as a byte stream. */
export interface SnapshotProvider {
  /** True while another snapshot (a BGSAVE) runs: a full sync waits for it to end. */
  busy(): boolean;
  /**
   * Starts a point-in-time snapshot of every database in RDB format, the replication aux fields
   * (our id and offset at this instant) included. `write` gets the bytes in order and returns false
   * to pause until resume(); `done` is called once, with an error if the snapshot failed.
   */
  streamSnapshot(write: (chunk: Buffer) => boolean, done: (error: Error | undefined) => void): SnapshotHandle;
}

interface Transfer {
  targets: Set<ReplicaLink>;
  diskless: boolean;
  handle: SnapshotHandle | undefined;
  mark: Buffer;
  /** Replicas whose socket is full: the snapshot waits for them. */
  blocked: Set<ReplicaLink>;
  blockedSince: number;
  file: string;
  fileStream: WriteStream | undefined;
  bytes: number;
  startedAt: number;
  lastLog: number;
}

export class FullSync {
  private readonly waiting = new Set<ReplicaLink>();
  private transfer: Transfer | undefined;

  constructor(private readonly repl: Replication) {}

  get inProgress(): boolean {
    return this.transfer !== undefined;
  }

  enqueue(link: ReplicaLink): void {
    link.state = 'wait_bgsave';
    this.waiting.add(link);
    const config = this.repl.server.config;
    const diskless = config.getBool('repl-diskless-sync') && link.hello.capaEof;
    if (diskless) {
      this.repl.server.log.notice(`Delay next BGSAVE for diskless SYNC`);
    }
    this.cron();
  }

  forget(link: ReplicaLink): void {
    this.waiting.delete(link);
    const t = this.transfer;
    if (t === undefined || !t.targets.delete(link)) return;
    t.blocked.delete(link);
    if (t.targets.size === 0 && t.diskless) {
      this.repl.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      this.finish(t);
    } else if (t.blocked.size === 0) t.handle?.resume();
  }

  abort(): void {
    const t = this.transfer;
    if (t !== undefined) this.finish(t);
    for (const link of this.waiting) link.client.transport?.close(false);
    this.waiting.clear();
  }

  cron(): void {
    const t = this.transfer;
    const config = this.repl.server.config;
    if (t !== undefined) {
      const timeout = config.getNumber('repl-timeout') * 1000;
      if (t.blocked.size > 0 && Date.now() - t.blockedSince > timeout) {
        for (const link of [...t.blocked]) {
          this.repl.server.log.warning(`Disconnecting timedout replica (full sync): ${link.ip}:${link.port}`);
          link.client.transport?.close(false);
        }
      }
      return;
    }
    if (this.waiting.size === 0 || this.repl.snapshots.busy()) return;
    const links = [...this.waiting];
    const diskless = config.getBool('repl-diskless-sync') && links.every((l) => l.hello.capaEof);
    if (diskless) {
      const delay = config.getNumber('repl-diskless-sync-delay') * 1000;
      const max = config.getNumber('repl-diskless-sync-max-replicas');
      const oldest = Math.min(...links.map((l) => l.waitingSince));
      if (!(max > 0 && links.length >= max) && Date.now() - oldest < delay) return;
    }
    this.start(links, diskless);
  }

  private start(links: ReplicaLink[], diskless: boolean): void {
    const repl = this.repl;
    const server = repl.server;
    this.waiting.clear();
    const offset = repl.masterReplOffset;
    // The held stream of these replicas starts at the snapshot's offset, with a SELECT.
    repl.forceSelect();
    const t: Transfer = {
      targets: new Set(links),
      diskless,
      handle: undefined,
      mark: Buffer.from(randomBytes(20).toString('hex'), 'latin1'),
      blocked: new Set(),
      blockedSince: 0,
      file: join(server.config.get('dir') ?? '.', `temp-repl-${process.pid}-${Date.now()}.rdb`),
      fileStream: undefined,
      bytes: 0,
      startedAt: Date.now(),
      lastLog: Date.now(),
    };
    this.transfer = t;
    for (const link of links) {
      link.state = 'send_bulk';
      if (!link.legacySync) link.client.writer.raw(`+FULLRESYNC ${repl.replid} ${offset}\r\n`);
      if (diskless) link.client.writer.raw(`$EOF:${t.mark.toString('latin1')}\r\n`);
      link.client.flush();
    }
    const targetNames = links.map((l) => `${l.ip}:${l.port}`).join(', ');
    server.log.notice(`Starting BGSAVE for SYNC with target: ${diskless ? `replicas sockets (${targetNames})` : 'disk'}`);
    if (diskless) {
      t.handle = repl.snapshots.streamSnapshot((chunk) => this.toSockets(t, chunk), (error) => this.disklessDone(t, error));
      return;
    }
    t.fileStream = createWriteStream(t.file);
    t.fileStream.on('error', (e) => this.failTransfer(t, `Write error saving DB on disk: ${e.message}`));
    t.handle = repl.snapshots.streamSnapshot(
      (chunk) => {
        t.bytes += chunk.length;
        const ok = t.fileStream!.write(chunk);
        if (!ok) t.fileStream!.once('drain', () => t.handle?.resume());
        return ok;
      },
      (error) => {
        if (error !== undefined) return this.failTransfer(t, `Background saving error: ${error.message}`);
        t.fileStream!.end(() => this.sendFile(t));
      },
    );
  }

  /** Diskless: every target gets the chunk; a full socket pauses the snapshot until all drained. */
  private toSockets(t: Transfer, chunk: Buffer): boolean {
    if (this.transfer !== t) return false;
    t.bytes += chunk.length;
    for (const link of t.targets) {
      const ok = link.client.transport?.writeBytes?.(chunk) ?? false;
      if (!ok && !link.client.closing) this.block(t, link);
    }
    this.logProgress(t);
    return t.blocked.size === 0;
  }

  private block(t: Transfer, link: ReplicaLink): void {
    if (t.blocked.size === 0) t.blockedSince = Date.now();
    t.blocked.add(link);
    link.client.transport?.onceDrained?.(() => {
      if (!t.blocked.delete(link) || this.transfer !== t) return;
      if (t.blocked.size === 0) t.handle?.resume();
    });
  }

  private logProgress(t: Transfer): void {
    const now = Date.now();
    if (now - t.lastLog < 1000) return;
    t.lastLog = now;
    this.repl.server.log.notice(`Full sync in progress: ${t.bytes} bytes of RDB sent to ${t.targets.size} replica(s) in ${((now - t.startedAt) / 1000).toFixed(1)}s`);
  }

  private disklessDone(t: Transfer, error: Error | undefined): void {
    if (this.transfer !== t) return;
    if (error !== undefined) return this.failTransfer(t, `Background transfer error: ${error.message}`);
    for (const link of t.targets) {
      link.client.transport?.writeBytes?.(t.mark);
      link.snapshotSent = true;
      // A replica that asked for the snapshot alone (redis-cli --rdb) is done with it.
      if (link.hello.rdbOnly) link.client.transport?.close(true);
      // Diskless replicas go online on their first ACK: they can't tell stream bytes from the payload's end before it.
      else if (link.legacySync) link.goOnline();
    }
    this.repl.server.log.notice(`Diskless rdb transfer done: ${t.bytes} bytes in ${((Date.now() - t.startedAt) / 1000).toFixed(2)}s, streamed to ${t.targets.size} replica(s)`);
    this.transfer = undefined;
    this.cron();
  }

  private sendFile(t: Transfer): void {
    if (this.transfer !== t) return;
    const server = this.repl.server;
    let size: number;
    try {
      size = statSync(t.file).size;
    } catch (e) {
      return this.failTransfer(t, `Can't stat the snapshot file: ${(e as Error).message}`);
    }
    server.log.notice(`Background RDB transfer started: ${size} bytes to ${t.targets.size} replica(s)`);
    for (const link of t.targets) link.client.transport?.writeBytes?.(Buffer.from(`$${size}\r\n`, 'latin1'));
    const stream = createReadStream(t.file, { highWaterMark: 256 * 1024 });
    t.handle = { resume: () => stream.resume(), abort: () => stream.destroy() };
    stream.on('data', (chunk) => {
      if (!this.toSockets(t, chunk as Buffer)) stream.pause();
    });
    stream.on('error', (e) => this.failTransfer(t, `Read error sending the snapshot: ${e.message}`));
    stream.on('end', () => {
      if (this.transfer !== t) return;
      for (const link of t.targets) {
        link.snapshotSent = true;
        if (link.hello.rdbOnly) link.client.transport?.close(true);
        else link.goOnline();
      }
      server.log.notice(`Synchronization with replica(s) succeeded: ${size} bytes in ${((Date.now() - t.startedAt) / 1000).toFixed(2)}s`);
      this.removeFile(t);
      this.transfer = undefined;
      this.cron();
    });
  }

  private failTransfer(t: Transfer, reason: string): void {
    if (this.transfer !== t) return;
    this.repl.server.log.warning(`${reason}; closing the replicas waiting for it`);
    for (const link of t.targets) link.client.transport?.close(false);
    this.finish(t);
  }

  private finish(t: Transfer): void {
    if (this.transfer === t) this.transfer = undefined;
    t.handle?.abort();
    t.fileStream?.destroy();
    this.removeFile(t);
  }

  private removeFile(t: Transfer): void {
    if (t.diskless) return;
    try {
      unlinkSync(t.file);
    } catch {
      // Already gone or never created.
    }
  }
}
