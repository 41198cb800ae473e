import type { BrowserAccount, SessionRow, SessionService } from '../domain/sessions.js';
import type { Client } from '../domain/clients.js';
import type { LoginThrottle } from '../domain/throttle.js';
import type { UserDirectory } from '../domain/users.js';
import { HashingBusyError } from '../domain/hashing-slots.js';
import { loginHintFor, makeCurrent } from '../domain/browser-accounts.js';
import type { InteractionRow, InteractionsRepo } from '../store/repos/interactions.js';
import type { ConsentsRepo, UserRow } from '../store/repos/users.js';
import type { LogoutService } from '../logout/logout-service.js';
import type { SecondFactors } from '../mfa/second-factors.js';
import type { AccountService } from '../accounts/account-service.js';
import { safeEqual } from '../util/crypto.js';
import { isPendingSignIn } from './pending-sign-ins.js';
import { OAuthError } from './errors.js';
import type { BrowserContext, InteractionPayload, PendingSecondFactor } from './authorize.js';
import { combineAmr, requiredLevel } from '../domain/acr.js';
import { splitScope } from './params.js';
import { secondFactorStep, type SecondFactorStep } from './second-factor-step.js';

/** A login or consent interaction: its stored fields (`row`) and its payload, which the steps of a sign-in update. */
export interface LoadedInteraction {
  row: Omit<InteractionRow, 'payload'>;
  payload: InteractionPayload;
}

/** What the login and consent pages read and call, and only that (provider.ts wires it). */
export interface InteractionsDeps {
  interactions: Pick<InteractionsRepo, 'find' | 'take' | 'update'>;
  now: () => number;
  /** The live session behind the browser's current account (protocol/authorize.ts `currentSession`). */
  currentSession: (cookie: string | undefined) => Promise<SessionRow | undefined>;
  /** The live session `sid` if it is one of this browser's accounts. */
  browserSession: (cookie: string | undefined, sid: string | undefined) => Promise<SessionRow | undefined>;
  findClient: (id: string) => Promise<Client | undefined>;
  throttle: Pick<LoginThrottle, 'checkPassword'>;
  users: Pick<UserDirectory, 'authenticate'>;
  /** The user row as stored now (not a cached one: a disabled user must not sign in a moment longer). */
  findUser: (id: string) => Promise<UserRow | undefined>;
  accounts: Pick<AccountService, 'maySignIn'>;
  secondFactors: Pick<SecondFactors, 'hasAny'>;
  sessions: Pick<SessionService, 'signIn' | 'accounts'>;
  logout: Pick<LogoutService, 'endExpired' | 'endSessions'>;
  consents: Pick<ConsentsRepo, 'grant'>;
}

/** "1 second", "30 seconds": the wait a sign-in page asks for. */
const seconds = (n: number) => (n === 1 ? '1 second' : `${n} seconds`);

/** What a page says when no password hashing slot is free (domain/hashing-slots.ts). */
export const hashingBusyMessage = (retryAfterSeconds: number) =>
  `Many people are signing in right now. Try again in ${seconds(retryAfterSeconds)}.`;

export type LoginResult =
  | { kind: 'retry'; status: number; message: string; retryAfterSeconds?: number }
  /** The password was right; the interaction now awaits the second factor (http/routes/second-factor.ts). */
  | { kind: 'second_factor' }
  | Authenticated;

export type Authenticated = { kind: 'authenticated' } & Awaited<ReturnType<SessionService['signIn']>>;

/** An account on the picker: its session, the value its button sends (its opaque hint), what it shows. */
export interface PickableAccount {
  account: BrowserAccount;
  value: string;
  name: string;
  username: string;
}

const expired = () =>
  new OAuthError(
    'invalid_request',
    'this sign-in page has expired or was already used; start again from the app',
  );

/**
 * Login and consent pages. An interaction is bound to the browser that started it (a cookie holding its id)
 * and every form post carries its CSRF token, so neither can be driven from another site.
 */
export class Interactions {
  constructor(private readonly d: InteractionsDeps) {}

  /**
   * Load an interaction of one of `kinds`, bound to this browser (one of the sign-in pages its interaction cookie
   * lists, protocol/pending-sign-ins.ts); `row.kind` says which it is.
   */
  async load(
    id: string,
    pendingCookie: string | undefined,
    ...kinds: ('login' | 'consent')[]
  ): Promise<LoadedInteraction> {
    if (!isPendingSignIn(pendingCookie, id)) throw expired();
    // Written by AuthorizationFlow.createInteraction with this payload type; the kind check below is what types it.
    const found = await this.d.interactions.find<InteractionPayload>(id, this.d.now());
    if (!found || !(kinds as string[]).includes(found.kind)) throw expired();
    const { payload, ...row } = found;
    return { row, payload };
  }

