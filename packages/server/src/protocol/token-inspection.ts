import type { Client } from '../domain/clients.js';
import type { TokensRepo } from '../store/repos/tokens.js';
import { digest } from '../util/crypto.js';
import { checkAccessToken, checkRefreshToken, type TokenCheckDeps } from './access-tokens.js';
import { OAuthError } from './errors.js';
import { readParams } from './params.js';

/** What revocation and introspection need: token checks, plus revoking. */
export interface TokenInspectionDeps extends TokenCheckDeps {
  store: TokenCheckDeps['store'] & {
    tokens: Pick<TokensRepo, 'isAccessTokenDenied' | 'findRefresh' | 'revokeRefresh' | 'denyAccessTokens'>;
  };
}

const HINTS = new Set(['access_token', 'refresh_token']);

/**
 * RFC 7009 revocation. A token of another client, an unknown token or an already revoked one all answer 200:
 * the caller learns nothing, and revocation is idempotent. Revoking a refresh token revokes its whole family.
 */
export async function revoke(p: TokenInspectionDeps, client: Client, body: unknown): Promise<void> {
  const { token, token_type_hint: hint } = readParams(body, ['token', 'token_type_hint'] as const, {
    token: 8192,
  });
  if (!token) throw new OAuthError('invalid_request', 'token is missing');
  if (hint && !HINTS.has(hint))
    throw new OAuthError('unsupported_token_type', `token_type_hint ${hint} is not supported`);
  const now = p.now();
  const rt = await p.store.tokens.findRefresh(digest(token));
  if (rt) {
    if (rt.client_id === client.id)
      await p.store.tokens.revokeRefresh({ family_id: rt.family_id }, now, 'revoked');
    return;
  }
  const at = await checkAccessToken(p, token);
  if (at.active && at.claims.client_id === client.id) {
    await p.store.tokens.denyAccessTokens([{ jti: at.claims.jti, expires_at: at.claims.exp * 1000 }]);
  }
}

/**
 * RFC 7662 introspection for authenticated confidential clients. A token of an ended SSO session, a revoked or
 * rotated token, or one of a disabled user is `active: false` with nothing else said.
 */
export async function introspect(p: TokenInspectionDeps, body: unknown): Promise<Record<string, unknown>> {
  const { token, token_type_hint: hint } = readParams(body, ['token', 'token_type_hint'] as const, {
    token: 8192,
  });
  if (!token) throw new OAuthError('invalid_request', 'token is missing');
  if (hint !== 'refresh_token') {
    const at = await checkAccessToken(p, token);
    if (at.active) {
      const c = at.claims;
      return {
        active: true,
        token_type: 'Bearer',
        scope: c.scope,
        client_id: c.client_id,
        sub: c.sub,
        ...(at.user ? { username: at.user.username } : {}),
        iss: p.issuer,
        aud: c.aud,
        exp: c.exp,
        iat: c.iat,
        jti: c.jti,
        ...(c.sid ? { sid: c.sid } : {}),
        ...(c.auth_time ? { auth_time: c.auth_time } : {}),
      };
    }
  }
  const rt = await checkRefreshToken(p, token);
  if (rt) {
    const user = await p.users.findCached(rt.user_id);
    if (!user || user.disabled) return { active: false };
    return {
      active: true,
      token_type: 'refresh_token',
      scope: rt.scope,
      client_id: rt.client_id,
      sub: rt.user_id,
      username: user.username,
      iss: p.issuer,
      exp: Math.floor(rt.expires_at / 1000),
      iat: Math.floor(rt.created_at / 1000),
      ...(rt.sid && !rt.offline ? { sid: rt.sid } : {}),
    };
  }
  return { active: false };
}
