/**
 * Issue 12 point 2: an SPA never renders a signed-out user. Third-party cookies blocked, and no tab of the SPA
 * open when Alice signs out elsewhere: the provider's front-channel frame is partitioned, nobody listens to the
 * push, so the SPA's localStorage still holds Alice when it is opened again. From the first moment the page
 * is ready, and on every frame after, nothing the app can see may be Alice: not the rendered status, not
 * `getActiveAccount()` / `getAllAccounts()`. A single observation of Alice fails the test. The same page with
 * `cache.confirmSessionOnLoad: false` (the old behaviour) does show her: the check can fail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium } from '../support/env.js';
import { launchBrowser, type TestBrowser } from './support/chromium.js';
import {
  USERS,
  leaveApp,
  loginRedirect,
  openApp,
  resetBrowser,
  startSdkEnvironment,
  status,
  waitAppLoaded,
  withSnapshots,
  type AW,
  type SdkEnvironment,
} from './support/sdk-apps.js';

const run = hasChromium();
let env: SdkEnvironment;
let b: TestBrowser;

beforeAll(async () => {
  if (!run) return;
  env = await startSdkEnvironment();
  b = await launchBrowser('blocked');
});
afterAll(async () => {
  await b?.close();
  await env?.close();
});

/**
 * Installed before any script of the page runs: records every value the status line takes and, on every
 * animation frame from the moment the client exists, what the SDK would return to the app.
 */
function watchEverything(): void {
  const seen: string[] = [];
  (window as unknown as { __seen: string[] }).__seen = seen;
  const note = (v: string) => {
    if (!seen.includes(v)) seen.push(v);
  };
  const look = () => {
    const s = document.getElementById('status');
    if (s) note(`status:${s.textContent ?? ''}`);
    for (const li of document.querySelectorAll('#accounts li')) note(`listed:${li.textContent ?? ''}`);
    const c = (window as unknown as { client?: AW['client'] }).client;
    if (c) {
      for (const a of c.getAllAccounts()) note(`all:${a.username}`);
      const active = c.getActiveAccount();
      if (active) note(`active:${active.username}`);
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
  const frame = () => {
    look();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** Open the SPA in a new tab and poll it, from the first moment, until it settled. */
async function reopen(): Promise<{ page: Page; seen: string[] }> {
  const page = await b.context.newPage();
  await page.addInitScript(watchEverything);
  const polled: string[] = [];
  const goto = page.goto(env.apps.app('spa.test'), { waitUntil: 'commit' });
  await goto;
  // Test-side polling as well, from the first moment the document exists until well after startup.
  const until = Date.now() + 2_500;
  while (Date.now() < until) {
    const s = await page
      .locator('#status')
      .textContent({ timeout: 50 })
      .catch(() => null);
    if (s !== null && !polled.includes(s)) polled.push(s);
  }
  await waitAppLoaded(page);
  const inPage = await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
  return { page, seen: [...inPage, ...polled.map((s) => `polled:${s}`)] };
}

/** Alice signs in at the SPA, closes it, and signs out at the other app; the SPA's cache still holds her. */
async function aliceLeavesStaleCache(): Promise<void> {
  const spa = await openApp(await b.context.newPage(), env.apps.app('spa.test'));
  expect((await loginRedirect(spa, USERS.alice)).loginShown).toBe(true);
  // The other app's tab opens before the SPA's closes: closing a browser's last tab may end its session.
  const other = await openApp(await b.context.newPage(), env.apps.app('app2.test'));
  await spa.close(); // no SPA tab open at logout
  expect((await loginRedirect(other, USERS.alice)).loginShown).toBe(false);
  await leaveApp(
    other,
    () => void (window as AW).client.logoutRedirect({ postLogoutRedirectUri: null }),
    undefined,
  );
  // The receipt is the last page (nowhere to go back to): it stays once ready.
  await other.waitForSelector('body[data-receipt=ready]', { timeout: 30_000 });
}

/** Each test is a whole story (sign-ins, a logout elsewhere, a reopen polled for 2.5 s): more than the default. */
const LONG = 150_000;

const alice = (seen: string[]) => seen.filter((v) => v.endsWith(':alice'));

describe.runIf(run)(
  'browser SDK, reopening an SPA whose user signed out elsewhere (third-party cookies blocked)',
  () => {
    beforeEach(async () => {
      await resetBrowser(b, env.apps);
    });

    it(
      'never shows Alice, not for one frame; the stale account is dropped',
      () =>
        withSnapshots(b, 'sdk-stale', async () => {
          await aliceLeavesStaleCache();
          const { page, seen } = await reopen();
          expect(alice(seen)).toEqual([]);
          expect(seen).toContain('status:signed-out');
          expect(await status(page)).toBe('signed-out');
          // The provider said the session is over: the account is gone from the cache, for every later page too.
          expect(
            await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('.account.'))),
          ).toEqual([]);
        }),
      LONG,
    );

    it(
      'with Bob signed in meanwhile: never Alice, and the SPA signs Bob in silently',
      () =>
        withSnapshots(b, 'sdk-stale-bob', async () => {
          await aliceLeavesStaleCache();
          const other = await openApp(await b.context.newPage(), env.apps.app('app2.test'));
          expect((await loginRedirect(other, USERS.bob)).loginShown).toBe(true);
          const { page, seen } = await reopen();
          expect(alice(seen)).toEqual([]);
          expect((await loginRedirect(page, USERS.bob)).loginShown).toBe(false);
          expect(await status(page)).toBe('bob');
          expect(
            await page.evaluate(() => (window as AW).client.getAllAccounts().map((a) => a.username)),
          ).toEqual(['bob']);
        }),
      LONG,
    );

    it(
      'control: with confirmSessionOnLoad: false the same page does show the signed-out Alice',
      () =>
        withSnapshots(b, 'sdk-stale-control', async () => {
          await aliceLeavesStaleCache();
          const blank = await b.context.newPage();
          await blank.goto(`${env.apps.origin('spa.test')}/blank`);
          await blank.evaluate(() => localStorage.setItem('test.confirm', 'off'));
          await blank.close();
          const { seen } = await reopen();
          expect(alice(seen).length).toBeGreaterThan(0);
        }),
      LONG,
    );
  },
);
