// Differential tests for the memcached front end: the same text and meta protocol input is sent to
// Debian's memcached 1.6.18 and to Ferrite, step by step, and the replies must be byte-identical once
// CAS values (each server numbers its own) are masked. A step may be pipelined commands, noreply
// commands, errors, or garbage that makes memcached close the connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawClient, startMemcached, type ExternalServer } from './helpers/servers.js';
import { exchange, lines, startFerriteMemcached, type FerriteMemcached } from './helpers/memcached.js';

let memcached: ExternalServer;
let ferrite: FerriteMemcached;
let stepsRun = 0;

test.before(async () => {
  [memcached, ferrite] = await Promise.all([startMemcached(), startFerriteMemcached()]);
});

test.after(async () => {
  await Promise.all([memcached?.close(), ferrite?.ferrite.close()]);
  console.log(`memcached differential: ${stepsRun} steps compared`);
});

/** CAS uniques differ between servers by design; everything else must match. */
function maskCas(reply: string): string {
  return reply
    .replace(/^(VALUE \S+ \d+ \d+) \d+\r$/gm, '$1 <cas>\r')
    .replace(/^((?:HD|VA|EX|NS|NF|EN)\b.*)$/gm, (line) => line.replace(/ c\d+/g, ' c<cas>'))
    .replace(/ cas=\d+ /g, ' cas=<cas> ');
}

/** The CAS a step's reply last showed (gets or a meta c flag), for a later `{cas}`. */
function lastCas(reply: string, previous: string): string {
  const values = [...reply.matchAll(/^VALUE \S+ \d+ \d+ (\d+)\r$/gm), ...reply.matchAll(/^(?:HD|VA)\b.* c(\d+)/gm)];
  return values.length === 0 ? previous : (values[values.length - 1]?.[1] ?? previous);
}

interface Side {
  readonly port: number;
  client: RawClient;
  cas: string;
}

async function runStep(side: Side, step: string): Promise<string> {
  const reply = await exchange(side.client, step.replaceAll('{cas}', side.cas));
  side.cas = lastCas(reply, side.cas);
  if (reply.endsWith('<closed>')) side.client = await RawClient.connect(side.port);
  return reply;
}

/** Runs the steps on both servers after flush_all and asserts each reply matches. */
async function same(steps: string[]): Promise<void> {
  const sides: Side[] = [];
  for (const port of [memcached.port, ferrite.port]) sides.push({ port, client: await RawClient.connect(port), cas: '0' });
  try {
    for (const side of sides) await runStep(side, lines('flush_all'));
    for (const step of steps) {
      const [expected, actual] = await Promise.all(sides.map((side) => runStep(side, step)));
      assert.is(maskCas(actual ?? ''), maskCas(expected ?? ''), `for: ${JSON.stringify(step)}`);
      stepsRun++;
    }
  } finally {
    for (const side of sides) side.client.close();
  }
}

const LONG_KEY = 'k'.repeat(251);
const MAX_KEY = 'k'.repeat(250);

test('storage commands: set add replace append prepend cas', async () => {
  await same([
    lines('set a 0 0 3', 'abc'),
    lines('get a'),
    lines('set a 4294967295 0 2', 'xy', 'gets a'),
    lines('add a 0 0 1', 'z'),
    lines('add b 7 0 1', 'z', 'get a b'),
    lines('replace a 3 0 2', 'rr', 'get a'),
    lines('replace nokey 0 0 1', 'r'),
    lines('append a 99 0 3', 'app', 'prepend a 98 0 3', 'pre', 'get a'),
    lines('append nokey 0 0 1', 'x', 'prepend nokey 0 0 1', 'x'),
    lines('gets a'),
    lines('cas a 5 0 3 {cas}', 'new', 'gets a'),
    lines('cas a 5 0 3 {cas}', 'two'),
    lines('cas a 5 0 3 1', 'bad'),
    lines('cas nokey 0 0 1 1', 'x'),
    lines('cas a 0 0 1 0', 'x'),
    lines('set empty 0 0 0', '', 'get empty'),
    lines('set bin 0 0 6', 'a\0b\r\nc', 'get bin'),
    lines(`set ${MAX_KEY} 0 0 1`, 'm', `get ${MAX_KEY}`),
    lines('set flags 1234567 0 1', 'f', 'gets flags'),
    lines('set a 0 0 1', 'x', 'set b 0 0 1', 'y', 'set c 0 0 1', 'z', 'get a b c nokey a'),
    lines('gets a b nokey'),
  ]);
});

