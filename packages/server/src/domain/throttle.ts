import type { Store } from '../store/store.js';
import { HashingBusyError } from './hashing-slots.js';

export interface ThrottlePolicy {
  accountMaxFailures: number;
  accountLockSeconds: number;
  /** Consecutive account failures are forgotten after this long without attempts (and after the last lock). */
  accountQuietSeconds?: number;
  ipMaxFailures: number;
  ipWindowSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The outcome of one password check made through {@link LoginThrottle.checkPassword}. */
export type PasswordAttempt<T> =
  { outcome: 'ok'; value: T } | { outcome: 'wrong' } | { outcome: 'throttled'; retryAfterSeconds: number };

const DEFAULT_QUIET_MS = 86_400_000;
const MAX_LOCK_MS = 3_600_000;

/**
 * The one limiter for every password check (login form, `me/changePassword`, password reset, step-up), per
 * account and per IP, in the store so every process counts the same attempts. Call {@link checkPassword}; the
 * lower-level {@link begin} / {@link succeeded} pair is what it is made of.
 *
 * An attempt is counted *before* the password is checked (and taken back when it succeeds), so parallel guesses
 * cannot all slip through between a check and a recorded failure. Per account: after `accountMaxFailures`
 * failures in a row the account is locked for `accountLockSeconds`, doubling with each further counted attempt
 * (at most an hour). A lock is a delay, never a denial: once it has expired, the next attempt is checked (one
 * attempt per expired lock, however many arrive at once), and the right password signs in and starts the account
 * afresh; a wrong one locks it again for twice as long. Failures are forgotten after `accountQuietSeconds`
 * without attempts, counted from the end of the last lock. Per IP: at most `ipMaxFailures` failed attempts in a
 * window of `ipWindowSeconds`. Attempts made while locked are refused without being counted. An admin can lift an
 * account's lock at once with {@link unlock}.
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

  /**
   * Check a password under the limiter: `check` runs only when the account and the IP may try now, and returns
   * the signed-in value (e.g. the user) or undefined for a wrong password.
   *
   * @param account the account the password belongs to, as the user typed it (compared case-insensitively)
   * @param ip the client address (`request.ip`, which honours `trust_proxy`)
   */
  async checkPassword<T>(
    account: string,
    ip: string,
    now: number,
    check: () => Promise<T | undefined>,
  ): Promise<PasswordAttempt<T>> {
    return this.attempt(LoginThrottle.accountKey(account), ip, now, check);
  }

  /**
   * Check a second-factor code (TOTP or recovery code) under the same rules as a password, counted per account
   * apart from password failures: a stolen password cannot be used to lock the owner out of their codes, nor
   * the reverse.
   */
  async checkSecondFactor<T>(
    userId: string,
    ip: string,
    now: number,
    check: () => Promise<T | undefined>,
  ): Promise<PasswordAttempt<T>> {
    return this.attempt(`mfa:${userId}`, ip, now, check);
  }

