// An ACL selector (Redis 7.0 acl.c): which commands, keys and channels it allows. A user has a root
// selector and any number of "(...)" selectors; a command is allowed if one of them allows it.
import { globMatch, isLiteralPattern } from '../structures/glob.js';
import { aclCategories } from './command-table.js';
import { commandHasKeys, keysWithFlags } from './key-specs.js';
import type { CommandSpec, KeyRef } from './types.js';

/** Redis' ACLCommandCategories, in its order (ACL CAT and the rule descriptions follow it). */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;

/** Why a rule was refused; the text is Redis' ACLSetUserStringError. */
export class AclRuleError extends Error {}

export const RULE_ERRORS = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterAll: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterAll: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  firstArgOfSub: 'Allowing first-arg of a subcommand is not supported',
} as const;

/** The command table as ACL rules see it: every command and subcommand, by full name and category. */
export class AclCommandIndex {
  /** Commands, each followed by its subcommands, in table order. */
  readonly all: CommandSpec[] = [];
  readonly byName = new Map<string, CommandSpec>();
  readonly parentOf = new Map<CommandSpec, CommandSpec>();
  private readonly byCategory = new Map<string, CommandSpec[]>();

  constructor(commands: Iterable<CommandSpec>) {
    for (const spec of commands) {
      this.index(spec);
      for (const sub of spec.subcommands ?? []) {
        this.index(sub);
        this.parentOf.set(sub, spec);
      }
    }
  }

  private index(spec: CommandSpec): void {
    this.all.push(spec);
    this.byName.set(spec.name, spec);
    for (const cat of aclCategories(spec)) {
      let list = this.byCategory.get(cat);
      if (list === undefined) this.byCategory.set(cat, (list = []));
      list.push(spec);
    }
  }

  inCategory(category: string): readonly CommandSpec[] {
    return this.byCategory.get(category) ?? [];
  }

  isCategory(category: string): boolean {
    return category === 'all' || (ACL_CATEGORIES as readonly string[]).includes(category);
  }
}

interface KeyPattern {
  pattern: string;
  read: boolean;
  write: boolean;
  /** The pattern as a predicate: a literal or "prefix*" skips the glob matcher. */
  matches: (key: string) => boolean;
}

/** Compiles a glob for repeated use: most ACL patterns are "app:*" or a literal name. */
export function patternMatcher(pattern: string): (s: string) => boolean {
  if (isLiteralPattern(pattern)) return (s) => s === pattern;
  const star = pattern.indexOf('*');
  if (star === pattern.length - 1 && isLiteralPattern(pattern.slice(0, -1))) {
    const prefix = pattern.slice(0, -1);
    return (s) => s.startsWith(prefix);
  }
  return (s) => globMatch(pattern, s);
}

/** What a key spec's flags need (Redis' ACLSelectorCheckKey): ACCESS reads, INSERT/DELETE/UPDATE write. */
const NEEDS = new WeakMap<readonly string[], number>();
const NEED_READ = 1;
const NEED_WRITE = 2;

function needsOf(flags: readonly string[]): number {
  let n = NEEDS.get(flags);
  if (n === undefined) {
    n = (flags.includes('access') ? NEED_READ : 0) | (flags.includes('insert') || flags.includes('delete') || flags.includes('update') ? NEED_WRITE : 0);
    NEEDS.set(flags, n);
  }
  return n;
}

/** Outcome of a permission check, in Redis' order of relevance (ACL_DENIED_*). */
export const enum AclDenial {
  None = 0,
  Command = 1,
  Key = 2,
  Auth = 3,
  Channel = 4,
}

export interface AclVerdict {
  denial: AclDenial;
  /** The argv index of the key or channel denied. */
  index: number;
}

/** The verdict of every allowed call: shared, so the check allocates nothing when it passes. */
export const ALLOWED: AclVerdict = Object.freeze({ denial: AclDenial.None, index: 0 });

/** Keys of one call, found once for all of a user's selectors (Redis' aclKeyResultCache). */
export interface KeyCache {
  keys: KeyRef[] | undefined;
}

export class AclSelector {
  allowed = new Set<CommandSpec>();
  /** +@all / allcommands: every command, including ones added later (Redis' SELECTOR_FLAG_ALLCOMMANDS). */
  allCommands = false;
  /** Redis' reserved "future commands" bit: set by +@all, cleared by -@all; descriptions start from it. */
  futureCommands = false;
  /** Allowed first arguments of otherwise denied commands (+select|0). */
  firstArgs = new Map<CommandSpec, string[]>();
  allKeys = false;
  keys: KeyPattern[] = [];
  allChannels = false;
  channels: string[] = [];
  private channelMatchers: ((s: string) => boolean)[] = [];

