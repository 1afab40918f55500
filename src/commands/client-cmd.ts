// CLIENT: connection introspection and control (ID, SETNAME, LIST, KILL, PAUSE, REPLY, UNBLOCK...).
import type { Client } from '../engine/client.js';
import type { ServerState } from '../engine/server-context.js';
import { is, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { helpReply } from './keys.js';
import { trackingSubcommands } from './client-tracking.js';
import { argvMem, multiMem } from './client-memory.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

function flagsOf(c: Client): string {
  let f = '';
  if (c.isReplica) f += 'S';
  if (c.isMaster) f += 'M';
  if (c.subscriptionCount > 0) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blocked !== null) f += 'b';
  const tracking = c.context?.server.tracking.stateOf(c);
  if (tracking !== undefined) f += 't';
  if (tracking?.brokenRedirect) f += 'R';
  if (tracking?.bcast) f += 'B';
  if (c.dirtyCas) f += 'd';
  if (c.closing) f += 'c';
  if (c.monitor) f += 'O';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

/** One CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields in Redis' order; `running` is the caller's own command. */
export function describeClient(c: Client, now: number, running?: readonly string[]): string {
  const t = c.transport;
  const qbuf = t?.queryBytes() ?? 0;
  const omem = t?.outputBytes() ?? 0;
  const argv = argvMem(c, running);
  const multi = multiMem(c);
  return (
    `id=${c.id} addr=${t?.addr ?? ''} laddr=${t?.laddr ?? ''} fd=${t?.fd ?? -1} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flagsOf(c)} ` +
    `db=${c.dbIndex} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.multi === null ? -1 : c.multi.length} ` +
    `qbuf=${qbuf} qbuf-free=${Math.max(0, 32768 - qbuf)} argv-mem=${argv} multi-mem=${multi} rbs=16384 rbp=0 obl=0 oll=0 omem=${omem} ` +
    `tot-mem=${qbuf + omem + 16384 + argv + multi} events=r cmd=${c.lastCommand} user=${c.user} redir=${c.context?.server.tracking.stateOf(c)?.redirect ?? -1} resp=${c.resp}`
  );
}

const CLIENT_TYPES = new Set(['normal', 'master', 'replica', 'slave', 'pubsub']);

function typeMatches(c: Client, type: string): boolean {
  const t = type === 'slave' ? 'replica' : type;
  return c.kind === t;
}

function list(ctx: CommandContext, argv: string[]): void {
  let clients = [...ctx.server.clients.values()];
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'TYPE') && i + 1 < argv.length) {
      const type = argv[++i].toLowerCase();
      if (!CLIENT_TYPES.has(type)) return ctx.reply.error(`ERR Unknown client type '${argv[i]}'`);
      clients = clients.filter((c) => typeMatches(c, type));
    } else if (is(argv[i], 'ID') && i + 1 < argv.length) {
      const ids = new Set<number>();
      for (i++; i < argv.length; i++) {
        const n = parseInteger(argv[i]);
        if (n === undefined || n <= 0) return ctx.reply.error('ERR Invalid client ID');
        ids.add(n);
      }
      clients = clients.filter((c) => ids.has(c.id));
    } else return ctx.reply.error(E.SYNTAX);
  }
  const now = Date.now();
  ctx.reply.verbatim(clients.map((c) => describeClient(c, now, c === ctx.client ? argv : undefined) + '\n').join(''));
}

function setname(ctx: CommandContext, argv: string[]): void {
  if (/[^\x21-\x7e]/.test(argv[2])) return ctx.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
  ctx.client.name = argv[2];
  ctx.reply.ok();
}

