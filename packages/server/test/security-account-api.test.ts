/**
 * Issue 11 point 2: the self-service API (/api/v1/me/...) accepts only access tokens with the `account` scope
 * the user granted; any other token gets 403 insufficient_scope (RFC 6750 §3.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const CB = 'http://localhost:5010/cb';
const IAT = 'initial-access-token-0123456789';

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    registration: { initial_access_token: IAT },
    clients: [
      {
        client_id: 'app',
        client_secret: 'app-secret-0123456789',
        redirect_uris: [CB],
        scope: 'openid profile account',
      },
      {
        client_id: 'worker',
        client_secret: 'worker-secret-0123456789',
        grant_types: ['client_credentials'],
        scope: 'account',
      },
    ],
    users: [ALICE],
  });
});
afterAll(() => op?.close());

const rp = () =>
  discover({ issuer: op.issuer, clientId: 'app', clientSecret: 'app-secret-0123456789', redirectUri: CB });

const me = (path: string, token: string, method = 'GET') =>
  fetch(`${op.issuer}/api/v1/me/${path}`, { method, headers: { authorization: `Bearer ${token}` } });

async function expectInsufficientScope(res: Response) {
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('error="insufficient_scope"');
  expect(challenge).toContain('scope="account"');
}

describe('self-service API needs the account scope', () => {
  it('an app granted only openid cannot list or end the user’s sessions', async () => {
    const browser = new BrowserSession();
    const { tokens } = await signIn(await rp(), browser, CB, ALICE, { scope: 'openid' });
    const at = tokens.access_token;
    await expectInsufficientScope(await me('sessions', at));
    await expectInsufficientScope(await me('revokeSignInSessions', at, 'POST'));
    const change = await fetch(`${op.issuer}/api/v1/me/changePassword`, {
      method: 'POST',
      headers: { authorization: `Bearer ${at}`, 'content-type': 'application/json' },
      body: JSON.stringify({ current_password: ALICE.password, new_password: 'taken-over-password' }),
    });
    await expectInsufficientScope(change);
    // Nothing happened: the session is alive and the password unchanged.
    const sid = tokens.claims()!.sid as string;
    expect((await op.provider.store.sessions.findBySid(sid))!.ended_at).toBeNull();
    expect(await op.provider.users.authenticate('alice', ALICE.password)).toBeTruthy();
  });

  it('a token with the account scope works', async () => {
    const browser = new BrowserSession();
    const { tokens } = await signIn(await rp(), browser, CB, ALICE, { scope: 'openid account' });
    const res = await me('sessions', tokens.access_token);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { current?: boolean }[];
    expect(list.some((s) => s.current)).toBe(true);
  });

  it('a client_credentials token, even with the account scope, has no user', async () => {
    const res = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('worker:worker-secret-0123456789').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'account' }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const answer = await me('sessions', access_token);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('discovery lists the account scope and the consent page explains it in plain words', async () => {
    const discovery = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as {
      scopes_supported: string[];
    };
    expect(discovery.scopes_supported).toContain('account');

    const reg = await fetch(`${op.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
      body: JSON.stringify({ redirect_uris: [CB], client_name: 'Sessions App', scope: 'openid account' }),
    });
    const client = (await reg.json()) as { client_id: string; client_secret: string };
    const config = await discover({
      issuer: op.issuer,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      redirectUri: CB,
    });
    const browser = new BrowserSession();
    const req = await authorizationRequest(config, CB, { scope: 'openid account' });
    const login = await browser.navigate(req.url.toString());
    const consent = await browser.submit(login, ALICE);
    const items = consent.doc.querySelectorAll('li').map((li) => li.text);
    expect(items).toContain(
      'See where you are signed in, sign you out on every device, and change your password',
    );
  });
});
