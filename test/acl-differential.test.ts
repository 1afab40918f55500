// ACL replies against the real redis-server byte for byte: SETUSER errors (garbage rules change
// nothing), GETUSER/LIST shapes, DRYRUN, CAT for every category, LOG entry shapes; and the command
// table's key specs, tips and categories (COMMAND INFO) and COMMAND GETKEYS(ANDFLAGS) for every command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { differential, RawClient, startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;
let r: Redis;
let f: Redis;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
  r = new Redis({ port: redis.port, lazyConnect: true });
  f = new Redis({ port: ferrite.port, lazyConnect: true });
  await Promise.all([r.connect(), f.connect()]);
});

test.after(async () => {
  r.disconnect();
  f.disconnect();
  await Promise.all([redis.close(), ferrite.close()]);
});

async function same(commands: string[][]): Promise<void> {
  for (const p of await differential(redis.port, ferrite.port, commands)) assert.is(p.ferrite, p.redis, p.command);
}

/**
 * Redis lists the single-command corrections of a rule description ("+get +set") in its command
 * hash table's order, which is seeded at random at start-up: those runs are compared sorted.
 */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalized);
  if (typeof v !== 'string') return v;
  return v.replace(/[+-][^@\s()][^\s()]*(?: [+-][^@\s()][^\s()]*)*/g, (run) => run.split(' ').sort().join(' '));
}

/** Sends each command to both servers (ioredis, errors as text) and compares the normalized replies. */
async function sameParsed(commands: string[][]): Promise<void> {
  const ask = (c: Redis, cmd: string[]) => c.call(cmd[0], ...cmd.slice(1)).catch((e: Error) => `error: ${e.message}`);
  for (const cmd of commands) {
    const [a, b] = await Promise.all([ask(r, cmd), ask(f, cmd)]);
    assert.equal(normalized(b), normalized(a), cmd.join(' '));
  }
}

/** Rules whose descriptions don't depend on commands Ferrite lacks (streams, geo, cluster, ...). */
const RULE_SETS: string[][] = [
  ['on', '>p1', '~app:*', '-@all', '+get', '+set'],
  ['on', 'nopass', 'allkeys', 'allchannels', 'allcommands'],
  ['reset'],
  ['+@all', '-@dangerous'],
  ['+@all', '-debug', '+debug|digest'],
  ['-@all', '+client', '-client|kill'],
  ['-@all', '+select|0', '+SELECT|AbC'],
  ['%R~r:*', '%W~w:*', '%RW~b:*', '~z', '%R~z', '&a', '&b', '&c*', '-@all'],
  ['~x', '~*', 'resetkeys', '~y'],
  ['skip-sanitize-payload', '>a', '>b', '<a', '#3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d'],
  ['>a', 'nopass', '>b', 'resetpass', 'off'],
  ['sanitize-payload', 'on', '(~x* +get)', '(+set ~y &ch)', '+@all', '-@all'],
  ['(~x* +get)', 'clearselectors', '(', '~a', '+get', ')', '(%R~r', '+get)'],
  ['', 'on', '', '+get'],
  ['resetchannels', '&*', 'nocommands', '+@connection'],
  ['-@all', '+@transaction', '+@scripting', '-eval'],
];

/** Rules Redis refuses; each must leave the user exactly as it was. */
const BAD_RULES: string[][] = [
  ['~*', '~a'], ['foo'], ['+nosuch'], ['-nosuch'], ['+@nosuch'], ['-@nosuch'], ['#abc'], ['!abc'], ['<nopw'],
  ['+config|get|x'], ['+get|'], ['-get|x'], ['('], ['(~a'], ['(foo)'], ['%X~a'], ['%~a'], ['%RR~a'], ['%R'], ['allchannels', '&a'],
  ['on', '>good', '+get', 'bogus'], ['(+get', '~a', 'bogus)'],
];

