// libmemcached's memccapable, the memcached protocol conformance checker, against Ferrite's memcached
// port: every ASCII and binary test it has must pass. CI installs it (libmemcached-tools).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';

let server: FerriteMemcached;

test.before(async () => {
  server = await startFerriteMemcached();
});

test.after(async () => {
  await server.ferrite.close();
});

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** memccapable in its own process, so this one keeps serving it. */
function memccapable(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('memccapable', ['-h', '127.0.0.1', '-p', String(server.port), '-t', '10', ...args]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? 'memccapable is not installed: apt-get install -y libmemcached-tools' : e.message)),
    );
    child.on('close', (code) => resolve({ code, output }));
  });
}

function check(run: Run, protocol: 'ascii' | 'binary', atLeast: number): void {
  const passed = run.output.split('\n').filter((line) => line.startsWith(`${protocol} `) && line.trimEnd().endsWith('[pass]'));
  const failed = run.output.split('\n').filter((line) => /\[(fail|skip)/.test(line));
  assert.equal(failed, [], run.output);
  assert.ok(passed.length >= atLeast, `${passed.length} ${protocol} tests passed:\n${run.output}`);
  assert.is(run.code, 0, run.output);
  assert.match(run.output, /All tests passed/);
}

test('memccapable: every ASCII protocol test passes', async () => {
  check(await memccapable(['-a']), 'ascii', 27);
});

test('memccapable: every binary protocol test passes', async () => {
  check(await memccapable(['-b']), 'binary', 27);
});

test.run();
