import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { AccountTokenKind } from '../store/repos/accounts.js';
import type { HashedPassword, UserDirectory, UserRow } from '../domain/users.js';
import type { LoginThrottle } from '../domain/throttle.js';
import { passwordProblem, type PasswordPolicy } from '../domain/password-policy.js';
import type { EndedLogout, LogoutService } from '../logout/logout-service.js';
import type { Mailer } from '../email/mailer.js';
import type { MailMessage, MailTemplates } from '../email/messages.js';
import { digest, randomToken } from '../util/crypto.js';
import { AlreadyExists, FormError, readEmail, readFields, readName } from './forms.js';
import { BackgroundJobs, atLeast } from './uniform.js';

export interface AccountServiceDeps {
  store: Store;
  users: UserDirectory;
  logout: Pick<LogoutService, 'endUserSessions'>;
  throttle: Pick<LoginThrottle, 'begin' | 'succeeded'>;
  mailer: Mailer;
  templates: MailTemplates;
  now: () => number;
  log: FastifyBaseLogger;
  issuer: string;
  signup: Config['signup'];
  settings: Config['accounts'];
}

/** Answer to a form whose outcome must not depend on whether the email is registered. */
export type UniformOutcome =
  { kind: 'sent'; email: string } | { kind: 'throttled'; retryAfterSeconds: number };

/** What a mailed link leads to. */
export type LinkState =
  { state: 'valid'; user: UserRow; kind: AccountTokenKind } | { state: 'used' | 'expired' | 'unknown' };

export type SetPasswordOutcome =
  { kind: 'changed'; user: UserRow; ended: EndedLogout[] } | { kind: 'used' | 'expired' | 'unknown' };

export type VerifyOutcome = 'verified' | 'already_verified' | 'used' | 'expired' | 'unknown';

/** Whether this person may start a change; the key is the thing being asked about (an email, never a secret). */
type Throttled = { kind: 'throttled'; retryAfterSeconds: number };

/**
 * Self-service accounts: sign-up with email verification, password reset by a mailed single-use link,
 * invitations, and the one way a password changes (which ends the user's other sessions through the logout
 * path, reason `password_changed`).
 *
 * Enumeration: every answer that takes an email address (sign-up, forgot password, resend) is the same page
 * after the same time whether or not the address is registered. The address is looked up only in background
 * work the answer does not wait for, and the answer waits for `accounts.response_floor_ms`.
 */
export class AccountService {
  readonly jobs: BackgroundJobs;

  constructor(private readonly d: AccountServiceDeps) {
    this.jobs = new BackgroundJobs(d.log);
  }

  get policy(): PasswordPolicy {
    return { minLength: this.d.settings.password_min_length, maxLength: this.d.settings.password_max_length };
  }

  get signupMode(): Config['signup'] {
    return this.d.signup;
  }

  /** The reason this password is refused for this user, or undefined. */
  passwordProblem(password: string, user: Partial<Pick<UserRow, 'username' | 'email' | 'name'>> = {}) {
    return passwordProblem(password, this.policy, user);
  }

  // ---- mailed links -------------------------------------------------------------------------------------

  private linkUrl(kind: AccountTokenKind, token: string): string {
    return `${this.d.issuer}/account/${kind}/${token}`;
  }

  private ttl(kind: AccountTokenKind): number {
    const s = this.d.settings;
    return kind === 'verify' ? s.verify_ttl : kind === 'reset' ? s.reset_ttl : s.invite_ttl;
  }

  /** A new single-use link; only its digest is stored. */
  private async issueLink(kind: AccountTokenKind, user: UserRow, email: string): Promise<string> {
    const token = randomToken(32);
    const now = this.d.now();
    await this.d.store.accounts.insertToken({
      digest: digest(token),
      kind,
      user_id: user.id,
      email,
      created_at: now,
      expires_at: now + this.ttl(kind) * 1000,
      used_at: null,
    });
    return this.linkUrl(kind, token);
  }

  private async mail(message: MailMessage): Promise<void> {
    await this.d.mailer.send(message);
  }

