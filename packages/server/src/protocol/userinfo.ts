import { userClaims } from '../domain/users.js';
import { requireAccessToken, type TokenCheckDeps } from './access-tokens.js';
import { insufficientScope } from './errors.js';

/**
 * UserInfo (OIDC Core §5.3): the claims for the scopes of a valid access token (RFC 6750 invalid_token
 * otherwise) that carries `openid` (§5.3.1; insufficient_scope otherwise), for a user who is still active.
 */
export async function userinfo(
  deps: TokenCheckDeps,
  token: string | undefined,
): Promise<Record<string, unknown>> {
  const { claims, user } = await requireAccessToken(deps, token);
  const scopes = new Set(claims.scope.split(' '));
  if (!scopes.has('openid') || !user)
    throw insufficientScope('the access token does not carry the openid scope');
  return userClaims(user, scopes);
}
