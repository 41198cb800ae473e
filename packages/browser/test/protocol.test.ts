import { describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  codeFromResponse,
  endSessionUrl,
  recordFromTokens,
  responseParams,
  responseState,
} from '../src/protocol.js';
import { resolveConfig } from '../src/config.js';
import { acknowledgement, parseFrontChannelRequest } from '../src/frontchannel.js';
import { InteractionRequiredAuthError } from '../src/errors.js';
import type { ProviderMetadata } from '../src/discovery.js';
import { CLIENT_ID, ISSUER, METADATA, fakeJwt, idTokenClaims } from './fakes.js';

const meta = JSON.parse(METADATA) as ProviderMetadata;

describe('authorization request', () => {
  it('is the code flow with PKCE S256, state and nonce; app parameters cannot override ours', () => {
    const u = new URL(
      authorizeUrl(meta, {
        clientId: CLIENT_ID,
        redirectUri: 'https://app.example/',
        scopes: ['openid', 'profile'],
        state: 'lr.s',
        nonce: 'n',
        codeChallenge: 'c',
        loginHint: 'alice',
        prompt: 'login',
        extraQueryParameters: { ui_locales: 'fr', client_id: 'evil', code_challenge_method: 'plain' },
      }),
    );
    expect(Object.fromEntries(u.searchParams)).toEqual({
      ui_locales: 'fr',
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'https://app.example/',
      scope: 'openid profile',
      state: 'lr.s',
      nonce: 'n',
      code_challenge: 'c',
      code_challenge_method: 'S256',
      login_hint: 'alice',
      prompt: 'login',
    });
  });

  it('checks the answer: RFC 9207 iss, provider errors, a code', () => {
    expect(codeFromResponse(new URLSearchParams({ code: 'abc', state: 's', iss: ISSUER }), ISSUER)).toBe(
      'abc',
    );
    expect(() => codeFromResponse(new URLSearchParams({ code: 'abc', iss: 'https://evil' }), ISSUER)).toThrow(
      /RFC 9207/,
    );
    expect(() => codeFromResponse(new URLSearchParams({ error: 'login_required' }), ISSUER)).toThrow(
      InteractionRequiredAuthError,
    );
    expect(() => codeFromResponse(new URLSearchParams({ error: 'access_denied' }), ISSUER)).toThrow(
      expect.objectContaining({ code: 'server_error', error: 'access_denied' }),
    );
    expect(() => codeFromResponse(new URLSearchParams({ state: 's' }), ISSUER)).toThrow(/neither/);
  });

  it('reads the state from the query, or from a fragment', () => {
    expect(responseState('https://app.example/?code=1&state=lr.x')).toBe('lr.x');
    expect(responseParams('https://app.example/#code=1&state=lp.y').get('code')).toBe('1');
    expect(responseState('https://app.example/')).toBeNull();
  });
});

describe('RP-initiated logout request', () => {
  it('sends id_token_hint, client_id, logout_hint, post_logout_redirect_uri and state', () => {
    const u = new URL(
      endSessionUrl(meta, {
        clientId: CLIENT_ID,
        idTokenHint: 'idt',
        logoutHint: 'alice',
        postLogoutRedirectUri: 'https://app.example/bye',
        state: 'xr.s',
      }),
    );
    expect(Object.fromEntries(u.searchParams)).toEqual({
      id_token_hint: 'idt',
      client_id: CLIENT_ID,
      logout_hint: 'alice',
      post_logout_redirect_uri: 'https://app.example/bye',
      state: 'xr.s',
    });
  });

  it('sends no state without a post_logout_redirect_uri (it could never come back)', () => {
    const u = new URL(
      endSessionUrl(meta, { clientId: CLIENT_ID, postLogoutRedirectUri: null, state: 'xr.s' }),
    );
    expect(u.searchParams.has('state')).toBe(false);
    expect(u.searchParams.has('post_logout_redirect_uri')).toBe(false);
  });
});

