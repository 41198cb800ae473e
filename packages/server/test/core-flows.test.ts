import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, oidc, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const PORTAL_CB = 'http://localhost:4001/callback';
const SERVICE_CB = 'http://localhost:4002/callback';
const SPA_CB = 'http://localhost:4003/';

let op: TestProvider;

beforeAll(async () => {
  op = await startTestProvider({
    clients: [
      {
        client_id: 'portal',
        client_secret: 'portal-secret-0123456789',
        redirect_uris: [PORTAL_CB],
        client_name: 'Portal',
      },
      {
        client_id: 'service',
        client_secret: 'service-secret-0123456789',
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [SERVICE_CB],
      },
      { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [SPA_CB] },
    ],
    users: [
      { ...ALICE, email: 'alice@example.com', name: 'Alice' },
      { ...BOB, name: 'Bob' },
    ],
  });
});
afterAll(() => op?.close());

const portal = () =>
  discover({
    issuer: op.issuer,
    clientId: 'portal',
    clientSecret: 'portal-secret-0123456789',
    redirectUri: PORTAL_CB,
  });
const service = () =>
  discover({
    issuer: op.issuer,
    clientId: 'service',
    clientSecret: 'service-secret-0123456789',
    method: 'client_secret_post',
    redirectUri: SERVICE_CB,
  });
const spa = () => discover({ issuer: op.issuer, clientId: 'spa', method: 'none', redirectUri: SPA_CB });

