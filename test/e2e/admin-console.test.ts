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
import { authorizationRequest, discover, signIn, type oidc } from '../support/oidc.js';
import { startUpstream, type Upstream } from '../support/upstream-op.js';

const SECRET = 'console-test-admin-secret-0123';
const PASSWORD = 'correct-horse-battery';
const enabled = hasChromium();

describe.skipIf(!enabled)('the admin console', () => {
  let op: TestProvider;
  let browser: TestBrowser;
  let receiver: Receiver;
  let acme: Upstream;
  const redirectUri = 'http://localhost:5999/cb';
  const ACME_CLIENT = { client_id: 'adieu-at-acme', client_secret: 'acme-secret-0123456789abcdef' };

  const api = (method: string, path: string) =>
    fetch(`${op.issuer}/api/v1${path}`, { method, headers: { authorization: `Bearer ${SECRET}` } });

  beforeAll(async () => {
    receiver = await startReceiver();
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    // A real upstream identity provider (node-oidc-provider): carol signs in through it.
    acme = await startUpstream({
      client: {
        ...ACME_CLIENT,
        redirect_uris: [`${issuer}/connections/acme/callback`],
        post_logout_redirect_uris: [`${issuer}/connections/acme/logged-out`],
      },
      accounts: { carol: { email: 'carol@acme.example', email_verified: true, name: 'Carol Acme' } },
    });
    op = await startTestProvider(
      {
        admin: { bearer_secret: SECRET },
        // Two signing algorithms, so the keys page shows a signing key of each.
        keys: { algorithms: ['RS256', 'ES256'] },
        connections: [
          {
            id: 'acme',
            name: 'Acme Corp',
            type: 'oidc',
            issuer: acme.issuer,
            ...ACME_CLIENT,
            logout: 'upstream',
          },
        ],
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
          { username: 'dana', password: PASSWORD, name: 'Dana' },
        ],
      },
      { port, issuer },
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
    await signIn(rp, new BrowserSession(), redirectUri, { username: 'dana', password: PASSWORD });
    await signInThroughAcme(rp, 'carol');
    browser = await launchBrowser('allowed');
  });

  afterAll(async () => {
    await browser?.close();
    await op?.close();
    await acme?.close();
    await receiver?.stop();
  });

  /** carol signs in to the shop through the Acme upstream (its development login form takes any password). */
  async function signInThroughAcme(rp: oidc.Configuration, login: string) {
    const both = [new URL(op.issuer).origin, new URL(acme.issuer).origin];
    const browser = new BrowserSession();
    const req = await authorizationRequest(rp, redirectUri, { connection: 'acme' });
    let p = await browser.navigate(req.url.toString(), {}, both);
    for (let i = 0; i < 4 && !p.redirectTo; i++) {
      if (p.doc.querySelector('input[name=login]')) {
        p = await browser.submit(p, { login, password: 'any' }, 'form', both);
      } else if (p.doc.querySelector('form')) {
        p = await browser.submit(p, {}, 'form', both);
      } else break;
    }
    if (!p.redirectTo?.startsWith(redirectUri))
      throw new Error(`no way back to the app: ${p.body.slice(0, 300)}`);
  }

  /** The console page's CSRF token, to post as the open page would (or to post odd input with it). */
  const csrfOf = (page: Page) => page.locator('input[name=csrf]').first().inputValue();

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

  it('registers a client from the console: the secret is shown once; the same form again changes nothing', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${op.issuer}/admin/clients`);
    await page.getByRole('link', { name: 'Register a client' }).click();
    await page.waitForURL(/\/admin\/new-client$/);
    await page.getByLabel('Client id').fill('billing');
    await page.getByLabel('Name shown to people').fill('Billing');
    await page
      .getByLabel('Redirect URIs (one per line)')
      .fill('https://billing.example/callback\nhttps://billing.example/cb2');
    await page.getByLabel('Back-channel logout URI').fill('https://billing.example/logout/backchannel');
    await snapshot(page, 'console-new-client-filled');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Client registered' }).isVisible()).toBe(true);
    const secret = (await page.locator('pre[data-secret]').textContent())!.trim();
    expect(secret).toMatch(/^[\w-]{40,}$/);
    expect(await page.getByText('It is shown once').isVisible()).toBe(true);
    await snapshot(page, 'console-new-client-secret');
    // The client page never shows it again; the API holds what the form said.
    await page.getByRole('link', { name: 'Go to the client' }).click();
    await page.waitForURL(/\/admin\/clients\/billing$/);
    expect(await page.content()).not.toContain(secret);
    const client = (await (await api('GET', '/clients/billing')).json()) as Record<string, unknown>;
    expect(client).toMatchObject({
      source: 'admin',
      redirect_uris: ['https://billing.example/callback', 'https://billing.example/cb2'],
      post_logout_redirect_uris: ['https://billing.example/logout/callback'],
      backchannel_logout_uri: 'https://billing.example/logout/backchannel',
    });
    // The same id from another admin's open form: a readable 409, the client untouched.
    await page.goto(`${op.issuer}/admin/new-client`);
    await page.getByLabel('Client id').fill('billing');
    await page.getByLabel('Redirect URIs (one per line)').fill('https://evil.example/callback');
    const again = page.waitForResponse(
      (r) => r.url().endsWith('/admin/new-client') && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Register' }).click();
    expect((await again).status()).toBe(409);
    expect(await page.getByRole('alert').textContent()).toMatch(/client with the id billing exists/);
    expect(
      ((await (await api('GET', '/clients/billing')).json()) as { redirect_uris: string[] }).redirect_uris,
    ).toEqual(['https://billing.example/callback', 'https://billing.example/cb2']);
    // A public client: no secret, straight to its page.
    await page.goto(`${op.issuer}/admin/new-client`);
    await page.getByLabel('Client id').fill('spa');
    await page.getByLabel(/Public: a browser/).check();
    await page.getByLabel('Redirect URIs (one per line)').fill('https://spa.example/');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/admin\/clients\/spa\?flash=client_registered$/);
    expect(await page.getByRole('status').textContent()).toMatch(/registered/);
    const audit = (await (await api('GET', '/audit?action=client.register')).json()) as {
      items: { actor: { name: string }; target: { id: string }; status: number }[];
    };
    expect(audit.items.map((e) => [e.actor.name, e.target.id, e.status])).toEqual([
      ['root', 'spa', 201],
      ['root', 'billing', 409],
      ['root', 'billing', 201],
    ]);
    await page.close();
  });

  it('unlocks a user, and resets factors only after the typed confirmation (sessions end, apps told)', async () => {
    const page = await browser.context.newPage();
    // dana typed her password wrong too often: locked for an hour.
    await op.provider.store.throttle.put({
      key: 'acct:dana',
      failures: 5,
      window_started_at: Date.now(),
      locked_until: Date.now() + 3_600_000,
    });
    // ... and has an authenticator app.
    const dana = (await (await api('GET', '/users/dana')).json()) as { id: string };
    await op.provider.store.factors.add({
      id: 'fac_dana_phone',
      user_id: dana.id,
      kind: 'totp',
      label: 'Dana phone',
      secret: 'not-used-here',
      last_step: null,
      credential_id: null,
      public_key: null,
      sign_count: null,
      transports: null,
      backup_eligible: null,
      backed_up: null,
      created_at: Date.now(),
      last_used_at: null,
    });
    await page.goto(`${op.issuer}/admin/users/dana`);
    const security = page.getByRole('region', { name: 'Sign-in and second factors' });
    expect(await security.getByText('locked', { exact: true }).isVisible()).toBe(true);
    expect(await security.getByText(/Authenticator app\s+Dana phone/).isVisible()).toBe(true);
    await snapshot(page, 'console-user-locked');
    await page.getByRole('button', { name: 'Unlock sign-in' }).click();
    await page.waitForURL(/\/admin\/users\/dana\?flash=unlocked$/);
    expect(await page.getByRole('status').textContent()).toMatch(/unlocked/);
    expect(await op.provider.store.throttle.get('acct:dana')).toBeUndefined();
    expect(await security.getByText('not locked').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Unlock sign-in' }).count()).toBe(0);

    receiver.received.length = 0;
    receiver.succeeded.length = 0;
    const rows = page.locator('table.sessions tbody tr');
    expect(await rows.count()).toBe(1);
    await page.getByRole('link', { name: 'Reset second factors…' }).click();
    await page.waitForURL(/\/admin\/users\/dana\/reset-factors$/);
    expect(await page.getByText('live session ends').isVisible()).toBe(true);
    await snapshot(page, 'console-reset-factors-confirm');
    // The wrong name: a readable 400, nothing reset.
    await page.getByLabel('Type the username').fill('alice');
    const wrong = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Reset second factors and end the sessions' }).click();
    expect((await wrong).status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toMatch(/type the username dana exactly/);
    expect(((await (await api('GET', '/users/dana/sessions')).json()) as unknown[]).length).toBe(1);
    await page.goBack();
    await page.getByLabel('Type the username').fill('dana');
    await page.getByRole('button', { name: 'Reset second factors and end the sessions' }).click();
    await page.waitForURL(/\/admin\/users\/dana\?flash=factors_reset$/);
    expect(await page.getByRole('status').textContent()).toMatch(/credentials_changed/);
    expect(await page.getByText('No live session.').isVisible()).toBe(true);
    expect(await security.getByText('No second factor.').isVisible()).toBe(true);
    const [told] = await receiver.waitFor(1);
    expect(told!.claims.reason).toBe('credentials_changed');
    const audit = (await (await api('GET', '/audit?target=dana')).json()) as {
      items: { action: string; actor: { name: string } }[];
    };
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.reset_factors', 'user.unlock']),
    );
    await page.close();
  });

  it('shows the connections, and the sessions signed in through each', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${op.issuer}/admin/users`);
    await page.getByRole('navigation').getByRole('link', { name: 'Connections' }).click();
    await page.waitForURL(/\/admin\/connections$/);
    const row = page.locator('tbody tr', { hasText: 'Acme Corp' });
    expect(await row.locator('[data-label=Type]').textContent()).toMatch(/OpenID Connect/);
    expect(await row.locator('[data-label=Issuer]').textContent()).toContain(acme.issuer);
    expect((await row.locator('[data-label=Logout]').textContent())!.trim()).toBe('upstream');
    expect((await row.locator('[data-label="Live sessions"]').textContent())!.trim()).toBe('1');
    await snapshot(page, 'console-connections');
    await row.getByRole('link', { name: 'Acme Corp' }).click();
    await page.waitForURL(/\/admin\/connections\/acme$/);
    expect(await page.getByText(`${op.issuer}/connections/acme/backchannel-logout`).isVisible()).toBe(true);
    const sessions = page.locator('table.sessions tbody tr');
    expect(await sessions.count()).toBe(1);
    expect(await sessions.first().locator('[data-label=Upstream\\ subject]').textContent()).toContain(
      'carol',
    );
    await snapshot(page, 'console-connection');
    // The Live page draws the sessions per connection.
    await page.goto(`${op.issuer}/admin/live`);
    expect(await page.getByRole('heading', { name: 'Sessions per connection' }).isVisible()).toBe(true);
    await snapshot(page, 'console-live-connections');
    await page.goBack();
    // carol's own page says where the session came from.
    await sessions.first().getByRole('link').first().click();
    await page.waitForURL(/\/admin\/users\/acme/);
    expect(await page.locator('table.sessions').getByText('through Acme Corp').isVisible()).toBe(true);
    await snapshot(page, 'console-user-federated');
    await page.goBack();
    // Revoke carol's federated session here: back on this page, none left.
    await sessions.first().getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(/\/admin\/connections\/acme\?flash=revoked$/);
    expect(await page.getByText('No live session was signed in through this connection.').isVisible()).toBe(
      true,
    );
    // An unknown connection: a readable 404 page.
    const missing = await page.goto(`${op.issuer}/admin/connections/nope`);
    expect(missing!.status()).toBe(404);
    expect(await page.getByRole('alert').textContent()).toMatch(/no such connection/);
    await page.close();
  });

  it('odd input to the new forms gets a readable page and changes nothing', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${op.issuer}/admin/new-client`);
    const csrf = await csrfOf(page);
    const post = (path: string, form: Record<string, string>) =>
      page.request.post(`${op.issuer}${path}`, { form, maxRedirects: 0 });
    const readable = async (r: Awaited<ReturnType<typeof post>>, status: number, text: RegExp) => {
      expect(r.status()).toBe(status);
      const body = await r.text();
      expect(body).toMatch(/role="alert"/);
      expect(body).toMatch(text);
    };
    // No CSRF token, or another site's: refused before anything runs.
    await readable(
      await post('/admin/new-client', { client_id: 'nocsrf', redirect_uris: 'https://a.example/cb' }),
      403,
      /Nothing was changed/,
    );
    await readable(
      await post('/admin/users/bob/reset-factors', { csrf: 'forged', confirm: 'bob' }),
      403,
      /Nothing was changed/,
    );
    await readable(await post('/admin/users/bob/unlock', {}), 403, /Nothing was changed/);
    // Long strings, wrong shapes and bad URIs: the API's words, a 4xx.
    await readable(
      await post('/admin/new-client', {
        csrf,
        client_id: 'x'.repeat(10_000),
        redirect_uris: 'https://a.example/cb',
      }),
      400,
      /too long/,
    );
    await readable(
      await post('/admin/new-client', {
        csrf,
        client_id: 'k1',
        kind: 'both',
        redirect_uris: 'https://a.example/cb',
      }),
      400,
      /kind must be public or confidential/,
    );
    await readable(
      await post('/admin/new-client', { csrf, client_id: 'k2', redirect_uris: 'javascript:alert(1)' }),
      400,
      /redirect_uris/,
    );
    await readable(
      await post('/admin/new-client', {
        csrf,
        client_id: 'k3',
        redirect_uris: 'https://a.example/cb',
        frontchannel_logout_uri: 'https://b.example/',
      }),
      400,
      /frontchannel_logout_uri/,
    );
    await readable(
      await post('/admin/new-client', {
        csrf,
        client_id: 'k4',
        redirect_uris: `https://a.example/${'p'.repeat(3000)}`,
      }),
      400,
      /too long/,
    );
    await readable(
      await post('/admin/users/nobody-at-all/reset-factors', { csrf, confirm: 'nobody-at-all' }),
      404,
      /no such user/,
    );
    await readable(await post('/admin/users/bob/reset-factors', { csrf }), 400, /type the username bob/);
    const clients = (await (await api('GET', '/clients')).json()) as { client_id: string }[];
    expect(clients.map((c) => c.client_id).sort()).toEqual(['adieu-console', 'billing', 'shop', 'spa']);
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
      '/admin/users/alice/reset-factors',
      '/admin/clients',
      '/admin/new-client',
      '/admin/clients/shop',
      '/admin/connections',
      '/admin/connections/acme',
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
      // Nor hidden past the edge of a panel (a panel scrolls sideways rather than widen the page).
      const hidden = await page.evaluate(() =>
        [...document.querySelectorAll('section.panel')]
          .filter((p) => p.scrollWidth > p.clientWidth + 1)
          .map((p) => p.textContent!.trim().slice(0, 60)),
      );
      expect(hidden, path).toEqual([]);
      await snapshot(page, `console-phone-dark${path.replace(/\//g, '-')}`);
    }
    // The keys page shows one signing key per algorithm, each with its alg, on the phone's screen.
    await page.goto(`${op.issuer}/admin/keys`);
    const signing = page.locator('tbody tr').filter({ hasText: 'signing' });
    expect(await signing.count()).toBe(2);
    for (const alg of ['RS256', 'ES256']) {
      const row = signing.filter({ has: page.locator('td[data-label="Alg"]', { hasText: alg }) });
      expect(await row.isVisible()).toBe(true);
    }
    // Its button says that a rotation publishes a key for each, and does: one new key per algorithm.
    const rotate = page.getByRole('button', { name: 'Rotate: publish a new RS256 and ES256 key' });
    expect(await rotate.isVisible()).toBe(true);
    await rotate.click();
    const published = page.locator('tbody tr').filter({ hasText: 'published' });
    await published.first().waitFor();
    expect((await published.locator('td[data-label="Alg"]').allTextContents()).sort()).toEqual([
      'ES256',
      'RS256',
    ]);
    await snapshot(page, 'console-phone-dark-admin-keys-rotated');
    // The pages of this round in light mode on the phone too.
    await page.emulateMedia({ colorScheme: 'light' });
    for (const path of [
      '/admin/users/alice',
      '/admin/users/alice/reset-factors',
      '/admin/new-client',
      '/admin/connections',
      '/admin/connections/acme',
    ]) {
      await page.goto(`${op.issuer}${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
      await snapshot(page, `console-phone-light${path.replace(/\//g, '-')}`);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
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
