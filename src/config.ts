// The option table at run time: every Redis 7 option (src/config-options.ts) plus Ferrite's own,
// parsed and validated like redis-server does, from a config file, from argv and from CONFIG SET.
// CONFIG GET/SET/REWRITE and the start-up parser all go through this one class.
import { chdir } from 'node:process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REDIS_COMPAT_VERSION, type ConfigAccess } from './engine/server-context.js';
import { FERRITE_OPTIONS, LLONG_MAX, LLONG_MAX_TEXT, REDIS_OPTIONS, type OptionSpec } from './config-options.js';
import { splitArgs } from './protocol/request-parser.js';
import { globMatch } from './structures/glob.js';

/** Defaults where Ferrite deliberately differs from a bare redis-server: loopback only, like redis.conf ships. */
const FERRITE_DEFAULTS: Record<string, string> = {
  bind: '127.0.0.1 -::1',
  'memcached-bind': '127.0.0.1',
};

/** Options that may be given several times in a file, each adding to the previous ones. */
const ACCUMULATING = new Set(['save', 'client-output-buffer-limit']);

export class ConfigError extends Error {}

/** A config-file line that is not an option: its arguments and where it was, for error reports. */
export interface ConfigDirective {
  name: 'user' | 'rename-command';
  args: string[];
  line: number;
  text: string;
}

/** Called after an option changed; returns an error text to roll the change back. */
export type ApplyHook = (value: string, name: string) => string | undefined | void;

const NOTIFY_LETTERS = 'Ag$lshzxeKEtmdn';

export class Config implements ConfigAccess {
  private readonly specs = new Map<string, OptionSpec>();
  private readonly values = new Map<string, string>();
  private readonly numbers = new Map<string, number>();
  private readonly hooks = new Map<string, ApplyHook[]>();
  /** Options given at start-up (config file or argv), by canonical name: a taken default port is only a warning. */
  private readonly explicit = new Set<string>();
  file: string | undefined;
  /** `user` and `rename-command` lines, applied once the ACL and the command table exist. */
  readonly directives: ConfigDirective[] = [];
  /** The ACL's users as `user` lines for CONFIG REWRITE; none while an aclfile holds them. */
  userLines: (() => string[]) | undefined;

  constructor() {
    for (const spec of [...REDIS_OPTIONS, ...FERRITE_OPTIONS]) {
      this.specs.set(spec.name, spec);
      for (const a of spec.aliases ?? []) this.specs.set(a, spec);
      const initial = FERRITE_DEFAULTS[spec.name] ?? (spec.name === 'dir' ? process.cwd() : spec.default);
      this.store(spec, initial);
    }
  }

  get(name: string): string | undefined {
    const spec = this.specs.get(name);
    return spec === undefined ? undefined : this.values.get(spec.name);
  }

  getNumber(name: string): number {
    const cached = this.numbers.get(name);
    if (cached !== undefined) return cached;
    const spec = this.specs.get(name);
    return spec === undefined ? 0 : Number(this.values.get(spec.name) ?? 0);
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** True when the option was set in the config file or on the command line. */
  isExplicit(name: string): boolean {
    const spec = this.specs.get(name);
    return spec !== undefined && this.explicit.has(spec.name);
  }

  /** Runs `hook` after every change of `name` (and once now is up to the caller). */
  onChange(name: string, hook: ApplyHook): void {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`unknown option ${name}`);
    let list = this.hooks.get(spec.name);
    if (list === undefined) this.hooks.set(spec.name, (list = []));
    list.push(hook);
  }

  match(pattern: string): [string, string][] {
    const out: [string, string][] = [];
    const lower = pattern.toLowerCase();
    for (const [name, spec] of this.specs) {
      if (spec.hidden && name !== lower) continue;
      if (name === lower || globMatch(lower, name, true)) out.push([name, this.render(spec)]);
    }
    return out;
  }

  set(pairs: [string, string][], protectedAllowed = this.get('enable-protected-configs') === 'yes'): string | undefined {
    const seen = new Set<string>();
    const planned: [OptionSpec, string][] = [];
    for (const [rawName, raw] of pairs) {
      const spec = this.specs.get(rawName.toLowerCase());
      if (spec === undefined || spec.hidden) return `ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`;
      const fail = (msg: string): string => `ERR CONFIG SET failed (possibly related to argument '${rawName}') - ${msg}`;
      if (seen.has(spec.name)) return fail('duplicate parameter');
      seen.add(spec.name);
      if (spec.immutable) return fail("can't set immutable config");
      if (spec.protected && !protectedAllowed) return fail("can't set protected config");
      const parsed = this.parse(spec, raw);
      if (parsed instanceof ConfigError) return fail(parsed.message);
      planned.push([spec, parsed]);
    }
    const previous = planned.map(([spec]) => [spec, this.values.get(spec.name)!] as const);
    for (const [spec, value] of planned) this.store(spec, value);
    for (const [spec, value] of planned) {
      for (const hook of this.hooks.get(spec.name) ?? []) {
        const err = hook(value, spec.name) ?? undefined;
        if (err !== undefined) {
          for (const [s, v] of previous) this.store(s, v);
          for (const [s, v] of previous) for (const h of this.hooks.get(s.name) ?? []) h(v, s.name);
          return `ERR CONFIG SET failed (possibly related to argument '${spec.name}') - ${err}`;
        }
      }
    }
    return undefined;
  }

