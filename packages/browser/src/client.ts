/**
 * `AdieuClient`: the user-facing facade, with MSAL.js's names and shapes. It owns the state of one page (the
 * token cache, the pending interactions, the cross-tab account sync, the provider metadata) and hands each call
 * to the module of its flow: `flows/login.ts`, `flows/logout.ts`, `flows/silent.ts`, `flows/front-channel.ts`,
 * over the two navigators of `navigator.ts` (redirect, popup). `flows/confirm.ts` decides which cached
 * accounts this page may return yet. Protocol messages are built in `protocol.ts`, HTTP lives in `http.ts`.
 */
import { AccountsApi } from './accounts-api.js';
import type { AccountInfo } from './account.js';
import { resolveConfig, type Configuration } from './config.js';
import { loadMetadata } from './discovery.js';
import { EventType } from './events.js';
import type { FrontChannelLogoutResult } from './frontchannel.js';
import { handleFrontChannelLogout } from './flows/front-channel.js';
import { wireClient } from './flows/wiring.js';
import type {
  AuthenticationResult,
  EndSessionPopupRequest,
  EndSessionRequest,
  LogoutRequest,
  LogoutResult,
  PopupRequest,
  RedirectRequest,
  SilentRequest,
} from './requests.js';
import { startSessionMonitor, type MonitorSessionOptions, type SessionMonitor } from './session-monitor.js';

/**
 * An OpenID Connect client for single-page apps, shaped like MSAL.js's `PublicClientApplication`, whose logout
 * reaches every tab and survives blocked third-party cookies.
 *
 * @example
 * ```ts
 * import { AdieuClient, EventType } from '@adieu/browser';
 *
 * const client = new AdieuClient({
 *   auth: { clientId: 'spa', authority: 'https://idp.example.com', redirectUri: 'https://app.example.com/' },
 *   cache: { cacheLocation: 'localStorage' },
 * });
 * client.addEventCallback((m) => {
 *   if (m.eventType === EventType.SESSION_ENDED) showSignedOut();
 * });
 * await client.initialize();
 * await client.handleRedirectPromise();
 * if (!client.getActiveAccount()) await client.loginRedirect();
 * client.monitorSession();
 * ```
 */
export class AdieuClient extends AccountsApi {
  private initPromise: Promise<void> | undefined;
  private redirectPromise: Promise<AuthenticationResult | null> | undefined;

  /** True when the configured storage was refused and the cache fell back to memory. */
  readonly storageDegraded: boolean;

