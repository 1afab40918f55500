// Replication's use of the persistence layer: the master's full sync is the forkless snapshot
// writer streaming to replicas (or a file), and the replica loads its master's payload with the
// incremental loader into fresh databases, swapped in only when all of it loaded. Every RDB we write
// carries the replication id and offset (aux fields repl-id, repl-offset, repl-stream-db), as
// Redis' rdbPopulateSaveInfo, so a restarted node can continue its history with PSYNC.
import { rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServerState } from '../engine/server-context.js';
import { commitLoad, loadRdb } from '../persistence/rdb-loader.js';
import { RdbOpcode } from '../persistence/rdb-format.js';
import type { RdbEncoder } from '../persistence/rdb-encoder.js';
import { registerSnapshotSection, runningSnapshot, startSnapshot } from '../persistence/snapshot.js';
import { decodeContextFrom } from '../persistence/value-codec.js';
import type { ReplicationAux, SnapshotHandle, SnapshotProvider } from './full-sync.js';
import type { DatasetLoader } from './master-link.js';

/** The aux fields of our replication history; undefined when there is none worth keeping. */
export type AuxSource = (state: ServerState) => ReplicationAux | undefined;

let auxSource: AuxSource | undefined;

/** Every snapshot (BGSAVE, SAVE, SHUTDOWN, full sync) writes the replication aux fields after Redis' own. */
export function registerReplicationAux(source: AuxSource): void {
  if (auxSource === undefined) registerSnapshotSection(writeReplicationAux);
  auxSource = source;
}

function writeReplicationAux(enc: RdbEncoder, state: ServerState): void {
  const aux = auxSource?.(state);
  if (aux === undefined) return;
  for (const [name, value] of [
    ['repl-stream-db', String(Math.max(0, aux.streamDb))],
    ['repl-id', aux.replid],
    ['repl-offset', String(aux.offset)],
  ]) {
    enc.byte(RdbOpcode.AUX);
    enc.string(name);
    enc.string(value);
  }
}

/**
 * A replica with save points keeps its master's payload as its dump file (temp name, rename), as a
 * disk-loading Redis replica does: restarted, even after a crash, it loads it and continues from the
 * offset the payload carries. Without persistence there is no file to keep.
 */
function keepPayloadAsDump(state: ServerState, payload: Buffer): void {
  const config = state.config;
  const path = join(config.get('dir') ?? '.', config.get('dbfilename') ?? 'dump.rdb');
  const temp = join(dirname(path), `temp-${process.pid}-${Date.now()}.rdb`);
  writeFile(temp, payload)
    .then(() => rename(temp, path))
    .catch((e: Error) => {
      state.log.warning(`Unable to keep the master's payload as ${path}: ${e.message}`);
      return unlink(temp).catch(() => undefined);
    });
}

/** A snapshot streamed to a callback with a pause/resume protocol, over the persistence layer's sink. */
export function rdbSnapshots(state: ServerState): SnapshotProvider {
  return {
    busy: () => runningSnapshot(state) !== undefined,
    streamSnapshot(write, done): SnapshotHandle {
      let drain: (() => void) | undefined;
      const sink = {
        write: (chunk: Buffer) => write(chunk),
        once(_event: 'drain', cb: () => void) {
          drain = cb;
        },
      };
      const config = state.config;
      const handle = startSnapshot(state, sink, { compress: config.getBool('rdbcompression'), checksum: config.getBool('rdbchecksum') });
      let aborted = false;
      handle.done.then(
        () => {
          if (!aborted) done(undefined);
        },
        (e: Error) => {
          if (!aborted) done(e);
        },
      );
      return {
        resume() {
          const cb = drain;
          drain = undefined;
          cb?.();
        },
        abort() {
          aborted = true;
          handle.abort(new Error('replication transfer aborted'));
        },
      };
    },
  };
}

/** Loads a master's payload whole or not at all; keys past their TTL are kept (the master sends the DELs). */
export function rdbLoader(state: ServerState): DatasetLoader {
  return {
    loadReplicationPayload(payload, totalBytes, done): void {
      const config = state.config;
      const keep = (config.get('save') ?? '') !== '' && config.get('repl-diskless-load') === 'disabled';
      const kept: Buffer[] = [];
      const source = keep ? keeping(payload, kept) : payload;
      loadRdb(source, {
        decode: decodeContextFrom(config),
        databases: state.databases.length,
        keepExpired: true,
        verifyChecksum: config.getBool('rdbchecksum'),
        totalBytes: totalBytes > 0 ? totalBytes : undefined,
        onProgress: (p) => state.log.verbose(`MASTER <-> REPLICA sync: loaded ${p.keysLoaded} keys, ${p.bytesLoaded} bytes`),
      }).then(
        (loaded) =>
          done(undefined, () => {
            commitLoad(state, loaded);
            state.log.notice(`MASTER <-> REPLICA sync: loaded ${loaded.keys} keys (${loaded.bytes} bytes)`);
            // The RDB alone: an EOF-marked payload's mark is what the loader left over.
            if (keep) keepPayloadAsDump(state, Buffer.concat(kept).subarray(0, loaded.bytes));
          }),
        (e: Error) => done(e, () => undefined),
      );
    },
  };
}

/** Passes the chunks through, keeping them. */
async function* keeping(source: AsyncIterable<Buffer>, kept: Buffer[]): AsyncIterable<Buffer> {
  for await (const chunk of source) {
    kept.push(chunk);
    yield chunk;
  }
}
