/**
 * Passkeys as a person uses them in Chromium, with the DevTools virtual authenticator (WebAuthn.enable +
 * WebAuthn.addVirtualAuthenticator over a CDP session): add one on /account, sign in with it alone from the login
 * page's username autofill (conditional UI) and from its button, then use it as the second step after a password; a prompt that fails leaves a visible message and no
 * sign-in. Every page is checked at 390 px and 1280 px, light and dark; screenshots in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { CHROMIUM_PATH, hasChromium } from '../support/env.js';
import { snapshot } from './support/chromium.js';
import { authorizationRequest, discover, oidc } from '../support/oidc.js';

const enabled = hasChromium();
const SECRET = 'app-secret-0123456789abcdef';
/** The app's callback: never served, the test takes the code from the browser's request for it. */
const APP_CALLBACK = 'http://localhost:5002/app/callback';

describe.skipIf(!enabled)('passkeys in Chromium (virtual authenticator)', () => {
  let op: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    op = await startTestProvider({
      users: ['light-390', 'dark-390', 'light-1280', 'dark-1280'].flatMap((u) =>
        ['pk', 'req'].map((kind) => ({
          username: `${kind}-${u}`,
          password: `${kind}-${u}-password`,
          email: `${kind}-${u}@example.com`,
        })),
      ),
      clients: [
        {
          client_id: 'required-app',
          client_secret: SECRET,
          redirect_uris: [APP_CALLBACK],
          grant_types: ['authorization_code'],
          mfa: 'required',
        },
      ],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await op?.close();
  });

  async function fits(page: Page, name: string) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} is wider than the screen`).toBeLessThanOrEqual(0);
    await snapshot(page, `passkeys-${name}`);
  }

  /** A platform authenticator with resident keys and user verification (a phone's or laptop's passkeys). */
  async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
    const cdp = await page.context().newCDPSession(page);
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
    return { cdp, id: authenticatorId };
  }

  /** The methods the user's newest session recorded (RFC 8176 amr). */
  async function sessionAmr(username: string): Promise<string | null | undefined> {
    const user = await op.provider.store.users.findByUsername(username);
    const rows = await op.provider.store.db
      .selectFrom('sessions')
      .select(['amr', 'auth_time'])
      .where('user_id', '=', user!.id)
      .orderBy('auth_time', 'desc')
      .execute();
    return rows[0]?.amr;
  }

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      it(`add a passkey, sign in with it alone, then after a password (${scheme}, ${width} px)`, async () => {
        const user = `pk-${scheme}-${width}`;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        try {
          const { cdp, id } = await virtualAuthenticator(page);
          await page.goto(`${op.issuer}/account`);
          await page.fill('input[name=username]', user);
          await page.fill('input[name=password]', `${user}-password`);
          await page.click('button[type=submit]');

          // Registration.
          await page.getByRole('link', { name: 'Add a passkey' }).click();
          const create = page.getByRole('button', { name: 'Create a passkey' });
          await create.waitFor({ state: 'visible' });
          await expect(page.locator('[data-adieu=passkey-unsupported]').isVisible()).resolves.toBe(false);
          await fits(page, `enrol-${scheme}-${width}`);
          await page.fill('input[name=name]', 'Test laptop');
          await create.click();
          await page.locator('[data-adieu=recovery-codes]').waitFor({ state: 'visible' });
          const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
          expect(credentials).toHaveLength(1);
          expect(credentials[0]!.isResidentCredential).toBe(true);
          await page.getByRole('link', { name: 'Back to your account' }).click();
          const listed = page.locator('[data-adieu=factors] li[data-kind=passkey]');
          await listed.waitFor({ state: 'visible' });
          await expect(listed.innerText()).resolves.toMatch(/Test laptop/);
          await fits(page, `account-${scheme}-${width}`);

          // Autofill (conditional UI): signed out, the login page offers the passkey in the username field's
          // suggestions. Headless Chromium shows no dropdown: its virtual environment answers a conditional
          // request by itself with the discoverable passkey, as if the person had picked it. No click, no
          // password: the page's own script posts the answer and the provider signs in.
          await context.clearCookies();
          const posted = page.waitForRequest((r) => r.method() === 'POST' && /\/passkey$/.test(r.url()));
          await page.goto(`${op.issuer}/account`);
          await posted;
          await page.getByRole('heading', { name: 'Your sign-ins' }).waitFor({ state: 'visible' });
          expect(await sessionAmr(user)).toBe('hwk user mfa');

          // A browser without autofill passkeys (no conditional mediation): the button is the way.
          await context.addInitScript(() => {
            Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', {
              value: undefined,
            });
          });

          // Passwordless: signed out, the login page's passkey button alone signs in.
          await context.clearCookies();
          await page.goto(`${op.issuer}/account`);
          const passkeyButton = page.getByRole('button', { name: 'Sign in with a passkey' });
          await passkeyButton.waitFor({ state: 'visible' });
          await fits(page, `login-${scheme}-${width}`);
          await passkeyButton.click();
          await page.getByRole('heading', { name: 'Your sign-ins' }).waitFor({ state: 'visible' });
          expect(await sessionAmr(user)).toBe('hwk user mfa');

          // A prompt that fails (the user is not verified): a visible message, still on the login page.
          await context.clearCookies();
          await page.goto(`${op.issuer}/account`);
          await cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified: false });
          await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
          const error = page.locator('[data-adieu=passkey-error]');
          await error.waitFor({ state: 'visible' });
          await expect(error.innerText()).resolves.toMatch(/not used|did not work/);
          await fits(page, `login-error-${scheme}-${width}`);
          await cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified: true });

          // Second factor: the password first, then "Use your passkey".
          await page.fill('input[name=username]', user);
          await page.fill('input[name=password]', `${user}-password`);
          await page.click('button[type=submit]');
          const use = page.getByRole('button', { name: 'Use your passkey' });
          await use.waitFor({ state: 'visible' });
          await fits(page, `second-factor-${scheme}-${width}`);
          await use.click();
          await page.getByRole('heading', { name: 'Your sign-ins' }).waitFor({ state: 'visible' });
          expect(await sessionAmr(user)).toBe('pwd hwk user mfa');
        } finally {
          await context.close();
        }
      });
    }
  }
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [390, 1280]) {
      it(`an app that requires a second factor: add a passkey while signing in, on to the app at phr (${scheme}, ${width} px)`, async () => {
        const user = `req-${scheme}-${width}`;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        try {
          const { cdp, id } = await virtualAuthenticator(page);
          const config = await discover({
            issuer: op.issuer,
            clientId: 'required-app',
            clientSecret: SECRET,
            redirectUri: APP_CALLBACK,
          });
          const req = await authorizationRequest(config, APP_CALLBACK);
          let reached: string | undefined;
          await page.route(`${APP_CALLBACK}**`, async (route) => {
            reached = route.request().url();
            await route.fulfill({ contentType: 'text/html', body: '<h1>Back in the app</h1>' });
          });
          await page.goto(req.url.toString());
          await page.fill('input[name=username]', user);
          await page.fill('input[name=password]', `${user}-password`);
          await page.click('button[type=submit]');

          // Set up a factor: the app's QR code and, beside it, "Add a passkey".
          await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor({ state: 'visible' });
          const add = page.getByRole('button', { name: 'Add a passkey' });
          await add.waitFor({ state: 'visible' });
          await expect(
            page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).isVisible(),
          ).resolves.toBe(true);
          await fits(page, `required-enrol-${scheme}-${width}`);
          await add.click();
          await page.locator('[data-adieu=recovery-codes]').waitFor({ state: 'visible' });
          expect(await page.locator('[data-adieu=recovery-codes] li').count()).toBe(10);
          const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
          expect(credentials).toHaveLength(1);
          await fits(page, `required-codes-${scheme}-${width}`);
          await page.getByRole('button', { name: 'I saved them, continue' }).click();
          await page.getByRole('heading', { name: 'Back in the app' }).waitFor({ state: 'visible' });

          const tokens = await oidc.authorizationCodeGrant(config, new URL(reached!), {
            pkceCodeVerifier: req.verifier,
            expectedState: req.state,
            expectedNonce: req.nonce,
            idTokenExpected: true,
          });
          const claims = tokens.claims()!;
          expect(claims.acr).toBe('urn:adieu:phr');
          expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
          expect(await sessionAmr(user)).toBe('pwd hwk user mfa');
        } finally {
          await context.close();
        }
      });
    }
  }
});
