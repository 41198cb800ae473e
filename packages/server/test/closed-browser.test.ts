/**
 * Issue 12 §1: a closed browser is not a way around single logout. The provider recognises the browser by a
 * long-lived cookie of its own; a visit that carries it without the session cookie ends that browser's
 * non-persistent sessions through the one logout path (reason browser_closed, every participant told).
 * Also issue 11 §7: the SSO cookie is `__Host-` prefixed on https, and the old name is honoured once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { Provider } from '../src/provider.js';
import { parseConfig } from '../src/config/load.js';
import { buildApp } from '../src/http/app.js';
import { cookieOptions } from '../src/http/cookies.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const apps = ['portal', 'bookings'] as const;
const cb = (n: string) => `http://localhost:5001/${n}/callback`;

/** Close and reopen: the browser drops its session cookies and keeps the persistent ones. */
async function closeAndReopen(b: BrowserSession, url: string) {
  for (const c of await b.jar.getCookies(url)) {
    if (c.TTL() === Infinity) await b.jar.store.removeCookie(c.domain!, c.path!, c.key);
  }
}

describe('a closed browser ends its non-persistent sessions', () => {
  let op: TestProvider;
  const receivers: Record<string, Receiver> = {};

  beforeAll(async () => {
    for (const n of apps) receivers[n] = await startReceiver();
    op = await startTestProvider({
      logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
      clients: apps.map((n) => ({
        client_id: n,
        client_secret: `${n}-secret-0123456789`,
        redirect_uris: [cb(n)],
        backchannel_logout_uri: receivers[n]!.url,
        backchannel_logout_session_required: true,
      })),
      users: [ALICE, BOB],
    });
  });
  afterAll(async () => {
    await op?.close();
    for (const r of Object.values(receivers)) await r.stop();
  });
  beforeEach(() => {
    for (const r of Object.values(receivers)) r.received.length = 0;
  });

  const rp = (n: string) =>
    discover({ issuer: op.issuer, clientId: n, clientSecret: `${n}-secret-0123456789`, redirectUri: cb(n) });

  async function aliceAtBothApps(remember: boolean) {
    const browser = new BrowserSession();
    const portal = await signIn(await rp('portal'), browser, cb('portal'), { ...ALICE, remember });
    const bookings = await signIn(await rp('bookings'), browser, cb('bookings'));
    expect(bookings.loginShown).toBe(false);
    return { browser, sid: portal.tokens.claims()!.sid as string, claims: portal.tokens.claims()! };
  }

  it('ID tokens say whether the session is persistent (session_persistent)', async () => {
    expect((await aliceAtBothApps(false)).claims.session_persistent).toBe(false);
    expect((await aliceAtBothApps(true)).claims.session_persistent).toBe(true);
  });

  it("Bob at a reopened browser: Alice's session ends as browser_closed and every app is told", async () => {
    const { browser, sid } = await aliceAtBothApps(false);
    await closeAndReopen(browser, op.issuer);
    // Bob opens an app; the provider sees the browser without its session cookie before anyone signs in.
    const req = await authorizationRequest(await rp('portal'), cb('portal'));
    const { loginShown } = await authorize(browser, req.url, BOB);
    expect(loginShown).toBe(true);
    const ended = await op.provider.store.sessions.findBySid(sid);
    expect(ended!.ended_at).not.toBeNull();
    expect(ended!.end_reason).toBe('browser_closed');
    for (const n of apps) {
      const [got] = await receivers[n]!.waitFor(1);
      expect(got!.claims.sid).toBe(sid);
      expect(got!.claims.reason).toBe('browser_closed');
    }
    const [logout] = await op.provider.store.logouts.listBySid(sid);
    expect(logout!.reason).toBe('browser_closed');
  });

  it('a session kept with "keep me signed in" survives the browser closing', async () => {
    const { browser, sid } = await aliceAtBothApps(true);
    await closeAndReopen(browser, op.issuer);
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    const { callback } = await authorize(browser, req.url);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await op.provider.store.sessions.findBySid(sid))!.ended_at).toBeNull();
    expect(receivers.portal!.received).toHaveLength(0);
  });

  it('a browser that still has its session cookie is not "closed"', async () => {
    const { browser, sid } = await aliceAtBothApps(false);
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(browser, req.url)).callback.searchParams.get('code')).toBeTruthy();
    expect((await op.provider.store.sessions.findBySid(sid))!.ended_at).toBeNull();
  });

  it('another browser without cookies ends nothing', async () => {
    const { sid } = await aliceAtBothApps(false);
    const stranger = new BrowserSession();
    await stranger.navigate(`${op.issuer}/account`);
    expect((await op.provider.store.sessions.findBySid(sid))!.ended_at).toBeNull();
  });
});

describe('the SSO cookie is __Host- prefixed on https (issue 11 §7)', () => {
  it('wire names: prefixed on https at the root, plain on http or under a path', () => {
    expect(cookieOptions('https://id.example', '').names).toEqual({
      session: '__Host-adieu_session',
      legacySession: 'adieu_session',
      browser: '__Host-adieu_browser',
      kept: '__Host-adieu_kept',
    });
    expect(cookieOptions('http://localhost:9000', '').names.session).toBe('adieu_session');
    expect(cookieOptions('https://id.example/idp', '/idp').names.session).toBe('adieu_session');
  });

  it('sign-in sets __Host-adieu_session; the old name is honoured once for a session from before, then cleared', async () => {
    const config = parseConfig({
      issuer: 'https://id.example',
      database: 'sqlite::memory:',
      users: [ALICE],
      clients: [
        { client_id: 'c', client_secret: 'c-secret-0123456789', redirect_uris: ['https://c.example/cb'] },
      ],
    });
    const provider = await Provider.start(config, { workers: false });
    const app = await buildApp(provider);
    try {
      // A session from before the prefix: no browser id, cookie under the old name.
      const { cookie, session } = await provider.sessions.create({
        userId: (await provider.store.users.findByUsername('alice'))!.id,
        rememberMe: false,
        ip: null,
        userAgent: null,
      });
      const res = await app.inject({ method: 'GET', url: '/account', cookies: { adieu_session: cookie } });
      expect(res.statusCode).toBe(200);
      const set = res.headers['set-cookie'] as string[];
      expect(set.some((c) => c.startsWith(`__Host-adieu_session=${cookie};`) && /Secure/.test(c))).toBe(true);
      expect(set.some((c) => /^adieu_session=;/.test(c))).toBe(true);
      // Under the new name it is simply read.
      const again = await app.inject({
        method: 'GET',
        url: '/account',
        cookies: { '__Host-adieu_session': cookie, '__Host-adieu_browser': 'b'.repeat(43) },
      });
      expect(again.statusCode).toBe(200);
      // A session created since (it has a browser id) is never accepted under the old name.
      const fresh = await provider.sessions.create({
        userId: session.user_id,
        rememberMe: false,
        ip: null,
        userAgent: null,
        browserCookie: 'x'.repeat(43),
      });
      const tossed = await app.inject({
        method: 'GET',
        url: '/account',
        cookies: { adieu_session: fresh.cookie },
      });
      expect(tossed.statusCode).toBe(303);
      expect(tossed.headers.location).toMatch(/\/interaction\//);
    } finally {
      await app.close();
      await provider.stop();
    }
  });
});