test('ACL SETUSER / GETUSER / LIST / USERS / DELUSER replies match redis-server', async () => {
  const cmds: string[][] = [];
  RULE_SETS.forEach((rules, i) => {
    cmds.push(['ACL', 'SETUSER', `u${i}`, ...rules], ['ACL', 'GETUSER', `u${i}`]);
  });
  cmds.push(['ACL', 'LIST'], ['ACL', 'USERS'], ['ACL', 'GETUSER', 'nosuch'], ['ACL', 'SETUSER', 'a b'], ['ACL', 'SETUSER', 'x\0y']);
  cmds.push(['ACL', 'DELUSER', 'default'], ['ACL', 'DELUSER', 'nobody', 'u0', 'u1'], ['ACL', 'USERS'], ['ACL', 'WHOAMI'], ['ACL', 'WHOAMI', 'x']);
  cmds.push(['ACL'], ['ACL', 'FOO'], ['ACL', 'CAT', 'nosuch'], ['ACL', 'CAT', 'read', 'x'], ['ACL', 'GENPASS', '0'], ['ACL', 'GENPASS', '4097'], ['ACL', 'GENPASS', 'x']);
  cmds.push(['ACL', 'LOG', 'foo'], ['ACL', 'LOG', '1', '2'], ['ACL', 'LOG', 'RESET'], ['ACL', 'LOG'], ['ACL', 'SAVE'], ['ACL', 'LOAD'], ['ACL', 'HELP']);
  await sameParsed(cmds);
});

test('garbage rules get Redis errors and change nothing', async () => {
  const cmds: string[][] = [['ACL', 'SETUSER', 'victim', 'on', '>pw', '~k:*', '-@all', '+get', '(~s* +set)']];
  for (const bad of BAD_RULES) cmds.push(['ACL', 'SETUSER', 'victim', ...bad], ['ACL', 'GETUSER', 'victim']);
  for (const bad of BAD_RULES) cmds.push(['ACL', 'SETUSER', 'fresh', ...bad], ['ACL', 'GETUSER', 'fresh']);
  cmds.push(['ACL', 'LIST']);
  await sameParsed(cmds);
});

test('a described rule set means what it describes: its permissions over every command survive a round trip', async () => {
  // Which categories Redis picks for a description depends on every command it has (the best fit is
  // counted over its whole table), so with fewer commands Ferrite may word it differently; what the
  // words grant must still be exactly what the user has.
  const names = (await f.call('COMMAND', 'LIST')) as string[];
  const probes: string[][] = [];
  for (const n of names) {
    const [info] = (await f.call('COMMAND', 'INFO', n)) as unknown[][];
    const subs = (info[9] as string[][]).map((s) => s[0].split('|'));
    if (subs.length === 0) probes.push([n, 'k', 'v', 'w', 'x']);
    for (const sub of subs) probes.push([...sub, 'k', 'v', 'w', 'x']);
  }
  for (const [i, set] of [['+@read', '-@dangerous'], ['+@all', '-@slow'], ['-@all', '+@string', '-get', '+keys'], ['+@all', '-@write', '+set', '-@admin', '+config|get']].entries()) {
    const name = `rt${i}`;
    await f.call('ACL', 'SETUSER', name, 'allkeys', 'allchannels', ...set);
    const description = ((await f.call('ACL', 'GETUSER', name)) as string[])[5];
    await f.call('ACL', 'SETUSER', `${name}b`, 'allkeys', 'allchannels', ...description.split(' '));
    const verdicts = async (user: string) => Promise.all(probes.map((p) => f.call('ACL', 'DRYRUN', user, ...p).catch((e: Error) => e.message)));
    assert.equal(await verdicts(`${name}b`), await verdicts(name), `${set.join(' ')} -> ${description}`);
  }
});

