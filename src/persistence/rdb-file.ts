// RDB files on disk: written to a temp name in the target's directory, fsynced, renamed over the
// real name and the directory fsynced, so a crash leaves either the old file or the new one, never
// half a file under the real name. Read back as a stream of chunks for the incremental loader.
import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, close, fsync, rename, write } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { ServerState } from '../engine/server-context.js';
import { loadRdb, type LoadOptions, type LoadedRdb } from './rdb-loader.js';
import { startSnapshot, writeSnapshotSync, type SnapshotHandle, type SnapshotOptions, type SnapshotResult } from './snapshot.js';

/** Redis names the temp file after the saving process: temp-<pid>.rdb (a BGSAVE child's pid). */
function tempPathFor(path: string, tag: string): string {
  return join(dirname(path), `temp-${tag}.rdb`);
}

/**
 * Opens a temp file on a fresh inode: an aborted background save may still have a write in flight
 * to the old one (SHUTDOWN or FLUSHALL end a BGSAVE, then save at once under the same name).
 */
function openFresh(tmp: string): number {
  try {
    unlinkSync(tmp);
  } catch {
    // not there (or not a file: the open below reports it)
  }
  return openSync(tmp, 'w');
}

function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}

/** SAVE: the whole dataset to `path`, blocking. Throws (leaving any old file intact) on I/O errors. */
export function saveRdbFileSync(state: ServerState, path: string, opts: SnapshotOptions): { bytes: number; keys: number } {
  const tmp = tempPathFor(path, String(process.pid));
  const fd = openFresh(tmp);
  try {
    const r = writeSnapshotSync(state, (chunk) => {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }, opts);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    fsyncDir(dirname(path));
    return r;
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created or already gone
    }
    throw e;
  }
}

/** A Writable over a file descriptor whose final step is fsync: the snapshot's sink for BGSAVE. */
class FileSink extends Writable {
  constructor(private readonly fd: number) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const loop = (off: number): void => {
      write(this.fd, chunk, off, chunk.length - off, null, (err, n) => {
        if (err !== null) return cb(err);
        if (off + n < chunk.length) return loop(off + n);
        cb();
      });
    };
    loop(0);
  }

  override _final(cb: (err?: Error | null) => void): void {
    fsync(this.fd, (err) => cb(err));
  }
}

export interface BackgroundSave {
  readonly snapshot: SnapshotHandle;
  /** Resolves once the file is durable under its real name; rejects (old file intact) on failure. */
  readonly done: Promise<SnapshotResult>;
  abort(reason?: Error): void;
}

/**
 * BGSAVE: a point-in-time snapshot (taken now) written in slices to a temp file, then fsync +
 * rename. Throws at once when the temp file can't be created (unwritable dir) or a snapshot runs.
 */
export function saveRdbFileInBackground(state: ServerState, path: string, opts: SnapshotOptions, tag: string): BackgroundSave {
  const tmp = tempPathFor(path, tag);
  const fd = openFresh(tmp);
  // Cleanup after a failure removes the temp file only if it is still this save's (not a later one's).
  const inode = fstatSync(fd).ino;
  let snapshot: SnapshotHandle;
  const sink = new FileSink(fd);
  try {
    snapshot = startSnapshot(state, sink, opts);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  let sinkError: Error | undefined;
  let closed = false;
  const closeFd = (): Promise<void> =>
    new Promise<void>((res, rej) => {
      if (closed) return res();
      closed = true;
      close(fd, (err) => (err !== null ? rej(err) : res()));
    });
  sink.on('error', (e) => {
    sinkError = e;
    snapshot.abort(e);
  });
  const done = (async (): Promise<SnapshotResult> => {
    try {
      const r = await snapshot.done;
      await new Promise<void>((res, rej) => {
        sink.once('error', rej);
        sink.end(() => res());
      });
      if (sinkError !== undefined) throw sinkError;
      await closeFd();
      await new Promise<void>((res, rej) => rename(tmp, path, (err) => (err !== null ? rej(err) : res())));
      fsyncDir(dirname(path));
      return r;
    } catch (e) {
      sink.destroy();
      await closeFd().catch(() => undefined);
      try {
        if (statSync(tmp).ino === inode) unlinkSync(tmp);
      } catch {
        // already gone
      }
      throw e;
    }
  })();
  done.catch(() => undefined);
  return { snapshot, done, abort: (reason) => snapshot.abort(reason) };
}

/** Loads an RDB file incrementally (1 MB reads). */
export function loadRdbFile(path: string, opts: Omit<LoadOptions, 'totalBytes'>): Promise<LoadedRdb> {
  const size = statSync(path).size;
  return loadRdb(createReadStream(path, { highWaterMark: 1024 * 1024 }), { ...opts, totalBytes: size });
}
