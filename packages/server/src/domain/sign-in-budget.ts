import type { Store } from '../store/store.js';
import type { ThrottleVerdict } from './throttle.js';

export interface SignInBudgetPolicy {
  /** Sign-in pages one client address may open per window before anyone signs in. */
  maxPages: number;
  windowSeconds: number;
}

/**
 * Every sign-in page an unauthenticated `GET /authorize` opens is a stored interaction (any process must be able
 * to finish it). Without a bound, one script could fill the database with them. Each client address may open at
 * most `maxPages` per window; beyond that the request is refused before anything is stored (the counter is one
 * row per address, in the same table as the login throttle).
 */
export class SignInBudget {
  constructor(
    private readonly store: Store,
    private readonly policy: SignInBudgetPolicy,
  ) {}

  private static key(ip: string) {
    return `pages:${ip}`;
  }

  /** Take one page from the address's budget, or say how long until it has room again. */
  async take(ip: string, now: number): Promise<ThrottleVerdict> {
    const windowMs = this.policy.windowSeconds * 1000;
    const row = await this.store.throttle.bump(SignInBudget.key(ip), now, windowMs);
    if (row.failures <= this.policy.maxPages) return { allowed: true };
    const until = row.window_started_at + windowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
  }
}
