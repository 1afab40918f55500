// client-output-buffer-limit: a client that stops reading while output piles up for it is
// disconnected at its class's hard limit, or after the soft limit lasted its seconds; the server's
// memory stays bounded, and clients that do read are unaffected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { freePort, startFerrite, startRedis } from './helpers/servers.js';

const MB = 1024 * 1024;
const MESSAGE = 'x'.repeat(64 * 1024);
const executable = fileURLToPath(new URL('../../bin/ferrite-server', import.meta.url));

/** A raw client that sends its commands, reads the first reply, and then never reads again. */
async function stalledClient(port: number, commands: string): Promise<Socket> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(commands);
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  return socket;
}

/** The CLIENT LIST line of the client named `name`, if it is still connected. */
async function clientLine(c: Redis, name: string): Promise<string | undefined> {
  const list = (await c.client('LIST')) as string;
  return list.split('\n').find((line) => line.includes(` name=${name} `));
}

async function publishBurst(pub: Redis, channel: string, messages: number): Promise<number[]> {
  const p = pub.pipeline();
  for (let i = 0; i < messages; i++) p.publish(channel, MESSAGE);
  return (await p.exec())!.map(([, n]) => n as number);
}

async function rss(c: Redis): Promise<number> {
  return Number(/used_memory_rss:(\d+)/.exec(await c.info('memory'))![1]);
}

interface ChildServer {
  port: number;
  log: () => string;
  stop: () => Promise<void>;
}

