import { describe, expect, it } from 'vitest';
import { Client } from '../../../src/domain/clients.js';
import { clientMetadataSchema } from '../../../src/domain/client-metadata.js';
import { checkClientAndRedirectUri } from '../../../src/protocol/authorization/check-client.js';
import { checkResponseMode } from '../../../src/protocol/authorization/check-response-mode.js';
import { checkUnsupportedFeatures } from '../../../src/protocol/authorization/check-unsupported-features.js';
import { checkResponseType } from '../../../src/protocol/authorization/check-response-type.js';
import { checkPkce } from '../../../src/protocol/authorization/check-pkce.js';
import { checkPrompt } from '../../../src/protocol/authorization/check-prompt.js';
import { checkMaxAge } from '../../../src/protocol/authorization/check-max-age.js';
import { grantableScope } from '../../../src/protocol/authorization/check-scope.js';
import { checkIdTokenAlg } from '../../../src/protocol/check-id-token-alg.js';

function client(extra: Record<string, unknown> = {}, secret: string | null = 'a-secret-0123456789') {
  const metadata = clientMetadataSchema.parse({
    client_id: 'portal',
    redirect_uris: ['https://portal.example/cb'],
    ...extra,
  });
  return new Client(metadata, secret, 'config');
}

const confidential = client();
const spa = client({ token_endpoint_auth_method: 'none' }, null);
const machine = client({
  grant_types: ['client_credentials'],
  response_types: [],
  client_secret: 'a-secret-0123456789',
});
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('authorization request checks (one rule each)', () => {
  it('client and redirect URI: registered, exact, and errors meant for a page', async () => {
    const find = (id: string) => Promise.resolve(id === 'portal' ? confidential : undefined);
    await expect(checkClientAndRedirectUri(undefined, 'x', find)).rejects.toMatchObject({
      error: 'invalid_request',
    });
    await expect(checkClientAndRedirectUri('nope', 'x', find)).rejects.toMatchObject({
      error: 'invalid_client',
    });
    await expect(checkClientAndRedirectUri('portal', undefined, find)).rejects.toMatchObject({
      description: 'redirect_uri is missing',
    });
    await expect(
      checkClientAndRedirectUri('portal', 'https://portal.example/cb/', find),
    ).rejects.toMatchObject({
      status: 400,
    });
    const ok = await checkClientAndRedirectUri('portal', 'https://portal.example/cb', find);
    expect(ok.client.id).toBe('portal');
  });

  it('response_mode: three known modes; an unknown one is an error answered in query mode', () => {
    expect(checkResponseMode(undefined)).toEqual({ mode: 'query' });
    expect(checkResponseMode('form_post')).toEqual({ mode: 'form_post' });
    const bad = checkResponseMode('web_message');
    expect(bad.mode).toBe('query');
    expect(bad.error?.error).toBe('invalid_request');
  });

  it('request objects, request_uri and registration each get their own error code', () => {
    expect(checkUnsupportedFeatures({})).toBeUndefined();
    expect(checkUnsupportedFeatures({ request: 'e30.e30.' })?.error).toBe('request_not_supported');
    expect(checkUnsupportedFeatures({ request_uri: 'urn:x' })?.error).toBe('request_uri_not_supported');
    expect(checkUnsupportedFeatures({ registration: '{}' })?.error).toBe('registration_not_supported');
  });

  it('response_type: code only, for clients allowed the code grant', () => {
    expect(checkResponseType(undefined, confidential)?.error).toBe('invalid_request');
    expect(checkResponseType('token', confidential)?.error).toBe('unsupported_response_type');
    expect(checkResponseType('code id_token', confidential)?.error).toBe('unsupported_response_type');
    expect(checkResponseType('code', machine)?.error).toBe('unauthorized_client');
    expect(checkResponseType('code', confidential)).toBeUndefined();
  });

  it('PKCE: S256 only, well formed, required of public clients', () => {
    expect(checkPkce(undefined, undefined, confidential)).toBeUndefined();
    expect(checkPkce(undefined, undefined, spa)?.description).toMatch(/required for public clients/);
    expect(checkPkce(CHALLENGE, 'plain', spa)?.description).toMatch(/must be S256/);
    expect(checkPkce(CHALLENGE, undefined, confidential)?.description).toMatch(/must be S256/);
    expect(checkPkce('short', 'S256', spa)?.description).toMatch(/43-128/);
    expect(checkPkce(undefined, 'S256', spa)?.description).toMatch(/43-128/);
    expect(checkPkce(CHALLENGE, 'S256', spa)).toBeUndefined();
  });

  it('prompt: a set, and none stands alone', () => {
    expect([...checkPrompt('login consent').prompt]).toEqual(['login', 'consent']);
    expect(checkPrompt(undefined).prompt.size).toBe(0);
    expect(checkPrompt('none').error).toBeUndefined();
    expect(checkPrompt('none login').error?.description).toBe('prompt=none cannot be combined');
  });

  it("max_age: a non-negative integer; the client's default_max_age when absent", () => {
    expect(checkMaxAge('0', confidential)).toEqual({ maxAge: 0 });
    expect(checkMaxAge(undefined, confidential).maxAge).toBeUndefined();
    expect(checkMaxAge(undefined, client({ default_max_age: 60 })).maxAge).toBe(60);
    expect(checkMaxAge('30', client({ default_max_age: 60 })).maxAge).toBe(30);
    for (const bad of ['-1', '1.5', 'soon', '12345678901']) {
      expect(checkMaxAge(bad, confidential).error?.error).toBe('invalid_request');
    }
  });

  it('scope: what the client may not have is dropped, not refused', () => {
    expect(grantableScope('openid profile admin', confidential)).toEqual(['openid', 'profile']);
    expect(grantableScope(undefined, confidential)).toEqual([]);
  });

  it('ID token alg: a client asking for an alg not offered is unauthorized_client, only when it asks for openid', () => {
    const es = client({ id_token_signed_response_alg: 'ES256' });
    const rsOnly = (alg: string) => alg === 'RS256';
    const refused = checkIdTokenAlg(true, es, rsOnly);
    expect(refused?.error).toBe('unauthorized_client');
    expect(refused?.description).toMatch(/ES256 ID tokens/);
    expect(checkIdTokenAlg(false, es, rsOnly)).toBeUndefined();
    expect(checkIdTokenAlg(true, es, (alg) => alg === 'RS256' || alg === 'ES256')).toBeUndefined();
    expect(checkIdTokenAlg(true, confidential, rsOnly)).toBeUndefined();
  });
});
