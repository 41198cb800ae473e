/**
 * The request and result shapes of the public API, named and shaped as in MSAL.js so that code written for it
 * ports by changing the import.
 */
import type { AccountInfo } from './account.js';
import type { PopupWindowAttributes } from './popup.js';

/** MSAL.js's `RedirectRequest`. */
export interface RedirectRequest {
  /** Scopes besides `openid profile email`, which are always asked for. */
  scopes?: string[];
  /** Sent as `login_hint`: a username or email, or an account's opaque `login_hint` claim. */
  loginHint?: string;
  /**
   * Sign in as this account (MSAL.js's `account`): its `login_hint` claim (else its username) is sent as
   * `login_hint`, so the provider picks that account among the browser's without showing the picker.
   * `loginHint` wins when both are given.
   */
  account?: AccountInfo;
  /**
   * `select_account` shows the provider's account picker: one button per account signed in in this browser and
   * "use another account", which adds one (`getAllAccounts()` then lists both). `login` always asks for the
   * password.
   */
  prompt?: 'none' | 'login' | 'consent' | 'select_account' | 'create';
  /**
   * Sent as `acr_values`: the level of sign-in the app needs, e.g. `['urn:adieu:mfa']` (docs/mfa.md). A user
   * already signed in at a lower level gives only the missing step, in the same provider session (step-up).
   * The result's `idTokenClaims.acr` says what was reached: check it (a provider may give less than asked).
   */
  acrValues?: string[];
  /** The app's own state, handed back in the result. */
  state?: string;
  redirectUri?: string;
  extraQueryParameters?: Record<string, string>;
  /** Called with the provider URL before navigating; return `false` to stay on the page. */
  onRedirectNavigate?: (url: string) => boolean | void;
}

/** MSAL.js's `PopupRequest`. */
export interface PopupRequest extends Omit<RedirectRequest, 'onRedirectNavigate'> {
  popupWindowAttributes?: PopupWindowAttributes;
}

/** MSAL.js's `SilentRequest`. */
export interface SilentRequest {
  scopes?: string[];
  /** Default: the active account. */
  account?: AccountInfo;
  /** Refresh even if the cached access token is still good. */
  forceRefresh?: boolean;
  /**
   * The level of sign-in this token is for, e.g. `['urn:adieu:mfa']`. When the account's sign-in (its ID token's
   * `acr`) is lower, no token is returned: an `InteractionRequiredAuthError` is thrown, and the app steps
   * up with `loginRedirect({ acrValues })` or `acquireTokenPopup({ acrValues })`. A refresh never raises the
   * level, so the cache is not even tried.
   */
  acrValues?: string[];
}

/** MSAL.js's `AuthenticationResult`. */
export interface AuthenticationResult {
  authority: string;
  uniqueId: string;
  tenantId: string;
  scopes: string[];
  account: AccountInfo;
  idToken: string;
  idTokenClaims: Record<string, unknown>;
  accessToken: string;
  fromCache: boolean;
  expiresOn: Date | null;
  tokenType: string;
  correlationId: string;
  state?: string | undefined;
}

/** MSAL.js's `EndSessionRequest`. */
export interface EndSessionRequest {
  /** The account to sign out. Default: every account of this app. */
  account?: AccountInfo | null;
  /** Overrides `auth.postLogoutRedirectUri`; `null` sends none. */
  postLogoutRedirectUri?: string | null;
  /** Sent as `logout_hint`. Default: the account's `login_hint` claim, if any. */
  logoutHint?: string;
  /** Sent as `id_token_hint`. Default: the account's ID token (the active account's when none is given). */
  idTokenHint?: string;
  /** The app's own state, handed back in the `IDP_LOGOUT_CONFIRMED` event. */
  state?: string;
  extraQueryParameters?: Record<string, string>;
  /** Called with the provider URL before navigating; return `false` for a local-only logout. */
  onRedirectNavigate?: (url: string) => boolean | void;
}

/** MSAL.js's `EndSessionPopupRequest`. */
export interface EndSessionPopupRequest extends Omit<EndSessionRequest, 'onRedirectNavigate'> {
  /** Where the main window goes once the popup is done. */
  mainWindowRedirectUri?: string;
  popupWindowAttributes?: PopupWindowAttributes;
}

/** `logout()`: the explicit form that `logoutRedirect` and `logoutPopup` wrap. */
export interface LogoutRequest extends EndSessionPopupRequest {
  /** `local`: forget the account here only (the provider session stays). Default `global`. */
  scope?: 'local' | 'global';
  /** How the provider's logout page is shown for a global logout. Default `redirect`. */
  via?: 'redirect' | 'popup';
  onRedirectNavigate?: (url: string) => boolean | void;
}

/** What a logout did. */
export interface LogoutResult {
  /** The accounts removed from this app (in every tab). */
  accounts: AccountInfo[];
  /** The provider sent our state back: the SSO session is over. Always `false` for local and redirect logouts. */
  idpLogoutConfirmed: boolean;
  /** The main window is navigating away (to the provider, or to `mainWindowRedirectUri`). */
  navigated: boolean;
}

/** Filter for {@link AdieuClient.getAllAccounts} / {@link AdieuClient.getAccount}. */
export interface AccountFilter {
  homeAccountId?: string;
  username?: string;
  sid?: string;
}
