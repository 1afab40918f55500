// CLIENT LIST / CLIENT INFO field values side by side with redis-server: the same fields in the same
// order, and the figures Redis derives from the request itself (qbuf holding the running command,
// argv-mem of the running or blocked command, multi-mem of a transaction's queue) equal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';
import type { RunningServer } from '../src/index.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});
test.after(async () => {
  await Promise.all([redis.close(), ferrite.close()]);
});

/** A CLIENT INFO/LIST line's fields, in order. */
function fields(line: string): [string, string][] {
  return line.trim().split(' ').map((kv) => {
    const eq = kv.indexOf('=');
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  });
}

/** The verbatim/bulk text of a raw reply. */
function text(raw: string): string {
  return raw.slice(raw.indexOf('\r\n') + 2, -2);
}

const ports = (): [string, number][] => [['redis', redis.port], ['ferrite', ferrite.port]];

test('CLIENT INFO: the same fields in the same order; qbuf and argv-mem count the running command', async () => {
  const seen: Record<string, [string, string][]> = {};
  for (const [who, port] of ports()) {
    const c = await RawClient.connect(port);
    const f = fields(text(await c.call('CLIENT', 'INFO')));
    const v = Object.fromEntries(f);
    // *2 $6 CLIENT $4 INFO: 26 bytes, of which 10 are arguments.
    assert.is(v.qbuf, '26', who);
    assert.is(v['argv-mem'], '10', who);
    assert.is(v['multi-mem'], '0', who);
    assert.is(v.cmd, 'client|info', who);
    assert.ok(Number(v['tot-mem']) >= 26 + 10 + Number(v.omem), `${who} tot-mem ${v['tot-mem']}`);
    c.send('CLIENT INFO\r\n');
    assert.is(Object.fromEntries(fields(text(await c.reply()))).qbuf, '13', `${who}: inline request`);
    seen[who] = f;
    c.close();
  }
  assert.equal(seen.ferrite.map(([k]) => k), seen.redis.map(([k]) => k));
});

test('CLIENT LIST: multi-mem of a queued transaction, argv-mem of a blocked command, as redis-server', async () => {
  for (const [who, port] of ports()) {
    const tx = await RawClient.connect(port);
    const blocked = await RawClient.connect(port);
    const observer = await RawClient.connect(port);
    for (const cmd of [['CLIENT', 'SETNAME', 'tx'], ['WATCH', 'k1', 'k2'], ['MULTI'], ['SET', 'a', 'bbbbbbbbbb'], ['GET', 'a'], ['INCR', 'c']]) await tx.call(...cmd);
    await blocked.call('CLIENT', 'SETNAME', 'blocked');
    blocked.command('BLPOP', 'nokey', '0');
    let list = '';
    for (let i = 0; i < 100 && !/name=blocked .*flags=b/.test(list); i++) list = text(await observer.call('CLIENT', 'LIST'));
    const byName = new Map(list.split('\n').filter((l) => l !== '').map((l) => [Object.fromEntries(fields(l)).name, Object.fromEntries(fields(l))]));
    const t = byName.get('tx')!;
    // (3+1+10 + 3*8) + (3+1 + 2*8) + (4+1 + 2*8): argument bytes plus a pointer per argument.
    assert.equal([t.multi, t['multi-mem'], t['argv-mem'], t.qbuf, t.flags], ['3', '79', '0', '0', 'x'], who);
    const b = byName.get('blocked')!;
    assert.equal([b['argv-mem'], b.flags, b.cmd], ['11', 'b', 'blpop'], who);
    const o = byName.get('')!;
    assert.equal([o['argv-mem'], o.qbuf], ['10', '26'], who);
    for (const c of [tx, blocked, observer]) c.close();
  }
});

test.run();
