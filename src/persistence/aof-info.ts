// INFO persistence with the AOF's facts in Redis' order: the aof_* fields take their live values,
// the fields Redis shows only while the AOF is on follow module_fork_last_cow_size, and loading_*
// progress ends the section while the AOF loads.
import type { AppendOnlyFile } from './aof.js';

type Fields = [string, string | number][];

export function withAofFields(base: Fields, aof: AppendOnlyFile): Fields {
  const live = new Map(aof.info());
  const out: Fields = base.map(([k, v]) => [k, live.get(k) ?? v]);
  const at = out.findIndex(([k]) => k === 'module_fork_last_cow_size');
  out.splice(at === -1 ? out.length : at + 1, 0, ...aof.infoWhenEnabled());
  out.push(...aof.loadingInfo());
  return out;
}
