import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Too many password hashes are already running or waiting: this one was not started. Answered 503 with
 * Retry-After (a sign-in page says so and keeps the form); no password was checked, so a sign-in attempt refused
 * this way is not counted as a failure.
 */
export class HashingBusyError extends Error {
  /** Seconds after which trying again is likely to be admitted. */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('too many password checks are running; try again in a moment');
    this.name = 'HashingBusyError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * How many password hashes may run at once by default: one core fewer than the machine has (at least one), so a
 * sign-in storm leaves a core to the event loop, and at most one fewer than libuv's thread pool, which scrypt,
 * Argon2id and the token signatures share: with every pool thread in a 300 ms hash, a token request's 0.3 ms
 * signature would wait behind them all.
 */
export function defaultHashConcurrency(
  cores = availableParallelism(),
  poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4,
): number {
  return Math.max(1, Math.min(cores - 1, poolThreads - 1));
}

/**
 * The slots password hashing runs in (scrypt and Argon2id, checking and making hashes alike). A hash costs tens
 * to hundreds of milliseconds of CPU on purpose; unbounded, a burst of sign-ins takes every core and every thread
 * of the pool from the requests that need only a signature (issue 18, "Concurrency"). At most `concurrency` run
 * at once and the rest wait in order of arrival; a hash that would wait longer than `maxWaitMs` (judged from how
 * long recent hashes took) is refused at once with {@link HashingBusyError}: a person is better told to try again
 * in a moment than left looking at a spinning button, and the queue cannot grow without bound.
 *
 * @example
 * const slots = new HashingSlots({ concurrency: 1, maxWaitMs: 10_000 });
 * const hash = await slots.run(() => hashPassword(password, policy));
 */
export class HashingSlots {
  private readonly limit: LimitFunction;
  private readonly maxWaitMs: number;
  private readonly onRefused: (() => void) | undefined;
  private readonly clock: () => number;
  /** Moving average of how long a hash took (ms); undefined until one has finished. */
  private averageMs: number | undefined;

  constructor(options: {
    concurrency: number;
    maxWaitMs: number;
    onRefused?: () => void;
    /** Milliseconds, for timing hashes (tests pass their own). */
    clock?: () => number;
  }) {
    this.limit = pLimit(options.concurrency);
    this.maxWaitMs = options.maxWaitMs;
    this.onRefused = options.onRefused;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** Run `hash` in a slot, after those before it; rejects with HashingBusyError when the wait would be too long. */
  run<T>(hash: () => Promise<T>): Promise<T> {
    const wait = this.expectedWaitMs();
    if (wait > this.maxWaitMs) {
      this.onRefused?.();
      return Promise.reject(new HashingBusyError(Math.min(30, Math.max(1, Math.ceil(wait / 2000)))));
    }
    return this.limit(async () => {
      const started = this.clock();
      try {
        return await hash();
      } finally {
        const took = this.clock() - started;
        this.averageMs = this.averageMs === undefined ? took : this.averageMs * 0.8 + took * 0.2;
      }
    });
  }

  /** Hashes running now and waiting now (metrics, tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.limit.activeCount, waiting: this.limit.pendingCount };
  }

  /** How long a hash asked for now would wait for a slot: 0 while one is free. */
  private expectedWaitMs(): number {
    const { activeCount, pendingCount, concurrency } = this.limit;
    if (activeCount < concurrency || this.averageMs === undefined) return 0;
    return ((pendingCount + 1) * this.averageMs) / concurrency;
  }
}
