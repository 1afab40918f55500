// RESP protocol edge cases over raw sockets: inline commands, pipelining, binary safety, and every
// protocol error compared byte for byte (and close-or-not) with Debian's redis-server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import { encodeCommand } from './helpers/resp.js';
import type { RunningServer } from '../src/index.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([redis?.close(), ferrite?.close()]);
});

const PING = '*1\r\n$4\r\nPING\r\n';
/** Marks the end of an exchange; distinct from anything the inputs themselves produce. */
const SENTINEL = '*2\r\n$4\r\nECHO\r\n$8\r\nSENTINEL\r\n';
const SENTINEL_REPLY = '$8\r\nSENTINEL\r\n';

/**
 * Sends raw bytes and collects everything the server answers. If the server closes, that ends it;
 * otherwise an ECHO SENTINEL marks the end of the answer (its reply is removed).
 */
async function exchange(port: number, input: string): Promise<{ out: string; closed: boolean }> {
  const c = await RawClient.connect(port);
  try {
    c.send(input);
    c.send(SENTINEL);
    const got = await c.waitFor((s) => s.endsWith(SENTINEL_REPLY));
    return { out: c.closed ? got : got.slice(0, -SENTINEL_REPLY.length), closed: c.closed };
  } finally {
    c.close();
  }
}

/**
 * For input the server must refuse and close on: sends it alone and waits for the close. (With a
 * sentinel sent behind it, the server could read the sentinel's newline in the same read and take
 * the whole as one huge inline command — on redis-server too — depending on how TCP cut the bytes.)
 */
async function exchangeUntilClosed(port: number, input: string): Promise<{ out: string; closed: boolean }> {
  const c = await RawClient.connect(port);
  try {
    c.send(input);
    const out = await c.waitFor(() => false);
    return { out, closed: c.closed };
  } finally {
    c.close();
  }
}

const cases: [string, string][] = [
  ['multibulk PING', PING],
  ['inline PING', 'PING\r\n'],
  ['inline with LF only', 'PING\n'],
  ['inline ECHO with quotes and escapes', 'ECHO "\\x41\\n\\t\\"q"\r\n'],
  ['inline single quotes', "ECHO 'a\\'b'\r\n"],
  ['inline unbalanced double quote', 'SET a "b\r\n'],
  ['inline quote not followed by space', 'SET "a"b c\r\n'],
  ['inline unbalanced single quote', "ECHO 'abc\r\n"],
  ['empty inline lines are ignored', '\r\n\r\n \r\nPING\r\n'],
  ['zero and negative multibulk counts', '*0\r\n*-1\r\nPING\r\n'],
  ['invalid multibulk length', '*abc\r\n'],
  ['multibulk too long', '*3000000\r\n'],
  ['expected $', '*2\r\n+GET\r\n'],
  ['invalid bulk length', '*1\r\n$abc\r\n'],
  ['negative bulk length', '*2\r\n$3\r\nGET\r\n$-5\r\n'],
  ['bulk over proto-max-bulk-len', '*1\r\n$600000000\r\n'],
  ['bulk without its CRLF is taken as is', '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n'],
  ['unknown command with binary args', encodeCommand(['FOO', 'a\0b', '\xff']).toString('latin1')],
  ['arity error', '*1\r\n$3\r\nGET\r\n'],
  ['inline unknown command', 'NOPE a b\r\n'],
];

for (const [name, input] of cases) {
  test(`protocol: ${name}`, async () => {
    const [r, f] = await Promise.all([exchange(redis.port, input), exchange(ferrite.port, input)]);
    assert.is(f.out, r.out);
    assert.is(f.closed, r.closed);
  });
}

test('protocol: too big inline request closes with Redis error', async () => {
  const input = 'A'.repeat(70 * 1024);
  const [r, f] = await Promise.all([exchangeUntilClosed(redis.port, input), exchangeUntilClosed(ferrite.port, input)]);
  assert.is(f.out, r.out);
  assert.ok(f.closed && r.closed);
});

for (const prefix of ['\x00', '*\x00', '$\x00', '*1\r\n$\x00']) {
  test(`protocol: ${JSON.stringify(prefix)} then 70 KB without a newline closes with Redis' error`, async () => {
    const input = prefix + 'a'.repeat(70 * 1024);
    const [r, f] = await Promise.all([exchangeUntilClosed(redis.port, input), exchangeUntilClosed(ferrite.port, input)]);
    assert.is(f.out, r.out);
    assert.ok(f.closed && r.closed);
  });
}

test('protocol: binary-safe values with \\0 and CRLF inside', async () => {
  const c = await RawClient.connect(ferrite.port);
  const value = Buffer.from([0, 13, 10, 255, 128, 0, 36, 42, 13, 10]);
  c.command('SET', 'bin', value);
  assert.is(await c.reply(), '+OK\r\n');
  c.command('GET', 'bin');
  assert.is(Buffer.from(await c.reply(), 'latin1').equals(Buffer.concat([Buffer.from('$10\r\n'), value, Buffer.from('\r\n')])), true);
  c.close();
});