  /**
   * The user of this sign-in page signed in meanwhile, in another tab (issue 12): the browser's current session
   * was authenticated after the page was opened, so the page goes on to the app instead of asking again (or
   * saying it expired). Undefined while the page still has its own question: a picker, a second factor.
   */
  async signedInMeanwhile(
    interaction: LoadedInteraction,
    browser: BrowserContext,
  ): Promise<SessionRow | undefined> {
    const { row, payload } = interaction;
    if (row.kind !== 'login' || payload.secondFactor || payload.pick) return undefined;
    const session = await this.d.currentSession(browser.sessionCookie);
    return session && session.auth_time >= row.created_at ? session : undefined;
  }

  /**
   * Whether this sign-in page may take a password: the app's `password_login` (docs/federation.md). The account
   * page's own sign-in always may; it belongs to no app.
   */
  async passwordOffered(interaction: LoadedInteraction): Promise<boolean> {
    const clientId = interaction.payload.raw.client_id;
    if (interaction.payload.returnTo || !clientId) return true;
    return (await this.d.findClient(clientId))?.passwordLogin ?? true;
  }

  /** Refuse a password, sign-up or reset form on a page whose app signs in only through its connections. */
  async requirePasswordOffered(interaction: LoadedInteraction): Promise<void> {
    if (!(await this.passwordOffered(interaction))) {
      throw new OAuthError(
        'invalid_request',
        'this app does not take passwords; sign in with one of the options on the sign-in page',
        403,
      );
    }
  }

  checkCsrf(interaction: LoadedInteraction, csrf: string | undefined): void {
    if (!csrf || !safeEqual(csrf, interaction.row.csrf)) {
      throw new OAuthError(
        'invalid_request',
        'the form was not sent from this sign-in page (CSRF check failed)',
        403,
      );
    }
  }

  /** Single use: only the first submission that completes an interaction may continue. */
  async finish(interaction: LoadedInteraction): Promise<void> {
    if (!(await this.d.interactions.take(interaction.row.id))) throw expired();
  }

  async login(
    interaction: LoadedInteraction,
    form: { username: string; password: string; rememberMe: boolean },
    browser: BrowserContext,
  ): Promise<LoginResult> {
    const d = this.d;
    const ip = browser.ip ?? 'unknown';
    let attempt;
    try {
      attempt = await d.throttle.checkPassword(form.username, ip, d.now(), () =>
        d.users.authenticate(form.username, form.password),
      );
    } catch (e) {
      if (!(e instanceof HashingBusyError)) throw e;
      return {
        kind: 'retry',
        status: 503,
        message: hashingBusyMessage(e.retryAfterSeconds),
        retryAfterSeconds: e.retryAfterSeconds,
      };
    }
    if (attempt.outcome === 'throttled') {
      return {
        kind: 'retry',
        status: 429,
        message: `Too many failed attempts. Try again in ${seconds(attempt.retryAfterSeconds)}.`,
        retryAfterSeconds: attempt.retryAfterSeconds,
      };
    }
    if (attempt.outcome === 'wrong')
      return { kind: 'retry', status: 401, message: 'The username or password is not correct.' };
    const user = attempt.value;
    if (!d.accounts.maySignIn(user)) {
      return {
        kind: 'retry',
        status: 403,
        message:
          'Confirm your email address first: follow the link we sent you. No mail? Use "Forgot password?" to get a new link.',
      };
    }
    const pending = { userId: user.id, amr: ['pwd'], rememberMe: form.rememberMe };
    if ((await this.secondFactorStep(interaction, user.id)) !== 'none') {
      await this.awaitSecondFactor(interaction, pending);
      return { kind: 'second_factor' };
    }
    await this.finish(interaction);
    return this.establish(pending, browser);
  }

  /**
   * A passkey verified by its user stood in for the password (and the second factor: possession plus PIN or
   * biometrics, docs/mfa.md): sign in as the user it names, if that user may sign in.
   */
  async signInWithPasskey(
    interaction: LoadedInteraction,
    userId: string,
    methods: readonly string[],
    browser: BrowserContext,
  ): Promise<Exclude<LoginResult, { kind: 'second_factor' }>> {
    const user = await this.d.findUser(userId);
    if (!user || user.disabled) {
      return { kind: 'retry', status: 403, message: 'This account is disabled. Ask your administrator.' };
    }
    if (!this.d.accounts.maySignIn(user)) {
      return {
        kind: 'retry',
        status: 403,
        message: 'Confirm your email address first: follow the link we sent you.',
      };
    }
    await this.finish(interaction);
    return this.establish({ userId, amr: combineAmr(methods), rememberMe: false }, browser);
  }

