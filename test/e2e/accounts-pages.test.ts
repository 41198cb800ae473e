/**
 * Self-service accounts as a person sees them in Chromium (docs/accounts.md, issue 14): create an account from the
 * login page, confirm the address from the mail, sign in and open an app by single sign-on; forget the password,
 * reset it from the mail in another browser: the first browser's app is told (back-channel logout token and push
 * event, reason password_changed), the old password is refused and the new one signs in. Light and dark, a 390 px phone and a desktop window, with
 * screenshots in test-results/; every step asserts what is visible, not only what is in the HTML.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { startTestProvider, type TestProvider } from '../../packages/server/src/testing/index.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../support/receivers.js';
import { openSse } from '../support/sse.js';
import { authorizationRequest, discover, oidc } from '../support/oidc.js';
import { CHROMIUM_PATH, hasChromium } from '../support/env.js';
import { snapshot } from './support/chromium.js';
import { holdHashingSlots } from '../support/hashing.js';

const enabled = hasChromium();

describe.skipIf(!enabled)('sign-up, email confirmation and password reset in Chromium', () => {
  let op: TestProvider;
  let sink: SmtpSink;
  let browser: Browser;
  let receiver: Receiver;
  // The app the first browser uses: it hears of the password change by back channel and by push.
  let shopServer: Server;
  let SHOP_CB: string;
  const SHOP_SECRET = 'shop-secret-0123456789';

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startReceiver();
    // The Shop's callback page: only its address matters (the test redeems the code itself).
    shopServer = createServer((_req, res) => res.end('Shop'));
    await new Promise<void>((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
    SHOP_CB = `http://127.0.0.1:${(shopServer.address() as AddressInfo).port}/shop/callback`;
    op = await startTestProvider({
      email: { smtp: sink.url },
      clients: [
        {
          client_id: 'shop',
          client_name: 'Shop',
          client_secret: SHOP_SECRET,
          redirect_uris: [SHOP_CB],
          backchannel_logout_uri: receiver.url,
          backchannel_logout_session_required: true,
        },
      ],
      signup: 'open',
      accounts: { response_floor_ms: 0, name: 'required' },
      // One hashing slot and a short wait, so the test can fill them (every step here hashes one at a time).
      login: { hash_concurrency: 1, hash_max_wait_seconds: 0.05 },
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
    await sink?.stop();
    await receiver?.stop();
    shopServer?.close();
  });

  /** The signed-in page opens the Shop by single sign-on; the Shop's tokens and its push stream. */
  async function openShop(page: Page) {
    const config = await discover({
      issuer: op.issuer,
      clientId: 'shop',
      clientSecret: SHOP_SECRET,
      redirectUri: SHOP_CB,
    });
    const req = await authorizationRequest(config, SHOP_CB);
    await page.goto(req.url.toString());
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    const events = await openSse(`${op.issuer}/session/events`, {
      authorization: `Bearer ${tokens.access_token}`,
    });
    return { sid: tokens.claims()!.sid as string, events };
  }

  /** The page is what a person sees: the heading is visible and nothing is wider than the screen. */
  async function shows(page: Page, heading: string, shot: string) {
    const h1 = page.getByRole('heading', { level: 1, name: heading });
    await h1.waitFor({ state: 'visible' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${shot} is wider than the screen`).toBeLessThanOrEqual(0);
    await snapshot(page, `accounts-${shot}`);
  }

  async function mailTo(address: string, n: number) {
    await op.provider.accounts.jobs.drain();
    const mail = await sink.waitFor(address, n);
    expect(mail.link).toBeTruthy();
    return mail;
  }

  async function signIn(page: Page, username: string, password: string) {
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  }

  // A phone in light mode and a desktop in dark mode: every page in both schemes and both widths.
  for (const [scheme, width] of [
    ['light', 390],
    ['dark', 1280],
  ] as const) {
    {
      const tag = `${scheme}-${width}`;
      it(`create an account, confirm it by mail, sign in; then reset the password (${tag})`, async () => {
        const email = `new-${tag}@example.org`;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        try {
          // The login page links to sign-up.
          await page.goto(`${op.issuer}/account`);
          const create = page.getByRole('link', { name: 'Create account' });
          await expect(create.isVisible()).resolves.toBe(true);
          await create.click();
          await shows(page, 'Create your account', `signup-${tag}`);

          // A mismatch is refused, visibly, and what was typed is kept.
          await page.fill('input[name=email]', email);
          await page.fill('input[name=name]', `New ${tag}`);
          await page.fill('input[name=password]', 'my own passphrase');
          await page.fill('input[name=confirm]', 'my own passphrase!');
          await page.locator('form button[type=submit]').click();
          const problem = page.getByRole('alert');
          await problem.waitFor({ state: 'visible' });
          await expect(problem.innerText()).resolves.toMatch(/not the same/);
          await expect(page.inputValue('input[name=email]')).resolves.toBe(email);
          await snapshot(page, `accounts-signup-error-${tag}`);

          // No hashing slot free (a sign-in storm): told so on the same form, what was typed kept.
          await page.fill('input[name=password]', 'my own passphrase');
          await page.fill('input[name=confirm]', 'my own passphrase');
          const release = await holdHashingSlots(op);
          try {
            await page.locator('form button[type=submit]').click();
            await shows(page, 'Create your account', `signup-busy-${tag}`);
          } finally {
            await release();
          }
          const busy = page.getByRole('alert');
          await busy.waitFor({ state: 'visible' });
          await expect(busy.innerText()).resolves.toMatch(
            /^Many people are signing in right now\. Try again in/,
          );
          await expect(page.inputValue('input[name=email]')).resolves.toBe(email);
          await expect(page.inputValue('input[name=name]')).resolves.toBe(`New ${tag}`);

          await page.fill('input[name=password]', 'my own passphrase');
          await page.fill('input[name=confirm]', 'my own passphrase');
          await page.locator('form button[type=submit]').click();
          await shows(page, 'Check your email', `check-email-${tag}`);
          await expect(page.locator('[data-adieu=email]').innerText()).resolves.toBe(email);

          // The link in the mail confirms the address.
          const welcome = await mailTo(email, 1);
          expect(welcome.subject).toBe('Confirm your email address');
          await page.goto(welcome.link!);
          await shows(page, 'Your email address is confirmed', `confirmed-${tag}`);

          // Signing in with the new account lands on the account page, which shows who is signed in.
          await page.goto(`${op.issuer}/account`);
          await signIn(page, email, 'my own passphrase');
          await shows(page, 'Your sign-ins', `account-${tag}`);
          await expect(page.getByText(`Signed in as New ${tag}`).isVisible()).resolves.toBe(true);
          const shop = await openShop(page);
          const told = receiver.received.length;

          // Forgotten password: from the login page of a fresh browser.
          const other = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
          const reset = await other.newPage();
          try {
            await reset.goto(`${op.issuer}/account`);
            await reset.getByRole('link', { name: 'Forgot password?' }).click();
            await shows(reset, 'Reset your password', `forgot-${tag}`);
            await reset.fill('input[name=email]', email);
            await reset.locator('form button[type=submit]').click();
            await shows(reset, 'Check your email', `forgot-sent-${tag}`);
            const mail = await mailTo(email, 2);
            expect(mail.subject).toBe('Reset your password');
            await reset.goto(mail.link!);
            await shows(reset, 'Choose a new password', `new-password-${tag}`);
            await reset.fill('input[name=password]', 'a fresh passphrase');
            await reset.fill('input[name=confirm]', 'a fresh passphrase');
            await reset.locator('form button[type=submit]').click();
            await shows(reset, 'Your password is changed', `password-changed-${tag}`);
            // The first browser's app is told, by back channel and by push, with the reason.
            const [token] = (await receiver.waitFor(told + 1, 15_000)).slice(told);
            const { payload } = await verifyLogoutToken(token!.token, op.issuer, 'shop');
            expect(payload).toMatchObject({ sid: shop.sid, reason: 'password_changed' });
            const pushed = await shop.events.next(15_000);
            expect(pushed).toMatchObject({
              event: 'session_ended',
              data: { sid: shop.sid, reason: 'password_changed' },
            });
            await shop.events.close();
            // The first browser's session ended with the change: its account page asks to sign in again.
            await page.goto(`${op.issuer}/account`);
            await page.locator('input[name=password]').waitFor({ state: 'visible' });

            // The old password is refused, the new one signs in.
            await signIn(page, email, 'my own passphrase');
            const refused = page.getByRole('alert');
            await refused.waitFor({ state: 'visible' });
            await expect(refused.innerText()).resolves.toMatch(/not correct/);
            await signIn(page, email, 'a fresh passphrase');
            await shows(page, 'Your sign-ins', `account-after-reset-${tag}`);
          } finally {
            await other.close();
          }
        } finally {
          await context.close();
        }
      });
    }
  }
});
