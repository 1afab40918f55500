// The memcached binary protocol: the memjs client, raw frames for the quiet variants, CAS, counters,
// touch/GAT, stats, framing errors, and SASL PLAIN authentication as an ACL user.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import memjs from 'memjs';
import { Redis } from 'ioredis';
import { BINARY_HEADER_LENGTH, BinaryOpcode, BinaryStatus, decodeBinaryHeader, encodeBinaryHeader } from '../src/protocol/memcached-binary.js';
import { rejects } from './helpers/assert.js';
import { RawClient, startMemcached } from './helpers/servers.js';
import { startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';

let server: FerriteMemcached;
let redis: Redis;
let client: memjs.Client;

test.before(async () => {
  server = await startFerriteMemcached();
  redis = new Redis({ port: server.ferrite.port });
  client = memjs.Client.create(`127.0.0.1:${server.port}`, { retries: 0, timeout: 5, logger: { log: () => undefined } });
});

test.before.each(async () => {
  await redis.flushall();
});

test.after(async () => {
  client.close();
  redis.disconnect();
  await server.ferrite.close();
});

interface Frame {
  readonly opcode: number;
  readonly status: number;
  readonly opaque: number;
  readonly cas: bigint;
  readonly extras: Buffer;
  readonly key: string;
  readonly value: string;
}

interface RequestParts {
  readonly key?: string;
  readonly extras?: Buffer;
  readonly value?: string;
  readonly cas?: bigint;
  readonly opaque?: number;
}

function frame(opcode: number, parts: RequestParts = {}): Buffer {
  const extras = parts.extras ?? Buffer.alloc(0);
  const key = Buffer.from(parts.key ?? '', 'latin1');
  const value = Buffer.from(parts.value ?? '', 'latin1');
  const header = encodeBinaryHeader({
    magic: 0x80,
    opcode,
    keyLength: key.length,
    extrasLength: extras.length,
    dataType: 0,
    vbucketOrStatus: 0,
    bodyLength: extras.length + key.length + value.length,
    opaque: parts.opaque ?? 0,
    cas: parts.cas ?? 0n,
  });
  return Buffer.concat([header, extras, key, value]);
}

/** Flags and exptime, as set/add/replace carry them. */
function storeExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(flags, 0);
  extras.writeUInt32BE(exptime, 4);
  return extras;
}

function counterExtras(delta: bigint, initial: bigint, exptime: number): Buffer {
  const extras = Buffer.alloc(20);
  extras.writeBigUInt64BE(delta, 0);
  extras.writeBigUInt64BE(initial, 8);
  extras.writeUInt32BE(exptime, 16);
  return extras;
}

function exptimeExtras(exptime: number): Buffer {
  const extras = Buffer.alloc(4);
  extras.writeUInt32BE(exptime, 0);
  return extras;
}

/** Up to `limit` complete response frames in `bytes` from `offset`, and where they end. */
function parseFrames(bytes: Buffer, offset: number, limit: number): { frames: Frame[]; end: number } {
  const frames: Frame[] = [];
  let at = offset;
  while (frames.length < limit && bytes.length - at >= BINARY_HEADER_LENGTH) {
    const h = decodeBinaryHeader(bytes, at);
    const end = at + BINARY_HEADER_LENGTH + h.bodyLength;
    if (bytes.length < end) break;
    const body = at + BINARY_HEADER_LENGTH;
    frames.push({
      opcode: h.opcode,
      status: h.vbucketOrStatus,
      opaque: h.opaque,
      cas: h.cas,
      extras: Buffer.from(bytes.subarray(body, body + h.extrasLength)),
      key: bytes.toString('latin1', body + h.extrasLength, body + h.extrasLength + h.keyLength),
      value: bytes.toString('latin1', body + h.extrasLength + h.keyLength, end),
    });
    at = end;
  }
  return { frames, end: at };
}

/** A raw binary connection: send frames, read response frames in order. */
class Session {
  private consumed = 0;

  private constructor(readonly raw: RawClient) {}

  static async open(port = server.port): Promise<Session> {
    return new Session(await RawClient.connect(port));
  }

  send(...frames: Buffer[]): void {
    this.raw.send(Buffer.concat(frames));
  }

