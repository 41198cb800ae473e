import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import { AdieuError } from './errors.js';
import { randomId } from './login.js';
import { redirect, safeReturnTo, type HttpResult } from './http.js';
import type { SdkContext } from './sdk-context.js';
import type { AppSession } from './session-store.js';

/** What RP-initiated logout needs of the core. */
export type LogoutContext = Pick<SdkContext, 'config' | 'store' | 'provider' | 'cookies' | 'destroySession'>;

/** Seconds the provider's logout (with its receipt page) may take before the browser comes back. */
const LOGOUT_TTL = 900;

export interface LogoutOptions {
  /** A path on this app to land on afterwards. Anything else becomes `/`. */
  returnTo?: string | undefined;
  /**
   * End only this app's session and stay away from the provider: the user stays signed in there and in
   * every other app. An explicit choice; the default is single logout through the provider.
   */
  local?: boolean | undefined;
}

/**
 * Sign the user out. The app session ends first, here, whatever happens next. Then, unless `local`, the
 * browser goes to the provider's end_session endpoint (RP-Initiated Logout 1.0 §2) with `id_token_hint`,
 * `client_id`, `post_logout_redirect_uri` and a fresh `state`; the provider ends the SSO session and tells
 * every other app. The state is bound to this browser by a cookie and checked on return.
 */
export async function beginLogout(
  core: LogoutContext,
  session: AppSession | undefined,
  options: LogoutOptions = {},
): Promise<HttpResult> {
  const { config, store } = core;
  const returnTo = safeReturnTo(options.returnTo, config.baseUrl);
  const cookies = [core.cookies.clear(config.cookies.session)];
  if (session) await core.destroySession(session.id, 'logout');
  if (options.local ?? config.localLogout) return redirect(returnTo, cookies);

  const info = await core.provider.get();
  // A provider without RP-initiated logout cannot be asked; the app session is over all the same.
  if (!info.endSessionEndpoint) return redirect(returnTo, cookies);
  const state = randomId();
  await store.putTransaction(state, { kind: 'logout', returnTo, state }, LOGOUT_TTL);
  const params: Record<string, string> = {
    client_id: config.clientId,
    post_logout_redirect_uri: config.postLogoutRedirectUri,
    state,
  };
  if (session) params.id_token_hint = session.tokens.idToken;
  const url = oidc.buildEndSessionUrl(info.oidc, params);
  cookies.push(core.cookies.set(config.cookies.logout, state, LOGOUT_TTL));
  return redirect(url.href, cookies);
}

/**
 * The post_logout_redirect_uri: the provider sends the browser back here with the `state` it was given.
 * It must equal the one this browser holds (cookie) and still be pending (single use); then the browser goes
 * to the path chosen at logout. Otherwise `logout_state_mismatch` (the sign-out itself already happened).
 */
export async function completeLogout(
  core: Pick<SdkContext, 'config' | 'store' | 'cookies'>,
  query: URLSearchParams,
  cookies: Record<string, string | undefined>,
): Promise<HttpResult> {
  const { config, store } = core;
  const state = query.get('state');
  const expected = cookies[config.cookies.logout];
  if (!state || !expected || !sameString(state, expected)) {
    throw new AdieuError('logout_state_mismatch', 'the sign-out response does not match this browser');
  }
  const tx = await store.takeTransaction(state);
  if (!tx || tx.kind !== 'logout') {
    throw new AdieuError('logout_state_mismatch', 'this sign-out response was already used or has expired');
  }
  return redirect(tx.returnTo, [core.cookies.clear(config.cookies.logout)]);
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
