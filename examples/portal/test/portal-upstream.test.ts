/**
 * Issue 13 in the demo, in real Chromium, with third-party cookies allowed and blocked: "Acme Corp" (an upstream
 * OpenID provider in its own process, on a fifth site) signs Dave in. Continue with Acme Corp → Acme's own
 * sign-in → SSO into Portal and Bookings → sign out at the Portal → the receipt has Acme's row and the browser
 * goes through Acme's sign-out → back at the Portal, whose "last logout" panel says Acme signed Dave out too → the
 * next "Continue with Acme Corp" asks Acme for the password again. Also the other direction: signing out at Acme
 * itself signs the apps out (Acme's back-channel logout to Adieu).
 *
 * `ADIEU_README_IMAGES=1` also writes the README's screenshots (docs/images/demo-upstream-*.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { freePort } from '@adieu/server/testing';
import { hasChromium } from '../../../test/support/env.js';
import {
  COOKIE_MODES,
  launchBrowser,
  snapshot,
  type TestBrowser,
} from '../../../test/e2e/support/chromium.js';
import { startDemo, type Demo } from '../src/demo.js';
import { ACME_USERS } from '../src/acme-people.js';

const enabled = hasChromium();
const DAVE = ACME_USERS[0]!;
const IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

describe.skipIf(!enabled).each(COOKIE_MODES)('portal demo with Acme Corp, third-party cookies %s', (mode) => {
  let demo: Demo;
  let dataDir: string;
  let browser: TestBrowser;
  let step = 0;
  const shot = (page: Page, name: string) =>
    snapshot(page, `upstream-${mode}-${String(++step).padStart(2, '0')}-${name}`);
  /** A screenshot for the README (only from one cookie mode, and only when asked for). */
  const readmeShot = async (page: Page, name: string) => {
    const file = await shot(page, name);
    if (process.env.ADIEU_README_IMAGES === '1' && mode === 'allowed')
      copyFileSync(file, join(IMAGES, `demo-upstream-${name}.png`));
  };
  const url = (site: 'portal' | 'bookings' | 'expenses' | 'idp' | 'acme', path = '/') =>
    `${demo.sites.origin(site)}${path}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'adieu-demo-'));
    demo = await startDemo({
      dataDir,
      quiet: true,
      ports: {
        idp: await freePort(),
        portal: await freePort(),
        bookings: await freePort(),
        expenses: await freePort(),
        acme: await freePort(),
      },
    });
    browser = await launchBrowser(mode);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const who = (page: Page) => page.locator('#who').textContent();
  const visible = (page: Page, selector: string) => page.locator(selector).isVisible();

  /** Portal → Sign in → "Continue with Acme Corp": lands on Acme's own sign-in page (another site). */
  async function continueWithAcme(page: Page) {
    await page.goto(url('portal'));
    await page.click('#signin');
    const button = page.getByRole('button', { name: 'Continue with Acme Corp' });
    await button.waitFor({ state: 'visible' });
    await button.click();
    await page.locator('#acme-username').waitFor({ state: 'visible', timeout: 20_000 });
    expect(new URL(page.url()).origin).toBe(url('acme', ''));
    expect(await page.locator('#acme-title').innerText()).toBe('Sign in to Acme Corp');
  }

  async function signInAtAcme(page: Page, password = DAVE.password) {
    await page.fill('#acme-username', DAVE.username);
    await page.fill('#acme-password', password);
    await page.click('#acme-signin');
  }

  /** Open a service the way the portal links to it (sign-in on arrival, silent thanks to SSO). */
  async function openFromPortal(page: Page, service: 'bookings' | 'expenses') {
    await page.goto(url('portal'));
    await page.click(`#open-${service}`);
    await page.waitForURL(`${url(service)}**`);
    await page.waitForFunction(() => {
      const w = document.getElementById('who')?.textContent;
      return w && w !== '…' && w !== 'Nobody';
    });
    expect(page.url()).not.toContain(demo.sites.host('idp'));
    expect(page.url()).not.toContain(demo.sites.host('acme'));
  }

  it('Continue with Acme Corp, SSO, then sign-out at the Portal signs Dave out of Acme too', async () => {
    const page = await browser.context.newPage();
    await page.goto(url('portal'));
    await page.click('#signin');
    await page.getByRole('button', { name: 'Continue with Acme Corp' }).waitFor({ state: 'visible' });
    await shot(page, 'login');
    await page.getByRole('button', { name: 'Continue with Acme Corp' }).click();
    await page.locator('#acme-username').waitFor({ state: 'visible', timeout: 20_000 });

    // A wrong password stays at Acme, and says so.
    await signInAtAcme(page, 'not-daves-password');
    await page.locator('#acme-error').waitFor({ state: 'visible' });
    expect(await page.locator('#acme-error').innerText()).toBe('Wrong username or password.');
    await shot(page, 'acme-wrong-password');

    await signInAtAcme(page);
    await page.waitForURL(url('portal'), { timeout: 20_000 });
    expect(await who(page)).toBe(DAVE.name);
    await shot(page, 'dave-at-portal');
    await openFromPortal(page, 'bookings');
    expect(await who(page)).toBe(DAVE.name);
    await openFromPortal(page, 'expenses');
    expect(await who(page)).toBe(DAVE.name);

    // Sign out at the Portal: Adieu's receipt names Acme Corp, then Acme asks, then back to the Portal.
    await page.goto(url('portal'));
    await page.click('#signout');
    await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
    const row = page.locator('#upstream li[data-upstream=acme]');
    await row.waitFor({ state: 'visible' });
    expect(await row.innerText()).toContain('Signing you out at Acme Corp next');
    await readmeShot(page, 'receipt');
    await page.locator('#acme-signout').waitFor({ state: 'visible', timeout: 20_000 });
    expect(new URL(page.url()).origin).toBe(url('acme', ''));
    expect(await page.locator('#acme-title').innerText()).toBe('Sign out of Acme Corp?');
    await shot(page, 'acme-asks-to-sign-out');
    await page.click('#acme-signout');
    await page.waitForURL(`${url('portal')}**`, { timeout: 20_000 });
    expect(await who(page)).toBe('Nobody');

    // The Portal's "last logout" panel reads the provider's record: every app, and Acme ended too.
    await page.goto(url('portal'));
    const upstream = page.locator('#last-logout li[data-upstream=acme]');
    await expect.poll(() => upstream.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await upstream.innerText()).toContain('Signed out at Acme Corp too');
    expect(await page.locator('#last-logout').innerText()).toContain(DAVE.name);
    await readmeShot(page, 'last-logout');
    for (const app of ['bookings', 'expenses'] as const) {
      await page.goto(url(app));
      if (app === 'bookings') await page.waitForSelector('body[data-ready=true]');
      expect(await who(page), app).toBe('Nobody');
    }

    // Shared device: the next "Continue with Acme Corp" asks Acme for the password again.
    await continueWithAcme(page);
    expect(await visible(page, '#acme-password')).toBe(true);
    await shot(page, 'acme-asks-again');
    await signInAtAcme(page);
    await page.waitForURL(url('portal'), { timeout: 20_000 });
    expect(await who(page)).toBe(DAVE.name);
    await page.close();
  }, 180_000); // two upstream sign-ins and a federated logout across five sites

  it('home-realm discovery: typing dave@acme.example at the provider goes to Acme, name filled in', async () => {
    const b = await launchBrowser(mode);
    try {
      const page = await b.context.newPage();
      await page.goto(url('portal'));
      await page.click('#signin');
      await page.fill('input[name=username]', DAVE.email);
      await page.click('button[type=submit]');
      await page.locator('#acme-username').waitFor({ state: 'visible', timeout: 20_000 });
      expect(new URL(page.url()).origin).toBe(url('acme', ''));
      expect(await page.locator('#acme-username').inputValue()).toBe(DAVE.username);
      await page.fill('#acme-password', DAVE.password);
      await page.click('#acme-signin');
      await page.waitForURL(url('portal'), { timeout: 20_000 });
      expect(await who(page)).toBe(DAVE.name);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('signing out at Acme itself signs the apps out (Acme tells Adieu by back channel)', async () => {
    const page = await browser.context.newPage();
    // Signed in from the test before, or again now.
    await page.goto(url('portal'));
    if ((await who(page)) !== DAVE.name) {
      await continueWithAcme(page);
      await signInAtAcme(page);
      await page.waitForURL(url('portal'), { timeout: 20_000 });
    }
    await openFromPortal(page, 'expenses');
    expect(await who(page)).toBe(DAVE.name);

    await page.goto(url('acme'));
    await page.click('#acme-end');
    await page.locator('#acme-signout').waitFor({ state: 'visible' });
    await page.click('#acme-signout');
    await page
      .getByRole('heading', { name: 'You are signed out of Acme Corp' })
      .waitFor({ state: 'visible' });
    await shot(page, 'signed-out-at-acme');

    for (const app of ['portal', 'expenses'] as const) {
      await expect
        .poll(
          async () => {
            await page.goto(url(app));
            return who(page);
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe('Nobody');
    }
    await page.goto(url('portal'));
    await expect
      .poll(() => page.locator('#last-logout').innerText(), { timeout: 10_000 })
      .toContain('signed out at the service used to sign in');
    await shot(page, 'portal-after-acme-signout');
    await page.close();
  }, 120_000);
});
