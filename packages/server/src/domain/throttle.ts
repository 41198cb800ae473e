import type { Store } from '../store/store.js';

export interface ThrottlePolicy {
  accountMaxFailures: number;
  accountLockSeconds: number;
  ipMaxFailures: number;
  ipWindowSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Login throttling, per account and per IP, in the store so every process counts the same failures.
 * Per account: after `accountMaxFailures` consecutive failures the account is locked for `accountLockSeconds`,
 * doubling with each further failure (capped at one hour), until a successful login. Per IP: at most
 * `ipMaxFailures` failures in a sliding window of `ipWindowSeconds`.
 */
export class LoginThrottle {
  constructor(
    private readonly store: Store,
    private readonly policy: ThrottlePolicy,
  ) {}

  private static accountKey(username: string) {
    return `acct:${username.toLowerCase()}`;
  }
  private static ipKey(ip: string) {
    return `ip:${ip}`;
  }

  async check(username: string, ip: string, now: number): Promise<ThrottleVerdict> {
    const [acct, byIp] = await Promise.all([
      this.store.throttle.get(LoginThrottle.accountKey(username)),
      this.store.throttle.get(LoginThrottle.ipKey(ip)),
    ]);
    const until = Math.max(acct?.locked_until ?? 0, byIp?.locked_until ?? 0);
    if (until > now) return { allowed: false, retryAfterSeconds: Math.ceil((until - now) / 1000) };
    return { allowed: true };
  }

  async recordFailure(username: string, ip: string, now: number): Promise<void> {
    const p = this.policy;
    await this.store.transaction(async (tx) => {
      const aKey = LoginThrottle.accountKey(username);
      const a = await tx.throttle.get(aKey);
      const failures = (a?.failures ?? 0) + 1;
      const over = failures - p.accountMaxFailures;
      const lockMs = over >= 0 ? Math.min(p.accountLockSeconds * 1000 * 2 ** over, 3_600_000) : 0;
      await tx.throttle.put({
        key: aKey,
        failures,
        window_started_at: a?.window_started_at ?? now,
        locked_until: lockMs ? now + lockMs : 0,
      });

      const iKey = LoginThrottle.ipKey(ip);
      const i = await tx.throttle.get(iKey);
      const windowMs = p.ipWindowSeconds * 1000;
      const fresh = !i || now - i.window_started_at > windowMs;
      const ipFailures = fresh ? 1 : i.failures + 1;
      const windowStart = fresh ? now : i.window_started_at;
      await tx.throttle.put({
        key: iKey,
        failures: ipFailures,
        window_started_at: windowStart,
        locked_until: ipFailures >= p.ipMaxFailures ? windowStart + windowMs : 0,
      });
    });
  }

  async recordSuccess(username: string): Promise<void> {
    await this.store.throttle.clear(LoginThrottle.accountKey(username));
  }
}