function kill(ctx: CommandContext, argv: string[]): void {
  const server = ctx.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    const target = [...server.clients.values()].find((c) => c.transport?.addr === argv[2]);
    if (target === undefined) return ctx.reply.error('ERR No such client');
    // The reply first: a client killing itself gets it before its connection closes, as in Redis.
    ctx.reply.ok();
    target.transport?.close(target === ctx.client);
    return;
  }
  if (argv.length % 2 !== 0) return ctx.reply.error(E.SYNTAX);
  let candidates = [...server.clients.values()];
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toUpperCase();
    const val = argv[i + 1];
    if (opt === 'ID') {
      const n = parseInteger(val);
      if (n === undefined || n <= 0) return ctx.reply.error('ERR client-id should be greater than 0');
      candidates = candidates.filter((c) => c.id === n);
    } else if (opt === 'TYPE') {
      const type = val.toLowerCase();
      if (!CLIENT_TYPES.has(type)) return ctx.reply.error(`ERR Unknown client type '${val}'`);
      candidates = candidates.filter((c) => typeMatches(c, type));
    } else if (opt === 'ADDR') candidates = candidates.filter((c) => c.transport?.addr === val);
    else if (opt === 'LADDR') candidates = candidates.filter((c) => c.transport?.laddr === val);
    else if (opt === 'USER') {
      if (server.acl.user(val) === undefined) return ctx.reply.error(`ERR No such user '${val}'`);
      candidates = candidates.filter((c) => c.user === val);
    }
    else if (opt === 'SKIPME') {
      if (is(val, 'YES')) skipMe = true;
      else if (is(val, 'NO')) skipMe = false;
      else return ctx.reply.error(E.SYNTAX);
    } else return ctx.reply.error(E.SYNTAX);
  }
  if (skipMe) candidates = candidates.filter((c) => c !== ctx.client);
  // The reply first: the caller, if it is among them, gets it before its connection closes.
  ctx.reply.int(candidates.length);
  for (const c of candidates) c.transport?.close(c === ctx.client);
}

function pause(ctx: CommandContext, argv: string[]): void {
  const ms = parseInteger(argv[2]);
  if (ms === undefined || ms < 0) return ctx.reply.error('ERR timeout is not an integer or out of range');
  let mode: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    if (is(argv[3], 'WRITE')) mode = 'write';
    else if (!is(argv[3], 'ALL')) return ctx.reply.error(E.SYNTAX);
  } else if (argv.length > 4) return ctx.reply.error(E.SYNTAX);
  const p = ctx.server.pause;
  const until = Date.now() + ms;
  // A second pause can only extend the pause or make it stricter, as in Redis.
  if (p.until > Date.now()) {
    p.until = Math.max(p.until, until);
    if (mode === 'all') p.mode = 'all';
  } else {
    p.until = until;
    p.mode = mode;
  }
  if (p.timer !== undefined) clearTimeout(p.timer);
  p.timer = setTimeout(() => unpauseAll(ctx.server), Math.max(0, p.until - Date.now()));
  ctx.reply.ok();
}

/** Ends a client pause (CLIENT UNPAUSE, its timeout, the end of a FAILOVER) and resumes the held clients. */
export function unpauseAll(server: ServerState): void {
  server.pause.until = 0;
  if (server.pause.timer !== undefined) clearTimeout(server.pause.timer);
  server.pause.timer = undefined;
  const waiting = [...server.pausedClients];
  server.pausedClients.clear();
  for (const c of waiting) {
    c.paused = false;
    c.transport?.resume();
  }
}

function reply(ctx: CommandContext, argv: string[]): void {
  const mode = argv[2].toUpperCase();
  if (mode === 'ON') {
    ctx.client.replyMode = 'on';
    // Its own OK goes out even when this command was muted (after OFF, or as the one SKIP skips).
    ctx.client.writer.muted = false;
    ctx.reply.ok();
  } else if (mode === 'OFF') ctx.client.replyMode = 'off';
  else if (mode === 'SKIP') {
    if (ctx.client.replyMode !== 'off') ctx.client.replyMode = 'skip';
  } else ctx.reply.error(E.SYNTAX);
}

