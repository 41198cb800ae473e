/**
 * What a person sees on the provider's pages, checked in Chromium with Playwright visibility and computed
 * styles: nothing marked `hidden` shows, the pages fit a 390 px phone, primary buttons keep WCAG AA contrast in
 * light and dark mode, and Back after a failed sign-in shows the sign-in page (no "Confirm form resubmission").
 * Screenshots of each page at phone width, light and dark, in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { CHROMIUM_PATH, hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { snapshot } from './support/chromium.js';
import { startSite, textPage, type Site } from './support/sites.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const enabled = hasChromium();

/** WCAG relative luminance contrast of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe.skipIf(!enabled)('provider pages as a person sees them', () => {
  let op: TestProvider;
  let site: Site;
  let browser: Browser;

  beforeAll(async () => {
    const { certFile, keyFile } = testCert();
    const port = await freePort();
    const issuer = `https://idp.test:${port}`;
    site = await startSite('rp.test', {
      '/cb': textPage('rp signed in'),
      '/elsewhere': textPage('elsewhere'),
    });
    op = await startTestProvider(
      {
        tls: { cert: certFile, key: keyFile },
        clients: [
          {
            client_id: 'rp',
            client_name: 'Portal',
            token_endpoint_auth_method: 'none',
            redirect_uris: [`${site.origin}/cb`],
          },
        ],
        users: [
          { ...ALICE, name: 'Alice Example' },
          { ...BOB, name: 'Bob Example' },
        ],
      },
      { issuer, port },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP *.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await op?.close();
    await site?.close();
  });

  const authorizeUrl = () => {
    const u = new URL(`${op.issuer}/authorize`);
    u.search = new URLSearchParams({
      client_id: 'rp',
      redirect_uri: `${site.origin}/cb`,
      response_type: 'code',
      scope: 'openid profile',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return u.toString();
  };

  const phone = async (colorScheme: 'light' | 'dark') => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme,
      ignoreHTTPSErrors: true,
    });
    return { context, page: await context.newPage() };
  };

  /** The checks every provider page passes: fits the phone, hidden stays hidden, primary buttons readable. */
  async function looksRight(page: Page, name: string) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
    for (const el of await page.locator('[hidden]').all()) expect(await el.isVisible()).toBe(false);
    for (const button of await page.locator('button.primary').all()) {
      const [fg, bg] = await button.evaluate((b) => {
        const s = getComputedStyle(b);
        return [s.color, s.backgroundColor];
      });
      expect(contrast(fg, bg), `${name}: primary button ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
    await snapshot(page, `provider-${name}`);
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`login and account pages fit a phone and stay readable (${scheme})`, async () => {
      const { context, page } = await phone(scheme);
      try {
        await page.goto(authorizeUrl());
        await page.waitForSelector('input[name=username]');
        await looksRight(page, `login-390-${scheme}`);
        await page.goto(`${op.issuer}/account`);
        await page.fill('input[name=username]', ALICE.username);
        await page.fill('input[name=password]', ALICE.password);
        await page.click('button[type=submit]');
        await page.waitForURL(`${op.issuer}/account`);
        await page.goto(authorizeUrl());
        await page.waitForURL(`${site.origin}/cb?**`);
        await page.goto(`${op.issuer}/account`);
        await page.locator('text=Sign out everywhere').waitFor({ state: 'visible' });
        await looksRight(page, `account-390-${scheme}`);
      } finally {
        await context.close();
      }
    });
  }

  /** Alice signs in at the Portal (it becomes a participant); then the Portal's own session is gone. */
  async function signedInAtPortal(page: Page) {
    await page.goto(authorizeUrl());
    await page.fill('input[name=username]', ALICE.username);
    await page.fill('input[name=password]', ALICE.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${site.origin}/cb?**`);
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`an app coming back names the account first: "Continuing as Alice… Not you?" (${scheme})`, async () => {
      const { context, page } = await phone(scheme);
      try {
        await signedInAtPortal(page);
        await page.goto(authorizeUrl());
        const named = page.locator('[data-adieu=continuing]');
        await named.waitFor({ state: 'visible' });
        expect(await named.innerText()).toBe('Continuing as Alice Example (alice)…');
        expect(page.url()).not.toContain(site.origin);
        for (const action of ['continue', 'another-account', 'sign-out'])
          expect(await page.locator(`[data-adieu=${action}]`).isVisible(), action).toBe(true);
        // The countdown is visible and counts (a script file: the page's CSP allows no inline script).
        const countdown = page.locator('#countdown');
        expect(await countdown.isVisible()).toBe(true);
        await expect.poll(() => countdown.innerText()).toMatch(/Continuing in [1-4] seconds?\./);
        await looksRight(page, `continue-as-390-${scheme}`);
        // A person who starts using the page gets it paused; "Continue" goes on at once.
        await page.keyboard.press('Tab');
        expect(await countdown.innerText()).toBe('Paused. Continue when you are ready.');
        await page.waitForTimeout(5500);
        expect(page.url()).not.toContain(site.origin);
        await page.click('[data-adieu=continue]');
        await page.waitForURL(`${site.origin}/cb?**`);
      } finally {
        await context.close();
      }
    });
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`the account page lists every account of this browser; one signs out alone (${scheme})`, async () => {
      const { context, page } = await phone(scheme);
      try {
        await signedInAtPortal(page);
        await page.goto(`${authorizeUrl()}&prompt=login`);
        await page.fill('input[name=username]', BOB.username);
        await page.fill('input[name=password]', BOB.password);
        await page.click('button[type=submit]');
        await page.waitForURL(`${site.origin}/cb?**`);
        await page.goto(`${op.issuer}/account`);
        const rows = page.locator('[data-adieu=browser-accounts] li[data-account]');
        await rows.first().waitFor({ state: 'visible' });
        expect(await rows.count()).toBe(2);
        const alice = page.locator('li[data-account=alice]');
        expect(await alice.isVisible()).toBe(true);
        expect(await alice.innerText()).toContain('Alice Example');
        expect(await alice.innerText()).toContain('Apps: Portal');
        expect(await page.locator('li[data-account=bob]').innerText()).toContain('In use');
        await looksRight(page, `account-accounts-390-${scheme}`);
        await alice.locator('button[data-adieu=sign-out-account]').click();
        await page.locator('body[data-receipt=ready]').waitFor({ state: 'attached', timeout: 20_000 });
        expect(await page.locator('section[data-logout] h2').innerText()).toBe('Alice Example');
        await page.click('#done-link');
        await page.waitForURL(`${op.issuer}/account`);
        expect(await rows.count()).toBe(1);
        expect(await page.locator('li[data-account=bob]').isVisible()).toBe(true);
      } finally {
        await context.close();
      }
    });
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`signing out another device: the receipt names that device and says this one stays signed in (${scheme})`, async () => {
      const iphone = await browser.newContext({
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
        ignoreHTTPSErrors: true,
      });
      const { context, page } = await phone(scheme);
      try {
        await signedInAtPortal(await iphone.newPage());
        await signedInAtPortal(page);
        await page.goto(`${op.issuer}/account`);
        const row = page.locator('tr[data-sid]', { hasText: 'Safari on iOS' });
        await row.getByRole('button', { name: 'Sign out' }).click();
        await page.locator('body[data-receipt=ready]').waitFor({ state: 'attached', timeout: 20_000 });
        const title = page.locator('h1#title');
        expect(await title.isVisible()).toBe(true);
        expect(await title.innerText()).toBe('Signed out Safari on iOS');
        const stays = page.locator('[data-adieu=still-signed-in]');
        expect(await stays.isVisible()).toBe(true);
        expect(await stays.innerText()).toBe('Alice Example is still signed in on this browser.');
        await looksRight(page, `receipt-other-device-390-${scheme}`);
        await page.click('#done-link');
        await page.waitForURL(`${op.issuer}/account`);
        expect(await page.locator('tr[data-sid]', { hasText: 'Safari on iOS' }).count()).toBe(0);
        expect(await page.locator('tr[data-sid]', { hasText: 'This device' }).isVisible()).toBe(true);
      } finally {
        await context.close();
        await iphone.close();
      }
    });
  }

  it('"Continuing as …" goes on by itself, with scripts or without; "Use another account" is the sign-in page', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled });
      const page = await context.newPage();
      try {
        await signedInAtPortal(page);
        await page.goto(authorizeUrl());
        await page.locator('[data-adieu=continuing]').waitFor({ state: 'visible' });
        const shown = Date.now();
        await page.waitForURL(`${site.origin}/cb?**`, { timeout: 15_000 });
        expect(Date.now() - shown, `scripts ${javaScriptEnabled}`).toBeGreaterThan(3000);
        await page.goto(authorizeUrl());
        await page.click('[data-adieu=another-account]');
        await page.locator('input[name=password]').waitFor({ state: 'visible' });
      } finally {
        await context.close();
      }
    }
  });

  it('Back and reload after a failed sign-in show the sign-in page, not "Confirm form resubmission"', async () => {
    const { context, page } = await phone('light');
    try {
      await page.goto(authorizeUrl());
      await page.fill('input[name=username]', ALICE.username);
      await page.fill('input[name=password]', 'wrong-password');
      await page.click('button[type=submit]');
      await page.locator('#login-error').waitFor({ state: 'visible' });
      await page.goto(`${site.origin}/elsewhere`);
      await page.goBack();
      await page.locator('input[name=password]').waitFor({ state: 'visible', timeout: 10_000 });
      await page.reload();
      await page.locator('input[name=password]').waitFor({ state: 'visible', timeout: 10_000 });
      // And the page still works: the right password signs in.
      await page.fill('input[name=username]', ALICE.username);
      await page.fill('input[name=password]', ALICE.password);
      await page.click('button[type=submit]');
      await page.waitForURL(`${site.origin}/cb?**`);
    } finally {
      await context.close();
    }
  });
});
