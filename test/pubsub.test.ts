// Pub/sub: the exact (P|S)(UN)SUBSCRIBE and message shapes compared with the real redis-server in
// RESP2 and RESP3, and many publishers and subscribers at once over real connections.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { quiet, read, runSessions, send, sendN, type Step } from './helpers/sessions.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis.close(), ferrite.close()]);
});

async function sameTranscripts(steps: readonly Step[]): Promise<void> {
  const [expected, actual] = await Promise.all([runSessions(redis.port, steps), runSessions(ferrite.port, steps)]);
  assert.equal(actual, expected);
}

/** The bulk strings of a flat RESP2 array or RESP3 push frame of bulks: [kind, (pattern,) channel, payload]. */
function bulksOf(frame: string): string[] {
  const out: string[] = [];
  let pos = frame.indexOf('\r\n') + 2;
  while (pos < frame.length) {
    const eol = frame.indexOf('\r\n', pos);
    const len = Number(frame.slice(pos + 1, eol));
    out.push(frame.slice(eol + 2, eol + 2 + len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

test('RESP2: subscribe and unsubscribe replies, subscribed-state rules, messages', async () => {
  await sameTranscripts([
    send('s', 'UNSUBSCRIBE'), send('s', 'PUNSUBSCRIBE'), send('s', 'SUNSUBSCRIBE'),
    sendN('s', 2, 'UNSUBSCRIBE', 'a', 'b'),
    sendN('s', 3, 'SUBSCRIBE', 'a', 'b', 'a'),
    sendN('s', 2, 'PSUBSCRIBE', 'a*', 'b?'),
    sendN('s', 2, 'SSUBSCRIBE', 's1', 's2'),
    send('s', 'GET', 'x'), send('s', 'PING'), send('s', 'PING', 'hi'), send('s', 'SUBSCRIBE'),
    send('p', 'PUBLISH', 'a', 'hello'), read('s', 2),
    send('p', 'PUBLISH', 'bx', 'to-pattern'), read('s', 1),
    send('p', 'SPUBLISH', 's1', 'sharded'), read('s', 1),
    // Redis lists channels and shard channels in hash order, random per process: one name at a time here.
    send('p', 'PUBSUB', 'NUMPAT'), send('p', 'PUBSUB', 'CHANNELS', 'a*'), send('p', 'PUBSUB', 'CHANNELS', 'nomatch*'),
    send('p', 'PUBSUB', 'NUMSUB', 'a', 'b', 'zz'), send('p', 'PUBSUB', 'NUMSUB'),
    send('p', 'PUBSUB', 'SHARDCHANNELS', '*1'), send('p', 'PUBSUB', 'SHARDNUMSUB', 's1', 's9'),
    send('p', 'PUBSUB', 'CHANNELS', 'a', 'b'), send('p', 'PUBSUB', 'numpat', 'x'), send('p', 'PUBSUB', 'nope'),
    send('p', 'PUBSUB', 'HELP'),
    send('s', 'UNSUBSCRIBE', 'x'), send('s', 'UNSUBSCRIBE', 'b'), send('s', 'SUNSUBSCRIBE', 's2'),
    send('p', 'PUBSUB', 'CHANNELS'), send('p', 'PUBSUB', 'SHARDCHANNELS'),
    send('s', 'UNSUBSCRIBE'), sendN('s', 2, 'PUNSUBSCRIBE'), send('s', 'SUNSUBSCRIBE'),
    send('s', 'GET', 'x'),
    send('p', 'PUBLISH', 'a', 'nobody'),
  ]);
});

test('RESP3: push frames, any command allowed while subscribed, own messages before the reply', async () => {
  await sameTranscripts([
    quiet('s', 'HELLO', '3'),
    send('s', 'UNSUBSCRIBE'), send('s', 'SUNSUBSCRIBE'),
    send('s', 'SUBSCRIBE', 'a'), send('s', 'PSUBSCRIBE', 'a*'), send('s', 'SSUBSCRIBE', 's1'),
    send('s', 'GET', 'x'), send('s', 'PING'),
    send('p', 'PUBLISH', 'a', 'm1'), read('s', 2),
    send('p', 'SPUBLISH', 's1', 'm2'), read('s', 1),
    sendN('s', 3, 'PUBLISH', 'a', 'self'),
    send('s', 'RESET'), send('p', 'PUBLISH', 'a', 'after-reset'),
  ]);
});

test('binary-safe channels, patterns and payloads', async () => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  await sameTranscripts([
    send('s', 'SUBSCRIBE', `ch\0${all}`), send('s', 'PSUBSCRIBE', 'ch\0*'),
    send('p', 'PUBLISH', `ch\0${all}`, all), read('s', 2),
  ]);
});

test('a subscriber of a channel and a matching pattern gets both messages', async () => {
  const sub = new Redis(ferrite.port, '127.0.0.1');
  const pub = new Redis(ferrite.port, '127.0.0.1');
  try {
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
    sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`pmessage ${pat} ${ch} ${msg}`));
    await sub.subscribe('news.tech');
    await sub.psubscribe('news.*');
    assert.is(await pub.publish('news.tech', 'x'), 2);
    assert.is(await pub.publish('news.art', 'y'), 1);
    await sub.ping();
    assert.equal(got, ['message news.tech x', 'pmessage news.* news.tech x', 'pmessage news.* news.art y']);
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});

/** A raw RESP3 subscriber: HELLO 3 then SUBSCRIBE, its messages collected as [channel, payload]. */
async function resp3Subscriber(channel: string): Promise<RawClient> {
  const c = await RawClient.connect(ferrite.port);
  await c.call('HELLO', '3');
  await c.call('SUBSCRIBE', channel);
  return c;
}

test('many publishers and subscribers at once: every message arrives, in each publisher\'s order', async () => {
  const publishers = 4;
  const perPublisher = 500;
  const resp2 = Array.from({ length: 3 }, () => new Redis(ferrite.port, '127.0.0.1'));
  const received = resp2.map(() => [] as string[]);
  resp2.forEach((c, i) => c.on('message', (_ch: string, msg: string) => received[i].push(msg)));
  await Promise.all(resp2.map((c) => c.subscribe('flood')));
  const resp3 = await Promise.all([resp3Subscriber('flood'), resp3Subscriber('flood')]);
  const pubs = Array.from({ length: publishers }, () => new Redis(ferrite.port, '127.0.0.1'));
  try {
    const counts = await Promise.all(pubs.map(async (p, id) => {
      const out: number[] = [];
      for (let i = 0; i < perPublisher; i += 50) {
        const pipe = p.pipeline();
        for (let j = i; j < i + 50; j++) pipe.publish('flood', `${id}:${j}`);
        for (const [err, n] of (await pipe.exec())!) {
          assert.is(err, null);
          out.push(n as number);
        }
      }
      return out;
    }));
    for (const list of counts) for (const n of list) assert.is(n, resp2.length + resp3.length);
    const raw = await Promise.all(resp3.map(async (c) => (await c.replies(publishers * perPublisher, 20000)).map((f) => bulksOf(f))));
    await Promise.all(resp2.map((c) => c.ping()));
    const streams = [...received, ...raw.map((frames) => frames.map((b) => {
      assert.is(b[0], 'message');
      return b[2];
    }))];
    for (const stream of streams) {
      assert.is(stream.length, publishers * perPublisher);
      for (let id = 0; id < publishers; id++) {
        const own = stream.filter((m) => m.startsWith(`${id}:`)).map((m) => Number(m.split(':')[1]));
        assert.equal(own, Array.from({ length: perPublisher }, (_, j) => j), `publisher ${id} in order`);
      }
    }
  } finally {
    for (const c of [...resp2, ...pubs]) c.disconnect();
    for (const c of resp3) c.close();
  }
});

test('a disconnected subscriber is forgotten', async () => {
  const sub = await RawClient.connect(ferrite.port);
  await sub.call('SUBSCRIBE', 'gone');
  sub.command('PSUBSCRIBE', 'gone*');
  sub.command('SSUBSCRIBE', 'gone-shard');
  await sub.replies(2);
  const other = new Redis(ferrite.port, '127.0.0.1');
  try {
    assert.equal(await other.pubsub('NUMSUB', 'gone'), ['gone', 1]);
    sub.close();
    for (let i = 0; i < 100 && Number(await other.pubsub('NUMPAT')) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await other.pubsub('NUMSUB', 'gone'), ['gone', 0]);
    assert.is(await other.pubsub('NUMPAT'), 0);
    assert.equal(await other.pubsub('SHARDCHANNELS'), []);
    assert.is(await other.publish('gone', 'x'), 0);
  } finally {
    other.disconnect();
  }
});

test.run();
