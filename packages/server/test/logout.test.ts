import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, UnsecuredJWT } from 'jose';
import { parse } from 'node-html-parser';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { parseConfig } from '../src/config/load.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { deliveryOrder, expectPageFirst } from '../../../test/support/delivery-order.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const ADMIN_SECRET = 'admin-secret-0123456789abcdef';
const names = ['portal', 'bookings', 'expenses'] as const;
const cb = (n: string) => `http://localhost:5001/${n}/callback`;
const home = (n: string) => `http://localhost:5001/${n}/`;

let op: TestProvider;
const receivers: Record<string, Receiver> = {};

beforeAll(async () => {
  for (const n of names) receivers[n] = await startReceiver();
  op = await startTestProvider({
    admin: { bearer_secret: ADMIN_SECRET },
    logout: {
      backchannel_backoff: { initial: 0.2, max: 1 },
      backchannel_timeout: 2,
      frontchannel_timeout: 2,
    },
    clients: [
      ...names.map((n) => ({
        client_id: n,
        client_name: n[0]!.toUpperCase() + n.slice(1),
        client_secret: `${n}-secret-0123456789`,
        redirect_uris: [cb(n)],
        post_logout_redirect_uris: [home(n), `${home(n)}?from=logout`],
        backchannel_logout_uri: receivers[n]!.url,
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: `http://localhost:5001/${n}/frontchannel?tenant=a`,
      })),
      { client_id: 'plain', client_secret: 'plain-secret-0123456789', redirect_uris: [cb('plain')] },
    ],
    users: [{ ...ALICE, name: 'Alice' }],
  });
});
afterAll(async () => {
  await op?.close();
  for (const r of Object.values(receivers)) await r.stop();
});
beforeEach(() => {
  for (const r of Object.values(receivers)) {
    r.received.length = 0;
    r.succeeded.length = 0;
    r.respondWith = 200;
    r.delayMs = 0;
  }
});

const rp = (n: string) =>
  discover({ issuer: op.issuer, clientId: n, clientSecret: `${n}-secret-0123456789`, redirectUri: cb(n) });

/** Alice signs in at the portal, then the other apps by SSO: one session, three participants. */
async function sessionWithParticipants(apps: readonly string[] = names) {
  const browser = new BrowserSession();
  const tokens: Record<string, oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> = {};
  for (const [i, n] of apps.entries()) {
    tokens[n] = (await signIn(await rp(n), browser, cb(n), i === 0 ? ALICE : undefined)).tokens;
  }
  const sid = tokens[apps[0]!]!.claims()!.sid as string;
  return { browser, tokens, sid };
}

