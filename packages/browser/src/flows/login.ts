/**
 * The login flow (authorization code + PKCE, OIDC Core §3.1): build the request, send the user there by
 * redirect or in a popup, and finish it when the provider answers (state, nonce, code exchange, ID token
 * checks). MSAL.js's interaction clients in one module, over the two navigators.
 */
import { broadcastResponseToMainFrame } from '../popup.js';
import type { BrowserSessionMarker } from '../browser-session.js';
import { DEFAULT_SCOPES } from '../config.js';
import { EventType, InteractionType } from '../events.js';
import { newState, stateKind, type PendingLogin } from '../interaction.js';
import type { PopupNavigator, RedirectNavigator } from '../navigator.js';
import { createPkce, randomString } from '../pkce.js';
import {
  authorizeUrl,
  codeFromResponse,
  exchangeCode,
  recordFromTokens,
  responseParams,
  responseState,
} from '../protocol.js';
import type { AuthenticationResult, PopupRequest, RedirectRequest } from '../requests.js';
import type { FlowContext } from './context.js';
import { authenticationResult } from './silent.js';

/** The scopes a login asks for: the defaults, plus the app's. */
export function loginScopes(extra: string[] = []): string[] {
  return [...new Set([...DEFAULT_SCOPES, ...extra])];
}

/** The `login_hint` of a login: the given one, else the named account's opaque claim, else its username. */
export function loginHint(req: Pick<RedirectRequest, 'loginHint' | 'account'>): string | undefined {
  return req.loginHint ?? req.account?.idTokenClaims?.login_hint ?? req.account?.username;
}

export class LoginFlow {
  constructor(
    private readonly ctx: FlowContext,
    private readonly nav: { redirect: RedirectNavigator; popup: PopupNavigator },
    private readonly marker: BrowserSessionMarker,
  ) {}

  private async start(
    kind: 'lr' | 'lp',
    req: RedirectRequest | PopupRequest,
  ): Promise<{ url: string; state: string; pending: PendingLogin }> {
    const { cfg } = this.ctx;
    const meta = this.ctx.metadata();
    const state = newState(kind);
    const { verifier, challenge } = await createPkce();
    const pending: PendingLogin = {
      kind: 'login',
      nonce: randomString(24),
      verifier,
      redirectUri: req.redirectUri ?? cfg.redirectUri,
      scopes: loginScopes(req.scopes),
      userState: req.state,
      createdAt: Date.now(),
    };
    const url = authorizeUrl(meta, {
      clientId: cfg.clientId,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      state,
      nonce: pending.nonce,
      codeChallenge: challenge,
      loginHint: loginHint(req),
      prompt: req.prompt,
      acrValues: req.acrValues,
      extraQueryParameters: req.extraQueryParameters,
    });
    return { url, state, pending };
  }

  async loginRedirect(request: RedirectRequest): Promise<void> {
    const { hub, pending } = this.ctx;
    this.ctx.metadata();
    this.nav.redirect.check();
    hub.emit(EventType.LOGIN_START, InteractionType.Redirect, request);
    try {
      const { url, state, pending: p } = await this.start('lr', request);
      pending.save(state, p);
      if (!this.nav.redirect.navigate(url, request.onRedirectNavigate)) pending.take(state);
    } catch (e) {
      hub.emit(EventType.LOGIN_FAILURE, InteractionType.Redirect, null, e as Error);
      throw e;
    }
  }

  async loginPopup(request: PopupRequest): Promise<AuthenticationResult> {
    const { hub } = this.ctx;
    this.ctx.metadata();
    this.nav.popup.reserve();
    let popup: Window | undefined;
    try {
      popup = this.nav.popup.open('login', request.popupWindowAttributes);
      hub.emit(EventType.LOGIN_START, InteractionType.Popup, request);
      const { url, state, pending } = await this.start('lp', request);
      this.nav.popup.send(popup, url);
      hub.emit(EventType.POPUP_OPENED, InteractionType.Popup, { popupWindow: popup });
      const answer = await this.nav.popup.wait(popup, state, new URL(pending.redirectUri).origin);
      const result = await this.complete(answer, pending);
      hub.emit(EventType.LOGIN_SUCCESS, InteractionType.Popup, result);
      return result;
    } catch (e) {
      popup?.close();
      hub.emit(EventType.LOGIN_FAILURE, InteractionType.Popup, null, e as Error);
      throw e;
    } finally {
      this.nav.popup.release();
    }
  }

  /** Check the provider's answer, exchange the code, store the account (active, in every tab). */
  private async complete(url: string, p: PendingLogin): Promise<AuthenticationResult> {
    const { cfg, sync } = this.ctx;
    const code = codeFromResponse(responseParams(url), cfg.authority);
    const tokens = await exchangeCode(cfg.fetch, this.ctx.metadata(), {
      clientId: cfg.clientId,
      code,
      redirectUri: p.redirectUri,
      verifier: p.verifier,
    });
    const record = this.marker.bind(
      recordFromTokens(tokens, {
        issuer: cfg.authority,
        clientId: cfg.clientId,
        requestedScopes: p.scopes,
        nonce: p.nonce,
      }),
    );
    await sync.saveLogin(record);
    return authenticationResult(cfg.authority, record, false, p.userState);
  }

  /**
   * The page the provider came back to: a popup's answer goes to its opener; a redirect login or logout of
   * this tab is finished. `null` when the page is not such an answer.
   */
  async handleRedirect(hash?: string): Promise<AuthenticationResult | null> {
    const { hub, pending } = this.ctx;
    const here = typeof location === 'object' ? location.href : '';
    const url = hash ? new URL(hash, here || undefined).toString() : here;
    const state = responseState(url);
    const kind = stateKind(state);
    if (!kind) return null;
    if (kind === 'lp' || kind === 'xp') {
      broadcastResponseToMainFrame(url, this.ctx.sync.channelOptions);
      return null;
    }
    this.ctx.metadata();
    const p = pending.take(state!);
    if (!p) return null; // not started in this tab, or already handled
    if (!hash) cleanUrl();
    hub.emit(EventType.HANDLE_REDIRECT_START, InteractionType.Redirect);
    try {
      if (p.kind === 'logout') {
        hub.emit(EventType.IDP_LOGOUT_CONFIRMED, InteractionType.Redirect, {
          accounts: p.accounts,
          state: p.userState,
        });
        return null;
      }
      const result = await this.complete(url, p);
      hub.emit(EventType.LOGIN_SUCCESS, InteractionType.Redirect, result);
      return result;
    } catch (e) {
      hub.emit(EventType.LOGIN_FAILURE, InteractionType.Redirect, null, e as Error);
      throw e;
    } finally {
      hub.emit(EventType.HANDLE_REDIRECT_END, InteractionType.Redirect);
    }
  }
}

/** Remove the provider's answer from the address bar, so a reload does not replay it. */
function cleanUrl(): void {
  if (typeof history !== 'object' || typeof location !== 'object') return;
  const u = new URL(location.href);
  for (const k of ['code', 'state', 'session_state', 'iss', 'error', 'error_description', 'error_uri']) {
    u.searchParams.delete(k);
  }
  if (u.hash && /(^|[#&])state=/.test(u.hash)) u.hash = '';
  history.replaceState(history.state, '', u.toString());
}
