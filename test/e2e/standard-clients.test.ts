/**
 * Issue 12 §4: apps that use standard client libraries are first-class. MSAL.js 5 (OIDC mode) and oidc-client-ts,
 * each loaded from its own published browser bundle on its own site, in real Chromium with third-party cookies
 * allowed and blocked:
 *
 * - MSAL's documented `logoutRedirect({ account })` sends neither `id_token_hint` nor `client_id`. The provider asks
 *   (a visible confirmation), signs out, shows the receipt and does not send the browser to a URI it cannot tie to
 *   a client; the next sign-in asks for a password again (the seed's "never A").
 * - With the hint docs/msal.md shows, MSAL comes back to the app without a question, signed out everywhere.
 * - oidc-client-ts' signinRedirect / signoutRedirect round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { COOKIE_MODES, launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSite, type Site } from './support/sites.js';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
// The published UMD bundles (global `msal`, global `oidc`), found next to each package's manifest.
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const MSAL_JS = readFileSync(join(packageDir('@azure/msal-browser'), 'lib/msal-browser.js'), 'utf8');
const OIDC_CLIENT_JS = readFileSync(
  join(packageDir('oidc-client-ts'), 'dist/browser/oidc-client-ts.js'),
  'utf8',
);
const ALICE = { username: 'alice', password: 'alice-password' };

/** The app page MSAL's docs describe: initialize, handleRedirectPromise, show who is signed in. */
function msalPage(issuer: string, origin: string) {
  return () => ({
    body: `<!doctype html><title>MSAL app</title>
<script src="/msal.js"></script>
<p>Signed in: <b id="who">…</b></p><p id="error" hidden></p>
<button id="login">Sign in</button> <button id="logout">Sign out</button> <button id="logout-hint">Sign out (with hint)</button>
<script type="module">
const pca = new msal.PublicClientApplication({
  auth: {
    clientId: 'msal-spa',
    authority: ${JSON.stringify(issuer)},
    knownAuthorities: [${JSON.stringify(new URL(issuer).host)}],
    redirectUri: ${JSON.stringify(`${origin}/`)},
    postLogoutRedirectUri: ${JSON.stringify(`${origin}/`)},
  },
  system: { protocolMode: 'OIDC' },
  cache: { cacheLocation: 'localStorage' },
});
await pca.initialize();
try { await pca.handleRedirectPromise(); } catch (e) { const el = document.getElementById('error'); el.hidden = false; el.textContent = e.errorCode || String(e); }
const account = pca.getAllAccounts()[0];
document.getElementById('who').textContent = account ? account.idTokenClaims.preferred_username : 'nobody';
document.getElementById('login').onclick = () => pca.loginRedirect({ scopes: ['openid', 'profile'] });
document.getElementById('logout').onclick = () => pca.logoutRedirect({ account });
document.getElementById('logout-hint').onclick = () => pca.logoutRedirect({
  account, idTokenHint: account.idToken, extraQueryParameters: { client_id: 'msal-spa' },
});
document.body.dataset.ready = 'yes';
</script>`,
  });
}

/** oidc-client-ts' UserManager on one page: signinRedirect, the callback, signoutRedirect. */
function oidcClientPage(issuer: string, origin: string) {
  return () => ({
    body: `<!doctype html><title>oidc-client-ts app</title>
<script src="/oidc-client-ts.js"></script>
<p>Signed in: <b id="who">…</b></p><p id="error" hidden></p>
<button id="login">Sign in</button> <button id="logout">Sign out</button>
<script type="module">
const um = new oidc.UserManager({
  authority: ${JSON.stringify(issuer)},
  client_id: 'oidc-spa',
  redirect_uri: ${JSON.stringify(`${origin}/`)},
  post_logout_redirect_uri: ${JSON.stringify(`${origin}/`)},
  scope: 'openid profile',
  userStore: new oidc.WebStorageStateStore({ store: localStorage }),
});
const q = new URLSearchParams(location.search);
try {
  if (q.has('code')) { await um.signinRedirectCallback(); history.replaceState(null, '', '/'); }
  if (q.has('state') && !q.has('code')) { await um.signoutRedirectCallback(); history.replaceState(null, '', '/'); }
} catch (e) { const el = document.getElementById('error'); el.hidden = false; el.textContent = String(e); }
const user = await um.getUser();
document.getElementById('who').textContent = user ? user.profile.preferred_username : 'nobody';
document.getElementById('login').onclick = () => um.signinRedirect();
document.getElementById('logout').onclick = () => um.signoutRedirect();
document.body.dataset.ready = 'yes';
</script>`,
  });
}