  async read(count: number): Promise<Frame[]> {
    const parse = (received: string): { frames: Frame[]; end: number } => parseFrames(Buffer.from(received, 'latin1'), this.consumed, count);
    const { frames, end } = parse(await this.raw.waitFor((received) => parse(received).frames.length >= count));
    if (frames.length < count) throw new Error(`connection closed after ${frames.length} of ${count} frames`);
    this.consumed = end;
    return frames;
  }

  /** Bytes received and not read as frames yet. */
  unread(): number {
    return this.raw.pending().length - this.consumed;
  }

  async one(...frames: Buffer[]): Promise<Frame> {
    this.send(...frames);
    const [reply] = await this.read(1);
    if (reply === undefined) throw new Error('no reply');
    return reply;
  }

  close(): void {
    this.raw.close();
  }
}

test('memjs: store, read, count, touch and delete over the binary protocol', async () => {
  assert.is(await client.set('k', 'hello', { expires: 0 }), true);
  const hit = await client.get('k');
  assert.is(hit.value?.toString(), 'hello');
  assert.is(await client.add('k', 'x'), false);
  assert.is(await client.add('new', 'x'), true);
  assert.is(await client.replace('new', 'y'), true);
  assert.is(await client.replace('missing', 'y'), false);
  // memjs sends its prepend with the append opcode, so only append is checked here.
  assert.is(await client.append('new', '>'), true);
  assert.is((await client.get('new')).value?.toString(), 'y>');
  assert.equal(await client.increment('cnt', 5, { initial: 10 }), { success: true, value: 10 });
  assert.equal(await client.increment('cnt', 5, {}), { success: true, value: 15 });
  assert.equal(await client.decrement('cnt', 100, {}), { success: true, value: 0 });
  assert.is(await client.touch('k', 100), true);
  assert.ok((await redis.ttl('k')) > 90);
  assert.is(await client.delete('k'), true);
  assert.is(await client.delete('k'), false);
  assert.is((await client.get('k')).value, null);
  await client.set('x', '1', { expires: 0 });
  assert.equal(Object.values(await client.flush()), [true]);
  assert.is(await redis.dbsize(), 0);
});

test('one keyspace: binary items are RESP strings, and the reverse; flags and CAS cross protocols', async () => {
  await client.set('b', 'binary', { expires: 0 });
  assert.is(await redis.get('b'), 'binary');
  await redis.set('r', 'resp', 'EX', 100);
  assert.is((await client.get('r')).value?.toString(), 'resp');
  await redis.rpush('list', 'x');
  assert.is((await client.get('list')).value, null);
  await rejects(client.increment('list', 1, { initial: 3 }), /Key not found/);
  assert.is(await redis.type('list'), 'list');

  const s = await Session.open();
  try {
    const stored = await s.one(frame(BinaryOpcode.Set, { key: 'f', extras: storeExtras(0xdeadbeef, 0), value: 'v' }));
    assert.is(stored.status, BinaryStatus.NoError);
    const text = await RawClient.connect(server.port);
    text.send('gets f\r\n');
    assert.is(await text.readUntil('END\r\n'), `VALUE f ${0xdeadbeef} 1 ${stored.cas}\r\nv\r\nEND\r\n`);
    text.close();
    await redis.append('f', 'w');
    const got = await s.one(frame(BinaryOpcode.Get, { key: 'f' }));
    assert.is(got.value, 'vw');
    assert.is(got.extras.readUInt32BE(0), 0);
    assert.is.not(got.cas, stored.cas);
  } finally {
    s.close();
  }
});