  /** Sets an option at start-up (config file or argv): immutable options allowed, errors thrown. */
  setInitial(name: string, args: string[], accumulate: boolean): void {
    const spec = this.specs.get(name.toLowerCase());
    if (spec === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
    let raw = args.join(' ');
    if (ACCUMULATING.has(spec.name) && accumulate && args.length > 0 && !(args.length === 1 && args[0] === '')) {
      if (spec.name === 'save') {
        const current = this.values.get('save') ?? '';
        raw = current === '' ? raw : `${current} ${raw}`;
      } else {
        raw = this.mergeOutputLimits(this.values.get(spec.name)!, raw);
      }
    }
    const parsed = this.parse(spec, raw);
    if (parsed instanceof ConfigError) throw parsed;
    this.store(spec, parsed);
    this.explicit.add(spec.name);
    for (const hook of this.hooks.get(spec.name) ?? []) {
      const err = hook(parsed, spec.name) ?? undefined;
      if (err !== undefined) throw new ConfigError(err);
    }
  }

  /** Loads a redis.conf-style text (an `include` directive reads another file). */
  loadText(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const args = splitArgs(line);
      if (args === undefined || args.length === 0) throw fatal(i + 1, line, 'Unbalanced quotes in configuration line');
      const name = args[0].toLowerCase();
      try {
        if (name === 'include') {
          if (args.length !== 2) throw new ConfigError('Bad directive or wrong number of arguments');
          this.loadText(readFileSync(args[1], "latin1"));
        } else if (name === 'user' || name === 'rename-command') {
          if (name === 'user' ? args.length < 2 : args.length !== 3) throw new ConfigError('Bad directive or wrong number of arguments');
          this.directives.push({ name, args: args.slice(1), line: i + 1, text: line });
        } else {
          this.setInitial(name, args.slice(1), true);
        }
      } catch (e) {
        if (e instanceof ConfigError) throw fatal(i + 1, line, e.message);
        throw e;
      }
    }
  }

  loadFile(path: string): void {
    const full = resolve(path);
    let text: string;
    try {
      text = readFileSync(full, 'latin1');
    } catch (e) {
      throw new ConfigError(`Fatal error, can't open config file '${full}': ${(e as Error).message}`);
    }
    this.file = full;
    this.loadText(text);
  }

  rewrite(): string | undefined {
    if (this.file === undefined) return 'ERR The server is running without a config file';
    const lines = existsSync(this.file) ? readFileSync(this.file, 'latin1').split('\n') : [];
    const written = new Set<string>();
    const out: string[] = [];
    const users = this.get('aclfile') === '' ? this.userLines?.() : [];
    for (const line of lines) {
      const args = splitArgs(line.trim());
      // Users are rewritten where the first `user` line was (Redis' rewriteConfigUserOption).
      if (users !== undefined && args !== undefined && args[0]?.toLowerCase() === 'user') {
        if (!written.has('user')) out.push(...users);
        written.add('user');
        continue;
      }
      const spec = line.trim().startsWith('#') || args === undefined || args.length === 0 ? undefined : this.specs.get(args[0].toLowerCase());
      if (spec === undefined) {
        out.push(line);
        continue;
      }
      if (written.has(spec.name)) continue;
      written.add(spec.name);
      out.push(...this.directiveLines(spec));
    }
    const extra: string[] = [];
    for (const spec of new Set(this.specs.values())) {
      if (written.has(spec.name) || spec.hidden) continue;
      const initial = FERRITE_DEFAULTS[spec.name] ?? spec.default;
      if (spec.name === 'dir' || this.values.get(spec.name) === this.normalizeDefault(spec, initial)) continue;
      extra.push(...this.directiveLines(spec));
    }
    if (users !== undefined && !written.has('user')) extra.push(...users);
    if (extra.length > 0) {
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      out.push('# Generated by CONFIG REWRITE', ...extra);
    }
    try {
      const tmp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(tmp, out.join('\n') + '\n', 'latin1');
      renameSync(tmp, this.file);
    } catch (e) {
      return `ERR Rewriting config file: ${(e as Error).message}`;
    }
    return undefined;
  }

