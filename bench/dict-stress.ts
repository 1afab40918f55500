// `npm run bench -- dict-stress`: past V8's 2^24-entry Map ceiling. Builds a database of 20 M keys
// and a set and a hash of 20 M members each through the structures themselves, then checks every
// entry is found, that a full SCAN returns each one, and random picks. It runs in a child Node with a
// heap big enough for the data (--max-old-space-size), as bin/ferrite-server would size it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Database, KeyspaceStats, type KeyspaceShared } from '../src/structures/database.js';
import { HashValue } from '../src/structures/hash.js';
import { SetValue } from '../src/structures/set.js';

const ENTRIES = 20_000_000;

function name(i: number): string {
  return `key:${String(i).padStart(12, '0')}`;
}

function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/** Fills, probes and scans one table; returns a report line, throwing on any missing entry. */
function stressKeyspace(n: number): string {
  const shared: KeyspaceShared = {
    now: Date.now(),
    hooks: { beforeWrite() {}, changed() {}, expired() {}, flushed() {}, swapped() {}, missed() {} },
    stats: new KeyspaceStats(),
    isReplica: false,
    lfuLogFactor: 10,
    lfuDecayTime: 1,
    lfuPolicy: false,
  };
  const db = new Database(0, shared);
  let t = performance.now();
  for (let i = 0; i < n; i++) db.setKey(name(i), i);
  const fill = seconds(t);
  t = performance.now();
  for (let i = 0; i < n; i++) if (db.peek(name(i)) !== i) throw new Error(`keyspace: ${name(i)} missing`);
  const probe = seconds(t);
  t = performance.now();
  let scanned = 0;
  let cursor = 0;
  do cursor = db.scanStep(cursor, () => scanned++);
  while (cursor !== 0);
  if (scanned !== n) throw new Error(`keyspace: SCAN returned ${scanned} of ${n}`);
  const scan = seconds(t);
  for (let i = 0; i < 1000; i++) if (db.randomKey() === undefined) throw new Error('keyspace: no random key');
  return `keyspace: ${db.size} keys — fill ${fill} s, every key found ${probe} s, full SCAN ${scan} s (${scanned} keys), heap ${(process.memoryUsage().heapUsed / 1e9).toFixed(2)} GB`;
}

function stressSet(n: number): string {
  const s = new SetValue();
  const limits = { maxIntsetEntries: 512 };
  let t = performance.now();
  for (let i = 0; i < n; i++) s.add(name(i), limits);
  const fill = seconds(t);
  t = performance.now();
  for (let i = 0; i < n; i++) if (!s.has(name(i))) throw new Error(`set: ${name(i)} missing`);
  const probe = seconds(t);
  let scanned = 0;
  let cursor = 0;
  do cursor = s.dict.scan(cursor, () => scanned++);
  while (cursor !== 0);
  if (scanned !== n) throw new Error(`set: SSCAN walk returned ${scanned} of ${n}`);
  if (s.random() === undefined) throw new Error('set: no random member');
  return `set: ${s.length} members — fill ${fill} s, every member found ${probe} s, full scan ${scanned} members`;
}

function stressHash(n: number): string {
  const h = new HashValue();
  const limits = { maxListpackEntries: 128, maxListpackValue: 64 };
  let t = performance.now();
  for (let i = 0; i < n; i++) h.set(name(i), 'v', limits);
  const fill = seconds(t);
  t = performance.now();
  for (let i = 0; i < n; i++) if (h.get(name(i)) !== 'v') throw new Error(`hash: ${name(i)} missing`);
  const probe = seconds(t);
  for (let i = 0; i < n; i += 2) h.delete(name(i));
  if (h.length !== n / 2 || h.get(name(1)) !== 'v' || h.has(name(0))) throw new Error('hash: deletes');
  return `hash: ${n} fields — fill ${fill} s, every field found ${probe} s; deleting half leaves ${h.length}`;
}

/** In the child: one structure per invocation, so each gets the whole heap. */
function child(kind: string): void {
  const line = kind === 'keyspace' ? stressKeyspace(ENTRIES) : kind === 'set' ? stressSet(ENTRIES) : stressHash(ENTRIES);
  process.stdout.write(`${line}\n`);
}

export async function runDictStressBench(): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const lines: string[] = [];
  for (const kind of ['keyspace', 'set', 'hash']) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=12000', self, kind], { encoding: 'utf8', timeout: 1_800_000 });
    lines.push(r.status === 0 ? r.stdout.trim() : `${kind}: FAILED (${r.status}) ${r.stderr.slice(-500)}`);
  }
  return lines.map((l) => `- ${l}`).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] !== undefined) child(process.argv[2]);
