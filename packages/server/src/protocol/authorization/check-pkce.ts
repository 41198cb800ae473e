import type { Client } from '../../domain/clients.js';
import { invalidRequest, type OAuthError } from '../errors.js';
import { PKCE_PATTERN } from '../pkce.js';

/**
 * RFC 7636 §4.3 and OAuth 2.1 / RFC 9700 §2.1.1: a challenge is S256 only (plain is refused), well formed, and
 * required of public clients; a confidential client may still send one and is then held to it.
 */
export function checkPkce(
  challenge: string | undefined,
  method: string | undefined,
  client: Client,
): OAuthError | undefined {
  if (challenge !== undefined || method !== undefined) {
    if (method !== 'S256') return invalidRequest('code_challenge_method must be S256');
    if (!challenge || !PKCE_PATTERN.test(challenge)) {
      return invalidRequest('code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');
    }
    return undefined;
  }
  if (client.isPublic)
    return invalidRequest('PKCE (code_challenge with S256) is required for public clients');
  return undefined;
}
