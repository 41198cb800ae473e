/**
 * Issue 11 point 1: dynamic registration cannot mint operators. Everything here goes through the real HTTP
 * server, as an outside app developer holding the initial access token would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { Client } from '../src/domain/clients.js';
import { clientMetadataSchema } from '../src/domain/client-metadata.js';

const IAT = 'initial-access-token-0123456789';
const CB = 'https://rp.example/callback';

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    registration: { initial_access_token: IAT },
    users: [{ username: 'bob', password: 'bob-password' }],
  });
});
afterAll(() => op?.close());

const register = (body: Record<string, unknown>) =>
  fetch(`${op.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
    body: JSON.stringify(body),
  });

const clientCredentials = (clientId: string, secret: string, scope: string) =>
  fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });

async function expectRefused(body: Record<string, unknown>, field: string) {
  const res = await register(body);
  const json = (await res.json()) as { error: string; error_description: string };
  expect(res.status, JSON.stringify(json)).toBe(400);
  expect(json.error).toBe('invalid_client_metadata');
  expect(json.error_description).toContain(field);
}

describe('registration cannot mint operators', () => {
  it('refuses the admin scope with client_credentials (the probe: register, admin token, reset bob)', async () => {
    await expectRefused({ grant_types: ['client_credentials'], scope: 'admin' }, 'scope');
    await expectRefused({ grant_types: ['client_credentials'], scope: 'admin' }, 'grant_types');
    await expectRefused({ redirect_uris: [CB], scope: 'openid admin' }, 'scope');
  });

  it('a client_credentials client without a management scope cannot get one at the token endpoint', async () => {
    const res = await register({ grant_types: ['client_credentials'], scope: 'reports' });
    expect(res.status).toBe(201);
    const c = (await res.json()) as { client_id: string; client_secret: string };
    const token = await clientCredentials(c.client_id, c.client_secret, 'admin');
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('a registered client stored with the admin scope (before this fix) gets no admin token and no admin API', async () => {
    const metadata = clientMetadataSchema.parse({
      client_id: 'dyn_legacy',
      client_secret: 'legacy-secret-0123456789',
      grant_types: ['client_credentials'],
      scope: 'admin',
    });
    await op.provider.store.clients.upsert(Client.toRow(metadata, 'registration', Date.now()));
    const token = await clientCredentials('dyn_legacy', 'legacy-secret-0123456789', 'admin');
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_scope' });
    // An admin-scoped token such a client might still hold is refused by the management API too.
    const at = await op.provider.signer.accessToken(
      { sub: 'dyn_legacy', aud: op.issuer, client_id: 'dyn_legacy', scope: 'admin' },
      Date.now(),
      60,
    );
    const reset = await fetch(`${op.issuer}/api/v1/users/bob/password`, {
      method: 'POST',
      headers: { authorization: `Bearer ${at.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'owned-by-someone-else' }),
    });
    expect(reset.status).toBe(403);
    expect(reset.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
  });

  it.each(['session_idle_max', 'session_absolute_max'])(
    'refuses %s (it would end every app’s SSO session early)',
    async (field) => {
      await expectRefused({ redirect_uris: [CB], [field]: 60 }, field);
    },
  );

  it.each([
    ['logo_uri', 'javascript:alert(document.cookie)'],
    ['client_uri', 'file:///etc/passwd'],
    ['policy_uri', 'http://rp.example/policy'],
    ['tos_uri', 'data:text/html,<script>alert(1)</script>'],
    ['logo_uri', 'https://10.0.0.7/logo.png'],
    ['client_uri', 'https://localhost/'],
    ['policy_uri', 'https://[::1]/policy'],
    ['tos_uri', 'https://169.254.169.254/latest/meta-data/'],
  ])('refuses %s = %s', async (field, value) => {
    await expectRefused({ redirect_uris: [CB], [field]: value }, field);
  });

  it('accepts https information URIs on public hosts', async () => {
    const res = await register({
      redirect_uris: [CB],
      logo_uri: 'https://rp.example/logo.png',
      client_uri: 'https://rp.example/',
      policy_uri: 'https://rp.example/privacy',
      tos_uri: 'https://rp.example/terms',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ logo_uri: 'https://rp.example/logo.png' });
  });
});
