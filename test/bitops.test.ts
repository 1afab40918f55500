// Differential tests for src/structures/bitops.ts: every case is run both through our pure
// functions and through Debian's real redis-server (7.0), and the replies and the resulting
// string bytes must match. Set BITOPS_SEED to replay a failing run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import {
  bitCount, bitfieldGet, bitfieldIncrBy, bitfieldSet, bitOp, bitPos, getBit, parseBitfieldOffset,
  parseBitfieldType, setBit, type BitfieldOverflow, type BitfieldType, type BitOperation, type BitUnit,
} from '../src/structures/bitops.js';
import { mulberry32 as makeRandom } from './helpers/random.js';

const SEED = Number(process.env.BITOPS_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`bitops seed: ${SEED} (set BITOPS_SEED to replay)`);

const random = makeRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const between = (lo: number, hi: number): number => lo + int(hi - lo + 1);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

// Lengths cover Redis' byte-wise heads/tails as well as its word-wise fast paths (BITOP needs
// 32+ bytes in every source, BITCOUNT 28-byte blocks, BITPOS aligned longs).
function randomLength(): number {
  const r = random();
  if (r < 0.3) return int(9);
  if (r < 0.8) return int(65);
  return int(700);
}

function randomValue(length = randomLength()): string {
  const style = int(6);
  if (style === 5) return String(between(-1e6, 1e9)); // integer-encoded in Redis
  const codes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    switch (style) {
      case 0: codes[i] = int(256); break;
      case 1: codes[i] = random() < 0.95 ? 0 : int(256); break;
      case 2: codes[i] = random() < 0.95 ? 0xff : int(256); break;
      case 3: codes[i] = pick([0, 0xff, 0x80, 0x01, 0x7f, 0xfe]); break;
      default: codes[i] = random() < 0.5 ? int(128) : 128 + int(128);
    }
  }
  return codes.toString('latin1');
}

const bytes = (value: string): Buffer => Buffer.from(value, 'latin1');
const hex = (value: string): string => bytes(value).toString('hex');

// Both ends of int64 as Redis parses them, next to values near the string's size.
function randomIndex(size: number): string {
  const r = random();
  if (r < 0.05) return pick(['9223372036854775807', '-9223372036854775808', '4294967296', '-4294967296']);
  return String(between(-size - 10, size + 10));
}

let server: ChildProcess | undefined;
let redis: Redis;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

test.before(async () => {
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let attempt = 0; ; attempt++) {
    // Integers as strings: BITFIELD replies reach 64 bits, beyond a JS number's precision.
    const client = new Redis({ port, host: '127.0.0.1', stringNumbers: true, lazyConnect: true, retryStrategy: () => null });
    const ignoreStartupError = (): void => undefined;
    client.on('error', ignoreStartupError);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') {
        client.off('error', ignoreStartupError);
        redis = client;
        return;
      }
    } catch (error) {
      if (attempt > 100) throw error;
    }
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

test.after(async () => {
  await redis.quit().catch(() => undefined);
  if (server?.pid !== undefined) process.kill(server.pid);
});

type Reply = unknown;
// One pipelined batch: queue commands, then read every reply (errors become Error values).
async function runBatch(queue: (p: ReturnType<Redis['pipeline']>) => void): Promise<Reply[]> {
  const pipeline = redis.pipeline();
  queue(pipeline);
  const results: [Error | null, unknown][] = (await pipeline.exec()) ?? [];
  return results.map(([error, reply]) => error ?? reply);
}

function expectEqual<T>(ours: T, theirs: T, what: () => string): void {
  if (ours !== theirs) assert.unreachable(`${what()}: ours ${String(ours)}, redis ${String(theirs)}`);
}

function expectBytes(ours: string | undefined, theirs: Reply, what: () => string): void {
  const theirBytes = theirs === null ? undefined : (theirs as Buffer);
  const same = ours === undefined ? theirBytes === undefined : theirBytes !== undefined && bytes(ours).equals(theirBytes);
  if (!same) assert.unreachable(`${what()}: ours ${ours === undefined ? 'nil' : hex(ours)}, redis ${theirBytes?.toString('hex') ?? 'nil'}`);
}

const CASES = Number(process.env.BITOPS_CASES ?? 3000);
const BATCH = 300;

