import type { Client } from '../../domain/clients.js';
import { OAuthError, invalidRequest } from '../errors.js';

export type FindClient = (clientId: string) => Promise<Client | undefined>;

/**
 * RFC 6749 §4.1.2.1 and §3.1.2.4: the client and its redirect URI are proven before anything else, and their
 * errors are never sent to the URI (the edge renders a page). The redirect URI must be registered exactly.
 */
export async function checkClientAndRedirectUri(
  clientId: string | undefined,
  redirectUri: string | undefined,
  findClient: FindClient,
): Promise<{ client: Client; redirectUri: string }> {
  if (!clientId) throw invalidRequest('client_id is missing');
  const client = await findClient(clientId);
  if (!client) throw new OAuthError('invalid_client', 'this application is not registered', 400);
  if (!redirectUri) throw invalidRequest('redirect_uri is missing');
  if (!client.hasRedirectUri(redirectUri)) {
    throw new OAuthError('invalid_request', 'redirect_uri is not registered for this application', 400);
  }
  return { client, redirectUri };
}