function endSessionUrl(params: Record<string, string>) {
  const u = new URL(`${op.issuer}/end_session`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Follow the receipt like a browser without scripts would (the meta refresh to the done URL). */
/** The receipt's refresh for browsers without scripts (inside <noscript>: with scripts the page decides). */
function noScriptRefresh(page: Page) {
  const noscript = page.doc.querySelector('noscript');
  return parse(noscript?.innerHTML ?? '').querySelector('meta[http-equiv=refresh]');
}

/** Finish the receipt as a browser without scripts does: follow its refresh. */
async function finishReceipt(browser: BrowserSession, page: Page) {
  const refresh = noScriptRefresh(page)?.getAttribute('content') ?? '';
  const url = new URL(refresh.replace(/^\d+;url=/, ''), page.url).toString();
  return browser.navigate(url, {}, [new URL(op.issuer).origin]);
}

describe('RP-initiated logout (end_session)', () => {
  /** The deliveries of a logout through `path`, against the page's answer (all three apps are told). */
  const orderOf = (path: string, act: () => Promise<void>) =>
    deliveryOrder(op, path, act, async () => {
      for (const n of names) await receivers[n]!.waitFor(1);
    });

  /** A logout form's answer: the receipt page. */
  function expectReceipt(receipt: Page) {
    expect(receipt.status).toBe(200);
    expect(receipt.doc.querySelector('h1')?.text).toMatch(/Signing you out/);
  }

  it('starts the back-channel deliveries only once the end_session page has been sent', async () => {
    const { browser, tokens } = await sessionWithParticipants();
    const order = await orderOf('/end_session', async () => {
      const url = oidc.buildEndSessionUrl(await rp('portal'), {
        id_token_hint: tokens.portal!.id_token!,
        post_logout_redirect_uri: home('portal'),
      });
      expect((await browser.navigate(url.href)).status).toBe(200);
    });
    expectPageFirst(order);
  });

  it('starts them only once the receipt is sent after the confirmation page', async () => {
    const { browser } = await sessionWithParticipants();
    const confirm = await browser.navigate(endSessionUrl({}));
    expect(confirm.status).toBe(200);
    const order = await orderOf('/end_session/confirm', async () => {
      expectReceipt(await browser.submit(confirm, { confirm: 'yes' }));
    });
    expectPageFirst(order);
  });

  it.each(['/account/logout', '/account/logout-everywhere'])(
    'starts them only once the receipt is sent when signing out on the account page (%s)',
    async (path) => {
      const { browser } = await sessionWithParticipants();
      const account = await browser.navigate(`${op.issuer}/account`);
      expect(account.status).toBe(200);
      const order = await orderOf(path, async () => {
        expectReceipt(await browser.submit(account, {}, `form[action$="${path}"]`));
      });
      expectPageFirst(order);
    },
  );

  it('starts them only once the receipt is sent when signing out another device on the account page', async () => {
    const { sid } = await sessionWithParticipants();
    const here = new BrowserSession();
    await signIn(await rp('portal'), here, cb('portal'), ALICE);
    const account = await here.navigate(`${op.issuer}/account`);
    expect(account.status).toBe(200);
    const path = '/account/sessions/logout';
    const order = await orderOf(path, async () => {
      const receipt = await here.submit(account, { sid }, `form[action$="${path}"]`);
      expect(receipt.status).toBe(200);
      // That device's sign-in ends; this one stays, and the receipt does not say "you".
      expect(receipt.doc.querySelector('h1')?.text).toBe('Signing out adieu-tests…');
      expect(receipt.doc.querySelector('#summary')?.text.trim()).toBe(
        'That sign-in has ended. Telling its apps now.',
      );
      expect(receipt.doc.querySelector('[data-adieu=still-signed-in]')?.text).toBe(
        'You stay signed in on this device.',
      );
      expect(JSON.parse(receipt.doc.querySelector('#adieu-logout')!.text).doneTitle).toBe(
        'Signed out adieu-tests',
      );
    });
    expectPageFirst(order);
  });

  it('with a valid hint: no prompt, all participants told, redirect with state byte-exact', async () => {
    const { browser, tokens, sid } = await sessionWithParticipants();
    const state = `${'!#$%&()*+,-./:;<=>?@[]^_`{|}~ '.repeat(4)}`.slice(0, 90);
    expect(state).toHaveLength(90);
    const url = oidc.buildEndSessionUrl(await rp('portal'), {
      id_token_hint: tokens.portal!.id_token!,
      post_logout_redirect_uri: home('portal'),
      state,
    });
    const receipt = await browser.navigate(url.href);
    expect(receipt.status).toBe(200);
    expect(receipt.doc.querySelector('h1')?.text).toMatch(/Signing you out/);
    expect(receipt.body).not.toContain('name="confirm"');
    // One iframe per front-channel participant, all at once, with iss and sid, existing query kept.
    const frames = receipt.doc.querySelectorAll('iframe').map((f) => new URL(f.getAttribute('src')!));
    expect(frames.map((f) => f.pathname).sort()).toEqual(names.map((n) => `/${n}/frontchannel`).sort());
    for (const f of frames) {
      expect(f.searchParams.get('iss')).toBe(op.issuer);
      expect(f.searchParams.get('sid')).toBe(sid);
      expect(f.searchParams.get('tenant')).toBe('a');
    }
    const done = await finishReceipt(browser, receipt);
    expect(done.redirectTo).toBe(`${home('portal')}?state=${encodeURIComponent(state)}`);
    expect(new URL(done.redirectTo!).searchParams.get('state')).toBe(state);

    // Every back-channel participant got a valid logout token with its own aud.
    for (const n of names) {
      const [got] = await receivers[n]!.waitFor(1);
      const { payload, protectedHeader } = await verifyLogoutToken(got!.token, op.issuer, n);
      expect(protectedHeader.typ).toBe('logout+jwt');
      expect(payload.aud).toBe(n);
      expect(payload.sid).toBe(sid);
      expect(payload.sub).toBe(tokens.portal!.claims()!.sub);
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload.nonce).toBeUndefined();
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);
      expect(payload.reason).toBe('rp');
      expect(got!.contentType).toBe('application/x-www-form-urlencoded');
    }
    const jtis = names.map((n) => receivers[n]!.succeeded[0]!.claims.jti);
    expect(new Set(jtis).size).toBe(3);
  });

  it('after logout: prompt=none gives login_required for every client, refresh tokens are invalid_grant', async () => {
    const { browser, tokens } = await sessionWithParticipants();
    const page = await browser.navigate(endSessionUrl({ id_token_hint: tokens.bookings!.id_token! }));
    expect(page.status).toBe(200);
    for (const n of names) {
      const req = await authorizationRequest(await rp(n), cb(n), { prompt: 'none' });
      const { callback } = await authorize(browser, req.url);
      expect(callback.searchParams.get('error')).toBe('login_required');
      await expect(oidc.refreshTokenGrant(await rp(n), tokens[n]!.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      await expect(
        oidc.fetchUserInfo(await rp(n), tokens[n]!.access_token, oidc.skipSubjectCheck),
      ).rejects.toBeTruthy();
    }
  });

  it('POST works like GET', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(`${op.issuer}/end_session`, {
      method: 'POST',
      form: {
        id_token_hint: tokens.portal!.id_token!,
        post_logout_redirect_uri: home('portal'),
        state: 'xyz',
      },
    });
    expect(page.status).toBe(200);
    const done = await finishReceipt(browser, page);
    expect(done.redirectTo).toBe(`${home('portal')}?state=xyz`);
  });

  it('no state sent, no state returned; a registered URI with a query is used byte for byte', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(
      endSessionUrl({
        id_token_hint: tokens.portal!.id_token!,
        post_logout_redirect_uri: `${home('portal')}?from=logout`,
      }),
    );
    expect((await finishReceipt(browser, page)).redirectTo).toBe(`${home('portal')}?from=logout`);
  });

  it('an expired hint is still a valid hint', async () => {
    const short = await startTestProvider({
      ttl: { id_token: 1 },
      clients: [
        {
          client_id: 'c',
          client_secret: 'c-secret-0123456789',
          redirect_uris: [cb('c')],
          post_logout_redirect_uris: [home('c')],
        },
      ],
      users: [ALICE],
    });
    try {
      const config = await discover({
        issuer: short.issuer,
        clientId: 'c',
        clientSecret: 'c-secret-0123456789',
        redirectUri: cb('c'),
      });
      const browser = new BrowserSession();
      const { tokens } = await signIn(config, browser, cb('c'), ALICE);
      await new Promise((r) => setTimeout(r, 2100));
      const u = new URL(`${short.issuer}/end_session`);
      u.searchParams.set('id_token_hint', tokens.id_token!);
      u.searchParams.set('post_logout_redirect_uri', home('c'));
      const page = await browser.navigate(u.toString());
      expect(page.body).not.toContain('name="confirm"');
      expect(noScriptRefresh(page)).toBeTruthy();
    } finally {
      await short.close();
    }
  });

  it.each([
    [
      'a forged signature',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ sub: 'x', aud: 'portal' })
          .setProtectedHeader({ alg: 'RS256', kid: 'evil' })
          .setIssuer(op.issuer)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      },
    ],
    [
      'alg none',
      async () => new UnsecuredJWT({ sub: 'x', aud: 'portal' }).setIssuer(op.issuer).setIssuedAt().encode(),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('%s as id_token_hint gets an error page, no logout and no redirect', async (_name, make) => {
    const { browser } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(
      endSessionUrl({ id_token_hint: await make(), post_logout_redirect_uri: home('portal') }),
    );
    expect(page.status).toBe(400);
    expect(page.redirectTo).toBeUndefined();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(browser, req.url)).callback.searchParams.get('code')).toBeTruthy();
  });

  it('client_id must equal the hint audience', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(
      endSessionUrl({ id_token_hint: tokens.portal!.id_token!, client_id: 'bookings' }),
    );
    expect(page.status).toBe(400);
    expect(page.body).toMatch(/client_id does not match/);
  });

  // Issue 12 §3: a valid hint with a wrong URI still signs out (the hint is proof of intent), the receipt says why
  // the browser stays at the provider, and nothing is ever sent to the URI. (Before: a 400 page, still signed in.)
  it.each([
    ['unregistered', 'http://localhost:5001/evil'],
    ['query-extended', `${home('portal')}?extra=1`],
    ['fragment', `${home('portal')}#frag`],
    ['registered for another client', home('bookings')],
  ])('an %s post_logout_redirect_uri never redirects, but the sign-out happens', async (_name, uri) => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(
      endSessionUrl({ id_token_hint: tokens.portal!.id_token!, post_logout_redirect_uri: uri, state: 's' }),
    );
    expect(page.status).toBe(200);
    expect(page.redirectTo).toBeUndefined();
    expect(page.headers.get('location')).toBeNull();
    expect(page.body).not.toContain('name="confirm"');
    expect(page.doc.querySelector('#redirect-note')?.text).toMatch(
      /Portal asked to send you back to an address/,
    );
    const done = await finishReceipt(browser, page);
    expect(done.redirectTo).toBeUndefined();
    expect(done.doc.querySelector('h1')?.text).toMatch(/signed out/i);
    expect(done.doc.querySelector('#redirect-note')?.text).toMatch(/has not registered/);
    expect(done.body).not.toContain(uri.replace(/&/g, '&amp;'));
    const [got] = await receivers.portal!.waitFor(1);
    expect(got!.claims.reason).toBe('rp');
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(browser, req.url)).callback.searchParams.get('error')).toBe('login_required');
  });

  // Issue 12 §4: MSAL's logoutRedirect() sends only post_logout_redirect_uri and state. Ask, sign out, receipt,
  // and no redirect to a URI no app vouched for. (Before: a 400 page and the session survived.)
  it('post_logout_redirect_uri without hint or client_id: confirmation, logout, receipt, no redirect', async () => {
    const { browser } = await sessionWithParticipants(['portal']);
    const confirm = await browser.navigate(
      endSessionUrl({ post_logout_redirect_uri: home('portal'), state: 'msal-state' }),
    );
    expect(confirm.status).toBe(200);
    expect(confirm.doc.querySelector('button[type=submit][name=confirm][value=yes]')).toBeTruthy();
    const receipt = await browser.submit(confirm, { confirm: 'yes' });
    expect(receipt.status).toBe(200);
    expect(receipt.redirectTo).toBeUndefined();
    expect(receipt.doc.querySelector('#redirect-note')?.text).toMatch(/did not say which app it is/);
    const done = await finishReceipt(browser, receipt);
    expect(done.redirectTo).toBeUndefined();
    expect(done.doc.querySelector('h1')?.text).toMatch(/signed out/i);
    const [got] = await receivers.portal!.waitFor(1);
    expect(got!.claims.reason).toBe('user');
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(browser, req.url)).callback.searchParams.get('error')).toBe('login_required');
  });

  // Issue 11 §6 (RFC 8725 §3.11): our access token is signed with our key, but it is not an ID token.
  it('an access token as id_token_hint is no hint: the user is asked, nothing ends silently', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const page = await browser.navigate(
      endSessionUrl({ id_token_hint: tokens.portal!.access_token, post_logout_redirect_uri: home('portal') }),
    );
    expect(page.status).toBe(200);
    expect(page.doc.querySelector('button[type=submit][name=confirm][value=yes]')).toBeTruthy();
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(browser, req.url)).callback.searchParams.get('code')).toBeTruthy();
    expect(receivers.portal!.received).toHaveLength(0);
  });

  it('no parameters: confirmation naming the user and apps, CSRF-protected, then logged out', async () => {
    const { browser } = await sessionWithParticipants();
    const confirm = await browser.navigate(endSessionUrl({}));
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Alice');
    for (const n of ['Portal', 'Bookings', 'Expenses']) expect(confirm.body).toContain(n);
    const button = confirm.doc.querySelector('button[type=submit][name=confirm][value=yes]');
    expect(button).toBeTruthy();
    // A forged confirmation (wrong CSRF token) changes nothing.
    const forged = await browser.navigate(`${op.issuer}/end_session/confirm`, {
      method: 'POST',
      form: {
        csrf: 'wrong',
        interaction: confirm.doc.querySelector('input[name=interaction]')!.getAttribute('value')!,
        confirm: 'yes',
      },
    });
    expect(forged.status).toBe(403);
    const receipt = await browser.submit(confirm, { confirm: 'yes' });
    expect(receipt.status).toBe(200);
    const final = await finishReceipt(browser, receipt);
    expect(final.redirectTo).toBeUndefined();
    expect(final.doc.querySelector('h1')?.text).toMatch(/signed out/i);
    for (const n of names) {
      const [got] = await receivers[n]!.waitFor(1);
      expect(got!.claims.reason).toBe('user');
    }
  });

  it('a hint for another session asks for confirmation; cancel keeps the session', async () => {
    const first = await sessionWithParticipants(['portal']);
    const other = await sessionWithParticipants(['portal']);
    const confirm = await other.browser.navigate(
      endSessionUrl({ id_token_hint: first.tokens.portal!.id_token! }),
    );
    expect(confirm.doc.querySelector('button[name=confirm][value=yes]')).toBeTruthy();
    const kept = await other.browser.submit(confirm, { confirm: 'no' });
    expect(kept.doc.querySelector('h1')?.text).toMatch(/still signed in/i);
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    expect((await authorize(other.browser, req.url)).callback.searchParams.get('code')).toBeTruthy();
  });

  it('is idempotent: with no session it just redirects to a valid URI', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    const url = endSessionUrl({
      id_token_hint: tokens.portal!.id_token!,
      post_logout_redirect_uri: home('portal'),
      state: 'again',
    });
    await browser.navigate(url);
    const second = await browser.navigate(url);
    expect(second.redirectTo).toBe(`${home('portal')}?state=again`);
    const none = await new BrowserSession().navigate(endSessionUrl({}));
    expect(none.status).toBe(200);
    expect(none.doc.querySelector('h1')?.text).toMatch(/signed out/i);
  });

  it('require_id_token_hint refuses requests without a valid hint', async () => {
    const strict = await startTestProvider({
      logout: { require_id_token_hint: true },
      clients: [{ client_id: 'c', client_secret: 'c-secret-0123456789', redirect_uris: [cb('c')] }],
      users: [ALICE],
    });
    try {
      const config = await discover({
        issuer: strict.issuer,
        clientId: 'c',
        clientSecret: 'c-secret-0123456789',
        redirectUri: cb('c'),
      });
      const browser = new BrowserSession();
      await signIn(config, browser, cb('c'), ALICE);
      const page = await browser.navigate(`${strict.issuer}/end_session`);
      expect(page.status).toBe(400);
      expect(page.body).not.toContain('name="confirm"');
    } finally {
      await strict.close();
    }
  });
});