test('GETBIT and SETBIT, including growth and missing keys', async () => {
  for (let done = 0; done < CASES; done += BATCH) {
    const cases = Array.from({ length: BATCH }, () => {
      const value = random() < 0.1 ? undefined : randomValue();
      const length = value?.length ?? 0;
      const offset = random() < 0.02 ? int(2 ** 20) : int(length * 8 + 40);
      return { value, offset, bit: (random() < 0.5 ? 0 : 1) as 0 | 1 };
    });
    const replies = await runBatch((p) => {
      for (const c of cases) {
        if (c.value === undefined) p.del('k');
        else p.set('k', bytes(c.value));
        p.getbit('k', c.offset);
        p.setbit('k', c.offset, c.bit);
        p.getBuffer('k');
      }
    });
    cases.forEach((c, i) => {
      const [, got, old, after] = replies.slice(i * 4, i * 4 + 4);
      const what = () => `value ${hex(c.value ?? '')} offset ${c.offset} bit ${c.bit}`;
      expectEqual(String(getBit(c.value ?? '', c.offset)), got, () => `GETBIT ${what()}`);
      const set = setBit(c.value ?? '', c.offset, c.bit);
      expectEqual(String(set.old), old, () => `SETBIT reply ${what()}`);
      expectBytes(set.value, after, () => `SETBIT result ${what()}`);
    });
  }
});

test('setBit returns the same string when nothing changes', () => {
  const value = 'ab';
  assert.is(setBit(value, 1, 1).value, value);
  assert.equal(setBit('', 0, 0), { value: '\0', old: 0 });
  assert.equal(setBit('\0', 9, 1), { value: '\0\x40', old: 0 });
});

test('BITCOUNT with and without ranges, BYTE and BIT units', async () => {
  for (let done = 0; done < CASES; done += BATCH) {
    const cases = Array.from({ length: BATCH }, () => {
      const value = randomValue();
      const form = int(4); // 0: whole string, 1: start end, 2: BYTE, 3: BIT
      const unit: BitUnit = form === 3 ? 'bit' : 'byte';
      const size = unit === 'bit' ? value.length * 8 : value.length;
      return { value, form, unit, start: randomIndex(size), end: randomIndex(size) };
    });
    const replies = await runBatch((p) => {
      for (const c of cases) {
        p.set('k', bytes(c.value));
        if (c.form === 0) p.bitcount('k');
        else if (c.form === 1) p.call('BITCOUNT', 'k', c.start, c.end);
        else p.call('BITCOUNT', 'k', c.start, c.end, c.unit.toUpperCase());
      }
    });
    cases.forEach((c, i) => {
      const ours = c.form === 0 ? bitCount(c.value, 0, -1, 'byte') : bitCount(c.value, Number(c.start), Number(c.end), c.unit);
      expectEqual(String(ours), replies[i * 2 + 1],
        () => `BITCOUNT ${hex(c.value)} ${c.form === 0 ? '' : `${c.start} ${c.end} ${c.unit}`}`);
    });
  }
});

test('BITPOS with every argument form, missing and empty keys', async () => {
  for (let done = 0; done < CASES * 2; done += BATCH) {
    const cases = Array.from({ length: BATCH }, () => {
      const r = random();
      const value = r < 0.05 ? undefined : r < 0.1 ? '' : randomValue();
      const length = value?.length ?? 0;
      const form = int(5); // 0: bit, 1: start, 2: start end, 3: BYTE, 4: BIT
      const unit: BitUnit = form === 4 ? 'bit' : 'byte';
      const size = unit === 'bit' ? length * 8 : length;
      return { value, bit: (random() < 0.5 ? 0 : 1) as 0 | 1, form, unit, start: randomIndex(size), end: randomIndex(size) };
    });
    const replies = await runBatch((p) => {
      for (const c of cases) {
        if (c.value === undefined) p.del('k');
        else p.set('k', bytes(c.value));
        const args: (string | number)[] = ['k', c.bit];
        if (c.form >= 1) args.push(c.start);
        if (c.form >= 2) args.push(c.end);
        if (c.form >= 3) args.push(c.unit.toUpperCase());
        p.call('BITPOS', ...args);
      }
    });
    cases.forEach((c, i) => {
      const start = c.form >= 1 ? Number(c.start) : undefined;
      const end = c.form >= 2 ? Number(c.end) : undefined;
      const ours = bitPos(c.value, c.bit, start, end, c.unit);
      expectEqual(String(ours), replies[i * 2 + 1],
        () => `BITPOS ${c.value === undefined ? '(missing)' : hex(c.value)} ${c.bit} ${start ?? ''} ${end ?? ''} ${c.form >= 3 ? c.unit : ''}`);
    });
  }
});

