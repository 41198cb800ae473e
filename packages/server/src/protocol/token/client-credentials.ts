/** The client credentials grant (RFC 6749 §4.4): tokens for the client itself, never for a user. */
import type { Client } from '../../domain/clients.js';
import { invalidScope } from '../errors.js';
import { readParams, splitScope } from '../params.js';
import { rejectGrantNotAllowedForClient } from './grant-type.js';
import type { TokenResponse } from './issue.js';
import type { TokenDeps } from './ports.js';

/**
 * RFC 6749 §3.3 / §4.4.2: only scopes registered for the client, and none that name a user (openid, OIDC Core
 * §3.1.2.1; offline_access, §11): there is no user in this grant.
 */
export function rejectScopeNotAllowedForClient(client: Client, requested: readonly string[]): void {
  const bad = requested.find((s) => !client.allowedScopes.has(s) || s === 'openid' || s === 'offline_access');
  if (bad) throw invalidScope(`scope ${bad} is not allowed for this client`);
}

/** RFC 6749 §4.4, top to bottom. No refresh token (§4.4.3). */
export async function clientCredentialsGrant(
  deps: Pick<TokenDeps, 'signer' | 'now' | 'issuer' | 'ttl'>,
  client: Client,
  body: unknown,
): Promise<TokenResponse> {
  rejectGrantNotAllowedForClient(client, 'client_credentials');
  const requested = splitScope(readParams(body, ['scope'] as const).scope);
  rejectScopeNotAllowedForClient(client, requested);
  const ttl = deps.ttl.access_token;
  const at = await deps.signer.accessToken(
    { sub: client.id, aud: deps.issuer, client_id: client.id, scope: requested.join(' ') },
    deps.now(),
    ttl,
  );
  return { access_token: at.token, token_type: 'Bearer', expires_in: ttl, scope: requested.join(' ') };
}
