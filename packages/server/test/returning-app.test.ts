/**
 * Issue 19 point 6, seed 003's pitfall: an app signs its user out locally only (the provider's session lives on),
 * and the next person at the browser opens the app. An interactive request from an app that already took part in
 * the session names the account first ("Continuing as Alice… Not you?"); the app gets no code before that page.
 * A first sign-in at an app stays silent, and prompt=none never shows a page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import {
  authorizationRequest,
  authorize,
  continuingAs,
  discover,
  oidc,
  signIn,
} from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';

const ALICE = { username: 'alice', password: 'alice-password', name: 'Alice Liddell' };
const BOB = { username: 'bob', password: 'bob-password', name: 'Bob Builder' };
const apps = ['portal', 'bookings'] as const;
const cb = (n: string) => `http://localhost:5003/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

describe('an app coming back to a session it took part in names the account first', () => {
  let op: TestProvider;
  const receivers: Record<string, Receiver> = {};

  beforeAll(async () => {
    for (const n of apps) receivers[n] = await startReceiver();
    op = await startTestProvider({
      logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
      clients: apps.map((n) => ({
        client_id: n,
        client_name: n === 'portal' ? 'Portal' : 'Bookings',
        client_secret: secret(n),
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

  const rp = (n: string) =>
    discover({ issuer: op.issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });
  const live = async (sid: string) => (await op.provider.store.sessions.findBySid(sid))!.ended_at === null;
  const codeIn = (url: string | undefined) =>
    url !== undefined && new URL(url).searchParams.has('code') ? new URL(url) : undefined;

  /**
   * Alice signs in at the portal, opens Bookings (single sign-on), then signs out of Bookings only: the app
   * forgets its tokens, the provider's session lives on. That is all a local-only logout leaves behind.
   */
  async function aliceLeftBookingsLocally() {
    const browser = new BrowserSession();
    const portal = await signIn(await rp('portal'), browser, cb('portal'), ALICE);
    expect(portal.loginShown).toBe(true);
    const bookings = await signIn(await rp('bookings'), browser, cb('bookings'));
    // A first sign-in at an app is single sign-on: silent, no page.
    expect(bookings.loginShown).toBe(false);
    expect(bookings.continuedAs).toBeUndefined();
    const sid = portal.tokens.claims()!.sid as string;
    expect(bookings.tokens.claims()!.sid).toBe(sid);
    return { browser, sid, aliceIdToken: bookings.tokens.id_token!, claims: bookings.tokens.claims()! };
  }

  /** Open Bookings' authorization request; the first page the person sees (or the app's callback). */
  async function openBookings(browser: BrowserSession, extra: Record<string, string> = {}) {
    const req = await authorizationRequest(await rp('bookings'), cb('bookings'), extra);
    return { req, page: await browser.navigate(req.url.toString()) };
  }

  it('Bob at the same browser sees Alice’s name before anything, and "Use another account" signs him in as himself', async () => {
    const { browser, sid } = await aliceLeftBookingsLocally();
    const { req, page } = await openBookings(browser);
    expect(codeIn(page.redirectTo)).toBeUndefined();
    expect(page.status).toBe(200);
    expect(continuingAs(page)).toBe('Continuing as Alice Liddell (alice)…');
    expect(page.doc.querySelector('.lede')!.text).toContain('Bookings');
    expect(page.doc.querySelector('button[data-adieu=continue]')).toBeTruthy();
    expect(page.doc.querySelector('button[data-adieu=sign-out]')).toBeTruthy();
    // It goes on by itself after a visible countdown: a script file (strict CSP), or the refresh without one.
    expect(page.doc.querySelector('#countdown')!.text).toMatch(/Continuing in 5 seconds/);
    expect(page.doc.querySelector('script[src$="/assets/continue.js"]')).toBeTruthy();
    expect(page.doc.querySelector('noscript')!.innerHTML).toMatch(/http-equiv="refresh" content="5;url=/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);

    const another = new URL(
      page.doc.querySelector('[data-adieu=another-account]')!.getAttribute('href')!,
      page.url,
    );
    const login = await browser.navigate(another.toString());
    expect(login.doc.querySelector('input[name=password]')).toBeTruthy();
    const after = await browser.submit(login, { username: BOB.username, password: BOB.password });
    const tokens = await oidc.authorizationCodeGrant(await rp('bookings'), codeIn(after.redirectTo)!, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.preferred_username ?? tokens.claims()!.name).not.toMatch(/alice/i);
    expect(tokens.claims()!.sid).not.toBe(sid);
    // Bob's account was added; Alice's is still signed in (she did not sign out of the provider).
    expect(await live(sid)).toBe(true);
  });

  it('"Sign out" ends that account through the logout path (its apps are told), then the sign-in page', async () => {
    const { browser, sid } = await aliceLeftBookingsLocally();
    const { req, page } = await openBookings(browser);
    const receipt = await browser.submit(page, {}, 'form[action$="/sign-out"]');
    expect(receipt.status).toBe(200);
    expect(await live(sid)).toBe(false);
    expect((await op.provider.store.sessions.findBySid(sid))!.end_reason).toBe('user');
    await expect
      .poll(() => receivers.portal!.received.some((r) => r.claims.sid === sid), { timeout: 15_000 })
      .toBe(true);
    // The receipt lists Alice's apps and goes on to the sign-in page of the same request.
    const listed = receipt.doc
      .querySelectorAll('li[data-client]')
      .map((li) => li.getAttribute('data-client'));
    expect(listed.sort()).toEqual(['bookings', 'portal']);
    expect(receipt.body).toContain('Going on to sign in');
    const done = new URL(receipt.doc.querySelector('#done-link')!.getAttribute('href')!, receipt.url);
    const login = await browser.navigate(done.toString());
    expect(login.doc.querySelector('input[name=password]')).toBeTruthy();
    const after = await browser.submit(login, { username: BOB.username, password: BOB.password });
    const tokens = await oidc.authorizationCodeGrant(await rp('bookings'), codeIn(after.redirectTo)!, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.sid).not.toBe(sid);
  });

  it('every interactive request shape names her first: hints, consent, form_post, POST; never a code before the page', async () => {
    const { browser, aliceIdToken, claims } = await aliceLeftBookingsLocally();
    const shapes: Record<string, string>[] = [
      {},
      { login_hint: 'alice' },
      { login_hint: claims.login_hint as string },
      { id_token_hint: aliceIdToken },
      { prompt: 'consent' },
      { response_mode: 'form_post' },
      { max_age: '3600' },
    ];
    for (const extra of shapes) {
      const { page } = await openBookings(browser, extra);
      expect(codeIn(page.redirectTo), JSON.stringify(extra)).toBeUndefined();
      expect(page.body).not.toMatch(/name="code"/);
      expect(continuingAs(page), JSON.stringify(extra)).toBe('Continuing as Alice Liddell (alice)…');
    }
    // The same request sent as a POST (OIDC Core §3.1.2.1).
    const { req } = await openBookings(browser);
    const posted = await browser.navigate(`${op.issuer}/authorize`, {
      method: 'POST',
      form: Object.fromEntries(req.url.searchParams),
    });
    expect(continuingAs(posted)).toBe('Continuing as Alice Liddell (alice)…');
  });

  it('"Continue" (or the countdown’s GET) goes on as her; prompt=none never shows the page', async () => {
    const { browser, sid } = await aliceLeftBookingsLocally();
    const silent = await openBookings(browser, { prompt: 'none' });
    expect(codeIn(silent.page.redirectTo)).toBeDefined();

    const { page } = await openBookings(browser);
    const clicked = await browser.submit(page, {});
    expect(codeIn(clicked.redirectTo)).toBeDefined();

    const second = await openBookings(browser);
    const byItself = new URL(
      second.page.doc.querySelector('#countdown')!.getAttribute('data-url')!,
      second.page.url,
    );
    const went = await browser.navigate(byItself.toString());
    const tokens = await oidc.authorizationCodeGrant(await rp('bookings'), codeIn(went.redirectTo)!, {
      pkceCodeVerifier: second.req.verifier,
      expectedState: second.req.state,
      expectedNonce: second.req.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.sid).toBe(sid);
    // Single use: the same page cannot continue twice.
    const again = await browser.navigate(byItself.toString());
    expect(codeIn(again.redirectTo)).toBeUndefined();
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('no other site and no other browser can continue for the person', async () => {
    const { browser } = await aliceLeftBookingsLocally();
    const { page } = await openBookings(browser);
    const url = new URL(page.doc.querySelector('#countdown')!.getAttribute('data-url')!, page.url);
    const forged = new URL(url);
    forged.searchParams.set('csrf', 'forged');
    const refused = await browser.navigate(forged.toString());
    expect(refused.status).toBe(403);
    expect(codeIn(refused.redirectTo)).toBeUndefined();
    // Another browser holding the link has neither the interaction cookie nor the session.
    const elsewhere = await new BrowserSession().navigate(url.toString());
    expect(codeIn(elsewhere.redirectTo)).toBeUndefined();
    expect(elsewhere.status).toBeGreaterThanOrEqual(400);
    // The person's own page still works.
    expect(codeIn((await browser.navigate(url.toString())).redirectTo)).toBeDefined();
  });

  it('signed out in another tab meanwhile: "Continue" leads to the sign-in page, not to her account', async () => {
    const { browser, sid } = await aliceLeftBookingsLocally();
    const { page } = await openBookings(browser);
    await op.provider.logout.endSessions([(await op.provider.store.sessions.findBySid(sid))!], {
      reason: 'user',
      initiator: 'user',
      browserPresent: false,
    });
    const clicked: Page & { redirectTo?: string } = await browser.submit(page, {});
    expect(codeIn(clicked.redirectTo)).toBeUndefined();
    expect(clicked.doc.querySelector('input[name=password]')).toBeTruthy();
  });

  it('after a local-only logout, Bob can never be handed Alice’s account without seeing her name first', async () => {
    const { browser, sid } = await aliceLeftBookingsLocally();
    // Bob does what a person does: opens the app, and if a page appears, reads it and clicks its main button.
    const req = await authorizationRequest(await rp('bookings'), cb('bookings'));
    const { callback, loginShown, continuedAs } = await authorize(browser, req.url);
    expect(loginShown).toBe(false);
    expect(continuedAs).toBe('Continuing as Alice Liddell (alice)…');
    const tokens = await oidc.authorizationCodeGrant(await rp('bookings'), callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    // He went on as Alice only after a page named her.
    expect(tokens.claims()!.sid).toBe(sid);
  });
});
