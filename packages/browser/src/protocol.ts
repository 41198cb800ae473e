/**
 * The protocol client: builds the messages of the authorization code flow with PKCE (OIDC Core §3.1, RFC 7636),
 * refresh (RFC 6749 §6) and RP-Initiated Logout 1.0, and checks the answers. No browser navigation, no storage:
 * the manager ({@link AdieuClient}) decides when and where.
 */
import { accountFromIdToken, type AccountRecord } from './account.js';
import type { ProviderMetadata } from './discovery.js';
import { AdieuError, fromOAuthError } from './errors.js';
import { postForm, type Fetch } from './http.js';
import { checkIdToken } from './jwt.js';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  codeChallenge: string;
  loginHint?: string | undefined;
  prompt?: string | undefined;
  /** `acr_values` (OIDC Core §3.1.2.1), in order of preference. */
  acrValues?: string[] | undefined;
  extraQueryParameters?: Record<string, string> | undefined;
}

/** The authorization request URL (OIDC Core §3.1.2.1), response in the query (the code flow's default). */
export function authorizeUrl(meta: ProviderMetadata, p: AuthorizeParams): string {
  const url = new URL(meta.authorization_endpoint);
  const q = url.searchParams;
  for (const [k, v] of Object.entries(p.extraQueryParameters ?? {})) q.set(k, v);
  q.set('client_id', p.clientId);
  q.set('response_type', 'code');
  q.set('redirect_uri', p.redirectUri);
  q.set('scope', p.scopes.join(' '));
  q.set('state', p.state);
  q.set('nonce', p.nonce);
  q.set('code_challenge', p.codeChallenge);
  q.set('code_challenge_method', 'S256');
  if (p.loginHint) q.set('login_hint', p.loginHint);
  if (p.prompt) q.set('prompt', p.prompt);
  if (p.acrValues?.length) q.set('acr_values', p.acrValues.join(' '));
  return url.toString();
}

export interface EndSessionParams {
  clientId: string;
  idTokenHint?: string | undefined;
  logoutHint?: string | undefined;
  postLogoutRedirectUri?: string | null | undefined;
  state?: string | undefined;
  extraQueryParameters?: Record<string, string> | undefined;
}

/**
 * The RP-Initiated Logout request (RP-Initiated Logout 1.0 §2). `state` only travels with a
 * `post_logout_redirect_uri`, since it comes back on that redirect (§3).
 */
export function endSessionUrl(meta: ProviderMetadata, p: EndSessionParams): string {
  if (!meta.end_session_endpoint) {
    throw new AdieuError('discovery_failed', 'the provider publishes no end_session_endpoint');
  }
  const url = new URL(meta.end_session_endpoint);
  const q = url.searchParams;
  for (const [k, v] of Object.entries(p.extraQueryParameters ?? {})) q.set(k, v);
  if (p.idTokenHint) q.set('id_token_hint', p.idTokenHint);
  q.set('client_id', p.clientId);
  if (p.logoutHint) q.set('logout_hint', p.logoutHint);
  if (p.postLogoutRedirectUri) {
    q.set('post_logout_redirect_uri', p.postLogoutRedirectUri);
    if (p.state) q.set('state', p.state);
  }
  return url.toString();
}

/** Parameters of a redirect back from the provider, from the query (or a fragment, if the app chose one). */
export function responseParams(url: string): URLSearchParams {
  const u = new URL(url);
  if (u.searchParams.has('state')) return u.searchParams;
  return new URLSearchParams(u.hash.replace(/^#/, ''));
}

/** The state that a response URL carries, if any. */
export function responseState(url: string): string | null {
  try {
    return responseParams(url).get('state');
  } catch {
    return null;
  }
}

/**
 * Check an authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`) and return its code, or throw the
 * provider's error.
 */
export function codeFromResponse(params: URLSearchParams, issuer: string): string {
  const iss = params.get('iss');
  if (iss !== null && iss !== issuer) {
    throw new AdieuError('server_error', `the response comes from ${iss}, not ${issuer} (RFC 9207)`);
  }
  const error = params.get('error');
  if (error) throw fromOAuthError(error, params.get('error_description') ?? undefined);
  const code = params.get('code');
  if (!code) throw new AdieuError('server_error', 'the provider sent neither a code nor an error');
  return code;
}

export function exchangeCode(
  f: Fetch,
  meta: ProviderMetadata,
  p: { clientId: string; code: string; redirectUri: string; verifier: string },
): Promise<TokenResponse> {
  return postForm<TokenResponse>(f, meta.token_endpoint, {
    grant_type: 'authorization_code',
    client_id: p.clientId,
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.verifier,
  });
}

export function refreshTokens(
  f: Fetch,
  meta: ProviderMetadata,
  p: { clientId: string; refreshToken: string },
): Promise<TokenResponse> {
  return postForm<TokenResponse>(f, meta.token_endpoint, {
    grant_type: 'refresh_token',
    client_id: p.clientId,
    refresh_token: p.refreshToken,
  });
}

/**
 * Turn a token response into what the cache keeps, checking the ID token. For a login, `nonce` is the one the
 * request carried; for a refresh, `previous` is the record being refreshed (the subject must not change, and a
 * response without a new ID token or refresh token keeps the old ones).
 */
export function recordFromTokens(
  t: TokenResponse,
  x: {
    issuer: string;
    clientId: string;
    requestedScopes: string[];
    nonce?: string;
    previous?: AccountRecord;
    now?: number;
  },
): AccountRecord {
  const now = x.now ?? Date.now();
  if (!t.access_token) throw new AdieuError('server_error', 'the token response has no access_token');
  let account = x.previous?.account;
  if (t.id_token) {
    const claims = checkIdToken(t.id_token, {
      issuer: x.issuer,
      clientId: x.clientId,
      nonce: x.nonce,
      sub: x.previous?.account.homeAccountId,
      nowSeconds: now / 1000,
    });
    account = accountFromIdToken(t.id_token, claims);
  }
  if (!account) throw new AdieuError('invalid_id_token', 'the login answer carries no ID token');
  const scopes = t.scope ? t.scope.split(' ').filter(Boolean) : x.requestedScopes;
  return {
    account,
    refreshToken: t.refresh_token ?? x.previous?.refreshToken,
    accessToken: {
      token: t.access_token,
      scopes,
      expiresOn: now + (t.expires_in ?? 300) * 1000,
    },
    grantedScopes: x.previous?.grantedScopes ?? scopes,
    signedInAt: x.previous?.signedInAt ?? now,
    obtainedAt: now,
    ...(x.previous?.browserSession !== undefined ? { browserSession: x.previous.browserSession } : {}),
  };
}
