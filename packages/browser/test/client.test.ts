/**
 * AdieuClient rules in Node, with fake storage and fetch: two instances sharing a localStorage stand for two
 * tabs (BroadcastChannel is real in Node). The same scenarios run in real Chromium in test/e2e/browser-sdk-*.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdieuClient, EventType, type EventMessage } from '../src/index.js';
import type { AccountRecord } from '../src/account.js';
import { TabChannel, type TabMessage } from '../src/tab-sync.js';
import { CLIENT_ID, FakeStorage, ISSUER, METADATA, fakeFetch, fakeJwt, idTokenClaims } from './fakes.js';

type G = {
  localStorage?: Storage;
  sessionStorage?: Storage;
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
};
const g = globalThis as G;
let ls: FakeStorage;
let clients: AdieuClient[] = [];
let n = 0;
let clientId = CLIENT_ID;

beforeEach(() => {
  ls = new FakeStorage();
  g.localStorage = ls;
  g.sessionStorage = new FakeStorage();
  clientId = `${CLIENT_ID}-${++n}`; // a fresh BroadcastChannel name per test
});
afterEach(() => {
  delete g.localStorage;
  delete g.sessionStorage;
  delete g.addEventListener;
  delete g.removeEventListener;
  clients = [];
});

function record(user: string, sid: string, over: Partial<AccountRecord> = {}): AccountRecord {
  const claims = idTokenClaims({
    sub: `user-${user}`,
    preferred_username: user,
    sid,
    aud: clientId,
    azp: clientId,
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
      idToken: fakeJwt(claims),
      idTokenClaims: claims,
    },
    refreshToken: `rt-${user}`,
    accessToken: {
      token: `at-${user}`,
      scopes: ['openid', 'profile', 'email'],
      expiresOn: Date.now() + 600_000,
    },
    grantedScopes: ['openid', 'profile', 'email'],
    signedInAt: Date.now() - 1_000,
    ...over,
  };
}

function seed(store: Storage, r: AccountRecord, active = false) {
  store.setItem(`adieu.${clientId}.account.${r.account.homeAccountId}`, JSON.stringify(r));
  if (active) store.setItem(`adieu.${clientId}.active`, r.account.homeAccountId);
}

/**
 * A client over the seeded cache. These tests are about what happens to accounts the page already shows, so
 * the seeded accounts are returned at once (`confirmSessionOnLoad: false`); confirm.test.ts checks the default,
 * where an account cached before the page loaded waits for the provider's answer.
 */
async function client(
  cacheLocation: 'localStorage' | 'sessionStorage' | 'memoryStorage' = 'localStorage',
  f: typeof fetch = fakeFetch(() => ({ status: 500, json: {} })).fetch,
) {
  const c = new AdieuClient({
    auth: { clientId, authority: ISSUER, redirectUri: 'https://app.example/', authorityMetadata: METADATA },
    cache: { cacheLocation, confirmSessionOnLoad: false },
    system: { fetch: f },
  });
  const log: EventMessage[] = [];
  c.addEventCallback((m) => log.push(m));
  await c.initialize();
  clients.push(c);
  return { c, log, types: () => log.map((m) => m.eventType) };
}