test('quiet variants answer only what memcached answers', async () => {
  const s = await Session.open();
  try {
    s.send(
      frame(BinaryOpcode.SetQ, { key: 'q', extras: storeExtras(1, 0), value: 'v', opaque: 1 }),
      frame(BinaryOpcode.AddQ, { key: 'q', extras: storeExtras(1, 0), value: 'v', opaque: 2 }),
      frame(BinaryOpcode.GetQ, { key: 'missing', opaque: 3 }),
      frame(BinaryOpcode.GetKQ, { key: 'q', opaque: 4 }),
      frame(BinaryOpcode.DeleteQ, { key: 'missing', opaque: 5 }),
      frame(BinaryOpcode.IncrementQ, { key: 'n', extras: counterExtras(1n, 7n, 0), opaque: 6 }),
      frame(BinaryOpcode.AppendQ, { key: 'q', value: '+', opaque: 7 }),
      frame(BinaryOpcode.ReplaceQ, { key: 'missing', extras: storeExtras(0, 0), value: 'x', opaque: 8 }),
      frame(BinaryOpcode.GATQ, { key: 'missing', extras: exptimeExtras(10), opaque: 9 }),
      frame(BinaryOpcode.FlushQ, { opaque: 10 }),
      frame(BinaryOpcode.Noop, { opaque: 11 }),
    );
    const replies = await s.read(5);
    assert.equal(
      replies.map((r) => [r.opaque, r.status, r.key, r.value]),
      [
        [2, BinaryStatus.KeyExists, '', 'Data exists for key.'],
        [4, BinaryStatus.NoError, 'q', 'v'],
        [5, BinaryStatus.KeyNotFound, '', 'Not found'],
        [8, BinaryStatus.KeyNotFound, '', 'Not found'],
        [11, BinaryStatus.NoError, '', ''],
      ],
    );
    assert.is(await redis.dbsize(), 0);
    s.send(frame(BinaryOpcode.QuitQ));
    await s.raw.waitClosed();
    assert.ok(s.raw.closed);
    assert.is(s.unread(), 0);
  } finally {
    s.close();
  }
  const quitter = await Session.open();
  const quit = await quitter.one(frame(BinaryOpcode.Quit, { opaque: 77 }));
  assert.is(quit.opaque, 77);
  await quitter.raw.waitClosed();
  assert.ok(quitter.raw.closed);
});

test('CAS on set, add, replace, append and delete', async () => {
  const s = await Session.open();
  try {
    const first = await s.one(frame(BinaryOpcode.Set, { key: 'c', extras: storeExtras(0, 0), value: 'a' }));
    const got = await s.one(frame(BinaryOpcode.Get, { key: 'c' }));
    assert.is(got.cas, first.cas);
    assert.is((await s.one(frame(BinaryOpcode.Set, { key: 'c', extras: storeExtras(0, 0), value: 'b', cas: first.cas + 1000n }))).status, BinaryStatus.KeyExists);
    const second = await s.one(frame(BinaryOpcode.Set, { key: 'c', extras: storeExtras(0, 0), value: 'b', cas: first.cas }));
    assert.is(second.status, BinaryStatus.NoError);
    assert.is.not(second.cas, first.cas);
    // A CAS turns even add into a CAS store.
    assert.is((await s.one(frame(BinaryOpcode.Add, { key: 'none', extras: storeExtras(0, 0), value: 'x', cas: 5n }))).status, BinaryStatus.KeyNotFound);
    assert.is((await s.one(frame(BinaryOpcode.Add, { key: 'c', extras: storeExtras(0, 0), value: 'x', cas: second.cas }))).status, BinaryStatus.NoError);
    const third = await s.one(frame(BinaryOpcode.Get, { key: 'c' }));
    assert.is((await s.one(frame(BinaryOpcode.Append, { key: 'c', value: '!', cas: 1n }))).status, BinaryStatus.KeyExists);
    assert.is((await s.one(frame(BinaryOpcode.Append, { key: 'c', value: '!', cas: third.cas }))).status, BinaryStatus.NoError);
    assert.is((await s.one(frame(BinaryOpcode.Delete, { key: 'c', cas: 1n }))).status, BinaryStatus.KeyExists);
    assert.is((await s.one(frame(BinaryOpcode.Prepend, { key: 'c', value: '<' }))).status, BinaryStatus.NoError);
    assert.is((await s.one(frame(BinaryOpcode.Prepend, { key: 'none', value: '<' }))).status, BinaryStatus.ItemNotStored);
    const fourth = await s.one(frame(BinaryOpcode.Get, { key: 'c' }));
    assert.is(fourth.value, '<x!');
    assert.is((await s.one(frame(BinaryOpcode.Delete, { key: 'c', cas: fourth.cas }))).status, BinaryStatus.NoError);
    assert.is((await s.one(frame(BinaryOpcode.Delete, { key: 'c' }))).status, BinaryStatus.KeyNotFound);
  } finally {
    s.close();
  }
});

