/**
 * Issue 19 §1: one browser holds SSO sessions of several users, at most one per user and a bounded number, one
 * of them current. Another user's sign-in adds an account (nobody's session ends); the same user's sign-in
 * re-authenticates theirs. Every sign-in issues a fresh cookie secret; forged or oversized cookies are ignored;
 * one expired or closed-browser account among live ones ends alone, through the logout path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { deliveryOrder, expectPageFirst } from '../../../test/support/delivery-order.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const CAROL = { username: 'carol', password: 'carol-password' };
const apps = ['portal', 'bookings'] as const;
const cb = (n: string) => `http://localhost:5003/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

describe('several accounts in one browser', () => {
  let op: TestProvider;
  const receivers: Record<string, Receiver> = {};

  beforeAll(async () => {
    for (const n of apps) receivers[n] = await startReceiver();
    op = await startTestProvider({
      logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
      session: { max_accounts: 2 },
      clients: apps.map((n) => ({
        client_id: n,
        client_secret: secret(n),
        redirect_uris: [cb(n)],
        backchannel_logout_uri: receivers[n]!.url,
        backchannel_logout_session_required: true,
      })),
      users: [ALICE, BOB, CAROL],
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
    discover({ issuer: op.issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });
  const cookie = async (b: BrowserSession, name: string) =>
    (await b.jar.getCookies(op.issuer)).find((c) => c.key === name);
  /** What the provider reads from this browser: its accounts, current first. */
  const accountsOf = async (b: BrowserSession) =>
    (await op.provider.sessions.accounts((await cookie(b, 'adieu_session'))?.value, async () => {})).map(
      (a) => ({ sid: a.session.sid, user: a.userId }),
    );
  const userId = async (u: { username: string }) =>
    (await op.provider.store.users.findByUsername(u.username))!.id;
  const signInAs = async (b: BrowserSession, app: string, who: typeof ALICE & { remember?: boolean }) => {
    const r = await signIn(await rp(app), b, cb(app), who, { prompt: 'login' });
    expect(r.loginShown).toBe(true);
    return r.tokens.claims()!.sid as string;
  };
  /** The logout token an app received for this session (waits for it). */
  const told = async (app: string, sid: string) => {
    await expect
      .poll(() => receivers[app]!.received.some((r) => r.claims.sid === sid), { timeout: 15_000 })
      .toBe(true);
    return receivers[app]!.received.find((r) => r.claims.sid === sid)!.claims;
  };
  /** Whether an app heard of this session ending. */
  const heardOf = (app: string, sid: string) => receivers[app]!.received.some((r) => r.claims.sid === sid);
  /** No logout token reached any app (the back channel is asynchronous: give it time to be wrong). */
  const nobodyTold = async () => {
    await new Promise((r) => setTimeout(r, 700));
    for (const n of apps) expect(receivers[n]!.received).toEqual([]);
  };

  it('signing in as another user adds an account: both sessions stay live, the newer one is current', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', ALICE);
    const bob = await signInAs(browser, 'bookings', BOB);
    expect(bob).not.toBe(alice);
    expect(await accountsOf(browser)).toEqual([
      { sid: bob, user: await userId(BOB) },
      { sid: alice, user: await userId(ALICE) },
    ]);
    expect((await op.provider.store.sessions.findBySid(alice))!.ended_at).toBeNull();
    await nobodyTold();
  });

  it('signing in again as the same user reuses that account’s session with a fresh cookie secret', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', ALICE);
    const bob = await signInAs(browser, 'bookings', BOB);
    const before = (await cookie(browser, 'adieu_session'))!.value;
    const again = await signInAs(browser, 'portal', ALICE);
    expect(again).toBe(alice);
    const after = (await cookie(browser, 'adieu_session'))!.value;
    // Alice's old secret is gone (each sign-in reaches its session only through a new one); Bob's stays.
    const [bobSecret, aliceSecret] = before.split('.');
    expect(after.split('.')).toEqual([expect.any(String), bobSecret]);
    expect(after.split('.')).not.toContain(aliceSecret);
    expect(await accountsOf(browser)).toEqual([
      { sid: alice, user: await userId(ALICE) },
      { sid: bob, user: await userId(BOB) },
    ]);
    // A copy of Alice's secret from before the sign-in (a planted one, say) reaches nobody any more.
    expect(await op.provider.sessions.accounts(aliceSecret, async () => {})).toEqual([]);
    await nobodyTold();
  });

  it('past the limit the least recently used account is signed out, its apps told (reason replaced)', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', ALICE);
    const bob = await signInAs(browser, 'bookings', BOB);
    const carol = await signInAs(browser, 'bookings', CAROL);
    expect(await told('portal', alice)).toMatchObject({ sid: alice, reason: 'replaced' });
    expect((await op.provider.store.sessions.findBySid(alice))!.end_reason).toBe('replaced');
    expect((await accountsOf(browser)).map((a) => a.sid)).toEqual([carol, bob]);
    expect(heardOf('bookings', bob) || heardOf('bookings', carol)).toBe(false);
  });

  it('one expired account among live ones ends alone; the other keeps signing in silently', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', ALICE);
    const bob = await signInAs(browser, 'bookings', BOB);
    // Alice's idle limit passes (the sweeper has not run yet).
    await op.provider.store.sessions.touch(alice, Date.now() - 60_000, Date.now() - 1);
    const req = await authorizationRequest(await rp('bookings'), cb('bookings'), { prompt: 'none' });
    const { callback } = await authorize(browser, req.url);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(await told('portal', alice)).toMatchObject({ sid: alice, reason: 'expired' });
    expect((await op.provider.store.sessions.findBySid(bob))!.ended_at).toBeNull();
    expect((await accountsOf(browser)).map((a) => a.sid)).toEqual([bob]);
    expect(heardOf('bookings', bob)).toBe(false);
  });

  it('a forged, damaged or oversized cookie is ignored: the login page, never an error or somebody’s session', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', ALICE);
    const real = (await cookie(browser, 'adieu_session'))!.value;
    for (const forged of [
      'x'.repeat(43),
      `${real}.${'A'.repeat(2000)}`,
      `${real.slice(0, 20)}`,
      '%%%.;;',
      Array.from({ length: 30 }, () => 'B'.repeat(43)).join('.'),
    ]) {
      const stranger = new BrowserSession();
      await stranger.jar.setCookie(`adieu_session=${forged}; Path=/`, op.issuer);
      const req = await authorizationRequest(await rp('portal'), cb('portal'));
      const { loginShown } = await authorize(stranger, req.url);
      expect(loginShown).toBe(true);
    }
    expect((await op.provider.store.sessions.findBySid(alice))!.ended_at).toBeNull();
  });

  it('a closed browser ends only the accounts that were not kept; the kept one signs in silently after', async () => {
    const browser = new BrowserSession();
    const alice = await signInAs(browser, 'portal', { ...ALICE, remember: true });
    const bob = await signInAs(browser, 'bookings', BOB);
    expect((await cookie(browser, 'adieu_kept'))!.TTL()).toBeLessThan(Infinity);
    expect((await cookie(browser, 'adieu_session'))!.TTL()).toBe(Infinity);
    // Close and reopen: the browser drops its session cookies and keeps the persistent ones.
    for (const c of await browser.jar.getCookies(op.issuer)) {
      if (c.TTL() === Infinity) await browser.jar.store.removeCookie(c.domain!, c.path!, c.key);
    }
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { prompt: 'none' });
    const { callback } = await authorize(browser, req.url);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(await told('bookings', bob)).toMatchObject({ sid: bob, reason: 'browser_closed' });
    expect((await op.provider.store.sessions.findBySid(alice))!.ended_at).toBeNull();
    // The browser is open again with the kept account, and no longer looks closed.
    expect((await accountsOf(browser)).map((a) => a.sid)).toEqual([alice]);
    expect(await cookie(browser, 'adieu_session')).toBeDefined();
    expect(heardOf('portal', alice)).toBe(false);
  });
  /** Alice at the portal, then Bob at bookings, in one browser; their ID tokens. */
  async function aliceAndBob() {
    const browser = new BrowserSession();
    const a = await signIn(await rp('portal'), browser, cb('portal'), ALICE, { prompt: 'login' });
    const b = await signIn(await rp('bookings'), browser, cb('bookings'), BOB, { prompt: 'login' });
    return {
      browser,
      alice: {
        sid: a.tokens.claims()!.sid as string,
        idToken: a.tokens.id_token!,
        claims: a.tokens.claims()!,
      },
      bob: { sid: b.tokens.claims()!.sid as string, idToken: b.tokens.id_token!, claims: b.tokens.claims()! },
    };
  }
  /** prompt=none at an app with these parameters: the sid of the code's session, or the error. */
  async function silent(browser: BrowserSession, app: string, extra: Record<string, string> = {}) {
    const req = await authorizationRequest(await rp(app), cb(app), { prompt: 'none', ...extra });
    const { callback } = await authorize(browser, req.url);
    if (callback.searchParams.get('error')) return { error: callback.searchParams.get('error') };
    const tokens = await oidc.authorizationCodeGrant(await rp(app), callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    return { sid: tokens.claims()!.sid as string };
  }
  const live = async (sid: string) => (await op.provider.store.sessions.findBySid(sid))!.ended_at === null;

  it('ID tokens carry login_hint: opaque, not the username, stable for the account in this browser', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const hint = alice.claims.login_hint as string;
    expect(hint).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(hint).not.toContain('alice');
    expect(bob.claims.login_hint).not.toBe(hint);
    // The same account signing in again in this browser keeps its hint; another browser gives another one.
    const again = await signIn(await rp('portal'), browser, cb('portal'), ALICE, { prompt: 'login' });
    expect(again.tokens.claims()!.login_hint).toBe(hint);
    const elsewhere = await signIn(await rp('portal'), new BrowserSession(), cb('portal'), ALICE);
    expect(elsewhere.tokens.claims()!.login_hint).not.toBe(hint);
  });

  it('discovery lists login_hint among the claims it issues', async () => {
    const doc = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as {
      claims_supported: string[];
    };
    expect(doc.claims_supported).toContain('login_hint');
  });

  it('prompt=none with several accounts and no hint answers account_selection_required', async () => {
    const { browser } = await aliceAndBob();
    expect(await silent(browser, 'portal')).toEqual({ error: 'account_selection_required' });
  });

  it('login_hint (opaque, username or email) or id_token_hint selects the account without a picker', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    expect(await silent(browser, 'portal', { login_hint: alice.claims.login_hint as string })).toEqual({
      sid: alice.sid,
    });
    expect(await silent(browser, 'portal', { login_hint: 'bob' })).toEqual({ sid: bob.sid });
    expect(await silent(browser, 'bookings', { id_token_hint: alice.idToken })).toEqual({ sid: alice.sid });
  });

  it('a login_hint naming nobody here: login page, or login_required; never another account', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    expect(await silent(browser, 'portal', { login_hint: 'carol' })).toEqual({ error: 'login_required' });
    const req = await authorizationRequest(await rp('portal'), cb('portal'), { login_hint: 'nobody-here' });
    const { loginShown } = await authorize(browser, req.url);
    expect(loginShown).toBe(true);
    expect((await live(alice.sid)) && (await live(bob.sid))).toBe(true);
  });

  it('prompt=select_account: one button per account and "use another account"; the choice continues and becomes current', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const req = await authorizationRequest(await rp('bookings'), cb('bookings'), {
      prompt: 'select_account',
    });
    const picker = await browser.navigate(req.url.toString());
    const buttons = picker.doc.querySelectorAll('button[name=account]');
    expect(buttons.map((b) => b.text.replace(/\s+/g, ' ').trim())).toEqual(['bob bob', 'alice alice']);
    const another = picker.doc.querySelector('[data-adieu=another-account]');
    expect(another?.getAttribute('href')).toMatch(/\/interaction\/[^/]+\?another=1$/);
    // A forged choice is refused with the picker again, nobody signed in as it.
    const forged = await browser.submit(picker, { account: 'someone-else' });
    expect(forged.status).toBe(400);
    expect(forged.doc.querySelector('[role=alert]')).toBeTruthy();
    const chosen = await browser.submit(forged, {
      account: buttons[1]!.getAttribute('value')!,
    });
    const callback = new URL(chosen.redirectTo!);
    const tokens = await oidc.authorizationCodeGrant(await rp('bookings'), callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()!.sid).toBe(alice.sid);
    expect((await accountsOf(browser)).map((a) => a.sid)).toEqual([alice.sid, bob.sid]);
    // "Use another account" is the login page of the same request.
    const req2 = await authorizationRequest(await rp('bookings'), cb('bookings'), {
      prompt: 'select_account',
    });
    const picker2 = await browser.navigate(req2.url.toString());
    const login = await browser.navigate(
      new URL(
        picker2.doc.querySelector('[data-adieu=another-account]')!.getAttribute('href')!,
        picker2.url,
      ).toString(),
    );
    expect(login.doc.querySelector('input[name=password]')).toBeTruthy();
  });

  it('an interactive request with several accounts and no hint shows the picker', async () => {
    const { browser } = await aliceAndBob();
    const req = await authorizationRequest(await rp('portal'), cb('portal'));
    const page = await browser.navigate(req.url.toString());
    expect(page.doc.querySelectorAll('button[name=account]')).toHaveLength(2);
  });

  for (const kind of ['id_token_hint', 'logout_hint'] as const) {
    it(`end_session with ${kind} ends only that account; only its apps are told; the other still signs in silently with the same sid`, async () => {
      const { browser, alice, bob } = await aliceAndBob();
      const params: Record<string, string> =
        kind === 'id_token_hint'
          ? { id_token_hint: alice.idToken }
          : { logout_hint: alice.claims.login_hint as string, client_id: 'portal' };
      const page = await browser.navigate(`${op.issuer}/end_session?${new URLSearchParams(params)}`);
      expect(page.status).toBe(200);
      expect(await live(alice.sid)).toBe(false);
      expect(await told('portal', alice.sid)).toMatchObject({ sid: alice.sid });
      expect(await live(bob.sid)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(heardOf('bookings', bob.sid) || heardOf('portal', bob.sid)).toBe(false);
      expect(await silent(browser, 'bookings')).toEqual({ sid: bob.sid });
      expect(await silent(browser, 'portal', { login_hint: 'bob' })).toEqual({ sid: bob.sid });
    });
  }

  it('the receipt of one account’s sign-out names who left and who is still signed in here (page, JSON, final page)', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const line = (page: {
      doc: {
        querySelector: (
          s: string,
        ) => { text: string; getAttribute: (a: string) => string | undefined } | null;
      };
    }) => {
      const el = page.doc.querySelector('[data-adieu=still-signed-in]');
      return el && el.getAttribute('hidden') === undefined ? el.text.trim() : '';
    };
    const receiptOf = async (params: Record<string, string>) => {
      const page = await browser.navigate(`${op.issuer}/end_session?${new URLSearchParams(params)}`);
      const cfg = JSON.parse(page.doc.querySelector('#adieu-logout')!.text) as {
        sections: { statusUrl: string }[];
        doneUrl: string;
        doneTitle: string;
      };
      const json = await (
        await browser.request(new URL(cfg.sections[0]!.statusUrl, page.url).toString())
      ).json();
      const done = await browser.navigate(new URL(cfg.doneUrl, page.url).toString());
      return { page, cfg, json, done };
    };

    const first = await receiptOf({ logout_hint: alice.claims.login_hint as string, client_id: 'portal' });
    expect(first.page.doc.querySelector('h1')!.text).toBe('Signing out alice…');
    expect(line(first.page)).toBe('bob is still signed in on this browser.');
    expect(first.cfg.doneTitle).toBe('Signed out alice');
    expect(first.json).toMatchObject({
      account: 'alice',
      still_signed_in: { accounts: ['bob'], text: 'bob is still signed in on this browser.' },
    });
    expect(first.done.doc.querySelector('h1')!.text).toBe('Signed out alice');
    expect(line(first.done)).toBe('bob is still signed in on this browser.');
    expect(await live(bob.sid)).toBe(true);

    // Bob signs out too: nobody is left, and the receipt says so the way it always did.
    const last = await receiptOf({ id_token_hint: bob.idToken });
    expect(last.page.doc.querySelector('h1')!.text).toBe('Signing you out…');
    expect(line(last.page)).toBe('');
    expect(last.cfg.doneTitle).toBe('You are signed out');
    expect(last.json).toMatchObject({ account: 'bob' });
    expect(last.json).not.toHaveProperty('still_signed_in');
    expect(last.done.doc.querySelector('h1')!.text).toBe('You are signed out');
    expect(line(last.done)).toBe('');
    // Alice's receipt, read again now, no longer claims Bob is signed in here.
    const again = await (
      await browser.request(new URL(first.cfg.sections[0]!.statusUrl, first.page.url).toString())
    ).json();
    expect(again).not.toHaveProperty('still_signed_in');
  });

  it('a logout_hint that names no account here ends nothing by itself: the chooser asks', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const page = await browser.navigate(
      `${op.issuer}/end_session?${new URLSearchParams({ logout_hint: 'not-ours', client_id: 'portal' })}`,
    );
    expect(page.doc.querySelectorAll('button[name=account]')).toHaveLength(3);
    expect((await live(alice.sid)) && (await live(bob.sid))).toBe(true);
  });

  it('end_session without a hint and several accounts: a CSRF-protected chooser; one account, or all', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const chooser = await browser.navigate(`${op.issuer}/end_session`);
    const buttons = chooser.doc.querySelectorAll('button[name=account]');
    expect(buttons.map((b) => b.getAttribute('value'))).toEqual([
      bob.claims.login_hint,
      alice.claims.login_hint,
      'all',
    ]);
    expect(chooser.doc.querySelector('[data-adieu=all-accounts]')).toBeTruthy();
    // Without the page's CSRF token nothing ends.
    const forged = await browser.request(`${op.issuer}/end_session/confirm`, {
      form: {
        interaction: chooser.doc.querySelector('input[name=interaction]')!.getAttribute('value')!,
        csrf: 'forged',
        confirm: 'yes',
        account: 'all',
      },
    });
    expect(forged.status).toBe(403);
    expect((await live(alice.sid)) && (await live(bob.sid))).toBe(true);
    // Bob only.
    await browser.submit(chooser, { account: bob.claims.login_hint as string, confirm: 'yes' });
    expect(await live(bob.sid)).toBe(false);
    expect(await live(alice.sid)).toBe(true);
    expect(await told('bookings', bob.sid)).toMatchObject({ sid: bob.sid });
    expect(heardOf('portal', alice.sid)).toBe(false);
    expect(await silent(browser, 'portal')).toEqual({ sid: alice.sid });

    // "All accounts" ends every account of the browser.
    const second = await aliceAndBob();
    const page = await second.browser.navigate(`${op.issuer}/end_session`);
    await second.browser.submit(page, { account: 'all', confirm: 'yes' });
    expect(await live(second.alice.sid)).toBe(false);
    expect(await live(second.bob.sid)).toBe(false);
    expect(await silent(second.browser, 'portal')).toEqual({ error: 'login_required' });
  });
  it('one account signed out on /account: its deliveries start only once the receipt is sent', async () => {
    const { browser, alice } = await aliceAndBob();
    const page = await browser.navigate(`${op.issuer}/account`);
    const order = await deliveryOrder(
      op,
      '/account/accounts/logout',
      async () => {
        const receipt = await browser.submit(page, {}, 'li[data-account=alice] form');
        expect(receipt.status).toBe(200);
      },
      () => told('portal', alice.sid),
    );
    expectPageFirst(order);
  });

  it('/account lists every account of this browser with its apps; each signs out alone (CSRF-protected)', async () => {
    const { browser, alice, bob } = await aliceAndBob();
    const page = await browser.navigate(`${op.issuer}/account`);
    expect(page.status).toBe(200);
    const rows = page.doc.querySelectorAll('[data-adieu=browser-accounts] li[data-account]');
    expect(rows.map((r) => r.getAttribute('data-account'))).toEqual(['bob', 'alice']);
    expect(rows[0]!.text).toContain('In use');
    expect(rows[0]!.text).toMatch(/Apps: bookings/);
    expect(rows[1]!.text).toMatch(/Apps: portal/);
    const aliceForm = 'li[data-account=alice] form';
    // A forged token or an account the page did not show signs nobody out.
    const forged = await browser.submit(page, { csrf: 'forged' }, aliceForm);
    expect(forged.status).toBe(403);
    const unknown = await browser.submit(page, { account: 'not-an-account' }, aliceForm);
    expect(unknown.status).toBe(400);
    expect((await live(alice.sid)) && (await live(bob.sid))).toBe(true);

    const receipt = await browser.submit(page, {}, aliceForm);
    expect(receipt.status).toBe(200);
    expect(await live(alice.sid)).toBe(false);
    expect(await live(bob.sid)).toBe(true);
    expect(await told('portal', alice.sid)).toMatchObject({ sid: alice.sid, reason: 'user' });
    await new Promise((r) => setTimeout(r, 500));
    expect(heardOf('bookings', bob.sid) || heardOf('portal', bob.sid)).toBe(false);
    expect(receipt.doc.querySelector('#done-link')!.getAttribute('href')).toMatch(/\/account$/);
    // Bob is still signed in here, silently, with the same sid; the page now lists him alone.
    expect(await silent(browser, 'bookings')).toEqual({ sid: bob.sid });
    const after = await browser.navigate(`${op.issuer}/account`);
    expect(
      after.doc
        .querySelectorAll('[data-adieu=browser-accounts] li[data-account]')
        .map((r) => r.getAttribute('data-account')),
    ).toEqual(['bob']);
  });
});
