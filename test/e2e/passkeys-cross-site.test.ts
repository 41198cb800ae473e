/**
 * Passkeys where they are used for real: an https provider on its own site (`idp.test`, the RP ID) and an app on
 * another (`shop.test`), in Chromium with the DevTools virtual authenticator (BROWSER-TESTING.md). The person
 * signs in to the app with a password, adds a passkey on the provider's account page, and later signs in to the
 * app with the passkey alone — through the username field's autofill (conditional UI), then through the button
 * in a browser without autofill passkeys. The app exchanges each code and its ID token says `urn:adieu:phr`.
 * Third-party cookies are blocked (the stricter mode): a passkey ceremony is a top-level page of the provider,
 * so it must not need them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { CDPSession, Page } from 'playwright-core';
import { createHash, randomBytes } from 'node:crypto';
import { freePort, startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSite, textPage, type Site } from './support/sites.js';
import { testFetch } from './support/node-sdk-apps.js';

const USER = { username: 'pat', password: 'pat-password-1', email: 'pat@example.com', name: 'Pat Example' };
const enabled = hasChromium();

describe.skipIf(!enabled)('passkeys across sites over https (idp.test ← shop.test)', () => {
  let op: TestProvider;
  let browser: TestBrowser;
  let shop: Site;
  let fetchOp: ReturnType<typeof testFetch>;
  /** The app's sign-in link for each visit (a new state and PKCE verifier every time). */
  let signIn: { url: string; verifier: string } | undefined;

  beforeAll(async () => {
    const { certFile, keyFile, cert } = testCert();
    const port = await freePort();
    const issuer = `https://idp.test:${port}`;
    shop = await startSite('shop.test', {
      '/': () => ({
        body: `<!doctype html><title>Shop</title><h1>Shop</h1><a id="sign-in" href="${signIn!.url.replace(/&/g, '&amp;')}">Sign in</a>`,
      }),
      '/cb': textPage('Back in the shop'),
    });
    op = await startTestProvider(
      {
        tls: { cert: certFile, key: keyFile },
        outbound_ca: [certFile],
        clients: [
          {
            client_id: 'shop',
            client_name: 'Shop',
            token_endpoint_auth_method: 'none' as const,
            redirect_uris: [`${shop.origin}/cb`],
          },
        ],
        users: [USER],
      },
      { issuer, port },
    );
    fetchOp = testFetch(cert, { 'idp.test': '127.0.0.1' });
    browser = await launchBrowser('blocked');
  });

  afterAll(async () => {
    await browser?.close();
    await op?.close();
    await shop?.close();
  });

  /** A new sign-in link on the shop's page. */
  function newSignIn() {
    const verifier = randomBytes(32).toString('base64url');
    const u = new URL(`${op.issuer}/authorize`);
    u.search = new URLSearchParams({
      client_id: 'shop',
      redirect_uri: `${shop.origin}/cb`,
      response_type: 'code',
      scope: 'openid profile',
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    signIn = { url: u.toString(), verifier };
  }

  /** What the shop does with the code it got: the token request (from its server), and the ID token's claims. */
  async function appClaims(page: Page) {
    const callback = new URL(page.url());
    expect(callback.origin).toBe(shop.origin);
    const code = callback.searchParams.get('code');
    expect(code, page.url()).toBeTruthy();
    const res = await fetchOp(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: `${shop.origin}/cb`,
        client_id: 'shop',
        code_verifier: signIn!.verifier,
      }).toString(),
    });
    expect(res.status).toBe(200);
    const { id_token } = (await res.json()) as { id_token: string };
    const claims = decodeJwt(id_token);
    expect(claims.iss).toBe(op.issuer);
    expect(claims.aud).toBe('shop');
    return claims;
  }

  /** From the shop's page, its "Sign in" link: to the provider's site. */
  async function fromTheShop(page: Page) {
    newSignIn();
    await page.goto(`${shop.origin}/`);
    await page.click('#sign-in');
  }

  it('register a passkey on idp.test, then sign in to shop.test with it alone: acr urn:adieu:phr', async () => {
    const page = await browser.context.newPage();
    const cdp: CDPSession = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // The password first, from the shop.
    await fromTheShop(page);
    await page.waitForURL(`${op.issuer}/interaction/**`);
    await page.fill('input[name=username]', USER.username);
    await page.fill('input[name=password]', USER.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${shop.origin}/cb?**`);
    expect((await appClaims(page)).acr).toBe('urn:adieu:pwd');

    // A passkey for idp.test, added on the provider's account page.
    await page.goto(`${op.issuer}/account/two-step/passkey`);
    const create = page.getByRole('button', { name: 'Create a passkey' });
    await create.waitFor({ state: 'visible' });
    await create.click();
    await page.locator('[data-adieu=recovery-codes]').waitFor({ state: 'visible' });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.rpId).toBe('idp.test');
    expect(credentials[0]!.isResidentCredential).toBe(true);

    // Signed out everywhere (a new browser session): the shop's sign-in, and the passkey in the username
    // field's autofill. Headless Chromium's virtual environment answers the conditional request by itself.
    await browser.context.clearCookies();
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().startsWith(`${op.issuer}/`));
    await fromTheShop(page);
    expect((await posted).url()).toMatch(/\/interaction\/[^/]+\/passkey$/);
    await page.waitForURL(`${shop.origin}/cb?**`);
    await expect(page.locator('#text').innerText()).resolves.toBe('Back in the shop');
    const autofilled = await appClaims(page);
    expect(autofilled.acr).toBe('urn:adieu:phr');
    expect(autofilled.amr).toEqual(['hwk', 'user', 'mfa']);

    // A browser without autofill passkeys: the login page's button.
    await page.context().addInitScript(() => {
      Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: undefined });
    });
    await browser.context.clearCookies();
    await fromTheShop(page);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor({ state: 'visible' });
    await snapshot(page, 'passkeys-cross-site-login');
    await button.click();
    await page.waitForURL(`${shop.origin}/cb?**`);
    const claims = await appClaims(page);
    expect(claims.acr).toBe('urn:adieu:phr');
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(claims.sub).toBe(autofilled.sub);
    await page.close();
  });
});