test('ACL CAT: the categories, and every category lists what Redis lists (of the commands Ferrite has)', async () => {
  const [rc, fc] = (await Promise.all([r.call('ACL', 'CAT'), f.call('ACL', 'CAT')])) as string[][];
  assert.equal(fc, rc);
  const ours = new Set((await f.call('COMMAND', 'LIST')) as string[]);
  for (const sub of await Promise.all([...ours].map((n) => f.call('COMMAND', 'INFO', n)))) {
    for (const s of ((sub as unknown[][])[0]?.[9] ?? []) as string[][]) ours.add(s[0]);
  }
  const redisNames = new Set<string>();
  for (const info of (await r.call('COMMAND')) as unknown[][]) {
    redisNames.add(info[0] as string);
    for (const s of info[9] as string[][]) redisNames.add(s[0]);
  }
  for (const cat of rc) {
    const [a, b] = (await Promise.all([r.call('ACL', 'CAT', cat), f.call('ACL', 'CAT', cat)])) as string[][];
    const theirs = new Set(a);
    const known = (n: string) => theirs.has(n) || !ours.has(n) || redisNames.has(n);
    assert.equal(b.filter(known).sort(), a.filter((n) => ours.has(n)).sort(), `@${cat}`);
  }
});

test('ACL DRYRUN: permitted, denied command / key / channel, errors', async () => {
  const setup = ['ACL', 'SETUSER', 'dry', 'on', 'nopass', '~app:*', '%R~ro:*', '%W~wo:*', '&news.*', '-@all', '+get', '+set', '+publish', '+subscribe', '+psubscribe', '+mset', '+sort', '+eval', '+copy', '+lmove', '+object|encoding', '+migrate'];
  const cmds = [setup];
  for (const args of [
    ['get', 'app:1'], ['get', 'other'], ['set', 'app:1', 'v'], ['set', 'ro:1', 'v'], ['get', 'ro:1'], ['get', 'wo:1'], ['set', 'wo:1', 'v'],
    ['set', 'wo:1', 'v', 'GET'], ['mset', 'app:1', 'a', 'other', 'b'], ['mset', 'app:1', 'a', 'app:2', 'b'], ['sort', 'app:l', 'STORE', 'other'],
    ['sort', 'app:l', 'STORE', 'app:d'], ['eval', 'return 1', '2', 'app:1', 'other'], ['eval', 'return 1', '1', 'app:1', 'other'],
    ['copy', 'ro:1', 'wo:1'], ['copy', 'wo:1', 'ro:1'], ['lmove', 'app:a', 'ro:b', 'LEFT', 'RIGHT'], ['object', 'encoding', 'ro:1'],
    ['publish', 'news.1', 'm'], ['publish', 'sport', 'm'], ['subscribe', 'news.a', 'sport'], ['psubscribe', 'news.*'], ['psubscribe', 'news.a*'],
    ['del', 'app:1'], ['config', 'get', 'x'], ['ping'],
    // Keys found by the command's own function (no key-spec flags), and MIGRATE's after KEYS.
    ['eval', 'return 1', '1x', 'other'], ['eval', 'return 1', '1x', 'ro:1'], ['eval', 'return 1', '1x', 'wo:1'],
    ['migrate', 'h', 'p', '', '0', '5', 'KEYS', 'ro:1'], ['migrate', 'h', 'p', '', '0', '5', 'KEYS', 'app:1', 'wo:1'],
  ]) cmds.push(['ACL', 'DRYRUN', 'dry', ...args]);
  cmds.push(['ACL', 'DRYRUN', 'nouser', 'get', 'a'], ['ACL', 'DRYRUN', 'dry', 'nocmd'], ['ACL', 'DRYRUN', 'dry', 'get'], ['ACL', 'DRYRUN', 'dry']);
  cmds.push(['ACL', 'DRYRUN', 'dry', 'config', 'nosuch'], ['ACL', 'DRYRUN', 'default', 'flushall'], ['ACL', 'DRYRUN', 'dry', 'config'], ['ACL', 'DRYRUN', 'dry', 'client']);
  await same(cmds);
});

