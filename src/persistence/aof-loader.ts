// Loading the append-only file on start, as Redis' loadAppendOnlyFiles / loadSingleAppendOnlyFile:
// the base (RDB or AOF format) then every incremental file in manifest order, each command replayed
// through the one command path (Dispatcher.call) as a fake client without a socket. Loading is cut
// into slices of a few ms so clients connected meanwhile get LOADING, and reports progress.
import { closeSync, createReadStream, ftruncateSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../engine/client.js';
import type { Dispatcher } from '../engine/dispatch.js';
import type { ServerState } from '../engine/server-context.js';
import { RDB_MAGIC } from './aof-format.js';
import type { AofManifest } from './aof-manifest.js';
import { AofReader } from './aof-reader.js';
import { commitLoad, loadRdb } from './rdb-loader.js';
import { decodeContextFrom } from './value-codec.js';

/** Loading failed: the server must not start (Redis exits 1 after logging why). */
export class AofLoadError extends Error {}

export interface LoadProgress {
  totalBytes: number;
  loadedBytes: number;
  startedAt: number;
  file: string;
}

export type LoadOutcome = 'ok' | 'not-exist' | 'empty';

const SLICE_MS = 5;

export class AofLoader {
  readonly progress: LoadProgress = { totalBytes: 0, loadedBytes: 0, startedAt: 0, file: '' };
  private readonly client: Client;

  constructor(
    private readonly state: ServerState,
    private readonly dispatcher: Dispatcher,
    private readonly dir: string,
  ) {
    this.client = new Client(0, null, false);
    this.client.isAofLoader = true;
  }

  /** Redis' loadAppendOnlyFiles; throws AofLoadError after logging what went wrong. */
  async loadAll(manifest: AofManifest): Promise<LoadOutcome> {
    if (manifest.isEmpty) return 'not-exist';
    const files = manifest.loadOrder;
    let total = 0;
    for (const f of files) {
      const size = fileSize(join(this.dir, f.name));
      if (size === undefined) {
        this.state.log.warning(`The append log file ${f.name} doesn't exist: No such file or directory`);
        throw new AofLoadError(`The append log file ${f.name} doesn't exist`);
      }
      total += size;
    }
    if (total === 0) return 'empty';
    this.progress.totalBytes = total;
    this.progress.startedAt = Date.now();
    const started = Date.now();
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const last = i === files.length - 1;
      const t0 = performance.now();
      this.progress.file = f.name;
      const result = await this.loadFile(f.name);
      if (result === 'truncated' && !last) {
        this.state.log.warning('Fatal error: the truncated file is not the last file');
        throw new AofLoadError('the truncated file is not the last file');
      }
      const kind = f.type === 'b' ? 'base' : 'incr';
      this.state.log.notice(`DB loaded from ${kind} file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    }
    this.state.log.notice(`DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
    return 'ok';
  }

  /** Replays one file; 'truncated' when a torn tail was cut under aof-load-truncated. */
  async loadFile(name: string): Promise<'ok' | 'truncated' | 'empty'> {
    const path = join(this.dir, name);
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      this.state.log.warning(`Fatal error: can't open the append log file ${name} for reading: ${(e as Error).message}`);
      throw new AofLoadError(`can't open the append log file ${name}`);
    }
    try {
      if (fstatSync(fd).size === 0) return 'empty';
      return await this.replay(fd, name, path);
    } finally {
      closeSync(fd);
    }
  }

  private async replay(fd: number, name: string, path: string): Promise<'ok' | 'truncated'> {
    const log = this.state.log;
    let start = 0;
    if (startsWithRdbMagic(fd)) {
      const oldStyle = name === this.state.config.get('appendfilename');
      log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        start = await this.loadRdbImage(path);
      } catch (e) {
        log.warning((e as Error).message);
        throw this.fail(oldStyle ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted` : `Error reading the RDB base file ${name}, AOF loading aborted`);
      }
      this.progress.loadedBytes += start;
      if (oldStyle) log.notice('Reading the remaining AOF tail...');
    }
    const reader = new AofReader(fd, start);
    const client = this.client;
    client.dbIndex = 0;
    client.multi = null;
    const ctx = this.dispatcher.contextOf(client);
    ctx.db = this.state.databases[0];
    ctx.canBlock = false;
    let validUpTo = start;
    let validBeforeMulti = start;
    let sliceEnd = performance.now() + SLICE_MS;
    let counted = start;
    const keyDelayUs = Math.max(0, this.state.config.getNumber('key-load-delay'));
    let owedDelayUs = 0;
    for (;;) {
      const argv = reader.next();
      if (argv === 'eof') break;
      if (argv === 'format') {
        throw this.fail(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
      }
      if (argv === 'truncated') return this.truncated(fd, name, validUpTo);
      this.run(argv, name, () => (validBeforeMulti = validUpTo));
      validUpTo = reader.offset;
      // key-load-delay (tests of LOADING): microseconds per command, waited out without blocking.
      owedDelayUs += keyDelayUs;
      if (owedDelayUs >= 1000) {
        const ms = Math.floor(owedDelayUs / 1000);
        owedDelayUs -= ms * 1000;
        this.progress.loadedBytes += reader.offset - counted;
        counted = reader.offset;
        await new Promise((r) => setTimeout(r, ms));
      }
      if (performance.now() >= sliceEnd) {
        this.progress.loadedBytes += reader.offset - counted;
        counted = reader.offset;
        this.reportProgress();
        await new Promise((r) => setImmediate(r));
        sliceEnd = performance.now() + SLICE_MS;
      }
    }
    this.progress.loadedBytes += reader.offset - counted;
    if (client.multi !== null) {
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      client.multi = null;
      return this.truncated(fd, name, validBeforeMulti);
    }
    return 'ok';
  }

  /** A log line about once a second while a big AOF loads (INFO persistence has loading_* meanwhile). */
  private reportProgress(): void {
    const now = Date.now();
    if (now - this.lastReport < 1000) return;
    this.lastReport = now;
    const p = this.progress;
    const perc = p.totalBytes === 0 ? 0 : (p.loadedBytes * 100) / p.totalBytes;
    this.state.log.notice(`Loading AOF ${p.file}: ${perc.toFixed(2)}% (${p.loadedBytes} of ${p.totalBytes} bytes)`);
  }

  private lastReport = Date.now();

  /** An RDB base or preamble: loaded whole, then swapped in (the incr files apply on top). */
  private async loadRdbImage(path: string): Promise<number> {
    const state = this.state;
    const before = this.progress.loadedBytes;
    const loaded = await loadRdb(createReadStream(path, { highWaterMark: 1 << 20 }), {
      decode: decodeContextFrom(state.config),
      databases: state.databases.length,
      keepExpired: state.keyspace.isReplica,
      verifyChecksum: state.config.getBool('rdbchecksum'),
      totalBytes: statSync(path).size,
      onProgress: (p) => void (this.progress.loadedBytes = before + p.bytesLoaded),
    });
    this.progress.loadedBytes = before;
    commitLoad(state, loaded);
    state.log.notice(`Done loading RDB, keys loaded: ${loaded.keys}, keys expired: ${loaded.expiredSkipped}.`);
    return loaded.bytes;
  }

  /** Runs one command as the fake client: queued while in MULTI, like Redis' AOF client. */
  private run(argv: string[], file: string, onMulti: () => void): void {
    const table = this.dispatcher.table;
    let spec = table.lookup(argv[0]);
    if (spec !== undefined && spec.subcommands !== undefined && argv.length >= 2) spec = table.resolve(argv);
    if (spec === undefined || spec.run === undefined) {
      throw this.fail(`Unknown command '${argv[0]}' reading the append only file ${file}`);
    }
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      throw this.fail(`Bad file format reading the append only file ${file}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    }
    const client = this.client;
    const ctx = this.dispatcher.contextOf(client);
    if (spec.name === 'multi') onMulti();
    this.state.keyspace.now = Date.now();
    if (client.multi !== null && spec.name !== 'exec') client.multi.push({ spec, argv });
    else this.dispatcher.call(ctx, spec, argv);
    // Nobody reads the fake client's replies.
    client.writer.take();
  }

  private truncated(fd: number, name: string, validUpTo: number): 'truncated' {
    const log = this.state.log;
    if (this.state.config.getBool('aof-load-truncated')) {
      log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        ftruncateSync(fd, validUpTo);
        log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
      }
    }
    throw this.fail(
      `Unexpected end of file reading the append only file ${name}. You can: ` +
        `1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ` +
        `2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
    );
  }

  private fail(message: string): AofLoadError {
    this.state.log.warning(message);
    return new AofLoadError(message);
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function startsWithRdbMagic(fd: number): boolean {
  const sig = Buffer.alloc(5);
  return readSync(fd, sig, 0, 5, 0) === 5 && sig.toString('latin1') === RDB_MAGIC;
}
