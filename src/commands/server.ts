// Server commands: CONFIG, TIME, LASTSAVE, SHUTDOWN, MONITOR, SLOWLOG, LATENCY, DEBUG.
import { allowProtectedAction } from '../engine/protected-action.js';
import { parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { helpReply } from './keys.js';
import { debugReload } from './persistence.js';
import { latencyHistogram } from './latency-stats.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

function configGet(ctx: CommandContext, argv: string[]): void {
  const seen = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) for (const [k, v] of ctx.server.config.match(argv[i])) seen.set(k, v);
  ctx.reply.map(seen.size);
  for (const [k, v] of seen) {
    ctx.reply.bulk(k);
    ctx.reply.bulk(v);
  }
}

function configSet(ctx: CommandContext, argv: string[]): void {
  if (argv.length % 2 !== 0) return ctx.reply.error(E.wrongArity('config|set'));
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  const err = ctx.server.config.set(pairs, allowProtectedAction(ctx.server.config.get('enable-protected-configs'), ctx.client));
  err === undefined ? ctx.reply.ok() : ctx.reply.error(err);
}

function configResetStat(ctx: CommandContext): void {
  const s = ctx.server;
  s.stats.reset();
  const ks = s.keyspaceStats;
  ks.hits = ks.misses = ks.expiredKeys = ks.evictedKeys = ks.expiredTimeCapReached = 0;
  s.slowlog.reset();
  s.memory.resetStats();
  s.clientMemory.evicted = 0;
  s.peakMemory = s.usedMemory();
  ctx.reply.ok();
}

function configRewrite(ctx: CommandContext): void {
  const err = ctx.server.config.rewrite();
  if (err !== undefined) return ctx.reply.error(err);
  ctx.server.log.notice('CONFIG REWRITE executed with success.');
  ctx.reply.ok();
}

const CONFIG_HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

const admin = ['admin', 'noscript', 'loading', 'stale'] as const;

export const configCommand: CommandSpec = {
  name: 'config', arity: -2, flags: [], group: 'server', since: '2.0.0', summary: 'A container for server configuration commands.',
  subcommands: [
    { name: 'config|get', arity: -3, flags: [...admin], group: 'server', since: '2.0.0', summary: 'Returns the effective values of configuration parameters.', complexity: 'O(N) when N is the number of configuration parameters provided', run: configGet },
    { name: 'config|set', arity: -4, flags: [...admin], group: 'server', since: '2.0.0', summary: 'Sets configuration parameters in-flight.', complexity: 'O(N) when N is the number of configuration parameters provided', run: configSet },
    { name: 'config|resetstat', arity: 2, flags: [...admin], group: 'server', since: '2.0.0', summary: 'Resets the server\'s statistics.', complexity: 'O(1)', run: configResetStat },
    { name: 'config|rewrite', arity: 2, flags: [...admin], group: 'server', since: '2.8.0', summary: 'Persists the effective configuration to file.', complexity: 'O(1)', run: configRewrite },
    { name: 'config|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', run: (ctx) => helpReply(ctx, CONFIG_HELP) },
  ],
};

function time(ctx: CommandContext): void {
  const now = performance.timeOrigin + performance.now();
  const secs = Math.floor(now / 1000);
  const micros = Math.floor((now - secs * 1000) * 1000);
  ctx.reply.array(2);
  ctx.reply.bulk(String(secs));
  ctx.reply.bulk(String(Math.min(999999, micros)));
}

function shutdown(ctx: CommandContext, argv: string[]): void {
  const options: { save?: boolean; now?: boolean; force?: boolean } = {};
  for (let i = 1; i < argv.length; i++) {
    const o = argv[i].toUpperCase();
    if (o === 'SAVE') options.save = true;
    else if (o === 'NOSAVE') options.save = false;
    else if (o === 'NOW') options.now = true;
    else if (o === 'FORCE') options.force = true;
    else if (o === 'ABORT') return ctx.reply.error('ERR No shutdown in progress.');
    else return ctx.reply.error(E.SYNTAX);
  }
  const err = ctx.server.control?.shutdown(options);
  // On success the connection just closes, as with Redis.
  if (err !== undefined) ctx.reply.error(err);
}

function monitor(ctx: CommandContext): void {
  const c = ctx.client;
  if (c.monitor) return;
  c.monitor = true;
  ctx.server.monitors.add(c);
  ctx.reply.ok();
}

function slowlogGet(ctx: CommandContext, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const n = parseInteger(argv[2]);
    if (n === undefined || n < -1) return ctx.reply.error('ERR count should be greater than or equal to -1');
    count = n === -1 ? Number.MAX_SAFE_INTEGER : n;
  }
  const entries = ctx.server.slowlog.entries.slice(0, count);
  ctx.reply.array(entries.length);
  for (const e of entries) {
    ctx.reply.array(6);
    ctx.reply.int(e.id);
    ctx.reply.int(e.time);
    ctx.reply.int(e.durationUs);
    ctx.reply.bulks(e.argv);
    ctx.reply.bulk(e.addr);
    ctx.reply.bulk(e.name);
  }
}

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