test('noreply everywhere, pipelined', async () => {
  await same([
    lines('set n 0 0 1 noreply', '1', 'get n'),
    lines('add n 0 0 1 noreply', '2', 'add n2 0 0 1 noreply', '2', 'get n n2'),
    lines('replace n 0 0 1 noreply', '3', 'append n 0 0 1 noreply', '4', 'prepend n 0 0 1 noreply', '5', 'get n'),
    lines('cas n 0 0 1 1 noreply', '6', 'cas nokey 0 0 1 1 noreply', '6', 'get n'),
    lines('incr n 10 noreply', 'decr n 1 noreply', 'get n'),
    lines('incr nokey 1 noreply', 'set s 0 0 1', 'x', 'incr s 1 noreply', 'get s'),
    lines('touch n 100 noreply', 'touch nokey 100 noreply'),
    lines('delete n noreply', 'delete n noreply', 'get n'),
    lines('delete n2 0 noreply', 'get n2'),
    lines('verbosity 1 noreply', 'flush_all noreply', 'get s'),
    lines('flush_all 0 noreply', 'set x 0 0 1 noreply', 'x', 'get x'),
  ]);
});

test('retrieval, touch, gat, delete', async () => {
  await same([
    lines('get'),
    lines('gets'),
    lines('get nokey'),
    lines('set t 3 100 2', 'tt', 'touch t 200'),
    lines('touch nokey 10'),
    lines('touch t'),
    lines('touch t abc'),
    lines('touch t 10 20 30'),
    lines('gat 100 t nokey'),
    lines('gats 100 t'),
    lines('gat'),
    lines('gat 100'),
    lines('gat abc t'),
    lines('gat -1 t', 'get t'),
    lines('set d 0 0 1', 'd', 'delete d', 'delete d'),
    lines('set d 0 0 1', 'd', 'delete d 0', 'get d'),
    lines('delete d 1'),
    lines('delete d 0 0'),
    lines('delete d noreply extra'),
    lines('delete'),
    lines(`get ${LONG_KEY}`),
    lines(`get a ${LONG_KEY} b`),
    lines(`delete ${LONG_KEY}`),
    lines(`touch ${LONG_KEY} 1`),
  ]);
});

test('exptime rules: negative, absolute past, relative', async () => {
  await same([
    lines('set neg 0 -1 1', 'x', 'get neg'),
    lines('set old 0 1000000000 1', 'x', 'get old'),
    lines('set rel 0 2592000 1', 'x', 'get rel'),
    lines('set abs 0 4102444800 1', 'x', 'get abs'),
    lines('set gone 0 0 1', 'x', 'touch gone -1', 'get gone'),
    lines('add neg 0 -1 1', 'y', 'get neg'),
    lines('set bad 0 1x 1', 'x'),
  ]);
});

test('incr and decr on 64-bit unsigned decimals', async () => {
  await same([
    lines('set c 0 0 2', '10', 'incr c 5', 'decr c 3', 'get c'),
    lines('decr c 100', 'get c'),
    lines('set c 0 0 3', '100', 'decr c 95', 'get c', 'incr c 1000', 'get c'),
    lines('set c 0 0 20', '18446744073709551615', 'incr c 2', 'get c'),
    lines('incr c 18446744073709551615', 'get c'),
    lines('incr c 18446744073709551616'),
    lines('incr c -1'),
    lines('incr c abc'),
    lines('incr c'),
    lines('incr nokey 1', 'decr nokey 1'),
    lines('set s 0 0 3', 'abc', 'incr s 1', 'decr s 1'),
    lines('set e 0 0 0', '', 'incr e 1'),
    lines('set sp 0 0 3', ' 12', 'incr sp 1', 'get sp'),
    lines('set neg 0 0 2', '-5', 'incr neg 1'),
    lines('set f 42 0 1', '9', 'incr f 1', 'gets f'),
    lines(`incr ${LONG_KEY} 1`),
  ]);
});

test('flush_all, verbosity, version, unknown commands', async () => {
  await same([
    lines('set a 0 0 1', 'a', 'flush_all', 'get a'),
    lines('flush_all 0'),
    lines('flush_all -5', 'get a'),
    lines('flush_all abc'),
    lines('flush_all 1 2 3'),
    lines('verbosity'),
    lines('verbosity 1'),
    lines('verbosity abc'),
    lines('version'),
    lines('foo'),
    lines(''),
    lines('x'),
    lines('GET a'),
    lines('stats detail on', 'stats detail off', 'stats detail', 'stats detail dump'),
    lines('stats nosuchgroup'),
    lines('stats reset'),
  ]);
});

