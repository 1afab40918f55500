// COMMAND and its subcommands, all derived from the command table.
import { globMatch } from '../structures/glob.js';
import { aclCategories } from '../engine/command-table.js';
import { shownFlags } from './command-flags-shown.js';
import { commandHasKeys, keySpecsOf, keysWithFlags } from '../engine/key-specs.js';
import { is } from './args.js';
import * as E from '../engine/errors.js';
import { helpReply } from './keys.js';
import { COMMAND_DOCS } from './command-docs-data.js';
import type { ArgDoc } from './command-docs-types.js';
import type { CommandContext, CommandSpec, KeySpec } from '../engine/types.js';

function commandInfo(ctx: CommandContext, spec: CommandSpec): void {
  const r = ctx.reply;
  const [first, last, step] = spec.keys ?? [0, 0, 0];
  r.array(10);
  r.bulk(spec.name);
  r.int(spec.arity);
  const flags = shownFlags(spec);
  r.set(flags.length);
  for (const f of flags) r.simple(f);
  r.int(first);
  r.int(last);
  r.int(step);
  const cats = aclCategories(spec);
  r.set(cats.length);
  for (const c of cats) r.simple(`@${c}`);
  const tips = spec.meta?.tips ?? [];
  r.set(tips.length);
  for (const t of tips) r.simple(t);
  const specs = keySpecsOf(spec);
  r.array(specs.length);
  for (const ks of specs) keySpecInfo(ctx, ks);
  const subs = spec.subcommands ?? [];
  r.array(subs.length);
  for (const s of subs) commandInfo(ctx, s);
}

/** One key spec as COMMAND INFO renders it (Redis' addReplyCommandKeySpecs). */
function keySpecInfo(ctx: CommandContext, ks: KeySpec): void {
  const r = ctx.reply;
  r.map(ks.notes === undefined ? 3 : 4);
  if (ks.notes !== undefined) {
    r.bulk('notes');
    r.bulk(ks.notes);
  }
  r.bulk('flags');
  r.set(ks.flags.length);
  for (const f of ks.flags) r.simple(f);
  r.bulk('begin_search');
  r.map(2);
  r.bulk('type');
  if (ks.bs === 'unknown') {
    r.bulk('unknown');
    r.bulk('spec');
    r.map(0);
  } else if ('index' in ks.bs) {
    r.bulk('index');
    r.bulk('spec');
    r.map(1);
    r.bulk('index');
    r.int(ks.bs.index);
  } else {
    r.bulk('keyword');
    r.bulk('spec');
    r.map(2);
    r.bulk('keyword');
    r.bulk(ks.bs.keyword);
    r.bulk('startfrom');
    r.int(ks.bs.startfrom);
  }
  r.bulk('find_keys');
  r.map(2);
  r.bulk('type');
  const fk = ks.fk;
  const fields: [string, readonly string[], readonly number[]] =
    fk === 'unknown' ? ['unknown', [], []] : 'range' in fk ? ['range', ['lastkey', 'keystep', 'limit'], fk.range] : ['keynum', ['keynumidx', 'firstkey', 'keystep'], fk.keynum];
  r.bulk(fields[0]);
  r.bulk('spec');
  r.map(fields[1].length);
  fields[1].forEach((name, i) => {
    r.bulk(name);
    r.int(fields[2][i]);
  });
}

function argDocs(ctx: CommandContext, args: readonly ArgDoc[]): void {
  const r = ctx.reply;
  r.array(args.length);
  for (const a of args) {
    const optional = [a.key_spec_index, a.token, a.summary, a.since, a.deprecated_since, a.flags, a.arguments];
    r.map(2 + optional.filter((x) => x !== undefined).length);
    r.bulk('name');
    r.bulk(a.name);
    r.bulk('type');
    r.bulk(a.type);
    if (a.key_spec_index !== undefined) {
      r.bulk('key_spec_index');
      r.int(a.key_spec_index);
    }
    for (const k of ['token', 'summary', 'since', 'deprecated_since'] as const) {
      const v = a[k];
      if (v === undefined) continue;
      r.bulk(k);
      r.bulk(v);
    }
    if (a.flags !== undefined) {
      r.bulk('flags');
      statusSet(ctx, a.flags);
    }
    if (a.arguments !== undefined) {
      r.bulk('arguments');
      argDocs(ctx, a.arguments);
    }
  }
}

