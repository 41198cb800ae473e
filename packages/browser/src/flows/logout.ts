/**
 * The logout flow. Three steps, in this order, whatever the way out:
 * 1. plan: which scope (this app only, or the provider's SSO session too), which way (redirect or popup), where
 *    the provider sends the browser back, and which hints name the session ({@link planLogout},
 *    {@link logoutHints}: pure rules, unit-tested);
 * 2. forget the accounts here, in every tab (before leaving: a logout that never comes back still counts);
 * 3. for a global logout, send the browser to the provider's end_session (RP-Initiated Logout 1.0 §2), by
 *    redirect or in a popup, with a `state` of ours checked on return (`IDP_LOGOUT_CONFIRMED`).
 */
import type { AccountInfo } from '../account.js';
import type { ResolvedConfig } from '../config.js';
import { AdieuError } from '../errors.js';
import { EventType, InteractionType } from '../events.js';
import { newState } from '../interaction.js';
import type { PopupNavigator, RedirectNavigator } from '../navigator.js';
import { endSessionUrl } from '../protocol.js';
import type { LogoutRequest, LogoutResult } from '../requests.js';
import { cachedMatching, type FlowContext } from './context.js';

/** What a logout call will do. */
export interface LogoutPlan {
  scope: 'local' | 'global';
  via: 'redirect' | 'popup';
  interactionType: InteractionType;
  /** Where the provider sends the browser back; `null`: nowhere (its signed-out page stays). */
  postLogoutRedirectUri: string | null;
}

/** Decide scope, way and return address; a popup logout needs somewhere to come back to. */
export function planLogout(
  request: LogoutRequest,
  cfg: Pick<ResolvedConfig, 'postLogoutRedirectUri'>,
): LogoutPlan {
  const scope = request.scope ?? 'global';
  const via = request.via ?? 'redirect';
  const postLogoutRedirectUri =
    request.postLogoutRedirectUri === undefined ? cfg.postLogoutRedirectUri : request.postLogoutRedirectUri;
  if (scope === 'global' && via === 'popup' && !postLogoutRedirectUri) {
    throw new AdieuError('invalid_config', 'a popup logout needs a postLogoutRedirectUri to come back to');
  }
  return {
    scope,
    via,
    interactionType: via === 'popup' ? InteractionType.Popup : InteractionType.Redirect,
    postLogoutRedirectUri,
  };
}

/**
 * The hints that name the session to end: the given ones, else those of the account being signed out.
 * `id_token_hint` is its ID token, `logout_hint` its `login_hint` claim, so the provider ends exactly that
 * account's session without asking. With no account named the call signs out every account of the app: if
 * that is one account, its hints; if several, none, so that the provider asks which of the browser's accounts
 * to sign out, "all of them" included (the active one alone would leave the others signed in at the provider
 * while this app forgets them, the trap of a local-only logout).
 */
export function logoutHints(
  request: Pick<LogoutRequest, 'account' | 'idTokenHint' | 'logoutHint'>,
  accounts: AccountInfo[],
): { idTokenHint: string | undefined; logoutHint: string | undefined } {
  const sessions = new Set(accounts.map((a) => a.sid ?? a.homeAccountId));
  const hint = request.account ?? (sessions.size === 1 ? accounts[0] : undefined);
  return {
    idTokenHint: request.idTokenHint ?? hint?.idToken,
    logoutHint: request.logoutHint ?? hint?.idTokenClaims?.login_hint,
  };
}

export class LogoutFlow {
  constructor(
    private readonly ctx: FlowContext,
    private readonly nav: { redirect: RedirectNavigator; popup: PopupNavigator },
  ) {}

