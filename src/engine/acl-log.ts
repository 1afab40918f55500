// ACL LOG (Redis 7.0): the most recent denials, newest first; a denial like one logged in the last
// minute (same reason, context, object and user) bumps that entry's count instead of adding one.
export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';
export type AclLogContext = 'toplevel' | 'multi' | 'lua';

export interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: AclLogContext;
  object: string;
  username: string;
  /** When it was last logged, ms. */
  at: number;
  clientInfo: string;
}

const GROUPING_MS = 60_000;

export class AclLog {
  private entries: AclLogEntry[] = [];

  add(entry: Omit<AclLogEntry, 'count' | 'at'>, maxLen: number): void {
    const now = Date.now();
    const at = this.entries.findIndex(
      (e) => e.reason === entry.reason && e.context === entry.context && e.object === entry.object && e.username === entry.username && now - e.at < GROUPING_MS,
    );
    if (at !== -1) {
      const [old] = this.entries.splice(at, 1);
      old.count++;
      old.at = now;
      old.clientInfo = entry.clientInfo;
      this.entries.unshift(old);
    } else this.entries.unshift({ ...entry, count: 1, at: now });
    this.trim(maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  recent(count: number): readonly AclLogEntry[] {
    return this.entries.slice(0, count);
  }

  reset(): void {
    this.entries = [];
  }
}