test('command line errors', async () => {
  await same([
    lines('set k'),
    lines('set k 0 0'),
    lines('set k 0 0 1 2 3'),
    lines('set k abc 0 1', 'x'),
    lines('set k 0 abc 1', 'x'),
    lines('set k 0 0 abc', 'x'),
    lines('set k 0 0 -1', 'x'),
    lines('set k -1 0 1', 'x'),
    lines('set k 4294967296 0 1', 'x', 'get k'),
    lines(`set ${LONG_KEY} 0 0 1`, 'x'),
    lines('set k 0 0 1', 'xy'),
    lines('set k 0 0 1 noreply', 'xy', 'get k'),
    lines('cas k 0 0 1', 'x'),
    lines('cas k 0 0 1 abc', 'x'),
    lines('cas k 0 0 1 -1', 'x'),
    lines('incr'),
    lines('incr k 1 2 3'),
    lines('  get   k  '),
    lines('get k\tx'),
  ]);
});

test('oversized values are refused', async () => {
  const big = 'x'.repeat(1048517);
  await same([
    lines('set k 0 0 1048516', 'x'.repeat(1048516), 'get nokey'),
    lines(`set big 0 0 ${big.length}`, big, 'get big'),
    lines(`set big 0 0 ${big.length} noreply`, big, 'get big'),
    lines('set base 0 0 1048500', 'y'.repeat(1048500), `append base 0 0 100`, 'z'.repeat(100), 'mg base s'),
    lines(`ms big ${big.length} T0`, big),
  ]);
});

test('garbage closes the connection', async () => {
  await same([
    // memcached reads 16 KiB at a time and drops a connection whose first read has no newline.
    'x'.repeat(20000),
    lines('set k 0 0 1', 'k', 'get k'),
    'get ' + 'k '.repeat(1500) + '\r\n',
  ]);
});

test('meta: mn, mg flags and misses', async () => {
  await same([
    lines('mn'),
    lines('mg nokey'),
    lines('mg nokey v'),
    lines('mg nokey q', 'mn'),
    lines('mg nokey k O123 v'),
    lines('set m 77 0 5', 'hello'),
    lines('mg m'),
    lines('mg m v'),
    lines('mg m s v f'),
    lines('mg m k O999 v c'),
    lines('mg m v q k'),
    lines('mg m f s k t O1'),
    lines('mg bQ== b v k'),
    lines('ms bQ== 2 b', 'hi', 'mg bQ== b v k', 'get m'),
    lines('mg m v v'),
    lines('mg m x'),
    lines('mg m O' + '1'.repeat(40)),
    lines('mg'),
    lines(`mg ${LONG_KEY} v`),
    lines('mg m ' + 'v '.repeat(1) + 'f s t k c O1 q u h l'),
    lines('mg m a b c d e f g h i j k l m n o p q r s t'),
    lines('mg m Nabc'),
    lines('mg m T'),
    lines('mg !!!! b'),
    lines('mg m u v'),
    lines('me m'),
    lines('me nokey'),
    lines('me'),
    lines('me bQ== b'),
  ]);
});

test('meta: ms modes and flags', async () => {
  await same([
    lines('ms s 2', 'hi', 'mg s v f'),
    lines('ms s 2 F33 T100 c', 'ho', 'mg s v f'),
    lines('ms s 2 q', 'hq', 'mn'),
    lines('ms s 2 k O77', 'hk'),
    lines('ms s 2 ME', 'no'),
    lines('ms new 2 ME', 'ok', 'mg new v'),
    lines('ms s 1 MA', 'A', 'ms s 1 MP', 'P', 'mg s v f'),
    lines('ms nokey 1 MA', 'A', 'ms nokey 1 MP', 'P'),
    lines('ms s 2 MR', 'RR', 'ms nokey 2 MR', 'RR'),
    lines('ms s 2 MS', 'SS', 'mg s v'),
    lines('ms s 2 MX', 'XX'),
    lines('ms s 2 Mxy', 'XX'),
    lines('mg s c'),
    lines('ms s 2 C{cas} c', 'C1', 'mg s v'),
    lines('ms s 2 C1', 'C2'),
    lines('ms nokey 2 C1', 'C3'),
    lines('ms nokey 2 C1 ME', 'C4', 'mg nokey v'),
    lines('ms s 2 C1 MA', 'C5'),
    lines('ms s 2 I', 'I1', 'mg s v'),
    lines('ms s 2 T-1', 'TT', 'mg s v'),
    lines('ms s abc', 'xx'),
    lines('ms s -1'),
    lines('ms s'),
    lines('ms s 2 Fabc', 'xx'),
    lines('ms s 2 Tabc', 'xx'),
    lines('ms s 2 Cabc', 'xx'),
    lines('ms s 2 v v', 'xx'),
    lines('ms s 2 z', 'xx'),
    lines('ms s 2 O' + '9'.repeat(40), 'xx'),
    lines('ms s 2', 'xxx'),
    lines('ms s 2 q', 'xxx', 'mn'),
    lines(`ms ${LONG_KEY} 1`, 'x'),
  ]);
});