function statusSet(ctx: CommandContext, items: readonly string[]): void {
  ctx.reply.set(items.length);
  for (const f of items) ctx.reply.simple(f);
}

// Fields in Redis 7.0's order (addReplyCommandDocs). The generated data speaks Redis 7.0's words; the spec's
// own summary, since, group and complexity answer for what it lacks (commands Redis 7.0 does not have).
function commandDocs(ctx: CommandContext, spec: CommandSpec): void {
  const r = ctx.reply;
  const subs = spec.subcommands ?? [];
  const extra = COMMAND_DOCS[spec.name] ?? {};
  const complexity = extra.complexity ?? spec.complexity;
  const optional = [complexity, extra.doc_flags, extra.deprecated_since, extra.replaced_by, extra.history, extra.arguments];
  r.map(3 + optional.filter((x) => x !== undefined).length + (subs.length > 0 ? 1 : 0));
  r.bulk('summary');
  r.bulk(extra.summary ?? spec.summary);
  r.bulk('since');
  r.bulk(extra.since ?? spec.since);
  r.bulk('group');
  r.bulk(extra.group ?? spec.group);
  if (complexity !== undefined) {
    r.bulk('complexity');
    r.bulk(complexity);
  }
  if (extra.doc_flags !== undefined) {
    r.bulk('doc_flags');
    statusSet(ctx, extra.doc_flags);
  }
  for (const k of ['deprecated_since', 'replaced_by'] as const) {
    const v = extra[k];
    if (v === undefined) continue;
    r.bulk(k);
    r.bulk(v);
  }
  if (extra.history !== undefined) {
    r.bulk('history');
    // A set in RESP3, as Redis' addReplyCommandHistory sends it.
    r.set(extra.history.length);
    for (const [version, change] of extra.history) {
      r.array(2);
      r.bulk(version);
      r.bulk(change);
    }
  }
  if (extra.arguments !== undefined) {
    r.bulk('arguments');
    argDocs(ctx, extra.arguments);
  }
  if (subs.length > 0) {
    r.bulk('subcommands');
    r.map(subs.length);
    for (const s of subs) {
      r.bulk(s.name);
      commandDocs(ctx, s);
    }
  }
}

function lookup(ctx: CommandContext, name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  if (bar === -1) return ctx.server.commandTable.get(lower);
  return ctx.server.commandTable.get(lower.slice(0, bar))?.subcommands?.find((s) => s.name === lower);
}

function all(ctx: CommandContext): CommandSpec[] {
  return [...ctx.server.commandTable.all()];
}

function command(ctx: CommandContext): void {
  const specs = all(ctx);
  ctx.reply.array(specs.length);
  for (const s of specs) commandInfo(ctx, s);
}

function info(ctx: CommandContext, argv: string[]): void {
  const specs = argv.length === 2 ? all(ctx) : argv.slice(2).map((n) => lookup(ctx, n));
  ctx.reply.array(specs.length);
  for (const s of specs) s === undefined ? ctx.reply.nullArray() : commandInfo(ctx, s);
}

function docs(ctx: CommandContext, argv: string[]): void {
  const specs = (argv.length === 2 ? all(ctx) : argv.slice(2).map((n) => lookup(ctx, n))).filter((s): s is CommandSpec => s !== undefined);
  ctx.reply.map(specs.length);
  for (const s of specs) {
    ctx.reply.bulk(s.name);
    commandDocs(ctx, s);
  }
}