describe('cross-tab logout', () => {
  it('a logout in one tab reaches the other: hook first, then ACCOUNT_REMOVED, LOCAL_CLEARED, SESSION_ENDED', async () => {
    seed(ls, record('alice', 's1'), true);
    const tab1 = await client();
    const tab2 = await client();
    const order: string[] = [];
    tab2.c.onBeforeAccountRemoved((a, info) => {
      order.push(`hook:${a.username}:${info.reason}:${String(info.remote)}`);
    });
    tab2.c.addEventCallback((m) => order.push(m.eventType));
    const r = await tab1.c.logout({ scope: 'local' });
    expect(r).toMatchObject({
      idpLogoutConfirmed: false,
      navigated: false,
      accounts: [{ username: 'alice' }],
    });
    expect(tab1.types().slice(tab1.types().indexOf(EventType.LOGOUT_START))).toEqual([
      EventType.LOGOUT_START,
      EventType.ACCOUNT_REMOVED,
      EventType.ACTIVE_ACCOUNT_CHANGED,
      EventType.LOCAL_CLEARED,
      EventType.LOGOUT_SUCCESS,
      EventType.LOGOUT_END,
    ]);
    await vi.waitFor(() => expect(order).toContain(EventType.SESSION_ENDED));
    expect(order).toEqual([
      'hook:alice:other-tab:true',
      EventType.ACCOUNT_REMOVED,
      EventType.ACTIVE_ACCOUNT_CHANGED,
      EventType.LOCAL_CLEARED,
      EventType.SESSION_ENDED,
    ]);
    const ended = tab2.log.find((m) => m.eventType === EventType.SESSION_ENDED)!;
    expect(ended.payload).toMatchObject({ reason: 'other-tab', sid: 's1', account: { username: 'alice' } });
    expect(tab2.c.getAllAccounts()).toEqual([]);
  });

  it('a storage event alone (no message) is enough: the account key vanished, the tab reports it', async () => {
    const target = new EventTarget();
    g.addEventListener = target.addEventListener.bind(target);
    g.removeEventListener = target.removeEventListener.bind(target);
    seed(ls, record('alice', 's1'), true);
    const tab = await client();
    ls.removeItem(`adieu.${clientId}.account.user-alice`);
    const key = `adieu.${clientId}.account.user-alice`;
    target.dispatchEvent(Object.assign(new Event('storage'), { key, newValue: null, storageArea: ls }));
    await vi.waitFor(() => expect(tab.types()).toContain(EventType.SESSION_ENDED));
    expect(tab.log.find((m) => m.eventType === EventType.SESSION_ENDED)?.payload).toMatchObject({
      reason: 'other-tab',
    });
    // ...and the queue is free afterwards.
    await tab.c.logout({ scope: 'local' });
    expect(tab.types()).toContain(EventType.LOGOUT_END);
  });

  it('with per-tab caches, the other tab removes its own copy of the account', async () => {
    const ss2 = new FakeStorage();
    seed(g.sessionStorage!, record('alice', 's1'), true);
    const tab1 = await client('sessionStorage');
    g.sessionStorage = ss2;
    seed(ss2, record('alice', 's1'), true);
    const tab2 = await client('sessionStorage');
    expect(tab2.c.getActiveAccount()?.username).toBe('alice');
    await tab1.c.logout({ scope: 'local' });
    await vi.waitFor(() => expect(tab2.types()).toContain(EventType.SESSION_ENDED));
    expect(ss2.getItem(`adieu.${clientId}.account.user-alice`)).toBeNull();
  });

  it('a tab that was away drops, on initialize, an account whose session ended meanwhile', async () => {
    seed(g.sessionStorage!, record('alice', 's1'), true);
    ls.setItem(`adieu.${clientId}.ended`, JSON.stringify({ s1: { at: Date.now(), reason: 'push' } }));
    const tab = await client('sessionStorage');
    expect(tab.c.getAllAccounts()).toEqual([]);
    expect(tab.log.find((m) => m.eventType === EventType.SESSION_ENDED)?.payload).toMatchObject({
      reason: 'push',
    });
  });

  it('a login after a local-only logout (same SSO session) is not undone by the old tombstone', async () => {
    ls.setItem(
      `adieu.${clientId}.ended`,
      JSON.stringify({ s1: { at: Date.now() - 5_000, reason: 'other-tab' } }),
    );
    seed(ls, record('alice', 's1'), true);
    const tab = await client();
    expect(tab.c.getActiveAccount()?.username).toBe('alice');
  });
});

describe('refresh', () => {
  it('rotates the refresh token and caches the new access token', async () => {
    seed(ls, record('alice', 's1', { accessToken: undefined }), true);
    const { fetch, calls } = fakeFetch(() => ({
      status: 200,
      json: {
        access_token: 'at-new',
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: 'rt-new',
        scope: 'openid profile email',
      },
    }));
    const tab = await client('localStorage', fetch);
    const r = await tab.c.acquireTokenSilent();
    expect(r).toMatchObject({ accessToken: 'at-new', fromCache: false, account: { username: 'alice' } });
    expect(Object.fromEntries(calls[0]!.body)).toEqual({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: 'rt-alice',
    });
    expect((await tab.c.acquireTokenSilent()).fromCache).toBe(true);
    expect(JSON.parse(ls.getItem(`adieu.${clientId}.account.user-alice`)!)).toMatchObject({
      refreshToken: 'rt-new',
    });
    expect(tab.types()).toContain(EventType.ACQUIRE_TOKEN_SUCCESS);
  });

  it('a refused refresh is a logout: removed in every tab (reason refresh-failure), interaction required', async () => {
    seed(ls, record('alice', 's1', { accessToken: undefined }), true);
    seed(ls, record('bob', 's2'));
    const { fetch } = fakeFetch(() => ({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'the sign-in session has ended' },
    }));
    const tab1 = await client('localStorage', fetch);
    const tab2 = await client();
    await expect(tab1.c.acquireTokenSilent()).rejects.toMatchObject({
      name: 'InteractionRequiredAuthError',
      code: 'interaction_required',
      error: 'invalid_grant',
    });
    expect(tab1.c.getAllAccounts().map((a) => a.username)).toEqual(['bob']);
    expect(tab1.log.find((m) => m.eventType === EventType.SESSION_ENDED)?.payload).toMatchObject({
      reason: 'refresh-failure',
      sid: 's1',
    });
    await vi.waitFor(() => expect(tab2.types()).toContain(EventType.SESSION_ENDED));
    expect(tab2.log.find((m) => m.eventType === EventType.SESSION_ENDED)?.payload).toMatchObject({
      reason: 'refresh-failure',
    });
    expect(tab1.types()).toContain(EventType.ACQUIRE_TOKEN_FAILURE);
  });

  it('a network failure is not a logout', async () => {
    seed(ls, record('alice', 's1', { accessToken: undefined }), true);
    const f = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    const tab = await client('localStorage', f);
    await expect(tab.c.acquireTokenSilent()).rejects.toMatchObject({ code: 'network_error' });
    expect(tab.c.getAllAccounts()).toHaveLength(1);
  });
});

