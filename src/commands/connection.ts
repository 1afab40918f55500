// Connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO (AUTH and HELLO AUTH log in ACL users).
import { WRONGPASS } from '../engine/acl.js';
import { is, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import { REDIS_COMPAT_VERSION } from '../engine/server-context.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

function ping(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 2) return ctx.reply.error(E.wrongArity('ping'));
  // A RESP2 subscriber gets PING's answer in the pub/sub message shape.
  if (ctx.client.resp === 2 && ctx.client.subscriptionCount > 0) {
    ctx.reply.array(2);
    ctx.reply.bulk('pong');
    ctx.reply.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  argv.length === 2 ? ctx.reply.bulk(argv[1]) : ctx.reply.simple('PONG');
}

function quit(ctx: CommandContext): void {
  ctx.reply.ok();
  ctx.client.closing = true;
  ctx.client.transport?.close(true);
}

/** Leaves MULTI, WATCH, subscriptions, blocking, reply modes and selected db behind, like RESET. */
function reset(ctx: CommandContext): void {
  const c = ctx.client;
  for (const hook of ctx.server.resetHooks) hook(c);
  c.multi = null;
  c.multiFailed = false;
  c.dirtyCas = false;
  c.replyMode = 'on';
  c.writer.muted = false;
  c.monitor = false;
  ctx.server.monitors.delete(c);
  c.noEvict = false;
  c.name = '';
  c.dbIndex = 0;
  ctx.db = ctx.server.databases[0];
  c.writer.resp = 2;
  // Back to the default user, logged in only if it needs no password (Redis' clearClientConnectionState).
  c.user = 'default';
  c.authenticated = ctx.server.acl.authenticatedAtConnect();
  ctx.reply.simple('RESET');
}

/** AUTH / HELLO AUTH as an ACL user; a failure is logged and answered WRONGPASS. */
function authenticate(ctx: CommandContext, user: string, password: string): boolean {
  if (ctx.server.acl.authenticate(ctx.client, user, password)) return true;
  ctx.reply.error(WRONGPASS);
  return false;
}

function auth(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX);
  if (argv.length === 2 && ctx.server.acl.defaultUser.nopass) {
    return ctx.reply.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  const user = argv.length === 3 ? argv[1] : 'default';
  if (authenticate(ctx, user, argv[argv.length - 1])) ctx.reply.ok();
}

function hello(ctx: CommandContext, argv: string[]): void {
  let version: 2 | 3 | undefined;
  let i = 1;
  if (argv.length >= 2) {
    const v = parseInteger(argv[1]);
    if (v === undefined) return ctx.reply.error('ERR Protocol version is not an integer or out of range');
    if (v !== 2 && v !== 3) return ctx.reply.error('NOPROTO unsupported protocol version');
    version = v;
    i = 2;
  }
  let name: string | undefined;
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (is(argv[i], 'AUTH') && more >= 2) {
      if (!authenticate(ctx, argv[i + 1], argv[i + 2])) return;
      i += 2;
    } else if (is(argv[i], 'SETNAME') && more >= 1) {
      if (/[\s]/.test(argv[i + 1]) || /[^\x21-\x7e]/.test(argv[i + 1])) return ctx.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
      name = argv[++i];
    } else {
      return ctx.reply.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
    }
  }
  if (ctx.server.acl.authRequired(ctx.client)) return ctx.reply.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  if (name !== undefined) ctx.client.name = name;
  if (version !== undefined) ctx.client.writer.resp = version;
  const r = ctx.reply;
  r.map(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_COMPAT_VERSION);
  r.bulk('proto');
  r.int(ctx.client.resp);
  r.bulk('id');
  r.int(ctx.client.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  r.bulk(ctx.server.keyspace.isReplica ? 'replica' : 'master');
  r.bulk('modules');
  r.array(0);
}

export const connectionCommands: CommandSpec[] = [
  { name: 'ping', arity: -1, flags: ['fast'], group: 'connection', since: '1.0.0', summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)', run: ping },
  { name: 'echo', arity: 2, flags: ['fast', 'loading', 'stale'], group: 'connection', since: '1.0.0', summary: 'Returns the given string.', complexity: 'O(1)', run: (ctx, argv) => ctx.reply.bulk(argv[1]) },
  { name: 'quit', arity: -1, flags: ['no-auth', 'allow-busy', 'loading', 'stale', 'fast', 'noscript'], group: 'connection', since: '1.0.0', summary: 'Closes the connection.', complexity: 'O(1)', run: quit },
  { name: 'reset', arity: 1, flags: ['no-auth', 'allow-busy', 'loading', 'stale', 'fast', 'noscript'], group: 'connection', since: '6.2.0', summary: 'Resets the connection.', complexity: 'O(1)', run: reset },
  { name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'], group: 'connection', since: '1.0.0', summary: 'Authenticates the connection.', complexity: 'O(N) where N is the number of passwords defined for the user', run: auth },
  { name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'], group: 'connection', since: '6.0.0', summary: 'Handshakes with the Redis server.', complexity: 'O(1)', run: hello },
];
