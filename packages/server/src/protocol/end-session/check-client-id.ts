import type { Client } from '../../domain/clients.js';
import { OAuthError } from '../errors.js';
import type { IdTokenHint } from './check-id-token-hint.js';

export type FindClient = (clientId: string) => Promise<Client | undefined>;

/**
 * RP-Initiated Logout 1.0 §2: when both client_id and id_token_hint are sent, client_id must be the hint's
 * audience; a client_id must name a registered application. Returns the identified client, if any.
 */
export async function checkClientId(
  clientId: string | undefined,
  hint: IdTokenHint | undefined,
  findClient: FindClient,
): Promise<Client | undefined> {
  if (clientId !== undefined && hint?.clientId !== undefined && clientId !== hint.clientId) {
    throw new OAuthError('invalid_request', 'client_id does not match the audience of id_token_hint', 400);
  }
  const id = clientId ?? hint?.clientId;
  const client = id === undefined ? undefined : await findClient(id);
  if (clientId !== undefined && !client) {
    throw new OAuthError('invalid_request', 'client_id is not a registered application', 400);
  }
  return client;
}
