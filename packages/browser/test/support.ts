/** Seeding a cache as an earlier page load left it, shared by the tests of the client's flows. */
import type { AccountRecord } from '../src/account.js';
import { ISSUER, fakeJwt, idTokenClaims } from './fakes.js';

export function cachedRecord(
  clientId: string,
  user: string,
  sid: string,
  over: Partial<AccountRecord> = {},
  claims: Record<string, unknown> = {},
): AccountRecord {
  const c = idTokenClaims({
    sub: `user-${user}`,
    preferred_username: user,
    sid,
    aud: clientId,
    azp: clientId,
    ...claims,
  });
  return {
    account: {
      homeAccountId: `user-${user}`,
      environment: 'idp.example',
      tenantId: '',
      username: user,
      localAccountId: `user-${user}`,
      sid,
      issuer: ISSUER,
      idToken: fakeJwt(c),
      idTokenClaims: c,
    },
    refreshToken: `rt-${user}`,
    accessToken: {
      token: `at-${user}`,
      scopes: ['openid', 'profile', 'email'],
      expiresOn: Date.now() + 600_000,
    },
    grantedScopes: ['openid', 'profile', 'email'],
    signedInAt: Date.now() - 60_000,
    obtainedAt: Date.now() - 60_000,
    ...over,
  };
}

export function seedRecord(store: Storage, clientId: string, r: AccountRecord, active = false): void {
  store.setItem(`adieu.${clientId}.account.${r.account.homeAccountId}`, JSON.stringify(r));
  if (active) store.setItem(`adieu.${clientId}.active`, r.account.homeAccountId);
}

/** A token response for a granted refresh. */
export function refreshed(user: string, n = 1) {
  return {
    status: 200,
    json: {
      access_token: `at-${user}-${n}`,
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: `rt-${user}-${n}`,
      scope: 'openid profile email',
    },
  };
}