test('denials in the ACL LOG have the shape and fields of Redis', async () => {
  const setup = (c: Redis) => c.call('ACL', 'SETUSER', 'logged', 'on', '>pw', '~a*', '&ch', '-@all', '+get', '+publish', '+auth');
  await Promise.all([setup(r), setup(f), r.call('ACL', 'LOG', 'RESET'), f.call('ACL', 'LOG', 'RESET')]);
  const steps: string[][] = [['AUTH', 'logged', 'wrong'], ['AUTH', 'nobody', 'x'], ['AUTH', 'logged', 'pw'], ['GET', 'b'], ['SET', 'a', '1'], ['PUBLISH', 'other', 'm'], ['GET', 'b'], ['GET', 'a1']];
  await same(steps);
  const shape = (entries: unknown) =>
    (entries as (string | number)[][]).map((e) => {
      const m = new Map<string, string | number>();
      for (let i = 0; i < e.length; i += 2) m.set(String(e[i]), e[i + 1]);
      const info = String(m.get('client-info'));
      return [[...m.keys()], m.get('count'), m.get('reason'), m.get('context'), m.get('object'), m.get('username'), /cmd=(\S+) user=(\S+)/.exec(info)?.slice(1)];
    });
  const [a, b] = await Promise.all([r.call('ACL', 'LOG'), f.call('ACL', 'LOG')]);
  assert.equal(shape(b), shape(a));
  assert.equal(shape(await f.call('ACL', 'LOG', '2')), shape(await r.call('ACL', 'LOG', '2')));
});

test('secrets are redacted in MONITOR and SLOWLOG as Redis does', async () => {
  const steps: string[][] = [
    ['AUTH', 'default', 'secret1'], ['HELLO', '2', 'AUTH', 'default', 'secret2', 'SETNAME', 'n'], ['ACL', 'SETUSER', 'redact', 'on', '>secret3'],
    ['CONFIG', 'SET', 'masterauth', 'secret4', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory', '0'], ['PING'],
  ];
  const watch = async (port: number, c: Redis): Promise<[string[], unknown[]]> => {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    const monitor = await RawClient.connect(port);
    monitor.command('MONITOR');
    await monitor.readUntil('+OK\r\n');
    const client = await RawClient.connect(port);
    for (const step of steps) await client.call(...step);
    const seen = await monitor.waitFor((t) => t.includes('"PING"'));
    monitor.close();
    client.close();
    const log = ((await c.call('SLOWLOG', 'GET', '20')) as unknown[][]).map((e) => e[3]).filter((a) => (a as string[])[0] !== 'SLOWLOG');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    return [seen.split('\r\n').filter((l) => l !== '').map((l) => l.replace(/^\+[\d.]+ \[\d+ [^\]]+\] /, '')), log];
  };
  const [theirs, ours] = [await watch(redis.port, r), await watch(ferrite.port, f)];
  assert.equal(ours[0], theirs[0]);
  assert.equal(ours[1], theirs[1]);
  assert.ok(!JSON.stringify(ours).includes('secret'));
});

test('COMMAND INFO: arity, flags, categories, tips and key specs of every command are Redis 7.0.15\'s', async () => {
  const names = (await f.call('COMMAND', 'LIST')) as string[];
  let compared = 0;
  for (const name of names) {
    const [[ours], [theirs]] = (await Promise.all([f.call('COMMAND', 'INFO', name), r.call('COMMAND', 'INFO', name)])) as unknown[][][];
    if (theirs === null) continue;
    // Subcommands come in Redis' hash table order: compared by name.
    const subs = (v: unknown[]) => (v[9] as unknown[][]).map((s) => s.slice(0, 9)).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const names = (v: unknown[]) => new Set((v[9] as unknown[][]).map((s) => String(s[0])));
    const [theirNames, ourNames] = [names(theirs), names(ours)];
    const pick = (v: unknown[]) => [...v.slice(0, 9), subs(v).filter((s) => theirNames.has(String(s[0])) && ourNames.has(String(s[0])))];
    assert.equal(pick(ours), pick(theirs), name);
    compared++;
  }
  assert.ok(compared > 200, `compared ${compared} commands`);
});

