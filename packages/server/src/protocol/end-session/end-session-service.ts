import type { SessionRow } from '../../domain/sessions.js';
import type { EndedLogout, LogoutOptions } from '../../logout/logout-service.js';
import type { SessionPlan } from '../../logout/plan.js';
import { OAuthError, invalidRequest } from '../errors.js';
import type { InteractionService } from '../interaction-service.js';
import { loginHintFor } from '../../domain/browser-accounts.js';
import { accountNamedByHints } from './check-logout-hint.js';
import { readEndSessionRequest, type EndSessionChecks } from './end-session-request.js';
import type { AfterResponse } from '../../util/after-response.js';

/** What the end_session service needs, and nothing more. */
export interface EndSessionDeps extends EndSessionChecks {
  /** The browser's live SSO sessions, current first (expired ones are ended on the way). */
  browserSessions(cookie: string | undefined): Promise<SessionRow[]>;
  interactions: InteractionService;
  logout: {
    plan(sessions: readonly SessionRow[]): Promise<SessionPlan[]>;
    endSessions(sessions: readonly SessionRow[], opts: LogoutOptions): Promise<EndedLogout[]>;
  };
  displayName(userId: string): Promise<string>;
  /** Name and username, for the account chooser. */
  describeUser(userId: string): Promise<{ name: string; username: string }>;
  /** `logout.require_id_token_hint`: refuse instead of asking when there is no valid hint. */
  requireIdTokenHint: boolean;
}

/** The account chooser: several accounts here and no hint naming one. */
export interface ChooseLogoutView {
  interactionId: string;
  csrf: string;
  accounts: { value: string; name: string; username: string; apps: string[] }[];
  lang?: string | undefined;
}

export interface ConfirmLogoutView {
  interactionId: string;
  csrf: string;
  userName: string;
  apps: string[];
  lang?: string | undefined;
}

/** What the route renders. */
export type EndSessionOutcome =
  /** No session here (logout is idempotent): go to the validated target, or say so (with the note, if any). */
  | {
      kind: 'nothing_to_end';
      target?: string | undefined;
      note?: string | undefined;
      lang?: string | undefined;
    }
  /**
   * Ended (one account, or every account of the browser): render the receipt (it follows `target` when done, if
   * there is one). Each ended logout has its account's name for the receipt.
   */
  | {
      kind: 'ended';
      ended: { ended: EndedLogout; title: string }[];
      target?: string | undefined;
      lang?: string | undefined;
    }
  /** No proof of intent: ask first (CSRF-protected). */
  | { kind: 'confirm'; view: ConfirmLogoutView }
  /** Several accounts and nothing naming one: ask which (CSRF-protected), or all. */
  | { kind: 'choose'; view: ChooseLogoutView }
  /** The user chose to stay signed in. */
  | { kind: 'kept'; userName: string };

const expiredForm = () =>
  new OAuthError('invalid_request', 'this sign-out page has expired or was not sent from this provider', 403);

/**
 * RP-Initiated Logout 1.0, top to bottom: read and check the request, find the session, and either end it (proof
 * of intent), refuse (`require_id_token_hint`), or ask. Ending goes through the one logout path.
 */
export class EndSessionService {
  constructor(private readonly deps: EndSessionDeps) {}

