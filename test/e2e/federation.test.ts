/**
 * Issue 13 in real Chromium, across three sites, with third-party cookies allowed and blocked: an app
 * (`rp.test`), Adieu (`idp.test`) and an upstream OpenID provider (node-oidc-provider on `127.0.0.1`, HTTPS).
 *
 * - The login page offers the connection as a visible button; it leads through the upstream's own login and back
 *   to the app with a code, which the app (an SPA) redeems itself.
 * - RP-initiated logout with the ID token ends Adieu's session, shows the receipt (which says the upstream comes
 *   next, with a visible countdown), goes through the upstream's own sign-out, and lands back at the app with the
 *   app's own `state`.
 * - Afterwards the upstream asks for credentials again: nobody on this browser is signed in anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { startUpstream, type Upstream } from '../support/upstream-op.js';
import { testCert } from './support/certs.js';
import { COOKIE_MODES, launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSite, textPage, type Site } from './support/sites.js';
import type { Page } from 'playwright-core';

const UPSTREAM_CLIENT = { client_id: 'adieu', client_secret: 'upstream-secret-0123456789abcdef' };

for (const mode of COOKIE_MODES) {
  describe.skipIf(!hasChromium())(`upstream provider in Chromium, third-party cookies ${mode}`, () => {
    let op: TestProvider;
    let acme: Upstream;
    let app: Site;
    let browser: TestBrowser;

    beforeAll(async () => {
      const cert = testCert();
      const port = await freePort();
      const issuer = `https://idp.test:${port}`;
      // The upstream reaches Adieu's back-channel endpoint on loopback (the same server, by address).
      const conn = `${issuer}/connections/acme`;
      acme = await startUpstream({
        client: {
          ...UPSTREAM_CLIENT,
          redirect_uris: [`${conn}/callback`],
          post_logout_redirect_uris: [`${conn}/logged-out`],
        },
        accounts: { carol: { email: 'carol@acme.example', email_verified: true, name: 'Carol Acme' } },
        tls: { cert: cert.cert, key: cert.key },
      });
      app = await startSite('rp.test', { '/': textPage('app home'), '/cb': textPage('app callback') });
      op = await startTestProvider(
        {
          tls: { cert: cert.certFile, key: cert.keyFile },
          outbound_ca: [cert.certFile],
          connections: [
            {
              id: 'acme',
              name: 'Acme Corp',
              type: 'oidc',
              issuer: acme.issuer,
              ...UPSTREAM_CLIENT,
              logout: 'upstream',
            },
          ],
          clients: [
            {
              client_id: 'app',
              client_name: 'Partner App',
              token_endpoint_auth_method: 'none',
              redirect_uris: [`${app.origin}/cb`],
              post_logout_redirect_uris: [`${app.origin}/`],
            },
          ],
          users: [{ username: 'alice', password: 'alice-password', name: 'Alice' }],
        },
        { issuer, port },
      );
      browser = await launchBrowser(mode);
    });

    afterAll(async () => {
      await browser?.close();
      await op?.close();
      await acme?.close();
      await app?.close();
    });

    /** Start a code flow for the app; returns what the app keeps to redeem the code. */
    async function startSignIn(page: Page) {
      const verifier = randomBytes(32).toString('base64url');
      const state = randomBytes(8).toString('hex');
      const u = new URL(`${op.issuer}/authorize`);
      u.search = new URLSearchParams({
        client_id: 'app',
        redirect_uri: `${app.origin}/cb`,
        response_type: 'code',
        scope: 'openid profile email',
        state,
        nonce: randomBytes(8).toString('hex'),
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      await page.goto(u.toString());
      return { verifier, state };
    }

    /** At the upstream's own login form (a different site): type any password, as its dev form allows. */
    async function upstreamLogin(page: Page, login: string) {
      const field = page.locator('input[name=login]');
      await field.waitFor({ state: 'visible' });
      expect(new URL(page.url()).origin).toBe(new URL(acme.issuer).origin);
      await field.fill(login);
      await page.fill('input[name=password]', 'any');
      await page.click('button[type=submit]');
    }

    /** The SPA's own code exchange, from its page (CORS for its registered origin). */
    async function redeem(page: Page, verifier: string): Promise<Record<string, string>> {
      const code = new URL(page.url()).searchParams.get('code')!;
      return page.evaluate(
        async ({ tokenUrl, code, verifier, redirectUri }) => {
          const res = await fetch(tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              client_id: 'app',
              code,
              code_verifier: verifier,
              redirect_uri: redirectUri,
            }),
          });
          return (await res.json()) as Record<string, string>;
        },
        { tokenUrl: `${op.issuer}/token`, code, verifier, redirectUri: `${app.origin}/cb` },
      );
    }

    it('signs in through the upstream button and signs out of both, back at the app', async () => {
      const page = await browser.context.newPage();
      const { verifier, state } = await startSignIn(page);
      const button = page.getByRole('button', { name: /Acme Corp/ });
      await button.waitFor({ state: 'visible' });
      await snapshot(page, `federation-login-${mode}`);
      await button.click();
      await upstreamLogin(page, 'carol');
      await page.waitForURL(`${app.origin}/cb?**`, { timeout: 20_000 });
      expect(new URL(page.url()).searchParams.get('state')).toBe(state);
      const tokens = await redeem(page, verifier);
      expect(tokens.id_token, JSON.stringify(tokens)).toBeTruthy();
      const claims = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as {
        email?: string;
        sid?: string;
      };
      expect(claims.email).toBe('carol@acme.example');

      // Her account page says where this session came from (issue 13 §7).
      await page.goto(`${op.issuer}/account`);
      const row = page.locator(`tr[data-sid="${claims.sid!}"]`);
      await expect.poll(() => row.getByText('signed in through Acme Corp').isVisible()).toBe(true);
      await snapshot(page, `federation-account-${mode}`);

      // RP-initiated logout with the ID token: Adieu's receipt, then the upstream's sign-out, then the app.
      const end = new URL(`${op.issuer}/end_session`);
      end.search = new URLSearchParams({
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: `${app.origin}/`,
        state: 'app-state',
      }).toString();
      await page.goto(end.toString());
      await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
      const countdown = page.locator('#countdown');
      await countdown.waitFor({ state: 'visible' });
      expect(await countdown.textContent()).toMatch(/^Signing you out at Acme Corp in \d seconds?\./);
      await snapshot(page, `federation-receipt-${mode}`);
      // The upstream's own confirmation (node-oidc-provider asks), on its own site.
      await page.waitForURL((u) => u.origin === new URL(acme.issuer).origin, { timeout: 20_000 });
      const yes = page.locator('button[autofocus], button[type=submit]').first();
      await yes.waitFor({ state: 'visible' });
      await yes.click();
      await page.waitForURL(`${app.origin}/?**`, { timeout: 20_000 });
      expect(new URL(page.url()).searchParams.get('state')).toBe('app-state');

      // Nobody is signed in anywhere on this browser: Adieu shows its login page, and the upstream asks again.
      await startSignIn(page);
      await page.getByRole('button', { name: /Acme Corp/ }).click();
      await upstreamLogin(page, 'carol');
      await page.waitForURL(`${app.origin}/cb?**`, { timeout: 20_000 });
      await page.close();
    });
  });
}
