import type { FastifyBaseLogger } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { logBackgroundFailure } from '../store/unavailable.js';

/**
 * Run `fn` and answer no sooner than `floorMs` after the start. Together with doing the email-dependent work in
 * the background, this keeps the answer's timing the same for registered and unknown addresses.
 */
export async function atLeast<T>(floorMs: number, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    const left = floorMs - (performance.now() - start);
    if (left > 0) await sleep(left);
  }
}

/**
 * Work started by a request but not awaited by it (looking an email up, creating the account, sending mail), so
 * the answer cannot depend on it. Failures are logged; `drain()` lets a stopping provider finish it.
 */
export class BackgroundJobs {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: FastifyBaseLogger) {}

  run(name: string, fn: () => Promise<void>): void {
    const job: Promise<void> = Promise.resolve()
      .then(fn)
      .catch((err: unknown) =>
        logBackgroundFailure(this.log, err, `${name} failed`, { event: `accounts.${name}` }),
      )
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** Resolves when every job started so far has finished (tests and shutdown). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