  constructor(configuration: Configuration) {
    super(wireClient(resolveConfig(configuration)));
    this.storageDegraded = this.parts.storageDegraded;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Load the provider's metadata and start listening to the other tabs. Call once, before anything else
   * (MSAL.js v3+ requires the same). Accounts cached before this page loaded are returned once the provider
   * has confirmed their sessions (`cache.confirmSessionOnLoad`); this waits for that answer, at most
   * `system.sessionConfirmationTimeout`.
   *
   * @example
   * ```ts
   * await client.initialize();
   * const result = await client.handleRedirectPromise();
   * ```
   */
  initialize(): Promise<void> {
    this.initPromise ??= (async () => {
      const { cfg, hub, sync } = this.parts;
      hub.emit(EventType.INITIALIZE_START);
      sync.listen();
      this.parts.provider.meta = await loadMetadata(cfg.fetch, cfg.authority, cfg.authorityMetadata);
      await sync.reconcile();
      await withTimeout(this.parts.confirmation.confirmAll(), cfg.sessionConfirmationTimeout);
      hub.emit(EventType.INITIALIZE_END);
    })();
    // A failed discovery (offline, provider down) may be retried by calling initialize() again.
    this.initPromise.catch(() => (this.initPromise = undefined));
    return this.initPromise;
  }

  // ---------------------------------------------------------------- login

  /**
   * Sign in by sending this window to the provider. The result arrives from
   * {@link AdieuClient.handleRedirectPromise} on the page the provider returns to. Signing in as another user
   * adds an account (`getAllAccounts()` lists both) and makes it active; `prompt: 'select_account'` lets the
   * person pick one of the browser's accounts or "use another account", and `account` signs in as that one
   * without the picker.
   *
   * @example
   * ```ts
   * await client.loginRedirect({ scopes: ['api'], loginHint: 'alice', prompt: 'login' });
   * await client.loginRedirect({ prompt: 'select_account' });            // "Add another account"
   * await client.loginRedirect({ account: client.getAccountByUsername('bob')! }); // back to Bob, no picker
   * await client.loginRedirect({ acrValues: ['urn:adieu:mfa'] }); // step up: only the second factor is asked
   * ```
   */
  loginRedirect(request: RedirectRequest = {}): Promise<void> {
    return this.parts.login.loginRedirect(request);
  }

  /**
   * Sign in in a popup; resolves with the result. Call it from a click handler: the popup opens before the first
   * `await`. Accepts the same `prompt`, `account` and `acrValues` as {@link AdieuClient.loginRedirect}.
   *
   * @example
   * ```ts
   * addAccount.onclick = async () => {
   *   const result = await client.loginPopup({ prompt: 'select_account' });
   *   client.setActiveAccount(result.account);
   * };
   * ```
   */
  loginPopup(request: PopupRequest = {}): Promise<AuthenticationResult> {
    return this.parts.login.loginPopup(request);
  }

  /**
   * MSAL.js name: an interactive token request by redirect, i.e. a login that may ask for more scopes.
   *
   * @example
   * ```ts
   * await client.acquireTokenRedirect({ scopes: ['reports.read'], loginHint: account.username });
   * ```
   */
  acquireTokenRedirect(request: RedirectRequest): Promise<void> {
    return this.loginRedirect(request);
  }

  /**
   * MSAL.js name: an interactive token request in a popup, i.e. a login that may ask for more scopes.
   *
   * @example
   * ```ts
   * const { accessToken } = await client.acquireTokenPopup({ scopes: ['reports.read'] });
   * ```
   */
  acquireTokenPopup(request: PopupRequest): Promise<AuthenticationResult> {
    return this.loginPopup(request);
  }

  /**
   * Finish a login or logout that came back to this page from the provider. Resolves with the login's result,
   * or `null` when the page was not a login callback. Call it on every page load, after `initialize()`.
   * On a page that a popup landed on, it hands the answer to the opener and closes the popup.
   *
   * @example
   * ```ts
   * await client.initialize();
   * const result = await client.handleRedirectPromise();
   * if (result) client.setActiveAccount(result.account);
   * ```
   */
  handleRedirectPromise(hash?: string): Promise<AuthenticationResult | null> {
    this.redirectPromise ??= this.parts.login.handleRedirect(hash);
    return this.redirectPromise;
  }

  // ---------------------------------------------------------------- tokens

  /**
   * An access token without user interaction: from the cache while it is good, else through the refresh token
   * (never a hidden iframe). If the provider refuses the refresh, the SSO session is over: the account is removed
   * in every tab (`SESSION_ENDED` with reason `refresh-failure`) and an {@link InteractionRequiredAuthError} is
   * thrown. With `acrValues`, a sign-in below that level (its ID token's `acr`) also throws
   * {@link InteractionRequiredAuthError} (`error: 'interaction_required'`), since no refresh raises a level.
   *
   * @example
   * ```ts
   * const { accessToken } = await client.acquireTokenSilent({ scopes: ['api'] });
   * await fetch('/api', { headers: { authorization: `Bearer ${accessToken}` } });
   *
   * // A payment needs a second factor: step up only when this sign-in has not reached it.
   * const pay = { scopes: ['payments'], acrValues: ['urn:adieu:mfa'] };
   * const result = await client.acquireTokenSilent(pay).catch((e) => {
   *   if (e instanceof InteractionRequiredAuthError) return client.acquireTokenPopup(pay);
   *   throw e;
   * });
   * ```
   */
  acquireTokenSilent(request: SilentRequest = {}): Promise<AuthenticationResult> {
    return this.parts.silent.acquireTokenSilent(request, this.getActiveAccount());
  }

  // ---------------------------------------------------------------- logout

  /**
   * Sign out: remove the account (every account when none is given) from this app in every tab, then, for a
   * `global` logout, end the SSO session at the provider by redirect or in a popup. `logoutRedirect` and
   * `logoutPopup` are this with `via` set. With `account`, only that account leaves: the provider is sent its
   * `login_hint` claim as `logout_hint` and its ID token as `id_token_hint`, ends only its session and tells only
   * its apps; the other accounts stay signed in, here and everywhere. Without `account` and with several
   * accounts, no hint is sent and the provider asks which account to sign out ("all of them" included).
   *
   * @example
   * ```ts
   * await client.logout({ scope: 'local' });                  // this app only: the SSO session stays
   * await client.logout({ scope: 'global', via: 'popup' });   // everywhere, without leaving the page
   * ```
   */
  logout(request: LogoutRequest = {}): Promise<LogoutResult> {
    return this.parts.logout.logout(request);
  }

  /**
   * Sign out by sending this window to the provider's logout (`id_token_hint`, `client_id`, `logout_hint`,
   * `post_logout_redirect_uri` and a `state` checked on return: `IDP_LOGOUT_CONFIRMED`). The account is removed
   * from every tab first. `onRedirectNavigate` returning `false` makes it a local-only logout — beware: the SSO
   * session stays, so the next login is silent.
   *
   * @example
   * ```ts
   * // Sign out Alice only; Bob stays signed in, here and in his other apps.
   * await client.logoutRedirect({ account: client.getAccountByUsername('alice') });
   * ```
   */
  async logoutRedirect(request: EndSessionRequest = {}): Promise<void> {
    await this.logout({ ...request, scope: 'global', via: 'redirect' });
  }

  /**
   * Sign out in a popup; resolves when the popup is done (also when `Cross-Origin-Opener-Policy` cut the link to
   * it: the landing page answers over BroadcastChannel). `mainWindowRedirectUri` then moves this window.
   *
   * @example
   * ```ts
   * const { idpLogoutConfirmed } = await client.logoutPopup({
   *   postLogoutRedirectUri: 'https://app.example.com/popup-done',
   *   mainWindowRedirectUri: 'https://app.example.com/bye',
   *   popupWindowAttributes: { popupSize: { width: 500, height: 600 } },
   * });
   * ```
   */
  logoutPopup(request: EndSessionPopupRequest = {}): Promise<LogoutResult> {
    return this.logout({ ...request, scope: 'global', via: 'popup' });
  }

  /**
   * Forget accounts in this app only (every tab), leaving the provider session alone (MSAL.js's `clearCache`).
   *
   * @example
   * ```ts
   * await client.clearCache({ account });
   * ```
   */
  async clearCache(request: { account?: AccountInfo | null } = {}): Promise<void> {
    await this.logout({ ...request, scope: 'local' });
  }

  /**
   * Run this on the page registered as `frontchannel_logout_uri`. It checks `iss` and `sid` against the cached
   * accounts, removes only the matching one (every tab hears of it), and posts the acknowledgement the provider's
   * logout page waits for. It needs no `initialize()` and makes no network request, so it returns fast. When the
   * frame is partitioned (third-party cookies blocked) it cannot reach the app's storage: it says so in the
   * result (`cleared: false, detail: 'storage-partitioned'`), in a `FRONT_CHANNEL_LOGOUT` event with a
   * `storage_partitioned` error, and to the provider; the push channel of `monitorSession()` is then what signs
   * the open tabs out.
   *
   * @example
   * ```html
   * <!-- https://app.example.com/frontchannel-logout -->
   * <script type="module">
   *   import { AdieuClient } from './adieu-browser.js';
   *   const client = new AdieuClient({ auth: { clientId: 'spa', authority: 'https://idp.example.com' }, cache: { cacheLocation: 'localStorage' } });
   *   await client.handleFrontChannelLogout();
   * </script>
   * ```
   */
  handleFrontChannelLogout(url?: string): Promise<FrontChannelLogoutResult> {
    return handleFrontChannelLogout(this.parts, url ?? location.href);
  }

  // ---------------------------------------------------------------- session monitoring

  /**
   * Watch the SSO sessions of this tab's accounts and sign them out, in every tab, the moment the provider ends
   * them: through the provider's push (Server-Sent Events), or, where that is unavailable, by noticing that a
   * refresh is refused. Never uses third-party cookies or hidden iframes. One push connection per session is
   * shared by all tabs.
   *
   * @example
   * ```ts
   * const monitor = client.monitorSession();
   * client.addEventCallback((m) => {
   *   if (m.eventType === EventType.SESSION_ENDED) router.navigate('/signed-out');
   * }, [EventType.SESSION_ENDED]);
   * // later: monitor.stop();
   * ```
   */
  monitorSession(options: MonitorSessionOptions = {}): SessionMonitor {
    const { cfg, sync, silent } = this.parts;
    this.parts.metadata();
    sync.listen();
    return startSessionMonitor(
      {
        clientId: cfg.clientId,
        issuer: cfg.authority,
        fetch: cfg.fetch,
        accounts: () => this.getAllAccounts(),
        accessToken: async (account, force) => (await silent.silent(account, [], force)).accessToken,
        sessionEnded: (sid, providerReason) => sync.endSession(sid, 'push', providerReason),
        onAccountsChanged: (cb) => sync.onAccountsChanged(cb),
        EventSource: typeof EventSource === 'function' ? EventSource : undefined,
      },
      options,
    );
  }
}

/** Wait for `p`, at most `ms`; it goes on in the background afterwards. */
function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
