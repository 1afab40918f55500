// A Redis list: latin1 strings in a ring buffer of power-of-two capacity. Push and pop at both ends
// and reading or replacing by index are O(1); inserting or removing inside moves only the shorter
// side; the buffer shrinks as a list drains, so a queue that once held a million items gives the
// memory back (a plain deque keeps its peak capacity).
import { stringBytes } from './values.js';

const MIN_CAPACITY = 8;

/** An element's heap bytes; its buffer slot is counted with the list (values.ts). */
function cost(s: string): number {
  return stringBytes(s.length);
}

function capacityFor(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}

export class ListValue {
  readonly type = 'list' as const;
  bytes = 0;
  private slots: (string | undefined)[];
  private head = 0;
  private size = 0;

  constructor(items: readonly string[] = []) {
    this.slots = new Array<string | undefined>(capacityFor(items.length));
    for (let i = 0; i < items.length; i++) {
      this.slots[i] = items[i];
      this.bytes += cost(items[i]);
    }
    this.size = items.length;
  }

  get length(): number {
    return this.size;
  }

  pushTail(s: string): void {
    if (this.size === this.slots.length) this.resize(this.slots.length * 2);
    this.slots[this.slot(this.size)] = s;
    this.size++;
    this.bytes += cost(s);
  }

  pushHead(s: string): void {
    if (this.size === this.slots.length) this.resize(this.slots.length * 2);
    this.head = this.slot(-1);
    this.slots[this.head] = s;
    this.size++;
    this.bytes += cost(s);
  }

  popHead(): string | undefined {
    if (this.size === 0) return undefined;
    const s = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = this.slot(1);
    this.size--;
    this.bytes -= cost(s);
    this.shrinkIfSparse();
    return s;
  }

  popTail(): string | undefined {
    if (this.size === 0) return undefined;
    const i = this.slot(this.size - 1);
    const s = this.slots[i]!;
    this.slots[i] = undefined;
    this.size--;
    this.bytes -= cost(s);
    this.shrinkIfSparse();
    return s;
  }

  /** The element at a 0-based index from the head; undefined outside [0, length). */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.slots[this.slot(index)];
  }

  /** Replaces the element at an index in [0, length) (LSET). */
  set(index: number, s: string): void {
    const i = this.slot(index);
    this.bytes += cost(s) - cost(this.slots[i]!);
    this.slots[i] = s;
  }

  /** Index of the first element equal to `s`, or -1. */
  indexOf(s: string): number {
    for (let i = 0; i < this.size; i++) if (this.slots[this.slot(i)] === s) return i;
    return -1;
  }

  /** Inserts before the element at `index` (length appends), moving the shorter side by one. */
  insertAt(index: number, s: string): void {
    if (this.size === this.slots.length) this.resize(this.slots.length * 2);
    if (index < this.size / 2) {
      this.head = this.slot(-1);
      for (let i = 0; i < index; i++) this.slots[this.slot(i)] = this.slots[this.slot(i + 1)];
    } else {
      for (let i = this.size; i > index; i--) this.slots[this.slot(i)] = this.slots[this.slot(i - 1)];
    }
    this.slots[this.slot(index)] = s;
    this.size++;
    this.bytes += cost(s);
  }

  /** Drops `n` elements from the head (LTRIM's left cut). */
  dropHead(n: number): void {
    for (let k = 0; k < n; k++) this.popHead();
  }

  /** Drops `n` elements from the tail (LTRIM's right cut). */
  dropTail(n: number): void {
    for (let k = 0; k < n; k++) this.popTail();
  }

  /**
   * Removes elements equal to `s` (LREM): at most `limit` of them (0 = all), scanning from the head
   * or from the tail. One compacting pass; returns how many were removed.
   */
  removeEqual(s: string, limit: number, fromTail: boolean): number {
    let removed = 0;
    let kept = 0;
    const n = this.size;
    for (let k = 0; k < n; k++) {
      const from = fromTail ? n - 1 - k : k;
      const v = this.slots[this.slot(from)]!;
      if (v === s && (limit === 0 || removed < limit)) {
        removed++;
        this.bytes -= cost(v);
        continue;
      }
      if (removed > 0) this.slots[this.slot(fromTail ? n - 1 - kept : kept)] = v;
      kept++;
    }
    if (removed === 0) return 0;
    // The kept elements now fill one end; clear the vacated slots at the other.
    const firstVacated = fromTail ? 0 : kept;
    for (let k = 0; k < removed; k++) this.slots[this.slot(firstVacated + k)] = undefined;
    if (fromTail) this.head = this.slot(removed);
    this.size = kept;
    this.shrinkIfSparse();
    return removed;
  }

  toArray(): string[] {
    const out = new Array<string>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.slots[this.slot(i)]!;
    return out;
  }

  clone(): ListValue {
    return new ListValue(this.toArray());
  }

  encoding(): string {
    return 'quicklist';
  }

  /** Buffer position of a logical index (may be -1 for the slot before the head). */
  private slot(index: number): number {
    return (this.head + index) & (this.slots.length - 1);
  }

  private shrinkIfSparse(): void {
    const capacity = this.slots.length;
    if (capacity > MIN_CAPACITY && this.size <= capacity / 4) this.resize(capacity / 2);
  }

  private resize(capacity: number): void {
    const next = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.slots[this.slot(i)];
    this.slots = next;
    this.head = 0;
  }
}
