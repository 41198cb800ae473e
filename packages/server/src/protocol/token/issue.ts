import type { Client } from '../../domain/clients.js';
import { loginHintFor } from '../../domain/browser-accounts.js';
import type { SessionRow } from '../../domain/sessions.js';
import { userClaims } from '../../domain/users.js';
import type { RefreshTokenRow } from '../../store/repos/refresh-tokens.js';
import type { UserRow } from '../../store/repos/users.js';
import { digest, randomToken } from '../../util/crypto.js';
import { invalidGrant } from '../errors.js';
import { checkIdTokenAlg } from '../check-id-token-alg.js';
import { acrOf, parseAmr } from '../../domain/acr.js';
import type { TokenDeps } from './ports.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export interface GrantInput {
  userId: string;
  session: SessionRow | undefined;
  scopes: string[];
  grantedScopes?: string[];
  authTime: number;
  /** The session's methods when the code was issued (space-separated, RFC 8176); null: not recorded. */
  amr: string | null;
  nonce: string | null;
  familyId: string | null;
  familyExpiresAt: number;
  offline?: boolean;
  user?: UserRow;
}

export interface Issued {
  response: TokenResponse;
  /** The refresh token row to store, if the grant gets one. */
  refresh?: RefreshTokenRow | undefined;
  familyId: string | null;
  accessJti: string;
  accessExpiresAt: number;
}

/** Sign the tokens of a user grant and build the refresh token row; writes nothing. */
export async function issueTokens(
  deps: Pick<TokenDeps, 'signer' | 'now' | 'issuer' | 'ttl' | 'findUser'>,
  client: Client,
  g: GrantInput,
): Promise<Issued> {
  const now = deps.now();
  const ttl = deps.ttl;
  const scopeSet = new Set(g.scopes);
  const sid = g.session?.sid;
  // OIDC Core §2 acr and RFC 8176 amr, in the ID token and (RFC 9068 §2.2.1) the access token, so an API can
  // demand a level too. Sessions from before methods were recorded carry no amr and count as a password.
  const amr = parseAmr(g.amr);
  const authn = { acr: acrOf(amr), ...(amr.length ? { amr } : {}) };
  const algProblem = checkIdTokenAlg(scopeSet.has('openid'), client, (alg) => deps.signer.offers(alg));
  if (algProblem) throw algProblem;
  const at = await deps.signer.accessToken(
    {
      sub: g.userId,
      aud: deps.issuer,
      client_id: client.id,
      scope: g.scopes.join(' '),
      auth_time: Math.floor(g.authTime / 1000),
      ...authn,
      ...(sid ? { sid } : {}),
    },
    now,
    ttl.access_token,
  );
  const response: TokenResponse = {
    access_token: at.token,
    token_type: 'Bearer',
    expires_in: ttl.access_token,
    scope: g.scopes.join(' '),
  };
  if (scopeSet.has('openid')) {
    const user = g.user ?? (await deps.findUser(g.userId));
    if (!user || user.disabled) throw invalidGrant('the user is no longer active');
    response.id_token = await deps.signer.idToken(
      {
        ...userClaims(user, scopeSet),
        sub: g.userId,
        aud: client.id,
        azp: client.id,
        auth_time: Math.floor(g.authTime / 1000),
        ...authn,
        ...(sid ? { sid } : {}),
        // Adieu extension (docs/protocol-extensions.md §4): whether the user chose "keep me signed in". When
        // false, the SDKs make the app's session a browser-session cookie, so it ends with the provider's.
        ...(g.session ? { session_persistent: g.session.remember_me } : {}),
        // Issue 19: names this account in this browser without naming the user (logout_hint, login_hint).
        ...(g.session ? { login_hint: loginHintFor(g.session) } : {}),
        ...(g.nonce ? { nonce: g.nonce } : {}),
      },
      now,
      ttl.id_token,
      at.token,
      client.idTokenAlg,
    );
  }
  let refresh: RefreshTokenRow | undefined;
  if (g.familyId) {
    const token = randomToken(32);
    refresh = {
      token_digest: digest(token),
      family_id: g.familyId,
      client_id: client.id,
      user_id: g.userId,
      // Offline tokens keep the sid for reporting but do not depend on the session staying alive.
      sid: sid ?? null,
      // Down-scoping on refresh narrows this access token, not the family's grant.
      scope: (g.grantedScopes ?? g.scopes).join(' '),
      offline: g.offline ?? (g.grantedScopes ?? g.scopes).includes('offline_access'),
      auth_time: g.authTime,
      amr: g.amr,
      created_at: now,
      expires_at: g.familyExpiresAt,
      used_at: null,
      revoked_at: null,
      revoke_reason: null,
      access_jti: at.jti,
      access_expires_at: at.expiresAt,
    };
    response.refresh_token = token;
  }
  return { response, refresh, familyId: g.familyId, accessJti: at.jti, accessExpiresAt: at.expiresAt };
}