describe('handleFrontChannelLogout', () => {
  const url = (sid: string, iss = ISSUER) =>
    `https://app.example/fc?iss=${encodeURIComponent(iss)}&sid=${encodeURIComponent(sid)}`;

  it('removes only the account of that sid, remembers the sid, and tells the other tabs', async () => {
    seed(ls, record('alice', 's1'), true);
    seed(ls, record('bob', 's2'));
    const tab = await client();
    const frame = await client();
    const r = await frame.c.handleFrontChannelLogout(url('s1'));
    expect(r).toMatchObject({
      cleared: true,
      detail: undefined,
      sid: 's1',
      accounts: [{ username: 'alice' }],
    });
    expect(frame.c.getAllAccounts().map((a) => a.username)).toEqual(['bob']);
    expect(JSON.parse(ls.getItem(`adieu.${clientId}.ended`)!)).toHaveProperty('s1');
    await vi.waitFor(() => expect(tab.types()).toContain(EventType.SESSION_ENDED));
    expect(tab.log.find((m) => m.eventType === EventType.SESSION_ENDED)?.payload).toMatchObject({
      reason: 'front-channel',
      account: { username: 'alice' },
    });
  });

  it('says when it had nothing for that session, and ignores other issuers', async () => {
    seed(ls, record('alice', 's1'), true);
    const frame = await client();
    expect(await frame.c.handleFrontChannelLogout(url('s9'))).toMatchObject({
      cleared: true,
      detail: 'no-matching-account',
      accounts: [],
    });
    expect(await frame.c.handleFrontChannelLogout(url('s1', 'https://evil.example'))).toMatchObject({
      cleared: true,
      detail: 'no-matching-account',
      accounts: [],
    });
    expect(frame.c.getAllAccounts()).toHaveLength(1);
  });

  it('in a partitioned frame it clears nothing and says so plainly (result and event)', async () => {
    seed(ls, record('alice', 's1'), true);
    ls.refuse = true; // third-party cookies blocked: localStorage throws in the frame
    const frame = await client();
    const r = await frame.c.handleFrontChannelLogout(url('s1'));
    expect(r).toMatchObject({ cleared: false, detail: 'storage-partitioned', accounts: [] });
    const e = frame.log.find((m) => m.eventType === EventType.FRONT_CHANNEL_LOGOUT)!;
    expect(e.error).toMatchObject({ code: 'storage_partitioned' });
    expect(e.payload).toMatchObject({ cleared: false });
    ls.refuse = false;
    expect(ls.getItem(`adieu.${clientId}.account.user-alice`)).not.toBeNull();
  });
});