  constructor(readonly index: AclCommandIndex, allChannels: boolean) {
    this.allChannels = allChannels;
  }

  clone(): AclSelector {
    const s = new AclSelector(this.index, this.allChannels);
    s.allowed = new Set(this.allowed);
    s.allCommands = this.allCommands;
    s.futureCommands = this.futureCommands;
    for (const [k, v] of this.firstArgs) s.firstArgs.set(k, [...v]);
    s.allKeys = this.allKeys;
    s.keys = this.keys.map((k) => ({ ...k }));
    s.channelMatchers = [...this.channelMatchers];
    s.channels = [...this.channels];
    return s;
  }

  /** Applies one rule (Redis' ACLSetSelector); throws AclRuleError. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
      this.channelMatchers = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
      this.channelMatchers = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.setAll(true);
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.setAll(false);
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(RULE_ERRORS.channelsAfterAll);
      const pattern = op.slice(1);
      if (!this.channels.includes(pattern)) {
        this.channels.push(pattern);
        this.channelMatchers.push(patternMatcher(pattern));
      }
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const category = lower.slice(2);
      if (!this.index.isCategory(category)) throw new AclRuleError(RULE_ERRORS.unknown);
      if (category === 'all') return this.setAll(op[0] === '+');
      for (const spec of this.index.inCategory(category)) this.change(spec, op[0] === '+');
    } else if (op[0] === '+') {
      this.allowCommand(op.slice(1));
    } else if (op[0] === '-') {
      const spec = this.lookup(lower.slice(1));
      if (spec === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      this.change(spec, false);
    } else {
      throw new AclRuleError(RULE_ERRORS.syntax);
    }
  }

  private setAll(on: boolean): void {
    this.allowed = on ? new Set(this.index.all) : new Set();
    this.allCommands = on;
    this.futureCommands = on;
    this.firstArgs.clear();
  }

  /** Redis' ACLChangeSelectorPerm: a command with all its subcommands. */
  private change(spec: CommandSpec, on: boolean): void {
    this.setBit(spec, on);
    this.firstArgs.delete(spec);
    for (const sub of spec.subcommands ?? []) this.setBit(sub, on);
  }

  private setBit(spec: CommandSpec, on: boolean): void {
    if (on) this.allowed.add(spec);
    else {
      this.allowed.delete(spec);
      this.allCommands = false;
    }
  }

  private lookup(name: string): CommandSpec | undefined {
    const bar = name.indexOf('|');
    if (bar !== -1 && name.indexOf('|', bar + 1) !== -1) return undefined;
    return this.index.byName.get(name);
  }

