/**
 * Configuration, in MSAL.js's sections (`auth`, `cache`, `system`), validated once by the constructor. Every
 * default is written here.
 */
import { AdieuError } from './errors.js';
import type { CacheLocation } from './storage.js';

export interface AuthOptions {
  /** The app's `client_id` at the provider (a public client: `token_endpoint_auth_method: none`). */
  clientId: string;
  /** The provider's issuer URL, e.g. `https://idp.example.com`. */
  authority: string;
  /** Where the provider sends the browser back after login. Default: this page, without query or hash. */
  redirectUri?: string;
  /**
   * Where the provider sends the browser after logout (must be registered). Default: `redirectUri`.
   * `null`: send none, the browser stays on the provider's signed-out page.
   */
  postLogoutRedirectUri?: string | null;
  /** The discovery document as a JSON string, to skip fetching it (MSAL.js's option of the same name). */
  authorityMetadata?: string;
}

export interface CacheOptions {
  /** Where tokens live. Default `sessionStorage` (as MSAL.js). */
  cacheLocation?: CacheLocation;
  /**
   * Return an account cached before this page loaded only once the provider has confirmed its session in this
   * page (a refresh; `initialize()` asks). Default `true`: the app never shows a user who was signed out while
   * no page of the app was open. `false` returns cached accounts at once, also offline, at the price of showing
   * a signed-out user until the push or a refresh says otherwise.
   */
  confirmSessionOnLoad?: boolean;
}

export interface SystemOptions {
  /** Let `loginRedirect`/`logoutRedirect` run inside an iframe (MSAL.js's option). Default `false`. */
  allowRedirectInIframe?: boolean;
  /** How long a popup may take before the call fails, in ms (MSAL.js's name). Default 60 000. */
  windowHashTimeout?: number;
  /**
   * After a popup looks closed, how long to keep waiting for its answer over BroadcastChannel, in ms. A
   * `Cross-Origin-Opener-Policy` header cuts the link to the popup, which then looks closed although the user is
   * still in it; its answer still arrives. Default 2 000.
   */
  popupClosedGraceMs?: number;
  /** Refresh an access token this many seconds before it expires (MSAL.js's name). Default 300. */
  tokenRenewalOffsetSeconds?: number;
  /** Longest wait for `onBeforeAccountRemoved` hooks before the account is removed anyway, in ms. Default 3 000. */
  beforeRemoveTimeout?: number;
  /**
   * Longest wait of `initialize()` for the provider to confirm the sessions of cached accounts, in ms (they stay
   * hidden until it answers, then `ACCOUNT_ADDED` fires). Default 5 000.
   */
  sessionConfirmationTimeout?: number;
  /** The `fetch` to use (tests, instrumentation). Default: the global one. */
  fetch?: typeof fetch;
  /** BroadcastChannel to use; `null` forces the `storage`-event fallback. Default: the global one. */
  broadcastChannel?: typeof BroadcastChannel | null;
}

/**
 * What `new AdieuClient()` takes.
 *
 * @example
 * ```ts
 * const config: Configuration = {
 *   auth: { clientId: 'spa', authority: 'https://idp.example.com', redirectUri: 'https://app.example.com/' },
 *   cache: { cacheLocation: 'localStorage' },
 * };
 * ```
 */
export interface Configuration {
  auth: AuthOptions;
  cache?: CacheOptions;
  system?: SystemOptions;
}

export interface ResolvedConfig {
  clientId: string;
  authority: string;
  redirectUri: string;
  postLogoutRedirectUri: string | null;
  authorityMetadata: string | undefined;
  cacheLocation: CacheLocation;
  confirmSessionOnLoad: boolean;
  allowRedirectInIframe: boolean;
  windowHashTimeout: number;
  popupClosedGraceMs: number;
  tokenRenewalOffsetSeconds: number;
  beforeRemoveTimeout: number;
  sessionConfirmationTimeout: number;
  fetch: typeof fetch;
  broadcastChannel: typeof BroadcastChannel | null | undefined;
}

/**
 * Scopes every login asks for. `offline_access` is deliberately absent: without it the provider binds refresh
 * tokens to the SSO session, so they die at logout and a refused refresh tells the app it was signed out.
 */
export const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

const LOCATIONS: CacheLocation[] = ['localStorage', 'sessionStorage', 'memoryStorage'];

function bad(path: string, problem: string): AdieuError {
  return new AdieuError('invalid_config', `${path} ${problem}`);
}

function absoluteUrl(path: string, value: string): string {
  try {
    return new URL(value).toString();
  } catch {
    throw bad(path, `must be an absolute URL, got ${JSON.stringify(value)}`);
  }
}

function positive(path: string, value: number | undefined, def: number): number {
  if (value === undefined) return def;
  if (!Number.isFinite(value) || value < 0) throw bad(path, 'must be a non-negative number');
  return value;
}

/** Validate and fill in defaults; every error names the option. */
export function resolveConfig(c: Configuration): ResolvedConfig {
  if (!c || typeof c !== 'object' || !c.auth) throw bad('auth', 'is required');
  const { auth, cache = {}, system = {} } = c;
  if (typeof auth.clientId !== 'string' || !auth.clientId) throw bad('auth.clientId', 'is required');
  if (typeof auth.authority !== 'string') throw bad('auth.authority', 'is required');
  const authority = absoluteUrl('auth.authority', auth.authority).replace(/\/+$/, '');
  const here = typeof location === 'object' ? `${location.origin}${location.pathname}` : undefined;
  const redirectUri = auth.redirectUri ?? here;
  if (!redirectUri) throw bad('auth.redirectUri', 'is required outside a browser page');
  absoluteUrl('auth.redirectUri', redirectUri);
  const postLogout = auth.postLogoutRedirectUri === undefined ? redirectUri : auth.postLogoutRedirectUri;
  if (postLogout !== null) absoluteUrl('auth.postLogoutRedirectUri', postLogout);
  const cacheLocation = cache.cacheLocation ?? 'sessionStorage';
  if (!LOCATIONS.includes(cacheLocation))
    throw bad('cache.cacheLocation', `must be one of ${LOCATIONS.join(', ')}`);
  const f = system.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  if (!f) throw bad('system.fetch', 'is required where there is no global fetch');
  return {
    clientId: auth.clientId,
    authority,
    redirectUri,
    postLogoutRedirectUri: postLogout,
    authorityMetadata: auth.authorityMetadata,
    cacheLocation,
    confirmSessionOnLoad: cache.confirmSessionOnLoad ?? true,
    allowRedirectInIframe: system.allowRedirectInIframe ?? false,
    windowHashTimeout: positive('system.windowHashTimeout', system.windowHashTimeout, 60_000),
    popupClosedGraceMs: positive('system.popupClosedGraceMs', system.popupClosedGraceMs, 2_000),
    tokenRenewalOffsetSeconds: positive(
      'system.tokenRenewalOffsetSeconds',
      system.tokenRenewalOffsetSeconds,
      300,
    ),
    beforeRemoveTimeout: positive('system.beforeRemoveTimeout', system.beforeRemoveTimeout, 3_000),
    sessionConfirmationTimeout: positive(
      'system.sessionConfirmationTimeout',
      system.sessionConfirmationTimeout,
      5_000,
    ),
    fetch: f,
    broadcastChannel: system.broadcastChannel,
  };
}
