// Pub/sub fan-out: one publisher and 50 subscribers of one channel over raw sockets, against
// Ferrite (its own process) and Debian's redis-server in the same run. Reports messages delivered
// per second (published messages × subscribers / time until the last subscriber has them all).
// The publisher keeps a bounded number of PUBLISH commands in flight, so neither server's output
// buffers grow without limit. After a warm-up run each, each server is measured three times,
// alternating, best run kept.
import { createConnection, type Socket } from 'node:net';
import { startFerriteProcess, startRedisProcess } from './servers.js';

const SUBSCRIBERS = 50;
const CHANNEL = 'bench';
const PAYLOAD = 'x'.repeat(16);
/** Alternating, so drift in machine load affects both servers alike. */
const ORDER = ['ferrite', 'redis', 'redis', 'ferrite', 'ferrite', 'redis'] as const;
/** PUBLISH commands sent and not yet answered, at most. */
const WINDOW = 512;

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const resp = (...args: string[]): string => `*${args.length}\r\n${args.map(bulk).join('')}`;
const SUBSCRIBED = `*3\r\n${bulk('subscribe')}${bulk(CHANNEL)}:1\r\n`;
const MESSAGE_BYTES = resp('message', CHANNEL, PAYLOAD).length;
const PUBLISH = resp('PUBLISH', CHANNEL, PAYLOAD);

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** Resolves once `socket` has received `bytes` more bytes. */
function receive(socket: Socket, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    let left = bytes;
    const onData = (chunk: Buffer): void => {
      left -= chunk.length;
      if (left > 0) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
  });
}

/** Sends `messages` PUBLISH commands, never more than WINDOW unanswered; resolves when all are answered. */
function publish(socket: Socket, messages: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    const refill = (): void => {
      const n = Math.min(WINDOW - (sent - answered), messages - sent);
      if (n <= 0) return;
      socket.write(PUBLISH.repeat(n));
      sent += n;
    };
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) answered++;
      if (answered === messages) resolve();
      else refill();
    });
    refill();
  });
}

/** Messages delivered per second to SUBSCRIBERS subscribers. */
async function deliveredPerSecond(port: number, messages: number): Promise<number> {
  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => connect(port)));
  const publisher = await connect(port);
  try {
    await Promise.all(
      subscribers.map((s) => {
        const confirmed = receive(s, SUBSCRIBED.length);
        s.write(resp('SUBSCRIBE', CHANNEL));
        return confirmed;
      }),
    );
    const delivered = Promise.all(subscribers.map((s) => receive(s, messages * MESSAGE_BYTES)));
    const start = performance.now();
    await Promise.all([publish(publisher, messages), delivered]);
    return (messages * SUBSCRIBERS) / ((performance.now() - start) / 1000);
  } finally {
    for (const s of [publisher, ...subscribers]) s.destroy();
  }
}

export async function runPubsubBench(quick: boolean): Promise<string> {
  const messages = quick ? 20_000 : 100_000;
  const [ferrite, redis] = await Promise.all([startFerriteProcess(), startRedisProcess()]);
  try {
    // Warm-up, not counted: V8 compiles Ferrite's hot paths while it serves.
    await deliveredPerSecond(ferrite.port, messages / 2);
    await deliveredPerSecond(redis.port, messages / 2);
    const ports = { ferrite: ferrite.port, redis: redis.port };
    const runs = { ferrite: [] as number[], redis: [] as number[] };
    for (const which of ORDER) runs[which].push(await deliveredPerSecond(ports[which], messages));
    const [f, r] = [Math.max(...runs.ferrite), Math.max(...runs.redis)];
    return [
      `1 publisher, ${SUBSCRIBERS} subscribers, ${messages} messages of ${PAYLOAD.length} bytes (target: ratio ≥ 0.5)`,
      '',
      '| redis-server msg/s | ferrite msg/s | ratio |',
      '|---:|---:|---:|',
      `| ${Math.round(r)} | ${Math.round(f)} | ${(f / r).toFixed(2)} |`,
    ].join('\n');
  } finally {
    await Promise.all([ferrite.stop(), redis.stop()]);
  }
}