  private directiveLines(spec: OptionSpec): string[] {
    const value = this.render(spec);
    if (spec.name === 'save') {
      if (value === '') return ['save ""'];
      const parts = value.split(' ');
      const out: string[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) out.push(`save ${parts[i]} ${parts[i + 1]}`);
      return out;
    }
    if (spec.name === 'client-output-buffer-limit') {
      const parts = value.split(' ');
      const out: string[] = [];
      for (let i = 0; i + 3 < parts.length; i += 4) out.push(`client-output-buffer-limit ${parts.slice(i, i + 4).join(' ')}`);
      return out;
    }
    if (spec.kind === 'special' || spec.kind === 'flags') return [`${spec.name} ${value === '' ? '""' : value}`];
    return [`${spec.name} ${quoteIfNeeded(value)}`];
  }

  private normalizeDefault(spec: OptionSpec, raw: string): string {
    const v = this.parse(spec, raw);
    return v instanceof ConfigError ? raw : v;
  }

  private render(spec: OptionSpec): string {
    const value = this.values.get(spec.name) ?? '';
    // Redis prints 'A' alone for all classes, even when 'n' (new keys, not in 'A') is on too.
    return spec.name === 'notify-keyspace-events' && value.startsWith('An') ? `A${value.slice(2)}` : value;
  }

  private store(spec: OptionSpec, value: string): void {
    this.values.set(spec.name, value);
    if (spec.kind === 'int' || spec.kind === 'memory') {
      const n = value.endsWith('%') ? -Number(value.slice(0, -1)) : Number(value);
      this.numbers.set(spec.name, n);
      for (const a of spec.aliases ?? []) this.numbers.set(a, n);
    }
  }

  /** Validates and normalises a value the way Redis prints it back in CONFIG GET. */
  private parse(spec: OptionSpec, raw: string): string | ConfigError {
    switch (spec.kind) {
      case 'bool': {
        const v = raw.toLowerCase();
        if (v !== 'yes' && v !== 'no') return new ConfigError("argument must be 'yes' or 'no'");
        return v;
      }
      case 'int':
        return this.parseInt(spec, raw);
      case 'memory':
        return this.parseMemory(spec, raw);
      case 'enum': {
        const v = raw.toLowerCase();
        if (!spec.values!.includes(v)) return new ConfigError(`argument(s) must be one of the following: ${spec.values!.join(', ')}`);
        return v;
      }
      case 'flags': {
        const parts = raw.toLowerCase().split(/\s+/).filter((p) => p !== '');
        if (parts.length === 0 || parts.some((p) => !spec.values!.includes(p))) {
          return new ConfigError(`argument(s) must be one of the following: ${spec.values!.join(', ')}`);
        }
        return parts.join(' ');
      }
      case 'string':
        return raw;
      case 'special':
        return this.parseSpecial(spec, raw);
    }
  }

  private parseInt(spec: OptionSpec, raw: string): string | ConfigError {
    if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return new ConfigError("argument couldn't be parsed into an integer");
    let n = Number(raw);
    const min = spec.min ?? -LLONG_MAX;
    const max = spec.max ?? LLONG_MAX;
    if (spec.clamp) {
      if (n < 0 || n > 2147483647) return new ConfigError('argument must be between 0 and 2147483647 inclusive');
      n = Math.min(max, Math.max(min, n));
    } else if (n < min || n > max) {
      return new ConfigError(`argument must be between ${boundText(min)} and ${boundText(max)} inclusive`);
    }
    return String(n);
  }

