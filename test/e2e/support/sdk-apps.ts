/**
 * Test single-page apps for the @adieu/browser browser tests: plain HTML pages that load the SDK's single ESM
 * bundle with `<script type="module">`, exactly as the README tells an app without a bundler to do. One HTTPS
 * server answers for every app host (`spa.test`, `app2.test`); the host names the client, the first path segment
 * the cache location (`/ls/`, `/ss/`, `/mem/`).
 *
 * Every page keeps its SDK event log in sessionStorage (`test.events`), so the log of one tab survives the
 * redirects through the provider and the test can read what happened before a navigation.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Frame, Page } from 'playwright-core';
import type { AdieuClient, SessionMonitor } from '../../../packages/browser/src/index.js';
import type { ConfigInput } from '../../../packages/server/src/config/schema.js';
import {
  freePort,
  startTestProvider,
  type TestProvider,
} from '../../../packages/server/src/testing/index.js';
import { testCert } from './certs.js';
import { snapshot, type TestBrowser } from './chromium.js';

export const CACHES = { ls: 'localStorage', ss: 'sessionStorage', mem: 'memoryStorage' } as const;
export type CacheKey = keyof typeof CACHES;

/** host -> client_id of the app served there. */
const CLIENTS: Record<string, string> = { 'spa.test': 'spa', 'app2.test': 'app2' };

export const USERS = {
  alice: { username: 'alice', password: 'alice-password', name: 'Alice' },
  bob: { username: 'bob', password: 'bob-password', name: 'Bob' },
};
export type TestUser = (typeof USERS)[keyof typeof USERS];

/** Static admin bearer secret of the test provider (DELETE /api/v1/sessions/{sid}). */
export const ADMIN_SECRET = 'admin-secret-for-sdk-tests-0123456789';

