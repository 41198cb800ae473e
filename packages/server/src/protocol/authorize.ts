import type { SignInBudget } from '../domain/sign-in-budget.js';
import type { Client } from '../domain/clients.js';
import type { BrowserAccount, SessionRow, SessionService } from '../domain/sessions.js';
import { accountBrowserState, loginHintFor } from '../domain/browser-accounts.js';
import { selectAccount, type AccountChoice, type SelectableAccount } from './select-account.js';
import type { ConsentsRepo, UserRow } from '../store/repos/users.js';
import type { InteractionsRepo } from '../store/repos/interactions.js';
import type { TokensRepo } from '../store/repos/tokens.js';
import type { TokenSigner } from './jwt.js';
import { digest, randomToken } from '../util/crypto.js';
import {
  parseAuthorizationRequest,
  RedirectableError,
  type AuthorizationRequest,
  type RawAuthorizationParams,
} from './authorization-request.js';
import { OAuthError, loginRequired } from './errors.js';
import { clientResponse, type ClientResponse } from './responses.js';
import { sessionState } from './session-state.js';
import { stepUpNeed } from './second-factor-step.js';
import { parseAmr } from '../domain/acr.js';
import { mustNameAccountFirst } from './check-returning-app.js';

export interface BrowserContext {
  sessionCookie?: string | undefined;
  /** The long-lived browser cookie (http/browser-cookies.ts): new sessions record its digest. */
  browserCookie?: string | undefined;
  ip: string | null;
  userAgent: string | null;
}

/**
 * A sign-in that awaits its second factor: who proved what so far. For a step-up, `sid` names the session that
 * gains the factor (it keeps its sid and participants). Kept in the stored interaction, never in the browser.
 */
export interface PendingSecondFactor {
  userId: string;
  amr: string[];
  rememberMe: boolean;
  sid?: string | undefined;
  /** TOTP enrolment in progress (the sealed secret), for a user who must set up a factor while signing in. */
  enrolment?: string | undefined;
  /** Set once a factor was set up here: the recovery codes page continues the sign-in. */
  enrolled?: boolean | undefined;
  /**
   * What the factor set up here proved, added to the session's methods when the sign-in continues: the new
   * passkey's (`hwk`/`swk`, `user`); absent for an authenticator app (`otp`).
   */
  enrolledMethods?: string[] | undefined;
}

export interface InteractionPayload {
  raw: RawAuthorizationParams;
  /** After the password, or for a step-up: the second factor still to come. */
  secondFactor?: PendingSecondFactor | undefined;
  /** For consent: the session that is already authenticated. */
  sid?: string;
  /** A provider page (the account page) to return to after login, instead of an authorization request. */
  returnTo?: '/account' | '/account/password' | '/account/two-step/totp' | '/account/two-step/passkey';
  /** Show the account picker first (several accounts, or prompt=select_account). */
  pick?: boolean;
  /**
   * The sid of the account an app that already took part in it comes back to: its page names the account
   * ("Continuing as Alice… Not you?") before the app gets a code (protocol/check-returning-app.ts).
   */
  confirmAccount?: string;
}

/** What prompt=none hears when it cannot continue (OIDC Core §3.1.2.6). */
const SILENT_ERRORS = {
  login_required: 'the user is not signed in (prompt=none)',
  account_selection_required:
    'several accounts are signed in here; send login_hint or id_token_hint to name one',
} as const;

export type AuthorizeOutcome =
  { kind: 'respond'; response: ClientResponse } | { kind: 'interaction'; interactionId: string };

/** How long a user may take on the login or consent page. */
const INTERACTION_TTL_MS = 30 * 60_000;

