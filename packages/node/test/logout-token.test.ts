/**
 * verifyLogoutToken on its own (the receiver routes are covered by the app suite): the result, the optional
 * replay cache, and a provider whose keys cannot be fetched (503, so the provider retries later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
} from 'jose';
import { freePort } from '../../server/src/testing/index.js';
import { logoutTokenAlgorithms } from '../src/logout-token.js';
import {
  Adieu,
  AdieuError,
  BACKCHANNEL_LOGOUT_EVENT,
  MemorySessionStore,
  backchannelLogout,
  verifyLogoutToken,
} from '../src/index.js';

const ISSUER = 'https://id.example.com';
let privateKey: CryptoKey;
let keys: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
});

async function token(claims: Record<string, unknown> = {}, typ = 'logout+jwt') {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: 'portal',
    iat: now,
    exp: now + 120,
    jti: `j-${Math.random()}`,
    sid: 'sid-1',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ })
    .sign(privateKey);
}

describe('verifyLogoutToken', () => {
  it('returns the claims of a valid token (typ compared as a media type, application/ prefix allowed)', async () => {
    const claims = await verifyLogoutToken(await token({ reason: 'rp' }, 'application/logout+jwt'), {
      issuer: ISSUER,
      audience: 'portal',
      keys,
    });
    expect(claims).toMatchObject({ iss: ISSUER, sid: 'sid-1', reason: 'rp' });
  });

  it('detects replays only with a replay cache, and then keyed by issuer and jti', async () => {
    const t = await token();
    const options = { issuer: ISSUER, audience: 'portal', keys };
    await verifyLogoutToken(t, options);
    await verifyLogoutToken(t, options);
    const replay = new MemorySessionStore();
    await verifyLogoutToken(t, { ...options, replay });
    await expect(verifyLogoutToken(t, { ...options, replay })).rejects.toMatchObject({
      code: 'jti_replayed',
    });
  });

  it('an audience array naming this client is accepted; a string jti is required', async () => {
    const options = { issuer: ISSUER, audience: 'portal', keys };
    await expect(verifyLogoutToken(await token({ aud: ['portal', 'x'] }), options)).resolves.toBeTruthy();
    await expect(verifyLogoutToken(await token({ jti: 42 }), options)).rejects.toMatchObject({
      code: 'jti_invalid',
    });
    await expect(verifyLogoutToken('not-a-jwt', options)).rejects.toMatchObject({ code: 'token_malformed' });
    await expect(verifyLogoutToken(await token({ sid: 7 }), options)).rejects.toMatchObject({
      code: 'sid_sub_missing',
    });
  });

  it('keys that cannot be fetched are jwks_unavailable with status 503', async () => {
    const port = await freePort();
    const remote = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/jwks`), { timeoutDuration: 1000 });
    const e = await verifyLogoutToken(await token(), {
      issuer: ISSUER,
      audience: 'portal',
      keys: remote,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdieuError);
    expect(e).toMatchObject({ code: 'jwks_unavailable', status: 503 });
  });
});

describe('the back-channel receiver when the provider cannot be reached', () => {
  let adieu: Adieu;
  beforeAll(async () => {
    adieu = new Adieu({
      issuer: `http://127.0.0.1:${await freePort()}`,
      allowInsecureRequests: true,
      clientId: 'portal',
      clientSecret: 'secret',
      baseUrl: 'http://localhost:3000',
    });
  });
  afterAll(() => adieu.close());

  it('answers 503 (retry later), not 400 (rejected), and ends nothing', async () => {
    const res = await backchannelLogout(adieu, {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ logout_token: await token() }).toString(),
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body!)).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'discovery_failed',
    });
  });
});

describe('the algorithms a logout token may carry', () => {
  it("are the app's own when it lists them, else the provider's ID token algorithms without HMAC or none", () => {
    expect(logoutTokenAlgorithms(['ES256'], ['RS256', 'ES256'])).toEqual(['ES256']);
    expect(logoutTokenAlgorithms(undefined, ['RS256', 'ES256'])).toEqual(['RS256', 'ES256']);
    expect(logoutTokenAlgorithms(undefined, ['none', 'HS256', 'RS256', 'PS384', 'EdDSA'])).toEqual([
      'RS256',
      'PS384',
      'EdDSA',
    ]);
    // OIDC's default when discovery names none, or names only what a logout token must never carry.
    expect(logoutTokenAlgorithms(undefined, undefined)).toEqual(['RS256']);
    expect(logoutTokenAlgorithms(undefined, ['HS256', 'none'])).toEqual(['RS256']);
    expect(logoutTokenAlgorithms(undefined, 'ES256')).toEqual(['RS256']);
  });
});
