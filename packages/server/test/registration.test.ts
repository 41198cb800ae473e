import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';

const IAT = 'initial-access-token-0123456789';
const ALICE = { username: 'alice', password: 'alice-password' };
const CB = 'https://rp.example/callback';

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    registration: { initial_access_token: IAT },
    clients: [
      {
        client_id: 'static',
        client_secret: 'static-secret-0123456789',
        redirect_uris: ['http://localhost:5005/cb'],
      },
    ],
    users: [ALICE],
  });
});
afterAll(() => op?.close());

const register = (body: unknown, token: string | null = IAT) =>
  fetch(`${op.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('dynamic client registration (RFC 7591/7592)', () => {
  it('needs the initial access token', async () => {
    expect((await register({ redirect_uris: [CB] }, null)).status).toBe(401);
    expect((await register({ redirect_uris: [CB] }, 'wrong-token-0123456789')).status).toBe(401);
  });

  it('registers a client that signs in after consent, and can be read and deleted with its registration token', async () => {
    const res = await register({
      redirect_uris: [CB],
      client_name: 'Registered RP',
      software_statement_ignored: 'x',
      backchannel_logout_uri: 'https://rp.example/bc',
    });
    expect(res.status).toBe(201);
    const client = (await res.json()) as Record<string, string>;
    expect(client.client_id).toMatch(/^dyn_/);
    expect(client.client_secret).toBeTruthy();
    expect(client.software_statement_ignored).toBeUndefined();
    expect(client.registration_client_uri).toBe(`${op.issuer}/register/${client.client_id}`);

    const config = await discover({
      issuer: op.issuer,
      clientId: client.client_id!,
      clientSecret: client.client_secret,
      redirectUri: CB,
    });
    const browser = new BrowserSession();
    const req = await authorizationRequest(config, CB);
    const login = await browser.navigate(req.url.toString());
    const consent = await browser.submit(login, ALICE);
    expect(consent.doc.querySelector('h1')?.text).toMatch(/Allow Registered RP/);
    const allowed = await browser.submit(consent, { decision: 'allow' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(allowed.redirectTo!), {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    expect(tokens.claims()!.aud).toBe(client.client_id);
    // Consent is remembered: the next sign-in asks nothing (the app took part already, so it only names the
    // account; a silent request gets a code at once).
    const again = await signIn(config, browser, CB);
    expect(again.loginShown).toBe(false);
    expect(again.continuedAs).toMatch(/^Continuing as/);
    const silent = await signIn(config, browser, CB, undefined, { prompt: 'none' });
    expect(silent.continuedAs).toBeUndefined();

    const read = await fetch(client.registration_client_uri!, {
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ client_id: client.client_id, client_name: 'Registered RP' });
    const wrong = await fetch(client.registration_client_uri!, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const del = await fetch(client.registration_client_uri!, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    expect(del.status).toBe(204);
    const gone = await browser.request((await authorizationRequest(config, CB)).url.toString());
    expect(gone.status).toBe(400);
  });

  it('denying consent returns access_denied to the client', async () => {
    const client = (await (await register({ redirect_uris: [CB] })).json()) as Record<string, string>;
    const config = await discover({
      issuer: op.issuer,
      clientId: client.client_id!,
      clientSecret: client.client_secret,
      redirectUri: CB,
    });
    const browser = new BrowserSession();
    const req = await authorizationRequest(config, CB);
    const consent = await browser.submit(await browser.navigate(req.url.toString()), ALICE);
    const denied = await browser.submit(consent, { decision: 'deny' });
    const cb = new URL(denied.redirectTo!);
    expect(cb.searchParams.get('error')).toBe('access_denied');
    expect(cb.searchParams.get('state')).toBe(req.state);
  });

  it.each([
    [{ redirect_uris: ['http://rp.example/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: [CB], backchannel_logout_uri: 'https://127.0.0.1/bc' }, 'invalid_client_metadata'],
    [{ redirect_uris: [CB], backchannel_logout_uri: 'https://localhost/bc' }, 'invalid_client_metadata'],
    [
      { redirect_uris: [CB], frontchannel_logout_uri: 'https://elsewhere.example/fc' },
      'invalid_client_metadata',
    ],
    [{ redirect_uris: [CB], grant_types: ['password'] }, 'invalid_client_metadata'],
    [[1, 2], 'invalid_client_metadata'],
  ])('refuses bad metadata %j with %s', async (body, error) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; error_description: string };
    expect(json.error).toBe(error);
    expect(json.error_description).toBeTruthy();
  });
});

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token kills its family; revoking an access token kills it at userinfo', async () => {
    const config = await discover({
      issuer: op.issuer,
      clientId: 'static',
      clientSecret: 'static-secret-0123456789',
      redirectUri: 'http://localhost:5005/cb',
    });
    const { tokens } = await signIn(config, new BrowserSession(), 'http://localhost:5005/cb', ALICE);
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await oidc.tokenRevocation(config, rotated.refresh_token!);
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // RFC 7009 §2.1: access tokens of the same grant die with it.
    await expect(oidc.fetchUserInfo(config, rotated.access_token, tokens.claims()!.sub)).rejects.toBeTruthy();

    const fresh = (await signIn(config, new BrowserSession(), 'http://localhost:5005/cb', ALICE)).tokens;
    expect(await oidc.fetchUserInfo(config, fresh.access_token, fresh.claims()!.sub)).toMatchObject({
      sub: fresh.claims()!.sub,
    });
    await oidc.tokenRevocation(config, fresh.access_token, { token_type_hint: 'access_token' });
    await expect(oidc.fetchUserInfo(config, fresh.access_token, fresh.claims()!.sub)).rejects.toBeTruthy();
    expect((await oidc.tokenIntrospection(config, fresh.access_token)).active).toBe(false);
    // The refresh token was not revoked by revoking an access token.
    expect((await oidc.refreshTokenGrant(config, fresh.refresh_token!)).access_token).toBeTruthy();
    // Revoking again, or an unknown token, is fine (idempotent).
    await oidc.tokenRevocation(config, 'not-a-token');
  });
});