/** What the authorization endpoint needs, and only that (not the whole provider). */
export interface AuthorizeDeps {
  findClient: (id: string) => Promise<Client | undefined>;
  /** Whether ID tokens can be signed with this alg (keys.algorithms): a client asking for another is refused. */
  offersAlg: (alg: string) => boolean;
  sessions: Pick<
    SessionService,
    'current' | 'accounts' | 'join' | 'touch' | 'participantWriteDue' | 'participantWritten'
  >;
  /** End a session found past its limits, through the logout path (its apps hear of it). */
  endExpired: (session: SessionRow) => Promise<unknown>;
  signer: Pick<TokenSigner, 'verifyOwn'>;
  consents: Pick<ConsentsRepo, 'find'>;
  interactions: Pick<InteractionsRepo, 'insert' | 'find'>;
  codes: Pick<TokensRepo, 'insertCode'>;
  findSession: (sid: string) => Promise<SessionRow | undefined>;
  /** Whether the client already got tokens in the session (an app coming back to it). */
  isParticipant: (sid: string, clientId: string) => Promise<boolean>;
  findUser: (id: string) => Promise<UserRow | undefined>;
  /** A user row that may be a few seconds old: enough to match a typed login_hint against names. */
  findUserCached: (id: string) => Promise<UserRow | undefined>;
  now: () => number;
  issuer: string;
  /** Authorization code lifetime, seconds. */
  codeTtl: number;
  /** Bounds the sign-in pages (stored interactions) one client address may open. */
  signInBudget: Pick<SignInBudget, 'take'>;
  /** Whether the user has a passkey (only a passkey reaches urn:adieu:phr). */
  hasPasskey: (userId: string) => Promise<boolean>;
}

/**
 * The authorization endpoint's decisions (OIDC Core §3.1.2): is there a live session, must the user
 * (re-)authenticate or consent, and if not, issue a code bound to the session, the client, the redirect URI and
 * the PKCE challenge.
 *
 * About 400 lines because it is the one decision of the endpoint, read top to bottom in the spec's order; its
 * parts with rules of their own already live beside it (authorization-request.ts, second-factor-step.ts,
 * pending-sign-ins.ts, domain/browser-accounts.ts).
 */
export class AuthorizationFlow {
  constructor(private readonly deps: AuthorizeDeps) {}

  async start(source: unknown, browser: BrowserContext): Promise<AuthorizeOutcome> {
    const { request, raw } = await parseAuthorizationRequest(source, this.deps);
    const accounts = await this.deps.sessions.accounts(browser.sessionCookie, this.deps.endExpired);
    try {
      const choice = await this.chooseAccount(request, accounts);
      if (choice.kind === 'use' && !this.tooOld(request, choice.account.session)) {
        return await this.continueAs(request, raw, choice.account.session, 'arriving');
      }
      if (choice.kind === 'error') throw new OAuthError(choice.error, SILENT_ERRORS[choice.error]);
      if (request.prompt.has('none')) throw loginRequired('the user is not signed in (prompt=none)');
      if (choice.kind === 'pick') {
        return {
          kind: 'interaction',
          interactionId: await this.createInteraction('login', { raw, pick: true }),
        };
      }
      await this.checkSignInBudget(browser);
      return { kind: 'interaction', interactionId: await this.createInteraction('login', { raw }) };
    } catch (e) {
      if (e instanceof OAuthError) throw this.redirectable(request, e);
      throw e;
    }
  }

  /**
   * Which account of the browser the request is for (protocol/select-account.ts). Usernames and emails are read
   * only for a login_hint that is not one of the accounts' opaque hints, so silent SSO stays one lookup.
   */
  private async chooseAccount(
    request: AuthorizationRequest,
    accounts: readonly BrowserAccount[],
  ): Promise<AccountChoice<BrowserAccount & SelectableAccount>> {
    const selectable = accounts.map((a) => ({ ...a, loginHint: loginHintFor(a.session) }));
    const hint = request.loginHint;
    if (hint !== undefined && !selectable.some((a) => a.loginHint === hint)) {
      for (const a of selectable) {
        const user = await this.deps.findUserCached(a.userId);
        (a as SelectableAccount).names = [user?.username, user?.email].filter((n): n is string => !!n);
      }
    }
    const hintedSubject = request.idTokenHint ? await this.hintedSubject(request.idTokenHint) : undefined;
    return selectAccount(selectable, { prompt: request.prompt, loginHint: hint, hintedSubject });
  }

  /** OIDC Core §3.1.2.1 max_age: the session's authentication is older than the app accepts. */
  private tooOld(request: AuthorizationRequest, session: SessionRow): boolean {
    return request.maxAge !== undefined && this.deps.now() - session.auth_time > request.maxAge * 1000;
  }

