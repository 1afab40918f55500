// Datasets for persistence tests: one that exercises every type at both of each type's encodings
// (small and big, intset and not, int-encoded and compressible strings, binary bytes, TTLs, several
// databases), and a reader that captures a server's whole dataset (type, value, absolute expiry of
// every key) over the protocol, so two servers — Ferrite and redis-server — can be compared.
import { Redis } from 'ioredis';

type Random = () => number;

export interface KeyDump {
  type: string;
  value: string;
  expireAt: number;
}

export type Dataset = Map<string, KeyDump>;

const bin = (random: Random, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(random() * 256));
  return s;
};
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Fills dbs 0, 1 and 9 with every type and encoding size; `scale` multiplies the number of keys. */
export async function populate(port: number, random: Random, scale = 1): Promise<void> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  try {
    for (const db of [0, 1, 9]) {
      await c.select(db);
      const p = c.pipeline();
      for (let i = 0; i < 20 * scale; i++) {
        p.set(`int:${i}`, String(Math.floor((random() - 0.5) * 2 ** (1 + (i % 60)))));
        p.set(`str:${i}`, 'x'.repeat(i % 5) + bin(random, 1 + (i % 40)));
        p.set(`long:${i}`, 'abc'.repeat(50 + i));
        p.set(b(`bin:${bin(random, 8)}`), b(bin(random, 200 + i)));
        p.rpush(`list:small:${i}`, ...Array.from({ length: 1 + (i % 10) }, (_, k) => (k % 2 === 0 ? String(k * 1000 - 7) : bin(random, 5))).map(b));
        p.sadd(`set:int:${i}`, ...Array.from({ length: 1 + (i % 12) }, (_, k) => String(k * (i % 3 === 0 ? 1 : 100000007) - 3)));
        p.sadd(`set:str:${i}`, ...Array.from({ length: 1 + (i % 7) }, (_, k) => `m${k}:${bin(random, 3)}`).map(b));
        p.zadd(`zset:small:${i}`, ...Array.from({ length: 1 + (i % 9) }, (_, k) => [String(k === 0 ? '-inf' : (random() - 0.5) * 1e6), `z${k}`]).flat());
        p.hset(`hash:small:${i}`, ...Array.from({ length: 1 + (i % 8) }, (_, k) => [`f${k}`, k % 2 === 0 ? String(k * 31) : bin(random, 10)]).flat().map(b));
        if (i % 3 === 0) p.pexpire(`str:${i}`, 100_000 + i * 1000);
        if (i % 4 === 0) p.expire(`hash:small:${i}`, 5000 + i);
      }
      // Big ones: past every *-max-* limit so each converts to its big encoding.
      p.rpush('list:big', ...Array.from({ length: 3000 }, (_, k) => `item-${k}-${'y'.repeat(k % 50)}`));
      p.rpush('list:huge-element', 'z'.repeat(20_000), 'tail');
      p.sadd('set:int:big', ...Array.from({ length: 600 }, (_, k) => String(k * 3)));
      p.sadd('set:int:wide', '1', '-9223372036854775808', '9223372036854775807');
      p.sadd('set:big', ...Array.from({ length: 700 }, (_, k) => `member-${k}`));
      p.zadd('zset:big', ...Array.from({ length: 300 }, (_, k) => [String(k / 7), `m-${k}`]).flat());
      p.zadd('zset:long-member', 1, 'q'.repeat(100), 2.5, 'short');
      p.hset('hash:big', ...Array.from({ length: 300 }, (_, k) => [`field-${k}`, `value-${k}`]).flat());
      p.hset('hash:long-value', 'f', 'v'.repeat(200));
      p.set('ttl:persist-later', 'v', 'EX', 100_000);
      await p.exec();
    }
  } finally {
    c.disconnect();
  }
}

/** Every key of every database: type, canonical value text, absolute expiry in ms (0 = none). */
export async function readDataset(port: number, databases = 16): Promise<Dataset> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  const out: Dataset = new Map();
  const s = (x: Buffer): string => x.toString('latin1');
  try {
    for (let db = 0; db < databases; db++) {
      await c.select(db);
      let cursor = '0';
      const keys: Buffer[] = [];
      do {
        const [next, batch] = (await c.scanBuffer(cursor, 'COUNT', 1000)) as unknown as [Buffer, Buffer[]];
        cursor = s(next);
        keys.push(...batch);
      } while (cursor !== '0');
      const types = (await keys.reduce((p, k) => p.type(k), c.pipeline()).exec())!.map(([, t]) => String(t));
      const p = c.pipeline();
      keys.forEach((key, i) => {
        const type = types[i];
        if (type === 'string') p.getBuffer(key);
        else if (type === 'list') p.lrangeBuffer(key, 0, -1);
        else if (type === 'set') p.smembersBuffer(key);
        else if (type === 'zset') p.zrangeBuffer(key, 0, -1, 'WITHSCORES');
        else if (type === 'hash') p.hgetallBuffer(key);
        else p.type(key);
        p.call('PEXPIRETIME', key);
      });
      const replies = (await p.exec())!.map(([, r]) => r);
      keys.forEach((key, i) => {
        const type = types[i];
        const r = replies[2 * i];
        let value: string;
        if (type === 'string') value = s(r as Buffer);
        else if (type === 'list' || type === 'zset') value = JSON.stringify((r as Buffer[]).map(s));
        else if (type === 'set') value = JSON.stringify((r as Buffer[]).map(s).sort());
        else if (type === 'hash') value = JSON.stringify(Object.entries(r as Record<string, Buffer>).map(([k, v]) => [k, s(v)]).sort());
        else value = `<${type}>`;
        const pexpiretime = Number(replies[2 * i + 1]);
        out.set(`${db}/${s(key)}`, { type, value, expireAt: pexpiretime < 0 ? 0 : pexpiretime });
      });
    }
  } finally {
    c.disconnect();
  }
  return out;
}

/** Differences between two datasets, as readable lines (empty when equal). */
export function diffDatasets(a: Dataset, b: Dataset, max = 10): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) out.push(`missing ${JSON.stringify(k)}`);
    else if (w.type !== v.type || w.value !== v.value || w.expireAt !== v.expireAt) out.push(`differs ${JSON.stringify(k)}: ${JSON.stringify(v).slice(0, 120)} vs ${JSON.stringify(w).slice(0, 120)}`);
    if (out.length >= max) return out;
  }
  for (const k of b.keys()) if (!a.has(k)) out.push(`extra ${JSON.stringify(k)}`);
  return out.slice(0, max);
}

/** OBJECT ENCODING of every key, for checking that both servers chose the same encodings. */
export async function readEncodings(port: number, dataset: Dataset): Promise<Map<string, string>> {
  const c = new Redis({ port, lazyConnect: true });
  await c.connect();
  const out = new Map<string, string>();
  try {
    for (const k of dataset.keys()) {
      const slash = k.indexOf('/');
      await c.select(Number(k.slice(0, slash)));
      out.set(k, String(await c.call('OBJECT', 'ENCODING', b(k.slice(slash + 1)))));
    }
  } finally {
    c.disconnect();
  }
  return out;
}
