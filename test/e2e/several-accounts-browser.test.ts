/**
 * Issue 19 in real Chromium, cross-site over HTTPS, third-party cookies allowed and blocked: Alice and Bob signed
 * in in one browser. Alice uses the Portal (server-rendered, @adieu/node, back-channel logout), Bob uses
 * Expenses (the same), and the single-page app (@adieu/browser, front-channel page and push) holds both
 * accounts, picked through the provider's account picker. Every way Alice's session can end — RP-initiated
 * with `logout_hint`, with `id_token_hint` (the Portal's own sign-out), the provider's chooser page, an
 * administrator revoking Alice, Alice's idle timeout — must leave Bob untouched: Expenses gets no logout token
 * and still shows Bob, the single-page app still shows Bob (and only Alice is gone from its list), the
 * provider keeps Bob's session, and `prompt=none` for Bob still succeeds with the same `sid`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { COOKIE_MODES, launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSeedApp, testFetch, type SeedApp } from './support/node-sdk-apps.js';
import {
  ADMIN_SECRET,
  USERS,
  events,
  leaveApp,
  loginRedirect,
  openApp,
  providerConfig,
  resetBrowser,
  startSdkApps,
  status,
  waitAppLoaded,
  withSnapshots,
  type AW,
  type SdkApps,
} from './support/sdk-apps.js';
import { freePorts, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import type { FetchLike } from '../../packages/node/src/index.js';

const run = hasChromium();
const secret = (id: string) => `${id}-secret-0123456789abcdef`;

let op: TestProvider;
let apps: SdkApps;
let portal: SeedApp;
let expenses: SeedApp;
let fetchIdp: FetchLike;

beforeAll(async () => {
  if (!run) return;
  const cert = testCert();
  const [idpPort, portalPort, expensesPort] = await freePorts(3);
  const issuer = `https://idp.test:${idpPort}`;
  apps = await startSdkApps(issuer, cert);
  const nodeClient = (id: string, name: string, url: string) => ({
    client_id: id,
    client_name: name,
    client_secret: secret(id),
    redirect_uris: [`${url}/callback`],
    post_logout_redirect_uris: [`${url}/logout/callback`],
    backchannel_logout_uri: `${url}/backchannel-logout`,
  });
  const portalUrl = `https://portal.test:${portalPort}`;
  const expensesUrl = `https://expenses.test:${expensesPort}`;
  const base = providerConfig(apps);
  op = await startTestProvider(
    {
      ...base,
      tls: { cert: cert.certFile, key: cert.keyFile },
      resolve: { 'portal.test': '127.0.0.1', 'expenses.test': '127.0.0.1' },
      outbound_ca: [cert.certFile],
      clients: [
        ...(base.clients ?? []),
        nodeClient('portal', 'Portal', portalUrl),
        nodeClient('expenses', 'Expenses', expensesUrl),
      ],
    },
    { issuer, port: idpPort },
  );
  fetchIdp = testFetch(cert.cert, { 'idp.test': '127.0.0.1' });
  const common = { issuer, tls: { cert: cert.cert, key: cert.key }, fetch: fetchIdp };
  portal = await startSeedApp({
    ...common,
    name: 'Portal',
    host: 'portal.test',
    port: portalPort,
    clientId: 'portal',
    clientSecret: secret('portal'),
  });
  expenses = await startSeedApp({
    ...common,
    name: 'Expenses',
    host: 'expenses.test',
    port: expensesPort,
    clientId: 'expenses',
    clientSecret: secret('expenses'),
  });
}, 60_000);
afterAll(async () => {
  await portal?.close();
  await expenses?.close();
  await op?.close();
  await apps?.close();
});

/**
 * What a person sees on a server-rendered app: the visible user's name (`Alice`, `Bob`), `nobody` when the page
 * visibly says nobody is signed in, and `unclear` otherwise (so that neither answer can come from hidden text).
 */
async function shown(page: Page, app: SeedApp): Promise<string> {
  await page.goto(`${app.url}/`);
  const user = page.locator('#user');
  if ((await user.count()) && (await user.isVisible())) return user.innerText();
  const who = page.locator('#who');
  return (await who.isVisible()) && (await who.innerText()) === 'Not signed in' ? 'nobody' : 'unclear';
}

