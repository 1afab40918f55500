// What stream commands propagate (to the AOF and replicas), against what redis-server 7.0 writes to
// its AOF for the same commands: XADD with the ID it generated and an approximate trim made exact,
// XREADGROUP as XCLAIM and XGROUP SETID effects, XCLAIM/XAUTOCLAIM as XCLAIMs, XGROUP and XSETID
// as sent. Only wall-clock values differ (generated IDs, delivery times) and are masked; Redis
// wraps a command's several effects in MULTI/EXEC, which the engine's propagation unit decides,
// so those two are left out of the comparison.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandsIn } from './helpers/aof.js';
import { RawClient, startFerrite, startRedis } from './helpers/servers.js';

const SCRIPT: string[][] = [
  ['XADD', 's', '1-0', 'a', '1'], ['XADD', 's', '2-*', 'b', '2'], ['XADD', 's', '*', 'c', '3'], ['XADD', 's', 'MAXLEN', '~', '1', '*', 'd', '4'],
  ['XADD', 's', 'MINID', '~', '2', 'LIMIT', '5', '*', 'e', '5'], ['XADD', 'n', 'NOMKSTREAM', '*', 'x', '1'], ['XTRIM', 's', 'MAXLEN', '~', '2'], ['XTRIM', 's', 'MAXLEN', '=', '3'],
  ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 'q', 'g', '$', 'MKSTREAM'], ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'], ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'],
  ['XACK', 's', 'g', '9-9'], ['XCLAIM', 's', 'g', 'dave', '0', '2-0'], ['XCLAIM', 's', 'g', 'dave', '0', '1-0', 'LASTID', '99-0'],
  ['XAUTOCLAIM', 's', 'g', 'erin', '0', '0', 'COUNT', '5'], ['XGROUP', 'SETID', 's', 'g', '0'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'fred'],
  ['XGROUP', 'DELCONSUMER', 's', 'g', 'fred'], ['XSETID', 's', '100-0'], ['XDEL', 's', '100-0'], ['XGROUP', 'DESTROY', 's', 'g'], ['DEL', 's'],
];

/** Generated IDs and delivery times come from the clock (two IDs generated in one millisecond differ in their sequence). */
const mask = (argv: string[]): string[] => argv.map((a) => a.replace(/^\d{13}(-\d+)?$/, (_, seq: string | undefined) => (seq === undefined ? '<time>' : '<time>-<seq>')));

test('propagated effects match what redis-server writes to its AOF', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-streams-aof-'));
  const [redis, ferrite] = await Promise.all([startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]), startFerrite()]);
  const propagated: string[][] = [];
  ferrite.server.state.sinks.push((_db, argv) => void propagated.push(argv));
  const [rc, fc] = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ferrite.port)]);
  try {
    for (const argv of SCRIPT) await Promise.all([rc.call(...argv), fc.call(...argv)]);
    const aofDir = join(dir, 'appendonlydir');
    const incr = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'))!;
    const written = commandsIn(readFileSync(join(aofDir, incr), 'latin1')).filter((c) => !['SELECT', 'MULTI', 'EXEC'].includes(c[0].toUpperCase()));
    assert.equal(propagated.map(mask), written.map(mask));
  } finally {
    rc.close();
    fc.close();
    await Promise.all([redis.close(), ferrite.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
