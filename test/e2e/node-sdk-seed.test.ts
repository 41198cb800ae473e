/**
 * The seed scenario with server-rendered apps on @adieu/node, in real Chromium, across real sites over HTTPS:
 * the provider on idp.test, a portal on portal.test and a service on expenses.test, back-channel logout only.
 * Alice signs in at the portal, opens Expenses (SSO), signs out at the portal; Bob signs in at the portal and
 * opens Expenses: Expenses shows Bob, never Alice. Run with third-party cookies blocked (what Safari, Firefox
 * strict mode and many Chrome users have) and allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePorts, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { COOKIE_MODES, launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSeedApp, testFetch, type SeedApp } from './support/node-sdk-apps.js';

const ok = hasChromium();
const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };

describe.skipIf(!ok).each(COOKIE_MODES)(
  'seed scenario with @adieu/node apps, third-party cookies %s',
  (mode) => {
    let op: TestProvider;
    let portal: SeedApp;
    let expenses: SeedApp;
    let browser: TestBrowser;

    beforeAll(async () => {
      const cert = testCert();
      const [idpPort, portalPort, expensesPort] = await freePorts(3);
      const issuer = `https://idp.test:${idpPort}`;
      const portalUrl = `https://portal.test:${portalPort}`;
      const expensesUrl = `https://expenses.test:${expensesPort}`;
      const client = (id: string, url: string) => ({
        client_id: id,
        client_secret: `${id}-secret-0123456789abcdef`,
        client_name: id === 'portal' ? 'Portal' : 'Expenses',
        redirect_uris: [`${url}/callback`],
        post_logout_redirect_uris: [`${url}/logout/callback`],
        // Back-channel only: with third-party cookies blocked, nothing a front-channel iframe does reaches the app.
        backchannel_logout_uri: `${url}/backchannel-logout`,
      });
      op = await startTestProvider(
        {
          tls: { cert: cert.certFile, key: cert.keyFile },
          resolve: { 'portal.test': '127.0.0.1', 'expenses.test': '127.0.0.1' },
          outbound_ca: [cert.certFile],
          clients: [client('portal', portalUrl), client('expenses', expensesUrl)],
          users: [
            { ...ALICE, name: 'Alice' },
            { ...BOB, name: 'Bob' },
          ],
        },
        { issuer, port: idpPort },
      );
      const fetch = testFetch(cert.cert, { 'idp.test': '127.0.0.1' });
      const common = { issuer, tls: { cert: cert.cert, key: cert.key }, fetch };
      expenses = await startSeedApp({
        ...common,
        name: 'Expenses',
        host: 'expenses.test',
        port: expensesPort,
        clientId: 'expenses',
        clientSecret: 'expenses-secret-0123456789abcdef',
        private: true,
      });
      portal = await startSeedApp({
        ...common,
        name: 'Portal',
        host: 'portal.test',
        port: portalPort,
        clientId: 'portal',
        clientSecret: 'portal-secret-0123456789abcdef',
        links: [{ name: 'Expenses', url: expenses.url }],
      });
      browser = await launchBrowser(mode);
    });

    afterAll(async () => {
      await browser?.close();
      await portal?.close();
      await expenses?.close();
      await op?.close();
    });

    const onLoginPage = (page: Page) =>
      page.waitForURL((u) => u.origin === new URL(op.issuer).origin && u.pathname.startsWith('/interaction'));

    async function signInAt(page: Page, credentials: typeof ALICE) {
      await onLoginPage(page);
      await page.fill('input[name=username]', credentials.username);
      await page.fill('input[name=password]', credentials.password);
      await page.click('button[type=submit]');
    }

    it('Alice signs out at the portal; Bob then signs in, and Expenses shows Bob, never Alice', async () => {
      const step = (name: string, page: Page) => snapshot(page, `node-sdk-seed-${mode}-${name}`);
      const portalTab = await browser.context.newPage();

      // 1. Alice signs in at the portal.
      await portalTab.goto(`${portal.url}/`);
      await portalTab.click('#sign-in');
      await signInAt(portalTab, ALICE);
      await portalTab.waitForURL(`${portal.url}/`);
      await expect.poll(() => portalTab.textContent('#user')).toBe('Alice');
      await step('1-portal-alice', portalTab);

      // 2. She opens Expenses: single sign-on, no password. The tab stays open.
      const expensesTab = await browser.context.newPage();
      await expensesTab.goto(`${expenses.url}/`);
      await expensesTab.waitForURL(`${expenses.url}/`);
      expect(await expensesTab.textContent('#user')).toBe('Alice');
      await step('2-expenses-alice-sso', expensesTab);
      // The browser holds only a random id; the session lives on the Expenses server.
      const aliceAtExpenses = await sessionId(expensesTab, expenses.url);
      expect((await expenses.adieu.store.get(aliceAtExpenses))?.user.name).toBe('Alice');

      // 3. She signs out at the portal (RP-initiated logout); the provider tells Expenses over the back channel.
      const visited: string[] = [];
      portalTab.on('framenavigated', (f) => {
        if (f === portalTab.mainFrame()) visited.push(f.url());
      });
      await portalTab.click('#sign-out');
      // Through the provider's end_session (and its receipt page), then back with the state the portal checks.
      await expect
        .poll(() => visited.filter((u) => u.startsWith(`${op.issuer}/end_session`)).length, {
          timeout: 15_000,
        })
        .toBe(1);
      await expect
        .poll(() => visited.findIndex((u) => u === `${portal.url}/`), { timeout: 30_000 })
        .toBeGreaterThan(visited.findIndex((u) => u.startsWith(`${op.issuer}/end_session`)));
      await portalTab.waitForLoadState();
      expect(await portalTab.textContent('#who')).toBe('Not signed in');
      await step('3-portal-signed-out', portalTab);
      await expect
        .poll(() => expenses.ended.some((e) => e.reason === 'backchannel'), { timeout: 15_000 })
        .toBe(true);
      expect(
        expenses.ended.find((e) => e.reason === 'backchannel')!.sessions.map((s) => s.user.name),
      ).toEqual(['Alice']);
      expect(await expenses.adieu.store.get(aliceAtExpenses)).toBeUndefined();

      // The open Expenses tab learnt it at once (push) and reloaded: it is at the login page, not showing Alice.
      await onLoginPage(expensesTab);
      await step('4-expenses-tab-told-signed-out', expensesTab);

      // 4. Bob signs in at the portal on the same browser.
      await portalTab.click('#sign-in');
      await signInAt(portalTab, BOB);
      await portalTab.waitForURL(`${portal.url}/`);
      expect(await portalTab.textContent('#user')).toBe('Bob');
      await step('5-portal-bob', portalTab);

      // 5. Bob opens Expenses: it must be Bob, never Alice.
      const bobExpenses = await browser.context.newPage();
      await bobExpenses.goto(`${expenses.url}/`);
      await bobExpenses.waitForURL(`${expenses.url}/`);
      expect(await bobExpenses.textContent('#user')).toBe('Bob');
      expect(await bobExpenses.content()).not.toContain('Alice');
      await step('6-expenses-bob', bobExpenses);
      await expensesTab.goto(`${expenses.url}/`);
      expect(await expensesTab.textContent('#user')).toBe('Bob');
    });
  },
);

/** The app session id the browser holds for an origin (the only thing in the cookie). */
async function sessionId(page: Page, url: string): Promise<string> {
  const cookies = await page.context().cookies(url);
  const c = cookies.find((x) => x.name.endsWith('adieu_app'));
  if (!c) throw new Error(`no app session cookie for ${url}: ${cookies.map((x) => x.name).join(', ')}`);
  return c.value;
}
