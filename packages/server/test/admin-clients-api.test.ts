/**
 * Registering a client through the admin API (issue 16: the console's "Register a client" is this call), and the
 * connections' live sessions: odd input gets a readable 4xx and changes nothing; the audit log names the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';

const SECRET = 'clients-api-admin-secret-0123';
let op: TestProvider;

const api = (method: string, path: string, body?: unknown, auth = SECRET) =>
  fetch(`${op.issuer}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${auth}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

beforeAll(async () => {
  op = await startTestProvider({
    admin: { bearer_secret: SECRET },
    users: [{ username: 'erin', password: 'erin-password-0123' }],
    connections: [
      {
        id: 'acme',
        name: 'Acme Corp',
        type: 'oidc',
        issuer: 'https://acme.example',
        client_id: 'adieu',
        client_secret: 'acme-secret-0123456789',
        logout: 'upstream',
      },
    ],
  });
});
afterAll(async () => {
  await op?.close();
});

describe('POST /api/v1/clients', () => {
  it('registers a confidential client: the secret is in the answer once and works at the token endpoint', async () => {
    const r = await api('POST', '/clients', {
      client_id: 'billing',
      client_name: 'Billing',
      redirect_uris: ['https://billing.example/callback'],
      backchannel_logout_uri: 'https://billing.example/logout/backchannel',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('cache-control')).toMatch(/no-store/);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      client_id: 'billing',
      client_name: 'Billing',
      source: 'admin',
      public: false,
      // What @adieu/node sends by default.
      post_logout_redirect_uris: ['https://billing.example/logout/callback'],
    });
    expect(typeof body.client_secret).toBe('string');
    // Only a digest is kept: reading the client again never shows the secret.
    const again = (await (await api('GET', '/clients/billing')).json()) as Record<string, unknown>;
    expect(again.client_secret).toBeUndefined();
    // The secret authenticates the client (client_credentials is not allowed, so the answer is about the grant).
    const token = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`billing:${String(body.client_secret)}`).toString('base64')}`,
      },
      body: 'grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fbilling.example%2Fcallback',
    });
    expect(((await token.json()) as { error: string }).error).toBe('invalid_grant');
    // The audit log names the new client as the target.
    const audit = (await (await api('GET', '/audit?action=client.register')).json()) as {
      items: { target: { type: string; id: string }; status: number; actor: { type: string } }[];
    };
    expect(audit.items[0]).toMatchObject({
      target: { type: 'client', id: 'billing' },
      status: 201,
      actor: { type: 'secret' },
    });
  });

  it('registers a public client without a secret', async () => {
    const r = await api('POST', '/clients', {
      client_id: 'spa',
      redirect_uris: ['https://spa.example/'],
      token_endpoint_auth_method: 'none',
    });
    expect(r.status).toBe(201);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body.public).toBe(true);
    expect(body.client_secret).toBeUndefined();
    expect(body.post_logout_redirect_uris).toEqual(['https://spa.example/']);
  });

  it('an id that exists is a 409, and the existing client is untouched', async () => {
    const before = await (await api('GET', '/clients/spa')).json();
    const r = await api('POST', '/clients', {
      client_id: 'spa',
      redirect_uris: ['https://evil.example/'],
    });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error_description: string }).error_description).toMatch(/exists/);
    expect(await (await api('GET', '/clients/spa')).json()).toEqual(before);
  });

  it('two registrations of the same id at once: exactly one wins', async () => {
    const body = { client_id: 'raced', redirect_uris: ['https://raced.example/cb'] };
    const statuses = (await Promise.all([1, 2, 3].map(() => api('POST', '/clients', body)))).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([201, 409, 409]);
  });

  it('odd input gets a readable 400 and registers nothing', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /./],
      [[1, 2], /JSON object/],
      [{}, /client_id is required/],
      [{ client_id: 42, redirect_uris: [] }, /client_id must be a string/],
      [{ client_id: 'x1', redirect_uris: 'https://a.example/cb' }, /redirect_uris must be an array/],
      [{ client_id: 'x2', redirect_uris: [1] }, /redirect_uris must be an array of strings/],
      [{ client_id: 'x3', redirect_uris: ['https://a.example/cb'], admin: true }, /unknown field admin/],
      [{ client_id: 'x'.repeat(5000), redirect_uris: ['https://a.example/cb'] }, /too long/],
      [{ client_id: 'has space', redirect_uris: ['https://a.example/cb'] }, /client_id/],
      [{ client_id: 'x4', redirect_uris: ['javascript:alert(1)'] }, /redirect_uris/],
      [{ client_id: 'x5', redirect_uris: ['http://a.example/cb'] }, /https/],
      [{ client_id: 'x6', redirect_uris: Array(51).fill('https://a.example/cb') }, /at most 50/],
      [
        {
          client_id: 'x7',
          redirect_uris: ['https://a.example/cb'],
          token_endpoint_auth_method: 'private_key_jwt',
        },
        /token_endpoint_auth_method/,
      ],
      [
        {
          client_id: 'x8',
          redirect_uris: ['https://a.example/cb'],
          frontchannel_logout_uri: 'https://other.example/',
        },
        /frontchannel_logout_uri/,
      ],
      [{ client_id: 'x9\u0000', redirect_uris: ['https://a.example/cb'] }, /NUL/],
    ];
    for (const [body, message] of cases) {
      const r = await api('POST', '/clients', body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const e = (await r.json()) as { error: string; error_description: string };
      expect(e.error_description, JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
    const list = (await (await api('GET', '/clients')).json()) as { client_id: string }[];
    expect(list.map((c) => c.client_id).filter((id) => /^x/.test(id))).toEqual([]);
  });

  it('needs an admin credential', async () => {
    const r = await api(
      'POST',
      '/clients',
      { client_id: 'sneaky', redirect_uris: ['https://a.example/cb'] },
      'nope',
    );
    expect(r.status).toBe(401);
    expect((await api('GET', '/clients/sneaky')).status).toBe(404);
  });
});

describe('connections in the admin API', () => {
  it('lists live sessions per connection, and 404s an unknown one', async () => {
    const live = (await (await api('GET', '/live')).json()) as { sessions_per_connection: unknown[] };
    expect(live.sessions_per_connection).toEqual([]);
    const r = await api('GET', '/connections/acme/sessions');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([]);
    for (const id of ['nope', 'x'.repeat(60)]) {
      const miss = await api('GET', `/connections/${id}/sessions`);
      expect(miss.status).toBe(404);
      expect(((await miss.json()) as { error: string }).error).toBe('not_found');
    }
  });
});

describe('GET /api/v1/users/{user}/security', () => {
  it('says whether sign-in is locked and which second factors exist, never their secrets', async () => {
    const fresh = await (await api('GET', '/users/erin/security')).json();
    expect(fresh).toEqual({
      password_locked_until: null,
      second_factor_locked_until: null,
      factors: [],
      recovery_codes_left: 0,
    });
    const until = Date.now() + 3_600_000;
    await op.provider.store.throttle.put({
      key: 'acct:erin',
      failures: 5,
      window_started_at: Date.now(),
      locked_until: until,
    });
    const erin = (await (await api('GET', '/users/erin')).json()) as { id: string };
    await op.provider.store.factors.add({
      id: 'fac_erin',
      user_id: erin.id,
      kind: 'totp',
      label: 'Erin phone',
      secret: 'SECRET-NEVER-SHOWN',
      last_step: null,
      credential_id: null,
      public_key: null,
      sign_count: null,
      transports: null,
      backup_eligible: null,
      backed_up: null,
      created_at: 1_700_000_000_000,
      last_used_at: null,
    });
    const r = await api('GET', `/users/${erin.id}/security`);
    const text = await r.text();
    expect(text).not.toContain('SECRET-NEVER-SHOWN');
    expect(JSON.parse(text)).toMatchObject({
      password_locked_until: new Date(until).toISOString(),
      second_factor_locked_until: null,
      factors: [
        { kind: 'totp', label: 'Erin phone', created_at: '2023-11-14T22:13:20.000Z', last_used_at: null },
      ],
    });
    expect((await api('POST', '/users/erin/unlock')).status).toBe(204);
    expect(
      ((await (await api('GET', '/users/erin/security')).json()) as { password_locked_until: unknown })
        .password_locked_until,
    ).toBeNull();
    expect((await api('GET', '/users/nobody/security')).status).toBe(404);
  });
});
