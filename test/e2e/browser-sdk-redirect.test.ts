/**
 * @adieu/browser in real Chromium against the real provider, cross-site over HTTPS, with third-party cookies
 * allowed and blocked: login and logout by redirect, local-only logout (and why it is a trap), multiple
 * accounts, and logout in a popup — also when Cross-Origin-Opener-Policy cuts the popup off from its opener.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium } from '../support/env.js';
import { COOKIE_MODES, launchBrowser, type TestBrowser } from './support/chromium.js';
import {
  USERS,
  events,
  leaveApp,
  loginRedirect,
  openApp,
  resetBrowser,
  startSdkEnvironment,
  status,
  submitLogin,
  type AW,
  waitAppLoaded,
  waitForEvent,
  withSnapshots,
  type SdkEnvironment,
} from './support/sdk-apps.js';

const run = hasChromium();
let env: SdkEnvironment;

beforeAll(async () => {
  if (run) env = await startSdkEnvironment();
});
afterAll(async () => {
  await env?.close();
});

const types = async (page: Page) => (await events(page)).map((e) => e.type);

describe.runIf(run).each(COOKIE_MODES)(
  'browser SDK, redirects and popups, third-party cookies %s',
  (mode) => {
    let b: TestBrowser;
    beforeAll(async () => {
      b = await launchBrowser(mode);
    });
    afterAll(async () => {
      await b?.close();
    });
    beforeEach(async () => {
      await resetBrowser(b, env.apps);
    });

    const spa = () => env.apps.app('spa.test');

    it('logs in and out by redirect; the state comes back and the provider session is gone', () =>
      withSnapshots(b, 'sdk-redirect', async () => {
        const page = await openApp(await b.context.newPage(), spa());
        expect(await status(page)).toBe('signed-out');

        const first = await loginRedirect(page, USERS.alice);
        expect(first.loginShown).toBe(true);
        expect(await status(page)).toBe('alice');
        await waitForEvent(page, 'adieu:loginSuccess');
        const account = await page.evaluate(() => (window as AW).client.getActiveAccount());
        expect(account).toMatchObject({
          username: 'alice',
          issuer: env.issuer,
          environment: new URL(env.issuer).host,
        });
        expect(account?.sid).toBeTruthy();
        expect(page.url()).toBe(spa()); // code and state removed from the address bar

        // Tokens: cached, then through the refresh token (no iframe).
        const cached = await page.evaluate(() => (window as AW).client.acquireTokenSilent());
        expect(cached.fromCache).toBe(true);
        const refreshed = await page.evaluate(() =>
          (window as AW).client.acquireTokenSilent({ forceRefresh: true }),
        );
        expect(refreshed.fromCache).toBe(false);
        expect(refreshed.accessToken).not.toBe(cached.accessToken);

        const endSession = page.waitForRequest((r) => r.url().startsWith(`${env.issuer}/end_session`));
        await leaveApp(page, () => void (window as AW).client.logoutRedirect(), undefined);
        const q = new URL((await endSession).url()).searchParams;
        expect(q.get('id_token_hint')).toBe(refreshed.idToken);
        expect(q.get('client_id')).toBe('spa');
        expect(q.get('post_logout_redirect_uri')).toBe(spa());
        expect(q.get('state')).toMatch(/^xr\.[\w-]{32}$/);

        await waitAppLoaded(page, 30_000);
        const confirmed = await waitForEvent(page, 'adieu:idpLogoutConfirmed');
        expect(confirmed.payload?.accounts).toMatchObject([{ username: 'alice' }]);
        expect(await status(page)).toBe('signed-out');
        expect(page.url()).toBe(spa());
        const seq = (await types(page)).filter((t) => /logout|Cleared|Removed|idp/i.test(t));
        expect(seq).toEqual([
          'adieu:logoutStart',
          'adieu:accountRemoved',
          'adieu:localCleared',
          'adieu:logoutSuccess',
          'adieu:logoutEnd',
          'adieu:idpLogoutConfirmed',
        ]);

        // The SSO session really ended: the next login asks for the password.
        expect((await loginRedirect(page, USERS.alice)).loginShown).toBe(true);
      }));

    it('local-only logout (onRedirectNavigate -> false) leaves the provider session: the next login names the account first', () =>
      withSnapshots(b, 'sdk-local-logout', async () => {
        const page = await openApp(await b.context.newPage(), spa());
        expect((await loginRedirect(page, USERS.alice)).loginShown).toBe(true);

        await page.evaluate(() => (window as AW).client.logoutRedirect({ onRedirectNavigate: () => false }));
        expect(await status(page)).toBe('signed-out');
        expect(page.url()).toBe(spa()); // never left the app
        const t = await types(page);
        expect(t).toContain('adieu:localCleared');
        expect(t).not.toContain('adieu:idpLogoutConfirmed');

        // Seed 003's pitfall: no password asked, the provider session lives on. The provider names the account
        // before the app gets it back ("Continuing as alice… Not you?", issue 19 point 6).
        const again = await loginRedirect(page, USERS.alice);
        expect(again.loginShown).toBe(false);
        expect(again.continuedAs).toMatch(/^Continuing as .*\(alice\)…$/);
        expect(await status(page)).toBe('alice');

        // The explicit form says the same thing in its result.
        const r = await page.evaluate(() => (window as AW).client.logout({ scope: 'local' }));
        expect(r).toMatchObject({
          idpLogoutConfirmed: false,
          navigated: false,
          accounts: [{ username: 'alice' }],
        });
      }));

    it(
      'several accounts: "use another account" adds bob; logging out bob removes only bob, alice stays signed in',
      () =>
        withSnapshots(b, 'sdk-multi-account', async () => {
          const page = await openApp(await b.context.newPage(), spa());
          await loginRedirect(page, USERS.alice);
          // The provider's picker: alice's button, and "use another account", which signs bob in beside her.
          await leaveApp(
            page,
            () => void (window as AW).client.loginRedirect({ prompt: 'select_account' }),
            undefined,
          );
          await page.waitForSelector('button[name=account]');
          expect(await page.locator('button[name=account]').allInnerTexts()).toEqual([
            expect.stringContaining('alice'),
          ]);
          await page.click('[data-adieu=another-account]');
          await page.waitForSelector('input[name=password]');
          await submitLogin(page, USERS.bob);
          await waitAppLoaded(page);
          const accounts = () =>
            page.evaluate(() =>
              (window as AW).client.getAllAccounts().map((a) => ({ username: a.username, sid: a.sid })),
            );
          const before = await accounts();
          expect(before.map((a) => a.username)).toEqual(['alice', 'bob']);
          expect(before[0]!.sid).not.toBe(before[1]!.sid);
          expect(await status(page)).toBe('bob');
          expect(await page.locator('#accounts li').allInnerTexts()).toEqual(['alice', 'bob']);

          await leaveApp(
            page,
            () => {
              const c = (window as AW).client;
              void c.logoutRedirect({ account: c.getAccountByUsername('bob') });
            },
            undefined,
          );
          await waitAppLoaded(page, 30_000);
          const confirmed = await waitForEvent(page, 'adieu:idpLogoutConfirmed');
          expect(confirmed.payload?.accounts).toMatchObject([{ username: 'bob' }]);
          expect(await accounts()).toEqual([before[0]]);
          const removed = (await events(page)).filter((e) => e.type === 'adieu:accountRemoved');
          expect(removed.map((e) => e.payload?.username)).toEqual(['bob']);
          // Bob was active: now nobody is, and the page does not show alice in his place.
          expect(await status(page)).toBe('signed-out');
          expect(await page.locator('#accounts li').allInnerTexts()).toEqual(['alice']);
          // Alice's SSO session is alive at the provider: her refresh token still works.
          const refreshed = await page.evaluate(() => {
            const c = (window as AW).client;
            return c.acquireTokenSilent({ account: c.getAccountByUsername('alice')!, forceRefresh: true });
          });
          expect(refreshed).toMatchObject({
            fromCache: false,
            account: { username: 'alice', sid: before[0]!.sid },
          });
        }),
      120_000,
    ); // three trips to the provider and back, on a loaded machine

    it('logs in in a popup, without leaving the page', () =>
      withSnapshots(b, 'sdk-login-popup', async () => {
        const page = await openApp(await b.context.newPage(), spa());
        await page.evaluate(() => {
          const button = document.createElement('button');
          button.id = 'login-popup';
          button.onclick = () => void (window as AW).client.loginPopup({ scopes: ['openid'] });
          document.body.append(button);
        });
        const popupOpened = b.context.waitForEvent('page');
        await page.click('#login-popup');
        const popup = await popupOpened;
        await popup.waitForSelector('input[name=password]');
        await submitLogin(popup, USERS.alice);
        const success = await waitForEvent(page, 'adieu:loginSuccess', {}, 20_000);
        expect(success.interaction).toBe('popup');
        expect(await status(page)).toBe('alice');
        expect(page.url()).toBe(spa()); // the main window never moved
        if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
      }));

    for (const coop of [false, true]) {
      it(`popup logout with mainWindowRedirectUri${coop ? ', COOP cutting window.opener' : ''}`, () =>
        withSnapshots(b, `sdk-popup-logout${coop ? '-coop' : ''}`, async () => {
          const page = await openApp(await b.context.newPage(), spa());
          await loginRedirect(page, USERS.alice);
          const origin = env.apps.origin('spa.test');
          const request = {
            postLogoutRedirectUri: `${origin}/ls/${coop ? 'popup-done-coop' : 'popup-done'}`,
            mainWindowRedirectUri: `${origin}/ls/elsewhere`,
            popupWindowAttributes: {
              popupSize: { width: 500, height: 600 },
              popupPosition: { top: 20, left: 20 },
            },
          };
          // A real click: popups need a user gesture.
          await page.evaluate((r) => {
            const button = document.createElement('button');
            button.id = 'logout-popup';
            button.textContent = 'Sign out';
            button.onclick = () => void (window as AW).client.logoutPopup(r);
            document.body.append(button);
          }, request);
          const popupOpened = b.context.waitForEvent('page');
          await page.click('#logout-popup');
          const popup = await popupOpened;
          await page.waitForURL(request.mainWindowRedirectUri, { timeout: 30_000 });
          await page.waitForFunction(() => (window as AW).ready === true);
          const log = await events(page);
          const t = log.map((e) => e.type);
          expect(t).toContain('adieu:popupOpened');
          const confirmed = log.find((e) => e.type === 'adieu:idpLogoutConfirmed');
          expect(confirmed?.interaction).toBe('popup');
          expect(t.indexOf('adieu:idpLogoutConfirmed')).toBeLessThan(t.indexOf('adieu:logoutEnd'));
          expect(t).not.toContain('adieu:logoutFailure');
          if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
          if (coop) {
            // COOP really cut the link: the landing page had no opener, so only BroadcastChannel could answer.
            expect(await page.evaluate(() => localStorage.getItem('test.popup-had-opener'))).toBe('false');
          }

          // The provider session is over.
          const app = await openApp(page, spa());
          expect(await status(app)).toBe('signed-out');
          expect((await loginRedirect(app, USERS.alice)).loginShown).toBe(true);
        }));
    }
  },
);
