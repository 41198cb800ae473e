import { describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { checkIdTokenHint } from '../../../src/protocol/end-session/check-id-token-hint.js';
import { OAuthError } from '../../../src/protocol/errors.js';
import { ISSUER, ownKeys } from './fixtures.js';

describe('checkIdTokenHint (RP-Initiated Logout §2, RFC 8725 §3.11)', async () => {
  const keys = await ownKeys();

  it('no hint is no hint', async () => {
    expect(await checkIdTokenHint(undefined, keys.verify)).toBeUndefined();
  });

  it('an ID token of ours names its subject, session and client (azp first, else a single aud)', async () => {
    const token = await keys.sign({ sub: 'u1', sid: 's1', aud: 'portal' }, 'JWT');
    expect(await checkIdTokenHint(token, keys.verify)).toEqual({ sub: 'u1', sid: 's1', clientId: 'portal' });
    const azp = await keys.sign({ sub: 'u1', aud: ['a', 'b'], azp: 'b' }, 'JWT');
    expect(await checkIdTokenHint(azp, keys.verify)).toMatchObject({ clientId: 'b', sid: undefined });
    const many = await keys.sign({ sub: 'u1', aud: ['a', 'b'] }, 'JWT');
    expect((await checkIdTokenHint(many, keys.verify))?.clientId).toBeUndefined();
  });

  it('an access token (typ at+jwt) signed by us is not a hint: the caller asks the user', async () => {
    const at = await keys.sign(
      { sub: 'u1', sid: 's1', aud: ISSUER, client_id: 'portal', scope: 'openid' },
      'at+jwt',
    );
    expect(await checkIdTokenHint(at, keys.verify)).toBeUndefined();
  });

  it('a logout token signed by us is not a hint either', async () => {
    const lt = await keys.sign({ sub: 'u1', aud: 'portal', events: {} }, 'logout+jwt');
    expect(await checkIdTokenHint(lt, keys.verify)).toBeUndefined();
  });

  it('a token that is not ours is an error page (400), never a hint', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'u1', aud: 'portal' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .sign(privateKey);
    const none = new UnsecuredJWT({ sub: 'u1', aud: 'portal' }).setIssuer(ISSUER).encode();
    for (const bad of [forged, none, 'not.a.jwt']) {
      const e = await checkIdTokenHint(bad, keys.verify).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OAuthError);
      expect(e).toMatchObject({ error: 'invalid_request', status: 400 });
    }
  });

  it('an ID token without a subject is refused', async () => {
    const token = await keys.sign({ aud: 'portal' }, 'JWT');
    await expect(checkIdTokenHint(token, keys.verify)).rejects.toMatchObject({ description: /no subject/ });
  });
});