test('protocol: 10000 pipelined commands in one write are all answered in order', async () => {
  const c = await RawClient.connect(ferrite.port);
  const parts: Buffer[] = [];
  for (let i = 0; i < 10000; i++) parts.push(encodeCommand(['INCR', 'pipelined']));
  c.send(Buffer.concat(parts));
  const replies = await c.replies(10000, 20000);
  assert.is(replies[0], ':1\r\n');
  assert.is(replies[9999], ':10000\r\n');
  c.close();
});

test('protocol: a request split at every byte parses the same', async () => {
  const c = await RawClient.connect(ferrite.port);
  const req = Buffer.concat([encodeCommand(['SET', 'split', 'a\r\nb']), encodeCommand(['GET', 'split']), Buffer.from('ECHO "x y"\r\n')]);
  for (let i = 0; i < req.length; i++) {
    c.send(req.subarray(i, i + 1));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await c.replies(3), ['+OK\r\n', '$4\r\na\r\nb\r\n', '$3\r\nx y\r\n']);
  c.close();
});

test('protocol: a 20 MB value sent in many chunks round-trips', async () => {
  const c = await RawClient.connect(ferrite.port);
  const big = Buffer.alloc(20 * 1024 * 1024, 'x');
  big[123] = 0;
  const req = encodeCommand(['SET', 'big', big]);
  for (let i = 0; i < req.length; i += 65536) c.send(req.subarray(i, i + 65536));
  assert.is(await c.reply(20000), '+OK\r\n');
  c.command('STRLEN', 'big');
  assert.is(await c.reply(), `:${big.length}\r\n`);
  c.close();
});

test('protocol: client-query-buffer-limit closes a client sending an endless request', async () => {
  const small = await startFerrite({ 'client-query-buffer-limit': '1mb' });
  try {
    const c = await RawClient.connect(small.port);
    c.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n');
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 40 && !c.closed; i++) {
      c.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    await c.waitClosed();
    assert.ok(c.closed);
    const probe = await RawClient.connect(small.port);
    assert.is(await probe.call('PING'), '+PONG\r\n');
    probe.close();
  } finally {
    await small.close();
  }
});

test('protocol: proto-max-bulk-len is enforced and configurable', async () => {
  const small = await startFerrite({ 'proto-max-bulk-len': '1mb' });
  try {
    const r = await exchange(small.port, '*2\r\n$4\r\nECHO\r\n$2000000\r\n');
    assert.is(r.out, '-ERR Protocol error: invalid bulk length\r\n');
    assert.ok(r.closed);
  } finally {
    await small.close();
  }
});

test('protocol fuzz: random, malformed and truncated frames never hurt the server', async () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const pieces = ['*', '$', '\r\n', '\n', '-1', '99999999999', '*2147483648', '$536870913', '0', '3', 'PING', 'SET', 'GET', '"', "'", '\\x4', ' ', '\0', '\xff', 'abc'];
  const frame = (): string => {
    let s = '';
    const n = 1 + rand(12);
    for (let i = 0; i < n; i++) s += pieces[rand(pieces.length)];
    return s;
  };
  const before = process.memoryUsage().heapUsed;
  for (let round = 0; round < 300; round++) {
    const c = await RawClient.connect(ferrite.port);
    c.send(frame() + frame() + frame());
    // Some frames are incomplete on purpose: drop the connection halfway through.
    if (round % 3 === 0) c.close();
    else {
      await c.waitFor(() => true, 50).catch(() => undefined);
      c.close();
    }
  }
  const probe = await RawClient.connect(ferrite.port);
  assert.is(await probe.call('PING'), '+PONG\r\n');
  probe.close();
  (globalThis as { gc?: () => void }).gc?.();
  // The server shares this process: its heap must not have grown by anything like the garbage sent.
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
});

test('RESP3: HELLO 3 switches replies to RESP3 types', async () => {
  const c = await RawClient.connect(ferrite.port);
  const hello = await c.call('HELLO', '3');
  assert.ok(hello.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n'));
  assert.ok(hello.includes('$5\r\nproto\r\n:3\r\n'));
  assert.is(await c.call('GET', 'nothing-here'), '_\r\n');
  assert.is(await c.call('CONFIG', 'GET', 'hz'), '%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
  assert.is(await c.call('HELLO', '2', 'SETNAME', 'me'), (await c.call('HELLO', '2')).replace('', ''));
  assert.is(await c.call('CLIENT', 'GETNAME'), '$2\r\nme\r\n');
  c.close();
});

test('HELLO AUTH authenticates and selects the protocol at once', async () => {
  const secured = await startFerrite({ requirepass: 's3cret' });
  try {
    const c = await RawClient.connect(secured.port);
    assert.is(await c.call('GET', 'x'), '-NOAUTH Authentication required.\r\n');
    assert.is(await c.call('HELLO', '3', 'AUTH', 'default', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.ok((await c.call('HELLO', '3', 'AUTH', 'default', 's3cret')).startsWith('%7'));
    assert.is(await c.call('GET', 'x'), '_\r\n');
    c.close();
  } finally {
    await secured.close();
  }
});

test.run();
