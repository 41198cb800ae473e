import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { AdieuError } from './errors.js';
import { redirect, safeReturnTo, type HttpResult } from './http.js';
import type { SdkContext } from './sdk-context.js';
import type { AppSession, UserClaims } from './session-store.js';

/** What login needs of the core. */
export type LoginContext = Pick<
  SdkContext,
  'config' | 'store' | 'provider' | 'cookies' | 'now' | 'destroySession'
>;

/** Seconds a login round trip may take (the user typing a password included). */
const LOGIN_TTL = 600;

/** 256 random bits: session ids, transaction ids. */
export function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** Claims that describe the token, not the user; kept out of `user`. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'at_hash',
  'c_hash',
  'azp',
  'sid',
  // Describes the provider session ("keep me signed in"), not the user; docs/protocol-extensions.md.
  'session_persistent',
]);

/** The user's claims from an ID token (or userinfo): everything but the token's own claims. */
export function userFromClaims(claims: Record<string, unknown>, sub: string): UserClaims {
  const user: UserClaims = { sub };
  for (const [k, v] of Object.entries(claims)) if (!PROTOCOL_CLAIMS.has(k) && k !== 'sub') user[k] = v;
  return user;
}

export interface LoginOptions {
  /** A path on this app to land on after login. Anything else becomes `/`. */
  returnTo?: string | undefined;
  /** Extra authorization parameters for this login (e.g. `{ prompt: 'login' }`). */
  params?: Record<string, string> | undefined;
}

/**
 * Start the authorization code flow with PKCE (S256), state and nonce. The verifier, state and nonce stay in
 * the store; the browser gets only a random transaction id in a short-lived cookie.
 */
export async function beginLogin(core: LoginContext, options: LoginOptions = {}): Promise<HttpResult> {
  const { config, store } = core;
  const info = await core.provider.get();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const txId = randomId();
  const acrValues = (options.params?.acr_values ?? config.authorizationParams?.acr_values)
    ?.split(' ')
    .filter(Boolean);
  await store.putTransaction(
    txId,
    {
      kind: 'login',
      returnTo: safeReturnTo(options.returnTo, config.baseUrl),
      state,
      nonce,
      codeVerifier,
      ...(acrValues?.length ? { acrValues } : {}),
    },
    LOGIN_TTL,
  );
  const url = oidc.buildAuthorizationUrl(info.oidc, {
    ...config.authorizationParams,
    ...options.params,
    redirect_uri: config.redirectUri,
    scope: config.scope,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return redirect(url.href, [core.cookies.set(config.cookies.transaction, txId, LOGIN_TTL)]);
}

/**
 * Finish the login at the redirect URI: exchange the code (openid-client checks state, PKCE, nonce, the ID
 * token and the `iss` response parameter), then create a fresh app session with a new random id. A session
 * the browser had before is destroyed (a new login never reuses an id).
 */
export async function completeLogin(
  core: LoginContext,
  search: string,
  cookies: Record<string, string | undefined>,
): Promise<HttpResult> {
  const { config, store } = core;
  const txId = cookies[config.cookies.transaction];
  const tx = txId ? await store.takeTransaction(txId) : undefined;
  if (!tx || tx.kind !== 'login') {
    throw new AdieuError(
      'login_transaction_missing',
      'this sign-in was not started in this browser, has expired or was already completed; please sign in again',
    );
  }
  const info = await core.provider.get();
  // openid-client sends the redirect_uri it sees in this URL, so build it from the registered one.
  const currentUrl = new URL(config.redirectUri);
  currentUrl.search = search;
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(info.oidc, currentUrl, {
      pkceCodeVerifier: tx.codeVerifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    });
  } catch (e) {
    const error =
      e instanceof oidc.AuthorizationResponseError || e instanceof oidc.ResponseBodyError
        ? e.error
        : undefined;
    throw new AdieuError('login_failed', `sign-in failed${error ? `: ${error}` : ''}`, {
      cause: e,
      status: error === 'access_denied' || error === 'login_required' ? 401 : 400,
    });
  }
  const claims = tokens.claims()!;
  let user = userFromClaims(claims, claims.sub);
  if (config.fetchUserinfo) {
    const userinfo = await oidc.fetchUserInfo(info.oidc, tokens.access_token, claims.sub);
    user = { ...user, ...userFromClaims(userinfo, claims.sub) };
  }

  const now = core.now();
  const expiresIn = tokens.expiresIn();
  const absoluteExpiresAt = now + config.session.absolute * 1000;
  const session: AppSession = {
    id: randomId(),
    sub: claims.sub,
    sid: typeof claims.sid === 'string' ? claims.sid : undefined,
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : claims.iat,
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt,
    expiresAt: Math.min(absoluteExpiresAt, now + config.session.idle * 1000),
    user,
    tokens: {
      idToken: tokens.id_token!,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      accessTokenExpiresAt: expiresIn === undefined ? undefined : now + expiresIn * 1000,
      tokenType: tokens.token_type,
      scope: tokens.scope,
    },
    ...(tx.acrValues ? { requestedAcr: tx.acrValues } : {}),
  };
  const previous = cookies[config.cookies.session];
  if (previous) await core.destroySession(previous, 'replaced');
  const created = await store.create(session);
  if (created !== 'created') {
    // A logout for this SSO session (or this user) arrived while the login was in flight.
    throw new AdieuError('session_revoked', 'this sign-in was ended by a logout; please sign in again', {
      status: 401,
    });
  }
  return redirect(tx.returnTo, [
    core.cookies.clear(config.cookies.transaction),
    core.cookies.set(config.cookies.session, session.id, appCookieLifetime(claims, config.session.absolute)),
  ]);
}

/**
 * How long the app session cookie lives. When the provider says its session is not persistent (the user did
 * not choose "keep me signed in": `session_persistent: false`), the app cookie is a browser-session cookie, so
 * it dies with the browser exactly when the provider's cookie does; a closed browser is then no way around
 * single logout. Without the claim (another provider, an older Adieu): the configured absolute lifetime.
 */
export function appCookieLifetime(claims: Record<string, unknown>, absolute: number): number | undefined {
  return claims.session_persistent === false ? undefined : absolute;
}
