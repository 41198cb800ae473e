/**
 * The user-facing manager, with MSAL.js's names and shapes: redirects, popups, the token cache, events. The
 * protocol messages are built in `protocol.ts`, HTTP lives in `http.ts`; this file decides when things happen
 * and makes sure every tab hears about a logout.
 */
import { sameAccount, type AccountInfo, type AccountRecord } from './account.js';
import { AccountSync, type BeforeAccountRemovedHook } from './account-sync.js';
import { resolveConfig, DEFAULT_SCOPES, type Configuration, type ResolvedConfig } from './config.js';
import { loadMetadata, type ProviderMetadata } from './discovery.js';
import { AdieuError, InteractionRequiredAuthError, isAdieuError } from './errors.js';
import { EventHub, EventType, InteractionType, type EventCallbackFunction } from './events.js';
import {
  hasFirstPartyStorage,
  parseFrontChannelRequest,
  postAcknowledgement,
  type FrontChannelLogoutResult,
} from './frontchannel.js';
import { newState, PendingRequests, stateKind, type PendingLogin } from './interaction.js';
import { withLock } from './locks.js';
import { createPkce, randomString } from './pkce.js';
import { broadcastResponseToMainFrame, openPopup, waitForPopup } from './popup.js';
import {
  authorizeUrl,
  codeFromResponse,
  endSessionUrl,
  exchangeCode,
  recordFromTokens,
  refreshTokens,
  responseParams,
  responseState,
} from './protocol.js';
import type {
  AccountFilter,
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
import { MemoryStore, openStore, webStorage, WebStore } from './storage.js';
import { TokenCache } from './token-cache.js';

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
export class AdieuClient {
  private readonly cfg: ResolvedConfig;
  private readonly hub = new EventHub();
  private readonly cache: TokenCache;
  private readonly pending: PendingRequests;
  private readonly sync: AccountSync;
  private meta: ProviderMetadata | undefined;
  private initPromise: Promise<void> | undefined;
  private redirectPromise: Promise<AuthenticationResult | null> | undefined;
  private interacting = false;

  /** True when the configured storage was refused and the cache fell back to memory. */
  readonly storageDegraded: boolean;

  constructor(configuration: Configuration) {
    this.cfg = resolveConfig(configuration);
    const { store, degraded } = openStore(this.cfg.cacheLocation);
    this.storageDegraded = degraded;
    const local = webStorage('localStorage');
    this.cache = new TokenCache(this.cfg.clientId, store, local ? new WebStore(local) : undefined);
    const session = webStorage('sessionStorage');
    this.pending = new PendingRequests(
      session ? new WebStore(session) : new MemoryStore(),
      this.cache.prefix,
    );
    this.sync = new AccountSync(this.cfg, this.cache, this.hub, local);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Load the provider's metadata and start listening to the other tabs. Call once, before anything else
   * (MSAL.js v3+ requires the same).
   *
   * @example
   * ```ts
   * await client.initialize();
   * const result = await client.handleRedirectPromise();
   * ```
   */
  initialize(): Promise<void> {
    this.initPromise ??= (async () => {
      this.hub.emit(EventType.INITIALIZE_START);
      this.sync.listen();
      this.meta = await loadMetadata(this.cfg.fetch, this.cfg.authority, this.cfg.authorityMetadata);
      await this.sync.reconcile();
      this.hub.emit(EventType.INITIALIZE_END);
    })();
    // A failed discovery (offline, provider down) may be retried by calling initialize() again.
    this.initPromise.catch(() => (this.initPromise = undefined));
    return this.initPromise;
  }

  private requireInit(): ProviderMetadata {
    if (!this.meta) {
      throw new AdieuError(
        'uninitialized_public_client_application',
        'call and await initialize() before using the client',
      );
    }
    return this.meta;
  }

  private checkIframe(): void {
    if (typeof window === 'object' && window.parent !== window && !this.cfg.allowRedirectInIframe) {
      throw new AdieuError(
        'redirect_in_iframe',
        'redirects inside an iframe are refused unless system.allowRedirectInIframe is true',
      );
    }
  }

  private beginInteraction(): void {
    if (this.interacting) throw new AdieuError('interaction_in_progress', 'another popup is still open');
    this.interacting = true;
  }

  // ---------------------------------------------------------------- events

  /**
   * Register a callback for events (all, or only `eventTypes`). Returns its id.
   *
   * @example
   * ```ts
   * const id = client.addEventCallback((m) => console.log(m.eventType, m.payload), [EventType.SESSION_ENDED]);
   * client.removeEventCallback(id);
   * ```
   */
  addEventCallback(callback: EventCallbackFunction, eventTypes?: EventType[]): string {
    return this.hub.add(callback, eventTypes);
  }

  /**
   * Remove a callback registered with {@link AdieuClient.addEventCallback}.
   *
   * @example
   * ```ts
   * useEffect(() => {
   *   const id = client.addEventCallback(onEvent);
   *   return () => client.removeEventCallback(id);
   * }, []);
   * ```
   */
  removeEventCallback(callbackId: string): void {
    this.hub.remove(callbackId);
  }

  /**
   * Cross-tab account sync is always on in Adieu (a logout must reach every tab); this method exists so code
   * written for MSAL.js runs unchanged. `ACCOUNT_ADDED` / `ACCOUNT_REMOVED` fire for changes made in other tabs.
   *
   * @example
   * ```ts
   * client.enableAccountStorageEvents(); // harmless, and not needed
   * ```
   */
  enableAccountStorageEvents(): void {
    this.sync.listen();
  }

  /**
   * Run `hook` before an account is removed from this tab, for any reason (`info.remote` is true when the
   * removal did not come from a call in this tab: another tab, the front-channel page, the push, a refused
   * refresh). The removal waits for the hook (at most `system.beforeRemoveTimeout`), so an app can stash unsaved
   * work under the account's `homeAccountId` and offer it back only to that same user after they sign in again.
   * Returns a function that unregisters the hook.
   *
   * @example
   * ```ts
   * client.onBeforeAccountRemoved((account) => {
   *   const draft = editor.value;
   *   if (draft) localStorage.setItem(`draft:${account.homeAccountId}`, draft);
   * });
   * // after the next login:
   * const draft = localStorage.getItem(`draft:${client.getActiveAccount()!.homeAccountId}`);
   * ```
   */
  onBeforeAccountRemoved(hook: BeforeAccountRemovedHook): () => void {
    return this.sync.addHook(hook);
  }

  // ---------------------------------------------------------------- accounts

  /**
   * Every signed-in account of this app, optionally filtered.
   *
   * @example
   * ```ts
   * for (const a of client.getAllAccounts()) console.log(a.username);
   * ```
   */
  getAllAccounts(filter?: AccountFilter): AccountInfo[] {
    return this.sync
      .accounts()
      .filter(
        (a) =>
          !filter ||
          ((filter.homeAccountId === undefined || a.homeAccountId === filter.homeAccountId) &&
            (filter.username === undefined || a.username.toLowerCase() === filter.username.toLowerCase()) &&
            (filter.sid === undefined || a.sid === filter.sid)),
      );
  }

  /**
   * The first account matching `filter` (`homeAccountId`, `username`, `sid`), or `null`.
   *
   * @example
   * ```ts
   * const bob = client.getAccount({ username: 'bob' });
   * ```
   */
  getAccount(filter: AccountFilter): AccountInfo | null {
    return this.getAllAccounts(filter)[0] ?? null;
  }

  /**
   * MSAL.js's lookup by `homeAccountId`.
   *
   * @example
   * ```ts
   * const account = client.getAccountByHomeId(sessionStorage.getItem('lastUser') ?? '');
   * ```
   */
  getAccountByHomeId(homeAccountId: string): AccountInfo | null {
    return this.getAccount({ homeAccountId });
  }

  /**
   * MSAL.js's lookup by `username` (case-insensitive).
   *
   * @example
   * ```ts
   * await client.logoutRedirect({ account: client.getAccountByUsername('alice') });
   * ```
   */
  getAccountByUsername(username: string): AccountInfo | null {
    return this.getAccount({ username });
  }

  /**
   * The account calls use when none is given, or `null`. A login makes its account active.
   *
   * @example
   * ```ts
   * const account = client.getActiveAccount() ?? client.getAllAccounts()[0] ?? null;
   * ```
   */
  getActiveAccount(): AccountInfo | null {
    const id = this.cache.getActiveId();
    return id === null ? null : this.getAccountByHomeId(id);
  }

  /**
   * Choose the active account (`null` for none). Shared with other tabs when the cache is `localStorage`.
   *
   * @example
   * ```ts
   * client.setActiveAccount(client.getAccountByUsername('alice'));
   * ```
   */
  setActiveAccount(account: AccountInfo | null): void {
    const id = account
      ? (this.getAllAccounts().find((a) => sameAccount(a, account))?.homeAccountId ?? null)
      : null;
    if (account && id === null)
      throw new AdieuError('no_account_error', 'that account is not signed in here');
    this.sync.setActive(id);
  }

  private matching(account: AccountInfo): AccountInfo[] {
    return this.getAllAccounts().filter((a) => sameAccount(a, account));
  }

  // ---------------------------------------------------------------- login

  private scopesFor(extra: string[] = []): string[] {
    return [...new Set([...DEFAULT_SCOPES, ...extra])];
  }

  private async startLogin(
    kind: 'lr' | 'lp',
    req: RedirectRequest | PopupRequest,
  ): Promise<{ url: string; state: string; pending: PendingLogin }> {
    const meta = this.requireInit();
    const state = newState(kind);
    const { verifier, challenge } = await createPkce();
    const pending: PendingLogin = {
      kind: 'login',
      nonce: randomString(24),
      verifier,
      redirectUri: req.redirectUri ?? this.cfg.redirectUri,
      scopes: this.scopesFor(req.scopes),
      userState: req.state,
      createdAt: Date.now(),
    };
    const url = authorizeUrl(meta, {
      clientId: this.cfg.clientId,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      state,
      nonce: pending.nonce,
      codeChallenge: challenge,
      loginHint: req.loginHint,
      prompt: req.prompt,
      extraQueryParameters: req.extraQueryParameters,
    });
    return { url, state, pending };
  }

  /**
   * Sign in by sending this window to the provider. The result arrives from
   * {@link AdieuClient.handleRedirectPromise} on the page the provider returns to.
   *
   * @example
   * ```ts
   * await client.loginRedirect({ scopes: ['api'], loginHint: 'alice', prompt: 'login' });
   * ```
   */
  async loginRedirect(request: RedirectRequest = {}): Promise<void> {
    this.requireInit();
    this.checkIframe();
    this.hub.emit(EventType.LOGIN_START, InteractionType.Redirect, request);
    try {
      const { url, state, pending } = await this.startLogin('lr', request);
      this.pending.save(state, pending);
      if (request.onRedirectNavigate?.(url) === false) {
        this.pending.take(state);
        return;
      }
      location.assign(url);
    } catch (e) {
      this.hub.emit(EventType.LOGIN_FAILURE, InteractionType.Redirect, null, e as Error);
      throw e;
    }
  }

  /**
   * Sign in in a popup; resolves with the result. Call it from a click handler: the popup opens before the first
   * `await`.
   *
   * @example
   * ```ts
   * button.onclick = async () => {
   *   const result = await client.loginPopup({ scopes: ['api'] });
   *   client.setActiveAccount(result.account);
   * };
   * ```
   */
  async loginPopup(request: PopupRequest = {}): Promise<AuthenticationResult> {
    this.requireInit();
    this.beginInteraction();
    let popup: Window | undefined;
    try {
      popup = openPopup(`adieu.${this.cfg.clientId}.login`, request.popupWindowAttributes);
      this.hub.emit(EventType.LOGIN_START, InteractionType.Popup, request);
      const { url, state, pending } = await this.startLogin('lp', request);
      popup.location.href = url;
      this.hub.emit(EventType.POPUP_OPENED, InteractionType.Popup, { popupWindow: popup });
      const answer = await waitForPopup(popup, {
        state,
        origin: new URL(pending.redirectUri).origin,
        timeoutMs: this.cfg.windowHashTimeout,
        graceMs: this.cfg.popupClosedGraceMs,
        channel: this.sync.channelOptions,
      });
      const result = await this.completeLogin(answer, pending);
      this.hub.emit(EventType.LOGIN_SUCCESS, InteractionType.Popup, result);
      return result;
    } catch (e) {
      popup?.close();
      this.hub.emit(EventType.LOGIN_FAILURE, InteractionType.Popup, null, e as Error);
      throw e;
    } finally {
      this.interacting = false;
    }
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

  private async completeLogin(url: string, p: PendingLogin): Promise<AuthenticationResult> {
    const meta = this.requireInit();
    const code = codeFromResponse(responseParams(url), this.cfg.authority);
    const tokens = await exchangeCode(this.cfg.fetch, meta, {
      clientId: this.cfg.clientId,
      code,
      redirectUri: p.redirectUri,
      verifier: p.verifier,
    });
    const record = recordFromTokens(tokens, {
      issuer: this.cfg.authority,
      clientId: this.cfg.clientId,
      requestedScopes: p.scopes,
      nonce: p.nonce,
    });
    await this.sync.saveLogin(record);
    return this.result(record, false, p.userState);
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
    this.redirectPromise ??= this.handleRedirect(hash);
    return this.redirectPromise;
  }

  private async handleRedirect(hash?: string): Promise<AuthenticationResult | null> {
    const here = typeof location === 'object' ? location.href : '';
    const url = hash ? new URL(hash, here || undefined).toString() : here;
    const state = responseState(url);
    const kind = stateKind(state);
    if (!kind) return null;
    if (kind === 'lp' || kind === 'xp') {
      broadcastResponseToMainFrame(url, this.sync.channelOptions);
      return null;
    }
    this.requireInit();
    const p = this.pending.take(state!);
    if (!p) return null; // not started in this tab, or already handled
    if (!hash) cleanUrl();
    this.hub.emit(EventType.HANDLE_REDIRECT_START, InteractionType.Redirect);
    try {
      if (p.kind === 'logout') {
        this.hub.emit(EventType.IDP_LOGOUT_CONFIRMED, InteractionType.Redirect, {
          accounts: p.accounts,
          state: p.userState,
        });
        return null;
      }
      const result = await this.completeLogin(url, p);
      this.hub.emit(EventType.LOGIN_SUCCESS, InteractionType.Redirect, result);
      return result;
    } catch (e) {
      this.hub.emit(EventType.LOGIN_FAILURE, InteractionType.Redirect, null, e as Error);
      throw e;
    } finally {
      this.hub.emit(EventType.HANDLE_REDIRECT_END, InteractionType.Redirect);
    }
  }

  // ---------------------------------------------------------------- tokens

  private result(r: AccountRecord, fromCache: boolean, state?: string): AuthenticationResult {
    return {
      authority: this.cfg.authority,
      uniqueId: r.account.localAccountId,
      tenantId: '',
      scopes: r.accessToken?.scopes ?? [],
      account: r.account,
      idToken: r.account.idToken ?? '',
      idTokenClaims: r.account.idTokenClaims ?? {},
      accessToken: r.accessToken?.token ?? '',
      fromCache,
      expiresOn: r.accessToken ? new Date(r.accessToken.expiresOn) : null,
      tokenType: 'Bearer',
      correlationId: '',
      ...(state !== undefined ? { state } : {}),
    };
  }

  private fresh(r: AccountRecord, scopes: string[]): boolean {
    const at = r.accessToken;
    if (!at) return false;
    return (
      at.expiresOn - this.cfg.tokenRenewalOffsetSeconds * 1000 > Date.now() &&
      scopes.every((s) => at.scopes.includes(s))
    );
  }

  /**
   * An access token without user interaction: from the cache while it is good, else through the refresh token
   * (never a hidden iframe). If the provider refuses the refresh, the SSO session is over: the account is removed
   * in every tab (`SESSION_ENDED` with reason `refresh-failure`) and an {@link InteractionRequiredAuthError} is
   * thrown.
   *
   * @example
   * ```ts
   * const { accessToken } = await client.acquireTokenSilent({ scopes: ['api'] });
   * await fetch('/api', { headers: { authorization: `Bearer ${accessToken}` } });
   * ```
   */
  async acquireTokenSilent(request: SilentRequest = {}): Promise<AuthenticationResult> {
    this.requireInit();
    this.hub.emit(EventType.ACQUIRE_TOKEN_START, InteractionType.Silent, request);
    try {
      const account = request.account ?? this.getActiveAccount();
      if (!account) throw new AdieuError('no_account_error', 'no account given and none is active');
      const result = await this.silent(account, request.scopes ?? [], request.forceRefresh ?? false);
      this.hub.emit(EventType.ACQUIRE_TOKEN_SUCCESS, InteractionType.Silent, result);
      return result;
    } catch (e) {
      this.hub.emit(EventType.ACQUIRE_TOKEN_FAILURE, InteractionType.Silent, null, e as Error);
      throw e;
    }
  }

  private async silent(
    account: AccountInfo,
    scopes: string[],
    force: boolean,
  ): Promise<AuthenticationResult> {
    const meta = this.requireInit();
    const id = this.matching(account)[0]?.homeAccountId;
    const before = id === undefined ? undefined : this.cache.get(id);
    if (!before) throw new InteractionRequiredAuthError('this account is not signed in here');
    if (!force && this.fresh(before, scopes)) return this.result(before, true);
    if (!scopes.every((s) => before.grantedScopes.includes(s))) {
      throw new InteractionRequiredAuthError(`scope not granted yet: ${scopes.join(' ')}`, {
        error: 'consent_required',
      });
    }
    // Refresh tokens rotate: one refresh at a time per account across tabs, re-reading the cache inside the lock.
    return withLock(`adieu.refresh.${this.cfg.clientId}.${before.account.homeAccountId}`, async () => {
      const current = this.cache.get(before.account.homeAccountId);
      if (!current) throw new InteractionRequiredAuthError('this account was signed out');
      if (current.refreshToken !== before.refreshToken && this.fresh(current, scopes)) {
        return this.result(current, true); // another tab refreshed meanwhile
      }
      if (!current.refreshToken) throw new InteractionRequiredAuthError('no refresh token for this account');
      let next: AccountRecord;
      try {
        const tokens = await refreshTokens(this.cfg.fetch, meta, {
          clientId: this.cfg.clientId,
          refreshToken: current.refreshToken,
        });
        next = recordFromTokens(tokens, {
          issuer: this.cfg.authority,
          clientId: this.cfg.clientId,
          requestedScopes: current.grantedScopes,
          previous: current,
        });
      } catch (e) {
        if (isAdieuError(e, 'interaction_required') && e.error === 'invalid_grant') {
          await this.sync.removeAccounts(() => this.matching(current.account), 'refresh-failure', {
            sids: current.account.sid ? [current.account.sid] : [],
          });
        }
        throw e;
      }
      if (!this.cache.get(current.account.homeAccountId)) {
        throw new InteractionRequiredAuthError('this account was signed out during the refresh');
      }
      this.sync.saveRefresh(next);
      return this.result(next, false);
    });
  }

  // ---------------------------------------------------------------- logout

  /**
   * Sign out: remove the account (every account when none is given) from this app in every tab, then, for a
   * `global` logout, end the SSO session at the provider by redirect or in a popup. `logoutRedirect` and
   * `logoutPopup` are this with `via` set.
   *
   * @example
   * ```ts
   * await client.logout({ scope: 'local' });                  // this app only: the SSO session stays
   * await client.logout({ scope: 'global', via: 'popup' });   // everywhere, without leaving the page
   * ```
   */
  async logout(request: LogoutRequest = {}): Promise<LogoutResult> {
    const scope = request.scope ?? 'global';
    const via = request.via ?? 'redirect';
    const meta = this.requireInit();
    const it = via === 'popup' ? InteractionType.Popup : InteractionType.Redirect;
    const postLogout =
      request.postLogoutRedirectUri === undefined
        ? this.cfg.postLogoutRedirectUri
        : request.postLogoutRedirectUri;
    let popup: Window | undefined;
    if (scope === 'global' && via === 'popup') {
      if (!postLogout) {
        throw new AdieuError(
          'invalid_config',
          'a popup logout needs a postLogoutRedirectUri to come back to',
        );
      }
      this.beginInteraction();
      try {
        popup = openPopup(`adieu.${this.cfg.clientId}.logout`, request.popupWindowAttributes);
      } catch (e) {
        this.interacting = false;
        throw e;
      }
    } else if (scope === 'global') this.checkIframe();
    this.hub.emit(EventType.LOGOUT_START, it, request);
    try {
      const accounts = request.account ? this.matching(request.account) : this.getAllAccounts();
      const hint = request.account ?? this.getActiveAccount() ?? accounts[0];
      const idTokenHint = request.idTokenHint ?? hint?.idToken;
      const logoutHint = request.logoutHint ?? hint?.idTokenClaims?.login_hint;
      await this.sync.removeAccounts(accounts, 'logout', { interactionType: it });
      this.hub.emit(EventType.LOGOUT_SUCCESS, it, request);
      const done = (r: Omit<LogoutResult, 'accounts'>): LogoutResult => {
        this.hub.emit(EventType.LOGOUT_END, it);
        return { accounts, ...r };
      };
      if (scope === 'local') return done({ idpLogoutConfirmed: false, navigated: false });
      const state = newState(via === 'popup' ? 'xp' : 'xr');
      const url = endSessionUrl(meta, {
        clientId: this.cfg.clientId,
        idTokenHint,
        logoutHint,
        postLogoutRedirectUri: postLogout,
        state,
        extraQueryParameters: request.extraQueryParameters,
      });
      if (!popup) {
        const summary = accounts.map(({ homeAccountId, username, environment }) => ({
          homeAccountId,
          username,
          environment,
        }));
        if (postLogout) {
          this.pending.save(state, {
            kind: 'logout',
            accounts: summary,
            userState: request.state,
            createdAt: Date.now(),
          });
        }
        if (request.onRedirectNavigate?.(url) === false) {
          this.pending.take(state);
          return done({ idpLogoutConfirmed: false, navigated: false });
        }
        const r = done({ idpLogoutConfirmed: false, navigated: true });
        location.assign(url);
        return r;
      }
      popup.location.href = url;
      this.hub.emit(EventType.POPUP_OPENED, it, { popupWindow: popup });
      let confirmed = false;
      try {
        await waitForPopup(popup, {
          state,
          origin: new URL(postLogout!).origin,
          timeoutMs: this.cfg.windowHashTimeout,
          graceMs: this.cfg.popupClosedGraceMs,
          channel: this.sync.channelOptions,
        });
        confirmed = true;
        this.hub.emit(EventType.IDP_LOGOUT_CONFIRMED, it, { accounts, state: request.state });
      } catch (e) {
        // The local logout stands (MSAL.js resolves too); the provider's part is reported, not hidden.
        popup.close();
        this.hub.emit(EventType.LOGOUT_FAILURE, it, null, e as Error);
      }
      const main = request.mainWindowRedirectUri;
      if (main) location.assign(new URL(main, location.href).toString());
      return done({ idpLogoutConfirmed: confirmed, navigated: Boolean(main) });
    } catch (e) {
      popup?.close();
      this.hub.emit(EventType.LOGOUT_FAILURE, it, null, e as Error);
      this.hub.emit(EventType.LOGOUT_END, it);
      throw e;
    } finally {
      if (popup) this.interacting = false;
    }
  }

  /**
   * Sign out by sending this window to the provider's logout (`id_token_hint`, `client_id`, `logout_hint`,
   * `post_logout_redirect_uri` and a `state` checked on return: `IDP_LOGOUT_CONFIRMED`). The account is removed
   * from every tab first. `onRedirectNavigate` returning `false` makes it a local-only logout — beware: the SSO
   * session stays, so the next login is silent.
   *
   * @example
   * ```ts
   * await client.logoutRedirect({ account: client.getActiveAccount(), postLogoutRedirectUri: 'https://app.example.com/bye' });
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
  async handleFrontChannelLogout(url?: string): Promise<FrontChannelLogoutResult> {
    const req = parseFrontChannelRequest(url ?? location.href, this.cfg.authority);
    let result: FrontChannelLogoutResult;
    if (req.kind === 'invalid') {
      // Another issuer's session is not ours to clear, and we hold nothing for it.
      const ours = req.why === 'no-matching-account';
      result = {
        cleared: ours,
        detail: req.why,
        iss: req.iss,
        sid: req.sid,
        accounts: [],
        acknowledged: false,
      };
    } else if (!(await hasFirstPartyStorage())) {
      result = {
        cleared: false,
        detail: 'storage-partitioned',
        iss: req.kind === 'session' ? req.iss : undefined,
        sid: req.kind === 'session' ? req.sid : undefined,
        accounts: [],
        acknowledged: false,
      };
    } else {
      const victims = this.sync.frontChannel(req.kind === 'all' ? 'all' : req);
      // With a shared cache we can tell "nothing to clear"; a per-tab cache is cleared by the tabs themselves.
      const none = victims.length === 0 && this.cfg.cacheLocation === 'localStorage';
      result = {
        cleared: true,
        detail: none ? 'no-matching-account' : undefined,
        iss: req.kind === 'session' ? req.iss : undefined,
        sid: req.kind === 'session' ? req.sid : undefined,
        accounts: victims,
        acknowledged: false,
      };
    }
    result.acknowledged = result.iss !== undefined && postAcknowledgement(this.cfg.authority, result);
    this.hub.emit(
      EventType.FRONT_CHANNEL_LOGOUT,
      InteractionType.None,
      result,
      result.detail === 'storage-partitioned'
        ? new AdieuError(
            'storage_partitioned',
            'this frame cannot reach the app storage (third-party blocked)',
          )
        : null,
    );
    return result;
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
    this.requireInit();
    this.sync.listen();
    return startSessionMonitor(
      {
        clientId: this.cfg.clientId,
        issuer: this.cfg.authority,
        fetch: this.cfg.fetch,
        accounts: () => this.getAllAccounts(),
        accessToken: async (account, force) => (await this.silent(account, [], force)).accessToken,
        sessionEnded: (sid, providerReason) => this.sync.endSession(sid, 'push', providerReason),
        onAccountsChanged: (cb) => this.sync.onAccountsChanged(cb),
        EventSource: typeof EventSource === 'function' ? EventSource : undefined,
      },
      options,
    );
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
