/**
 * Group commit: commits that arrive while one is being written wait for it, then go to disk
 * together in the next write (one transaction, one fsync), so N concurrent commits cost about
 * two fsyncs instead of N. A commit that arrives when nothing is being written starts at once:
 * a lone commit waits for nothing.
 *
 * Every caller learns its own outcome only after the write holding its item finished, so
 * nothing is acknowledged before it is durable. When a write of several items fails, each is
 * written again on its own: one bad item costs only its own caller.
 */
export class GroupCommit<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  /** `write` takes a batch and returns one outcome per item, in order. */
  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 512,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: GroupCommit<I, O>['queue']): Promise<void> {
    try {
      const out = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const one of batch) await this.writeBatch([one]);
    }
  }
}