describe('authorization code flow (openid-client as the RP)', () => {
  it('signs in with code + PKCE and client_secret_basic; ID token carries sid, at_hash, nonce, auth_time', async () => {
    const browser = new BrowserSession();
    const { tokens, loginShown } = await signIn(await portal(), browser, PORTAL_CB, ALICE);
    expect(loginShown).toBe(true);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(op.issuer);
    expect(claims.aud).toBe('portal');
    expect(typeof claims.sid).toBe('string');
    expect((claims.sid as string).length).toBeGreaterThanOrEqual(22);
    expect(claims.at_hash).toBeTruthy();
    expect(claims.auth_time).toBeTypeOf('number');
    expect(claims.name).toBe('Alice');
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'RS256' });
    expect(header.kid).toBeTruthy();
    const info = await oidc.fetchUserInfo(await portal(), tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email: 'alice@example.com', preferred_username: 'alice' });
  });

  it('the access token is an RFC 9068 JWT carrying sid', async () => {
    const { tokens } = await signIn(await portal(), new BrowserSession(), PORTAL_CB, ALICE);
    const [h, p] = tokens.access_token
      .split('.')
      .slice(0, 2)
      .map((x) => JSON.parse(Buffer.from(x, 'base64url').toString()));
    expect(h.typ).toBe('at+jwt');
    expect(p).toMatchObject({ iss: op.issuer, client_id: 'portal', sid: tokens.claims()!.sid });
    expect(p.jti).toBeTruthy();
  });

  it('a public client signs in with none + PKCE', async () => {
    const { tokens } = await signIn(await spa(), new BrowserSession(), SPA_CB, ALICE);
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('a public client without PKCE gets invalid_request at its redirect URI', async () => {
    const config = await spa();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: SPA_CB, scope: 'openid', state: 's1' });
    const res = await new BrowserSession().navigate(url.toString());
    const cb = new URL(res.redirectTo!);
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('state')).toBe('s1');
    expect(cb.searchParams.get('iss')).toBe(op.issuer);
  });

  it('SSO: a second client signs in silently; client_secret_post works', async () => {
    const browser = new BrowserSession();
    const first = await signIn(await portal(), browser, PORTAL_CB, ALICE);
    const second = await signIn(await service(), browser, SERVICE_CB);
    expect(second.loginShown).toBe(false);
    expect(second.tokens.claims()!.sid).toBe(first.tokens.claims()!.sid);
    expect(second.tokens.claims()!.sub).toBe(first.tokens.claims()!.sub);
  });

  it('prompt=none without a session returns login_required to the redirect URI', async () => {
    const req = await authorizationRequest(await portal(), PORTAL_CB, { prompt: 'none' });
    const { callback } = await authorize(new BrowserSession(), req.url);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(req.state);
  });

  it('prompt=none with a session signs in silently', async () => {
    const browser = new BrowserSession();
    await signIn(await portal(), browser, PORTAL_CB, ALICE);
    const { loginShown } = await signIn(await service(), browser, SERVICE_CB, undefined, { prompt: 'none' });
    expect(loginShown).toBe(false);
  });

  it('max_age forces re-authentication with a later auth_time; prompt=login too', async () => {
    const browser = new BrowserSession();
    const first = await signIn(await portal(), browser, PORTAL_CB, ALICE);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await signIn(await portal(), browser, PORTAL_CB, ALICE, { max_age: '0' });
    expect(again.loginShown).toBe(true);
    expect(again.tokens.claims()!.auth_time!).toBeGreaterThan(first.tokens.claims()!.auth_time!);
    expect(again.tokens.claims()!.sid).toBe(first.tokens.claims()!.sid);
    const forced = await signIn(await portal(), browser, PORTAL_CB, ALICE, { prompt: 'login' });
    expect(forced.loginShown).toBe(true);
  });

  it('a reused code gives invalid_grant and revokes what the first exchange issued', async () => {
    const config = await portal();
    const req = await authorizationRequest(config, PORTAL_CB);
    const { callback } = await authorize(new BrowserSession(), req.url, ALICE);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toBeTruthy();
  });

  it('a wrong PKCE verifier gives invalid_grant', async () => {
    const config = await portal();
    const req = await authorizationRequest(config, PORTAL_CB);
    const { callback } = await authorize(new BrowserSession(), req.url, ALICE);
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: req.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const config = await portal();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:4001/evil',
      scope: 'openid',
    });
    const res = await new BrowserSession().request(url.toString());
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/redirect_uri is not registered/);
  });

  it('state and nonce come back exactly, including punctuation', async () => {
    const state = `${'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.repeat(2)}abcdefghijklmnopqrstuvwxyz0123456789`;
    const config = await portal();
    const req = await authorizationRequest(config, PORTAL_CB, { state, nonce: state });
    const { callback } = await authorize(new BrowserSession(), req.url, ALICE);
    expect(callback.searchParams.get('state')).toBe(state);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: state,
      expectedNonce: state,
    });
    expect(tokens.claims()!.nonce).toBe(state);
  });

  it('a wrong password shows the login page again with an error, then works', async () => {
    const req = await authorizationRequest(await portal(), PORTAL_CB);
    const browser = new BrowserSession();
    const page = await browser.navigate(req.url.toString());
    const wrong = await browser.submit(page, { username: 'bob', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.doc.querySelector('[role=alert]')?.text).toMatch(/not correct/);
    const right = await browser.submit(wrong, BOB);
    expect(new URL(right.redirectTo!).searchParams.get('code')).toBeTruthy();
  });

  describe('two sign-in tabs in one browser (issue 12)', () => {
    it('signing in at the second tab leaves the first tab able to continue to the app, signed in', async () => {
      const browser = new BrowserSession();
      const first = await authorizationRequest(await portal(), PORTAL_CB);
      const second = await authorizationRequest(await portal(), PORTAL_CB);
      const tab1 = await browser.navigate(first.url.toString());
      const tab2 = await browser.navigate(second.url.toString());
      expect(tab1.doc.querySelector('input[name=password]')).toBeTruthy();
      const done = await browser.submit(tab2, ALICE);
      expect(new URL(done.redirectTo!).searchParams.get('state')).toBe(second.state);

      // The first tab is reloaded: the user is signed in now, so it goes on to the app with its own state.
      const reloaded = await browser.navigate(tab1.url);
      expect(reloaded.body).not.toMatch(/expired/);
      const back = new URL(reloaded.redirectTo!);
      expect(back.searchParams.get('state')).toBe(first.state);
      const tokens = await oidc.authorizationCodeGrant(await portal(), back, {
        pkceCodeVerifier: first.verifier,
        expectedState: first.state,
        expectedNonce: first.nonce,
      });
      expect(tokens.claims()!.sid).toBeTruthy();
    });

    it('the first tab still signs in with its own form after the second tab was opened', async () => {
      const browser = new BrowserSession();
      const first = await authorizationRequest(await portal(), PORTAL_CB);
      const tab1 = await browser.navigate(first.url.toString());
      await browser.navigate((await authorizationRequest(await portal(), PORTAL_CB)).url.toString());
      const done = await browser.submit(tab1, BOB);
      expect(done.body).not.toMatch(/expired/);
      expect(new URL(done.redirectTo!).searchParams.get('state')).toBe(first.state);
    });

    it('a tab opened to add another account keeps asking for that account', async () => {
      const browser = new BrowserSession();
      await signIn(await portal(), browser, PORTAL_CB, ALICE);
      const another = await authorizationRequest(await portal(), PORTAL_CB, { prompt: 'login' });
      const page = await browser.navigate(another.url.toString());
      const again = await browser.navigate(page.url);
      expect(again.doc.querySelector('input[name=password]')).toBeTruthy();
    });
  });
});

describe('refresh tokens', () => {
  it('rotate, and reuse of a rotated token revokes the whole family', async () => {
    const config = await portal();
    const { tokens } = await signIn(config, new BrowserSession(), PORTAL_CB, ALICE);
    const r1 = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(r1.refresh_token).toBeTruthy();
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    expect(r1.id_token).toBeTruthy();
    const r2 = await oidc.refreshTokenGrant(config, r1.refresh_token!);
    // Replay the first, already rotated token: the family (including r2's token) dies.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(config, r2.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a refresh token of another client is invalid_grant', async () => {
    const { tokens } = await signIn(await portal(), new BrowserSession(), PORTAL_CB, ALICE);
    await expect(oidc.refreshTokenGrant(await service(), tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