test('counters: create with initial, exptime 0xffffffff fails on a miss, wrap, non-numeric', async () => {
  const s = await Session.open();
  try {
    const miss = await s.one(frame(BinaryOpcode.Increment, { key: 'n', extras: counterExtras(1n, 5n, 0xffffffff) }));
    assert.is(miss.status, BinaryStatus.KeyNotFound);
    const created = await s.one(frame(BinaryOpcode.Increment, { key: 'n', extras: counterExtras(1n, 5n, 100) }));
    assert.is(created.value, Buffer.from([0, 0, 0, 0, 0, 0, 0, 5]).toString('latin1'));
    assert.ok((await redis.ttl('n')) > 90);
    await redis.set('n', '18446744073709551615');
    const wrapped = await s.one(frame(BinaryOpcode.Increment, { key: 'n', extras: counterExtras(2n, 0n, 0) }));
    assert.is(wrapped.value, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]).toString('latin1'));
    assert.is(await redis.get('n'), '1'.padEnd(20, ' '));
    const floor = await s.one(frame(BinaryOpcode.Decrement, { key: 'n', extras: counterExtras(9n, 0n, 0) }));
    assert.is(floor.value, Buffer.alloc(8).toString('latin1'));
    await redis.set('s', 'abc');
    const bad = await s.one(frame(BinaryOpcode.Increment, { key: 's', extras: counterExtras(1n, 0n, 0) }));
    assert.equal([bad.status, bad.value], [BinaryStatus.NonNumeric, 'Non-numeric server-side value for incr or decr']);
  } finally {
    s.close();
  }
});

test('touch returns only the flags; GAT the value; GATK the key too', async () => {
  const s = await Session.open();
  try {
    await s.one(frame(BinaryOpcode.Set, { key: 't', extras: storeExtras(9, 0), value: 'tv' }));
    const touched = await s.one(frame(BinaryOpcode.Touch, { key: 't', extras: exptimeExtras(100) }));
    assert.equal([touched.status, touched.extras.readUInt32BE(0), touched.key, touched.value], [BinaryStatus.NoError, 9, '', '']);
    assert.ok((await redis.ttl('t')) > 90);
    const gat = await s.one(frame(BinaryOpcode.GAT, { key: 't', extras: exptimeExtras(0) }));
    assert.equal([gat.extras.readUInt32BE(0), gat.key, gat.value], [9, '', 'tv']);
    assert.is(await redis.ttl('t'), -1);
    const gatk = await s.one(frame(BinaryOpcode.GATK, { key: 't', extras: exptimeExtras(50) }));
    assert.equal([gatk.key, gatk.value], ['t', 'tv']);
    const miss = await s.one(frame(BinaryOpcode.Touch, { key: 'none', extras: exptimeExtras(1) }));
    assert.equal([miss.status, miss.value], [BinaryStatus.KeyNotFound, 'Not found']);
    const missK = await s.one(frame(BinaryOpcode.GATK, { key: 'none', extras: exptimeExtras(1) }));
    assert.equal([missK.status, missK.key, missK.value], [BinaryStatus.KeyNotFound, 'none', '']);
  } finally {
    s.close();
  }
});

