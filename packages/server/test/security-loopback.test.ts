/**
 * Issue 11 point 10: loopback redirect URIs match any port at request time (RFC 8252 §7.3); scheme, host, path
 * and query stay exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { matchesLoopbackRedirect } from '../src/domain/loopback-redirect.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-password' };

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    clients: [
      {
        client_id: 'native',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/cb', 'http://[::1]/cb?app=1'],
      },
    ],
    users: [ALICE],
  });
});
afterAll(() => op?.close());

const authorizeUrl = (redirectUri: string) => {
  const u = new URL(`${op.issuer}/authorize`);
  u.search = new URLSearchParams({
    client_id: 'native',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  return u.toString();
};

describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
  it.each(['http://127.0.0.1:49152/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]:51000/cb?app=1'])(
    'accept any port: %s',
    async (uri) => {
      const page = await new BrowserSession().navigate(authorizeUrl(uri));
      expect(page.status).toBe(200);
      expect(page.doc.querySelector('input[name=password]')).toBeTruthy();
    },
  );

  it('a native app signs in with the port it picked, and redeems the code with the same URI', async () => {
    const redirect = 'http://127.0.0.1:53177/cb';
    const config = await discover({
      issuer: op.issuer,
      clientId: 'native',
      method: 'none',
      redirectUri: redirect,
    });
    const { tokens, callback } = await signIn(config, new BrowserSession(), redirect, ALICE, {
      scope: 'openid',
    });
    expect(callback.origin).toBe('http://127.0.0.1:53177');
    expect(tokens.claims()!.aud).toBe('native');
  });

  it.each([
    'http://127.0.0.1:49152/other',
    'http://127.0.0.1:49152/cb/',
    'http://127.0.0.1:49152/cb?x=1',
    'https://127.0.0.1:49152/cb',
    'http://localhost:49152/cb',
    'http://127.0.0.2:49152/cb',
    'http://[::1]:51000/cb',
    'http://127.0.0.1:49152@evil.example/cb',
  ])('keep scheme, host, path and query exact: %s is refused without a redirect', async (uri) => {
    const res = await fetch(authorizeUrl(uri), { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('the rule itself', () => {
    expect(matchesLoopbackRedirect('http://127.0.0.1/cb', 'http://127.0.0.1:1/cb')).toBe(true);
    expect(matchesLoopbackRedirect('http://127.0.0.1:3000/cb', 'http://127.0.0.1:4000/cb')).toBe(true);
    expect(matchesLoopbackRedirect('http://127.0.0.1/cb', 'http://127.0.0.1:99999/cb')).toBe(false);
    expect(matchesLoopbackRedirect('https://example.com/cb', 'https://example.com:8443/cb')).toBe(false);
    expect(matchesLoopbackRedirect('http://localhost/cb', 'http://localhost:8080/cb')).toBe(false);
  });
});