function unblock(ctx: CommandContext, argv: string[]): void {
  const id = parseInteger(argv[2]);
  if (id === undefined) return ctx.reply.error(E.NOT_INTEGER);
  let how: 'timeout' | 'error' = 'timeout';
  if (argv.length === 4) {
    if (is(argv[3], 'ERROR')) how = 'error';
    else if (!is(argv[3], 'TIMEOUT')) return ctx.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const target = ctx.server.clients.get(id);
  if (target === undefined || target.blocked === null) return ctx.reply.int(0);
  ctx.server.blocking.unblock(target, how);
  ctx.reply.int(1);
}

function noEvict(ctx: CommandContext, argv: string[]): void {
  if (is(argv[2], 'ON')) ctx.client.noEvict = true;
  else if (is(argv[2], 'OFF')) ctx.client.noEvict = false;
  else return ctx.reply.error(E.SYNTAX);
  ctx.reply.ok();
}

function setinfo(ctx: CommandContext, argv: string[]): void {
  const attr = argv[2].toUpperCase();
  if (/[^\x21-\x7e]/.test(argv[3])) return ctx.reply.error(`ERR ${attr === 'LIB-NAME' ? 'lib-name' : 'lib-ver'} cannot contain spaces, newlines or special characters.`);
  if (attr === 'LIB-NAME') ctx.client.libName = argv[3];
  else if (attr === 'LIB-VER') ctx.client.libVersion = argv[3];
  else return ctx.reply.error(`ERR Unrecognized option '${argv[2]}'`);
  ctx.reply.ok();
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  '    * ID <client-id>',
  '      Kill connections by client id.',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

const sub = (name: string, arity: number, summary: string, run: CommandSpec['run'], flags: CommandSpec['flags'] = ['noscript', 'loading', 'stale']): CommandSpec => ({
  name: `client|${name}`, arity, flags, group: 'connection', since: '2.4.0', summary, run,
});

export const clientCommand: CommandSpec = {
  name: 'client', arity: -2, flags: [], group: 'connection', since: '2.4.0', summary: 'A container for client connection commands.',
  subcommands: [
    sub('id', 2, 'Returns the unique client ID of the connection.', (ctx) => ctx.reply.int(ctx.client.id)),
    sub('setname', 3, 'Sets the connection name.', setname),
    sub('getname', 2, 'Returns the name of the connection.', (ctx) => (ctx.client.name === '' ? ctx.reply.nil() : ctx.reply.bulk(ctx.client.name))),
    sub('list', -2, 'Lists open connections.', list, ['admin', 'noscript', 'loading', 'stale']),
    sub('info', 2, 'Returns information about the connection.', (ctx, argv) => ctx.reply.verbatim(describeClient(ctx.client, Date.now(), argv) + '\n')),
    sub('kill', -3, 'Terminates open connections.', kill, ['admin', 'noscript', 'loading', 'stale']),
    sub('pause', -3, 'Suspends commands processing.', pause, ['admin', 'noscript', 'loading', 'stale']),
    sub('unpause', 2, 'Resumes processing commands from paused clients.', (ctx) => { unpauseAll(ctx.server); ctx.reply.ok(); }, ['admin', 'noscript', 'loading', 'stale']),
    sub('reply', 3, 'Instructs the server whether to reply to commands.', reply),
    sub('unblock', -3, 'Unblocks a client blocked by a blocking command from a different connection.', unblock, ['admin', 'noscript', 'loading', 'stale']),
    sub('no-evict', 3, 'Sets the client eviction mode of the connection.', noEvict, ['admin', 'noscript', 'loading', 'stale']),
    sub('setinfo', 4, 'Sets information specific to the client or connection.', setinfo),
    sub('help', 2, 'Returns helpful text about the different subcommands.', (ctx) => helpReply(ctx, CLIENT_HELP), ['loading', 'stale']),
    ...trackingSubcommands,
  ],
};
