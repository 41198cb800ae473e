import { describe, expect, it } from 'vitest';
import {
  accountFromIdToken,
  inSession,
  pruneTombstones,
  sameAccount,
  tombstoneApplies,
  type AccountRecord,
} from '../src/account.js';
import { checkIdToken } from '../src/jwt.js';
import { CLIENT_ID, ISSUER, fakeJwt, idTokenClaims } from './fakes.js';

const now = () => Date.now() / 1000;
const check = (claims: Record<string, unknown>, x: { nonce?: string; sub?: string } = {}) =>
  checkIdToken(fakeJwt(claims), { issuer: ISSUER, clientId: CLIENT_ID, nowSeconds: now(), ...x });

describe('ID token claim checks (OIDC Core §3.1.3.7)', () => {
  it('accepts a token for us', () => {
    expect(check(idTokenClaims({ nonce: 'n1' }), { nonce: 'n1' }).sub).toBe('user-alice');
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['another audience', { aud: 'other', azp: undefined }, {}],
    ['several audiences without azp = us', { aud: [CLIENT_ID, 'other'], azp: 'other' }, {}],
    ['expired beyond the skew', { exp: Math.floor(now()) - 600 }, {}],
    ['no iat', { iat: undefined }, {}],
    ['another nonce', { nonce: 'n2' }, { nonce: 'n1' }],
    ['a missing nonce when one was sent', {}, { nonce: 'n1' }],
    ['another subject on refresh', { sub: 'user-bob' }, { sub: 'user-alice' }],
  ])('refuses %s', (_what, over, x) => {
    expect(() => check(idTokenClaims(over), x)).toThrow(
      expect.objectContaining({ code: 'invalid_id_token' }),
    );
  });

  it('refuses what is not a JWT', () => {
    expect(() => checkIdToken('nope', { issuer: ISSUER, clientId: CLIENT_ID, nowSeconds: now() })).toThrow(
      expect.objectContaining({ code: 'invalid_id_token' }),
    );
  });
});

describe('accounts', () => {
  const token = fakeJwt(idTokenClaims());
  const alice = accountFromIdToken(token, check(idTokenClaims()));

  it('builds MSAL.js’s AccountInfo, plus the sid', () => {
    expect(alice).toMatchObject({
      homeAccountId: 'user-alice',
      localAccountId: 'user-alice',
      environment: 'idp.example',
      tenantId: '',
      username: 'alice',
      name: 'Alice',
      sid: 'sid-alice',
      issuer: ISSUER,
      idToken: token,
    });
    const noName = accountFromIdToken(
      token,
      check(idTokenClaims({ preferred_username: undefined, email: 'a@x' })),
    );
    expect(noName.username).toBe('a@x');
  });

  it('matches the same user at the same provider only', () => {
    expect(sameAccount(alice, { homeAccountId: 'user-alice', environment: 'idp.example' })).toBe(true);
    expect(sameAccount(alice, { homeAccountId: 'user-alice', environment: 'other.example' })).toBe(false);
    expect(sameAccount(alice, { homeAccountId: 'user-bob', environment: 'idp.example' })).toBe(false);
  });

  it('a logout signal names an account only by exact issuer and sid', () => {
    expect(inSession(alice, ISSUER, 'sid-alice')).toBe(true);
    expect(inSession(alice, undefined, 'sid-alice')).toBe(true);
    expect(inSession(alice, ISSUER, 'sid-bob')).toBe(false);
    expect(inSession(alice, 'https://evil.example', 'sid-alice')).toBe(false);
    expect(inSession({ ...alice, sid: undefined }, ISSUER, '')).toBe(false);
  });

  it('a remembered logout applies only to tokens obtained before it (re-login in the same session survives)', () => {
    const record: AccountRecord = { account: alice, grantedScopes: [], signedInAt: 1_000 };
    expect(tombstoneApplies(record, { 'sid-alice': { at: 2_000, reason: 'push' } })).toBe(true);
    expect(tombstoneApplies(record, { 'sid-alice': { at: 500, reason: 'push' } })).toBe(false);
    expect(tombstoneApplies(record, { 'sid-bob': { at: 2_000, reason: 'push' } })).toBe(false);
    expect(
      tombstoneApplies(
        { ...record, account: { ...alice, sid: undefined } },
        { '': { at: 2_000, reason: 'x' } },
      ),
    ).toBe(false);
  });

  it('keeps the tombstone list short and recent', () => {
    const t = Object.fromEntries(
      Array.from({ length: 80 }, (_, i) => [`s${i}`, { at: 1_000_000 + i, reason: 'x' }]),
    );
    const pruned = pruneTombstones({ ...t, old: { at: 0, reason: 'x' } }, 1_000_100, 1_000, 50);
    expect(Object.keys(pruned)).toHaveLength(50);
    expect(pruned.old).toBeUndefined();
    expect(pruned.s79).toBeDefined();
  });
});
