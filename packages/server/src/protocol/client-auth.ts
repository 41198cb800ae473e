import type { Client } from '../domain/clients.js';
import { invalidClient, invalidRequest } from './errors.js';
import { readParams } from './params.js';

export interface ClientCredentials {
  clientId: string;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
  secret?: string;
}

/**
 * Extract client credentials from a token-endpoint style request (RFC 6749 §2.3.1). Using more than one
 * method at once is an error (§2.3), as is a Basic header whose parts are not form-encoded correctly.
 */
export function readClientCredentials(authorization: string | undefined, body: unknown): ClientCredentials {
  const p = readParams(body, ['client_id', 'client_secret'] as const, { client_id: 256, client_secret: 512 });
  if (authorization !== undefined) {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (!m) throw invalidClient('the Authorization header must be HTTP Basic with client credentials', true);
    if (p.client_secret) throw invalidRequest('use one client authentication method, not two');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('malformed Basic credentials', true);
    let clientId: string;
    let secret: string;
    try {
      // §2.3.1: client_id and secret are form-urlencoded before being put in the Basic header.
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw invalidClient('malformed Basic credentials', true);
    }
    if (clientId.includes('\u0000') || secret.includes('\u0000'))
      throw invalidClient('malformed Basic credentials', true);
    if (p.client_id && p.client_id !== clientId)
      throw invalidRequest('client_id does not match the Basic credentials');
    return { clientId, method: 'client_secret_basic', secret };
  }
  if (!p.client_id) throw invalidClient('client authentication is required');
  if (p.client_secret)
    return { clientId: p.client_id, method: 'client_secret_post', secret: p.client_secret };
  return { clientId: p.client_id, method: 'none' };
}

/**
 * Check credentials against the client's registered method. An unknown client, a wrong method and a wrong secret
 * get the very same answer, so the token endpoint does not tell a prober which client ids exist or how they
 * authenticate (RFC 6749 §5.2 leaves the description to us).
 */
export async function authenticateClient(
  creds: ClientCredentials,
  findClient: (id: string) => Promise<Client | undefined>,
): Promise<Client> {
  const client = await findClient(creds.clientId);
  if (!client || client.authMethod !== creds.method) throw clientAuthenticationFailed(creds);
  if (creds.method !== 'none' && !client.checkSecret(creds.secret ?? ''))
    throw clientAuthenticationFailed(creds);
  return client;
}

/** The one client-authentication failure; the Basic challenge follows what the caller sent, not the client. */
function clientAuthenticationFailed(creds: ClientCredentials) {
  return invalidClient('client authentication failed', creds.method === 'client_secret_basic');
}
