import type { Client } from '../../domain/clients.js';
import { invalidRequest, unauthorizedClient, unsupportedResponseType, type OAuthError } from '../errors.js';

/** RFC 6749 §4.1.1 and §4.1.2.1: only the code flow, and only for clients allowed the authorization_code grant. */
export function checkResponseType(responseType: string | undefined, client: Client): OAuthError | undefined {
  if (!responseType) return invalidRequest('response_type is missing');
  if (responseType !== 'code') return unsupportedResponseType('only response_type=code is supported');
  if (!client.allowsGrant('authorization_code')) {
    return unauthorizedClient('this client may not use the authorization code flow');
  }
  return undefined;
}
