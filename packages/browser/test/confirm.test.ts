/**
 * Issue 12 point 2: an SPA never renders a signed-out user. An account cached before the page loaded is not
 * returned (getActiveAccount, getAllAccounts, acquireTokenSilent) before the provider answered for its session
 * in this page (`cache.confirmSessionOnLoad`, on by default).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdieuClient, EventType, type EventMessage } from '../src/index.js';
import { isConfirmed } from '../src/flows/confirm.js';
import { CLIENT_ID, FakeStorage, ISSUER, METADATA, fakeFetch } from './fakes.js';
import { cachedRecord, refreshed, seedRecord } from './support.js';

type G = { localStorage?: Storage; sessionStorage?: Storage };
const g = globalThis as G;
let ls: FakeStorage;
let clientId = CLIENT_ID;
let n = 0;

beforeEach(() => {
  ls = new FakeStorage();
  g.localStorage = ls;
  g.sessionStorage = new FakeStorage();
  clientId = `${CLIENT_ID}-confirm-${++n}`;
});
afterEach(() => {
  delete g.localStorage;
  delete g.sessionStorage;
});

function make(f: typeof fetch, system: Record<string, unknown> = {}) {
  const c = new AdieuClient({
    auth: { clientId, authority: ISSUER, redirectUri: 'https://app.example/', authorityMetadata: METADATA },
    cache: { cacheLocation: 'localStorage' },
    system: { fetch: f, ...system },
  });
  const log: EventMessage[] = [];
  c.addEventCallback((m) => log.push(m));
  return { c, log, types: () => log.map((m) => m.eventType) };
}

/** Everything the app can learn about accounts, as it would poll it. */
function seen(c: AdieuClient) {
  return { active: c.getActiveAccount()?.username ?? null, all: c.getAllAccounts().map((a) => a.username) };
}

