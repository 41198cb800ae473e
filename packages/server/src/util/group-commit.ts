/**
 * Group commit: callers add items one at a time and each gets its own result, but the items are written in
 * batches, one `commit` call (one transaction) for everything that arrived while the previous batch was being
 * written. A burst of N items costs a few transactions instead of N, with no timer and no added latency when
 * items come one by one (the first item of a quiet period is committed on the next turn of the event loop).
 *
 * If a batch's commit throws, every item in it is rejected with that error; callers retry as they would a
 * single write.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  /** @param commit writes a batch and returns one result per item, in order */
  constructor(private readonly commit: (items: T[]) => Promise<R[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const results = await this.commit(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i] as R));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.flushing = false;
  }
}
