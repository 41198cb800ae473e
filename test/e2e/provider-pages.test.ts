/**
 * The provider's own pages in real Chromium, across real sites, with third-party cookies allowed and blocked:
 * login, logout confirmation, the live logout receipt, the account page and check_session_iframe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { COOKIE_MODES, launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { frontchannelPage, startSite, textPage, type Site } from './support/sites.js';
import { startReceiver, type Receiver } from '../support/receivers.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const enabled = hasChromium();

describe.skipIf(!enabled).each(COOKIE_MODES)('provider pages with third-party cookies %s', (mode) => {
  let op: TestProvider;
  let browser: TestBrowser;
  const sites: Record<string, Site> = {};
  const receivers: Record<string, Receiver> = {};
  const apps = ['rp', 'rp2'] as const;

  beforeAll(async () => {
    const { certFile, keyFile, cert, key } = testCert();
    const port = await freePort();
    const issuer = `https://idp.test:${port}`;
    for (const a of apps) {
      sites[a] = await startSite(`${a}.test`, {
        '/cb': textPage(`${a} signed in`),
        '/bye': textPage(`${a} signed out`),
        '/frontchannel': frontchannelPage(new URL(issuer).origin),
      });
      receivers[a] = await startReceiver({ https: { cert, key } });
    }
    op = await startTestProvider(
      {
        tls: { cert: certFile, key: keyFile },
        outbound_ca: [certFile],
        resolve: { 'rp.test': '127.0.0.1', 'rp2.test': '127.0.0.1' },
        logout: { frontchannel_timeout: 4 },
        clients: apps.map((a) => ({
          client_id: a,
          client_name: a === 'rp' ? 'Portal' : 'Bookings',
          token_endpoint_auth_method: 'none' as const,
          redirect_uris: [`${sites[a]!.origin}/cb`],
          post_logout_redirect_uris: [`${sites[a]!.origin}/bye`],
          frontchannel_logout_uri: `${sites[a]!.origin}/frontchannel`,
          backchannel_logout_uri: `https://${a}.test:${receivers[a]!.port}/backchannel-logout`,
        })),
        users: [{ ...ALICE, name: 'Alice Example' }],
      },
      { issuer, port },
    );
    browser = await launchBrowser(mode);
  });

  afterAll(async () => {
    await browser?.close();
    await op?.close();
    for (const s of Object.values(sites)) await s.close();
    for (const r of Object.values(receivers)) await r.stop();
  });

  const authorizeUrl = (app: (typeof apps)[number], extra: Record<string, string> = {}) => {
    const verifier = randomBytes(32).toString('base64url');
    const u = new URL(`${op.issuer}/authorize`);
    u.search = new URLSearchParams({
      client_id: app,
      redirect_uri: `${sites[app]!.origin}/cb`,
      response_type: 'code',
      scope: 'openid profile',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return u.toString();
  };

  it('login, SSO, logout confirmation and the live receipt tell the truth per app and channel', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl('rp'));
    await expect(page.locator('input[name=username]')).toBeDefined();
    await snapshot(page, `${mode}-01-login`);
    await page.fill('input[name=username]', ALICE.username);
    await page.fill('input[name=password]', ALICE.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${sites.rp!.origin}/cb?**`);
    await page.goto(authorizeUrl('rp2'));
    await page.waitForURL(`${sites.rp2!.origin}/cb?**`);

    // An RP that knows only its client_id: the provider asks before signing anyone out.
    const end = new URL(`${op.issuer}/end_session`);
    end.search = new URLSearchParams({
      client_id: 'rp',
      post_logout_redirect_uri: `${sites.rp!.origin}/bye`,
      state: 's-1',
    }).toString();
    await page.goto(end.toString());
    await page.waitForSelector('button[name=confirm][value=yes]');
    expect(await page.textContent('main')).toContain('Alice Example');
    expect(await page.textContent('main')).toContain('Bookings');
    await snapshot(page, `${mode}-02-confirm`);
    await page.click('button[name=confirm][value=yes]');
    await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
    // It says where it goes and when (long enough to read), then goes there by itself.
    const countdown = await page.locator('#countdown').evaluate((el) => ({
      visible: !(el as HTMLElement).hidden,
      text: el.textContent,
    }));
    expect(countdown.visible).toBe(true);
    expect(countdown.text).toMatch(/^Returning to the app in \d seconds?\./);
    // Read before the (slow) screenshot: the receipt moves on to the app by itself shortly after it is ready.
    const statuses = await page.$$eval('ul.apps li', (lis) =>
      lis.map((li) => ({
        app: li.getAttribute('data-client'),
        status: li.querySelector('.status')?.textContent,
        channels: li.querySelector('.channels')?.textContent,
      })),
    );
    await snapshot(page, `${mode}-03-receipt`);
    expect(statuses.map((s) => s.app).sort()).toEqual(['rp', 'rp2']);
    for (const s of statuses) expect(s.status).toBe('Signed out');
    await page.waitForURL(`${sites.rp!.origin}/bye?state=s-1`, { timeout: 20_000 });

    const [logout] = await op.provider.store.logouts.listBySid(
      (await op.provider.store.logouts.listByParticipant('rp', 1))[0]!.sid!,
    );
    const report = (await op.provider.logout.report(logout!.id))!;
    expect(report.reason).toBe('rp');
    for (const p of report.participants) {
      expect(p.channels.backchannel!.status).toBe('delivered');
      // Allowed: the frame could clear its storage and said so. Blocked: it could not, and said that instead.
      expect(p.channels.frontchannel!.status).toBe(mode === 'allowed' ? 'acknowledged' : 'failed');
      if (mode === 'blocked') expect(p.channels.frontchannel!.detail).toBe('storage-partitioned');
    }
    await page.close();
  });

  it('the account page lists sign-ins and signs out everywhere with a receipt', async () => {
    const other = await launchBrowser(mode);
    try {
      const otherPage = await other.context.newPage();
      await otherPage.goto(authorizeUrl('rp2'));
      await otherPage.fill('input[name=username]', ALICE.username);
      await otherPage.fill('input[name=password]', ALICE.password);
      await otherPage.click('button[type=submit]');
      await otherPage.waitForURL(`${sites.rp2!.origin}/cb?**`);

      const page = await browser.context.newPage();
      await page.goto(`${op.issuer}/account`);
      await page.fill('input[name=username]', ALICE.username);
      await page.fill('input[name=password]', ALICE.password);
      await page.click('button[type=submit]');
      await page.waitForURL(`${op.issuer}/account`);
      await page.goto(authorizeUrl('rp'));
      await page.waitForURL(`${sites.rp!.origin}/cb?**`);
      await page.goto(`${op.issuer}/account`);
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await page.locator('tbody tr', { hasText: 'This device' }).textContent()).toContain('Portal');
      await snapshot(page, `${mode}-04-account`);
      await page.click('text=Sign out everywhere');
      await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
      await snapshot(page, `${mode}-05-account-receipt`);
      expect(await page.locator('section h2').allTextContents()).toContain('This device');
      // The other browser's session is gone too: its next authorization asks for a password.
      await otherPage.goto(authorizeUrl('rp2', { prompt: 'none' }));
      await otherPage.waitForURL(`${sites.rp2!.origin}/cb?**`);
      expect(new URL(otherPage.url()).searchParams.get('error')).toBe('login_required');
      await page.close();
    } finally {
      await other.close();
    }
  });

  // Session Management dies with third-party cookies: blocked, the frame cannot read its cookie and can only
  // say "changed". This is why the SDKs never rely on it.
  it('check_session_iframe answers unchanged, then changed after logout (allowed); only changed (blocked)', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl('rp'));
    if (await page.locator('input[name=username]').count()) {
      await page.fill('input[name=username]', ALICE.username);
      await page.fill('input[name=password]', ALICE.password);
      await page.click('button[type=submit]');
    }
    await page.waitForURL(`${sites.rp!.origin}/cb?**`);
    const sessionState = new URL(page.url()).searchParams.get('session_state')!;
    expect(sessionState).toMatch(/^[0-9a-f]{64}\.[\w-]+$/);
    const ask = () =>
      page.evaluate(
        ({ src, message }) =>
          new Promise<string>((resolve) => {
            document.querySelectorAll('iframe').forEach((f) => f.remove());
            const frame = document.createElement('iframe');
            frame.src = src;
            frame.onload = () => {
              window.addEventListener('message', (e) => resolve(String(e.data)), { once: true });
              frame.contentWindow!.postMessage(message, new URL(src).origin);
            };
            document.body.appendChild(frame);
          }),
        { src: `${op.issuer}/check_session`, message: `rp ${sessionState}` },
      );
    expect(await ask()).toBe(mode === 'allowed' ? 'unchanged' : 'changed');
    const logout = await browser.context.newPage();
    await logout.goto(`${op.issuer}/end_session`);
    await logout.click('button[name=confirm][value=yes]');
    await logout.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
    expect(await ask()).toBe('changed');
    await logout.close();
    await page.close();
  });
});
