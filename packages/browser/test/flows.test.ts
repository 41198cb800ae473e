/** The rules the flow modules decide by, checked on their own. */
import { describe, expect, it } from 'vitest';
import { frontChannelOutcome } from '../src/flows/front-channel.js';
import { loginHint, loginScopes } from '../src/flows/login.js';
import { logoutHints, planLogout } from '../src/flows/logout.js';
import { isFresh } from '../src/flows/silent.js';
import { cachedRecord } from './support.js';

describe('logout: plan', () => {
  const cfg = { postLogoutRedirectUri: 'https://app.example/' };
  it('defaults to a global logout by redirect, back to the configured page', () => {
    expect(planLogout({}, cfg)).toEqual({
      scope: 'global',
      via: 'redirect',
      interactionType: 'redirect',
      postLogoutRedirectUri: 'https://app.example/',
    });
  });
  it('null sends no post_logout_redirect_uri; a popup cannot do without one', () => {
    expect(planLogout({ postLogoutRedirectUri: null }, cfg).postLogoutRedirectUri).toBeNull();
    expect(() => planLogout({ via: 'popup', postLogoutRedirectUri: null }, cfg)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    // ...unless it stays local: nothing leaves the page.
    expect(planLogout({ via: 'popup', scope: 'local', postLogoutRedirectUri: null }, cfg).scope).toBe(
      'local',
    );
    expect(planLogout({ via: 'popup' }, cfg).interactionType).toBe('popup');
  });
});

describe('logout: hints', () => {
  const alice = cachedRecord('spa', 'alice', 's1', {}, { login_hint: 'lh-alice' }).account;
  const bob = cachedRecord('spa', 'bob', 's2', {}, { login_hint: 'lh-bob' }).account;
  it('name the given account; with none named, the app’s only account, and with several no account at all', () => {
    expect(logoutHints({ account: bob }, [bob])).toEqual({
      idTokenHint: bob.idToken,
      logoutHint: 'lh-bob',
    });
    expect(logoutHints({}, [alice])).toEqual({ idTokenHint: alice.idToken, logoutHint: 'lh-alice' });
    // Every account goes: the provider must ask which of its sessions end, not end only one of them.
    expect(logoutHints({}, [alice, bob])).toEqual({ idTokenHint: undefined, logoutHint: undefined });
    expect(logoutHints({}, [])).toEqual({ idTokenHint: undefined, logoutHint: undefined });
  });
  it('given hints win', () => {
    expect(logoutHints({ idTokenHint: 'x', logoutHint: 'y' }, [alice])).toEqual({
      idTokenHint: 'x',
      logoutHint: 'y',
    });
  });
});

describe('login: hint', () => {
  const alice = cachedRecord('spa', 'alice', 's1', {}, { login_hint: 'lh-alice' }).account;
  const old = cachedRecord('spa', 'carol', 's3').account;
  it('the given hint, else the account’s opaque login_hint claim, else its username', () => {
    expect(loginHint({ loginHint: 'alice@example.com', account: alice })).toBe('alice@example.com');
    expect(loginHint({ account: alice })).toBe('lh-alice');
    expect(loginHint({ account: old })).toBe('carol');
    expect(loginHint({})).toBeUndefined();
  });
});

describe('front-channel: what the page reports', () => {
  const alice = cachedRecord('spa', 'alice', 's1').account;
  const session = { kind: 'session', iss: 'https://idp.example', sid: 's1' } as const;
  it('a cleared session names what it removed', () => {
    expect(frontChannelOutcome(session, { partitioned: false, removed: [alice], sharedCache: true })).toEqual(
      {
        cleared: true,
        detail: undefined,
        iss: 'https://idp.example',
        sid: 's1',
        accounts: [alice],
        acknowledged: false,
      },
    );
  });
  it('only a shared cache can say it had nothing for that session', () => {
    expect(frontChannelOutcome(session, { partitioned: false, removed: [], sharedCache: true }).detail).toBe(
      'no-matching-account',
    );
    expect(frontChannelOutcome(session, { partitioned: false, removed: [], sharedCache: false }).detail).toBe(
      undefined,
    );
  });
  it('a partitioned frame cleared nothing and says so', () => {
    expect(frontChannelOutcome(session, { partitioned: true, removed: [], sharedCache: true })).toMatchObject(
      {
        cleared: false,
        detail: 'storage-partitioned',
        sid: 's1',
      },
    );
  });
  it('another issuer is not ours (nothing to clear); a half request is refused', () => {
    const other = { kind: 'invalid', iss: 'https://evil', sid: 's1', why: 'no-matching-account' } as const;
    expect(frontChannelOutcome(other, { partitioned: false, removed: [], sharedCache: true })).toMatchObject({
      cleared: true,
      detail: 'no-matching-account',
    });
    const half = { kind: 'invalid', iss: undefined, sid: 's1', why: 'missing-parameters' } as const;
    expect(frontChannelOutcome(half, { partitioned: false, removed: [], sharedCache: true }).cleared).toBe(
      false,
    );
  });
});

describe('login and silent', () => {
  it('always asks for openid profile email, once each', () => {
    expect(loginScopes(['api', 'email'])).toEqual(['openid', 'profile', 'email', 'api']);
  });
  it('a cached access token is used until the renewal offset, for the scopes it has', () => {
    const r = cachedRecord('spa', 'alice', 's1', {
      accessToken: { token: 't', scopes: ['openid', 'api'], expiresOn: 1_000_000 },
    });
    expect(isFresh(r, ['api'], 300, 1_000_000 - 301_000)).toBe(true);
    expect(isFresh(r, ['api'], 300, 1_000_000 - 299_000)).toBe(false);
    expect(isFresh(r, ['other'], 300, 0)).toBe(false);
  });
});