describe('accounts cached before the page loaded wait for the provider', () => {
  it('are hidden until a refresh is granted, then announced (ACCOUNT_ADDED, ACTIVE_ACCOUNT_CHANGED)', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1'), true);
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    const { fetch, calls } = fakeFetch(() => refreshed('alice'));
    const gated = (async (u: RequestInfo | URL, i?: RequestInit) => {
      await gate;
      return fetch(u, i);
    }) as typeof fetch;
    const tab = make(gated, { sessionConfirmationTimeout: 50 });
    // Before initialize, and after it gave up waiting: nothing to show, nothing to call the API with.
    expect(seen(tab.c)).toEqual({ active: null, all: [] });
    await tab.c.initialize();
    expect(seen(tab.c)).toEqual({ active: null, all: [] });
    const alice = cachedRecord(clientId, 'alice', 's1').account;
    const token = tab.c.acquireTokenSilent({ account: alice });
    answer();
    await expect(token).resolves.toMatchObject({ accessToken: 'at-alice-1', account: { username: 'alice' } });
    expect(seen(tab.c)).toEqual({ active: 'alice', all: ['alice'] });
    expect(calls).toHaveLength(1); // one refresh answered both the confirmation and the token request
    expect(Object.fromEntries(calls[0]!.body)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'rt-alice',
    });
    expect(tab.types()).toEqual(
      expect.arrayContaining([EventType.ACCOUNT_ADDED, EventType.ACTIVE_ACCOUNT_CHANGED]),
    );
    expect(tab.log.find((m) => m.eventType === EventType.ACCOUNT_ADDED)?.payload).toMatchObject({
      username: 'alice',
    });
  });

  it('initialize() waits for the answer: a live session is shown from the first render', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1'), true);
    const tab = make(fakeFetch(() => refreshed('alice')).fetch);
    expect(seen(tab.c).all).toEqual([]);
    await tab.c.initialize();
    expect(seen(tab.c)).toEqual({ active: 'alice', all: ['alice'] });
  });

  it('a session that ended meanwhile is never shown: invalid_grant drops the account, no ACCOUNT_ADDED', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1'), true);
    const tab = make(
      fakeFetch(() => ({ status: 400, json: { error: 'invalid_grant', error_description: 'session ended' } }))
        .fetch,
    );
    await tab.c.initialize();
    expect(seen(tab.c)).toEqual({ active: null, all: [] });
    expect(ls.getItem(`adieu.${clientId}.account.user-alice`)).toBeNull();
    expect(JSON.parse(ls.getItem(`adieu.${clientId}.ended`)!)).toHaveProperty('s1');
    expect(tab.types()).not.toContain(EventType.ACCOUNT_ADDED);
    await expect(tab.c.acquireTokenSilent()).rejects.toMatchObject({ code: 'no_account_error' });
  });

  it('offline (network error): hidden, kept in the cache (not a logout), and a token request says why', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1'), true);
    const f = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    const tab = make(f);
    await tab.c.initialize();
    expect(seen(tab.c)).toEqual({ active: null, all: [] });
    expect(ls.getItem(`adieu.${clientId}.account.user-alice`)).not.toBeNull();
    const alice = cachedRecord(clientId, 'alice', 's1').account;
    await expect(tab.c.acquireTokenSilent({ account: alice })).rejects.toMatchObject({
      code: 'network_error',
    });
  });

  it('tokens obtained after the page loaded (a login or refresh in another tab) are an answer already', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 500, json: {} }));
    const tab = make(fetch);
    seedRecord(ls, clientId, cachedRecord(clientId, 'bob', 's2', { obtainedAt: Date.now() + 1 }), true);
    await tab.c.initialize();
    expect(seen(tab.c)).toEqual({ active: 'bob', all: ['bob'] });
    expect(calls).toHaveLength(0);
  });

  it('without a refresh token nothing can answer: the account stays hidden (sign in again)', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1', { refreshToken: undefined }), true);
    const tab = make(fakeFetch(() => refreshed('alice')).fetch);
    await tab.c.initialize();
    expect(seen(tab.c).all).toEqual([]);
    const alice = cachedRecord(clientId, 'alice', 's1').account;
    await expect(tab.c.acquireTokenSilent({ account: alice })).rejects.toMatchObject({
      code: 'interaction_required',
    });
  });

  it('a logout still reaches accounts the page has not shown yet', async () => {
    seedRecord(ls, clientId, cachedRecord(clientId, 'alice', 's1'), true);
    const tab = make((() => Promise.reject(new TypeError('offline'))) as typeof fetch);
    await tab.c.initialize();
    const r = await tab.c.logout({ scope: 'local' });
    expect(r.accounts.map((a) => a.username)).toEqual(['alice']);
    expect(ls.getItem(`adieu.${clientId}.account.user-alice`)).toBeNull();
  });
});

describe('isConfirmed', () => {
  const r = cachedRecord('spa', 'alice', 's1', { signedInAt: 1_000, obtainedAt: 2_000 });
  it('follows the time the provider last issued tokens, or an answer in this page, or the mode', () => {
    const none = new Set<string>();
    expect(isConfirmed(r, { enabled: true, loadedAt: 2_000, confirmed: none })).toBe(true);
    expect(isConfirmed(r, { enabled: true, loadedAt: 2_001, confirmed: none })).toBe(false);
    expect(isConfirmed(r, { enabled: true, loadedAt: 2_001, confirmed: new Set(['user-alice']) })).toBe(true);
    expect(isConfirmed(r, { enabled: false, loadedAt: 9_999, confirmed: none })).toBe(true);
    // Records of older versions have no obtainedAt: their login time counts.
    const old = { ...r, obtainedAt: undefined };
    expect(isConfirmed(old, { enabled: true, loadedAt: 1_500, confirmed: none })).toBe(false);
    expect(isConfirmed(old, { enabled: true, loadedAt: 1_000, confirmed: none })).toBe(true);
  });
});