test('meta: md and ma', async () => {
  await same([
    lines('md nokey'),
    lines('md nokey q', 'mn'),
    lines('md nokey k O5'),
    lines('set d 0 0 1', 'd', 'md d', 'md d'),
    lines('set d 0 0 1', 'd', 'md d q', 'mg d'),
    lines('set d 0 0 1', 'd', 'md d C1', 'mg d v'),
    lines('mg d c', 'md d C{cas}', 'mg d'),
    lines('md d zz'),
    lines('md d O' + '9'.repeat(40)),
    lines('md'),
    lines('ma nokey'),
    lines('ma nokey q', 'mn'),
    lines('ma cnt N0 J10 v'),
    lines('ma cnt v'),
    lines('ma cnt q', 'mn', 'ma cnt v'),
    lines('ma cnt MD D100 v'),
    lines('ma cnt M+ D5 v', 'ma cnt M- D2 v', 'ma cnt MI v', 'ma cnt MX'),
    lines('ma cnt D18446744073709551615 v'),
    lines('ma cnt Dabc'),
    lines('ma cnt Jabc'),
    lines('ma cnt k O42 v'),
    lines('ma cnt C1'),
    lines('mg cnt c', 'ma cnt C{cas} v'),
    lines('set str 0 0 1', 'x', 'ma str'),
    lines('ma cnt M'),
    lines('ma'),
    lines(`ma ${LONG_KEY}`),
  ]);
});

test('meta: stale-while-revalidate (N, R, I, W/Z/X)', async () => {
  await same([
    lines('mg sw N30 v s f'),
    lines('mg sw N30 v'),
    lines('mg sw v'),
    lines('ms sw 3 T100', 'abc'),
    lines('mg sw v R30'),
    lines('mg sw v R200'),
    lines('mg sw v R200'),
    lines('md sw I T30'),
    lines('mg sw v c'),
    lines('mg sw v'),
    lines('mg sw c', 'ms sw 3 I C1', 'new', 'mg sw v'),
    lines('ms sw 3 T100', 'fre', 'mg sw v'),
    lines('md sw I q', 'mg sw v', 'mg sw v'),
    lines('mg sw h v', 'mg sw h'),
    lines('ms hv 1', 'x', 'mg hv h', 'mg hv h u', 'me hv'),
  ]);
});

/** The names of a stats reply, in order. */
async function statNames(port: number, group: string): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    c.send(lines(`stats ${group}`.trim()));
    const reply = await c.readUntil('END\r\n');
    return [...reply.matchAll(/^STAT (\S+) /gm)].map((m) => m[1] ?? '');
  } finally {
    c.close();
  }
}

test('stats: the names Ferrite reports are memcached\'s, in memcached\'s order', async () => {
  for (const group of ['', 'settings']) {
    const [theirs, ours] = await Promise.all([statNames(memcached.port, group), statNames(ferrite.port, group)]);
    const unknown = ours.filter((name) => !theirs.includes(name));
    assert.equal(unknown, [], `stats ${group}`);
    const positions = ours.map((name) => theirs.indexOf(name));
    assert.equal(positions, [...positions].sort((a, b) => a - b), `stats ${group} order`);
    for (const required of group === '' ? ['curr_items', 'total_items', 'evictions', 'get_expired', 'cmd_touch'] : ['item_size_max']) {
      assert.ok(ours.includes(required), required);
    }
  }
});

test.run();
