// The bytes of a full sync's payload as they arrive, handed to the RDB loader as an async iterable:
// the replica parses while the master is still sending (into fresh databases, swapped in at the
// end), instead of receiving everything first and loading afterwards.

export class PayloadStream implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  push(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.notify();
  }

  /** The payload is complete. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The link failed: the loader's read rejects, nothing is committed. */
  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const next = this.chunks.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
