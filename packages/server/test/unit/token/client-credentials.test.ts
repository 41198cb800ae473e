import { describe, expect, it } from 'vitest';
import { rejectScopeNotAllowedForClient } from '../../../src/protocol/token/client-credentials.js';
import { rejectGrantNotAllowedForClient } from '../../../src/protocol/token/grant-type.js';
import { client, oauthError } from '../support.js';

const service = () =>
  client({
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'reports:read',
    client_secret: 'service-secret-0123456789',
  });

describe('client credentials rules (RFC 6749 §4.4)', () => {
  it('a client uses only the grant types it was registered for', async () => {
    await oauthError(() => rejectGrantNotAllowedForClient(service(), 'refresh_token'), 'unauthorized_client');
    expect(() => rejectGrantNotAllowedForClient(service(), 'client_credentials')).not.toThrow();
  });

  it('only the client’s registered scopes, and none that name a user', async () => {
    expect(() => rejectScopeNotAllowedForClient(service(), ['reports:read'])).not.toThrow();
    expect(() => rejectScopeNotAllowedForClient(service(), [])).not.toThrow();
    await oauthError(() => rejectScopeNotAllowedForClient(service(), ['reports:write']), 'invalid_scope');
    await oauthError(() => rejectScopeNotAllowedForClient(service(), ['openid']), 'invalid_scope', /openid/);
    await oauthError(() => rejectScopeNotAllowedForClient(service(), ['offline_access']), 'invalid_scope');
  });
});
