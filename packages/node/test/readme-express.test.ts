/**
 * The README's "Express (20 lines)" runs as pasted (issue 12 point 9): the JavaScript block is copied out of
 * packages/node/README.md into an `app.mjs` and started with plain `node` (no TypeScript, no Redis), against a
 * real provider over HTTPS. A person then signs in, sees the page, and a failed callback shows the snippet's
 * plain message with a way to try again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { freePorts, startTestProvider, type TestProvider } from '../../server/src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { testCert } from '../../../test/e2e/support/certs.js';
import { appSignIn } from './support/flows.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SECRET = 'portal-secret-0123456789abcdef';

/** The first ```js block after the "## Express" heading. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'packages/node/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Express'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('no ```js block in the README Express section');
  return m[1]!;
}

let op: TestProvider;
let child: ChildProcess;
let dir: string;
let appUrl: string;
let previous: Dispatcher;
let output = '';

beforeAll(async () => {
  const cert = testCert();
  // This test process trusts the throw-away certificate too (the app process gets NODE_EXTRA_CA_CERTS).
  previous = getGlobalDispatcher();
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, cert.cert] } }));
  const [opPort, appPort] = await freePorts(2);
  appUrl = `http://localhost:${appPort}`;
  op = await startTestProvider(
    {
      tls: { cert: cert.certFile, key: cert.keyFile },
      clients: [
        {
          client_id: 'portal',
          client_secret: SECRET,
          redirect_uris: [`${appUrl}/callback`],
          post_logout_redirect_uris: [`${appUrl}/logout/callback`],
        },
      ],
      users: [{ username: 'alice', password: 'alice-password', name: 'Alice' }],
    },
    { port: opPort, issuer: `https://localhost:${opPort}` },
  );
  // Inside the repository, so `@adieu/node` and `express` resolve as they would in the reader's project.
  dir = mkdtempSync(join(root, 'node_modules/.readme-'));
  writeFileSync(join(dir, 'app.mjs'), readmeSnippet());
  child = spawn(process.execPath, ['app.mjs'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      ADIEU_ISSUER: op.issuer,
      PORTAL_SECRET: SECRET,
      BASE_URL: appUrl,
      PORT: String(appPort),
      NODE_EXTRA_CA_CERTS: cert.certFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the README app exited: ${output}`);
    const up = await fetch(`${appUrl}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`the README app did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await op?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (previous) setGlobalDispatcher(previous);
});

describe('the @adieu/node README Express snippet, pasted into app.mjs and run with node', () => {
  it('serves a signed-out page, signs Alice in through the provider, and protects /expenses', async () => {
    const browser = new BrowserSession();
    expect(await (await browser.request(`${appUrl}/`)).text()).toBe('Signed out: go to /login');
    const anonymous = await fetch(`${appUrl}/expenses`);
    expect(anonymous.status).toBe(401);

    // appSignIn lands on /me, which the snippet does not have: sign in, then read the pages it has.
    await expect(
      appSignIn(browser, appUrl, op.issuer, { username: 'alice', password: 'alice-password' }),
    ).rejects.toThrow(/\/me/);
    expect(await (await browser.request(`${appUrl}/`)).text()).toBe('Hello Alice');
    const expenses = await browser.request(`${appUrl}/expenses`);
    expect(await expenses.json()).toEqual({ user: 'Alice', expenses: [] });
    expect(output).not.toMatch(/Error/);
  });

  it('a failed callback (access_denied) shows a plain message and a way to try again, no stack trace', async () => {
    const browser = new BrowserSession();
    const start = await browser.request(`${appUrl}/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const res = await browser.request(
      `${appUrl}/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(op.issuer)}`,
    );
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('You are not signed in.');
    expect(body).toContain('<a href="/login">Try again</a>');
    expect(body).not.toMatch(/at |node_modules|\.js:/);
  });
});
