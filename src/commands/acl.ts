// ACL and its subcommands (Redis 7.0 aclCommand): users, rules, categories, the log, the ACL file.
import { randomBytes } from 'node:crypto';
import { hasSpaces } from '../engine/acl.js';
import { ACL_CATEGORIES, AclDenial } from '../engine/acl-selector.js';
import type { AclUser } from '../engine/acl-user.js';
import type { AclSelector } from '../engine/acl-selector.js';
import * as E from '../engine/errors.js';
import { parseInteger } from './args.js';
import { helpReply } from './keys.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function setuser(ctx: CommandContext, argv: string[]): void {
  const name = argv[2];
  if (hasSpaces(name)) return ctx.reply.error("ERR Usernames can't contain spaces or null characters");
  const err = ctx.server.acl.setUser(name, argv.slice(3));
  err === undefined ? ctx.reply.ok() : ctx.reply.error(err);
}

function selectorFields(ctx: CommandContext, s: AclSelector): void {
  ctx.reply.bulk('commands');
  ctx.reply.bulk(s.commandsDescription());
  ctx.reply.bulk('keys');
  ctx.reply.bulk(s.keysDescription());
  ctx.reply.bulk('channels');
  ctx.reply.bulk(s.channelsDescription());
}

function getuser(ctx: CommandContext, argv: string[]): void {
  const u = ctx.server.acl.user(argv[2]);
  if (u === undefined) return ctx.reply.nil();
  const r = ctx.reply;
  r.map(6);
  r.bulk('flags');
  const flags = u.flags();
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('passwords');
  r.bulks(u.passwords);
  selectorFields(ctx, u.root);
  r.bulk('selectors');
  r.array(u.selectors.length);
  for (const s of u.selectors) {
    r.map(3);
    selectorFields(ctx, s);
  }
}

function deluser(ctx: CommandContext, argv: string[]): void {
  const names = argv.slice(2);
  if (names.includes('default')) return ctx.reply.error("ERR The 'default' user cannot be removed");
  ctx.reply.int(ctx.server.acl.deleteUsers(names));
}

function describeLine(u: AclUser): string {
  return `user ${u.name} ${u.describe()}`;
}