describe('token responses', () => {
  it('a refresh keeps the refresh token, the sign-in time and the granted scopes when the provider omits them', () => {
    const first = recordFromTokens(
      {
        access_token: 'at1',
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'openid profile',
        id_token: fakeJwt(idTokenClaims({ nonce: 'n' })),
        refresh_token: 'rt1',
      },
      { issuer: ISSUER, clientId: CLIENT_ID, requestedScopes: ['openid'], nonce: 'n', now: 1_000 },
    );
    expect(first).toMatchObject({
      refreshToken: 'rt1',
      grantedScopes: ['openid', 'profile'],
      signedInAt: 1_000,
    });
    expect(first.accessToken).toEqual({ token: 'at1', scopes: ['openid', 'profile'], expiresOn: 901_000 });
    const next = recordFromTokens(
      { access_token: 'at2', token_type: 'Bearer', expires_in: 900 },
      { issuer: ISSUER, clientId: CLIENT_ID, requestedScopes: ['openid'], previous: first, now: 5_000 },
    );
    expect(next).toMatchObject({ refreshToken: 'rt1', signedInAt: 1_000, account: first.account });
    expect(() =>
      recordFromTokens(
        { access_token: 'at3', token_type: 'Bearer', id_token: fakeJwt(idTokenClaims({ sub: 'mallory' })) },
        { issuer: ISSUER, clientId: CLIENT_ID, requestedScopes: [], previous: first },
      ),
    ).toThrow(expect.objectContaining({ code: 'invalid_id_token' }));
  });
});

describe('configuration', () => {
  it('fills MSAL.js’s defaults and names the bad option', () => {
    const c = resolveConfig({
      auth: { clientId: 'spa', authority: 'https://idp.example/', redirectUri: 'https://app/' },
    });
    expect(c).toMatchObject({
      authority: 'https://idp.example',
      postLogoutRedirectUri: 'https://app/',
      cacheLocation: 'sessionStorage',
      allowRedirectInIframe: false,
      windowHashTimeout: 60_000,
      tokenRenewalOffsetSeconds: 300,
    });
    expect(
      resolveConfig({
        auth: {
          clientId: 'spa',
          authority: 'https://i',
          redirectUri: 'https://a/',
          postLogoutRedirectUri: null,
        },
      }).postLogoutRedirectUri,
    ).toBeNull();
    expect(() => resolveConfig({ auth: { clientId: '', authority: 'https://i' } })).toThrow(/auth\.clientId/);
    expect(() =>
      resolveConfig({ auth: { clientId: 'spa', authority: 'not a url', redirectUri: 'https://a/' } }),
    ).toThrow(/auth\.authority/);
    expect(() =>
      resolveConfig({
        auth: { clientId: 'spa', authority: 'https://i', redirectUri: 'https://a/' },
        cache: { cacheLocation: 'cookie' as never },
      }),
    ).toThrow(/cache\.cacheLocation/);
  });
});

describe('front-channel request', () => {
  it('acts only on our issuer with both iss and sid; neither means "all sessions" (Front-Channel Logout §2)', () => {
    expect(
      parseFrontChannelRequest(`https://app/fc?iss=${encodeURIComponent(ISSUER)}&sid=s1`, ISSUER),
    ).toEqual({
      kind: 'session',
      iss: ISSUER,
      sid: 's1',
    });
    expect(parseFrontChannelRequest('https://app/fc', ISSUER)).toEqual({ kind: 'all' });
    expect(parseFrontChannelRequest('https://app/fc?sid=s1', ISSUER)).toMatchObject({
      kind: 'invalid',
      why: 'missing-parameters',
    });
    expect(parseFrontChannelRequest('https://app/fc?iss=https%3A%2F%2Fevil&sid=s1', ISSUER)).toMatchObject({
      kind: 'invalid',
      why: 'no-matching-account',
    });
  });

  it('acknowledges with the message the provider page waits for (docs/protocol-extensions.md §1)', () => {
    expect(
      acknowledgement({ cleared: false, detail: 'storage-partitioned', iss: ISSUER, sid: 's1' }),
    ).toEqual({
      type: 'adieu:frontchannel-logout',
      iss: ISSUER,
      sid: 's1',
      cleared: false,
      detail: 'storage-partitioned',
    });
    expect(acknowledgement({ cleared: true, iss: ISSUER, sid: 's1', detail: undefined })).not.toHaveProperty(
      'detail',
    );
  });
});
