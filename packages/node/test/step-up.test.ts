/**
 * requireAcr (docs/mfa.md, step-up): a page that needs `urn:adieu:mfa` sends a password-only user through a
 * step-up (only the code from the authenticator app, same provider session) and back to the page; an API call
 * gets RFC 9470's 401 insufficient_user_authentication; a level the provider cannot reach for this user
 * (phr without a passkey) ends in that 401 too instead of a redirect loop. Express and Fastify alike.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestProvider, type TestProvider } from '../../server/src/testing/index.js';
import { totpCodeAt } from '../../server/src/mfa/totp.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { Adieu, type AppSession } from '../src/index.js';
import { adieuExpress, requireAcr as expressRequireAcr } from '../src/express.js';
import { adieuFastify, requireAcr as fastifyRequireAcr } from '../src/fastify.js';
import { stepUpDecision } from '../src/acr.js';

const SECRET = 'app-secret-0123456789abcdef';
const KEK = Buffer.alloc(32, 5).toString('base64');
const me = (s: AppSession | undefined) => ({ sid: s?.sid, acr: s?.user.acr, amr: s?.user.amr });

describe('stepUpDecision', () => {
  const session = (acr: string | undefined, requestedAcr?: string[]) => ({
    user: { sub: 'u', acr },
    requestedAcr,
  });
  it('passes at or above the level, steps up below it, and refuses once the same level was asked and not reached', () => {
    expect(stepUpDecision(undefined, ['urn:adieu:mfa'])).toBe('sign_in');
    expect(stepUpDecision(session('urn:adieu:mfa'), ['urn:adieu:mfa'])).toBe('pass');
    expect(stepUpDecision(session('urn:adieu:phr'), ['urn:adieu:mfa'])).toBe('pass');
    expect(stepUpDecision(session('urn:adieu:pwd'), ['urn:adieu:mfa'])).toBe('step_up');
    expect(stepUpDecision(session('urn:adieu:pwd', ['urn:adieu:mfa']), ['urn:adieu:phr'])).toBe('step_up');
    expect(stepUpDecision(session('urn:adieu:mfa', ['urn:adieu:phr']), ['urn:adieu:phr'])).toBe(
      'insufficient',
    );
  });
});

describe.each(['express', 'fastify'] as const)('requireAcr on %s', (framework) => {
  let op: TestProvider;
  let adieu: Adieu;
  let appUrl: string;
  let close: () => Promise<void>;
  let secret: string;
  let now = Date.now();
  const previousKek = process.env.ADIEU_KEY_ENCRYPTION_KEY;

  beforeAll(async () => {
    process.env.ADIEU_KEY_ENCRYPTION_KEY = KEK;
    const port = await freePort();
    appUrl = `http://localhost:${port}`;
    op = await startTestProvider(
      {
        // mfa "off": the first sign-in is a password only, so the page's demand is a real step-up.
        clients: [
          { client_id: 'app', client_secret: SECRET, redirect_uris: [`${appUrl}/callback`], mfa: 'off' },
        ],
        users: [{ username: 'alice', password: 'alice-password', name: 'Alice' }],
      },
      { clock: () => now },
    );
    const user = (await op.provider.store.users.findByUsername('alice'))!;
    const sealed = await op.provider.secondFactors.startTotp();
    secret = (await op.provider.secondFactors.enrolment(sealed, 'alice')).secret;
    await op.provider.secondFactors.confirmTotp(user.id, sealed, totpCodeAt(secret, now));
    now += 30_000;

    adieu = new Adieu({
      issuer: op.issuer,
      clientId: 'app',
      clientSecret: SECRET,
      baseUrl: appUrl,
      allowInsecureRequests: true,
    });
    if (framework === 'express') {
      const app = express();
      app.use(adieuExpress(adieu));
      app.get('/', (req, res) => res.json(me(req.adieu.session)));
      app.get('/approve', expressRequireAcr('urn:adieu:mfa'), (req, res) => res.json(me(req.adieu.session)));
      app.get('/vault', expressRequireAcr(['urn:adieu:phr']), (req, res) => res.json(me(req.adieu.session)));
      const server = createServer(app).listen(port, '127.0.0.1');
      await once(server, 'listening');
      close = () => new Promise((r) => server.close(() => r()));
    } else {
      const app = Fastify();
      await app.register(adieuFastify, { adieu });
      app.get('/', async (req) => me(req.adieu.session));
      app.get('/approve', { preHandler: fastifyRequireAcr('urn:adieu:mfa') }, async (req) =>
        me(req.adieu.session),
      );
      app.get('/vault', { preHandler: fastifyRequireAcr(['urn:adieu:phr']) }, async (req) =>
        me(req.adieu.session),
      );
      await app.listen({ port, host: '127.0.0.1' });
      close = () => app.close();
    }
  });
  afterAll(async () => {
    await close?.();
    await adieu?.close();
    await op?.close();
    if (previousKek === undefined) delete process.env.ADIEU_KEY_ENCRYPTION_KEY;
    else process.env.ADIEU_KEY_ENCRYPTION_KEY = previousKek;
  });

  it('a password sign-in steps up on the page that needs mfa: only the code, same sid, back on the page', async () => {
    const browser = new BrowserSession();
    const stayOn = [new URL(appUrl).origin, new URL(op.issuer).origin];
    // A plain sign-in first: this app asks for no second factor (mfa "off"), so the session is at pwd.
    const first = await browser.navigate(`${appUrl}/login?returnTo=/`, {}, stayOn);
    const signedIn = await browser.submit(
      first,
      { username: 'alice', password: 'alice-password' },
      'form',
      stayOn,
    );
    const before = JSON.parse(signedIn.body) as ReturnType<typeof me>;
    expect(before.acr).toBe('urn:adieu:pwd');

    // An API call below the level: RFC 9470's challenge, no redirect.
    const cookie = await browser.jar.getCookieString(appUrl);
    const api = await fetch(`${appUrl}/approve`, { headers: { accept: 'application/json', cookie } });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(
      /error="insufficient_user_authentication".*acr_values="urn:adieu:mfa"/,
    );
    expect(await api.json()).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'urn:adieu:mfa',
    });

    // The page: to the provider with acr_values, only the second factor, and back here.
    const start = await browser.request(`${appUrl}/approve`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('acr_values')).toBe('urn:adieu:mfa');
    const step = await browser.navigate(authorize.toString(), {}, stayOn);
    expect(step.doc.querySelector('input[name=password]')).toBeNull();
    expect(step.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
    const back = await browser.submit(step, { code: totpCodeAt(secret, now) }, 'form', stayOn);
    expect(back.url).toBe(`${appUrl}/approve`);
    const after = JSON.parse(back.body) as ReturnType<typeof me>;
    expect(after).toMatchObject({ sid: before.sid, acr: 'urn:adieu:mfa', amr: ['pwd', 'otp', 'mfa'] });

    // phr cannot be reached without a passkey: the provider answers with mfa, and the guard says so once.
    const vault = await browser.navigate(`${appUrl}/vault`, {}, stayOn);
    expect(vault.url).toBe(`${appUrl}/vault`);
    expect(vault.status).toBe(401);
    expect(JSON.parse(vault.body)).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'urn:adieu:phr',
    });
    now += 30_000;
  });
});