describe('accounts API', () => {
  it('filters and switches the active account, and refuses unknown accounts', async () => {
    seed(ls, record('alice', 's1'), true);
    seed(ls, record('bob', 's2'));
    const tab = await client();
    expect(tab.c.getAllAccounts().map((a) => a.username)).toEqual(['alice', 'bob']);
    expect(tab.c.getAccountByUsername('BOB')?.sid).toBe('s2');
    expect(tab.c.getAccount({ sid: 's1' })?.username).toBe('alice');
    tab.c.setActiveAccount(tab.c.getAccountByHomeId('user-bob'));
    expect(tab.c.getActiveAccount()?.username).toBe('bob');
    expect(tab.types()).toContain(EventType.ACTIVE_ACCOUNT_CHANGED);
    const ghost = { ...tab.c.getActiveAccount()!, homeAccountId: 'user-ghost' };
    expect(() => tab.c.setActiveAccount(ghost)).toThrow(
      expect.objectContaining({ code: 'no_account_error' }),
    );
  });

  it('initialize() can be retried after a failed discovery', async () => {
    let up = false;
    const f = (async () => {
      if (!up) throw new TypeError('Failed to fetch');
      return new Response(METADATA, { status: 200 });
    }) as typeof fetch;
    const c = new AdieuClient({
      auth: { clientId, authority: ISSUER, redirectUri: 'https://app.example/' },
      system: { fetch: f },
    });
    await expect(c.initialize()).rejects.toMatchObject({ code: 'discovery_failed' });
    up = true;
    await expect(c.initialize()).resolves.toBeUndefined();
  });

  it('refuses to work before initialize()', () => {
    const c = new AdieuClient({ auth: { clientId, authority: ISSUER, redirectUri: 'https://app.example/' } });
    expect(() => c.getAllAccounts()).not.toThrow();
    return expect(c.acquireTokenSilent()).rejects.toMatchObject({
      code: 'uninitialized_public_client_application',
    });
  });
});

describe('tab channel', () => {
  it('falls back to storage events when BroadcastChannel is missing', () => {
    const target = new EventTarget();
    g.addEventListener = target.addEventListener.bind(target);
    g.removeEventListener = target.removeEventListener.bind(target);
    const bus = new FakeStorage();
    // Web Storage fires `storage` in the *other* documents when a key changes: simulate that for setItem.
    const setItem = bus.setItem.bind(bus);
    bus.setItem = (k: string, v: string) => {
      setItem(k, v);
      target.dispatchEvent(Object.assign(new Event('storage'), { key: k, newValue: v, storageArea: bus }));
    };
    const got: TabMessage[] = [];
    const a = new TabChannel('adieu.t', () => undefined, { broadcastChannel: null, storage: bus });
    const b = new TabChannel('adieu.t', (m) => got.push(m), { broadcastChannel: null, storage: bus });
    expect(a.transport).toBe('storage-event');
    a.post({ t: 'removed', ids: ['user-alice'], sids: ['s1'], reason: 'logout' });
    expect(got).toEqual([{ t: 'removed', ids: ['user-alice'], sids: ['s1'], reason: 'logout' }]);
    expect(bus.length).toBe(0); // the message key is removed at once
    a.close();
    b.close();
  });
});

