// Failure and return, as twemproxy does them: with autoEjectHosts a server that fails
// serverFailureLimit times in a row leaves the ring (only its keys move, to the others), and after
// serverRetryTimeoutMs it is back with its keys; without it, its keys stay and calls fail fast. The
// ring after an ejection is the one real nutcracker uses after ejecting the same server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { createPool, PoolError, ServerUnreachableError, type RedisPool } from '../src/cluster-client/index.js';
import type { RunningServer } from '../src/index.js';
import { startNutcracker } from './helpers/nutcracker.js';
import { RawClient, startFerrite } from './helpers/servers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const keys = Array.from({ length: 600 }, (_, i) => `${i}:user`);

async function threeServers(): Promise<RunningServer[]> {
  const out: RunningServer[] = [];
  for (let i = 0; i < 3; i++) out.push(await startFerrite());
  return out;
}

/** Calls SET on `key` until the pool ejects its server (bounded), returning the errors seen. */
async function driveToEjection(pool: RedisPool, key: string): Promise<Error[]> {
  const errors: Error[] = [];
  let down = false;
  pool.once('node:down', () => (down = true));
  for (let i = 0; i < 200 && !down; i++) {
    try {
      await pool.call('SET', key, 'x');
    } catch (e) {
      errors.push(e as Error);
    }
    await sleep(10);
  }
  assert.ok(down, 'the server was never ejected');
  return errors;
}