function cat(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ACL HELP.`);
  if (argv.length === 2) return ctx.reply.bulks([...ACL_CATEGORIES]);
  const category = argv[2].toLowerCase();
  if (!(ACL_CATEGORIES as readonly string[]).includes(category)) return ctx.reply.error(`ERR Unknown category '${argv[2]}'`);
  ctx.reply.bulks(ctx.server.acl.index.inCategory(category).map((s) => s.name));
}

function genpass(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ACL HELP.`);
  const bits = argv.length === 3 ? parseInteger(argv[2]) : 256;
  if (bits === undefined) return ctx.reply.error(E.NOT_INTEGER);
  if (bits <= 0 || bits > 4096) {
    return ctx.reply.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  }
  const chars = Math.ceil(bits / 4);
  ctx.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function log(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ACL HELP.`);
  const acl = ctx.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      acl.log.reset();
      return ctx.reply.ok();
    }
    const n = parseInteger(argv[2]);
    if (n === undefined) return ctx.reply.error(E.NOT_INTEGER);
    count = Math.max(0, n);
  }
  const now = Date.now();
  const entries = acl.log.recent(count);
  const r = ctx.reply;
  r.array(entries.length);
  for (const e of entries) {
    r.map(7);
    r.bulk('count');
    r.int(e.count);
    r.bulk('reason');
    r.bulk(e.reason);
    r.bulk('context');
    r.bulk(e.context);
    r.bulk('object');
    r.bulk(e.object);
    r.bulk('username');
    r.bulk(e.username);
    r.bulk('age-seconds');
    r.double((now - e.at) / 1000);
    r.bulk('client-info');
    r.bulk(e.clientInfo);
  }
}

function dryrun(ctx: CommandContext, argv: string[]): void {
  const acl = ctx.server.acl;
  const u = acl.user(argv[2]);
  if (u === undefined) return ctx.reply.error(`ERR User '${argv[2]}' not found`);
  const target = argv.slice(3);
  const spec = ctx.server.commandTable.resolve(target);
  if (spec === undefined) return ctx.reply.error(`ERR Command '${target[0]}' not found`);
  if (spec.run === undefined) return ctx.reply.error(E.wrongArity(spec.name));
  if ((spec.arity > 0 && target.length !== spec.arity) || target.length < -spec.arity) return ctx.reply.error(E.wrongArity(spec.name));
  const v = u.check(spec, target);
  if (v.denial === AclDenial.None) return ctx.reply.ok();
  if (v.denial === AclDenial.Key) return ctx.reply.bulk(`This user has no permissions to access the '${target[v.index]}' key`);
  if (v.denial === AclDenial.Channel) return ctx.reply.bulk(`This user has no permissions to access the '${target[v.index]}' channel`);
  ctx.reply.bulk(`This user has no permissions to run the '${spec.name}' command`);
}

function load(ctx: CommandContext): void {
  if ((ctx.server.config.get('aclfile') ?? '') === '') return ctx.reply.error(NO_ACL_FILE);
  const err = ctx.server.acl.loadFile();
  err === undefined ? ctx.reply.ok() : ctx.reply.error(`ERR ${err}`);
}

function save(ctx: CommandContext): void {
  if ((ctx.server.config.get('aclfile') ?? '') === '') return ctx.reply.error(NO_ACL_FILE);
  const err = ctx.server.acl.saveFile();
  err === undefined ? ctx.reply.ok() : ctx.reply.error(`ERR ${err}`);
}

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandSpec['flags'] = ['noscript', 'loading', 'stale'];

const sub = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, complexity: string, run: CommandSpec['run'], since = '6.0.0'): CommandSpec => ({
  name: `acl|${name}`, arity, flags, group: 'server', since, summary, complexity, run,
});

export const aclCommand: CommandSpec = {
  name: 'acl', arity: -2, flags: [], group: 'server', since: '6.0.0', summary: 'A container for Access List Control commands ', complexity: 'Depends on subcommand.',
  subcommands: [
    sub('cat', -2, PLAIN, 'List the ACL categories or the commands inside a category', 'O(1) since the categories and commands are a fixed set.', cat),
    sub('deluser', -3, ADMIN, 'Remove the specified ACL users and the associated rules', 'O(1) amortized time considering the typical user.', deluser),
    sub('dryrun', -4, ADMIN, 'Returns whether the user can execute the given command without executing the command.', 'O(1).', dryrun, '7.0.0'),
    sub('genpass', -2, PLAIN, 'Generate a pseudorandom secure password to use for ACL users', 'O(1)', genpass),
    sub('getuser', 3, ADMIN, 'Get the rules for a specific ACL user', 'O(N). Where N is the number of password, command and pattern rules that the user has.', getuser),
    sub('list', 2, ADMIN, 'List the current ACL rules in ACL config file format', 'O(N). Where N is the number of configured users.', (ctx) => ctx.reply.bulks(ctx.server.acl.allUsers().map(describeLine))),
    sub('load', 2, ADMIN, 'Reload the ACLs from the configured ACL file', 'O(N). Where N is the number of configured users.', load),
    sub('log', -2, ADMIN, 'List latest events denied because of ACLs in place', 'O(N) with N being the number of entries shown.', log),
    sub('save', 2, ADMIN, 'Save the current ACL rules in the configured ACL file', 'O(N). Where N is the number of configured users.', save),
    sub('setuser', -3, ADMIN, 'Modify or create the rules for a specific ACL user', 'O(N). Where N is the number of rules provided.', setuser),
    sub('users', 2, ADMIN, 'List the username of all the configured ACL rules', 'O(N). Where N is the number of configured users.', (ctx) => ctx.reply.bulks(ctx.server.acl.allUsers().map((u) => u.name))),
    sub('whoami', 2, PLAIN, 'Return the name of the user associated to the current connection', 'O(1)', (ctx) => ctx.reply.bulk(ctx.client.user)),
    sub('help', 2, ['loading', 'stale'], 'Show helpful text about the different subcommands', 'O(1)', (ctx) => helpReply(ctx, ACL_HELP)),
  ],
};
