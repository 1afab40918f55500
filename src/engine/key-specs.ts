// Keys of a command from its key specs, as Redis 7.0's getKeysFromCommandWithSpecs finds them: the
// specs when they are complete and their flags fixed, else the command's own getKeysAndFlags (Redis'
// getkeys_proc). Used by ACL key permissions, COMMAND GETKEYS and COMMAND GETKEYSANDFLAGS.
import type { CommandSpec, KeyRef, KeySpec, KeySpecFlag } from './types.js';

const FLAGS_BY_LEGACY_WRITE: readonly KeySpecFlag[] = ['RW', 'access', 'update'];
const FLAGS_BY_LEGACY_READ: readonly KeySpecFlag[] = ['RO', 'access'];
const NO_FLAGS: readonly KeySpecFlag[] = [];

/** The spec's key specs: Redis' own, or for a command Redis lacks, one spec from its legacy (first, last, step). */
export function keySpecsOf(spec: CommandSpec): readonly KeySpec[] {
  if (spec.meta !== undefined) return spec.meta.keySpecs ?? [];
  if (spec.keys === undefined || spec.keys[0] === 0) return [];
  const [first, last, step] = spec.keys;
  const flags = spec.flags.includes('write') ? FLAGS_BY_LEGACY_WRITE : FLAGS_BY_LEGACY_READ;
  return [{ flags, bs: { index: first }, fk: { range: [last < 0 ? last : last - first, step, 0] } }];
}

/** How a command's keys are found, worked out once per command (the ACL check asks on every call). */
interface KeySearch {
  hasKeys: boolean;
  /** The specs can be used as they are: some spec is a key, and no spec's flags vary. */
  bySpecs: boolean;
  specs: readonly KeySpec[];
}

const SEARCHES = new WeakMap<CommandSpec, KeySearch>();

function searchOf(spec: CommandSpec): KeySearch {
  let s = SEARCHES.get(spec);
  if (s === undefined) {
    const specs = keySpecsOf(spec);
    const usable = specs.some((k) => !k.flags.includes('not_key'));
    const variable = specs.some((k) => k.flags.includes('variable_flags'));
    s = { hasKeys: usable || spec.getKeysAndFlags !== undefined || spec.getKeys !== undefined, bySpecs: usable && !variable, specs };
    SEARCHES.set(spec, s);
  }
  return s;
}

/** Redis' doesCommandHaveKeys: a key-finding function, or a spec that is not only a NOT_KEY. */
export function commandHasKeys(spec: CommandSpec): boolean {
  return searchOf(spec).hasKeys;
}

/**
 * The keys of argv with their flags; none when the arguments can't be searched (a bad numkeys), which
 * COMMAND GETKEYS reports as invalid arguments unless the command's keys are optional.
 */
export function keysWithFlags(spec: CommandSpec, argv: readonly string[]): KeyRef[] {
  const search = searchOf(spec);
  if (search.bySpecs) {
    const found = keysFromSpecs(search.specs, spec.arity, argv);
    if (found !== null) return found;
  }
  if (spec.getKeysAndFlags !== undefined) return spec.getKeysAndFlags(argv);
  if (spec.getKeys !== undefined) {
    // Redis' own getkeys procs that don't say flags (genericGetKeys: EVAL, FCALL, ZUNION, LMPOP...)
    // report none; a command Redis lacks gets the flags of its legacy spec.
    const flags = spec.meta !== undefined ? NO_FLAGS : spec.flags.includes('write') ? FLAGS_BY_LEGACY_WRITE : FLAGS_BY_LEGACY_READ;
    return spec.getKeys(argv).map((index) => ({ index, flags }));
  }
  return [];
}

/** Redis' getKeysUsingKeySpecs; null on an invalid or unknown spec. */
function keysFromSpecs(specs: readonly KeySpec[], arity: number, argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const ks of specs) {
    if (ks.flags.includes('not_key')) continue;
    let first: number;
    if (ks.bs === 'unknown') return null;
    if ('index' in ks.bs) first = ks.bs.index;
    else {
      const { keyword, startfrom } = ks.bs;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      const incr = startfrom > 0 ? 1 : -1;
      first = 0;
      for (let i = start; i !== end + incr; i += incr) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    }
    let last: number;
    let step: number;
    if (ks.fk === 'unknown') return null;
    if ('range' in ks.fk) {
      const [lastkey, keystep, limit] = ks.fk.range;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit <= 1) last = argc + lastkey;
      else last = first + Math.floor((argc - first) / limit) + lastkey;
      step = keystep;
    } else {
      const [keynumidx, firstkey, keystep] = ks.fk.keynum;
      if (first + keynumidx >= argc) return null;
      const text = argv[first + keynumidx];
      if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
      const numkeys = Number(text);
      if (numkeys < 0) return null;
      first += firstkey;
      last = first + numkeys * keystep - 1;
      step = keystep;
      if (numkeys > 0 && last >= argc) return null;
    }
    for (let i = first; i <= last; i += step) {
      // Commands of variable arity get no arity check at dispatch: their handler reports the error.
      if (i >= argc || i < first) {
        if (arity < 0) break;
        return null;
      }
      out.push({ index: i, flags: ks.flags });
    }
    // An incomplete spec may have missed keys: the command's own function finds them (MIGRATE ... KEYS).
    if (ks.flags.includes('incomplete')) return null;
  }
  return out;
}