  private parseMemory(spec: OptionSpec, raw: string): string | ConfigError {
    if (spec.percent && raw.endsWith('%')) {
      const p = raw.slice(0, -1);
      if (!/^[0-9]+$/.test(p)) return new ConfigError('argument must be a memory or percent value');
      const n = Number(p);
      if (n > 100) return new ConfigError('percentage argument must be less or equal to 100');
      return n === 0 ? '0' : `${n}%`;
    }
    const bytes = parseMemoryValue(raw);
    if (bytes === undefined) return new ConfigError(spec.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
    const min = spec.min ?? 0;
    const max = spec.max ?? LLONG_MAX;
    if (bytes < min || bytes > max) return new ConfigError(`argument must be between ${boundText(min)} and ${boundText(max)} inclusive`);
    return String(bytes);
  }

  private parseSpecial(spec: OptionSpec, raw: string): string | ConfigError {
    const parts = raw.split(/\s+/).filter((p) => p !== '');
    switch (spec.name) {
      case 'save': {
        if (parts.length % 2 !== 0 || parts.some((p) => !/^[0-9]+$/.test(p))) return new ConfigError('Invalid save parameters');
        return parts.join(' ');
      }
      case 'notify-keyspace-events':
        return parseNotifyFlags(raw);
      case 'client-output-buffer-limit':
        try {
          return this.mergeOutputLimits(this.values.get(spec.name) ?? spec.default, raw);
        } catch (e) {
          if (e instanceof ConfigError) return e;
          throw e;
        }
      case 'dir': {
        try {
          chdir(raw);
        } catch (e) {
          return new ConfigError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message);
        }
        return process.cwd();
      }
      case 'bind':
        if (parts.length === 0 || parts.length > 16) return new ConfigError('Too many bind addresses specified.');
        return parts.join(' ');
      case 'oom-score-adj-values': {
        if (parts.length !== 3 || parts.some((p) => !/^-?[0-9]+$/.test(p) || Math.abs(Number(p)) > 2000)) {
          return new ConfigError('Invalid oom-score-adj-values. Expecting 3 values between -2000 and 2000.');
        }
        return parts.join(' ');
      }
      case 'latency-tracking-info-percentiles': {
        if (parts.some((p) => !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(p))) return new ConfigError('Invalid latency-tracking-info-percentiles parameters');
        if (parts.some((p) => Number(p) < 0 || Number(p) > 100)) return new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
        return parts.map((p) => String(Number(p))).join(' ');
      }
      case 'unixsocketperm':
        if (!/^[0-7]+$/.test(raw) || parseInt(raw, 8) > 0o777) return new ConfigError('Invalid socket file permissions');
        return raw;
      case 'replicaof':
        if (parts.length === 0) return '';
        if (parts.length !== 2) return new ConfigError('Bad directive or wrong number of arguments');
        if (parts[0].toLowerCase() === 'no' && parts[1].toLowerCase() === 'one') return '';
        if (!/^[0-9]+$/.test(parts[1])) return new ConfigError('Invalid master port');
        return parts.join(' ');
      default:
        return raw;
    }
  }

  /** client-output-buffer-limit: each "class hard soft seconds" replaces that class only. */
  private mergeOutputLimits(current: string, raw: string): string {
    const limits = new Map<string, string[]>();
    const cur = current.split(' ');
    for (let i = 0; i + 3 < cur.length; i += 4) limits.set(cur[i], cur.slice(i + 1, i + 4));
    const parts = raw.split(/\s+/).filter((p) => p !== '');
    if (parts.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
    for (let i = 0; i < parts.length; i += 4) {
      let cls = parts[i].toLowerCase();
      if (cls === 'replica') cls = 'slave';
      if (cls !== 'normal' && cls !== 'slave' && cls !== 'pubsub') throw new ConfigError('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemoryValue(parts[i + 1]);
      const soft = parseMemoryValue(parts[i + 2]);
      const secs = /^[0-9]+$/.test(parts[i + 3]) ? Number(parts[i + 3]) : undefined;
      if (hard === undefined || soft === undefined || secs === undefined) throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      limits.set(cls, [String(hard), String(soft), String(secs)]);
    }
    return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${(limits.get(c) ?? ['0', '0', '0']).join(' ')}`).join(' ');
  }
}

/** Redis' memtoull: digits with an optional b/k/kb/m/mb/g/gb unit (k = 1000, kb = 1024). */
export function parseMemoryValue(raw: string): number | undefined {
  const m = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/i.exec(raw);
  if (m === null) return undefined;
  const units: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  const n = Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()];
  return Number.isSafeInteger(n) ? n : undefined;
}

/** notify-keyspace-events letters → Redis' canonical order, as CONFIG GET prints them. */
export function parseNotifyFlags(raw: string): string | ConfigError {
  const set = new Set<string>();
  for (const c of raw) {
    if (!NOTIFY_LETTERS.includes(c)) return new ConfigError(`Invalid event class character. Use '${NOTIFY_LETTERS}'.`);
    if (c === 'A') for (const x of 'g$lshzxetd') set.add(x);
    else set.add(c);
  }
  const all = [...'g$lshzxetd'].every((x) => set.has(x));
  // 'n' is not part of 'A': kept after it so that it stays in effect, although CONFIG GET hides it there.
  let out = all ? (set.has('n') ? 'An' : 'A') : [...'g$lshzxetdn'].filter((x) => set.has(x)).join('');
  if (set.has('K')) out += 'K';
  if (set.has('E')) out += 'E';
  if (set.has('m')) out += 'm';
  return out;
}

function boundText(n: number): string {
  if (n === LLONG_MAX) return LLONG_MAX_TEXT;
  if (n === -LLONG_MAX) return `-${LLONG_MAX_TEXT.slice(0, -1)}8`;
  return String(n);
}

function quoteIfNeeded(v: string): string {
  if (v === '') return '""';
  return /[\s"'\\]/.test(v) ? JSON.stringify(v) : v;
}

export function fatal(line: number, text: string, message: string): ConfigError {
  return new ConfigError(`\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_COMPAT_VERSION}) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${message}`);
}