test('autoEjectHosts: a killed server is ejected, only its keys move, and it comes back after the retry timeout', async () => {
  const servers = await threeServers();
  const lines = servers.map((s) => `127.0.0.1:${s.port}:1`);
  const pool = createPool({ servers: lines, protocol: 'redis', autoEjectHosts: true, serverFailureLimit: 2, serverRetryTimeoutMs: 400, reconnectBaseMs: 5 });
  const events: string[] = [];
  pool.on('node:down', (address: string) => events.push(`down ${address}`));
  pool.on('node:up', (address: string) => events.push(`up ${address}`));
  try {
    const before = new Map(keys.map((k) => [k, pool.serverFor(k)]));
    const victim = before.get(keys[0]) as string;
    const victimIndex = lines.findIndex((l) => l.startsWith(victim));
    const victimPort = servers[victimIndex].port;
    await pool.call('SET', keys[0], 'before');
    await servers[victimIndex].close();

    const errors = await driveToEjection(pool, keys[0]);
    assert.ok(errors.length >= 2 && errors.every((e) => e instanceof ServerUnreachableError), errors.map(String).join('; '));
    assert.equal(events, [`down ${victim}`]);
    const stats = pool.stats();
    assert.is(stats.liveServers, 2);
    const victimStats = stats.servers.find((s) => s.address === victim);
    assert.is(victimStats?.live, false);
    assert.is(victimStats?.ejections, 1);

    let moved = 0;
    for (const k of keys) {
      const now = pool.serverFor(k);
      if (before.get(k) === victim) {
        assert.is.not(now, victim);
        moved++;
      } else assert.is(now, before.get(k), `${k} moved off a live server`);
    }
    assert.ok(moved > 0 && moved < keys.length);
    // Its keys work on the other servers meanwhile.
    assert.is(await pool.call('SET', keys[0], 'during'), 'OK');
    assert.is(await pool.call('GET', keys[0]), 'during');

    servers[victimIndex] = await startFerrite({ port: victimPort });
    for (let i = 0; i < 100 && !events.includes(`up ${victim}`); i++) await sleep(20);
    assert.equal(events, [`down ${victim}`, `up ${victim}`]);
    for (const k of keys) assert.is(pool.serverFor(k), before.get(k));
    assert.is(await pool.call('SET', keys[0], 'after'), 'OK');
    const check = new Redis({ port: victimPort, lazyConnect: true });
    await check.connect();
    assert.is(await check.get(keys[0]), 'after');
    check.disconnect();
  } finally {
    await pool.close();
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('without autoEjectHosts (the default) a dead server keeps its keys and calls to it fail fast', async () => {
  const servers = await threeServers();
  const lines = servers.map((s) => `127.0.0.1:${s.port}:1`);
  const pool = createPool({ servers: lines, protocol: 'redis', reconnectBaseMs: 5 });
  let down = 0;
  pool.on('node:down', () => down++);
  try {
    const victim = pool.serverFor(keys[0]);
    const victimIndex = lines.findIndex((l) => l.startsWith(victim));
    await servers[victimIndex].close();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      try {
        await pool.call('GET', keys[0]);
        assert.unreachable();
      } catch (e) {
        assert.instance(e, ServerUnreachableError);
      }
      assert.ok(Date.now() - started < 1000);
      await sleep(15);
    }
    assert.is(down, 0);
    assert.is(pool.serverFor(keys[0]), victim);
    const other = keys.find((k) => pool.serverFor(k) !== victim) as string;
    assert.is(await pool.call('SET', other, 'fine'), 'OK');
  } finally {
    await pool.close();
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('lazyConnect: false reconnects by itself once a dead server is back', async () => {
  const server = await startFerrite();
  const port = server.port;
  const pool = createPool({ servers: [`127.0.0.1:${port}:1`], protocol: 'redis', lazyConnect: false, reconnectBaseMs: 5, reconnectMaxMs: 50 });
  let restarted: RunningServer | undefined;
  try {
    for (let i = 0; i < 100 && pool.stats().servers[0].state !== 'ready'; i++) await sleep(10);
    await server.close();
    for (let i = 0; i < 100 && pool.stats().servers[0].state === 'ready'; i++) await sleep(10);
    assert.is.not(pool.stats().servers[0].state, 'ready');
    restarted = await startFerrite({ port });
    for (let i = 0; i < 200 && pool.stats().servers[0].state !== 'ready'; i++) await sleep(10);
    assert.is(pool.stats().servers[0].state, 'ready');
    assert.ok(pool.stats().servers[0].connects >= 2);
    assert.is(await pool.call('SET', 'k', 'v'), 'OK');
  } finally {
    await pool.close();
    await restarted?.close();
  }
});

test('under load while a server dies and returns, every call settles: a reply or a typed error', async () => {
  const servers = await threeServers();
  const lines = servers.map((s) => `127.0.0.1:${s.port}:1`);
  const pool = createPool({ servers: lines, protocol: 'redis', autoEjectHosts: true, serverFailureLimit: 2, serverRetryTimeoutMs: 200, timeoutMs: 1000, reconnectBaseMs: 5 });
  const outcomes = { ok: 0, typed: 0, other: [] as string[] };
  let running = true;
  const loop = async (w: number): Promise<void> => {
    for (let i = 0; running; i++) {
      try {
        await pool.call('SET', `${w}:${i % 97}:load`, 'v');
        outcomes.ok++;
      } catch (e) {
        if (e instanceof PoolError) outcomes.typed++;
        else outcomes.other.push(String(e));
        await sleep(2);
      }
    }
  };
  const victim = 1;
  const port = servers[victim].port;
  try {
    const loops = Array.from({ length: 20 }, (_, w) => loop(w));
    await sleep(100);
    await servers[victim].close();
    await sleep(300);
    servers[victim] = await startFerrite({ port });
    await sleep(500);
    running = false;
    await Promise.all(loops);
    assert.equal(outcomes.other, []);
    assert.ok(outcomes.typed > 0, 'the dead server produced no errors');
    assert.ok(outcomes.ok > 100, `only ${outcomes.ok} calls succeeded`);
    // Back to normal: every server answers again.
    for (const k of keys.slice(0, 30)) assert.is(await pool.call('SET', k, 'after'), 'OK');
    assert.is(pool.stats().liveServers, 3);
  } finally {
    running = false;
    await pool.close();
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('after an ejection the pool places keys where nutcracker does after ejecting the same server', async () => {
  const servers = await threeServers();
  const lines = servers.map((s) => `127.0.0.1:${s.port}:1`);
  const nut = await startNutcracker({ redis: true, servers: lines, autoEjectHosts: true, serverFailureLimit: 1, serverRetryTimeoutMs: 60_000, timeoutMs: 500 });
  const pool = createPool({ servers: lines, protocol: 'redis', autoEjectHosts: true, serverFailureLimit: 1, serverRetryTimeoutMs: 60_000, reconnectBaseMs: 5 });
  const client = await RawClient.connect(nut.port);
  try {
    const victim = pool.serverFor(keys[0]);
    const victimIndex = lines.findIndex((l) => l.startsWith(victim));
    await servers[victimIndex].close();
    await driveToEjection(pool, keys[0]);
    // nutcracker ejects on its first failed forward; after that the key goes to a live server.
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = (await client.call('SET', keys[0], 'x')) === '+OK\r\n';
      if (!ok) await sleep(20);
    }
    assert.ok(ok, 'nutcracker never ejected the dead server');
    for (const k of keys) client.command('SET', k, 'v');
    const replies = await client.replies(keys.length);
    assert.ok(replies.every((r) => r === '+OK\r\n'));
    const live = servers.map((s, i) => (i === victimIndex ? undefined : new Redis({ port: s.port, lazyConnect: true })));
    await Promise.all(live.map((r) => r?.connect()));
    for (const [i, r] of live.entries()) {
      if (r === undefined) continue;
      const held = new Set(await r.keys('*'));
      for (const k of keys) assert.is(held.has(k), pool.serverFor(k) === lines[i].replace(/:1$/, ''), k);
      r.disconnect();
    }
  } finally {
    client.close();
    await pool.close();
    await nut.close();
    await Promise.all(servers.map((s) => s.close()));
  }
});

test.run();
