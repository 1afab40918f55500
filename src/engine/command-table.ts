// The one table of commands: every group registers its specs here, and COMMAND, arity errors,
// ACL categories, key extraction and docs/commands.md are all derived from it.
import type { CommandSpec } from './types.js';

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  /** Spellings clients actually send ("SET", "Get"...), so the hot path needn't lower-case every name. */
  private readonly spellings = new Map<string, CommandSpec>();

  constructor(groups: readonly (readonly CommandSpec[])[]) {
    for (const group of groups) for (const spec of group) this.add(spec);
  }

  private add(spec: CommandSpec): void {
    if (this.byName.has(spec.name)) throw new Error(`command ${spec.name} registered twice`);
    this.byName.set(spec.name, spec);
  }

  /**
   * rename-command: the command answers to a new name ('' removes it); its spec keeps its own name,
   * as Redis keeps the command's fullname. Returns Redis' error text.
   */
  rename(from: string, to: string): string | undefined {
    const spec = this.byName.get(from);
    if (spec === undefined) return 'No such command in rename-command';
    if (to !== '' && this.byName.has(to)) return 'Target command name already exists';
    this.byName.delete(from);
    if (to !== '') this.byName.set(to, spec);
    this.spellings.clear();
    return undefined;
  }

  /** Looks a command up by its lower-cased name. */
  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** Looks a command up by the name as the client spelled it. */
  lookup(name: string): CommandSpec | undefined {
    const cached = this.spellings.get(name);
    if (cached !== undefined) return cached;
    const spec = this.byName.get(name.toLowerCase());
    // Bounded: a client inventing spellings can't grow the cache without limit.
    if (spec !== undefined && this.spellings.size < 4096) this.spellings.set(name, spec);
    return spec;
  }

  /** Resolves argv to the spec that runs it: the command or, for a container, its subcommand. */
  resolve(argv: readonly string[]): CommandSpec | undefined {
    const spec = this.lookup(argv[0]);
    if (spec?.subcommands === undefined || argv.length < 2) return spec;
    const sub = `${spec.name}|${argv[1].toLowerCase()}`;
    return spec.subcommands.find((s) => s.name === sub);
  }

  all(): IterableIterator<CommandSpec> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }
}

/** The argv indexes holding keys, from the spec's positions or its getKeys. */
export function keyIndexes(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.getKeys !== undefined) return spec.getKeys(argv);
  if (spec.keys === undefined) return [];
  const [first, last, step] = spec.keys;
  if (first === 0) return [];
  const end = last < 0 ? argv.length + last : last;
  const out: number[] = [];
  for (let i = first; i <= end && i < argv.length; i += step) out.push(i);
  return out;
}

export function hasFlag(spec: CommandSpec, flag: CommandSpec['flags'][number]): boolean {
  return spec.flags.includes(flag);
}

/** Redis' own ACL categories for the command; for one Redis lacks, derived from flags and group (Redis' setImplicitACLCategories), plus the spec's own. */
export function aclCategories(spec: CommandSpec): readonly string[] {
  if (spec.meta !== undefined) return spec.meta.acl;
  const cats = new Set<string>();
  const f = spec.flags;
  if (f.includes('write')) cats.add('write');
  if (f.includes('readonly') && spec.group !== 'scripting') cats.add('read');
  if (f.includes('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (f.includes('pubsub')) cats.add('pubsub');
  if (f.includes('fast')) cats.add('fast');
  if (f.includes('blocking')) cats.add('blocking');
  if (!f.includes('fast')) cats.add('slow');
  const groupCategory: Partial<Record<CommandSpec['group'], string>> = {
    generic: 'keyspace', string: 'string', list: 'list', set: 'set', 'sorted-set': 'sortedset', hash: 'hash',
    pubsub: 'pubsub', transactions: 'transaction', connection: 'connection', scripting: 'scripting',
    hyperloglog: 'hyperloglog', bitmap: 'bitmap', geo: 'geo', stream: 'stream',
  };
  // A container's own categories are only the implicit ones (Redis' container JSON has none): ACL CAT
  // @stream lists XGROUP's subcommands, not XGROUP.
  const g = spec.subcommands === undefined ? groupCategory[spec.group] : undefined;
  if (g !== undefined) cats.add(g);
  for (const c of spec.aclCategories ?? []) cats.add(c);
  return [...cats];
}