/** The SDK's single ESM file, built from source the way `npm run build:bundle` builds it. */
export async function buildBundle(): Promise<string> {
  const out = await build({
    entryPoints: [new URL('../../../packages/browser/src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    write: false,
  });
  return out.outputFiles[0]!.text;
}

export interface SdkApps {
  port: number;
  /** `https://<host>:<port>` */
  origin(host: 'spa.test' | 'app2.test'): string;
  /** The app page URL (also its redirect_uri and post_logout_redirect_uri). */
  app(host: 'spa.test' | 'app2.test', cache?: CacheKey): string;
  close(): Promise<void>;
}

const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function clientConfig(origin: string, clientId: string, issuer: string, cache: CacheKey) {
  return {
    auth: {
      clientId,
      authority: issuer,
      redirectUri: `${origin}/${cache}/`,
      postLogoutRedirectUri: `${origin}/${cache}/`,
    },
    cache: { cacheLocation: CACHES[cache] },
  };
}

const EVENT_LOG = `
const LOG = 'test.events';
const log = JSON.parse(sessionStorage.getItem(LOG) || '[]');
window.events = log;
const plain = (p) => { try { return JSON.parse(JSON.stringify(p ?? null, (k, v) => (k === 'popupWindow' ? undefined : v))); } catch { return null; } };
function record(m) {
  log.push({ type: m.eventType, interaction: m.interactionType, payload: plain(m.payload),
    error: m.error ? { code: m.error.code, message: m.error.message } : null, at: m.timestamp, page: location.pathname });
  sessionStorage.setItem(LOG, JSON.stringify(log));
}`;

function appPage(config: unknown): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>SDK test app</title></head><body>
<h1 id="status">loading</h1><ul id="accounts"></ul><textarea id="draft"></textarea>
<script type="application/json" id="cfg">${json(config)}</script>
<script type="module">
import { AdieuClient, EventType } from '/adieu-browser.js';
${EVENT_LOG}
const cfg = JSON.parse(document.getElementById('cfg').textContent);
// A test that sets this flag runs the page without waiting for the provider's answer (the pre-issue-12 mode).
if (localStorage.getItem('test.confirm') === 'off') cfg.cache.confirmSessionOnLoad = false;
const client = new AdieuClient(cfg);
window.client = client;
window.EventType = EventType;
function render() {
  const active = client.getActiveAccount();
  document.getElementById('status').textContent = active ? active.username : 'signed-out';
  document.getElementById('accounts').replaceChildren(...client.getAllAccounts().map((a) => {
    const li = document.createElement('li'); li.textContent = a.username; return li; }));
}
client.addEventCallback((m) => { record(m); render(); });
// Unsaved work (seed 003): stash the draft under the user it belongs to, before the account goes.
client.onBeforeAccountRemoved((account) => {
  const draft = document.getElementById('draft').value;
  if (draft) localStorage.setItem('draft:' + account.homeAccountId, draft);
});
await client.initialize();
try { window.redirectResult = await client.handleRedirectPromise(); }
catch (e) { window.redirectError = { code: e.code, message: e.message }; }
const active = client.getActiveAccount();
if (active) {
  const key = 'draft:' + active.homeAccountId;
  const draft = localStorage.getItem(key);
  if (draft !== null) { document.getElementById('draft').value = draft; localStorage.removeItem(key); }
}
render();
window.ready = true;
</script></body></html>`;
}

/** The page registered as frontchannel_logout_uri. */
function frontChannelPage(config: unknown): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>front-channel logout</title></head><body>
<script type="application/json" id="cfg">${json(config)}</script>
<script type="module">
import { AdieuClient } from '/adieu-browser.js';
const client = new AdieuClient(JSON.parse(document.getElementById('cfg').textContent));
const result = await client.handleFrontChannelLogout();
window.result = result;
document.body.dataset.cleared = String(result.cleared);
document.body.dataset.detail = result.detail ?? '';
</script></body></html>`;
}

/** Where a logout popup lands. `bridge`: only the bare broadcastResponseToMainFrame(); else a full client. */
function popupDonePage(config: unknown, bridge: boolean): string {
  const body = bridge
    ? `import { broadcastResponseToMainFrame } from '/adieu-browser.js';
broadcastResponseToMainFrame();`
    : `import { AdieuClient } from '/adieu-browser.js';
localStorage.setItem('test.popup-had-opener', String(window.opener !== null));
const client = new AdieuClient(JSON.parse(document.getElementById('cfg').textContent));
await client.initialize();
await client.handleRedirectPromise();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>popup done</title></head><body>
<p>Signed out. You can close this window.</p>
<script type="application/json" id="cfg">${json(config)}</script>
<script type="module">${body}</script></body></html>`;
}

/** mainWindowRedirectUri target: shows the tab's event log. */
function elsewherePage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>elsewhere</title></head><body>
<h1 id="elsewhere">You are signed out</h1>
<script type="module">
${EVENT_LOG}
window.ready = true;
</script></body></html>`;
}

export async function startSdkApps(issuer: string, tls: { cert: string; key: string }): Promise<SdkApps> {
  const bundle = await buildBundle();
  const server: Server = createServer(tls, (req, res) => {
    const host = (req.headers.host ?? '').split(':')[0]!;
    const clientId = CLIENTS[host];
    const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (!clientId) return send(404, 'text/plain', 'unknown host');
    if (url.pathname === '/adieu-browser.js') return send(200, 'text/javascript; charset=utf-8', bundle);
    if (url.pathname === '/blank') return send(200, 'text/html', '<!doctype html><title>blank</title>');
    const m = /^\/(ls|ss|mem)\/([a-z-]*)$/.exec(url.pathname);
    if (!m) return send(404, 'text/plain', 'not found');
    const cache = m[1] as CacheKey;
    const config = clientConfig(url.origin, clientId, issuer, cache);
    const html = 'text/html; charset=utf-8';
    switch (m[2]) {
      case '':
        return send(200, html, appPage(config));
      case 'frontchannel':
        return send(200, html, frontChannelPage(config));
      case 'popup-done':
        return send(200, html, popupDonePage(config, true));
      case 'popup-done-coop':
        // COOP same-origin on the landing page cuts the popup off from its opener (which has no COOP).
        return send(200, html, popupDonePage(config, false), { 'cross-origin-opener-policy': 'same-origin' });
      case 'elsewhere':
        return send(200, html, elsewherePage());
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = (host: string) => `https://${host}:${port}`;
  return {
    port,
    origin,
    app: (host, cache = 'ls') => `${origin(host)}/${cache}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Provider config for the two apps and the two users. `spa` has a front-channel page; `app2` has none. */
export function providerConfig(apps: SdkApps): Partial<ConfigInput> {
  const pages = (host: 'spa.test' | 'app2.test') =>
    (Object.keys(CACHES) as CacheKey[]).map((c) => apps.app(host, c));
  const spa = apps.origin('spa.test');
  return {
    logout: { frontchannel_timeout: 3, receipt_wait: 1 },
    admin: { bearer_secret: ADMIN_SECRET },
    clients: [
      {
        client_id: 'spa',
        client_name: 'Test SPA',
        token_endpoint_auth_method: 'none',
        redirect_uris: pages('spa.test'),
        post_logout_redirect_uris: [
          ...pages('spa.test'),
          `${spa}/ls/popup-done`,
          `${spa}/ls/popup-done-coop`,
          `${spa}/ss/popup-done`,
          `${spa}/ss/popup-done-coop`,
        ],
        frontchannel_logout_uri: `${spa}/ls/frontchannel`,
      },
      {
        client_id: 'app2',
        client_name: 'Other app',
        token_endpoint_auth_method: 'none',
        redirect_uris: pages('app2.test'),
        post_logout_redirect_uris: pages('app2.test'),
      },
    ],
    users: Object.values(USERS),
  };
}

export interface SdkEnvironment {
  op: TestProvider;
  apps: SdkApps;
  issuer: string;
  close(): Promise<void>;
}

/** A real provider on https://idp.test:<port> and the test apps, shared by the tests of one file. */
export async function startSdkEnvironment(): Promise<SdkEnvironment> {
  const cert = testCert();
  const port = await freePort();
  const issuer = `https://idp.test:${port}`;
  const apps = await startSdkApps(issuer, cert);
  const op = await startTestProvider(
    { ...providerConfig(apps), tls: { cert: cert.certFile, key: cert.keyFile } },
    { issuer, port },
  );
  return {
    op,
    apps,
    issuer,
    async close() {
      await op.close();
      await apps.close();
    },
  };
}

// ------------------------------------------------------------------ driving the apps

/** One entry of a page's event log. */
export interface LoggedEvent {
  type: string;
  interaction: string | null;
  payload: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  at: number;
  page: string;
}

interface AppWindow {
  client: AdieuClient;
  events: LoggedEvent[];
  ready?: boolean;
  __stale?: boolean;
  monitor?: SessionMonitor;
}
/** The test page's globals, for `page.evaluate` callbacks: `(window as AW).client`. */
export type AW = typeof window & AppWindow;

/** Open (or navigate `page` to) an app page and wait until the SDK is initialized. */
export async function openApp(page: Page, url: string): Promise<Page> {
  await page.goto(url);
  await waitAppLoaded(page);
  return page;
}

/** Wait for a fresh app document (not the one that started a navigation) to finish its startup. */
export async function waitAppLoaded(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForFunction(() => !(window as AW).__stale && (window as AW).ready === true, undefined, {
    timeout,
  });
}

/** Run `fn` in the app (it starts a navigation) after marking the current document as stale. */
export async function leaveApp<A>(page: Page, fn: (arg: A) => void, arg: A): Promise<void> {
  await page.evaluate(() => {
    (window as AW).__stale = true;
  });
  await page.evaluate(fn as (a: unknown) => void, arg as unknown);
}

/** Fill the provider's login form. */
export async function submitLogin(page: Page, user: TestUser): Promise<void> {
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('button.primary');
}

/**
 * `loginRedirect` from the app; sign in at the provider if it asks. Returns whether the login page was shown
 * (false = a silent SSO login).
 */
export async function loginRedirect(page: Page, user: TestUser, request: Record<string, unknown> = {}) {
  let loginShown = false;
  /** What "Continuing as …" said, when the app had the account before (issue 19 point 6). */
  let continuedAs: string | undefined;
  const onFrame = (f: Frame) => {
    if (f === page.mainFrame() && f.url().includes('/interaction/') && continuedAs === undefined)
      loginShown = true;
  };
  page.on('framenavigated', onFrame);
  try {
    await leaveApp(
      page,
      (r) => {
        void (window as AW).client.loginRedirect(r);
      },
      request,
    );
    const first = await Promise.race([
      page.waitForSelector('input[name=password]', { timeout: 20_000 }).then(() => 'login' as const),
      page
        .waitForSelector('[data-adieu=continuing]', { state: 'visible', timeout: 20_000 })
        .then(() => 'continue' as const),
      waitAppLoaded(page).then(() => 'app' as const),
    ]);
    if (first === 'continue') {
      // Like a person who reads the name and clicks "Continue" (it would also go on by itself).
      continuedAs = (await page.locator('[data-adieu=continuing]').innerText()).trim();
      loginShown = false;
      await page.click('[data-adieu=continue]');
      await waitAppLoaded(page);
    }
    if (first === 'login') {
      loginShown = true;
      await submitLogin(page, user);
      await waitAppLoaded(page);
    }
  } finally {
    page.off('framenavigated', onFrame);
  }
  return { loginShown, continuedAs };
}

/** The app's event log (this tab, across its navigations). */
export function events(page: Page): Promise<LoggedEvent[]> {
  return page.evaluate(() => (window as AW).events);
}

/** Wait until the tab's log has an event of `type` (optionally matching `pred` on its payload). */
export async function waitForEvent(
  page: Page,
  type: string,
  pred: Record<string, unknown> = {},
  timeout = 10_000,
): Promise<LoggedEvent> {
  const handle = await page.waitForFunction(
    ([t, p]) =>
      (window as AW).events?.find(
        (e) =>
          e.type === t &&
          Object.entries(p).every(([k, v]) => (e.payload as Record<string, unknown> | null)?.[k] === v),
      ),
    [type, pred] as const,
    { timeout },
  );
  return (await handle.jsonValue()) as LoggedEvent;
}

/** The text of the app's status line: the active account's username or `signed-out`. */
export function status(page: Page): Promise<string> {
  return page.locator('#status').innerText();
}

/** Close every page, clear cookies and the apps' storage: each test starts from a clean browser. */
export async function resetBrowser(b: TestBrowser, apps: SdkApps): Promise<void> {
  for (const p of b.context.pages()) await p.close();
  await b.context.clearCookies();
  const page = await b.context.newPage();
  for (const host of ['spa.test', 'app2.test'] as const) {
    await page.goto(`${apps.origin(host)}/blank`);
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
  }
  await page.close();
}

/** Run a browser step; on failure save a screenshot + HTML of every open page and print their paths. */
export async function withSnapshots<T>(b: TestBrowser, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    for (const [i, p] of b.context.pages().entries()) {
      try {
        const file = await snapshot(p, `${name}-${b.mode}-page${i}`);
        process.stderr.write(`[browser-sdk] saved ${file} (${p.url()})\n`);
      } catch {
        // page already gone
      }
    }
    throw e;
  }
}