test('version, noop, stats groups; unknown opcodes and bad frames', async () => {
  const s = await Session.open();
  try {
    assert.is((await s.one(frame(BinaryOpcode.Version))).value, '1.6.18');
    s.send(frame(BinaryOpcode.Stat, { opaque: 3 }));
    const general: Frame[] = [];
    while (general.length === 0 || general[general.length - 1]?.key !== '') general.push(...(await s.read(1)));
    assert.is(general[0]?.key, 'pid');
    assert.ok(general.some((f) => f.key === 'curr_items'));
    assert.ok(general.every((f) => f.opaque === 3));
    const [settingsFirst] = await (async () => {
      s.send(frame(BinaryOpcode.Stat, { key: 'settings' }));
      const out: Frame[] = [];
      while (out.length === 0 || out[out.length - 1]?.key !== '') out.push(...(await s.read(1)));
      return out;
    })();
    assert.is(settingsFirst?.key, 'maxbytes');
    assert.is((await s.one(frame(BinaryOpcode.Stat, { key: 'reset' }))).key, '');
    assert.is((await s.one(frame(BinaryOpcode.Stat, { key: 'nosuch' }))).status, BinaryStatus.KeyNotFound);
    // memcached discards a body's length more after an unknown opcode's key: send none.
    const unknown = await s.one(frame(0x50));
    assert.equal([unknown.status, unknown.value], [BinaryStatus.UnknownCommand, 'Unknown command']);
    const tooLarge = await s.one(frame(BinaryOpcode.Set, { key: 'big', extras: storeExtras(0, 0), value: 'x'.repeat(2_000_000) }));
    assert.equal([tooLarge.status, tooLarge.value], [BinaryStatus.ValueTooLarge, 'Too large.']);
    // A get with extras breaks the framing: memcached answers Invalid arguments and closes.
    const broken = await s.one(frame(BinaryOpcode.Get, { key: 'k', extras: Buffer.alloc(4) }));
    assert.is(broken.status, BinaryStatus.InvalidArguments);
    await s.raw.waitClosed();
    assert.ok(s.raw.closed);
  } finally {
    s.close();
  }
  // The server goes on.
  assert.is(await client.set('after', 'ok', { expires: 0 }), true);
});

test('requirepass: SASL PLAIN as an ACL user: the default user with requirepass, no unknown user', async () => {
  const locked = await startFerriteMemcached({ requirepass: 'secret' });
  const good = memjs.Client.create(`127.0.0.1:${locked.port}`, { username: 'default', password: 'secret', retries: 0, timeout: 5, logger: { log: () => undefined } });
  const other = memjs.Client.create(`127.0.0.1:${locked.port}`, { username: 'anyone', password: 'secret', retries: 0, timeout: 5, logger: { log: () => undefined } });
  const bad = memjs.Client.create(`127.0.0.1:${locked.port}`, { username: 'default', password: 'wrong', retries: 0, timeout: 5, logger: { log: () => undefined } });
  try {
    assert.is(await good.set('k', 'v', { expires: 0 }), true);
    await rejects(other.get('k'));
    await rejects(bad.get('k'));

    const s = await Session.open(locked.port);
    assert.equal([(await s.one(frame(BinaryOpcode.SaslListMechs))).value], ['PLAIN']);
    assert.is((await s.one(frame(BinaryOpcode.Version))).value, '1.6.18');
    const wrong = await s.one(frame(BinaryOpcode.SaslAuth, { key: 'PLAIN', value: '\0default\0nope' }));
    assert.equal([wrong.status, wrong.value], [BinaryStatus.AuthError, 'Auth failure.']);
    const ok = await s.one(frame(BinaryOpcode.SaslAuth, { key: 'PLAIN', value: '\0default\0secret' }));
    assert.equal([ok.status, ok.value], [BinaryStatus.NoError, 'Authenticated']);
    assert.is((await s.one(frame(BinaryOpcode.Get, { key: 'k' }))).value, 'v');
    s.close();

    const anonymous = await Session.open(locked.port);
    const denied = await anonymous.one(frame(BinaryOpcode.Get, { key: 'k' }));
    assert.equal([denied.status, denied.value], [BinaryStatus.AuthError, 'Auth failure.']);
    await anonymous.raw.waitClosed();
    assert.ok(anonymous.raw.closed);
  } finally {
    good.close();
    other.close();
    bad.close();
    await locked.ferrite.close();
  }
});

/** A frame as compared across servers: everything but the CAS value, which each server numbers. */
function describe(f: Frame): string {
  return `op=${f.opcode} status=${f.status} opaque=${f.opaque} cas=${f.cas === 0n ? '0' : 'set'} extras=${f.extras.toString('hex')} key=${f.key} value=${JSON.stringify(f.value)}`;
}

/** Sends a step followed by a no-op marker and returns the step's replies (or what came before a close). */
async function binaryStep(session: Session, frames: Buffer[], marker: number): Promise<string[]> {
  session.send(...frames, frame(BinaryOpcode.Noop, { opaque: marker }));
  const out: string[] = [];
  for (;;) {
    const [reply] = await session.read(1).catch(() => [undefined]);
    if (reply === undefined) return [...out, '<closed>'];
    if (reply.opcode === BinaryOpcode.Noop && reply.opaque === marker) return out;
    out.push(describe(reply));
  }
}

