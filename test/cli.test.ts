// The ferrite-server executable: redis-server's command line and config file, start-up errors with
// exit code 1, the log banner, and a clean exit on SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './helpers/servers.js';

const BIN = new URL('../../bin/ferrite-server', import.meta.url).pathname;

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(BIN, args, { encoding: 'latin1', timeout: 10_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('an unknown option is a fatal config error with exit code 1', () => {
  const r = run(['--port', '0', '--no-such-option', 'x']);
  assert.is(r.status, 1);
  assert.match(r.out, /FATAL CONFIG FILE ERROR/);
  assert.match(r.out, />>> 'no-such-option x'/);
  assert.match(r.out, /Bad directive or wrong number of arguments/);
});

test('an invalid value is a fatal config error with Redis\' message', () => {
  const r = run(['--port', '0', '--maxmemory-policy', 'sometimes']);
  assert.is(r.status, 1);
  assert.match(r.out, /argument\(s\) must be one of the following: volatile-lru/);
  const h = run(['--hz', 'fast']);
  assert.is(h.status, 1);
  assert.match(h.out, /argument couldn't be parsed into an integer/);
});

test('a bad line in a config file names the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-cli-'));
  const file = join(dir, 'bad.conf');
  writeFileSync(file, 'port 0\n# comment\nappendonly perhaps\n');
  const r = run([file]);
  assert.is(r.status, 1);
  assert.match(r.out, /at line 3/);
  assert.match(r.out, /argument must be 'yes' or 'no'/);
});

test('--version and --help', () => {
  const v = run(['--version']);
  assert.is(v.status, 0);
  assert.match(v.out, /Ferrite server v=\d+\.\d+\.\d+ \(Redis 7\.0\.15 compatible\)/);
  assert.is(run(['--help']).status, 0);
});

test('starts from a config file plus arguments, logs its banner, and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-cli-'));
  const file = join(dir, 'ok.conf');
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsave ""\nhz 20\ndir ${dir}\n`);
  const child = spawn(BIN, [file, '--maxmemory', '10mb', '--memcached-port', '0', '--save', '900', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    for (let i = 0; i < 200 && !out.includes('Ready to accept connections'); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(out, /Ferrite is starting/);
    assert.match(out, new RegExp(`Running mode=standalone, port=${port}\\.`));
    const c = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      assert.equal(await c.config('GET', 'maxmemory'), ['maxmemory', String(10 * 1024 * 1024)]);
      assert.equal(await c.config('GET', 'hz'), ['hz', '20']);
      assert.equal(await c.config('GET', 'save'), ['save', '900 1']);
      assert.ok(String(await c.info('server')).includes(`config_file:${file}\r\n`));
    } finally {
      c.disconnect();
    }
  } finally {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  }
  assert.match(out, /Received SIGTERM scheduling shutdown/);
});

test.run();