  /**
   * The browser's session continues to the app: a second factor first when the app asks for a level this
   * sign-in has not reached (step-up); else, for a request just `arriving` from an app that took part in the
   * session already, the page naming the account (protocol/check-returning-app.ts); then consent and the code.
   */
  private async continueAs(
    request: AuthorizationRequest,
    raw: RawAuthorizationParams,
    session: SessionRow,
    arriving?: 'arriving',
  ): Promise<AuthorizeOutcome> {
    const amr = parseAmr(session.amr);
    const need = stepUpNeed(amr, request.level);
    if (need === 'yes' || (need === 'if-passkey' && (await this.deps.hasPasskey(session.user_id)))) {
      if (request.prompt.has('none')) {
        throw new OAuthError(
          'interaction_required',
          `this app asks for a stronger sign-in (${request.level})`,
        );
      }
      const secondFactor = {
        userId: session.user_id,
        amr,
        rememberMe: session.remember_me,
        sid: session.sid,
      };
      return {
        kind: 'interaction',
        interactionId: await this.createInteraction('login', { raw, secondFactor }),
      };
    }
    // A step-up's second factor proves who is at the browser; without one, the account is named first.
    const asked = { prompt: request.prompt, clientId: request.client.id };
    if (arriving && (await mustNameAccountFirst(asked, session.sid, this.deps.isParticipant))) {
      return {
        kind: 'interaction',
        interactionId: await this.createInteraction('login', { raw, confirmAccount: session.sid }),
      };
    }
    return this.afterAuthentication(request, raw, session);
  }

  /**
   * The person chose the account (on the picker, or "Continue" on the page naming it): the stored request
   * continues as that account (step-up included).
   */
  async continueAsPicked(payload: InteractionPayload, session: SessionRow): Promise<AuthorizeOutcome> {
    const { request, raw } = await parseAuthorizationRequest(payload.raw, this.deps);
    return this.answeringTheApp(request, () => this.continueAs(request, raw, session));
  }

  /**
   * An unauthenticated request stores a sign-in page; each client address has a bounded number of them
   * (domain/sign-in-budget.ts). Over budget, the app hears `temporarily_unavailable` (RFC 6749 §4.1.2.1).
   */
  private async checkSignInBudget(browser: BrowserContext): Promise<void> {
    const verdict = await this.deps.signInBudget.take(browser.ip ?? 'unknown', this.deps.now());
    if (!verdict.allowed) {
      throw new OAuthError(
        'temporarily_unavailable',
        `too many sign-in pages were opened from this address; try again in ${verdict.retryAfterSeconds} seconds`,
      );
    }
  }

  /** Resume the stored request after login/consent: the request is validated again (the client may have changed). */
  async resume(payload: InteractionPayload, session: SessionRow): Promise<AuthorizeOutcome> {
    const { request, raw } = await parseAuthorizationRequest(payload.raw, this.deps);
    return this.answeringTheApp(request, () => this.afterAuthentication(request, raw, session));
  }