test('BITPOS on long runs crosses Redis word boundaries', async () => {
  const cases: { value: string; bit: 0 | 1 }[] = [];
  for (let i = 0; i < 400; i++) {
    const bit = (i % 2) as 0 | 1;
    const fill = bit ? '\0' : '\xff';
    const length = between(1, 200);
    const at = int(length + 1);
    const odd = String.fromCharCode(bit ? 1 << int(8) : ~(1 << int(8)) & 0xff);
    cases.push({ value: (fill.repeat(at) + odd + fill.repeat(length)).slice(0, length), bit });
  }
  const replies = await runBatch((p) => {
    for (const c of cases) {
      p.set('k', bytes(c.value));
      p.call('BITPOS', 'k', c.bit);
    }
  });
  cases.forEach((c, i) => expectEqual(String(bitPos(c.value, c.bit, undefined, undefined, 'byte')), replies[i * 2 + 1],
    () => `BITPOS ${hex(c.value)} ${c.bit}`));
});

test('BITOP AND, OR, XOR and NOT with missing, empty and unequal sources', async () => {
  const ops: BitOperation[] = ['and', 'or', 'xor', 'not'];
  for (let done = 0; done < CASES; done += BATCH) {
    const cases = Array.from({ length: BATCH }, () => {
      const op = pick(ops);
      const count = op === 'not' ? 1 : between(1, 5);
      // Equal long lengths exercise Redis' word-at-a-time path.
      const shared = random() < 0.3 ? between(32, 300) : undefined;
      const sources = Array.from({ length: count }, () => {
        const r = random();
        return r < 0.1 ? undefined : r < 0.15 ? '' : randomValue(shared ?? randomLength());
      });
      return { op, sources };
    });
    const replies = await runBatch((p) => {
      for (const c of cases) {
        p.set('d', 'stale');
        c.sources.forEach((s, j) => (s === undefined ? p.del(`s${j}`) : p.set(`s${j}`, bytes(s))));
        p.call('BITOP', c.op.toUpperCase(), 'd', ...c.sources.map((_, j) => `s${j}`));
        p.getBuffer('d');
      }
    });
    let at = 0;
    for (const c of cases) {
      at += 1 + c.sources.length;
      const [length, stored] = replies.slice(at, at + 2);
      at += 2;
      const ours = bitOp(c.op, c.sources);
      const what = () => `BITOP ${c.op} ${c.sources.map((s) => (s === undefined ? '(missing)' : hex(s))).join(' ')}`;
      expectEqual(String(ours.length), length, what);
      expectBytes(ours === '' ? undefined : ours, stored, what);
    }
  }
});

function randomType(): BitfieldType {
  const signed = random() < 0.5;
  const r = random();
  const bits = r < 0.25 ? (signed ? 64 : 63) : r < 0.4 ? pick([1, 8, 16, 32]) : between(1, signed ? 64 : 63);
  return { signed, bits };
}

const typeName = (type: BitfieldType): string => `${type.signed ? 'i' : 'u'}${type.bits}`;

// int64 values biased towards the type's limits and int64's own.
function randomInt64(type: BitfieldType): bigint {
  const width = BigInt(type.bits);
  const min = type.signed ? -(1n << (width - 1n)) : 0n;
  const max = type.signed ? (1n << (width - 1n)) - 1n : (1n << width) - 1n;
  const r = random();
  let v: bigint;
  if (r < 0.4) v = pick([min, max, min - 1n, max + 1n, 0n, 1n, -1n, min + 1n, max - 1n]);
  else if (r < 0.5) v = pick([-(1n << 63n), (1n << 63n) - 1n, -(1n << 63n) + 1n]);
  else if (r < 0.8) v = BigInt(between(-300, 300));
  else v = BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)));
  return BigInt.asIntN(64, v);
}

type FieldOp =
  | { kind: 'get'; type: BitfieldType; offset: string }
  | { kind: 'set' | 'incrby'; type: BitfieldType; offset: string; v: bigint; overflow: BitfieldOverflow };

function randomOffset(type: BitfieldType, length: number): string {
  if (random() < 0.3) return `#${int(Math.ceil((length * 8 + 16) / type.bits) + 1)}`;
  return String(int(length * 8 + 80));
}