export const slowlogCommand: CommandSpec = {
  name: 'slowlog', arity: -2, flags: [], group: 'server', since: '2.2.12', summary: 'A container for slow log commands.',
  subcommands: [
    { name: 'slowlog|get', arity: -2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Returns the slow log\'s entries.', complexity: 'O(N) where N is the number of entries returned', run: slowlogGet },
    { name: 'slowlog|len', arity: 2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Returns the number of entries in the slow log.', complexity: 'O(1)', run: (ctx) => ctx.reply.int(ctx.server.slowlog.entries.length) },
    { name: 'slowlog|reset', arity: 2, flags: ['admin', 'loading', 'stale'], group: 'server', since: '2.2.12', summary: 'Clears all entries from the slow log.', complexity: 'O(N) where N is the number of entries in the slowlog', run: (ctx) => { ctx.server.slowlog.reset(); ctx.reply.ok(); } },
    { name: 'slowlog|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', run: (ctx) => helpReply(ctx, SLOWLOG_HELP) },
  ],
};

function latencyLatest(ctx: CommandContext): void {
  const events = [...ctx.server.latency.events];
  ctx.reply.array(events.length);
  for (const [name, ev] of events) {
    const last = ev.samples[ev.samples.length - 1];
    ctx.reply.array(4);
    ctx.reply.bulk(name);
    ctx.reply.int(last.time);
    ctx.reply.int(Math.round(last.latencyMs));
    ctx.reply.int(Math.round(ev.maxMs));
  }
}

function latencyHistory(ctx: CommandContext, argv: string[]): void {
  const ev = ctx.server.latency.events.get(argv[2]);
  const samples = ev?.samples ?? [];
  ctx.reply.array(samples.length);
  for (const s of samples) {
    ctx.reply.array(2);
    ctx.reply.int(s.time);
    ctx.reply.int(Math.round(s.latencyMs));
  }
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

export const latencyCommand: CommandSpec = {
  name: 'latency', arity: -2, flags: [], group: 'server', since: '2.8.13', summary: 'A container for latency diagnostics commands.',
  subcommands: [
    { name: 'latency|latest', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'Returns the latest latency samples for all events.', complexity: 'O(1)', run: latencyLatest },
    { name: 'latency|history', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'Returns timestamp-latency samples for an event.', complexity: 'O(1)', run: latencyHistory },
    { name: 'latency|reset', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '2.8.13', summary: 'Resets the latency data for one or more events.', complexity: 'O(1)', run: (ctx, argv) => ctx.reply.int(ctx.server.latency.reset(argv.slice(2))) },
    { name: 'latency|histogram', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '7.0.0', summary: 'Returns the cumulative distribution of latencies of a subset or all commands.', complexity: 'O(N) where N is the number of commands with latency information being retrieved.', run: latencyHistogram },
    { name: 'latency|help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '2.8.13', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', run: (ctx) => helpReply(ctx, LATENCY_HELP) },
  ],
};

/** Whether DEBUG may run: enable-debug-command is "no" by default in Redis 7, "local" allows loopback. */
function debugAllowed(ctx: CommandContext): boolean {
  return allowProtectedAction(ctx.server.config.get('enable-debug-command'), ctx.client);
}

function debug(ctx: CommandContext, argv: string[]): void {
  const sub = argv[1].toUpperCase();
  if (sub === 'HELP') return helpReply(ctx, DEBUG_HELP);
  if (!debugAllowed(ctx)) {
    return ctx.reply.error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
  }
  if (sub === 'SLEEP' && argv.length === 3) {
    const secs = Number(argv[2]);
    if (!Number.isFinite(secs)) return ctx.reply.error(E.NOT_FLOAT);
    // DEBUG SLEEP exists to stall the server on purpose (latency tests): block the loop.
    const until = Date.now() + secs * 1000;
    const view = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < until) Atomics.wait(view, 0, 0, Math.max(1, until - Date.now()));
    return ctx.reply.ok();
  }
  if (sub === 'RELOAD') return debugReload(ctx, argv);
  if (sub === 'SET-ACTIVE-EXPIRE' && argv.length === 3) {
    ctx.server.activeExpireEnabled = argv[2] !== '0';
    return ctx.reply.ok();
  }
  if (sub === 'OBJECT' && argv.length === 3) {
    const e = ctx.db.entry(argv[2]);
    if (e === undefined) return ctx.reply.error(E.NO_SUCH_KEY);
    const v = e.value;
    const type = typeof v === 'object' ? v.type : 'string';
    const encoding = typeof v === 'number' ? 'int' : typeof v === 'string' ? (v.length <= 44 ? 'embstr' : 'raw') : v.type;
    const serialized = e.mem;
    return ctx.reply.simple(`Value at:0x0 refcount:1 encoding:${encoding} serializedlength:${serialized} lru:${Math.floor(e.lru / 1000) & 0xffffff} lru_seconds_idle:${Math.floor((Date.now() - e.lru) / 1000)} type:${type}`);
  }
  if (sub === 'JMAP' || sub === 'QUICKLIST-PACKED-THRESHOLD' || sub === 'CHANGE-REPL-ID') return ctx.reply.ok();
  ctx.reply.error(`ERR unknown subcommand '${argv[1]}'. Try DEBUG HELP.`);
}

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'OBJECT <key>',
  '    Show low level info about the <key> and associated value.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'HELP',
  '    Prints this help.',
];

export const serverCommands: CommandSpec[] = [
  configCommand,
  slowlogCommand,
  latencyCommand,
  { name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', since: '2.6.0', summary: 'Returns the server time.', complexity: 'O(1)', run: time },
  { name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], group: 'server', since: '1.0.0', summary: 'Returns the Unix timestamp of the last successful save to disk.', complexity: 'O(1)', run: (ctx) => ctx.reply.int(ctx.server.lastSave) },
  { name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no-multi', 'allow-busy'], group: 'server', since: '1.0.0', summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.', complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)', run: shutdown },
  { name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0', summary: 'Listens for all requests received by the server in real-time.', run: monitor },
  { name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0', summary: 'A container for debugging commands.', complexity: 'Depends on subcommand.', run: debug },
];

