// The replication backlog: a ring holding the last repl-backlog-size bytes of the replication
// stream, so a replica that lost its link can continue from its offset (+CONTINUE) instead of a
// full sync. Offsets are Redis': master_repl_offset counts every byte ever fed; the first byte held
// is repl_backlog_first_byte_offset = master_repl_offset - histlen + 1.

export class ReplBacklog {
  private ring: Buffer;
  /** Index in `ring` where the next byte goes. */
  private head = 0;
  /** Bytes held (Redis' repl_backlog_histlen). */
  histlen = 0;

  constructor(size: number, /** master_repl_offset when the backlog was created. */ public offset: number) {
    this.ring = Buffer.allocUnsafe(Math.max(1, size));
  }

  get size(): number {
    return this.ring.length;
  }

  /** Replication offset of the oldest byte held (Redis' repl_backlog_off). */
  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  /** Appends protocol text (latin1, one byte per char), as the encoder produces it. */
  appendLatin1(s: string): void {
    const size = this.ring.length;
    // The common case, written in place: no intermediate buffer per command.
    if (s.length <= size - this.head) {
      this.ring.write(s, this.head, 'latin1');
      this.head = (this.head + s.length) % size;
      this.offset += s.length;
      this.histlen = Math.min(size, this.histlen + s.length);
      return;
    }
    this.append(Buffer.from(s, 'latin1'));
  }

  append(data: Buffer): void {
    const size = this.ring.length;
    this.offset += data.length;
    let src = data;
    // Only the last `size` bytes can survive.
    if (src.length > size) src = src.subarray(src.length - size);
    const first = Math.min(src.length, size - this.head);
    src.copy(this.ring, this.head, 0, first);
    if (first < src.length) src.copy(this.ring, 0, first);
    this.head = (this.head + src.length) % size;
    this.histlen = Math.min(size, this.histlen + data.length);
  }

  /** True when the stream from `offset` (the first byte wanted) on is still held. */
  covers(offset: number): boolean {
    return this.histlen > 0 ? offset >= this.firstByteOffset && offset <= this.offset + 1 : offset === this.offset + 1;
  }

  /** The bytes from replication offset `offset` (first byte wanted) to the end; covers(offset) must hold. */
  readFrom(offset: number): Buffer {
    const count = this.offset + 1 - offset;
    const out = Buffer.allocUnsafe(count);
    const size = this.ring.length;
    const start = (this.head - count + size) % size;
    const first = Math.min(count, size - start);
    this.ring.copy(out, 0, start, start + first);
    if (first < count) this.ring.copy(out, first, 0, count - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: keeps the newest bytes that fit. */
  resize(size: number): void {
    if (size === this.ring.length) return;
    const keep = Math.min(this.histlen, size);
    const tail = this.readFrom(this.offset + 1 - keep);
    this.ring = Buffer.allocUnsafe(Math.max(1, size));
    tail.copy(this.ring, 0);
    this.head = keep % this.ring.length;
    this.histlen = keep;
  }
}
