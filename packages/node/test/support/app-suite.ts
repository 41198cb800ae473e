/**
 * One suite, run for the Express app and for the Fastify app (express.test.ts, fastify.test.ts): login,
 * back-channel logout against the real provider (right sessions killed, replays and other clients' tokens
 * refused), forged tokens from an issuer the test controls, front-channel, RP-initiated and local logout,
 * refresh ending the session on invalid_grant, and push to open pages.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeProtectedHeader } from 'jose';
import {
  freePort,
  freePorts,
  startTestProvider,
  type TestProvider,
} from '../../../server/src/testing/index.js';
import { BrowserSession } from '../../../../test/support/browser-session.js';
import { discover, oidc, signIn } from '../../../../test/support/oidc.js';
import { MemorySessionStore, type AppSession } from '../../src/index.js';
import { startApp, type Framework, type TestApp } from './apps.js';
import { appSignIn, openEvents, postLogoutToken, seedSession, whoAmI } from './flows.js';
import { startTap, type Tap } from './tap.js';
import { LOGOUT_EVENT, startTestIssuer, type TestIssuer } from './test-issuer.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const APP_SECRET = 'app-secret-0123456789abcdef';
const OTHER_SECRET = 'other-secret-0123456789abcdef';
const QUIET_SECRET = 'quiet-secret-0123456789abcdef';

export function defineAppSuite(framework: Framework): void {
  let op: TestProvider;
  let app: TestApp;
  let quiet: TestApp;
  let appTap: Tap;
  let otherTap: Tap;
  let otherCb: string;
  let cookieName: string;

  beforeAll(async () => {
    const [appPort, quietPort, appTapPort, otherTapPort] = await freePorts(4);
    const appUrl = `http://localhost:${appPort}`;
    const quietUrl = `http://localhost:${quietPort}`;
    otherCb = `http://localhost:${otherTapPort}/cb`;
    appTap = await startTap(appTapPort, () => `${appUrl}/backchannel-logout`);
    otherTap = await startTap(otherTapPort);
    op = await startTestProvider({
      clients: [
        {
          client_id: 'app',
          client_secret: APP_SECRET,
          client_name: 'SDK app',
          redirect_uris: [`${appUrl}/callback`],
          post_logout_redirect_uris: [`${appUrl}/logout/callback`],
          backchannel_logout_uri: appTap.url,
        },
        {
          client_id: 'other',
          client_secret: OTHER_SECRET,
          redirect_uris: [otherCb],
          backchannel_logout_uri: otherTap.url,
        },
        // No logout channel at all: only a failing refresh can tell it the session ended.
        { client_id: 'quiet', client_secret: QUIET_SECRET, redirect_uris: [`${quietUrl}/callback`] },
      ],
      users: [
        { ...ALICE, name: 'Alice' },
        { ...BOB, name: 'Bob' },
      ],
    });
    const common = { issuer: op.issuer, allowInsecureRequests: true };
    app = await startApp(framework, {
      port: appPort,
      options: { ...common, clientId: 'app', clientSecret: APP_SECRET },
    });
    quiet = await startApp(framework, {
      port: quietPort,
      // Refresh on every request (the leeway exceeds the access token's lifetime).
      options: {
        ...common,
        clientId: 'quiet',
        clientSecret: QUIET_SECRET,
        refresh: { leeway: 3600 },
        // Browsers ignore ports: two apps on localhost need different cookie names.
        cookie: { name: 'quiet_app' },
      },
    });
    cookieName = app.adieu.config.cookies.session;
  });
  afterAll(async () => {
    await app?.close();
    await quiet?.close();
    await op?.close();
    await appTap?.close();
    await otherTap?.close();
  });

  const other = () =>
    discover({ issuer: op.issuer, clientId: 'other', clientSecret: OTHER_SECRET, redirectUri: otherCb });

  /** Sign `other` in within the browser's SSO session, then log out from it: the provider tells the app. */
  async function logoutViaOther(browser: BrowserSession, credentials?: typeof ALICE) {
    const config = await other();
    const { tokens } = await signIn(config, browser, otherCb, credentials);
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const page = await browser.navigate(url.toString());
    expect(page.status).toBe(200);
    return tokens.claims()!.sid as string;
  }

  const alive = async (browser: BrowserSession, url = app.url) => (await whoAmI(browser, url)).authenticated;
  const waitDead = (browser: BrowserSession, url = app.url) =>
    expect.poll(() => alive(browser, url), { timeout: 15_000, interval: 50 }).toBe(false);

  describe(`${framework}: sign-in`, () => {
    it('signs in with code + PKCE; the cookie holds only a random id; user and tokens are on the request', async () => {
      const browser = new BrowserSession();
      const me = await appSignIn(browser, app.url, op.issuer, ALICE);
      expect(me).toMatchObject({ authenticated: true, name: 'Alice', loginShown: true });
      expect(me.sid).toBeTruthy();
      expect(me.accessToken!.split('.')).toHaveLength(3);
      const cookies = await browser.jar.getCookies(app.url);
      const session = cookies.find((c) => c.key === cookieName)!;
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('lax');
      expect(session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session.value).not.toContain(me.accessToken!.slice(0, 20));
      const stored = await app.adieu.store.get(session.value);
      expect(stored).toMatchObject({ sub: me.sub, sid: me.sid, tokens: { accessToken: me.accessToken } });
      // The transaction cookie is gone and single use.
      expect(cookies.find((c) => c.key.endsWith('_tx'))).toBeUndefined();
    });

    it('requiresAuth sends a page load to the login, and an API call gets 401', async () => {
      const browser = new BrowserSession();
      const page = await browser.request(`${app.url}/me`);
      expect(page.status).toBe(302);
      const to = new URL(page.headers.get('location')!);
      expect(to.origin + to.pathname).toBe(`${op.issuer}/authorize`);
      const api = await fetch(`${app.url}/me`, { headers: { accept: 'application/json' } });
      expect(api.status).toBe(401);
      expect(await api.json()).toEqual({ error: 'unauthenticated' });
    });

    it('a callback without this browser’s transaction is refused', async () => {
      const res = await new BrowserSession().request(`${app.url}/callback?code=x&state=y`);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/not started in this browser|login_transaction_missing/);
    });

    it('returnTo never leaves the app (no open redirect)', async () => {
      for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
        const res = await new BrowserSession().request(
          `${app.url}/login?returnTo=${encodeURIComponent(evil)}`,
        );
        expect(res.status).toBe(302);
        const tx = [...res.headers.getSetCookie()].find((c) => c.includes('_tx='))!;
        const txId = /_tx=([^;]+)/.exec(tx)![1]!;
        const stored = await app.adieu.store.takeTransaction(txId);
        expect(stored?.returnTo).toBe('/');
      }
    });
  });

  describe(`${framework}: back-channel logout with the real provider`, () => {
    const a1 = new BrowserSession();
    const a1b = new BrowserSession();
    const a2 = new BrowserSession();
    const b = new BrowserSession();

    it('kills exactly the app sessions of the SSO session that ended, and no other', async () => {
      const first = await appSignIn(a1, app.url, op.issuer, ALICE);
      // A second app session in the same SSO session (another tab/device sharing the provider cookie).
      // (Only the provider's cookies: on localhost the browser would also share the app's, ports do not count.)
      for (const c of await a1.jar.getCookies(op.issuer)) {
        if (c.key !== cookieName) await a1b.jar.setCookie(c, op.issuer);
      }
      const second = await appSignIn(a1b, app.url, op.issuer);
      expect(second.loginShown).toBe(false);
      expect(second.sid).toBe(first.sid);
      const sameUser = await appSignIn(a2, app.url, op.issuer, ALICE);
      expect(sameUser.sid).not.toBe(first.sid);
      await appSignIn(b, app.url, op.issuer, BOB);
      const before = appTap.deliveries.length;

      const sid1 = await logoutViaOther(a1);
      expect(sid1).toBe(first.sid);
      const [delivery] = (await appTap.waitFor(before + 1)).slice(before);
      expect(delivery!.status).toBe(200);
      expect(delivery!.cacheControl).toBe('no-store');
      // What the provider sent is a logout token naming this SSO session and the same subject as the ID token.
      expect(decodeProtectedHeader(delivery!.token)).toMatchObject({ typ: 'logout+jwt', alg: 'RS256' });
      expect(claimsOf(delivery!.token)).toMatchObject({
        iss: op.issuer,
        aud: 'app',
        sid: first.sid,
        sub: first.sub,
      });
      await waitDead(a1);
      expect(await alive(a1b)).toBe(false);
      expect(await alive(a2)).toBe(true);
      expect(await alive(b)).toBe(true);
      const ended = app.ended.filter((e) => e.reason === 'backchannel').at(-1)!;
      expect(ended.sessions.map((s) => s.sid)).toEqual([sid1, sid1]);
    });

    it('a replayed logout token gets 400 (jti) and kills nothing', async () => {
      const token = appTap.deliveries.find((d) => d.status === 200)!.token;
      const res = await postLogoutToken(app.url, token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', code: 'jti_replayed', check: 'jti' });
      expect(await alive(a2)).toBe(true);
      expect(await alive(b)).toBe(true);
    });

    it('a logout token issued to another client (wrong aud) gets 400 and kills nothing', async () => {
      // Alice signs in to `other` only; the app never hears this SSO session ended, so an app session we
      // give that sid stays alive unless the app wrongly accepts other's token.
      const browser = new BrowserSession();
      const before = otherTap.deliveries.length;
      const sid = await logoutViaOther(browser, ALICE);
      const token = (await otherTap.waitFor(before + 1))[before]!.token;
      const holder = new BrowserSession();
      const victim = await seedSession(app.adieu.store, holder, app.url, cookieName, {
        sub: claimsOf(token).sub,
        sid,
      });
      const res = await postLogoutToken(app.url, token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'aud_invalid', check: 'aud' });
      expect(await app.adieu.store.get(victim.id)).toBeDefined();
      expect(await alive(holder)).toBe(true);
    });

    it('a forged signature gets 400 and kills nothing', async () => {
      const me = await whoAmI(a2, app.url);
      const jwks = (await (await fetch(`${op.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      const kid = jwks.keys[0]!.kid;
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: op.issuer,
        aud: 'app',
        sub: me.sub,
        sid: me.sid,
        iat: now,
        exp: now + 60,
        jti: `forged-${now}`,
        events: { [LOGOUT_EVENT]: {} },
      };
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
        .sign(privateKey);
      expect(decodeProtectedHeader(forged).kid).toBe(kid);
      let res = await postLogoutToken(app.url, forged);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'bad_signature', check: 'signature' });
      // alg: none is refused before any key is looked at.
      const unsigned = [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url'),
        Buffer.from(JSON.stringify(claims)).toString('base64url'),
        '',
      ].join('.');
      res = await postLogoutToken(app.url, unsigned);
      expect(res.status).toBe(400);
      expect(res.body.code).toMatch(/alg_not_allowed|token_malformed/);
      expect(await alive(a2)).toBe(true);
      expect(await alive(b)).toBe(true);
    });

    it('a request that is not a form with one logout_token gets 400 malformed_request', async () => {
      const json = await fetch(`${app.url}/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ logout_token: 'x.y.z' }),
      });
      expect(json.status).toBe(400);
      expect(await json.json()).toMatchObject({ code: 'malformed_request' });
      const twice = await fetch(`${app.url}/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'logout_token=a.b.c&logout_token=d.e.f',
      });
      expect(twice.status).toBe(400);
      expect(await twice.json()).toMatchObject({ code: 'malformed_request', check: 'logout_token' });
    });
  });

  /** The app with the test's own issuer: tokens the real provider never signs. */
  describe(`${framework}: forged logout tokens from an issuer the test controls`, () => {
    let issuer: TestIssuer;
    let forgedApp: TestApp;
    let store: MemorySessionStore;
    const sessions: Record<string, { session: AppSession; browser: BrowserSession }> = {};
    const now = () => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      issuer = await startTestIssuer();
      store = new MemorySessionStore();
      forgedApp = await startApp(framework, {
        port: await freePort(),
        options: {
          issuer: issuer.issuer,
          allowInsecureRequests: true,
          clientId: 'app',
          clientSecret: APP_SECRET,
          store,
        },
      });
      for (const [name, sub, sid] of [
        ['u1x1', 'u1', 'x1'],
        ['u1x2', 'u1', 'x2'],
        ['u2x3', 'u2', 'x3'],
      ] as const) {
        const browser = new BrowserSession();
        const session = await seedSession(store, browser, forgedApp.url, cookieName, { sub, sid });
        sessions[name] = { session, browser };
      }
    });
    afterAll(async () => {
      await forgedApp?.close();
      await issuer?.close();
    });

    const allAlive = async () => {
      for (const [name, { browser }] of Object.entries(sessions)) {
        expect(await alive(browser, forgedApp.url), name).toBe(true);
      }
    };

    const cases: [string, string, () => Promise<string>][] = [
      [
        'an expired token',
        'expired',
        () => issuer.logoutToken('app', { sid: 'x1', iat: now() - 90, exp: now() - 30 }),
      ],
      ['a token without jti', 'jti_missing', () => issuer.logoutToken('app', { sid: 'x1', jti: undefined })],
      [
        'a token with a nonce',
        'nonce_present',
        () => issuer.logoutToken('app', { sid: 'x1', nonce: 'n-0S6_WzA2Mj' }),
      ],
      [
        'a token for another audience',
        'aud_invalid',
        () => issuer.logoutToken('someone-else', { sid: 'x1' }),
      ],
      ['a token without exp', 'exp_missing', () => issuer.logoutToken('app', { sid: 'x1', exp: undefined })],
      ['a token without iat', 'iat_missing', () => issuer.logoutToken('app', { sid: 'x1', iat: undefined })],
      [
        'a token issued too long ago',
        'iat_too_old',
        () => issuer.logoutToken('app', { sid: 'x1', iat: now() - 600 }),
      ],
      [
        'a token issued in the future',
        'iat_in_future',
        () => issuer.logoutToken('app', { sid: 'x1', iat: now() + 600, exp: now() + 900 }),
      ],
      [
        'a token from another issuer',
        'iss_invalid',
        () => issuer.logoutToken('app', { sid: 'x1', iss: 'https://evil.example' }),
      ],
      [
        'a token without typ',
        'typ_invalid',
        () => issuer.logoutToken('app', { sid: 'x1' }, { typ: undefined }),
      ],
      [
        'an ID token (typ JWT)',
        'typ_invalid',
        () => issuer.logoutToken('app', { sid: 'x1' }, { typ: 'JWT' }),
      ],
      [
        'a token without events',
        'events_invalid',
        () => issuer.logoutToken('app', { sid: 'x1', events: undefined }),
      ],
      [
        'events without the logout event',
        'events_invalid',
        () => issuer.logoutToken('app', { sid: 'x1', events: { 'urn:other': {} } }),
      ],
      [
        'an events member that is not an object',
        'events_invalid',
        () => issuer.logoutToken('app', { sid: 'x1', events: { [LOGOUT_EVENT]: 'yes' } }),
      ],
      ['a token with neither sid nor sub', 'sid_sub_missing', () => issuer.logoutToken('app', {})],
      [
        'an ES256 token when only RS256 is allowed',
        'alg_not_allowed',
        () => issuer.logoutToken('app', { sid: 'x1' }, { key: 'es256' }),
      ],
      [
        'a token signed by someone else with the issuer’s kid',
        'bad_signature',
        () => issuer.logoutToken('app', { sid: 'x1' }, { key: 'attacker' }),
      ],
    ];

    for (const [what, code, make] of cases) {
      it(`${what} gets 400 ${code} and kills nothing`, async () => {
        const res = await postLogoutToken(forgedApp.url, await make());
        expect(res.status).toBe(400);
        expect(res.body.code).toBe(code);
        expect(res.body.error).toBe('invalid_request');
        await allAlive();
      });
    }

    it('control: a valid token with sid kills exactly that SSO session (so the refusals above are real)', async () => {
      const res = await postLogoutToken(
        forgedApp.url,
        await issuer.logoutToken('app', { sid: 'x1', sub: 'u1' }),
      );
      expect(res.status).toBe(200);
      expect(res.cacheControl).toBe('no-store');
      expect(await alive(sessions.u1x1!.browser, forgedApp.url)).toBe(false);
      expect(await alive(sessions.u1x2!.browser, forgedApp.url)).toBe(true);
      expect(await alive(sessions.u2x3!.browser, forgedApp.url)).toBe(true);
      // The SSO session is over for good: a login in flight for it cannot create a session afterwards.
      const late = { ...sessions.u1x1!.session, id: 'late-login-0123456789' };
      expect(await store.create(late)).toBe('sid_ended');
    });

    it('a sub-only token ends that user’s sessions that began before it, and none begun after', async () => {
      const later = new BrowserSession();
      const laterSession = await seedSession(store, later, forgedApp.url, cookieName, {
        sub: 'u1',
        sid: 'x9',
        authTime: now() + 30,
      });
      const res = await postLogoutToken(forgedApp.url, await issuer.logoutToken('app', { sub: 'u1' }));
      expect(res.status).toBe(200);
      expect(await alive(sessions.u1x2!.browser, forgedApp.url)).toBe(false);
      expect(await alive(later, forgedApp.url)).toBe(true);
      expect(await alive(sessions.u2x3!.browser, forgedApp.url)).toBe(true);
      // No resurrection: a session that authenticated before the logout cannot be created afterwards ...
      const stale = { ...laterSession, id: 'stale-login-0123456789', sid: 'x10', authTime: now() - 30 };
      expect(await store.create(stale)).toBe('logged_out_before');
      // ... while a later login of the same user still works.
      const fresh = { ...laterSession, id: 'fresh-login-0123456789', sid: 'x11', authTime: now() + 60 };
      expect(await store.create(fresh)).toBe('created');
    });

    it('a valid token replayed gets 400 jti_replayed', async () => {
      const token = await issuer.logoutToken('app', { sid: 'x-unknown' });
      expect((await postLogoutToken(forgedApp.url, token)).status).toBe(200);
      const again = await postLogoutToken(forgedApp.url, token);
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('jti_replayed');
    });
  });

  describe(`${framework}: front-channel logout`, () => {
    it('clears the SSO session’s app sessions, no-store, framable only by the provider, posts the acknowledgement', async () => {
      const browser = new BrowserSession();
      const me = await appSignIn(browser, app.url, op.issuer, ALICE);
      const bystander = new BrowserSession();
      await appSignIn(bystander, app.url, op.issuer, ALICE);
      const url = `${app.url}/frontchannel-logout?iss=${encodeURIComponent(op.issuer)}&sid=${encodeURIComponent(me.sid!)}`;
      // No cookie: this is what a browser that blocks third-party cookies sends from the provider's iframe.
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain(`frame-ancestors ${new URL(op.issuer).origin}`);
      const body = await res.text();
      const script = /<script>([\s\S]*)<\/script>/.exec(body)![1]!;
      expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
      expect(script).toContain('type:"adieu:frontchannel-logout"');
      expect(script).toContain('cleared:true');
      expect(script).toContain(`parent.postMessage(`);
      expect(script).toContain(JSON.stringify(new URL(op.issuer).origin));
      expect(await alive(browser)).toBe(false);
      expect(await alive(bystander)).toBe(true);
    });

    it('refuses another issuer or a lone sid, and clears nothing', async () => {
      const browser = new BrowserSession();
      const me = await appSignIn(browser, app.url, op.issuer, BOB);
      let res = await fetch(`${app.url}/frontchannel-logout?iss=https%3A%2F%2Fevil.example&sid=${me.sid}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('cleared:false');
      res = await fetch(`${app.url}/frontchannel-logout?sid=${me.sid}`);
      expect(res.status).toBe(400);
      expect(await alive(browser)).toBe(true);
    });
  });

  describe(`${framework}: RP-initiated and local logout`, () => {
    it('ends the app session, then the SSO session with id_token_hint, client_id, post_logout_redirect_uri and a verified state', async () => {
      const browser = new BrowserSession();
      const me = await appSignIn(browser, app.url, op.issuer, ALICE);
      const res = await browser.request(`${app.url}/logout?returnTo=/after`);
      expect(res.status).toBe(302);
      const end = new URL(res.headers.get('location')!);
      expect(end.origin + end.pathname).toBe(`${op.issuer}/end_session`);
      expect(end.searchParams.get('id_token_hint')).toBe(me.idToken);
      expect(end.searchParams.get('client_id')).toBe('app');
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/logout/callback`);
      const state = end.searchParams.get('state')!;
      expect(state.length).toBeGreaterThanOrEqual(43);
      expect(await alive(browser)).toBe(false);

      // A forged return (someone else's state) is refused.
      const forged = await browser.request(`${app.url}/logout/callback?state=not-the-state`);
      expect(forged.status).toBe(400);

      // The provider ends the SSO session and sends the browser back with the state.
      const receipt = await browser.navigate(end.toString());
      expect(receipt.status).toBe(200);
      const done = receipt.doc.querySelector('#done-link')!.getAttribute('href')!;
      const back = await browser.request(new URL(done, op.issuer).toString());
      const landing = new URL(back.headers.get('location')!);
      expect(landing.origin + landing.pathname).toBe(`${app.url}/logout/callback`);
      expect(landing.searchParams.get('state')).toBe(state);
      const final = await browser.request(landing.toString());
      expect(final.status).toBe(302);
      expect(final.headers.get('location')).toBe('/after');
      // Single use.
      expect((await browser.request(landing.toString())).status).toBe(400);
      // The SSO session is gone: signing in again asks for a password.
      const again = await browser.navigate(`${app.url}/login`, {}, [new URL(app.url).origin, op.issuer]);
      expect(again.doc.querySelector('input[name=password]')).not.toBeNull();
    });

    it('local logout is an explicit choice: the app session ends, the SSO session stays', async () => {
      const browser = new BrowserSession();
      await appSignIn(browser, app.url, op.issuer, BOB);
      const res = await browser.request(`${app.url}/local-logout`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
      expect(await alive(browser)).toBe(false);
      const again = await appSignIn(browser, app.url, op.issuer);
      expect(again).toMatchObject({ authenticated: true, name: 'Bob', loginShown: false });
      // Seed 003's pitfall made visible: the provider names the account before handing it back.
      expect(again.continuedAs).toMatch(/Continuing as Bob/);
    });
  });

  describe(`${framework}: several accounts in one browser`, () => {
    const sessionCookie = async (browser: BrowserSession) =>
      (await browser.jar.getCookies(app.url)).find((c) => c.key === cookieName)?.value;

    it('a sign-in as someone else replaces the app session cleanly: a new id, nothing of the previous user left', async () => {
      const browser = new BrowserSession();
      const alice = await appSignIn(browser, app.url, op.issuer, ALICE);
      const aliceId = (await sessionCookie(browser))!;
      // Bob at the same browser: the provider adds his account beside Alice's; the app gets a new session.
      const bob = await appSignIn(browser, app.url, op.issuer, BOB, { prompt: 'login' });
      expect(bob).toMatchObject({ authenticated: true, name: 'Bob', loginShown: true });
      expect(bob.sub).not.toBe(alice.sub);
      expect(bob.sid).not.toBe(alice.sid);
      const bobId = (await sessionCookie(browser))!;
      expect(bobId).not.toBe(aliceId);
      expect(await app.adieu.store.get(aliceId)).toBeUndefined();
      const stored = JSON.stringify(await app.adieu.store.get(bobId));
      for (const trace of [alice.sub!, alice.sid!, alice.accessToken!, alice.idToken!, 'Alice']) {
        expect(stored).not.toContain(trace);
      }
      expect(app.ended.at(-1)).toMatchObject({
        reason: 'replaced',
        sessions: [{ id: aliceId, sub: alice.sub }],
      });
      // A copy of Alice's old cookie reaches nobody.
      const stale = new BrowserSession();
      await stale.jar.setCookie(`${cookieName}=${aliceId}; Path=/`, app.url);
      expect(await alive(stale)).toBe(false);
      // Alice is still signed in at the provider (the browser's other account): only the app session changed.
      expect((await op.provider.store.sessions.findBySid(alice.sid!))!.ended_at).toBeNull();
    });

    it('a back-channel logout of one of the browser’s accounts kills that account’s app sessions only', async () => {
      const b1 = new BrowserSession();
      const alice = await appSignIn(b1, app.url, op.issuer, ALICE);
      // Bob signs in at another app in the same browser: a second account, with its own SSO session.
      const bobAtOther = (await signIn(await other(), b1, otherCb, BOB, { prompt: 'login' })).tokens;
      // A second tab with its own app cookie but the same provider cookies signs in at the app as Bob.
      const b2 = new BrowserSession();
      for (const c of await b1.jar.getCookies(op.issuer)) {
        if (c.key !== cookieName) await b2.jar.setCookie(c, op.issuer);
      }
      const bob = await appSignIn(b2, app.url, op.issuer, undefined, { login_hint: 'bob' });
      expect(bob).toMatchObject({ loginShown: false, name: 'Bob', sid: bobAtOther.claims()!.sid });
      const before = appTap.deliveries.length;

      const end = oidc.buildEndSessionUrl(await other(), { id_token_hint: bobAtOther.id_token! });
      expect((await b1.navigate(end.toString())).status).toBe(200);
      const [delivery] = (await appTap.waitFor(before + 1)).slice(before);
      expect(claimsOf(delivery!.token)).toMatchObject({ sid: bob.sid, sub: bob.sub });
      await waitDead(b2);
      expect(await whoAmI(b1, app.url)).toMatchObject({ authenticated: true, sid: alice.sid, name: 'Alice' });
      await new Promise((r) => setTimeout(r, 500));
      expect(appTap.deliveries.length).toBe(before + 1);
      expect(app.ended.at(-1)).toMatchObject({ reason: 'backchannel', sessions: [{ sid: bob.sid }] });
    });
  });

  describe(`${framework}: refresh`, () => {
    it('refreshes expired tokens, and a refresh refused with invalid_grant ends the app session', async () => {
      const browser = new BrowserSession();
      const first = await appSignIn(browser, quiet.url, op.issuer, ALICE);
      const next = await whoAmI(browser, quiet.url);
      expect(next.authenticated).toBe(true);
      expect(next.accessToken).not.toBe(first.accessToken);
      // Parallel requests refresh once: a second use of the rotated refresh token would make the provider
      // revoke the whole family (reuse detection) and end the session.
      const parallel = await Promise.all(Array.from({ length: 6 }, () => whoAmI(browser, quiet.url)));
      expect(parallel.every((m) => m.authenticated)).toBe(true);
      expect(await alive(browser, quiet.url)).toBe(true);
      // The SSO session ends; `quiet` registered no logout channel, so nobody tells it ...
      await logoutViaOther(browser);
      // ... but its next refresh fails with invalid_grant, and that ends the app session.
      expect(await alive(browser, quiet.url)).toBe(false);
      expect(quiet.ended.at(-1)).toMatchObject({ reason: 'refresh_failed' });
    });
  });

  describe(`${framework}: push to open pages`, () => {
    it('an open page learns at once that a back-channel logout killed its session', async () => {
      const browser = new BrowserSession();
      await appSignIn(browser, app.url, op.issuer, BOB);
      const stream = await openEvents(browser, `${app.url}/session/events`);
      expect(stream.status).toBe(200);
      await stream.next('session');
      await logoutViaOther(browser);
      const ended = await stream.next('session_ended');
      expect(JSON.parse(ended.data)).toEqual({ reason: 'backchannel' });
      await stream.close();
      const none = await openEvents(browser, `${app.url}/session/events`);
      expect(none.status).toBe(204);
      await none.close();
    });

    it('serves the client snippet, under 1 kB', async () => {
      const res = await fetch(`${app.url}/session/events.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      const js = await res.text();
      expect(Buffer.byteLength(js)).toBeLessThan(1024);
      expect(js).toContain('new EventSource("/session/events")');
    });
  });
}

function claimsOf(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
}
