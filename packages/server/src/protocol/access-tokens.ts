import type { JWTPayload } from 'jose';
import { SessionService } from '../domain/sessions.js';
import type { UserDirectory } from '../domain/users.js';
import type { SessionsRepo } from '../store/repos/sessions.js';
import type { TokensRepo } from '../store/repos/tokens.js';
import type { UserRow } from '../store/repos/users.js';
import type { TokenSigner } from './jwt.js';
import { digest } from '../util/crypto.js';
import { invalidRequest, invalidToken } from './errors.js';
import { readParams } from './params.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  scope: string;
  jti: string;
  exp: number;
  iat: number;
  sid?: string;
  auth_time?: number;
}

/** What checking our own tokens needs (the provider satisfies it; tests can pass less). */
export interface TokenCheckDeps {
  signer: Pick<TokenSigner, 'verifyAccessToken'>;
  now: () => number;
  readonly issuer: string;
  store: {
    sessions: Pick<SessionsRepo, 'findBySid' | 'findForAccessToken'>;
    tokens: Pick<TokensRepo, 'isAccessTokenDenied' | 'findRefresh'>;
  };
  /**
   * Users as token minting reads them: cached for a few seconds. Disabling or deleting a user ends their sessions
   * and denies their live access tokens in the store, which is read on every check, so the cache never lets
   * such a token through; the user's own flag is the last line behind that.
   */
  users: Pick<UserDirectory, 'findCached'>;
}

export type TokenCheck =
  | { active: true; claims: AccessTokenClaims; user?: UserRow | undefined; sessionEnded?: true }
  | { active: false; why: string };

const REVOKED = Object.freeze({ active: false, why: 'the access token was revoked' } as const);

/**
 * Is an access token we issued still good? Beyond the JWT checks: not revoked, its SSO session (if any) still
 * alive, its user still enabled. This is what makes logout reach resource servers that introspect.
 */
export async function checkAccessToken(
  p: TokenCheckDeps,
  token: string,
  opts: { allowEndedSession?: boolean } = {},
): Promise<TokenCheck> {
  let claims: AccessTokenClaims;
  try {
    claims = (await p.signer.verifyAccessToken(token, p.now())) as AccessTokenClaims;
  } catch {
    return { active: false, why: 'the access token is invalid or expired' };
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(p.issuer))
    return { active: false, why: 'the access token is not meant for this provider' };
  if (typeof claims.jti !== 'string' || typeof claims.client_id !== 'string') {
    return { active: false, why: 'the access token is malformed' };
  }
  if (claims.sid) {
    // The session and the deny list in one statement (one round trip on PostgreSQL).
    const found = await p.store.sessions.findForAccessToken(claims.sid, claims.jti);
    if (!found || !SessionService.isLive(found.session, p.now())) {
      // The session events stream may still say *why* the session ended; nothing else accepts such a token.
      if (opts.allowEndedSession) return { active: true, claims, sessionEnded: true };
      return { active: false, why: 'the sign-in session of this token has ended' };
    }
    if (found.denied) return REVOKED;
  } else if (await p.store.tokens.isAccessTokenDenied(claims.jti)) {
    return REVOKED;
  }
  if (claims.sub === claims.client_id && !claims.sid) return { active: true, claims }; // client_credentials
  const user = await p.users.findCached(claims.sub);
  if (!user || user.disabled) return { active: false, why: 'the user is no longer active' };
  return { active: true, claims, user };
}

/** Like checkAccessToken, but a failure is an RFC 6750 invalid_token error. */
export async function requireAccessToken(p: TokenCheckDeps, token: string | undefined) {
  if (!token) throw invalidToken('an access token is required');
  const r = await checkAccessToken(p, token);
  if (!r.active) throw invalidToken(r.why);
  return r;
}

/**
 * Read a bearer token from the Authorization header (RFC 6750 §2.1) or a form body (§2.2); never both. A
 * repeated or malformed body parameter and two methods at once are `invalid_request` (RFC 6750 §3.1).
 */
export function bearerToken(authorization: string | undefined, body?: unknown): string | undefined {
  const fromBody =
    body === undefined
      ? undefined
      : readParams(body, ['access_token'] as const, { access_token: 8192 }).access_token;
  if (authorization !== undefined) {
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
    if (!m) throw invalidToken('the Authorization header must be "Bearer <token>"');
    if (fromBody) throw invalidRequest('send the access token once, not in both header and body');
    return m[1];
  }
  return fromBody;
}

/** A refresh token's state for introspection. */
export async function checkRefreshToken(p: TokenCheckDeps, token: string) {
  const rt = await p.store.tokens.findRefresh(digest(token));
  if (!rt || rt.revoked_at !== null || rt.used_at !== null || rt.expires_at <= p.now()) return undefined;
  if (!rt.offline && rt.sid) {
    const s = await p.store.sessions.findBySid(rt.sid);
    if (!s || !SessionService.isLive(s, p.now())) return undefined;
  }
  return rt;
}
