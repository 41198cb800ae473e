import type { Store } from '../store/store.js';

export interface ThrottlePolicy {
  accountMaxFailures: number;
  accountLockSeconds: number;
  ipMaxFailures: number;
  ipWindowSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Consecutive account failures are forgotten after a day without attempts. */
const ACCOUNT_WINDOW_MS = 86_400_000;
const MAX_LOCK_MS = 3_600_000;

/**
 * Login throttling, per account and per IP, in the store so every process counts the same attempts.
 *
 * An attempt is counted *before* the password is checked (and taken back when it succeeds), so parallel guesses
 * cannot all slip through between a check and a recorded failure. Per account: once more than
 * `accountMaxFailures` attempts have failed in a row, the account is locked for `accountLockSeconds`, doubling
 * with each further failure (at most an hour), until a successful login. Per IP: at most `ipMaxFailures` failed
 * attempts in a window of `ipWindowSeconds`. Attempts made while locked are refused without being counted.
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

  /** Count an attempt and say whether its password may be checked at all. */
  async begin(username: string, ip: string, now: number): Promise<ThrottleVerdict> {
    const p = this.policy;
    const aKey = LoginThrottle.accountKey(username);
    const iKey = LoginThrottle.ipKey(ip);
    const [acct, byIp] = await Promise.all([this.store.throttle.get(aKey), this.store.throttle.get(iKey)]);
    const lockedUntil = Math.max(acct?.locked_until ?? 0, byIp?.locked_until ?? 0);
    if (lockedUntil > now) return refuse(lockedUntil, now);

    const windowMs = p.ipWindowSeconds * 1000;
    const [a, i] = await Promise.all([
      this.store.throttle.bump(aKey, now, ACCOUNT_WINDOW_MS),
      this.store.throttle.bump(iKey, now, windowMs),
    ]);
    if (a.failures > p.accountMaxFailures) {
      const over = a.failures - p.accountMaxFailures - 1;
      const until = now + Math.min(p.accountLockSeconds * 1000 * 2 ** over, MAX_LOCK_MS);
      await this.store.throttle.lock(aKey, until);
      return refuse(until, now);
    }
    if (i.failures > p.ipMaxFailures) {
      const until = i.window_started_at + windowMs;
      await this.store.throttle.lock(iKey, until);
      return refuse(until, now);
    }
    return { allowed: true };
  }

  /** The password was right: the account starts afresh and the attempt does not count against the IP. */
  async succeeded(username: string, ip: string): Promise<void> {
    await this.store.throttle.clear(LoginThrottle.accountKey(username));
    await this.store.throttle.unbump(LoginThrottle.ipKey(ip));
  }
}

function refuse(until: number, now: number): ThrottleVerdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}