  /** What follows the password for this user in this interaction (protocol/second-factor-step.ts). */
  async secondFactorStep(interaction: LoadedInteraction, userId: string): Promise<SecondFactorStep> {
    const raw = interaction.payload.raw;
    const client = raw.client_id ? await this.d.findClient(raw.client_id) : undefined;
    const policy = client?.mfa ?? 'optional';
    const level = requiredLevel(splitScope(raw.acr_values), policy);
    return secondFactorStep(level, policy, await this.d.secondFactors.hasAny(userId));
  }

  /** Keep the first factor's result in the stored interaction until the second factor is given. */
  async awaitSecondFactor(interaction: LoadedInteraction, pending: PendingSecondFactor): Promise<void> {
    interaction.payload = { ...interaction.payload, secondFactor: pending };
    await this.d.interactions.update(interaction.row.id, interaction.payload);
  }

  /**
   * The second factor was given (`methods`, e.g. `otp`): finish the interaction and sign in — or, for a step-up,
   * re-authenticate the very session that asked (same sid and participants, new auth_time and amr).
   */
  async completeSecondFactor(
    interaction: LoadedInteraction,
    pending: PendingSecondFactor,
    methods: readonly string[],
    browser: BrowserContext,
  ): Promise<Authenticated> {
    await this.finish(interaction);
    const user = await this.d.findUser(pending.userId);
    if (!user || user.disabled) throw expired();
    const amr = combineAmr(pending.amr, methods);
    if (pending.sid) {
      // A step-up: the session that asked must still be one of the browser's accounts (issue 19: not
      // necessarily the current one). Signing in as its user re-authenticates that very session.
      const asked = await this.d.browserSession(browser.sessionCookie, pending.sid);
      if (!asked) {
        throw new OAuthError('invalid_request', 'your sign-in session changed; start again from the app');
      }
    }
    return this.establish({ ...pending, amr }, browser);
  }

  /**
   * Start (or renew) the SSO session of a user who has just authenticated with `amr`. Another user's sign-in
   * adds an account to the browser; the same user's re-authenticates theirs (issue 19).
   */
  private async establish(
    signedIn: { userId: string; amr: string[]; rememberMe: boolean },
    browser: BrowserContext,
  ): Promise<Authenticated> {
    const d = this.d;
    const signed = await d.sessions.signIn(
      {
        userId: signedIn.userId,
        rememberMe: signedIn.rememberMe,
        ip: browser.ip,
        userAgent: browser.userAgent,
        browserCookie: browser.browserCookie,
        accountsCookie: browser.sessionCookie,
        amr: signedIn.amr,
      },
      {
        expired: (s) => d.logout.endExpired(s),
        evicted: (sessions) =>
          d.logout.endSessions(sessions, { reason: 'replaced', initiator: 'user', browserPresent: false }),
      },
    );
    return { kind: 'authenticated', ...signed };
  }

  /** The browser's accounts as the picker shows them, current first (issue 19). */
  async pickerAccounts(browser: BrowserContext): Promise<PickableAccount[]> {
    const d = this.d;
    const accounts = await d.sessions.accounts(browser.sessionCookie, (s) => d.logout.endExpired(s));
    const out: PickableAccount[] = [];
    for (const account of accounts) {
      const user = await d.findUser(account.userId);
      if (!user) continue;
      out.push({
        account,
        value: loginHintFor(account.session),
        name: user.name ?? user.username,
        username: user.username,
      });
    }
    return out;
  }

  /**
   * The picker's choice (an account's opaque hint): single use, and only an account of this browser. The chosen
   * account becomes current; undefined when the value names no account here (the caller shows the picker again).
   */
  async pick(
    interaction: LoadedInteraction,
    value: string | undefined,
    browser: BrowserContext,
  ): Promise<{ session: SessionRow; accounts: BrowserAccount[] } | undefined> {
    const choices = await this.pickerAccounts(browser);
    const chosen = choices.find((c) => c.value === value);
    if (!chosen) return undefined;
    await this.finish(interaction);
    const accounts = makeCurrent(
      choices.map((c) => c.account),
      chosen.account.secret,
    );
    return { session: chosen.account.session, accounts };
  }

  /** Record consent for the scopes of the stored request. */
  async consent(
    interaction: LoadedInteraction,
    session: SessionRow,
    scopes: readonly string[],
  ): Promise<void> {
    await this.finish(interaction);
    const clientId = interaction.payload.raw.client_id;
    if (clientId) await this.d.consents.grant(session.user_id, clientId, scopes, this.d.now());
  }
}
