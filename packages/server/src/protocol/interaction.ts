import type { Provider } from '../provider.js';
import type { SessionRow, SessionService } from '../domain/sessions.js';
import type { InteractionRow } from '../store/repos/interactions.js';
import { safeEqual, randomToken } from '../util/crypto.js';
import { OAuthError } from './errors.js';
import type { BrowserContext, InteractionPayload } from './authorize.js';

export interface LoadedInteraction {
  row: InteractionRow;
  payload: InteractionPayload;
}

export type LoginResult =
  | { kind: 'retry'; status: number; message: string; retryAfterSeconds?: number }
  | ({ kind: 'authenticated'; browserState: string } & Awaited<ReturnType<SessionService['signIn']>>);

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
  constructor(private readonly p: Provider) {}

  /** Load an interaction of one of `kinds`, bound to this browser; `row.kind` says which it is. */
  async load(
    id: string,
    boundId: string | undefined,
    ...kinds: ('login' | 'consent')[]
  ): Promise<LoadedInteraction> {
    if (!boundId || !safeEqual(id, boundId)) throw expired();
    const row = await this.p.store.interactions.find(id, this.p.now());
    if (!row || !(kinds as string[]).includes(row.kind)) throw expired();
    return { row, payload: JSON.parse(row.payload) as InteractionPayload };
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
    if (!(await this.p.store.interactions.take(interaction.row.id))) throw expired();
  }

  async login(
    interaction: LoadedInteraction,
    form: { username: string; password: string; rememberMe: boolean },
    browser: BrowserContext,
  ): Promise<LoginResult> {
    const p = this.p;
    const ip = browser.ip ?? 'unknown';
    const attempt = await p.throttle.checkPassword(form.username, ip, p.now(), () =>
      p.users.authenticate(form.username, form.password),
    );
    if (attempt.outcome === 'throttled') {
      return {
        kind: 'retry',
        status: 429,
        message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
        retryAfterSeconds: attempt.retryAfterSeconds,
      };
    }
    if (attempt.outcome === 'wrong')
      return { kind: 'retry', status: 401, message: 'The username or password is not correct.' };
    const user = attempt.value;
    if (!p.accounts.maySignIn(user)) {
      return {
        kind: 'retry',
        status: 403,
        message:
          'Confirm your email address first: follow the link we sent you. No mail? Use "Forgot password?" to get a new link.',
      };
    }
    await this.finish(interaction);

    // Another user's sign-in adds an account to the browser; the same user's re-authenticates theirs (issue 19).
    const signed = await p.sessions.signIn(
      {
        userId: user.id,
        rememberMe: form.rememberMe,
        ip: browser.ip,
        userAgent: browser.userAgent,
        browserCookie: browser.browserCookie,
        accountsCookie: browser.sessionCookie,
      },
      {
        expired: (s) => p.logout.endExpired(s),
        evicted: (sessions) =>
          p.logout.endSessions(sessions, { reason: 'replaced', initiator: 'user', browserPresent: false }),
      },
    );
    return { kind: 'authenticated', ...signed, browserState: randomToken(16) };
  }

  /** Record consent for the scopes of the stored request. */
  async consent(
    interaction: LoadedInteraction,
    session: SessionRow,
    scopes: readonly string[],
  ): Promise<void> {
    await this.finish(interaction);
    const clientId = interaction.payload.raw.client_id;
    if (clientId) await this.p.store.consents.grant(session.user_id, clientId, scopes, this.p.now());
  }
}
