/**
 * Second factors as a person sees them in Chromium (docs/mfa.md): set up an authenticator app on /account (the QR
 * code and the key are visible, the recovery codes are shown), then sign in with the code from the app. Each page
 * fits a 390 px phone and a desktop window, light and dark; screenshots in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { totpCodeAt } from '../../packages/server/src/mfa/totp.js';
import { CHROMIUM_PATH, hasChromium } from '../support/env.js';
import { snapshot } from './support/chromium.js';

const enabled = hasChromium();

describe.skipIf(!enabled)('two-step sign-in pages in Chromium', () => {
  let op: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    op = await startTestProvider({
      users: ['light-390', 'dark-390', 'light-1280', 'dark-1280'].map((u) => ({
        username: u,
        password: `${u}-password`,
        email: `${u}@example.com`,
      })),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await op?.close();
  });

  async function fits(page: Page, name: string) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
    await snapshot(page, `mfa-${name}`);
  }

  async function signIn(page: Page, user: string) {
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', `${user}-password`);
    await page.click('button[type=submit]');
  }

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      it(`set up an authenticator app, then sign in with its code (${scheme}, ${width} px)`, async () => {
        const user = `${scheme}-${width}`;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        try {
          await page.goto(`${op.issuer}/account`);
          await signIn(page, user);
          await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
          const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
          await expect(qr.isVisible()).resolves.toBe(true);
          const box = await qr.boundingBox();
          expect(box!.width).toBeGreaterThanOrEqual(150);
          const secret = (await page.locator('[data-adieu=totp-secret]').innerText()).replace(/\s/g, '');
          await fits(page, `enrol-${user}`);

          await page.fill(
            'input[name=code]',
            '000000' === totpCodeAt(secret, Date.now()) ? '111111' : '000000',
          );
          await page.click('button[type=submit]');
          await expect(page.getByRole('alert').innerText()).resolves.toMatch(/not correct/);
          await page.fill('input[name=code]', totpCodeAt(secret, Date.now()));
          await page.click('button[type=submit]');
          await page.locator('[data-adieu=recovery-codes]').waitFor({ state: 'visible' });
          expect(await page.locator('[data-adieu=recovery-codes] li').count()).toBe(10);
          await fits(page, `recovery-codes-${user}`);

          await page.getByRole('link', { name: 'Back to your account' }).click();
          await page.locator('[data-adieu=factors]').waitFor({ state: 'visible' });
          await fits(page, `account-${user}`);

          // A new browser: password, then the code.
          const fresh = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
          const second = await fresh.newPage();
          try {
            await second.goto(`${op.issuer}/account`);
            await signIn(second, user);
            await second.getByRole('heading', { name: 'Two-step sign-in' }).waitFor({ state: 'visible' });
            await fits(second, `code-${user}`);
            // A code of the next step: the enrolment spent this one.
            await second.fill('input[name=code]', totpCodeAt(secret, Date.now() + 30_000));
            await second.click('button[type=submit]');
            await second.getByRole('heading', { name: 'Your sign-ins' }).waitFor({ state: 'visible' });
          } finally {
            await fresh.close();
          }
        } finally {
          await context.close();
        }
      });
    }
  }
});