  private async attempt<T>(
    aKey: string,
    ip: string,
    now: number,
    check: () => Promise<T | undefined>,
  ): Promise<PasswordAttempt<T>> {
    const verdict = await this.beginKey(aKey, ip, now);
    if (!verdict.allowed) return { outcome: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    let value: T | undefined;
    try {
      value = await check();
    } catch (e) {
      // Refused before any password was checked (no hashing slot free): the attempt counted above is taken back.
      if (e instanceof HashingBusyError) await this.takeBack(aKey, ip);
      throw e;
    }
    // A failure was already counted by begin(); a success takes its attempt back.
    if (value === undefined) return { outcome: 'wrong' };
    await this.succeededKey(aKey, ip);
    return { outcome: 'ok', value };
  }

  /** Count an attempt and say whether its password may be checked at all. */
  begin(username: string, ip: string, now: number): Promise<ThrottleVerdict> {
    return this.beginKey(LoginThrottle.accountKey(username), ip, now);
  }

  private async beginKey(aKey: string, ip: string, now: number): Promise<ThrottleVerdict> {
    const p = this.policy;
    const keys = { account: aKey, ip: LoginThrottle.ipKey(ip) };
    const windows = {
      windowMs: p.ipWindowSeconds * 1000,
      quietMs: (p.accountQuietSeconds ?? DEFAULT_QUIET_MS / 1000) * 1000,
    };
    // Counted only while neither the account nor the address is locked (one statement reads and counts).
    let counted = await this.store.throttle.countAttempt(keys, now, windows);
    if (!counted) {
      const lockedUntil = await this.lockedUntil(keys);
      if (lockedUntil > now) return refuse(lockedUntil, now);
      // The lock was lifted between the two statements (an unlock, a success): count the attempt after all.
      counted = await this.store.throttle.countAttempt(keys, now, windows);
      if (!counted) return refuse(Math.max(await this.lockedUntil(keys), now), now);
    }
    const { account: a, ip: i } = counted;
    if (a.failures > p.accountMaxFailures) {
      const over = a.failures - p.accountMaxFailures - 1;
      const until = now + Math.min(p.accountLockSeconds * 1000 * 2 ** over, MAX_LOCK_MS);
      // The count leaves the lock as it found it: none, one that has expired, or (on PostgreSQL, if another
      // process took the expired lock meanwhile) a live one, which this attempt must not take over.
      const expired = a.locked_until;
      // The one attempt an expired lock grants: it locks again first (so parallel attempts are refused), and
      // its password is checked; a success clears the lock.
      if (expired > 0 && expired <= now) {
        if (await this.store.throttle.claimExpiredLock(aKey, expired, until)) return this.ipVerdict(i, now);
      }
      await this.store.throttle.lock(aKey, until);
      return refuse(until, now);
    }
    return this.ipVerdict(i, now);
  }

  /** The later of the account's and the address's locks (0: neither is locked). */
  private async lockedUntil(keys: { account: string; ip: string }): Promise<number> {
    const rows = await this.store.throttle.getMany([keys.account, keys.ip]);
    return Math.max(0, ...rows.map((r) => r.locked_until));
  }

  private async ipVerdict(
    i: { key: string; failures: number; window_started_at: number },
    now: number,
  ): Promise<ThrottleVerdict> {
    if (i.failures <= this.policy.ipMaxFailures) return { allowed: true };
    const until = i.window_started_at + this.policy.ipWindowSeconds * 1000;
    await this.store.throttle.lock(i.key, until);
    return refuse(until, now);
  }

  /** The password was right: the account starts afresh and the attempt does not count against the IP. */
  succeeded(username: string, ip: string): Promise<void> {
    return this.succeededKey(LoginThrottle.accountKey(username), ip);
  }

  private async takeBack(aKey: string, ip: string): Promise<void> {
    await this.store.throttle.unbump(aKey);
    await this.store.throttle.unbump(LoginThrottle.ipKey(ip));
  }

  private async succeededKey(aKey: string, ip: string): Promise<void> {
    await this.store.throttle.forgive(aKey, LoginThrottle.ipKey(ip));
  }

  /** Lift the second-factor lock of a user and forget its failures (admin factor reset). */
  async unlockSecondFactor(userId: string): Promise<void> {
    await this.store.throttle.clear(`mfa:${userId}`);
  }

  /**
   * Until when an account is locked (ms), for people deciding whether to unlock it: its password lock (by
   * username) and its second-factor lock (by user id); undefined when not locked now.
   */
  async locks(
    username: string,
    userId: string,
    now: number,
  ): Promise<{ password: number | undefined; secondFactor: number | undefined }> {
    const [a, m] = await Promise.all([
      this.store.throttle.get(LoginThrottle.accountKey(username)),
      this.store.throttle.get(`mfa:${userId}`),
    ]);
    const live = (t: number | undefined) => (t !== undefined && t > now ? t : undefined);
    return { password: live(a?.locked_until), secondFactor: live(m?.locked_until) };
  }

  /** Lift an account's lock and forget its failures (admin API and `adieu user unlock`). */
  async unlock(username: string): Promise<void> {
    await this.store.throttle.clear(LoginThrottle.accountKey(username));
  }
}

function refuse(until: number, now: number): ThrottleVerdict {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}
