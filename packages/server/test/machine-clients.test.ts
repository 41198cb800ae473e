import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';

const IAT = 'initial-access-token-0123456789';
const SECRET = 'machine-secret-0123456789';

// node-oidc-provider's documented machine client: no redirect URIs, no response types.
const machine = {
  client_id: 'machine',
  client_secret: SECRET,
  grant_types: ['client_credentials' as const],
  response_types: [] as 'code'[],
  redirect_uris: [],
  scope: 'api:read',
};

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({ clients: [machine], registration: { initial_access_token: IAT } });
});
afterAll(() => op?.close());

describe('response_types (RFC 7591 §2)', () => {
  it('may be empty for a client_credentials-only client, which then gets tokens', async () => {
    const res = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`machine:${SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=api%3Aread',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_token?: string }).access_token).toBeTruthy();
  });

  it('follows grant_types when omitted', () => {
    const c = parseConfig({
      issuer: 'http://localhost:1',
      clients: [
        { client_id: 'm', client_secret: 's', grant_types: ['client_credentials'] },
        { client_id: 'w', client_secret: 's', redirect_uris: ['https://w.example/cb'] },
      ],
    });
    expect(c.clients.map((x) => x.response_types)).toEqual([[], ['code']]);
  });

  it('must agree with grant_types: "code" needs authorization_code, and the reverse', () => {
    const base = { issuer: 'http://localhost:1' };
    expect(() =>
      parseConfig({
        ...base,
        clients: [
          {
            client_id: 'm',
            client_secret: 's',
            grant_types: ['client_credentials'],
            response_types: ['code'],
          },
        ],
      }),
    ).toThrow(/clients\.0\.response_types: "code" needs the authorization_code grant/);
    expect(() =>
      parseConfig({
        ...base,
        clients: [
          { client_id: 'w', client_secret: 's', redirect_uris: ['https://w.example/cb'], response_types: [] },
        ],
      }),
    ).toThrow(/clients\.0\.response_types: must contain "code" when grant_types contains authorization_code/);
  });

  it('registration accepts an empty list for a machine client and refuses a contradiction', async () => {
    const register = (body: unknown) =>
      fetch(`${op.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify(body),
      });
    const ok = await register({ grant_types: ['client_credentials'], response_types: [] });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { response_types: string[] }).response_types).toEqual([]);

    const bad = await register({ grant_types: ['client_credentials'], response_types: ['code'] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });
});