  async logout(request: LogoutRequest): Promise<LogoutResult> {
    const meta = this.ctx.metadata();
    const plan = planLogout(request, this.ctx.cfg);
    const it = plan.interactionType;
    // A popup must open inside the click, before the first await.
    const popup = plan.scope === 'global' && plan.via === 'popup' ? this.openPopup(request) : undefined;
    if (plan.scope === 'global' && !popup) this.nav.redirect.check();
    const { hub } = this.ctx;
    hub.emit(EventType.LOGOUT_START, it, request);
    try {
      // Every cached account the call names, also those this page has not returned to the app yet.
      const accounts = request.account ? cachedMatching(this.ctx, request.account) : this.ctx.sync.accounts();
      const hints = logoutHints(request, accounts);
      await this.ctx.sync.removeAccounts(accounts, 'logout', { interactionType: it });
      hub.emit(EventType.LOGOUT_SUCCESS, it, request);
      const done = (r: Omit<LogoutResult, 'accounts'>): LogoutResult => {
        hub.emit(EventType.LOGOUT_END, it);
        return { accounts, ...r };
      };
      if (plan.scope === 'local') return done({ idpLogoutConfirmed: false, navigated: false });
      const state = newState(popup ? 'xp' : 'xr');
      const url = endSessionUrl(meta, {
        clientId: this.ctx.cfg.clientId,
        ...hints,
        postLogoutRedirectUri: plan.postLogoutRedirectUri,
        state,
        extraQueryParameters: request.extraQueryParameters,
      });
      if (!popup) return this.byRedirect(request, plan, accounts, state, url, done);
      return await this.inPopup(request, plan, accounts, popup, state, url, done);
    } catch (e) {
      popup?.close();
      hub.emit(EventType.LOGOUT_FAILURE, it, null, e as Error);
      hub.emit(EventType.LOGOUT_END, it);
      throw e;
    } finally {
      if (popup) this.nav.popup.release();
    }
  }

  private openPopup(request: LogoutRequest): Window {
    this.nav.popup.reserve();
    try {
      return this.nav.popup.open('logout', request.popupWindowAttributes);
    } catch (e) {
      this.nav.popup.release();
      throw e;
    }
  }

  /** Leave for the provider; the state is remembered only when the provider will come back with it. */
  private byRedirect(
    request: LogoutRequest,
    plan: LogoutPlan,
    accounts: AccountInfo[],
    state: string,
    url: string,
    done: (r: Omit<LogoutResult, 'accounts'>) => LogoutResult,
  ): LogoutResult {
    if (plan.postLogoutRedirectUri) {
      this.ctx.pending.save(state, {
        kind: 'logout',
        accounts: accounts.map(({ homeAccountId, username, environment }) => ({
          homeAccountId,
          username,
          environment,
        })),
        userState: request.state,
        createdAt: Date.now(),
      });
    }
    if (request.onRedirectNavigate?.(url) === false) {
      this.ctx.pending.take(state);
      return done({ idpLogoutConfirmed: false, navigated: false });
    }
    const r = done({ idpLogoutConfirmed: false, navigated: true });
    this.nav.redirect.navigate(url);
    return r;
  }

  /** The provider's logout in a popup; the local logout stands even if the popup fails (as in MSAL.js). */
  private async inPopup(
    request: LogoutRequest,
    plan: LogoutPlan,
    accounts: AccountInfo[],
    popup: Window,
    state: string,
    url: string,
    done: (r: Omit<LogoutResult, 'accounts'>) => LogoutResult,
  ): Promise<LogoutResult> {
    const { hub } = this.ctx;
    const it = plan.interactionType;
    this.nav.popup.send(popup, url);
    hub.emit(EventType.POPUP_OPENED, it, { popupWindow: popup });
    let confirmed = false;
    try {
      await this.nav.popup.wait(popup, state, new URL(plan.postLogoutRedirectUri!).origin);
      confirmed = true;
      hub.emit(EventType.IDP_LOGOUT_CONFIRMED, it, { accounts, state: request.state });
    } catch (e) {
      // The provider's part is reported, not hidden.
      popup.close();
      hub.emit(EventType.LOGOUT_FAILURE, it, null, e as Error);
    }
    const main = request.mainWindowRedirectUri;
    if (main) location.assign(new URL(main, location.href).toString());
    return done({ idpLogoutConfirmed: confirmed, navigated: Boolean(main) });
  }
}
