import type { Client } from '../domain/clients.js';
import { unauthorizedClient, type OAuthError } from './errors.js';

/**
 * A registered client may ask for an ID token alg (`id_token_signed_response_alg`) that the operator has since
 * taken out of `keys.algorithms`; config clients cannot (the config refuses it). Such a client is told so, with
 * `unauthorized_client`, before the user signs in (the authorization endpoint) and again where a code or refresh
 * token issued before the change is redeemed (the token endpoint), instead of getting a token in an alg it would
 * refuse. Only an `openid` request gets an ID token, so only it is refused.
 */
export function checkIdTokenAlg(
  openid: boolean,
  client: Client,
  offersAlg: (alg: string) => boolean,
): OAuthError | undefined {
  if (!openid || offersAlg(client.idTokenAlg)) return undefined;
  return unauthorizedClient(
    `this client asks for ${client.idTokenAlg} ID tokens, which this provider does not offer`,
  );
}