const GETKEYS_CORPUS: string[][] = [
  ['get', 'k'], ['set', 'k', 'v'], ['set', 'k', 'v', 'GET'], ['set', 'k', 'v', 'get'], ['setnx', 'k', 'v'], ['getdel', 'k'], ['getex', 'k', 'PERSIST'],
  ['mset', 'a', '1', 'b', '2'], ['mset', 'a', '1', 'b'], ['msetnx', 'a', '1'], ['mget', 'a', 'b', 'c'], ['del', 'a', 'b'], ['exists', 'a', 'b'], ['unlink', 'a'],
  ['rename', 'a', 'b'], ['renamenx', 'a', 'b'], ['copy', 'a', 'b'], ['copy', 'a', 'b', 'DB', '1', 'REPLACE'], ['move', 'a', '1'], ['smove', 'a', 'b', 'm'],
  ['sort', 'k'], ['sort', 'k', 'BY', 'w*', 'GET', 'o*', 'STORE', 'd'], ['sort', 'k', 'store'], ['sort', 'k', 'STORE', 'd', 'store', 'e'], ['sort', 'k', 'LIMIT', '0', '1', 'STORE', 'd'],
  ['sort_ro', 'k', 'BY', 'x'], ['bitfield', 'k', 'GET', 'u8', '0'], ['bitfield', 'k', 'SET', 'u8', '0', '1'], ['bitfield', 'k', 'OVERFLOW', 'SAT'], ['bitfield', 'k', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'],
  ['bitfield_ro', 'k', 'GET', 'u8', '0'], ['bitop', 'AND', 'd', 'a', 'b'], ['bitcount', 'k'], ['pfcount', 'a', 'b'], ['pfmerge', 'd', 'a', 'b'], ['pfadd', 'k', 'x'],
  ['eval', 's', '2', 'a', 'b', 'c'], ['eval', 's', '0'], ['eval', 's', 'x', 'a'], ['eval', 's', '5', 'a'], ['eval', 's', '-1', 'a'], ['evalsha', 'x', '1', 'a'], ['eval_ro', 's', '1', 'a'],
  ['zunion', '2', 'a', 'b'], ['zunion', 'x', 'a', 'b'], ['zunion', '5', 'a', 'b'], ['zunion', '0', 'a'], ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], ['zinterstore', 'd', '1', 'a'],
  ['zdiff', '2', 'a', 'b'], ['zdiffstore', 'd', '2', 'a', 'b'], ['zinter', '1', 'a'], ['zintercard', '2', 'a', 'b'], ['zrangestore', 'd', 's', '0', '1'], ['sintercard', '2', 'a', 'b'],
  ['lmpop', '2', 'a', 'b', 'LEFT'], ['lmpop', '0', 'a', 'LEFT'], ['blmpop', '0', '2', 'a', 'b', 'LEFT'], ['zmpop', '1', 'a', 'MIN'], ['bzmpop', '0', '1', 'a', 'MIN'],
  ['blpop', 'a', 'b', '0'], ['brpoplpush', 'a', 'b', '0'], ['lmove', 'a', 'b', 'LEFT', 'RIGHT'], ['blmove', 'a', 'b', 'LEFT', 'RIGHT', '0'], ['rpoplpush', 'a', 'b'],
  ['bzpopmin', 'a', 'b', '0'], ['sdiffstore', 'd', 'a', 'b'], ['sinterstore', 'd', 'a'], ['sunion', 'a', 'b'], ['hset', 'h', 'f', 'v'], ['lcs', 'a', 'b'],
  ['object', 'encoding', 'k'], ['memory', 'usage', 'k'], ['debug', 'object', 'k'], ['watch', 'a', 'b'], ['expire', 'k', '1'], ['touch', 'a', 'b'], ['type', 'k'],
  ['publish', 'c', 'm'], ['subscribe', 'a'], ['config', 'get', 'x'], ['get'], ['nosuch', 'k'], ['client', 'nosuch'], ['ping', 'x'], ['client', 'list'],
  // The key specs fail (numkeys not a strict integer, an incomplete spec): the command's own key function answers.
  ['eval', 's', '2abc', 'a', 'b'], ['fcall', 'f', '2abc', 'a', 'b'], ['fcall_ro', 'f', ' 1', 'a'], ['fcall', 'f', 'x', 'a'], ['zunion', '2x', 'a', 'b'],
  ['zunionstore', 'd', '2x', 'a', 'b'], ['zinterstore', 'd', '+1', 'a'], ['lmpop', '2x', 'a', 'b', 'LEFT'], ['blmpop', '0', ' 2', 'a', 'b', 'LEFT'],
  ['sintercard', '2x', 'a', 'b'], ['zintercard', '1x', 'a'], ['bzmpop', '0', '1.5', 'a', 'MIN'], ['eval', 's', '99999999999', 'a'],
  ['migrate', 'h', 'p', '', '0', '5', 'KEYS', 'a', 'b'], ['migrate', 'h', 'p', 'k', '0', '5', 'KEYS', 'a'], ['migrate', 'h', 'p', '', '0', '5'],
  ['migrate', 'h', 'p', 'k', '0', '5', 'AUTH', 'KEYS'], ['migrate', 'h', 'p', '', '0', '5', 'AUTH2', 'u', 'KEYS', 'x'], ['migrate', 'h', 'p', '', '0', '5', 'COPY', 'KEYS', 'a'],
];