/** Sign in at a server-rendered app through its /login (with the provider's login page). */
async function signInAt(page: Page, app: SeedApp, user: (typeof USERS)['alice'], params = {}) {
  await page.goto(`${app.url}/login?${new URLSearchParams(params)}`);
  await page.waitForSelector('input[name=password]');
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('button.primary');
  await page.waitForURL(`${app.url}/`);
  expect(await shown(page, app)).toBe(user.name);
}

/** The app session behind this browser's cookie at a server-rendered app. */
async function appSession(page: Page, app: SeedApp) {
  const cookies = await page.context().cookies(app.url);
  const id = cookies.find((c) => c.name === app.adieu.config.cookies.session)?.value;
  return id ? app.adieu.store.get(id) : undefined;
}

/** The single-page app's accounts as the page lists them, and its status line (the active account). */
async function spaView(page: Page) {
  const items = page.locator('#accounts li');
  const visible = await Promise.all((await items.all()).map((li) => li.isVisible()));
  expect(visible.every(Boolean) && (await page.locator('#status').isVisible())).toBe(true);
  return { accounts: await items.allInnerTexts(), active: await status(page) };
}

describe.runIf(run).each(COOKIE_MODES)('several accounts in one browser, third-party cookies %s', (mode) => {
  let b: TestBrowser;
  beforeAll(async () => {
    b = await launchBrowser(mode);
  });
  afterAll(async () => {
    await b?.close();
  });
  beforeEach(async () => {
    await resetBrowser(b, apps);
  });

  /**
   * Alice at the Portal, Bob at Expenses, both in the single-page app (Alice picked in the provider's account
   * picker, Bob by login_hint); the app watches its sessions (push) in a tab of its own.
   */
  async function aliceAndBob() {
    const tab = await b.context.newPage();
    await signInAt(tab, portal, USERS.alice);
    await signInAt(tab, expenses, USERS.bob, { prompt: 'login' });

    const spa = await openApp(await b.context.newPage(), apps.app('spa.test'));
    await leaveApp(
      spa,
      () => void (window as AW).client.loginRedirect({ prompt: 'select_account' }),
      undefined,
    );
    await spa.waitForSelector('button[name=account]');
    expect(await spa.locator('button[name=account]').count()).toBe(2);
    await spa.locator('button[name=account]', { hasText: 'alice' }).click();
    await waitAppLoaded(spa);
    expect((await loginRedirect(spa, USERS.bob, { loginHint: 'bob' })).loginShown).toBe(false);
    expect(await spaView(spa)).toEqual({ accounts: ['alice', 'bob'], active: 'bob' });
    await spa.evaluate(() => {
      (window as AW).monitor = (window as AW).client.monitorSession();
    });
    const accounts = await spa.evaluate(() =>
      Object.fromEntries(
        (window as AW).client
          .getAllAccounts()
          .map((a) => [a.username, { sid: a.sid!, hint: a.idTokenClaims!.login_hint! }]),
      ),
    );
    const alice = accounts.alice!;
    const bob = accounts.bob!;
    expect(alice.sid).not.toBe(bob.sid);
    expect((await appSession(tab, portal))?.sid).toBe(alice.sid);
    expect((await appSession(tab, expenses))?.sid).toBe(bob.sid);
    expenses.ended.length = 0;
    portal.ended.length = 0;
    return { tab, spa, alice, bob };
  }

  /** Alice's apps are empty, Bob's untouched in every way a person or an app can tell. */
  async function aliceGoneBobUntouched(s: Awaited<ReturnType<typeof aliceAndBob>>, name: string) {
    const { tab, spa, alice, bob } = s;
    // Alice's apps: the Portal shows nobody, the single-page app lists Bob alone, still active.
    await expect.poll(() => shown(tab, portal), { timeout: 20_000, interval: 500 }).toBe('nobody');
    await spa.waitForFunction(
      () => [...document.querySelectorAll('#accounts li')].map((li) => li.textContent).join() === 'bob',
      undefined,
      { timeout: 20_000 },
    );
    expect(await spaView(spa)).toEqual({ accounts: ['bob'], active: 'bob' });
    await snapshot(spa, `several-accounts-${mode}-${name}-spa`);
    expect((await op.provider.store.sessions.findBySid(alice.sid))!.ended_at).not.toBeNull();

    // Bob: his session lives, his apps heard nothing and still show him.
    expect((await op.provider.store.sessions.findBySid(bob.sid))!.ended_at).toBeNull();
    await new Promise((r) => setTimeout(r, 1000)); // the back channel is asynchronous: give it time to be wrong
    expect(expenses.ended).toEqual([]);
    expect(await shown(tab, expenses)).toBe('Bob');
    expect((await appSession(tab, expenses))?.sid).toBe(bob.sid);
    const told = (await events(spa))
      .filter((e) => e.type === 'adieu:sessionEnded')
      .map((e) => e.payload?.sid);
    expect(told).not.toContain(bob.sid);
    await snapshot(tab, `several-accounts-${mode}-${name}-expenses`);

    // prompt=none for Bob still succeeds, in the same SSO session: at the single-page app...
    await loginRedirect(spa, USERS.bob, { prompt: 'none' });
    const result = await spa.evaluate(
      () => ({
        sid: (window as AW & { redirectResult?: { account: { sid?: string } } }).redirectResult?.account.sid,
        error: (window as AW & { redirectError?: unknown }).redirectError,
      }),
      120_000,
    );
    expect(result).toEqual({ sid: bob.sid, error: undefined });
    // ...and at Expenses, whose new app session belongs to the same sid.
    await tab.goto(`${expenses.url}/login?prompt=none`);
    await tab.waitForURL(`${expenses.url}/`);
    expect(await shown(tab, expenses)).toBe('Bob');
    expect((await appSession(tab, expenses))?.sid).toBe(bob.sid);
  }

  it(
    'RP-initiated logout with logout_hint (and client_id) ends Alice only',
    () =>
      withSnapshots(b, 'several-accounts-logout-hint', async () => {
        const s = await aliceAndBob();
        const params = new URLSearchParams({ logout_hint: s.alice.hint, client_id: 'portal' });
        await s.tab.goto(`${op.issuer}/end_session?${params}`);
        // The receipt says who was signed out and who is still signed in here.
        await s.tab.waitForSelector('body[data-receipt=ready]', { timeout: 30_000 });
        expect(await s.tab.locator('h1').innerText()).toBe('Signed out Alice');
        const staying = s.tab.locator('[data-adieu=still-signed-in]');
        expect(await staying.isVisible()).toBe(true);
        expect(await staying.innerText()).toBe('Bob is still signed in on this browser.');
        for (const width of [390, 1280]) {
          for (const colorScheme of ['light', 'dark'] as const) {
            await s.tab.setViewportSize({ width, height: 800 });
            await s.tab.emulateMedia({ colorScheme });
            await snapshot(s.tab, `several-accounts-${mode}-one-receipt-${width}-${colorScheme}`);
          }
        }
        await s.tab.emulateMedia({ colorScheme: null });
        await aliceGoneBobUntouched(s, 'logout-hint');
        expect(portal.ended.flatMap((e) => e.sessions.map((x) => x.sid))).toContain(s.alice.sid);
      }),
    120_000,
  );

  it(
    'RP-initiated logout with id_token_hint (the Portal’s own sign-out) ends Alice only',
    () =>
      withSnapshots(b, 'several-accounts-id-token-hint', async () => {
        const s = await aliceAndBob();
        await s.tab.goto(`${portal.url}/`);
        await s.tab.click('#sign-out');
        // The provider's receipt moves on by itself, back to the Portal.
        await s.tab.waitForURL(`${portal.url}/`, { timeout: 30_000 });
        expect(await s.tab.locator('#who').innerText()).toBe('Not signed in');
        await aliceGoneBobUntouched(s, 'id-token-hint');
      }),
    120_000,
  );

  it(
    'the chooser page: picking Alice ends Alice only',
    () =>
      withSnapshots(b, 'several-accounts-chooser', async () => {
        const s = await aliceAndBob();
        await s.tab.goto(`${op.issuer}/end_session`);
        const choices = s.tab.locator('button[name=account]');
        await choices.first().waitFor();
        expect(await choices.count()).toBe(3); // Bob, Alice, all accounts
        await expect.poll(() => s.tab.locator('[data-adieu=all-accounts]').isVisible()).toBe(true);
        await snapshot(s.tab, `several-accounts-${mode}-chooser`);
        await s.tab.locator(`button[name=account][value="${s.alice.hint}"]`).click();
        await aliceGoneBobUntouched(s, 'chooser');
      }),
    120_000,
  );

  it(
    '"Sign out of all accounts": the receipt lists every app of both accounts, and each account’s front-channel frame ran',
    () =>
      withSnapshots(b, 'several-accounts-all', async () => {
        const s = await aliceAndBob();
        await s.tab.goto(`${op.issuer}/end_session`);
        await s.tab.locator('[data-adieu=all-accounts]').click();
        await s.tab.waitForSelector('body[data-receipt=ready]', { timeout: 30_000 });
        await snapshot(s.tab, `several-accounts-${mode}-all-receipt`);
        // One frame per ended session's front-channel app: the single-page app, once for Alice, once for Bob.
        const frames = await s.tab
          .locator('.frames iframe')
          .evaluateAll((fs) =>
            fs.map(
              (f) =>
                `${f.getAttribute('data-client')} ${new URL(f.getAttribute('src')!).searchParams.get('sid')}`,
            ),
          );
        expect(frames.sort()).toEqual([`spa ${s.alice.sid}`, `spa ${s.bob.sid}`].sort());
        // Each account's section shows a visible row per app it used.
        const sections = s.tab.locator('section[data-logout]');
        expect(await sections.count()).toBe(2);
        const rows: Record<string, string[]> = {};
        for (const section of await sections.all()) {
          const items = section.locator('li[data-client]');
          for (const li of await items.all()) expect(await li.isVisible()).toBe(true);
          const clients = await items.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-client')!));
          rows[(await op.provider.logout.report((await section.getAttribute('data-logout'))!))!.sid!] =
            clients.sort();
        }
        expect(rows).toEqual({ [s.alice.sid]: ['portal', 'spa'], [s.bob.sid]: ['expenses', 'spa'] });
        // Each frame's own script ran and answered: it cleared the account (cookies allowed), or said that this
        // browser partitions its storage in a frame (blocked). Either way not a silent timeout.
        for (const sid of [s.alice.sid, s.bob.sid]) {
          const [logout] = await op.provider.store.logouts.listBySid(sid);
          const report = await op.provider.logout.report(logout!.id);
          const spa = report!.participants.find((x) => x.client_id === 'spa')!;
          expect(spa.channels.frontchannel).toMatchObject(
            mode === 'allowed'
              ? { status: 'acknowledged' }
              : { status: 'failed', detail: 'storage-partitioned' },
          );
        }
        // Both accounts are gone from the provider and from the server-rendered apps.
        for (const sid of [s.alice.sid, s.bob.sid]) {
          expect((await op.provider.store.sessions.findBySid(sid))!.ended_at).not.toBeNull();
        }
        await expect.poll(() => shown(s.tab, portal), { timeout: 20_000, interval: 500 }).toBe('nobody');
        await expect.poll(() => shown(s.tab, expenses), { timeout: 20_000, interval: 500 }).toBe('nobody');
      }),
    120_000,
  );

  it(
    'an administrator revoking Alice’s sign-in sessions leaves Bob alone',
    () =>
      withSnapshots(b, 'several-accounts-admin', async () => {
        const s = await aliceAndBob();
        const res = await fetchIdp(`${op.issuer}/api/v1/users/alice/revokeSignInSessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_SECRET}` },
        });
        expect(res.status).toBe(204);
        await aliceGoneBobUntouched(s, 'admin');
      }),
    120_000,
  );

  it(
    'Alice’s idle timeout ends Alice only',
    () =>
      withSnapshots(b, 'several-accounts-idle', async () => {
        const s = await aliceAndBob();
        await op.provider.store.sessions.touch(s.alice.sid, Date.now() - 60_000, Date.now() - 1);
        await op.provider.sweeper.sweep();
        await aliceGoneBobUntouched(s, 'idle');
      }),
    120_000,
  );
});
