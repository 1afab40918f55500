// Real client libraries against Ferrite: ioredis 5 (RESP2) and ioredis 6, which says HELLO 3 by
// default and checks INFO before it reports ready.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis as Redis5 } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { startFerrite } from './helpers/servers.js';
import type { RunningServer } from '../src/index.js';

let ferrite: RunningServer;

test.before(async () => {
  ferrite = await startFerrite();
});

test.after(async () => {
  await ferrite?.close();
});

test('ioredis 6 connects with RESP3 and runs strings, hashes, sorted sets, transactions', async () => {
  const c = new Redis6({ port: ferrite.port, replyMapping: 'resp3' });
  try {
    assert.is(await c.set('k6', 'v'), 'OK');
    assert.is(await c.get('k6'), 'v');
    assert.match(String(await c.client('INFO')), /resp=3/);
    await c.hset('h6', 'a', '1', 'b', '2');
    assert.equal(await c.hgetall('h6'), { a: '1', b: '2' });
    await c.zadd('z6', 1.5, 'm');
    assert.is(await c.zscore('z6', 'm') as unknown, 1.5);
    const [[, r]] = (await c.multi().incr('n6').exec()) as [[Error | null, number]];
    assert.is(r, 1);
  } finally {
    c.disconnect();
  }
});

test('ioredis 6 pub/sub over RESP3 push frames', async () => {
  const sub = new Redis6({ port: ferrite.port });
  const pub = new Redis6({ port: ferrite.port });
  try {
    const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
    await sub.subscribe('news6');
    assert.is(await pub.publish('news6', 'hello'), 1);
    assert.equal(await got, ['news6', 'hello']);
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});

test('ioredis 5 over RESP2: pipelines and binary values', async () => {
  const c = new Redis5({ port: ferrite.port });
  try {
    const value = Buffer.from([0, 1, 2, 255, 13, 10]);
    const res = await c.pipeline().set('b5', value).getBuffer('b5').exec();
    assert.ok((res![1][1] as Buffer).equals(value));
  } finally {
    c.disconnect();
  }
});

test.run();
