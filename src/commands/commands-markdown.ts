// docs/commands.md, rendered from the command table so the documentation can't drift from the code.
import { aclCategories, type CommandTable } from '../engine/command-table.js';
import type { CommandSpec } from '../engine/types.js';

function row(spec: CommandSpec): string {
  const [first, last, step] = spec.keys ?? [0, 0, 0];
  const keys = spec.getKeys !== undefined ? 'computed' : first === 0 ? '' : `${first}, ${last}, ${step}`;
  return `| \`${spec.name.toUpperCase()}\` | ${spec.arity} | ${spec.flags.join(' ')} | ${keys} | ${aclCategories(spec).map((c) => `@${c}`).join(' ')} | ${spec.since} | ${spec.summary.replace(/\|/g, '\\|')} |`;
}

export function renderCommandsMarkdown(table: CommandTable): string {
  const groups = new Map<string, CommandSpec[]>();
  for (const spec of table.all()) {
    const list = groups.get(spec.group) ?? [];
    list.push(spec);
    groups.set(spec.group, list);
  }
  const out = [
    '# Commands',
    '',
    `Generated from the command table (\`npm run docs\`); ${table.size} commands. Arity follows Redis: N means exactly N`,
    'arguments including the command name, -N at least N. Keys are (first, last, step) argument positions.',
    '',
  ];
  for (const [group, specs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`## ${group}`, '', '| command | arity | flags | keys | ACL categories | since | summary |', '|---|---:|---|---|---|---|---|');
    for (const spec of specs.sort((a, b) => a.name.localeCompare(b.name))) {
      if (spec.run !== undefined) out.push(row(spec));
      for (const sub of spec.subcommands ?? []) out.push(row(sub));
    }
    out.push('');
  }
  return out.join('\n');
}