test('BITFIELD GET, SET and INCRBY for every width and OVERFLOW mode', async () => {
  const overflows: BitfieldOverflow[] = ['wrap', 'sat', 'fail'];
  for (let done = 0; done < CASES * 2; done += BATCH) {
    const cases = Array.from({ length: BATCH }, () => {
      const value = random() < 0.1 ? undefined : randomValue(int(24));
      const ops: FieldOp[] = Array.from({ length: between(1, 4) }, () => {
        const type = randomType();
        const offset = randomOffset(type, value?.length ?? 0);
        const r = random();
        if (r < 0.25) return { kind: 'get' as const, type, offset };
        return { kind: r < 0.6 ? 'set' as const : 'incrby' as const, type, offset, v: randomInt64(type), overflow: pick(overflows) };
      });
      return { value, ops };
    });
    const replies = await runBatch((p) => {
      for (const c of cases) {
        if (c.value === undefined) p.del('k');
        else p.set('k', bytes(c.value));
        const args: string[] = ['k'];
        for (const op of c.ops) {
          if (op.kind === 'get') args.push('GET', typeName(op.type), op.offset);
          else args.push('OVERFLOW', op.overflow.toUpperCase(), op.kind.toUpperCase(), typeName(op.type), op.offset, String(op.v));
        }
        p.call('BITFIELD', ...args);
        p.getBuffer('k');
      }
    });
    cases.forEach((c, i) => {
      const [theirReplies, stored] = replies.slice(i * 3 + 1, i * 3 + 3) as [(string | null)[], Reply];
      const what = () => `BITFIELD on ${c.value === undefined ? '(missing)' : hex(c.value)}: ${c.ops.map((op) => (op.kind === 'get'
        ? `GET ${typeName(op.type)} ${op.offset}` : `OVERFLOW ${op.overflow} ${op.kind} ${typeName(op.type)} ${op.offset} ${op.v}`)).join(' ')}`;
      let value = c.value;
      c.ops.forEach((op, j) => {
        const offset = parseBitfieldOffset(op.offset, op.type);
        assert.ok(offset !== null, op.offset);
        let ours: bigint | null;
        if (op.kind === 'get') {
          ours = bitfieldGet(value ?? '', offset, op.type);
        } else if (op.kind === 'set') {
          const r = bitfieldSet(value ?? '', offset, op.type, op.v, op.overflow);
          value = r.value;
          ours = 'failed' in r ? null : r.old;
        } else {
          const r = bitfieldIncrBy(value ?? '', offset, op.type, op.v, op.overflow);
          value = r.value;
          ours = r.result;
        }
        expectEqual(ours === null ? null : String(ours), theirReplies[j], () => `reply ${j} of ${what()}`);
      });
      expectBytes(value, stored, () => `result of ${what()}`);
    });
  }
});

test('BITFIELD type and offset parsing agrees with Redis', async () => {
  const typeStrings = ['i1', 'i8', 'i64', 'i65', 'u1', 'u63', 'u64', 'u0', 'i0', 'i', 'u', '', 'I8', 'U8', 'x8', 'i08',
    'i-1', 'i+8', 'i 8', 'i8 ', 'i8\0junk', '\0i8', 'i9223372036854775807', 'i18446744073709551616', 'u00', 'u7'];
  const offsetStrings = ['0', '7', '-1', '#0', '#3', '#-1', '##1', '# 1', '03', '+3', '', '#', '-0', '1.5', ' 1',
    '4294967295', '4294967296', '#536870912', '#67108864', '#2305843009213693952', '#2305843009213693953',
    '#1152921504606846976', '9223372036854775807', '9223372036854775808', '1\0'];
  const pairs = typeStrings.flatMap((t) => offsetStrings.map((o) => [t, o] as const));
  const replies = await runBatch((p) => {
    p.set('k', bytes('\x12\x34\x56\x78\x9a\xbc\xde\xf0\x0f'));
    for (const [t, o] of pairs) p.call('BITFIELD', 'k', 'GET', bytes(t), bytes(o));
  });
  pairs.forEach(([t, o], i) => {
    const reply = replies[i + 1];
    const what = `GET ${JSON.stringify(t)} ${JSON.stringify(o)}`;
    const type = parseBitfieldType(t);
    if (type === null) {
      assert.instance(reply, Error, what);
      assert.match((reply as Error).message, 'Invalid bitfield type', what);
      return;
    }
    const offset = parseBitfieldOffset(o, type);
    // The caller's size limit: 512 MB of bytes.
    if (offset === null || offset >= 2 ** 32) {
      assert.instance(reply, Error, what);
      assert.match((reply as Error).message, 'bit offset is not an integer or out of range', what);
      return;
    }
    assert.equal([String(bitfieldGet('\x12\x34\x56\x78\x9a\xbc\xde\xf0\x0f', offset, type))], reply, what);
  });
});

