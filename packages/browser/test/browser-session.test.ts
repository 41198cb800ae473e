/**
 * Issue 12 point 1 in the SPA: an account of a non-persistent provider session (`session_persistent: false`)
 * does not outlive the browser. A marker cookie without expiry on the app's origin dies with the browser like
 * the provider's cookie; an account whose marker is gone is dropped before the app sees it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSetCookie } from 'cookie';
import { AdieuClient } from '../src/index.js';
import { BrowserSessionMarker, markerName, type CookieJar } from '../src/browser-session.js';
import { CLIENT_ID, FakeStorage, ISSUER, METADATA, fakeFetch } from './fakes.js';
import { cachedRecord, seedRecord } from './support.js';

/** A browser's cookie jar for one origin; `close()` is closing the browser (session cookies go). */
class Jar implements CookieJar {
  readonly written: string[] = [];
  private readonly cookies = new Map<string, { value: string; session: boolean }>();
  read() {
    return [...this.cookies].map(([k, v]) => `${k}=${v.value}`).join('; ');
  }
  write(setCookie: string) {
    this.written.push(setCookie);
    const c = parseSetCookie(setCookie);
    this.cookies.set(c.name, { value: c.value!, session: c.maxAge === undefined && c.expires === undefined });
  }
  close() {
    for (const [k, v] of this.cookies) if (v.session) this.cookies.delete(k);
  }
}

describe('BrowserSessionMarker', () => {
  const transient = cachedRecord('spa', 'alice', 's1', {}, { session_persistent: false });
  const persistent = cachedRecord('spa', 'bob', 's2', {}, { session_persistent: true });
  const unknown = cachedRecord('spa', 'carol', 's3');

  it('ties a non-persistent account to a browser-session cookie, which a closed browser loses', () => {
    const jar = new Jar();
    const marker = new BrowserSessionMarker(markerName('spa'), jar, true);
    const bound = marker.bind(transient);
    expect(bound.browserSession).toMatch(/^[\w-]{16,}$/);
    expect(jar.written).toHaveLength(1);
    const cookie = parseSetCookie(jar.written[0]!);
    expect(cookie).toMatchObject({ name: 'adieu_bs_spa', path: '/', sameSite: 'lax', secure: true });
    expect(cookie.maxAge).toBeUndefined();
    expect(cookie.expires).toBeUndefined();
    expect(marker.outlived(bound)).toBe(false);
    // A second login in the same browser session shares the marker.
    expect(marker.bind(transient).browserSession).toBe(bound.browserSession);
    jar.close();
    expect(marker.outlived(bound)).toBe(true);
  });

  it('leaves persistent sessions, and providers that do not say, as they were', () => {
    const jar = new Jar();
    const marker = new BrowserSessionMarker(markerName('spa'), jar, true);
    expect(marker.bind(persistent)).toBe(persistent);
    expect(marker.bind(unknown)).toBe(unknown);
    expect(jar.written).toEqual([]);
    jar.close();
    expect(marker.outlived(persistent)).toBe(false);
    expect(marker.outlived(unknown)).toBe(false);
  });

  it('without cookies (refused) the account is kept as before rather than lost at once', () => {
    const marker = new BrowserSessionMarker(markerName('spa'), undefined, true);
    expect(marker.bind(transient).browserSession).toBeUndefined();
  });
});

describe('a reopened browser', () => {
  type G = { localStorage?: Storage; sessionStorage?: Storage; document?: { cookie: string } };
  const g = globalThis as G;
  let jar: Jar;
  beforeEach(() => {
    g.localStorage = new FakeStorage();
    g.sessionStorage = new FakeStorage();
    jar = new Jar();
    g.document = {
      get cookie() {
        return jar.read();
      },
      set cookie(v: string) {
        jar.write(v);
      },
    };
  });
  afterEach(() => {
    delete g.localStorage;
    delete g.sessionStorage;
    delete g.document;
  });

  const client = () =>
    new AdieuClient({
      auth: {
        clientId: CLIENT_ID,
        authority: ISSUER,
        redirectUri: 'https://app.example/',
        authorityMetadata: METADATA,
      },
      cache: { cacheLocation: 'localStorage', confirmSessionOnLoad: false },
      system: { fetch: fakeFetch(() => ({ status: 500, json: {} })).fetch },
    });

  it('drops the account of a non-persistent session; keeps persistent and unmarked ones', async () => {
    const marker = new BrowserSessionMarker(markerName(CLIENT_ID), jar, true);
    const alice = marker.bind(cachedRecord(CLIENT_ID, 'alice', 's1', {}, { session_persistent: false }));
    seedRecord(g.localStorage!, CLIENT_ID, alice, true);
    seedRecord(
      g.localStorage!,
      CLIENT_ID,
      cachedRecord(CLIENT_ID, 'bob', 's2', {}, { session_persistent: true }),
    );
    seedRecord(g.localStorage!, CLIENT_ID, cachedRecord(CLIENT_ID, 'carol', 's3'));

    // Same browser session (a reload): all three stay.
    const before = client();
    await before.initialize();
    expect(before.getAllAccounts().map((a) => a.username)).toEqual(['alice', 'bob', 'carol']);

    jar.close(); // the browser was closed and reopened: localStorage survived, the marker did not
    const after = client();
    await after.initialize();
    expect(after.getAllAccounts().map((a) => a.username)).toEqual(['bob', 'carol']);
    expect(g.localStorage!.getItem(`adieu.${CLIENT_ID}.account.user-alice`)).toBeNull();
  });
});
