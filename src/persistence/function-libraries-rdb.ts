// Function libraries in RDB form (Redis' rdbSaveFunctions / rdbFunctionLoad): each library is the
// opcode FUNCTION_2 (245) and its code as an RDB string. The same records make FUNCTION DUMP's
// payload (followed by the RDB version and a CRC-64, as a DUMP payload) and a section of every
// snapshot; the loader hands the libraries of a dump.rdb to the server when the load commits.
import type { LibrarySet } from '../engine/function-libraries.js';
import { LOAD_TIMEOUT_MS } from '../engine/function-libraries.js';
import { scriptingOf } from '../engine/script-runner.js';
import type { ServerState } from '../engine/server-context.js';
import { sealDumpPayload, verifyDumpPayload, DUMP_VERSION_OR_CHECKSUM } from './dump-payload.js';
import { RdbEncoder } from './rdb-encoder.js';
import { RdbOpcode } from './rdb-format.js';
import { registerRdbOpcode, type LoadSession } from './rdb-loader.js';
import { RdbCorrupt, RdbReader, RdbTruncated } from './rdb-reader.js';
import { registerSnapshotSection } from './snapshot.js';

function writeLibraries(enc: RdbEncoder, set: LibrarySet): void {
  for (const lib of set.libraries.values()) {
    enc.byte(RdbOpcode.FUNCTION_2);
    enc.string(lib.code);
  }
}

/** FUNCTION DUMP: every library, then the RDB version (2 bytes LE) and the CRC-64 (8 bytes LE). */
export function dumpLibraries(set: LibrarySet, compress: boolean): Buffer {
  const enc = new RdbEncoder({ compress }, 256);
  writeLibraries(enc, set);
  return sealDumpPayload(enc);
}

/** FUNCTION RESTORE: the libraries' codes in a payload, or the error text (without "ERR "). */
export function libraryCodesOf(payload: Buffer): string[] | { error: string } {
  if (!verifyDumpPayload(payload)) return { error: DUMP_VERSION_OR_CHECKSUM.slice(4) };
  const r = new RdbReader(payload, payload.length - 10);
  const codes: string[] = [];
  try {
    while (r.pos < r.end) {
      const type = r.u8();
      if (type === RdbOpcode.FUNCTION_PRE_GA) return { error: 'Pre-GA function format not supported' };
      if (type !== RdbOpcode.FUNCTION_2) return { error: 'given type is not a function' };
      codes.push(r.string());
    }
  } catch (e) {
    if (e instanceof RdbCorrupt || e instanceof RdbTruncated) return { error: 'failed loading the given functions payload' };
    throw e;
  }
  return codes;
}

/** Libraries read by each running load, handed over together when it commits. */
const loadedCodes = new WeakMap<LoadSession, string[]>();

registerSnapshotSection((enc, state) => writeLibraries(enc, scriptingOf(state).functions.current));

registerRdbOpcode(RdbOpcode.FUNCTION_2, (r, session) => {
  const code = r.string();
  let codes = loadedCodes.get(session);
  if (codes === undefined) {
    loadedCodes.set(session, (codes = []));
    session.onCommit((state) => installLibraries(state, codes!));
  }
  codes.push(code);
});

/**
 * The file's libraries replace the server's, as its keys replace the dataset. The libraries were
 * valid where they were saved; one that fails to load here (an engine error) is logged and skipped.
 */
function installLibraries(state: ServerState, codes: string[]): void {
  const libs = scriptingOf(state).functions;
  libs.flush();
  for (const code of codes) {
    const created = libs.create(code, true, libs.current, LOAD_TIMEOUT_MS);
    if (typeof created !== 'string') state.log.warning(`Failed loading library from RDB: ${created.error}`);
  }
}
