/**
 * Our own defaults must agree (issue 12 point 3): the config `adieu init` writes, the client `adieu client add
 * --public` registers, and what @adieu/node and @adieu/browser send when left at their defaults. Wired together
 * for real: the starter config runs in a real provider process, a @adieu/node app and an @adieu/browser page use
 * nothing but required options, and each sign-out must end back at the app — never at the provider's
 * "post_logout_redirect_uri is not registered" page with the user still signed in.
 *
 * The one edit to the starter config is its app origin (http://localhost:3000, which another process may hold)
 * and TLS for the cross-site browser; every path stays what `adieu init` wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Response } from 'playwright-core';
import { freePorts } from '../../packages/server/src/testing/index.js';
import { loadConfigFile } from '../../packages/server/src/config/load.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { hasChromium } from '../support/env.js';
import { testCert } from './support/certs.js';
import { launchBrowser, snapshot, type TestBrowser } from './support/chromium.js';
import { startSeedApp, testFetch, type SeedApp } from './support/node-sdk-apps.js';
import { buildBundle } from './support/sdk-apps.js';

const BIN = fileURLToPath(new URL('../../packages/server/bin/adieu.js', import.meta.url));
const run = hasChromium();

/** An @adieu/browser page with nothing but the required options: clientId and authority. */
const spaPage = (
  issuer: string,
) => `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title></head>
<body><h1 id="status">loading</h1>
<script type="module">
import { AdieuClient } from '/adieu-browser.js';
const client = new AdieuClient({ auth: { clientId: 'spa', authority: ${JSON.stringify(issuer)} } });
window.client = client;
await client.initialize();
await client.handleRedirectPromise();
document.getElementById('status').textContent = client.getActiveAccount()?.username ?? 'signed-out';
window.ready = true;
</script></body></html>`;

describe.runIf(run)('starter config, client add and SDK defaults agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adieu-starter-'));
  let provider: ChildProcess | undefined;
  let nodeApp: SeedApp;
  let spa: Server;
  let spaUrl: string;
  let browser: TestBrowser;
  let issuer: string;

  beforeAll(async () => {
    const cert = testCert();
    const [idpPort, appPort, spaPort] = await freePorts(3);
    issuer = `https://idp.test:${idpPort}`;
    const appUrl = `https://app.test:${appPort}`;
    spaUrl = `https://spa.test:${spaPort}/`;
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
      });

    cli('init', '--config', 'adieu.json', '--issuer', issuer);
    const file = join(dir, 'adieu.json');
    const starter = readFileSync(file, 'utf8');
    expect(starter).toContain('"http://localhost:3000/callback"');
    writeFileSync(
      file,
      starter.replaceAll('http://localhost:3000', appUrl).replace(
        /\/\/ "tls": .*\n/,
        `"tls": ${JSON.stringify({ cert: cert.certFile, key: cert.keyFile })},
  "resolve": { "app.test": "127.0.0.1" },
  "outbound_ca": [${JSON.stringify(cert.certFile)}],\n`,
      ),
    );
    const added = cli(
      'client',
      'add',
      '--config',
      'adieu.json',
      '--client-id',
      'spa',
      '--public',
      '--redirect-uri',
      spaUrl,
    );
    expect(added).toContain(`post_logout_redirect_uris: ${spaUrl}`);

    const config = loadConfigFile(file);
    const starterClient = config.clients[0]!;
    // `adieu start` on the starter file, as a newcomer runs it; ready when discovery answers.
    provider = spawn(process.execPath, [BIN, 'start', '--config', file], {
      env: { ...process.env, ADIEU_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const probe = testFetch(cert.cert, { 'idp.test': '127.0.0.1' });
    for (let i = 0; ; i++) {
      const ok = await probe(`${issuer}/.well-known/openid-configuration`, {}).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 300 || provider.exitCode !== null) throw new Error('the provider did not start');
      await new Promise((r) => setTimeout(r, 100));
    }

    // @adieu/node with only the required options; every route at its default.
    nodeApp = await startSeedApp({
      name: 'My App',
      host: 'app.test',
      port: appPort,
      issuer,
      clientId: starterClient.client_id,
      clientSecret: starterClient.client_secret!,
      tls: { cert: cert.cert, key: cert.key },
      fetch: testFetch(cert.cert, { 'idp.test': '127.0.0.1' }),
    });

    const bundle = await buildBundle();
    spa = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const path = new URL(req.url ?? '/', spaUrl).pathname;
      if (path === '/adieu-browser.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(spaPage(issuer));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => spa.listen(spaPort, '127.0.0.1', r));
    browser = await launchBrowser('allowed');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (spa ? spa.close(r) : r(undefined)));
    await nodeApp?.close();
    if (provider && provider.exitCode === null) {
      provider.kill('SIGTERM');
      await once(provider, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every provider answer >= 400 the page received (a 400 "not registered" page is the bug). */
  const providerErrors = (page: Page) => {
    const seen: string[] = [];
    page.on('response', (r: Response) => {
      if (r.url().startsWith(issuer) && r.status() >= 400) seen.push(`${r.status()} ${r.url()}`);
    });
    return seen;
  };

  const signIn = async (page: Page) => {
    await page.waitForSelector('input[name=password]');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'change-me');
    await page.click('button.primary');
  };

  it('@adieu/node on the starter client: sign-out ends back at the app, signed out everywhere', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    const errors = providerErrors(page);
    try {
      await page.goto(`${nodeApp.url}/login`);
      await signIn(page);
      await page.waitForURL(`${nodeApp.url}/`);
      await page.locator('#user').waitFor({ state: 'visible' });
      expect(await page.locator('#user').innerText()).toBe('Alice');

      await page.click('#sign-out');
      await page.waitForURL(`${nodeApp.url}/`, { timeout: 30_000 });
      expect(await page.locator('#who').innerText()).toBe('Not signed in');
      expect(errors).toEqual([]);

      // The provider session ended too: signing in again asks for the password.
      await page.goto(`${nodeApp.url}/login`);
      await page.waitForSelector('input[name=password]');
      expect(await page.locator('input[name=password]').isVisible()).toBe(true);
    } catch (e) {
      process.stderr.write(`[starter-defaults] saved ${await snapshot(page, 'starter-defaults-node')}\n`);
      throw e;
    } finally {
      await page.close();
    }
  });

  it('@adieu/browser on a client added with --public: logoutRedirect() ends back at the app', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    const errors = providerErrors(page);
    const ready = () => page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    try {
      await page.goto(spaUrl);
      await ready();
      await page.evaluate(() => {
        void (window as unknown as { client: { loginRedirect(): Promise<void> } }).client.loginRedirect();
      });
      await signIn(page);
      await page.waitForURL(spaUrl);
      await ready();
      expect(await page.locator('#status').innerText()).toBe('alice');

      await page.evaluate(() => {
        void (window as unknown as { client: { logoutRedirect(): Promise<void> } }).client.logoutRedirect();
      });
      await page.waitForURL((u) => u.href.startsWith(spaUrl), { timeout: 30_000 });
      await ready();
      expect(await page.locator('#status').innerText()).toBe('signed-out');
      expect(errors).toEqual([]);
    } catch (e) {
      process.stderr.write(`[starter-defaults] saved ${await snapshot(page, 'starter-defaults-spa')}\n`);
      throw e;
    } finally {
      await page.close();
    }
  });
});