const js = (body: string) => () => ({ type: 'text/javascript; charset=utf-8', body });

/**
 * The app's page committed again after the browser went to end_session (the return from the logout). Waiting for
 * the app's URL instead would match at once: the page is still on the app until the logout navigation commits.
 */
function returnFromEndSession(page: Page, appOrigin: string): Promise<unknown> {
  let left = false;
  page.on('request', (r) => {
    if (r.isNavigationRequest() && new URL(r.url()).pathname.endsWith('/end_session')) left = true;
  });
  return page.waitForEvent('framenavigated', {
    predicate: (f) => left && f === page.mainFrame() && f.url().startsWith(appOrigin),
    timeout: 20_000,
  });
}

for (const mode of COOKIE_MODES) {
  describe.skipIf(!hasChromium())(`standard client libraries, third-party cookies ${mode}`, () => {
    let op: TestProvider;
    let browser: TestBrowser;
    let msalSite: Site;
    let oidcSite: Site;

    beforeAll(async () => {
      const port = await freePort();
      const issuer = `https://idp.test:${port}`;
      // The pages need their own origin, known once the site listens: routes render on each request.
      msalSite = await startSite('rp.test', {
        '/': () => msalPage(issuer, msalSite.origin)(),
        '/msal.js': js(MSAL_JS),
      });
      oidcSite = await startSite('spa.test', {
        '/': () => oidcClientPage(issuer, oidcSite.origin)(),
        '/oidc-client-ts.js': js(OIDC_CLIENT_JS),
      });
      const msalOrigin = msalSite.origin;
      const oidcOrigin = oidcSite.origin;
      const { certFile, keyFile } = testCert();
      op = await startTestProvider(
        {
          tls: { cert: certFile, key: keyFile },
          clients: [
            {
              client_id: 'msal-spa',
              client_name: 'MSAL App',
              token_endpoint_auth_method: 'none',
              redirect_uris: [`${msalOrigin}/`],
              post_logout_redirect_uris: [`${msalOrigin}/`],
            },
            {
              client_id: 'oidc-spa',
              client_name: 'oidc-client-ts App',
              token_endpoint_auth_method: 'none',
              redirect_uris: [`${oidcOrigin}/`],
              post_logout_redirect_uris: [`${oidcOrigin}/`],
            },
          ],
          users: [{ ...ALICE, name: 'Alice Example' }],
        },
        { issuer, port },
      );
      browser = await launchBrowser(mode);
    });

    afterAll(async () => {
      await browser?.close();
      await op?.close();
      await msalSite?.close();
      await oidcSite?.close();
    });

    async function openApp(page: Page, site: Site) {
      await page.goto(`${site.origin}/`);
      await page.waitForSelector('body[data-ready=yes]', { timeout: 20_000 });
      return (await page.locator('#who').textContent())?.trim();
    }

    /** Click "Sign in" in the app; type the password if the provider asks. Returns whether it asked. */
    async function signIn(page: Page, site: Site): Promise<boolean> {
      await page.click('#login');
      await page.waitForURL((u) => u.host !== new URL(site.origin).host || u.searchParams.has('code'));
      let asked = false;
      if (new URL(page.url()).host === new URL(op.issuer).host) {
        expect(await page.locator('input[name=password]').isVisible()).toBe(true);
        asked = true;
        await page.fill('input[name=username]', ALICE.username);
        await page.fill('input[name=password]', ALICE.password);
        await page.click('button[type=submit]');
      }
      await page.waitForURL(`${site.origin}/**`);
      await page.waitForSelector('body[data-ready=yes]', { timeout: 20_000 });
      return asked;
    }

    it("MSAL's logoutRedirect({ account }) without a hint: the provider asks, signs out, and stays on its receipt", async () => {
      const page = await browser.context.newPage();
      const navigations: string[] = [];
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations.push(f.url());
      });
      expect(await openApp(page, msalSite)).toBe('nobody');
      expect(await signIn(page, msalSite)).toBe(true);
      expect(await page.locator('#who').textContent()).toBe('alice');
      expect(await page.locator('#error').isVisible()).toBe(false);

      // What MSAL sends: post_logout_redirect_uri and state, nothing that names the client or the user.
      const sent = page.waitForRequest((r) => r.url().startsWith(`${op.issuer}/end_session`));
      await page.click('#logout');
      const request = new URL((await sent).url());
      expect(request.searchParams.has('id_token_hint')).toBe(false);
      expect(request.searchParams.has('client_id')).toBe(false);
      const confirm = page.locator('button[name=confirm][value=yes]');
      await confirm.waitFor({ state: 'visible' });
      await snapshot(page, `standard-clients-msal-confirm-${mode}`);
      await confirm.click();
      await page.waitForSelector('body[data-receipt=ready]', { timeout: 20_000 });
      await snapshot(page, `standard-clients-msal-receipt-${mode}`);
      // No redirect to a URI nobody vouched for: the browser stays at the provider, with a way on.
      await page.waitForTimeout(1500);
      expect(new URL(page.url()).host, navigations.join('\n')).toBe(new URL(op.issuer).host);
      console.log(navigations.join('\n'));

      // Signed out at the provider: the next sign-in asks for the password (no silent Alice).
      expect(await openApp(page, msalSite)).toBe('nobody');
      expect(await signIn(page, msalSite)).toBe(true);
      expect(await page.locator('#who').textContent()).toBe('alice');
      await page.close();
    });

    it('MSAL with the id_token_hint docs/msal.md shows: no question, back at the app, signed out everywhere', async () => {
      const page = await browser.context.newPage();
      await openApp(page, msalSite);
      if ((await page.locator('#who').textContent()) !== 'alice') await signIn(page, msalSite);
      expect(await page.locator('#who').textContent()).toBe('alice');
      const back = returnFromEndSession(page, msalSite.origin);
      await page.click('#logout-hint');
      await back;
      await page.waitForSelector('body[data-ready=yes]');
      expect(await page.locator('#who').textContent()).toBe('nobody');
      expect(await page.locator('#error').isVisible()).toBe(false);
      expect(await signIn(page, msalSite)).toBe(true);
      await page.close();
    });

    it('oidc-client-ts: signinRedirect, then signoutRedirect back to the app, and the provider session is gone', async () => {
      const page = await browser.context.newPage();
      // A fresh start at the provider for this app (the previous test left Alice signed in there).
      await page.goto(`${op.issuer}/end_session`);
      const confirm = page.locator('button[name=confirm][value=yes]');
      if (await confirm.isVisible()) await confirm.click();
      expect(await openApp(page, oidcSite)).toBe('nobody');
      expect(await signIn(page, oidcSite)).toBe(true);
      expect(await page.locator('#who').textContent()).toBe('alice');
      const sent = page.waitForRequest((r) => r.url().startsWith(`${op.issuer}/end_session`));
      const back = returnFromEndSession(page, oidcSite.origin);
      await page.click('#logout');
      expect(new URL((await sent).url()).searchParams.has('id_token_hint')).toBe(true);
      await back;
      await page.waitForSelector('body[data-ready=yes]');
      expect(await page.locator('#who').textContent()).toBe('nobody');
      expect(await page.locator('#error').isVisible()).toBe(false);
      expect(await signIn(page, oidcSite)).toBe(true);
      await page.close();
    });
  });
}
