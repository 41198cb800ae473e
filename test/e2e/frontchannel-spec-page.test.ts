/**
 * Issue 12 §4: an app whose front-channel page follows the spec but posts no acknowledgement (MSAL's documented
 * page, for instance) must not hold every sign-out for the full timeout. In real Chromium: the frame's `load`
 * counts as "page reached" and the receipt goes on at once; Adieu's acknowledgement upgrades a row to
 * "confirmed"; only a frame that neither loads nor answers holds the page, and for at most the timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { frontchannelPage, startSite, textPage, type Site } from './support/sites.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const TIMEOUT_S = 5;

describe.skipIf(!hasChromium())('front-channel pages without the acknowledgement', () => {
  let op: TestProvider;
  let browser: TestBrowser;
  const sites: Record<string, Site> = {};
  /** An app whose front-channel URI accepts the connection and never answers. */
  const hanging = createServer(testCert(), (req, res) => {
    if (req.url?.startsWith('/cb')) res.writeHead(200, { 'content-type': 'text/html' }).end('hang signed in');
  });

  beforeAll(async () => {
    const port = await freePort();
    const issuer = `https://idp.test:${port}`;
    const { certFile, keyFile } = testCert();
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    const hangPort = (hanging.address() as AddressInfo).port;
    // `spec`: a page that signs the app out and says nothing (all Front-Channel Logout 1.0 asks for).
    sites.spec = await startSite('spec.test', {
      '/cb': textPage('spec signed in'),
      '/frontchannel': textPage('signed out'),
    });
    // `ack`: a page that also posts Adieu's acknowledgement.
    sites.ack = await startSite('ack.test', {
      '/cb': textPage('ack signed in'),
      '/frontchannel': frontchannelPage(new URL(issuer).origin),
    });
    sites.hang = { origin: `https://hang.test:${hangPort}`, port: hangPort, close: async () => undefined };
    const frontchannel = {
      spec: `${sites.spec.origin}/frontchannel`,
      ack: `${sites.ack.origin}/frontchannel`,
      hang: `https://hang.test:${hangPort}/frontchannel`,
    };
    op = await startTestProvider(
      {
        tls: { cert: certFile, key: keyFile },
        logout: { frontchannel_timeout: TIMEOUT_S },
        clients: (['spec', 'ack', 'hang'] as const).map((a) => ({
          client_id: a,
          client_name: { spec: 'Spec App', ack: 'Ack App', hang: 'Hanging App' }[a],
          token_endpoint_auth_method: 'none' as const,
          redirect_uris: [`${sites[a]!.origin}/cb`],
          frontchannel_logout_uri: frontchannel[a],
        })),
        users: [{ ...ALICE, name: 'Alice Example' }],
      },
      { issuer, port },
    );
    browser = await launchBrowser('allowed');
  });

  afterAll(async () => {
    await browser?.close();
    await op?.close();
    for (const s of Object.values(sites)) await s.close();
    hanging.closeAllConnections();
    hanging.close();
  });

  const authorizeUrl = (app: string) => {
    const u = new URL(`${op.issuer}/authorize`);
    u.search = new URLSearchParams({
      client_id: app,
      redirect_uri: `${sites[app]!.origin}/cb`,
      response_type: 'code',
      scope: 'openid',
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return u.toString();
  };

  /** Sign in at the first app, SSO into the others, then sign out at the provider (confirmed). */
  async function signOutWith(apps: string[], { scriptDelayMs = 0, using = browser } = {}) {
    const page = await using.context.newPage();
    // A receipt script that arrives late (a loaded server, a slow link): the frames may load and answer first.
    if (scriptDelayMs)
      await page.route('**/assets/logout.js', async (route) => {
        await new Promise((r) => setTimeout(r, scriptDelayMs));
        await route.continue();
      });
    for (const [i, app] of apps.entries()) {
      await page.goto(authorizeUrl(app));
      if (i === 0) {
        await page.fill('input[name=username]', ALICE.username);
        await page.fill('input[name=password]', ALICE.password);
        await page.click('button[type=submit]');
      }
      await page.waitForURL(`${sites[app]!.origin}/cb?**`);
    }
    await page.goto(`${op.issuer}/end_session`);
    await page.click('button[name=confirm][value=yes]');
    const started = Date.now();
    await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
    const waited = Date.now() - started;
    const rows = await page.$$eval('ul.apps li', (lis) =>
      Object.fromEntries(
        lis.map((li) => [li.getAttribute('data-client'), li.querySelector('.status')?.textContent]),
      ),
    );
    const sid = (await op.provider.store.logouts.listByParticipant(apps[0]!, 1))[0]!.sid!;
    const [logout] = await op.provider.store.logouts.listBySid(sid);
    const report = (await op.provider.logout.report(logout!.id))!;
    return { page, waited, rows, report };
  }

  it('a frame that loads lets the logout go on at once; the acknowledgement upgrades its app to "Signed out"', async () => {
    const { page, waited, rows, report } = await signOutWith(['spec', 'ack']);
    await snapshot(page, 'frontchannel-spec-page-receipt');
    expect(waited).toBeLessThan(TIMEOUT_S * 1000 - 1500);
    expect(rows).toEqual({ spec: 'Told', ack: 'Signed out' });
    const front = Object.fromEntries(
      report.participants.map((p) => [p.client_id, p.channels.frontchannel?.status]),
    );
    expect(front).toEqual({ spec: 'reached', ack: 'acknowledged' });
    expect(report.participants.find((p) => p.client_id === 'spec')!.signed_out).toBe('told');
    expect(await page.locator('#summary').textContent()).toMatch(/1 of 2 apps confirmed.*1 was told/);
    await page.close();
  });

  it('a receipt script that arrives after the frames answered still hears every frame', async () => {
    const { page, waited, rows, report } = await signOutWith(['spec', 'ack'], { scriptDelayMs: 1500 });
    const front = Object.fromEntries(
      report.participants.map((p) => [p.client_id, p.channels.frontchannel?.status]),
    );
    expect(front).toEqual({ spec: 'reached', ack: 'acknowledged' });
    expect(rows).toEqual({ spec: 'Told', ack: 'Signed out' });
    expect(waited).toBeLessThan(TIMEOUT_S * 1000);
    await page.close();
  });

  it('with third-party cookies blocked, a late receipt script still hears the frame that could not clear', async () => {
    const blocked = await launchBrowser('blocked');
    try {
      const { report, waited } = await signOutWith(['spec', 'ack'], { scriptDelayMs: 1500, using: blocked });
      const front = Object.fromEntries(
        report.participants.map((p) => [p.client_id, p.channels.frontchannel]),
      );
      expect(front.spec?.status).toBe('reached');
      expect(front.ack).toMatchObject({ status: 'failed', detail: 'storage-partitioned' });
      expect(waited).toBeLessThan(TIMEOUT_S * 1000);
    } finally {
      await blocked.close();
    }
  });

  it('only a frame that neither loads nor answers holds the page, and for at most the timeout', async () => {
    const { page, waited, rows } = await signOutWith(['spec', 'hang']);
    expect(waited).toBeGreaterThan(TIMEOUT_S * 1000 - 1000);
    expect(waited).toBeLessThan(TIMEOUT_S * 1000 + 4000);
    expect(rows).toEqual({ spec: 'Told', hang: 'Not confirmed' });
    await page.close();
  });
});