  private allowCommand(typed: string): void {
    const name = typed.toLowerCase();
    const bar = name.lastIndexOf('|');
    if (bar === -1) {
      const spec = this.lookup(name);
      if (spec === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      return this.change(spec, true);
    }
    const parent = this.lookup(name.slice(0, bar));
    const sub = typed.slice(bar + 1);
    if (parent === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
    if (this.index.parentOf.has(parent)) throw new AclRuleError(RULE_ERRORS.firstArgOfSub);
    if (sub === '') throw new AclRuleError(RULE_ERRORS.syntax);
    if (parent.subcommands !== undefined) {
      const spec = this.index.byName.get(name);
      if (spec === undefined) throw new AclRuleError(RULE_ERRORS.unknown);
      return this.change(spec, true);
    }
    // Redis keeps "+select|0" as an allowed first argument of an otherwise denied command.
    const list = this.firstArgs.get(parent) ?? [];
    if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
    this.firstArgs.set(parent, list);
  }

  private addKeyPattern(op: string): void {
    if (this.allKeys) throw new AclRuleError(RULE_ERRORS.keysAfterAll);
    let read = true;
    let write = true;
    let offset = 1;
    if (op[0] === '%') {
      read = write = false;
      for (; offset < op.length; offset++) {
        const c = op[offset].toUpperCase();
        if (c === 'R' && !read) read = true;
        else if (c === 'W' && !write) write = true;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else throw new AclRuleError(RULE_ERRORS.syntax);
      }
      // Redis accepts "%R" (an empty pattern); only no permission at all is an error.
      if (!read && !write) throw new AclRuleError(RULE_ERRORS.syntax);
    }
    const pattern = op.slice(offset);
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing !== undefined) {
      existing.read ||= read;
      existing.write ||= write;
    } else this.keys.push({ pattern, read, write, matches: patternMatcher(pattern) });
  }

  /** Redis' ACLSelectorCheckCmd. */
  check(spec: CommandSpec, argv: readonly string[], cache: KeyCache): AclVerdict {
    if (!this.allCommands && !spec.flags.includes('no-auth') && !this.allowed.has(spec)) {
      const parent = this.index.parentOf.get(spec);
      const allowedArgs = this.firstArgs.get(spec);
      const arg = argv[parent !== undefined ? 2 : 1];
      if (allowedArgs === undefined || arg === undefined || !allowedArgs.some((a) => a.toLowerCase() === arg.toLowerCase())) return { denial: AclDenial.Command, index: 0 };
    }
    if (!this.allKeys && commandHasKeys(spec)) {
      cache.keys ??= keysWithFlags(spec, argv);
      for (const key of cache.keys) {
        if (!this.keyAllowed(argv[key.index], key.flags)) return { denial: AclDenial.Key, index: key.index };
      }
    }
    if (!this.allChannels && spec.flags.includes('pubsub')) {
      for (const ch of channelArgs(spec, argv)) {
        if (!this.channelAllowed(argv[ch.index], ch.pattern)) return { denial: AclDenial.Channel, index: ch.index };
      }
    }
    return ALLOWED;
  }

  /** Redis' ACLSelectorCheckKey: ACCESS needs read, INSERT/DELETE/UPDATE need write permission. */
  keyAllowed(key: string, flags: readonly string[]): boolean {
    if (this.allKeys) return true;
    const needs = needsOf(flags);
    for (const k of this.keys) {
      if ((needs & NEED_READ && !k.read) || (needs & NEED_WRITE && !k.write)) continue;
      if (k.matches(key)) return true;
    }
    return false;
  }

  /** A channel must match an allowed pattern; a pattern subscription must equal one literally. */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (let i = 0; i < this.channels.length; i++) {
      if (isPattern ? this.channels[i] === channel : this.channelMatchers[i](channel)) return true;
    }
    return false;
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => (k.read && k.write ? `~${k.pattern}` : `%${k.read ? 'R' : ''}${k.write ? 'W' : ''}~${k.pattern}`)).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }

  /** The selector as rules (Redis' ACLDescribeSelector). */
  describe(): string {
    const parts: string[] = [];
    const keys = this.keysDescription();
    if (keys !== '') parts.push(keys);
    if (this.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      const channels = this.channelsDescription();
      if (channels !== '') parts.push(channels);
    }
    parts.push(this.commandsDescription());
    return parts.join(' ');
  }

  /**
   * The command rules (Redis' ACLDescribeSelectorCommandRules): +@all or -@all, then, one at a time,
   * the category that fits best (fewest commands to correct, then most commands it covers), then
   * single commands and first arguments to make it exact.
   */
  commandsDescription(): string {
    const additive = !this.futureCommands;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new AclSelector(this.index, false);
    fake.setAll(!additive);
    // Commands still to be described: categories already used are taken out of it.
    const temp = new Set(this.allowed);
    for (;;) {
      let best: string | undefined;
      let minDiff = Infinity;
      let maxSame = 0;
      for (const category of ACL_CATEGORIES) {
        let on = 0;
        let off = 0;
        for (const spec of this.index.inCategory(category)) temp.has(spec) ? on++ : off++;
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = category;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === undefined) break;
      rules.push(`${additive ? '+' : '-'}@${best}`);
      for (const spec of this.index.inCategory(best)) {
        fake.change(spec, additive);
        for (const s of [spec, ...(spec.subcommands ?? [])]) additive ? temp.delete(s) : temp.add(s);
      }
    }
    for (const spec of this.index.all) {
      if (this.index.parentOf.has(spec)) continue;
      this.describeSingle(spec, fake, rules);
      for (const sub of spec.subcommands ?? []) this.describeSingle(sub, fake, rules);
    }
    return rules.join(' ');
  }

  private describeSingle(spec: CommandSpec, fake: AclSelector, rules: string[]): void {
    const mine = this.allowed.has(spec);
    if (mine !== fake.allowed.has(spec)) {
      rules.push(`${mine ? '+' : '-'}${spec.name}`);
      fake.change(spec, mine);
    }
    const args = this.firstArgs.get(spec);
    if (!mine && args !== undefined) for (const a of args) rules.push(`+${spec.name}|${a}`);
  }
}

interface ChannelArg {
  index: number;
  pattern: boolean;
}

/** Channels a command publishes or subscribes to (Redis' getChannelsFromCommand, publish/subscribe only). */
export function channelArgs(spec: CommandSpec, argv: readonly string[]): ChannelArg[] {
  switch (spec.name) {
    case 'publish':
    case 'spublish':
      return [{ index: 1, pattern: false }];
    case 'subscribe':
    case 'ssubscribe':
    case 'psubscribe': {
      const out: ChannelArg[] = [];
      for (let i = 1; i < argv.length; i++) out.push({ index: i, pattern: spec.name === 'psubscribe' });
      return out;
    }
    default:
      return [];
  }
}
