/**
 * @adieu/browser: a logout in one tab reaches every other tab of the app within 1 s, in every cache location
 * (localStorage, sessionStorage, memoryStorage) and with the `storage`-event fallback when BroadcastChannel is
 * missing — with third-party cookies allowed and blocked. The tab that is signed out remotely gets the
 * `onBeforeAccountRemoved` hook first, so unsaved work is kept for that user only (seed 003).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium } from '../support/env.js';
import { COOKIE_MODES, launchBrowser, type TestBrowser } from './support/chromium.js';
import {
  USERS,
  leaveApp,
  loginRedirect,
  openApp,
  resetBrowser,
  startSdkEnvironment,
  status,
  waitAppLoaded,
  waitForEvent,
  withSnapshots,
  type AW,
  type CacheKey,
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

const VARIANTS: { name: string; cache: CacheKey; noBroadcastChannel?: boolean }[] = [
  { name: 'localStorage', cache: 'ls' },
  { name: 'sessionStorage', cache: 'ss' },
  { name: 'memoryStorage', cache: 'mem' },
  {
    name: 'sessionStorage, no BroadcastChannel (storage-event fallback)',
    cache: 'ss',
    noBroadcastChannel: true,
  },
];

describe.runIf(run).each(COOKIE_MODES)('browser SDK, two tabs, third-party cookies %s', (mode) => {
  let b: TestBrowser;
  beforeAll(async () => {
    b = await launchBrowser(mode);
    // Pages of a test that sets this flag run as in a browser without BroadcastChannel.
    await b.context.addInitScript(() => {
      if (localStorage.getItem('test.no-broadcast-channel') === '1') {
        delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
      }
    });
  });
  afterAll(async () => {
    await b?.close();
  });
  beforeEach(async () => {
    await resetBrowser(b, env.apps);
  });

  for (const v of VARIANTS) {
    it(`a logout in one tab clears the other within 1 s: ${v.name}`, () =>
      withSnapshots(b, `sdk-tabs-${v.cache}${v.noBroadcastChannel ? '-nobc' : ''}`, async () => {
        const url = env.apps.app('spa.test', v.cache);
        const tab1 = await openApp(await b.context.newPage(), url);
        if (v.noBroadcastChannel) {
          await tab1.evaluate(() => localStorage.setItem('test.no-broadcast-channel', '1'));
          await openApp(tab1, url);
          expect(await tab1.evaluate(() => typeof BroadcastChannel)).toBe('undefined');
        }
        expect((await loginRedirect(tab1, USERS.alice)).loginShown).toBe(true);

        const tab2 = await openApp(await b.context.newPage(), url);
        if (v.cache !== 'ls') {
          // A per-tab cache: the second tab signs in itself, silently through the SSO session.
          expect((await loginRedirect(tab2, USERS.alice)).loginShown).toBe(false);
        }
        expect(await status(tab2)).toBe('alice');
        const aliceId = await tab2.evaluate(() => (window as AW).client.getActiveAccount()!.homeAccountId);
        await tab2.fill('#draft', 'half-written reply');

        const t0 = await tab1.evaluate(() => Date.now());
        await leaveApp(tab1, () => void (window as AW).client.logoutRedirect(), undefined);

        const ended = await waitForEvent(tab2, 'adieu:sessionEnded', { reason: 'other-tab' }, 5_000);
        expect(ended.at - t0).toBeLessThan(1_000);
        expect(await status(tab2)).toBe('signed-out');
        expect(await tab2.evaluate(() => (window as AW).client.getAllAccounts())).toEqual([]);
        // The hook ran before the account went: the draft is kept under alice's id.
        expect(await tab2.evaluate((id) => localStorage.getItem(`draft:${id}`), aliceId)).toBe(
          'half-written reply',
        );

        // Tab 1 finishes the provider's logout and sees it confirmed.
        await waitAppLoaded(tab1, 30_000);
        await waitForEvent(tab1, 'adieu:idpLogoutConfirmed');

        if (v.cache === 'ls') {
          // The draft is offered back to alice only: bob signing in on this browser does not see it.
          expect((await loginRedirect(tab2, USERS.bob)).loginShown).toBe(true);
          expect(await tab2.inputValue('#draft')).toBe('');
          await leaveApp(tab2, () => void (window as AW).client.logoutRedirect(), undefined);
          await waitAppLoaded(tab2, 30_000);
          await waitForEvent(tab2, 'adieu:idpLogoutConfirmed');
          expect((await loginRedirect(tab2, USERS.alice)).loginShown).toBe(true);
          expect(await tab2.inputValue('#draft')).toBe('half-written reply');
        }
      }));
  }

  // Issue 19: two people in one browser. Signing one of them out in one tab removes that account alone in
  // every tab; the other stays listed, active, and signed in at the provider.
  for (const cache of ['ls', 'ss'] as const) {
    it(
      `several accounts: signing out alice in one tab leaves bob in the other (${cache})`,
      () =>
        withSnapshots(b, `sdk-tabs-several-${cache}`, async () => {
          const url = env.apps.app('spa.test', cache);
          const tab1 = await openApp(await b.context.newPage(), url);
          expect((await loginRedirect(tab1, USERS.alice)).loginShown).toBe(true);
          expect(
            (await loginRedirect(tab1, USERS.bob, { prompt: 'login', loginHint: 'bob' })).loginShown,
          ).toBe(true);
          const tab2 = await openApp(await b.context.newPage(), url);
          if (cache === 'ss') {
            // A per-tab cache: the second tab signs both in itself, silently, each named by its hint.
            expect((await loginRedirect(tab2, USERS.alice, { loginHint: 'alice' })).loginShown).toBe(false);
            expect((await loginRedirect(tab2, USERS.bob, { loginHint: 'bob' })).loginShown).toBe(false);
          }
          const names = (tab: typeof tab1) =>
            tab.evaluate(() => (window as AW).client.getAllAccounts().map((a) => a.username));
          expect(await names(tab2)).toEqual(['alice', 'bob']);
          expect(await status(tab2)).toBe('bob');
          const bobSid = await tab2.evaluate(() => (window as AW).client.getAccountByUsername('bob')!.sid);

          await leaveApp(
            tab1,
            () => {
              const c = (window as AW).client;
              void c.logoutRedirect({ account: c.getAccountByUsername('alice') });
            },
            undefined,
          );
          const ended = await waitForEvent(tab2, 'adieu:sessionEnded', { reason: 'other-tab' }, 5_000);
          expect(ended.payload).toMatchObject({ account: { username: 'alice' } });
          expect(await names(tab2)).toEqual(['bob']);
          expect(await status(tab2)).toBe('bob');
          expect(await tab2.locator('#accounts li').allInnerTexts()).toEqual(['bob']);
          await waitAppLoaded(tab1, 30_000);
          await waitForEvent(tab1, 'adieu:idpLogoutConfirmed');
          expect(await names(tab1)).toEqual(['bob']);

          // Bob's session at the provider is untouched: his refresh token still works, in the same sid.
          const refreshed = await tab2.evaluate(() =>
            (window as AW).client.acquireTokenSilent({ forceRefresh: true }),
          );
          expect(refreshed).toMatchObject({ fromCache: false, account: { username: 'bob', sid: bobSid } });
        }),
      120_000,
    );
  }
});
