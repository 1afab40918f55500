// A point-in-time view that visits the whole dataset in its first step: exact because nothing runs
// meanwhile, at the cost of blocking the loop for the walk. Used until the forkless snapshot (the
// copy-on-write view of persistence/snapshot) is available to the AOF rewrite.
import type { Database } from '../structures/database.js';
import type { RedisValue } from '../structures/values.js';
import type { PointInTimeView } from './aof-rewrite.js';

export class ImmediateView implements PointInTimeView {
  constructor(private readonly databases: readonly Database[]) {}

  step(_deadline: number, visit: (dbIndex: number, key: string, value: RedisValue, expireAt: number) => void): boolean {
    for (const db of this.databases) for (const e of db.entries()) visit(db.id, e.key, e.value, e.expireAt);
    return true;
  }

  close(): void {}
}
