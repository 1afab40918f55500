// The pool's key extraction against the real redis-server: for each command form, the keys the pool
// routes by are the keys `COMMAND GETKEYS` names (all of them for multi-key commands, the first for
// EVAL/FCALL, which go to their first key's server like twemproxy sends them).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planCommand, type RoutePlan } from '../src/cluster-client/redis-routing.js';
import { RoutingError } from '../src/cluster-client/errors.js';
import { RawClient, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let client: RawClient;

test.before(async () => {
  redis = await startRedis();
  client = await RawClient.connect(redis.port);
});

test.after(async () => {
  client.close();
  await redis.close();
});

/** Bulk strings of a RESP array reply. */
function bulks(reply: string): string[] {
  return [...reply.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]);
}

function planKeys(plan: RoutePlan, argv: string[]): string[] {
  if (plan.kind === 'key') return [String(plan.key)];
  if (plan.kind === 'keys') return plan.keys.map(String);
  return argv.filter((_, i) => i >= plan.first && (i - plan.first) % plan.step === 0);
}

const FORMS: string[][] = [
  ['GET', 'k'], ['SET', 'k', 'v', 'EX', '10'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1', 'm'], ['LPUSH', 'l', 'a', 'b'],
  ['INCRBYFLOAT', 'n', '1.5'], ['GETEX', 'k', 'PERSIST'], ['SETRANGE', 'k', '0', 'x'], ['XADD', 's', '*', 'f', 'v'],
  ['MGET', 'a', 'b', 'c'], ['MSET', 'a', '1', 'b', '2'], ['DEL', 'a', 'b'], ['UNLINK', 'a', 'b', 'c'], ['EXISTS', 'a', 'b'],
  ['TOUCH', 'a', 'b'], ['MSETNX', 'a', '1', 'b', '2'], ['RENAME', 'a', 'b'], ['RENAMENX', 'a', 'b'], ['COPY', 'a', 'b', 'REPLACE'],
  ['SMOVE', 'a', 'b', 'm'], ['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'a', 'b'], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
  ['BRPOPLPUSH', 'a', 'b', '0'], ['BLPOP', 'a', 'b', '0'], ['BZPOPMIN', 'a', 'b', '1.5'], ['SINTER', 'a', 'b', 'c'],
  ['SUNIONSTORE', 'd', 'a', 'b'], ['SDIFFSTORE', 'd', 'a'], ['PFCOUNT', 'a', 'b'], ['PFMERGE', 'd', 'a', 'b'],
  ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], ['ZINTERSTORE', 'd', '1', 'a'], ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
  ['ZUNION', '2', 'a', 'b', 'WITHSCORES'], ['ZINTER', '2', 'a', 'b'], ['ZDIFF', '2', 'a', 'b'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
  ['SINTERCARD', '2', 'a', 'b'], ['LMPOP', '2', 'a', 'b', 'LEFT'], ['ZMPOP', '2', 'a', 'b', 'MIN'], ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
  ['BZMPOP', '0', '2', 'a', 'b', 'MIN'], ['BITOP', 'AND', 'd', 'a', 'b'], ['LCS', 'a', 'b'], ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>'], ['OBJECT', 'ENCODING', 'k'], ['XINFO', 'STREAM', 'k'], ['XGROUP', 'CREATE', 'k', 'g', '$'],
  ['SORT', 'k', 'LIMIT', '0', '1', 'STORE', 'd'], ['SORT', 'k'], ['GEORADIUS', 'k', '0', '0', '1', 'km', 'STORE', 'd'],
  ['GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
  ['EVAL', 'return 1', '2', 'a', 'b', 'x'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '1', 'a'], ['FCALL', 'f', '1', 'a', 'x'],
];

test('the keys the pool routes by are the keys redis-server names (COMMAND GETKEYS)', async () => {
  for (const argv of FORMS) {
    const theirs = bulks(await client.call('COMMAND', 'GETKEYS', ...argv));
    assert.ok(theirs.length > 0, `redis-server named no keys in ${argv.join(' ')}`);
    const plan = planCommand(argv);
    const ours = planKeys(plan, argv);
    if (plan.kind === 'key' && ['EVAL', 'EVALSHA', 'FCALL'].includes(argv[0])) assert.is(ours[0], theirs[0], argv.join(' '));
    else assert.equal(ours, theirs, argv.join(' '));
  }
});

test('commands without keys are refused with a RoutingError, as redis-server finds no keys in them', async () => {
  for (const argv of [['PING'], ['INFO'], ['FLUSHALL'], ['KEYS', '*'], ['SCAN', '0'], ['DBSIZE'], ['MULTI'], ['PUBLISH', 'c', 'm'], ['EVAL', 'return 1', '0']]) {
    const reply = await client.call('COMMAND', 'GETKEYS', ...argv);
    assert.ok(reply.startsWith('-') || reply === '*0\r\n', `${argv.join(' ')}: ${reply}`);
    assert.throws(() => planCommand(argv), (e: Error) => e instanceof RoutingError, argv.join(' '));
  }
});

test.run();
