/**
 * The web console at /admin in real Chromium (issue 16): an admin signs in through the provider itself, a
 * non-admin is refused, alice's sessions are found and one is revoked (her app is told), a failed delivery is
 * retried once the app is back, and every page is looked at on a phone in dark mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startReceiver, type Receiver } from '../support/receivers.js';
import { BrowserSession } from '../support/browser-session.js';
import { discover, signIn } from '../support/oidc.js';

const SECRET = 'console-test-admin-secret-0123';
const PASSWORD = 'correct-horse-battery';
const enabled = hasChromium();

describe.skipIf(!enabled)('the admin console', () => {
  let op: TestProvider;
  let browser: TestBrowser;
  let receiver: Receiver;
  const redirectUri = 'http://localhost:5999/cb';

  const api = (method: string, path: string) =>
    fetch(`${op.issuer}/api/v1${path}`, { method, headers: { authorization: `Bearer ${SECRET}` } });

  beforeAll(async () => {
    receiver = await startReceiver();
    const port = await freePort();
    op = await startTestProvider(
      {
        admin: { bearer_secret: SECRET },
        logout: { backchannel_deadline: 1, backchannel_timeout: 1 },
        clients: [
          {
            client_id: 'shop',
            client_name: 'Shop',
            token_endpoint_auth_method: 'none',
            redirect_uris: [redirectUri],
            backchannel_logout_uri: receiver.url,
          },
        ],
        users: [
          { username: 'alice', password: PASSWORD, name: 'Alice Example', email: 'alice@example.com' },
          { username: 'root', password: PASSWORD, name: 'Ada Admin' },
          { username: 'bob', password: PASSWORD, name: 'Bob' },
        ],
      },
      { port },
    );
    // The API grants the role (the CLI and the console can too).
    expect((await api('PUT', '/users/root/roles/admin')).status).toBe(204);
    // alice signs in to the shop twice: two sessions (two devices).
    const rp = await discover({ issuer: op.issuer, clientId: 'shop', method: 'none', redirectUri });
    for (const ua of [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1',
      'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0',
    ]) {
      await signIn(rp, new BrowserSession(ua), redirectUri, { username: 'alice', password: PASSWORD });
    }
    browser = await launchBrowser('allowed');
  });

  afterAll(async () => {
    await browser?.close();
    await op?.close();
    await receiver?.stop();
  });

  async function signInAs(page: Page, username: string) {
    await page.goto(`${op.issuer}/admin`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
  }

  it('a non-admin is refused with a clear 403 page', async () => {
    const context = (await browser.context.browser()?.newContext()) ?? browser.context;
    const page = await context.newPage();
    const status = page.waitForResponse((r) => r.url().includes('/admin/callback'));
    await signInAs(page, 'bob');
    expect((await status).status()).toBe(403);
    await expect
      .poll(() => page.getByRole('heading', { name: 'You cannot use the console' }).isVisible())
      .toBe(true);
    expect(await page.getByText('does not have the admin role').isVisible()).toBe(true);
    await snapshot(page, 'console-403');
    await page.close();
    // Sign bob's provider session out of this browser profile before the admin signs in.
    await browser.context.clearCookies();
  });

  it('an admin signs in; finds alice; revokes one session and her app is told', async () => {
    const page = await browser.context.newPage();
    await signInAs(page, 'root');
    await page.waitForURL(/\/admin\/users$/);
    expect(await page.getByRole('heading', { name: 'Users' }).isVisible()).toBe(true);
    await page.fill('input[name=q]', 'ali');
    await page.press('input[name=q]', 'Enter');
    await page.getByRole('link', { name: 'alice' }).click();
    await page.waitForURL(/\/admin\/users\/alice$/);
    const rows = page.locator('table.sessions tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByText('Safari on iOS').isVisible()).toBe(true);
    const sid = (await rows.first().getAttribute('data-sid'))!;
    await rows.first().getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(/flash=revoked/);
    expect(await page.getByRole('status').textContent()).toMatch(/session was ended/);
    await expect.poll(() => rows.count()).toBe(1);
    const [told] = await receiver.waitFor(1);
    expect(told!.claims.sid).toBe(sid);
    expect(told!.claims.reason).toBe('admin');
    await snapshot(page, 'console-user');
    // The audit log names the person who did it.
    const audit = (await (await api('GET', '/audit?action=session.revoke')).json()) as {
      items: { actor: { name: string; type: string }; target: { id: string } }[];
    };
    expect(audit.items[0]).toMatchObject({ actor: { name: 'root', type: 'user' }, target: { id: sid } });
    await page.close();
  });

  it('retries a failed delivery after the app comes back up', async () => {
    const page = await browser.context.newPage();
    await receiver.stop();
    await page.goto(`${op.issuer}/admin/users/alice`);
    await page.locator('table.sessions tbody tr').first().getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(/flash=revoked/);
    // The only attempt fails (connection refused) and the 1 s deadline ends the retries: failed.
    await expect
      .poll(
        async () => {
          await page.goto(`${op.issuer}/admin/logouts?outcome=failed`);
          return page.locator('table tbody tr').count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await page.locator('table tbody tr a').first().click();
    await page.waitForURL(/\/admin\/logouts\/lo_/);
    expect(await page.locator('svg.chart').first().isVisible()).toBe(true);
    await receiver.restart();
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.waitForURL(/flash=retried/);
    await receiver.waitFor(2);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('.badge', { hasText: 'delivered' }).count();
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    await snapshot(page, 'console-logout');
    await page.close();
  });

  it('refuses CSRF-less and stale posts, and odd filters, with a readable page and no change', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${op.issuer}/admin/users`);
    // A post without the session's token (another site's form): refused, nothing changed.
    const res = await page.request.post(`${op.issuer}/admin/users/bob/disable`, { form: { csrf: 'nope' } });
    expect(res.status()).toBe(403);
    expect(await res.text()).toMatch(/This form has expired/);
    const bob = (await (await api('GET', '/users?q=bob')).json()) as { items: { disabled: boolean }[] };
    expect(bob.items[0]!.disabled).toBe(false);
    // Odd filters: readable 400 pages.
    for (const q of [`since=yesterday`, `reason=${'x'.repeat(5000)}`, 'before=garbage', 'outcome=maybe']) {
      const r = await page.goto(`${op.issuer}/admin/logouts?${q}`);
      expect(r!.status()).toBeGreaterThanOrEqual(400);
      expect(r!.status()).toBeLessThan(500);
      expect(await page.getByRole('alert').isVisible()).toBe(true);
    }
    await page.close();
  });

  it('looks right on a phone in dark mode, on every page', { timeout: 240_000 }, async () => {
    const context = browser.context;
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    const logouts = (await (await api('GET', '/logouts/search?limit=1')).json()) as {
      items: { id: string }[];
    };
    expect(logouts.items.length).toBe(1);
    for (const path of [
      '/admin/users',
      '/admin/users/alice',
      '/admin/clients',
      '/admin/clients/shop',
      '/admin/keys',
      '/admin/logouts',
      `/admin/logouts/${logouts.items[0]!.id}`,
      '/admin/live',
      '/admin/doctor',
      '/admin/audit',
    ]) {
      const r = await page.goto(`${op.issuer}${path}`);
      expect(r!.status(), path).toBe(200);
      expect(await page.locator('h1').isVisible()).toBe(true);
      // Nothing wider than the phone's screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
      await snapshot(page, `console-phone-dark${path.replace(/\//g, '-')}`);
    }
    await page.goto(`${op.issuer}/admin/doctor`);
    await page.selectOption('select[name=client]', 'shop');
    await page.getByRole('button', { name: 'Run the checks' }).click();
    await page.locator('[data-case=alg_none]').waitFor();
    // The test receiver answers 200 to anything, so the doctor names every bad token it took.
    expect(await page.locator('[data-check=accepts_alg_none]').isVisible()).toBe(true);
    await snapshot(page, 'console-phone-dark-doctor-report');
    await page.close();
  });
});