function list(ctx: CommandContext, argv: string[]): void {
  const names: string[] = [];
  for (const s of all(ctx)) {
    names.push(s.name);
    for (const sub of s.subcommands ?? []) names.push(sub.name);
  }
  if (argv.length === 2) return ctx.reply.bulks(names);
  if (argv.length !== 5 || !is(argv[2], 'FILTERBY')) return ctx.reply.error(E.SYNTAX);
  const kind = argv[3].toUpperCase();
  const arg = argv[4];
  if (kind === 'PATTERN') return ctx.reply.bulks(names.filter((n) => globMatch(arg, n, true)));
  if (kind === 'MODULE') return ctx.reply.bulks([]);
  if (kind === 'ACLCAT') {
    const out: string[] = [];
    for (const s of all(ctx)) {
      for (const x of [s, ...(s.subcommands ?? [])]) if (x.run !== undefined && aclCategories(x).includes(arg.toLowerCase())) out.push(x.name);
    }
    return ctx.reply.bulks(out);
  }
  ctx.reply.error(E.SYNTAX);
}

/** COMMAND GETKEYS and GETKEYSANDFLAGS (Redis' getKeysSubcommandImpl). */
function getkeys(ctx: CommandContext, argv: string[], withFlags: boolean): void {
  const target = argv.slice(2);
  const spec = ctx.server.commandTable.resolve(target);
  if (spec === undefined || (spec.subcommands !== undefined && spec.run === undefined)) return ctx.reply.error('ERR Invalid command specified');
  if (!commandHasKeys(spec)) return ctx.reply.error('ERR The command has no key arguments');
  if ((spec.arity > 0 && target.length !== spec.arity) || target.length < -spec.arity) return ctx.reply.error('ERR Invalid number of arguments specified for command');
  const keys = keysWithFlags(spec, target);
  if (keys.length === 0 && !spec.flags.includes('no-mandatory-keys')) return ctx.reply.error('ERR Invalid arguments specified for command');
  ctx.reply.array(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      ctx.reply.bulk(target[k.index]);
      continue;
    }
    ctx.reply.array(2);
    ctx.reply.bulk(target[k.index]);
    ctx.reply.set(k.flags.length);
    for (const f of k.flags) ctx.reply.simple(f);
  }
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  "    Return details about all Redis commands.",
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

const flags = ['loading', 'stale'] as const;

export const commandCommand: CommandSpec = {
  name: 'command', arity: -1, flags: [...flags], group: 'server', since: '2.8.13', summary: 'Returns detailed information about all commands.', complexity: 'O(N) where N is the total number of Redis commands',
  run: command,
  subcommands: [
    { name: 'command|count', arity: 2, flags: [...flags], group: 'server', since: '2.8.13', summary: 'Returns a count of commands.', complexity: 'O(1)', run: (ctx) => ctx.reply.int(ctx.server.commandTable.size) },
    { name: 'command|info', arity: -2, flags: [...flags], group: 'server', since: '2.8.13', summary: 'Returns information about one, multiple or all commands.', complexity: 'O(N) where N is the number of commands to look up', run: info },
    { name: 'command|docs', arity: -2, flags: [...flags], group: 'server', since: '7.0.0', summary: 'Returns documentary information about one, multiple or all commands.', complexity: 'O(N) where N is the number of commands to look up', run: docs },
    { name: 'command|list', arity: -2, flags: [...flags], group: 'server', since: '7.0.0', summary: 'Returns a list of command names.', complexity: 'O(N) where N is the total number of Redis commands', run: list },
    { name: 'command|getkeys', arity: -4, flags: [...flags], group: 'server', since: '2.8.13', summary: 'Extracts the key names from an arbitrary command.', complexity: 'O(N) where N is the number of arguments to the command', run: (ctx, argv) => getkeys(ctx, argv, false) },
    { name: 'command|getkeysandflags', arity: -4, flags: [...flags], group: 'server', since: '7.0.0', summary: 'Extracts the key names and access flags for an arbitrary command.', complexity: 'O(N) where N is the number of arguments to the command', run: (ctx, argv) => getkeys(ctx, argv, true) },
    { name: 'command|help', arity: 2, flags: [...flags], group: 'server', since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', run: (ctx) => helpReply(ctx, COMMAND_HELP) },
  ],
};