describe('back-channel delivery', () => {
  it('a receiver that is down gets its token once it is back (retries, each with a fresh token)', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal', 'bookings']);
    await receivers.bookings!.stop();
    try {
      await browser.navigate(endSessionUrl({ id_token_hint: tokens.portal!.id_token! }));
      await receivers.portal!.waitFor(1);
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      await receivers.bookings!.restart();
    }
    const [got] = await receivers.bookings!.waitFor(1, 20_000);
    await verifyLogoutToken(got!.token, op.issuer, 'bookings');
  });

  it('5xx is retried with a fresh jti; 400 is recorded as rejected and not retried', async () => {
    const { browser, tokens, sid } = await sessionWithParticipants(['portal', 'expenses']);
    receivers.portal!.respondWith = 503;
    receivers.expenses!.respondWith = 400;
    await browser.navigate(endSessionUrl({ id_token_hint: tokens.portal!.id_token! }));
    const deadline = Date.now() + 10_000;
    while (receivers.portal!.received.length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    receivers.portal!.respondWith = 200;
    await receivers.portal!.waitFor(1, 20_000);
    const jtis = receivers.portal!.received.map((r) => r.claims.jti);
    expect(new Set(jtis).size).toBe(jtis.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receivers.expenses!.received).toHaveLength(1);

    const [logout] = await op.provider.store.logouts.listBySid(sid);
    const res = await fetch(`${op.issuer}/api/v1/logouts/${logout!.id}`, {
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    });
    expect(res.status).toBe(200);
    const report = await res.json();
    const byId = Object.fromEntries(report.participants.map((p: { client_id: string }) => [p.client_id, p]));
    expect(byId.portal.channels.backchannel.status).toBe('delivered');
    expect(byId.portal.channels.backchannel.attempts).toBeGreaterThanOrEqual(2);
    expect(byId.portal.channels.backchannel.history[0].status_code).toBe(503);
    expect(byId.expenses.channels.backchannel.status).toBe('rejected');
    expect(byId.expenses.channels.backchannel.last_status_code).toBe(400);
    // Once the front-channel deadline has passed too, a refused back-channel leaves the app "not confirmed".
    await expect
      .poll(
        async () =>
          (await op.provider.logout.report(logout!.id))!.participants.find((p) => p.client_id === 'expenses')!
            .signed_out,
        {
          timeout: 5000,
        },
      )
      .toBe('not_confirmed');
  });

  // Issue 11 §8: an app's own error text (here its JSON error body) reaches admins, never the person signing out.
  it("the receipt shows a short plain reason; the app's error body stays in the admin API", async () => {
    const { browser, tokens, sid } = await sessionWithParticipants(['portal', 'expenses']);
    receivers.expenses!.respondWith = 400;
    const page = await browser.navigate(endSessionUrl({ id_token_hint: tokens.portal!.id_token! }));
    const m = /\/end_session\/receipt\/([\w-]+)\?t=([\w-]+)/.exec(
      page.doc.querySelector('#adieu-logout')!.text,
    );
    expect(m, 'a receipt URL on the logout page').toBeTruthy();
    const receiptUrl = `${op.issuer}/end_session/receipt/${m![1]}?t=${m![2]}`;
    const expensesRow = async () =>
      (
        (await (await fetch(receiptUrl)).json()) as { participants: { client_id: string; text: string }[] }
      ).participants.find((x) => x.client_id === 'expenses')!;
    await expect.poll(async () => (await expensesRow()).text, { timeout: 10_000 }).toMatch(/refused/);
    const row = await expensesRow();
    expect(row.text).toContain('HTTP 400');
    expect(JSON.stringify(row)).not.toContain('"error":"test"');
    expect(JSON.stringify(row)).not.toContain('error\\":\\"test');
    const done = await finishReceipt(browser, page);
    expect(done.body).toContain('HTTP 400');
    expect(done.body).not.toMatch(/&quot;error&quot;|"error":"test"|error&#34;/);

    const [logout] = await op.provider.store.logouts.listBySid(sid);
    const admin = await fetch(`${op.issuer}/api/v1/logouts/${logout!.id}`, {
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    });
    const full = (await admin.json()) as {
      participants: { client_id: string; channels: { backchannel: { last_error: string } } }[];
    };
    const expenses = full.participants.find((x) => x.client_id === 'expenses')!;
    expect(expenses.channels.backchannel.last_error).toBe('HTTP 400: {"error":"test"}');
  });

  it('a redirect is not followed and not counted as delivered', async () => {
    const { browser, tokens, sid } = await sessionWithParticipants(['portal']);
    receivers.portal!.respondWith = 302;
    await browser.navigate(endSessionUrl({ id_token_hint: tokens.portal!.id_token! }));
    const deadline = Date.now() + 10_000;
    let outbox = await op.provider.store.logouts.listOutbox(
      (await op.provider.store.logouts.listBySid(sid))[0]!.id,
    );
    while (outbox[0]!.status === 'pending' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      outbox = await op.provider.store.logouts.listOutbox(outbox[0]!.logout_id);
    }
    expect(outbox[0]).toMatchObject({ status: 'rejected', last_status_code: 302 });
    expect(receivers.portal!.received).toHaveLength(1);
  });

  it('a hanging receiver times out and is retried', async () => {
    const { browser, tokens } = await sessionWithParticipants(['portal']);
    receivers.portal!.respondWith = 'hang';
    await browser.navigate(endSessionUrl({ id_token_hint: tokens.portal!.id_token! }));
    const deadline = Date.now() + 10_000;
    while (receivers.portal!.received.length < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    receivers.portal!.respondWith = 200;
    await receivers.portal!.waitFor(1, 20_000);
    expect(receivers.portal!.received.length).toBeGreaterThanOrEqual(2);
  });

  it('the app that asked for the logout counts as signed out even without a logout channel', async () => {
    const { browser, tokens, sid } = await sessionWithParticipants(['plain', 'portal']);
    await browser.navigate(endSessionUrl({ id_token_hint: tokens.plain!.id_token! }));
    await receivers.portal!.waitFor(1);
    const [logout] = await op.provider.store.logouts.listBySid(sid);
    const report = (await op.provider.logout.report(logout!.id))!;
    const plain = report.participants.find((p) => p.client_id === 'plain')!;
    expect(plain.signed_out).toBe('confirmed');
    expect(plain.text).toMatch(/started this sign-out/);
  });

  it('the logout API needs admin credentials', async () => {
    const res = await fetch(`${op.issuer}/api/v1/logouts/lo_nothing`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    const missing = await fetch(`${op.issuer}/api/v1/logouts/lo_nothing`, {
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    });
    expect(missing.status).toBe(404);
  });
});

describe('client logout metadata validation', () => {
  const base = { issuer: 'http://localhost:9', database: 'sqlite::memory:' };
  const client = (extra: Record<string, unknown>) => ({
    ...base,
    clients: [
      {
        client_id: 'c',
        client_secret: 'secret-0123456789',
        redirect_uris: ['https://app.example/cb'],
        ...extra,
      },
    ],
  });
  it.each([
    ['frontchannel_logout_uri', { frontchannel_logout_uri: 'https://other.example/fc' }, /redirect_uris/],
    ['frontchannel_logout_uri', { frontchannel_logout_uri: 'https://app.example/fc#x' }, /fragment/],
    ['frontchannel_logout_uri', { frontchannel_logout_uri: 'http://app.example/fc' }, /https/],
    ['backchannel_logout_uri', { backchannel_logout_uri: 'relative/path' }, /absolute/],
    ['backchannel_logout_uri', { backchannel_logout_uri: 'http://10.0.0.1/bc' }, /https/],
    ['post_logout_redirect_uris', { post_logout_redirect_uris: ['https://app.example/#x'] }, /fragment/],
  ])('refuses a bad %s with a message naming the field', (field, extra, why) => {
    expect(() => parseConfig(client(extra))).toThrow(new RegExp(`clients\\.0\\.${field}`));
    expect(() => parseConfig(client(extra))).toThrow(why);
  });
  it('accepts good metadata, loopback http included', () => {
    expect(() =>
      parseConfig(
        client({
          redirect_uris: ['https://app.example/cb', 'http://localhost:3000/cb'],
          frontchannel_logout_uri: 'https://app.example/fc?x=1',
          backchannel_logout_uri: 'http://127.0.0.1:4000/bc',
        }),
      ),
    ).not.toThrow();
  });
});