test('binary frames: the same replies as Debian\'s memcached', async () => {
  const steps: Buffer[][] = [
    [frame(BinaryOpcode.Set, { key: 'a', extras: storeExtras(5, 0), value: 'hello', opaque: 1 })],
    [frame(BinaryOpcode.Get, { key: 'a', opaque: 2 })],
    [frame(BinaryOpcode.GetK, { key: 'a' })],
    [frame(BinaryOpcode.Get, { key: 'nokey' })],
    [frame(BinaryOpcode.GetK, { key: 'nokey' })],
    [frame(BinaryOpcode.Add, { key: 'a', extras: storeExtras(0, 0), value: 'x' })],
    [frame(BinaryOpcode.Replace, { key: 'nokey', extras: storeExtras(0, 0), value: 'x' })],
    [frame(BinaryOpcode.Append, { key: 'nokey', value: 'x' })],
    [frame(BinaryOpcode.Prepend, { key: 'a', value: '<' }), frame(BinaryOpcode.Get, { key: 'a' })],
    [frame(BinaryOpcode.Delete, { key: 'nokey' })],
    [frame(BinaryOpcode.Increment, { key: 'c', extras: counterExtras(1n, 10n, 0) })],
    [frame(BinaryOpcode.Increment, { key: 'c', extras: counterExtras(5n, 10n, 0) })],
    [frame(BinaryOpcode.Decrement, { key: 'c', extras: counterExtras(100n, 10n, 0) })],
    [frame(BinaryOpcode.Increment, { key: 'nc', extras: counterExtras(1n, 10n, 0xffffffff) })],
    [frame(BinaryOpcode.Increment, { key: 'a', extras: counterExtras(1n, 10n, 0) })],
    [frame(BinaryOpcode.Touch, { key: 'a', extras: exptimeExtras(100) })],
    [frame(BinaryOpcode.Touch, { key: 'nokey', extras: exptimeExtras(100) })],
    [frame(BinaryOpcode.GAT, { key: 'a', extras: exptimeExtras(100) })],
    [frame(BinaryOpcode.GATK, { key: 'a', extras: exptimeExtras(100) })],
    [frame(BinaryOpcode.GAT, { key: 'nokey', extras: exptimeExtras(100) })],
    [frame(BinaryOpcode.GATK, { key: 'nokey', extras: exptimeExtras(100) })],
    [
      frame(BinaryOpcode.SetQ, { key: 'q', extras: storeExtras(0, 0), value: 'v' }),
      frame(BinaryOpcode.GetQ, { key: 'nokey' }),
      frame(BinaryOpcode.GetKQ, { key: 'q' }),
      frame(BinaryOpcode.DeleteQ, { key: 'nokey' }),
      frame(BinaryOpcode.IncrementQ, { key: 'q', extras: counterExtras(1n, 0n, 0) }),
      frame(BinaryOpcode.AddQ, { key: 'q', extras: storeExtras(0, 0), value: 'v' }),
    ],
    [frame(BinaryOpcode.Version)],
    [frame(0x50)],
    [frame(BinaryOpcode.SaslListMechs)],
    [frame(BinaryOpcode.Set, { key: 'big', extras: storeExtras(0, 0), value: 'x'.repeat(2_000_000) }), frame(BinaryOpcode.Get, { key: 'big' })],
    [frame(BinaryOpcode.Stat, { key: 'nosuch' })],
    [frame(BinaryOpcode.Stat, { key: 'reset' })],
    [frame(BinaryOpcode.Flush, { extras: exptimeExtras(0) }), frame(BinaryOpcode.Get, { key: 'a' })],
    [frame(BinaryOpcode.FlushQ)],
    [frame(BinaryOpcode.Get, { key: 'k', extras: exptimeExtras(0) })],
  ];
  const memcached = await startMemcached();
  const sessions = await Promise.all([Session.open(memcached.port), Session.open(server.port)]);
  try {
    for (let i = 0; i < steps.length; i++) {
      const [theirs, ours] = await Promise.all(sessions.map((session) => binaryStep(session, steps[i] ?? [], 1000 + i)));
      assert.equal(ours, theirs, `step ${i}`);
    }
  } finally {
    for (const session of sessions) session.close();
    await memcached.close();
  }
});

test.run();