test('COMMAND GETKEYS and GETKEYSANDFLAGS match redis-server', async () => {
  const cmds: string[][] = [];
  for (const c of GETKEYS_CORPUS) cmds.push(['COMMAND', 'GETKEYSANDFLAGS', ...c], ['COMMAND', 'GETKEYS', ...c]);
  cmds.push(['COMMAND', 'GETKEYSANDFLAGS'], ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'HELP']);
  cmds.push(['MODULE', 'LIST'], ['MODULE', 'HELP'], ['MODULE', 'LOAD', '/x.so'], ['MODULE', 'UNLOAD', 'x'], ['MODULE', 'NOSUCH']);
  await same(cmds);
});

test('COMMAND GETKEYSANDFLAGS for every command, with argument lists shaped by its arity', async () => {
  const names = (await f.call('COMMAND', 'LIST')) as string[];
  const inRedis = new Set<string>();
  for (const info of (await r.call('COMMAND')) as unknown[][]) {
    inRedis.add(info[0] as string);
    for (const s of info[9] as string[][]) inRedis.add(s[0]);
  }
  const cmds: string[][] = [];
  for (const name of names) {
    const [info] = (await f.call('COMMAND', 'INFO', name)) as unknown[][];
    const specs = [[name, info[1] as number], ...(info[9] as unknown[][]).map((s) => [s[0] as string, s[1] as number])] as [string, number][];
    for (const [full, arity] of specs.filter(([n]) => inRedis.has(n))) {
      const head = full.split('|');
      const count = (arity > 0 ? arity : Math.max(-arity, 6)) - head.length;
      // Two fillers: keys first, and a number first (numkeys-style commands).
      for (const filler of [['k1', '2', 'k2', 'k3', 'k4', 'k5', 'k6'], ['2', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']]) {
        cmds.push(['COMMAND', 'GETKEYSANDFLAGS', ...head, ...filler.slice(0, Math.max(0, count))]);
      }
    }
  }
  assert.ok(cmds.length > 400);
  await same(cmds);
});

test.run();