  async request(
    source: unknown,
    cookie: string | undefined,
    lang: (uiLocales: string | undefined) => string | undefined,
    deliverAfter?: AfterResponse,
  ): Promise<EndSessionOutcome> {
    const d = this.deps;
    const req = await readEndSessionRequest(source, d);
    const pageLang = lang(req.uiLocales);
    const accounts = (await d.browserSessions(cookie)).map((session) => ({
      session,
      loginHint: loginHintFor(session),
    }));
    if (accounts.length === 0)
      return { kind: 'nothing_to_end', target: req.target, note: req.redirectNote, lang: pageLang };
    const named = accountNamedByHints(accounts, {
      idTokenHint: req.hint,
      logoutHint: req.logoutHint,
      clientId: req.client?.id,
    });
    const how = {
      clientId: req.client?.id,
      target: req.target,
      note: req.redirectNote,
      lang: pageLang,
      federated: req.federated,
      deliverAfter,
    };
    if (named.kind === 'named') return this.end([named.account.session], how);
    if (d.requireIdTokenHint) {
      throw invalidRequest(
        'this provider requires id_token_hint on logout requests; sign out from the application',
      );
    }
    // No proof that this browser's user meant to sign out (a cross-site GET must not log anyone out): ask. With
    // several accounts, ask which; a hint that names no account here never picks one on its own.
    const sessions = accounts.map((a) => a.session);
    const it = await d.interactions.open('logout', {
      sid: sessions[0]!.sid,
      ...(sessions.length > 1 ? { sids: sessions.map((x) => x.sid) } : {}),
      clientId: req.client?.id,
      redirectTo: req.target,
      redirectNote: req.redirectNote,
      lang: pageLang,
      federated: req.federated,
    });
    const plans = await d.logout.plan(sessions);
    const appsOf = (sid: string) =>
      plans.find((x) => x.session.sid === sid)?.participants.map((x) => x.clientName) ?? [];
    if (sessions.length > 1) {
      const shown = [];
      for (const a of accounts) {
        const who = await d.describeUser(a.session.user_id);
        shown.push({ value: a.loginHint, ...who, apps: appsOf(a.session.sid) });
      }
      return {
        kind: 'choose',
        view: { interactionId: it.id, csrf: it.csrf, accounts: shown, lang: pageLang },
      };
    }
    return {
      kind: 'confirm',
      view: {
        interactionId: it.id,
        csrf: it.csrf,
        userName: await d.displayName(sessions[0]!.user_id),
        apps: appsOf(sessions[0]!.sid),
        lang: pageLang,
      },
    };
  }

  /**
   * The confirmation (or chooser) form: single use, CSRF-checked, and only for sessions it was shown for that are
   * still this browser's. `account` is the chosen account's hint, or `all`; the plain confirmation sends none.
   */
  async confirm(
    form: {
      interaction?: string | undefined;
      csrf?: string | undefined;
      confirm?: string | undefined;
      account?: string | undefined;
    },
    cookie: string | undefined,
    deliverAfter?: AfterResponse,
  ): Promise<EndSessionOutcome> {
    const d = this.deps;
    const it = await d.interactions.fromForm(form, ['logout'] as const);
    if (!it) throw expiredForm();
    const live = await d.browserSessions(cookie);
    const first = await d.interactions.take(it);
    const p = it.payload;
    if (form.confirm !== 'yes') {
      if (!live[0]) return { kind: 'nothing_to_end', lang: p.lang };
      return { kind: 'kept', userName: await d.displayName(live[0].user_id) };
    }
    const shown = new Set(p.sids ?? [p.sid]);
    const chosen = live.filter(
      (s) =>
        shown.has(s.sid) &&
        (form.account === 'all' ||
          (form.account === undefined ? s.sid === p.sid : loginHintFor(s) === form.account)),
    );
    if (!first || chosen.length === 0) {
      return { kind: 'nothing_to_end', target: p.redirectTo, note: p.redirectNote, lang: p.lang };
    }
    return this.end(chosen, {
      clientId: p.clientId,
      target: p.redirectTo,
      note: p.redirectNote,
      lang: p.lang,
      federated: p.federated ?? false,
      deliverAfter,
    });
  }

  private async end(
    sessions: SessionRow[],
    o: {
      clientId?: string | undefined;
      target?: string | undefined;
      note?: string | undefined;
      lang?: string | undefined;
      federated?: boolean;
      /** The page that renders the receipt: deliveries start once it is sent. */
      deliverAfter?: AfterResponse | undefined;
    },
  ): Promise<EndSessionOutcome> {
    // An app asked (hint or client_id): reason `rp`. Nobody identified: the user signed out at the provider.
    const byApp = o.clientId !== undefined;
    const [ended, titles] = await Promise.all([
      this.deps.logout.endSessions(sessions, {
        reason: byApp ? 'rp' : 'user',
        initiator: byApp ? 'rp' : 'user',
        initiatorClientId: o.clientId,
        redirectTo: o.target,
        redirectNote: o.note,
        browserPresent: true,
        federated: o.federated ?? false,
        deliverAfter: o.deliverAfter,
      }),
      // The receipt's titles, read beside the logout rather than after it (on PostgreSQL a round trip's wait less).
      Promise.all(sessions.map((s) => this.deps.displayName(s.user_id))),
    ]);
    if (ended.length === 0) return { kind: 'nothing_to_end', target: o.target, note: o.note, lang: o.lang };
    const titled = ended.map((e) => {
      const i = sessions.findIndex((s) => s.sid === e.sid);
      return { ended: e, title: i >= 0 ? titles[i]! : 'This device' };
    });
    return { kind: 'ended', ended: titled, target: o.target, lang: o.lang };
  }
}
