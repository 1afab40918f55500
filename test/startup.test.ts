// The start-up as redis-server's: every log line as "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message"
// from the first on, the ASCII logo with PID (always-show-logo, or stdout a terminal) or its one-line
// stand-in, the pidfile written and removed, and `daemonize yes`. Each step runs on redis-server too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RawClient } from './helpers/servers.js';
import { pidfilePath } from '../src/daemonize.js';

const BIN = new URL('../../bin/ferrite-server', import.meta.url).pathname;
const LINE = /^(\d+):([CMSX]) \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}\.\d{3} ([.\-*#]) (.+)$/;
const dir = mkdtempSync(join(tmpdir(), 'ferrite-startup-'));

type Kind = 'redis' | 'ferrite';
const KINDS: Kind[] = ['redis', 'ferrite'];

function command(kind: Kind, args: string[]): [string, string[]] {
  const common = ['--bind', '127.0.0.1', '--save', '', ...args];
  return kind === 'redis' ? ['redis-server', common] : [BIN, ['--memcached-port', '0', ...common]];
}

interface Started {
  child: ChildProcess;
  out: () => string;
  port: number;
}

async function start(kind: Kind, args: string[]): Promise<Started> {
  const port = await freePort();
  const [cmd, argv] = command(kind, ['--port', String(port), ...args]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !out.includes('Ready to accept connections'); i++) {
    if (child.exitCode !== null) throw new Error(`${kind} exited: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, out: () => out, port };
}

async function stop(s: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill(signal);
  return exited;
}

/** SHUTDOWN NOSAVE over a raw socket (the server closes the connection instead of replying). */
async function shutdown(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  c.command('SHUTDOWN', 'NOSAVE');
  for (let i = 0; i < 400 && !c.closed; i++) await new Promise((r) => setTimeout(r, 25));
  c.close();
}

/** The lines that are log lines (not the logo), parsed. */
function logLines(out: string): { pid: number; role: string; mark: string; msg: string }[] {
  const lines: { pid: number; role: string; mark: string; msg: string }[] = [];
  for (const l of out.split('\n')) {
    const m = LINE.exec(l);
    if (m !== null) lines.push({ pid: Number(m[1]), role: m[2], mark: m[4], msg: m[5] });
  }
  return lines;
}

/** Role and level of the landmark lines both servers print, in order. */
function landmarks(out: string): string[] {
  const wanted = [/is starting/, /just started/, /^Configuration loaded$/, /^Running mode=standalone, port=\d+\.$/, /^Server initialized$/, /^Ready to accept connections$/];
  return logLines(out).filter((l) => wanted.some((w) => w.test(l.msg))).map((l) => `${l.role}${l.mark} ${l.msg.replace(/\d+/g, 'N').replace(/Redis|Ferrite/, 'X').replace(/version=.*/, 'version=…')}`);
}

test('every line is a log line in redis-server\'s format from the first on, with the same landmarks', async () => {
  const seen: Record<string, string[]> = {};
  for (const kind of KINDS) {
    const s = await start(kind, []);
    const lines = s.out().split('\n').filter((l) => l !== '');
    for (const l of lines) assert.match(l, LINE, `${kind}: ${l}`);
    for (const l of logLines(s.out())) assert.is(l.pid, s.child.pid, kind);
    seen[kind] = landmarks(s.out());
    assert.is(await stop(s), 0, kind);
  }
  assert.equal(seen.ferrite, seen.redis);
  assert.is(seen.ferrite.length, 6);
});

test('always-show-logo yes: the logo with Port and PID, as redis-server; a terminal gets it too', async () => {
  for (const kind of KINDS) {
    const s = await start(kind, ['--always-show-logo', 'yes']);
    assert.match(s.out(), new RegExp(`Port: ${s.port}\\n`), kind);
    assert.match(s.out(), new RegExp(`PID: ${s.child.pid}\\n`), kind);
    assert.match(s.out(), /Running in standalone mode/, kind);
    assert.not.match(s.out(), /Running mode=standalone/, kind);
    await stop(s);
  }
  const port = await freePort();
  // script(1) gives the server a terminal for stdout.
  const tty = spawn('script', ['-qec', `${BIN} --port ${port} --bind 127.0.0.1 --save '' --memcached-port 0`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  tty.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !out.includes('Ready to accept connections'); i++) await new Promise((r) => setTimeout(r, 25));
  await shutdown(port);
  if (tty.exitCode === null) await new Promise((r) => tty.once('exit', r));
  assert.match(out, /PID: \d+\r?\n/);
});

test('pidfile is written while serving and removed at exit (SIGTERM and SHUTDOWN), as redis-server', async () => {
  for (const kind of KINDS) {
    for (const how of ['SIGTERM', 'SHUTDOWN']) {
      const file = join(dir, `${kind}-${how}.pid`);
      const s = await start(kind, ['--pidfile', file]);
      assert.is(readFileSync(file, 'latin1'), `${s.child.pid}\n`, kind);
      if (how === 'SIGTERM') assert.is(await stop(s), 0, kind);
      else {
        const exited = new Promise((r) => s.child.once('exit', r));
        await shutdown(s.port);
        await exited;
      }
      assert.ok(!existsSync(file), `${kind} ${how}: pidfile removed`);
      assert.match(s.out(), /Removing the pid file\./, kind);
    }
  }
  // A pidfile that cannot be written does not stop the start (redis-server 7.0.15 says nothing either).
  for (const kind of KINDS) {
    const s = await start(kind, ['--pidfile', join(dir, 'no', 'such', 'dir.pid')]);
    assert.ok(!/PID file/i.test(s.out()), kind);
    assert.is(await stop(s), 0, kind);
  }
  assert.is(pidfilePath('', false), '');
  assert.is(pidfilePath('', true), '/var/run/redis.pid');
  assert.is(pidfilePath('/x.pid', false), '/x.pid');
});

test('daemonize yes: the command returns 0 once the server listens, detached, with pidfile and logfile', async () => {
  for (const kind of KINDS) {
    const port = await freePort();
    const pid = join(dir, `${kind}-daemon.pid`);
    const logfile = join(dir, `${kind}-daemon.log`);
    const [cmd, argv] = command(kind, ['--port', String(port), '--daemonize', 'yes', '--pidfile', pid, '--logfile', logfile]);
    const r = spawnSync(cmd, argv, { encoding: 'latin1', timeout: 15_000 });
    assert.is(r.status, 0, `${kind}: ${r.stdout}${r.stderr}`);
    assert.is(r.stdout, '', kind);
    for (let i = 0; i < 200 && !existsSync(pid); i++) await new Promise((res) => setTimeout(res, 25));
    const daemonPid = Number(readFileSync(pid, 'latin1'));
    assert.ok(daemonPid > 0 && daemonPid !== r.pid, kind);
    const c = await RawClient.connect(port);
    assert.is(await c.call('PING'), '+PONG\r\n', kind);
    assert.is(Number(/process_id:(\d+)/.exec(await c.call('INFO', 'server'))?.[1]), daemonPid, kind);
    c.close();
    await shutdown(port);
    for (let i = 0; i < 200 && existsSync(pid); i++) await new Promise((res) => setTimeout(res, 25));
    assert.ok(!existsSync(pid), `${kind}: pidfile removed`);
    const lines = readFileSync(logfile, 'latin1').split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 0, kind);
    for (const l of lines) assert.match(l, LINE, `${kind}: ${l}`);
  }
  // Ferrite's parent knows when the child failed to listen: it exits 1 instead of 0.
  const busy = await start('ferrite', []);
  const [cmd, argv] = command('ferrite', ['--port', String(busy.port), '--daemonize', 'yes', '--logfile', join(dir, 'busy.log')]);
  assert.is(spawnSync(cmd, argv, { timeout: 15_000 }).status, 1);
  await stop(busy);
});

test.run();
