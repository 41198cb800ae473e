/**
 * What a person sees in the demo, checked with Playwright visibility (not only text): the `hidden` attribute
 * wins over the demo's CSS (Bookings once showed "Sign out everywhere" to nobody and "Sign in" to Alice), and a
 * cancelled or failed sign-in shows a plain message and a way to try again in every app — no stack trace, no raw
 * JSON, no page stuck on "…". Screenshots at phone width in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '@adieu/server/testing';
import { hasChromium } from '../../../test/support/env.js';
import { launchBrowser, snapshot, type TestBrowser } from '../../../test/e2e/support/chromium.js';
import { startDemo, type Demo } from '../src/demo.js';

const enabled = hasChromium();

describe.skipIf(!enabled)('portal demo: what shows, and the error paths', () => {
  let demo: Demo;
  let dataDir: string;
  let browser: TestBrowser;
  const url = (site: 'portal' | 'bookings' | 'expenses', path = '/') => `${demo.sites.origin(site)}${path}`;

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
    browser = await launchBrowser('allowed');
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const newPage = async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    return page;
  };
  const visible = (page: Page, selector: string) => page.locator(selector).isVisible();

  /** On the provider's login page, press "Cancel and return to the app". */
  async function cancelAtLogin(page: Page) {
    await page.waitForSelector('input[name=username]');
    await page.click('text=Cancel and return to the app');
  }

  async function expectPlainProblem(page: Page, app: string) {
    await page.locator('#problem').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#problem').innerText()).toMatch(/cancelled the sign-in/);
    expect(await visible(page, '#signin')).toBe(true);
    expect(await page.locator('#signin').innerText()).toBe('Try again');
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/node_modules|\bat .*\.js:\d+|"error"|statusCode|AdieuError/);
    await snapshot(page, `demo-${app}-sign-in-cancelled`);
  }

  it('Bookings shows exactly the buttons that fit who is signed in; a cancelled sign-in says so and offers Try again', async () => {
    const page = await newPage();
    await page.goto(url('bookings'));
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.locator('#who').innerText()).toBe('Nobody');
    expect(await visible(page, '#signin')).toBe(true);
    expect(await visible(page, '#signout')).toBe(false);
    expect(await visible(page, '#signout-local')).toBe(false);
    expect(await visible(page, '#problem')).toBe(false);
    await snapshot(page, 'demo-bookings-nobody');

    await page.click('#signin');
    await cancelAtLogin(page);
    await page.waitForURL(`${url('bookings')}**`);
    await expectPlainProblem(page, 'bookings');
    expect(await page.locator('#who').innerText()).toBe('Nobody');

    // Try again works, and once signed in only the sign-out buttons show.
    await page.click('#signin');
    await page.waitForSelector('input[name=username]');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice');
    await page.click('button[type=submit]');
    await page.waitForURL(`${url('bookings')}**`);
    await page.waitForSelector('body[data-user=alice]');
    expect(await visible(page, '#signout')).toBe(true);
    expect(await visible(page, '#signout-local')).toBe(true);
    expect(await visible(page, '#signin')).toBe(false);
    expect(await visible(page, '#problem')).toBe(false);
    await snapshot(page, 'demo-bookings-alice');
    await page.click('#signout-local');
    await page.waitForSelector('body[data-user=""]');
    expect(await visible(page, '#signin')).toBe(true);
    expect(await visible(page, '#signout')).toBe(false);
    await page.close();
    await browser.context.clearCookies();
  });

  for (const app of ['portal', 'expenses'] as const) {
    it(`${app}: a cancelled sign-in shows a plain message and Try again leads back to the login page`, async () => {
      const page = await newPage();
      await page.goto(url(app));
      expect(await visible(page, '#signin')).toBe(true);
      expect(await visible(page, '#signout')).toBe(false);
      await page.click('#signin');
      await cancelAtLogin(page);
      await page.waitForURL(`${url(app)}**`);
      await expectPlainProblem(page, app);
      await page.click('#signin');
      await page.waitForSelector('input[name=username]');
      expect(await visible(page, 'input[name=password]')).toBe(true);
      await page.close();
    });
  }
});