  /** What a reset or invitation link leads to (GET of the set-password page: does not use it up). */
  async inspectLink(kind: 'reset' | 'invite', token: string): Promise<LinkState> {
    const found = await this.d.store.accounts.lookupToken(digest(token), kind, this.d.now());
    if (found.state !== 'valid') return { state: found.state };
    const user = await this.d.store.users.findById(found.row.user_id);
    if (!user || user.disabled) return { state: 'unknown' };
    return { state: 'valid', user, kind };
  }

  private async throttle(what: string, email: string, ip: string): Promise<Throttled | undefined> {
    const verdict = await this.d.throttle.begin(`${what}:${email}`, ip, this.d.now());
    return verdict.allowed ? undefined : { kind: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  }

  // ---- password reset -----------------------------------------------------------------------------------

  /** "Forgot password": mail a reset link if the address belongs to an active account; answer the same anyway. */
  requestReset(body: unknown, ip: string): Promise<UniformOutcome> {
    return atLeast(this.d.settings.response_floor_ms, async () => {
      const email = readEmail(readFields(body, { email: { label: 'Email', max: 320 } }).email);
      const throttled = await this.throttle('reset', email, ip);
      if (throttled) return throttled;
      this.jobs.run('reset', async () => {
        const user = await this.d.store.users.findByEmail(email);
        if (!user || user.disabled || !user.email) return;
        const url = await this.issueLink('reset', user, email);
        await this.mail(this.d.templates.resetPassword(user.email, user.name, url, this.ttl('reset')));
      });
      return { kind: 'sent', email };
    });
  }

  /**
   * Set a new password through a reset or invitation link. The password is hashed first, so a refusal for lack of
   * hashing slots leaves the link usable; then the link is used up (one of two parallel submissions wins); proving
   * access to the mailbox also verifies the address.
   */
  async setPasswordWithLink(
    kind: 'reset' | 'invite',
    token: string,
    body: unknown,
  ): Promise<SetPasswordOutcome> {
    const link = await this.inspectLink(kind, token);
    if (link.state !== 'valid') return { kind: link.state };
    const form = readFields(body, {
      password: { label: 'Password', max: 4096 },
      confirm: { label: 'Password confirmation', max: 4096 },
    });
    await this.checkNewPassword(form.password, form.confirm, link.user);
    const hashed = await this.d.users.hashNew(form.password!);
    const now = this.d.now();
    if (!(await this.d.store.accounts.consumeToken(digest(token), kind, now))) return { kind: 'used' };
    if (link.user.email && !link.user.email_verified) await this.markVerified(link.user);
    const ended = await this.changePassword(link.user, hashed, { initiator: 'user' });
    return { kind: 'changed', user: link.user, ended };
  }

  private async checkNewPassword(password: string | undefined, confirm: string | undefined, user: UserRow) {
    if (!password) throw new FormError('password', 'Enter a new password.');
    const problem = await this.passwordProblem(password, user);
    if (problem) throw new FormError('password', problem);
    if (confirm !== undefined && confirm !== password) {
      throw new FormError('confirm', 'The two passwords are not the same.');
    }
  }

  /**
   * The one way a password changes (reset, invitation, the account page, the admin API, the CLI): the new hash is
   * stored, outstanding reset and invitation links die, and every session of the user but `keepSid` ends through
   * the logout path with reason `password_changed` (every participant app is told), together with all their
   * refresh tokens.
   */
  async changePassword(
    user: UserRow,
    password: string | HashedPassword,
    o: {
      initiator: 'user' | 'admin';
      keepSid?: string | undefined;
      adminClientId?: string | null | undefined;
    },
  ): Promise<EndedLogout[]> {
    await this.d.users.setPassword(user.id, password);
    await this.d.store.accounts.retireTokens(user.id, ['reset', 'invite'], this.d.now());
    return this.d.logout.endUserSessions(user.id, {
      reason: 'password_changed',
      initiator: o.initiator,
      initiatorClientId: o.adminClientId ?? undefined,
      keepSid: o.keepSid,
      revokeOffline: true,
      revokeUserTokens: { userId: user.id, keepSid: o.keepSid },
    });
  }

  /**
   * A signed-in user changes their password: the current one is checked under the login throttle (it is a
   * password guess like any other), then every other session ends. This session stays.
   */
  async changeOwnPassword(
    user: UserRow,
    sid: string,
    body: unknown,
    ip: string,
  ): Promise<{ kind: 'changed'; ended: EndedLogout[] } | Throttled> {
    const form = readFields(body, {
      current: { label: 'Current password', max: 4096 },
      password: { label: 'New password', max: 4096 },
      confirm: { label: 'Password confirmation', max: 4096 },
    });
    if (!form.current) throw new FormError('current', 'Enter your current password.');
    const verdict = await this.d.throttle.begin(user.username, ip, this.d.now());
    if (!verdict.allowed) return { kind: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    if (!(await this.d.users.authenticate(user.username, form.current))) {
      throw new FormError('current', 'The current password is not correct.');
    }
    await this.d.throttle.succeeded(user.username, ip);
    await this.checkNewPassword(form.password, form.confirm, user);
    const ended = await this.changePassword(user, form.password!, { initiator: 'user', keepSid: sid });
    return { kind: 'changed', ended };
  }

  private async markVerified(user: UserRow): Promise<void> {
    await this.d.store.users.update(user.id, { email_verified: true, updated_at: this.d.now() });
    this.d.users.forget(user.id);
  }

  // ---- lifecycle (admin API and CLI) ----------------------------------------------------------------------

  /**
   * Invite a person: an account whose password nobody knows, and a mailed set-password link (`invite_ttl`).
   * Setting the password through the link also verifies the address. An address or username already taken is a
   * FormError (the caller is an admin: no enumeration concern).
   */
  async invite(body: unknown): Promise<UserRow> {
    const form = readFields(body, {
      email: { label: 'Email', max: 320 },
      name: { label: 'Name', max: 800 },
      username: { label: 'Username', max: 200 },
    });
    const email = readEmail(form.email);
    const name = readName(form.name, 'optional');
    const username = form.username?.trim() || email;
    if (/\p{Cc}/u.test(username))
      throw new FormError('username', 'The username must not contain control characters.');
    const taken =
      (await this.d.store.users.findByEmail(email)) ?? (await this.d.store.users.findByUsername(username));
    if (taken) throw new AlreadyExists('email', 'A user with this email address or username exists.');
    let user: UserRow;
    try {
      user = await this.d.users.create({
        username,
        email,
        name,
        password: randomToken(32),
        email_verified: false,
      });
    } catch (e) {
      // Two invitations of the same person at once: the other one created the account and mails the link.
      if (await this.d.store.users.findByUsername(username)) {
        throw new AlreadyExists('email', 'A user with this email address or username exists.');
      }
      throw e;
    }
    const url = await this.issueLink('invite', user, email);
    await this.mail(this.d.templates.invite(email, user.name, url, this.ttl('invite'), this.d.issuer));
    return user;
  }

  /**
   * Delete an account: its sessions end first through the logout path (reason `account_deleted`, every
   * participant app told, refresh tokens revoked), then its personal data is removed (store/repos/accounts.ts
   * `forgetUser`). Logout records keep the opaque user id, so the deletion itself stays readable to admins.
   */
  async deleteUser(
    user: UserRow,
    o: { initiator: 'admin' | 'user'; adminClientId?: string | null | undefined },
  ): Promise<EndedLogout[]> {
    const ended = await this.d.logout.endUserSessions(user.id, {
      reason: 'account_deleted',
      initiator: o.initiator,
      initiatorClientId: o.adminClientId ?? undefined,
      revokeOffline: true,
      revokeUserTokens: { userId: user.id },
    });
    await this.d.store.accounts.forgetUser(user.id);
    this.d.users.forget(user.id);
    return ended;
  }

  /** What a user may change about themself (`PATCH /api/v1/me`): the display name. */
  async updateProfile(user: UserRow, body: unknown): Promise<UserRow> {
    const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const unknown = Object.keys(record).filter((k) => k !== 'name');
    if (unknown.length) {
      throw new FormError(
        unknown[0]!,
        `${unknown[0]} cannot be changed here; only name can (an address change needs a verification flow)`,
      );
    }
    // null clears the name, like an empty string.
    const { name } = readFields(record.name === null ? { name: '' } : record, {
      name: { label: 'Name', max: 800 },
    });
    const clean = readName(name, 'optional') ?? null;
    const now = this.d.now();
    await this.d.store.users.update(user.id, { name: clean, updated_at: now });
    this.d.users.forget(user.id);
    return { ...user, name: clean, updated_at: now };
  }

  // ---- sign-up and verification -------------------------------------------------------------------------

  /**
   * Open sign-up. The form is checked in full (email, allowed domain, name, password policy) before anything
   * else; then the answer is "check your email" whether the address is new (account created, verification
   * mailed) or taken (its owner gets a mail offering a reset).
   */
  signUp(body: unknown, ip: string): Promise<UniformOutcome> {
    return atLeast(this.d.settings.response_floor_ms, async () => {
      const form = readFields(body, {
        email: { label: 'Email', max: 320 },
        name: { label: 'Name', max: 800 },
        password: { label: 'Password', max: 4096 },
        confirm: { label: 'Password confirmation', max: 4096 },
      });
      const email = readEmail(form.email);
      const domains = this.d.settings.allowed_email_domains.map((d) => d.toLowerCase());
      if (domains.length && !domains.includes(email.slice(email.lastIndexOf('@') + 1))) {
        throw new FormError('email', `Sign-up is open to addresses at ${domains.join(', ')} only.`);
      }
      const name = readName(form.name, this.d.settings.name);
      const candidate = { username: email, email, name: name ?? null, email_verified: false } as UserRow;
      await this.checkNewPassword(form.password, form.confirm, candidate);
      const throttled = await this.throttle('signup', email, ip);
      if (throttled) return throttled;
      // Hashed here, not in the job: with no hashing slot free the person hears it now, form in hand, instead of
      // being told to check an inbox no mail will reach. Taken or new address alike, so the timing tells nothing.
      const password = await this.d.users.hashNew(form.password!);
      this.jobs.run('signup', async () => {
        const existing =
          (await this.d.store.users.findByEmail(email)) ?? (await this.d.store.users.findByUsername(email));
        if (existing) {
          if (existing.disabled || !existing.email) return;
          const url = await this.issueLink('reset', existing, email);
          await this.mail(this.d.templates.alreadyRegistered(email, existing.name, url, this.ttl('reset')));
          return;
        }
        let user: UserRow;
        try {
          user = await this.d.users.create({ username: email, password, email, name, email_verified: false });
        } catch (e) {
          // A double submission created it a moment ago: that one mails the link.
          if (await this.d.store.users.findByUsername(email)) return;
          throw e;
        }
        const url = await this.issueLink('verify', user, email);
        await this.mail(this.d.templates.verifyEmail(email, user.name, url, this.ttl('verify')));
      });
      return { kind: 'sent', email };
    });
  }

  /** "Resend the link": a new verification mail if the address has an unverified account; same answer anyway. */
  resendVerification(body: unknown, ip: string): Promise<UniformOutcome> {
    return atLeast(this.d.settings.response_floor_ms, async () => {
      const email = readEmail(readFields(body, { email: { label: 'Email', max: 320 } }).email);
      const throttled = await this.throttle('verify', email, ip);
      if (throttled) return throttled;
      this.jobs.run('resend', async () => {
        const user = await this.d.store.users.findByEmail(email);
        if (!user || user.disabled || user.email_verified || !user.email) return;
        const url = await this.issueLink('verify', user, email);
        await this.mail(this.d.templates.verifyEmail(user.email, user.name, url, this.ttl('verify')));
      });
      return { kind: 'sent', email };
    });
  }

  /** Follow a verification link. A second click is told the address is already confirmed. */
  async verifyEmail(token: string): Promise<VerifyOutcome> {
    const now = this.d.now();
    const found = await this.d.store.accounts.lookupToken(digest(token), 'verify', now);
    if (found.state === 'expired' || found.state === 'unknown') return found.state;
    const user = await this.d.store.users.findById(found.row.user_id);
    // The link confirms the address it was sent to; if the account's address changed since, it confirms nothing.
    const sameAddress = user?.email?.toLowerCase() === found.row.email;
    if (found.state === 'used') return user?.email_verified && sameAddress ? 'already_verified' : 'used';
    if (!(await this.d.store.accounts.consumeToken(found.row.digest, 'verify', now))) return 'used';
    if (!user || !sameAddress) return 'unknown';
    if (!user.email_verified) await this.markVerified(user);
    return 'verified';
  }

  /** Whether this user may sign in as far as email verification goes (`accounts.unverified_sign_in`). */
  maySignIn(user: UserRow): boolean {
    return this.d.settings.unverified_sign_in || !user.email || user.email_verified;
  }
}