describe('several accounts (issue 19)', () => {
  /** alice and bob, each with the opaque login_hint the provider puts in ID tokens; bob active. */
  function aliceAndBob() {
    const withHint = (user: string, sid: string) => {
      const r = record(user, sid);
      const claims = { ...r.account.idTokenClaims!, login_hint: `lh-${user}` };
      return { ...r, account: { ...r.account, idTokenClaims: claims, idToken: fakeJwt(claims) } };
    };
    const alice = withHint('alice', 's1');
    const bob = withHint('bob', 's2');
    seed(ls, alice);
    seed(ls, bob, true);
    return { alice, bob };
  }
  /** Run a logout to the provider and return the end_session URL it would have gone to. */
  async function endSessionUrl(c: AdieuClient, request: Parameters<AdieuClient['logoutRedirect']>[0]) {
    let url = '';
    await c.logoutRedirect({
      ...request,
      onRedirectNavigate: (u) => {
        url = u;
        return false;
      },
    });
    return new URL(url);
  }

  it('logoutRedirect({ account }) sends that account’s hints and removes it alone, in every tab; the other stays active', async () => {
    const { alice } = aliceAndBob();
    const tab1 = await client();
    const tab2 = await client();
    const url = await endSessionUrl(tab1.c, { account: tab1.c.getAccountByUsername('alice') });
    expect(url.searchParams.get('logout_hint')).toBe('lh-alice');
    expect(url.searchParams.get('id_token_hint')).toBe(alice.account.idToken);
    expect(url.searchParams.get('client_id')).toBe(clientId);
    expect(tab1.c.getAllAccounts().map((a) => a.username)).toEqual(['bob']);
    expect(tab1.c.getActiveAccount()?.username).toBe('bob');
    await vi.waitFor(() => expect(tab2.types()).toContain(EventType.SESSION_ENDED));
    expect(tab2.c.getAllAccounts().map((a) => a.username)).toEqual(['bob']);
    expect(tab2.c.getActiveAccount()?.username).toBe('bob');
    const removed = tab2.log.filter((m) => m.eventType === EventType.ACCOUNT_REMOVED);
    expect(removed.map((m) => (m.payload as { username: string }).username)).toEqual(['alice']);
  });

  it('signing out the active account leaves none active: never a silent switch to the other user', async () => {
    aliceAndBob();
    const tab1 = await client();
    const tab2 = await client();
    await endSessionUrl(tab1.c, { account: tab1.c.getActiveAccount() });
    expect(tab1.c.getAllAccounts().map((a) => a.username)).toEqual(['alice']);
    expect(tab1.c.getActiveAccount()).toBeNull();
    await expect(tab1.c.acquireTokenSilent()).rejects.toMatchObject({ code: 'no_account_error' });
    // (The tabs share one localStorage cache: wait for the other tab to have been told, not for the cache.)
    await vi.waitFor(() => expect(tab2.types()).toContain(EventType.SESSION_ENDED));
    expect(tab2.c.getAllAccounts().map((a) => a.username)).toEqual(['alice']);
    expect(tab2.c.getActiveAccount()).toBeNull();
    expect(
      tab2.log.filter((m) => m.eventType === EventType.ACTIVE_ACCOUNT_CHANGED).at(-1)?.payload,
    ).toBeNull();
    // The app chooses again, and the token follows its choice.
    tab1.c.setActiveAccount(tab1.c.getAccountByUsername('alice'));
    expect((await tab1.c.acquireTokenSilent()).account.username).toBe('alice');
  });

  it('acquireTokenSilent uses the active account unless another is named', async () => {
    aliceAndBob();
    const tab = await client();
    expect((await tab.c.acquireTokenSilent()).accessToken).toBe('at-bob');
    const alice = tab.c.getAccountByUsername('alice')!;
    expect((await tab.c.acquireTokenSilent({ account: alice })).accessToken).toBe('at-alice');
    tab.c.setActiveAccount(alice);
    expect((await tab.c.acquireTokenSilent()).accessToken).toBe('at-alice');
  });

  it('without an account and with several, no hint is sent: the provider asks which one (or all)', async () => {
    aliceAndBob();
    const tab = await client();
    const url = await endSessionUrl(tab.c, {});
    expect(url.searchParams.has('logout_hint')).toBe(false);
    expect(url.searchParams.has('id_token_hint')).toBe(false);
    expect(url.searchParams.get('client_id')).toBe(clientId);
    expect(tab.c.getAllAccounts()).toEqual([]);
  });

  it('a front-channel logout of one account’s session removes that account only, in every tab', async () => {
    aliceAndBob();
    const tab1 = await client();
    const tab2 = await client();
    const frame = await client();
    await frame.c.handleFrontChannelLogout(`https://app.example/fc?iss=${encodeURIComponent(ISSUER)}&sid=s2`);
    await vi.waitFor(() => expect(tab1.types()).toContain(EventType.SESSION_ENDED));
    expect(tab1.c.getAllAccounts().map((a) => a.username)).toEqual(['alice']);
    expect(tab1.c.getActiveAccount()).toBeNull();
    const ended = tab1.log.filter((m) => m.eventType === EventType.SESSION_ENDED);
    expect(ended.map((m) => (m.payload as { sid: string }).sid)).toEqual(['s2']);
    await vi.waitFor(() => expect(tab2.types()).toContain(EventType.SESSION_ENDED));
    expect(tab2.c.getAllAccounts().map((a) => a.username)).toEqual(['alice']);
  });

  it('loginRedirect takes prompt select_account, and { account } sends that account’s login_hint', async () => {
    aliceAndBob();
    const tab = await client();
    const urls: URL[] = [];
    const capture = (u: string) => {
      urls.push(new URL(u));
      return false;
    };
    await tab.c.loginRedirect({ prompt: 'select_account', onRedirectNavigate: capture });
    await tab.c.loginRedirect({ account: tab.c.getAccountByUsername('alice')!, onRedirectNavigate: capture });
    await tab.c.loginRedirect({
      account: tab.c.getAccountByUsername('alice')!,
      loginHint: 'alice@example.com',
      onRedirectNavigate: capture,
    });
    expect(urls[0]!.searchParams.get('prompt')).toBe('select_account');
    expect(urls[0]!.searchParams.has('login_hint')).toBe(false);
    expect(urls[1]!.searchParams.get('login_hint')).toBe('lh-alice');
    expect(urls[2]!.searchParams.get('login_hint')).toBe('alice@example.com');
  });
});
