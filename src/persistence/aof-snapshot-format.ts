// The AOF-format base (aof-use-rdb-preamble no) as a snapshot format: the forkless copy-on-write
// walk of snapshot.ts encodes each key as the commands Redis' rewriteAppendOnlyFileRio writes,
// SELECT per database, a `#TS:` annotation first under aof-timestamp-enabled, then the function
// libraries as FUNCTION LOAD (Redis' rewriteFunctions), no checksum.
import type { SnapshotFormat } from './snapshot.js';
import { encodeCommand, timestampAnnotation } from './aof-format.js';
import { keyAsCommands } from './aof-base-commands.js';

/** `libraries` gives the function libraries' codes at the snapshot's instant (its header). */
export function aofSnapshotFormat(timestamps: boolean, libraries: () => Iterable<{ readonly code: string }>): SnapshotFormat {
  return {
    header(enc, now) {
      if (timestamps) enc.latin1(timestampAnnotation(Math.floor(now / 1000)));
      for (const lib of libraries()) enc.latin1(encodeCommand(['FUNCTION', 'LOAD', lib.code]));
    },
    database(enc, dbIndex) {
      enc.latin1(encodeCommand(['SELECT', String(dbIndex)]));
    },
    key(enc, e) {
      enc.latin1(keyAsCommands(e.key, e.value, e.expireAt));
    },
    end: (enc) => enc.take(),
  };
}
