/**
 * Interop with an RP nobody here wrote: Auth0's express-openid-connect with backchannelLogout enabled accepts
 * our logout tokens and logs its user out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import express from 'express';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { auth, type ConfigParams } from 'express-openid-connect';
import { freePort, startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-password' };

/** The store type express-openid-connect takes for back-channel logout (it does not export it by name). */
type BackchannelStore = NonNullable<Exclude<ConfigParams['backchannelLogout'], boolean | undefined>['store']>;
type StoredEntry = Parameters<BackchannelStore['set']>[1];

/** The smallest express-session compatible store (get/set/destroy with callbacks). */
class MemoryStore {
  readonly data = new Map<string, StoredEntry>();
  get(id: string, cb: (err: unknown, v?: StoredEntry) => void) {
    cb(null, this.data.get(id));
  }
  set(id: string, v: StoredEntry, cb?: (err?: unknown) => void) {
    this.data.set(id, v);
    cb?.();
  }
  destroy(id: string, cb?: (err?: unknown) => void) {
    this.data.delete(id);
    cb?.();
  }
}

let op: TestProvider;
let server: Server;
let appUrl: string;
const store = new MemoryStore();
const backchannelCalls: number[] = [];

beforeAll(async () => {
  const port = await freePort();
  appUrl = `http://localhost:${port}`;
  op = await startTestProvider({
    clients: [
      {
        client_id: 'auth0-app',
        client_secret: 'auth0-app-secret-0123456789',
        redirect_uris: [`${appUrl}/callback`],
        post_logout_redirect_uris: [appUrl],
        backchannel_logout_uri: `${appUrl}/backchannel-logout`,
      },
      {
        client_id: 'portal',
        client_secret: 'portal-secret-0123456789',
        redirect_uris: ['http://localhost:5004/cb'],
      },
    ],
    users: [{ ...ALICE, name: 'Alice' }],
  });
  const app = express();
  app.use((req, res, next) => {
    if (req.path === '/backchannel-logout') res.on('finish', () => backchannelCalls.push(res.statusCode));
    next();
  });
  app.use(
    auth({
      issuerBaseURL: op.issuer,
      baseURL: appUrl,
      clientID: 'auth0-app',
      clientSecret: 'auth0-app-secret-0123456789',
      secret: 'a-long-random-cookie-secret-for-tests-0123456789',
      authRequired: false,
      authorizationParams: { response_type: 'code', response_mode: 'query', scope: 'openid profile' },
      backchannelLogout: { store },
    }),
  );
  app.get('/', (_req, res) => res.send('home'));
  app.get('/me', (req, res) => {
    if (!req.oidc.isAuthenticated()) return res.status(401).json({ user: null });
    return res.json({ user: req.oidc.user });
  });
  server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  server?.close();
  await op?.close();
});

it('express-openid-connect accepts our logout token and logs its user out', async () => {
  const browser = new BrowserSession();
  const origins = [new URL(op.issuer).origin, appUrl];
  const login = await browser.navigate(`${appUrl}/login`, {}, origins);
  const afterLogin = await browser.submit(login, ALICE, 'form', origins);
  expect(afterLogin.status).toBeLessThan(400);
  const me = await browser.navigate(`${appUrl}/me`, {}, origins);
  expect(JSON.parse(me.body).user.name).toBe('Alice');

  // SSO into a second app, then sign out there: the Auth0 app must be told over the back channel.
  const portal = await discover({
    issuer: op.issuer,
    clientId: 'portal',
    clientSecret: 'portal-secret-0123456789',
    redirectUri: 'http://localhost:5004/cb',
  });
  const { tokens, loginShown } = await signIn(portal, browser, 'http://localhost:5004/cb');
  expect(loginShown).toBe(false);
  const end = new URL(`${op.issuer}/end_session`);
  end.searchParams.set('id_token_hint', tokens.id_token!);
  await browser.navigate(end.toString());

  // express-openid-connect answers 204, which the spec's "200 OK" allows us to count as delivered.
  await expect.poll(() => backchannelCalls.length, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(backchannelCalls).toEqual([204]);
  const after = await browser.navigate(`${appUrl}/me`, {}, origins);
  expect(after.status).toBe(401);
});
