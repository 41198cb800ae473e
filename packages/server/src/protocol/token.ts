import type { Client } from '../domain/clients.js';
import { invalidRequest, unsupportedGrantType } from './errors.js';
import { readParams } from './params.js';
import { authorizationCodeGrant } from './token/authorization-code.js';
import { clientCredentialsGrant } from './token/client-credentials.js';
import type { TokenResponse } from './token/issue.js';
import type { TokenDeps } from './token/ports.js';
import { refreshTokenGrant } from './token/refresh-token.js';

export type { TokenResponse } from './token/issue.js';
export type { TokenDeps } from './token/ports.js';

/**
 * The token endpoint's grants (RFC 6749 §4.1.3, §6, §4.4) for an already authenticated client. Each grant and
 * its rules live in `token/<grant>.ts`; the store answers each write in one call (one transaction).
 */
export class TokenEndpoint {
  constructor(private readonly deps: TokenDeps) {}

  async handle(client: Client, body: unknown): Promise<TokenResponse> {
    const { grant_type } = readParams(body, ['grant_type'] as const);
    if (!grant_type) throw invalidRequest('grant_type is missing');
    switch (grant_type) {
      case 'authorization_code':
        return authorizationCodeGrant(this.deps, client, body);
      case 'refresh_token':
        return refreshTokenGrant(this.deps, client, body);
      case 'client_credentials':
        return clientCredentialsGrant(this.deps, client, body);
      default:
        throw unsupportedGrantType(`grant_type ${grant_type} is not supported`);
    }
  }
}
