import type { SessionRow } from '../../domain/sessions.js';
import type { EndedLogout, LogoutOptions } from '../../logout/logout-service.js';
import type { SessionPlan } from '../../logout/plan.js';
import { OAuthError, invalidRequest } from '../errors.js';
import type { InteractionService } from '../interaction-service.js';
import { hintProvesIntent } from './proof-of-intent.js';
import { readEndSessionRequest, type EndSessionChecks } from './end-session-request.js';

/** What the end_session service needs, and nothing more. */
export interface EndSessionDeps extends EndSessionChecks {
  /** The live SSO session behind this browser's cookie (an expired one is ended on the way). */
  currentSession(cookie: string | undefined): Promise<SessionRow | undefined>;
  interactions: InteractionService;
  logout: {
    plan(sessions: readonly SessionRow[]): Promise<SessionPlan[]>;
    endSessions(sessions: readonly SessionRow[], opts: LogoutOptions): Promise<EndedLogout[]>;
  };
  displayName(userId: string): Promise<string>;
  /** `logout.require_id_token_hint`: refuse instead of asking when there is no valid hint. */
  requireIdTokenHint: boolean;
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
  /** Ended: render the receipt (it follows `target` when done, if there is one). */
  | { kind: 'ended'; ended: EndedLogout; target?: string | undefined; lang?: string | undefined }
  /** No proof of intent: ask first (CSRF-protected). */
  | { kind: 'confirm'; view: ConfirmLogoutView }
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
  ): Promise<EndSessionOutcome> {
    const d = this.deps;
    const req = await readEndSessionRequest(source, d);
    const pageLang = lang(req.uiLocales);
    const session = await d.currentSession(cookie);
    if (!session)
      return { kind: 'nothing_to_end', target: req.target, note: req.redirectNote, lang: pageLang };
    if (hintProvesIntent(req.hint, session)) {
      return this.end(session, {
        clientId: req.client?.id,
        target: req.target,
        note: req.redirectNote,
        lang: pageLang,
        federated: req.federated,
      });
    }
    if (d.requireIdTokenHint) {
      throw invalidRequest(
        'this provider requires id_token_hint on logout requests; sign out from the application',
      );
    }
    // No proof that this browser's user meant to sign out: ask (a cross-site GET must not log anyone out).
    const it = await d.interactions.open('logout', {
      sid: session.sid,
      clientId: req.client?.id,
      redirectTo: req.target,
      redirectNote: req.redirectNote,
      lang: pageLang,
      federated: req.federated,
    });
    const [plan] = await d.logout.plan([session]);
    return {
      kind: 'confirm',
      view: {
        interactionId: it.id,
        csrf: it.csrf,
        userName: await d.displayName(session.user_id),
        apps: plan?.participants.map((x) => x.clientName) ?? [],
        lang: pageLang,
      },
    };
  }

  /** The confirmation form: single use, CSRF-checked, and only for the session it was shown for. */
  async confirm(
    form: { interaction?: string | undefined; csrf?: string | undefined; confirm?: string | undefined },
    cookie: string | undefined,
  ): Promise<EndSessionOutcome> {
    const d = this.deps;
    const it = await d.interactions.fromForm(form, ['logout'] as const);
    if (!it) throw expiredForm();
    const session = await d.currentSession(cookie);
    const first = await d.interactions.take(it);
    const p = it.payload;
    if (form.confirm !== 'yes') {
      if (!session) return { kind: 'nothing_to_end', lang: p.lang };
      return { kind: 'kept', userName: await d.displayName(session.user_id) };
    }
    if (!first || !session || session.sid !== p.sid) {
      return { kind: 'nothing_to_end', target: p.redirectTo, note: p.redirectNote, lang: p.lang };
    }
    return this.end(session, {
      clientId: p.clientId,
      target: p.redirectTo,
      note: p.redirectNote,
      lang: p.lang,
      federated: p.federated ?? false,
    });
  }

  private async end(
    session: SessionRow,
    o: {
      clientId?: string | undefined;
      target?: string | undefined;
      note?: string | undefined;
      lang?: string | undefined;
      federated?: boolean;
    },
  ): Promise<EndSessionOutcome> {
    // An app asked (hint or client_id): reason `rp`. Nobody identified: the user signed out at the provider.
    const byApp = o.clientId !== undefined;
    const [ended] = await this.deps.logout.endSessions([session], {
      reason: byApp ? 'rp' : 'user',
      initiator: byApp ? 'rp' : 'user',
      initiatorClientId: o.clientId,
      redirectTo: o.target,
      redirectNote: o.note,
      browserPresent: true,
      federated: o.federated ?? false,
    });
    if (!ended) return { kind: 'nothing_to_end', target: o.target, note: o.note, lang: o.lang };
    return { kind: 'ended', ended, target: o.target, lang: o.lang };
  }
}
