import * as oidc from 'openid-client';
import { AdieuError } from './errors.js';
import { userFromClaims } from './login.js';
import type { SdkContext } from './sdk-context.js';
import type { AppSession } from './session-store.js';

/** What a refresh needs of the core. */
export type RefreshContext = Pick<SdkContext, 'store' | 'provider' | 'now' | 'destroySession'>;

const LOCK_MS = 15_000;
const WAIT_FOR_OTHER_MS = 5_000;

/**
 * Refresh the session's tokens with its refresh token. Returns the updated session, or `undefined` when the
 * session is over: the provider answered `invalid_grant` (its SSO session ended, so the refresh token died
 * with it: logout detected with no channel at all), or the session was destroyed meanwhile.
 *
 * Only one refresh per session runs at a time, across processes (a store lock): the provider rotates refresh
 * tokens and treats reuse of a rotated one as theft, so two parallel refreshes would kill the session.
 * Other failures (provider unreachable) throw `refresh_failed` and leave the session as it was.
 */
export async function refreshSession(
  core: RefreshContext,
  session: AppSession,
): Promise<AppSession | undefined> {
  const { store } = core;
  const release = await store.lock(`refresh:${session.id}`, LOCK_MS);
  if (!release) return waitForOtherRefresh(core, session);
  try {
    const current = await store.get(session.id);
    if (!current) return undefined;
    // Someone refreshed while we waited for the lock: use their tokens.
    if (current.tokens.accessToken !== session.tokens.accessToken) return current;
    const refreshToken = current.tokens.refreshToken;
    if (!refreshToken) return current;
    const info = await core.provider.get();
    let tokens: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      tokens = await oidc.refreshTokenGrant(info.oidc, refreshToken);
    } catch (e) {
      if (e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant') {
        await core.destroySession(current.id, 'refresh_failed');
        return undefined;
      }
      throw new AdieuError('refresh_failed', `token refresh failed: ${(e as Error).message}`, {
        cause: e,
        status: 502,
      });
    }
    const claims = tokens.claims();
    if (claims && claims.sub !== current.sub) {
      // OIDC Core §12.2: a refreshed ID token must name the same user. Anything else is not this session.
      await core.destroySession(current.id, 'refresh_failed');
      return undefined;
    }
    const now = core.now();
    const expiresIn = tokens.expiresIn();
    const updated: AppSession = {
      ...current,
      user: claims ? { ...current.user, ...userFromClaims(claims, current.sub) } : current.user,
      tokens: {
        idToken: tokens.id_token ?? current.tokens.idToken,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token ?? refreshToken,
        accessTokenExpiresAt: expiresIn === undefined ? undefined : now + expiresIn * 1000,
        tokenType: tokens.token_type,
        scope: tokens.scope ?? current.tokens.scope,
      },
    };
    return (await store.update(updated)) ? updated : undefined;
  } finally {
    await release();
  }
}

/** Another process holds the refresh lock: wait (briefly) for its result instead of refreshing twice. */
async function waitForOtherRefresh(
  core: RefreshContext,
  session: AppSession,
): Promise<AppSession | undefined> {
  const deadline = Date.now() + WAIT_FOR_OTHER_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const current = await core.store.get(session.id);
    if (!current) return undefined;
    if (current.tokens.accessToken !== session.tokens.accessToken) return current;
  }
  return session;
}

/** Is the access token expired, or about to be within `leeway` seconds? */
export function needsRefresh(session: AppSession, now: number, leewaySeconds: number): boolean {
  const at = session.tokens.accessTokenExpiresAt;
  return !!session.tokens.refreshToken && at !== undefined && at - leewaySeconds * 1000 <= now;
}