/** Ferrite in its own process, so that its used_memory_rss is the server's alone. */
async function startChildFerrite(args: string[]): Promise<ChildServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(executable, ['--port', String(port), '--bind', '127.0.0.1', '--memcached-port', '0', '--save', '', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  while (!log.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`ferrite-server exited: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  return { port, log: () => log, stop };
}

test('a stalled subscriber is cut at the hard limit; memory stays bounded; readers are unaffected', async () => {
  const server = await startChildFerrite(['--client-output-buffer-limit', 'pubsub', '4mb', '2mb', '60']);
  const pub = new Redis(server.port, '127.0.0.1');
  const reader = new Redis(server.port, '127.0.0.1');
  let stalled: Socket | undefined;
  try {
    let received = 0;
    reader.on('messageBuffer', () => received++);
    await reader.subscribe('flood');
    stalled = await stalledClient(server.port, 'CLIENT SETNAME stalled\r\nSUBSCRIBE flood\r\n');
    const before = await rss(pub);
    // 256MB published while the stalled subscriber never reads: buffering it all would grow the
    // server by at least 256MB. With a 4MB hard limit it holds at most 4MB plus kernel socket
    // buffers for it; the rest of the allowance is V8 heap for the transient message strings
    // (about 30MB measured). Without the limit this run grows the server by over 300MB.
    const flood = 256 * MB;
    let sent = 0;
    let peak = before;
    let receiversAtEnd = 0;
    while (sent * MESSAGE.length < flood) {
      const counts = await publishBurst(pub, 'flood', 16);
      sent += counts.length;
      receiversAtEnd = counts[counts.length - 1];
      // The reader keeps up, so only the stalled subscriber can be over a limit.
      while (received < sent) await new Promise((r) => setImmediate(r));
      if (sent % 512 === 0) peak = Math.max(peak, await rss(pub));
    }
    peak = Math.max(peak, await rss(pub));
    assert.is(receiversAtEnd, 1, 'only the reader is left');
    assert.is(await clientLine(pub, 'stalled'), undefined);
    assert.is(received, sent, 'the reader got every message');
    assert.ok(peak - before < 96 * MB, `server RSS grew by ${((peak - before) / MB).toFixed(1)}MB`);
    assert.match(server.log(), /Client id=\d+ addr=\S+ .*name=stalled .* scheduled to be closed ASAP for overcoming of output buffer limits\./);
  } finally {
    stalled?.destroy();
    pub.disconnect();
    reader.disconnect();
    await server.stop();
  }
});

let ferrite: RunningServer;

test.before(async () => {
  ferrite = await startFerrite();
  // The disconnections this suite provokes are logged as warnings; the child server's log is checked instead.
  ferrite.server.log.silent = true;
});

test.after(async () => {
  await ferrite.close();
});

test('soft limit: tolerated for its seconds, shown in CLIENT LIST omem and INFO, then cut', async () => {
  const pub = new Redis(ferrite.port, '127.0.0.1');
  const stalled = await stalledClient(ferrite.port, 'CLIENT SETNAME soft\r\nSUBSCRIBE slow\r\n');
  try {
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 0 256kb 3600');
    let line = await clientLine(pub, 'soft');
    for (let i = 0; i < 128 && Number(/ omem=(\d+)/.exec(line ?? '')?.[1] ?? 0) <= 256 * 1024; i++) {
      await publishBurst(pub, 'slow', 16);
      line = await clientLine(pub, 'soft');
    }
    assert.ok(line !== undefined, 'still connected while over the soft limit for less than its seconds');
    assert.ok(Number(/ omem=(\d+)/.exec(line)![1]) > 256 * 1024, line);
    assert.ok(Number(/client_recent_max_output_buffer:(\d+)/.exec(await pub.info('clients'))![1]) > 256 * 1024);
    assert.ok(Number(/mem_clients_normal:(\d+)/.exec(await pub.info('memory'))![1]) > 256 * 1024);
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 0 256kb 1');
    for (let i = 0; i < 100 && (await clientLine(pub, 'soft')) !== undefined; i++) {
      await publishBurst(pub, 'slow', 1);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(await clientLine(pub, 'soft'), undefined, 'cut once over the soft limit for more than 1 second');
  } finally {
    stalled.destroy();
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    pub.disconnect();
  }
});

test('normal class: a client that pipelines big replies without reading is cut, others go on', async () => {
  const c = new Redis(ferrite.port, '127.0.0.1');
  let stalled: Socket | undefined;
  try {
    await c.config('SET', 'client-output-buffer-limit', 'normal 1mb 0 0');
    await c.set('big', 'v'.repeat(256 * 1024));
    stalled = await stalledClient(ferrite.port, 'CLIENT SETNAME greedy\r\n');
    stalled.write('GET big\r\n'.repeat(256));
    for (let i = 0; i < 100 && (await clientLine(c, 'greedy')) !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    assert.is(await clientLine(c, 'greedy'), undefined);
    assert.is((await c.get('big'))!.length, 256 * 1024);
  } finally {
    stalled?.destroy();
    await c.config('SET', 'client-output-buffer-limit', 'normal 0 0 0');
    c.disconnect();
  }
});

/** Keys long enough that 20,000 of their names pass a 1 MB reply. */
const keyName = (i: number): string => `key:${i}:${'k'.repeat(60)}`;

/** Sends one command on a fresh raw connection and resolves with the bytes received before the server closed it. */
async function untilClosed(port: number, command: string): Promise<number> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  let received = 0;
  socket.on('data', (d: Buffer) => void (received += d.length));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(command);
  await new Promise((resolve) => socket.once('close', resolve));
  return received;
}

test('a reply the client sized itself is cut at the hard limit: HRANDFIELD/SRANDMEMBER/ZRANDMEMBER -999999999, KEYS, LRANGE, SMEMBERS, ZRANGE, SORT, MGET, SCAN: nothing of it is sent (as redis-server)', async () => {
  const redis = await startRedis();
  try {
    for (const port of [redis.port, ferrite.port]) await hugeRepliesAreCut(port);
  } finally {
    await redis.close();
  }
});

async function hugeRepliesAreCut(port: number): Promise<void> {
  const c = new Redis(port, '127.0.0.1');
  try {
    await c.config('SET', 'client-output-buffer-limit', 'normal 1000000 0 0');
    await c.hset('h', 'a', 'b');
    await c.sadd('s1', 'm');
    await c.zadd('z1', 1, 'm');
    const value = 'v'.repeat(100);
    const p = c.pipeline();
    for (let i = 0; i < 20_000; i++) p.set(keyName(i), value);
    for (let i = 0; i < 20_000; i += 1000) {
      const members = Array.from({ length: 1000 }, (_, j) => `${value}${i + j}`);
      p.rpush('list', ...members);
      p.sadd('set', ...members);
      p.zadd('zset', ...members.flatMap((m, j) => [i + j, m]));
    }
    await p.exec();
    const mget = `*20001\r\n$4\r\nMGET\r\n${Array.from({ length: 20_000 }, (_, i) => `$${keyName(i).length}\r\n${keyName(i)}\r\n`).join('')}`;
    const commands = [
      'HRANDFIELD h -999999999\r\n', 'HRANDFIELD h -999999999 WITHVALUES\r\n', 'SRANDMEMBER s1 -999999999\r\n',
      'ZRANDMEMBER z1 -999999999 WITHSCORES\r\n', 'KEYS *\r\n', 'LRANGE list 0 -1\r\n', 'SMEMBERS set\r\n',
      'ZRANGE zset 0 -1 WITHSCORES\r\n', 'SORT list ALPHA\r\n', 'SCAN 0 COUNT 100000\r\n', mget,
    ];
    for (const command of commands) {
      const received = await untilClosed(port, command);
      // The whole reply is over the limit before any of it is written, so none of it goes out.
      assert.is(received, 0, `${port === ferrite.port ? 'ferrite' : 'redis-server'} ${command.slice(0, 40)}: ${received} bytes sent`);
      assert.is(await c.ping(), 'PONG');
    }
    assert.is(await c.hget('h', 'a'), 'b');
  } finally {
    await c.config('SET', 'client-output-buffer-limit', 'normal 0 0 0');
    c.disconnect();
  }
}

test('soft limit on the normal class cuts a client that stays over it without sending anything more', async () => {
  const c = new Redis(ferrite.port, '127.0.0.1');
  let stalled: Socket | undefined;
  try {
    await c.config('SET', 'client-output-buffer-limit', 'normal 0 100000 1');
    await c.set('big', 'v'.repeat(16 * MB));
    stalled = await stalledClient(ferrite.port, 'CLIENT SETNAME quiet\r\n');
    stalled.write('GET big\r\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok((await clientLine(c, 'quiet')) !== undefined, 'still connected within the soft seconds');
    for (let i = 0; i < 100 && (await clientLine(c, 'quiet')) !== undefined; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is(await clientLine(c, 'quiet'), undefined, 'cut after the soft seconds with no further input');
  } finally {
    stalled?.destroy();
    await c.config('SET', 'client-output-buffer-limit', 'normal 0 0 0');
    await c.del('big');
    c.disconnect();
  }
});

test.run();
