// A Redis list: a deque of latin1 strings (denque gives O(1) push/pop at both ends and O(1) index).
import Denque from 'denque';

/** Bytes a list element costs beyond its characters (deque slot and string header). */
const ELEMENT_OVERHEAD = 24;

export class ListValue {
  readonly type = 'list' as const;
  items: Denque<string>;
  bytes = 0;

  constructor(items: readonly string[] = []) {
    this.items = new Denque<string>(items as string[]);
    for (const s of items) this.bytes += s.length + ELEMENT_OVERHEAD;
  }

  get length(): number {
    return this.items.length;
  }

  pushTail(s: string): void {
    this.items.push(s);
    this.bytes += s.length + ELEMENT_OVERHEAD;
  }

  pushHead(s: string): void {
    this.items.unshift(s);
    this.bytes += s.length + ELEMENT_OVERHEAD;
  }

  popHead(): string | undefined {
    const s = this.items.shift();
    if (s !== undefined) this.bytes -= s.length + ELEMENT_OVERHEAD;
    return s;
  }

  popTail(): string | undefined {
    const s = this.items.pop();
    if (s !== undefined) this.bytes -= s.length + ELEMENT_OVERHEAD;
    return s;
  }

  at(index: number): string | undefined {
    return this.items.peekAt(index);
  }

  /** Replaces the whole content (LSET, LINSERT, LREM and LTRIM rebuild through this). */
  replaceAll(items: string[]): void {
    this.items = new Denque<string>(items);
    this.bytes = 0;
    for (const s of items) this.bytes += s.length + ELEMENT_OVERHEAD;
  }

  toArray(): string[] {
    return this.items.toArray();
  }

  clone(): ListValue {
    return new ListValue(this.items.toArray());
  }

  encoding(): string {
    return 'quicklist';
  }
}