test('examples from the Redis documentation', () => {
  assert.is(bitCount('foobar', 0, -1, 'byte'), 26);
  assert.is(bitCount('foobar', 0, 0, 'byte'), 4);
  assert.is(bitCount('foobar', 1, 1, 'byte'), 6);
  assert.is(bitCount('foobar', 1, 1, 'bit'), 1);
  assert.is(bitCount('foobar', 5, 30, 'bit'), 17);
  assert.is(bitPos('\xff\xf0\x00', 0, undefined, undefined, 'byte'), 12);
  assert.is(bitPos('\x00\xff\xf0', 1, 0, undefined, 'byte'), 8);
  assert.is(bitPos('\x00\xff\xf0', 1, 2, undefined, 'byte'), 16);
  assert.is(bitPos('\x00\xff\xf0', 1, 2, -1, 'byte'), 16);
  assert.is(bitPos('\x00\xff\xf0', 1, 7, 15, 'bit'), 8);
  assert.is(bitPos('\x00\x00\x00', 1, undefined, undefined, 'byte'), -1);
  assert.is(bitPos('\xff\xff\xff', 0, undefined, undefined, 'byte'), 24);
  assert.is(bitPos('\xff\xff\xff', 0, 0, -1, 'byte'), -1);
  assert.is(bitOp('and', ['foobar', 'abcdef']), '`bc`ab');
  assert.equal(parseBitfieldType('u64'), null);
  assert.equal(parseBitfieldType('i64'), { signed: true, bits: 64 });
  assert.is(parseBitfieldOffset('#3', { signed: false, bits: 8 }), 24);
  const set = bitfieldSet('', 100, { signed: false, bits: 8 }, -1n, 'fail');
  assert.equal(set, { value: '\0'.repeat(14), old: 0n, failed: true });
  assert.equal(bitfieldIncrBy('\xff', 0, { signed: false, bits: 2 }, 1n, 'fail'), { value: '\xff', result: null });
  assert.equal(bitfieldIncrBy('\xff', 0, { signed: false, bits: 2 }, 1n, 'sat'), { value: '\xff', result: 3n });
  assert.equal(bitfieldIncrBy('\xff', 0, { signed: true, bits: 2 }, 1n, 'wrap'), { value: '\x3f', result: 0n });
  // Redis' int64 wrap-around: far below i8's range, SAT still picks the maximum.
  assert.equal(bitfieldSet('', 0, { signed: true, bits: 8 }, -(1n << 63n), 'sat'), { value: '\x7f', old: 0n });
  assert.equal(bitfieldSet('', 0, { signed: true, bits: 8 }, -1000n, 'sat'), { value: '\x80', old: 0n });
});

test('1 MB BITCOUNT, BITPOS and BITOP match Redis', async () => {
  const big = randomValue(1 << 20).padEnd(1 << 20, '\x5a');
  const other = Buffer.alloc(1 << 20);
  for (let i = 0; i < other.length; i++) other[i] = (i * 2654435761) >>> 24;
  const second = other.toString('latin1');
  const ones = '\xff'.repeat(1 << 20);

  const count = bitCount(big, 0, -1, 'byte');
  const countBits = bitCount(big, 3, -5, 'bit');
  const pos = bitPos(ones, 0, undefined, undefined, 'byte');
  const xor = bitOp('xor', [big, second, ones]);
  const and = bitOp('and', [big, second]);
  const not = bitOp('not', [big]);

  const replies = await runBatch((p) => {
    p.set('a', bytes(big));
    p.set('b', bytes(second));
    p.set('c', bytes(ones));
    p.bitcount('a');
    p.call('BITCOUNT', 'a', '3', '-5', 'BIT');
    p.call('BITPOS', 'c', '0');
    p.call('BITOP', 'XOR', 'x', 'a', 'b', 'c');
    p.getBuffer('x');
    p.call('BITOP', 'AND', 'x', 'a', 'b');
    p.getBuffer('x');
    p.call('BITOP', 'NOT', 'x', 'a');
    p.getBuffer('x');
  });
  assert.equal(replies.slice(3, 6), [String(count), String(countBits), String(pos)]);
  expectBytes(xor, replies[7], () => 'BITOP XOR 1 MB');
  expectBytes(and, replies[9], () => 'BITOP AND 1 MB');
  expectBytes(not, replies[11], () => 'BITOP NOT 1 MB');
});

test.run();