  /** A stored request resumed: its errors go back to the app (its redirect_uri was validated again). */
  private async answeringTheApp<T>(request: AuthorizationRequest, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (e instanceof OAuthError) throw this.redirectable(request, e);
      throw e;
    }
  }

  /** The user refused (cancelled login or consent): access_denied to the validated redirect URI. */
  async deny(payload: InteractionPayload): Promise<ClientResponse> {
    const { request } = await parseAuthorizationRequest(payload.raw, this.deps);
    throw this.redirectable(request, new OAuthError('access_denied', 'the user cancelled the request'));
  }

  private redirectable(request: AuthorizationRequest, e: OAuthError): RedirectableError {
    return new RedirectableError(e, {
      redirectUri: request.redirectUri,
      responseMode: request.responseMode,
      state: request.state,
    });
  }

  /** The live session `sid` if it is one of this browser's accounts (consent continues in the session it began). */
  async browserSession(cookie: string | undefined, sid: string | undefined): Promise<SessionRow | undefined> {
    const accounts = await this.deps.sessions.accounts(cookie, this.deps.endExpired);
    return accounts.find((a) => a.session.sid === sid)?.session;
  }

  /** The live session behind the cookie; an expired one is ended through the logout path right here. */
  async currentSession(cookie: string | undefined): Promise<SessionRow | undefined> {
    return this.deps.sessions.current(cookie, this.deps.endExpired);
  }

  private async hintedSubject(hint: string): Promise<string | undefined> {
    try {
      const claims = await this.deps.signer.verifyOwn(hint, { allowExpired: true, nowMs: this.deps.now() });
      return claims.sub;
    } catch {
      return undefined;
    }
  }

  private async afterAuthentication(
    request: AuthorizationRequest,
    raw: RawAuthorizationParams,
    session: SessionRow,
  ): Promise<AuthorizeOutcome> {
    const needsConsent = await this.needsConsent(request, session);
    if (needsConsent) {
      if (request.prompt.has('none'))
        throw new OAuthError('consent_required', 'the user has not consented yet');
      return {
        kind: 'interaction',
        interactionId: await this.createInteraction('consent', { raw, sid: session.sid }),
      };
    }
    return { kind: 'respond', response: await this.issueCode(request, session) };
  }

  /** Only dynamically registered clients ask for consent; operators vouch for the ones they configure. */
  private async needsConsent(request: AuthorizationRequest, session: SessionRow): Promise<boolean> {
    if (request.client.source !== 'registration') return false;
    if (request.prompt.has('consent')) return true;
    const granted = new Set(await this.deps.consents.find(session.user_id, request.client.id));
    return request.scope.some((s) => !granted.has(s));
  }

  /** Who is asked to consent: the user of the session the consent interaction was started for. */
  async consentingUser(sid: string | undefined): Promise<UserRow | undefined> {
    const session = sid ? await this.deps.findSession(sid) : undefined;
    return session ? this.deps.findUser(session.user_id) : undefined;
  }

  /**
   * The sign-in page of a signed-out visit to the account page (or its password page). A browser reloading the page keeps the pending
   * one its cookie names, so reloads store nothing; a new one is taken from the address's sign-in budget like
   * `GET /authorize`'s, and over the budget the answer is 429 with Retry-After (issue 11 point 9).
   */
  async accountSignIn(
    browser: BrowserContext,
    pendingIds: readonly string[],
    returnTo: NonNullable<InteractionPayload['returnTo']> = '/account',
  ): Promise<string> {
    for (const id of pendingIds) {
      const pending = await this.deps.interactions.find<InteractionPayload>(id, this.deps.now());
      if (pending?.kind === 'login' && pending.payload.returnTo === returnTo) {
        return pending.id;
      }
    }
    const verdict = await this.deps.signInBudget.take(browser.ip ?? 'unknown', this.deps.now());
    if (!verdict.allowed) {
      throw new OAuthError(
        'temporarily_unavailable',
        `too many sign-in pages were opened from this address; try again in ${verdict.retryAfterSeconds} seconds`,
        429,
      ).withHeader('Retry-After', String(verdict.retryAfterSeconds));
    }
    return this.createInteraction('login', { raw: {}, returnTo });
  }

  async createInteraction(kind: 'login' | 'consent', payload: InteractionPayload): Promise<string> {
    const id = randomToken(24);
    const now = this.deps.now();
    await this.deps.interactions.insert({
      id,
      kind,
      payload,
      csrf: randomToken(24),
      created_at: now,
      expires_at: now + INTERACTION_TTL_MS,
    });
    return id;
  }

  private async issueCode(request: AuthorizationRequest, session: SessionRow): Promise<ClientResponse> {
    const now = this.deps.now();
    const code = randomToken(32);
    const { sessions } = this.deps;
    // The client joins the session with its code (one statement on PostgreSQL); join() below then only applies
    // its tighter lifetime, if any.
    const participant = sessions.participantWriteDue(session.sid, request.client.id)
      ? { sid: session.sid, clientId: request.client.id }
      : undefined;
    await this.deps.codes.insertCode(
      {
        code_digest: digest(code),
        client_id: request.client.id,
        user_id: session.user_id,
        sid: session.sid,
        redirect_uri: request.redirectUri,
        scope: request.scope.join(' '),
        nonce: request.nonce ?? null,
        code_challenge: request.codeChallenge ?? null,
        code_challenge_method: request.codeChallenge ? 'S256' : null,
        auth_time: session.auth_time,
        amr: session.amr,
        created_at: now,
        expires_at: now + this.deps.codeTtl * 1000,
        consumed_at: null,
        family_id: null,
        access_jti: null,
        access_expires_at: null,
      },
      participant,
      now,
    );
    if (participant) sessions.participantWritten(participant.sid, participant.clientId);
    await this.deps.sessions.join(session, request.client);
    await this.deps.sessions.touch(session);
    return clientResponse(request.redirectUri, request.responseMode, {
      code,
      state: request.state,
      iss: this.deps.issuer,
      session_state: sessionState(
        request.client.id,
        request.redirectUri,
        accountBrowserState(session.cookie_digest),
      ),
    });
  }
}

export type { Client };
