/**
 * Upstream identity providers (issue 13): sign-in through a real node-oidc-provider upstream, account linking,
 * and logouts that come from the upstream (back-channel, with every check of Back-Channel Logout 1.0 §2.6).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnsecuredJWT, SignJWT, generateKeyPair } from 'jose';
import { freePort, startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { startUpstream, type Upstream } from '../../../test/support/upstream-op.js';
import { startOAuth2Upstream, type OAuth2Upstream } from '../../../test/support/oauth2-upstream.js';

const CB = 'http://localhost:5001/portal/callback';
const ENTERPRISE_CB = 'http://localhost:5001/enterprise/callback';
const ALICE = {
  username: 'alice',
  password: 'alice-password',
  email: 'alice@example.com',
  email_verified: true,
};
const UPSTREAM_CLIENT = { client_id: 'adieu-at-acme', client_secret: 'acme-secret-0123456789abcdef' };

const ADMIN_SECRET = 'admin-secret-0123456789abcdef';
const GH_CLIENT = { client_id: 'adieu-at-gh', client_secret: 'gh-secret-0123456789abcdef' };

let op: TestProvider;
let acme: Upstream;
let gh: OAuth2Upstream;
let receiver: Receiver;
let issuer: string;

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://localhost:${port}`;
  const conn = `${issuer}/connections/acme`;
  acme = await startUpstream({
    client: {
      ...UPSTREAM_CLIENT,
      redirect_uris: [`${conn}/callback`],
      post_logout_redirect_uris: [`${conn}/logged-out`],
      backchannel_logout_uri: `${conn}/backchannel-logout`,
    },
    accounts: {
      carol: { email: 'carol@acme.example', email_verified: true, name: 'Carol Acme' },
      // Claims alice's address but the upstream never verified it.
      mallory: { email: 'alice@example.com', email_verified: false, name: 'Mallory' },
      // The real Alice at Acme, with her verified address.
      'alice-at-acme': { email: 'alice@example.com', email_verified: true, name: 'Alice at Acme' },
    },
  });
  receiver = await startReceiver();
  gh = await startOAuth2Upstream(GH_CLIENT);
  op = await startTestProvider(
    {
      admin: { bearer_secret: ADMIN_SECRET },
      connections: [
        {
          id: 'gh',
          name: 'GitHub',
          type: 'oauth2',
          authorization_endpoint: `${gh.base}/login/oauth/authorize`,
          token_endpoint: `${gh.base}/login/oauth/access_token`,
          userinfo_endpoint: `${gh.base}/user`,
          ...GH_CLIENT,
          scope: 'read:user user:email',
          claims: { sub: 'id', email: 'email', name: 'name', preferred_username: 'login' },
        },
        {
          id: 'acme',
          name: 'Acme Corp',
          type: 'oidc',
          issuer: acme.issuer,
          ...UPSTREAM_CLIENT,
          domains: ['acme.example'],
        },
      ],
      clients: [
        {
          client_id: 'partner',
          client_secret: 'partner-secret-0123456789',
          redirect_uris: ['http://localhost:5001/partner/callback'],
          connections: ['gh'],
        },
        {
          client_id: 'enterprise',
          client_name: 'Enterprise app',
          client_secret: 'enterprise-secret-0123456789',
          redirect_uris: [ENTERPRISE_CB],
          connections: ['acme'],
          password_login: false,
        },
        {
          client_id: 'locked',
          client_name: 'Locked app',
          client_secret: 'locked-secret-0123456789',
          redirect_uris: ['http://localhost:5001/locked/callback'],
          connections: [],
          password_login: false,
        },
        {
          client_id: 'portal',
          client_name: 'Portal',
          client_secret: 'portal-secret-0123456789',
          redirect_uris: [CB],
          backchannel_logout_uri: receiver.url,
          backchannel_logout_session_required: true,
        },
      ],
      users: [{ ...ALICE, name: 'Alice' }],
      logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
    },
    { port, issuer },
  );
});
afterAll(async () => {
  await op?.close();
  await acme?.close();
  await gh?.close();
  await receiver?.stop();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.succeeded.length = 0;
});

const rp = () =>
  discover({
    issuer: op.issuer,
    clientId: 'portal',
    clientSecret: 'portal-secret-0123456789',
    redirectUri: CB,
  });
const both = () => [new URL(op.issuer).origin, new URL(acme.issuer).origin];

/** At the upstream's development login form: sign in as `login`, then on through any confirmation. */
async function atUpstream(browser: BrowserSession, page: Page & { redirectTo?: string }, login: string) {
  let p = page;
  for (let i = 0; i < 4 && !p.redirectTo; i++) {
    if (p.doc.querySelector('input[name=login]')) {
      p = await browser.submit(p, { login, password: 'any' }, 'form', both());
    } else if (p.doc.querySelector('form')) {
      p = await browser.submit(p, {}, 'form', both());
    } else break;
  }
  return p;
}

/** A full sign-in at the portal through Acme; returns the tokens Adieu issued. */
async function signInThroughAcme(browser: BrowserSession, login: string, extra: Record<string, string> = {}) {
  const config = await rp();
  const req = await authorizationRequest(config, CB, { connection: 'acme', ...extra });
  const first = await browser.navigate(req.url.toString(), {}, both());
  const done = await atUpstream(browser, first, login);
  if (!done.redirectTo)
    throw new Error(`no redirect to the app (${done.status}): ${done.body.slice(0, 500)}`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(done.redirectTo), {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
    idTokenExpected: true,
  });
  return tokens;
}

async function sessionAlive(browser: BrowserSession): Promise<boolean> {
  const config = await rp();
  const req = await authorizationRequest(config, CB, { prompt: 'none' });
  const page = await browser.navigate(req.url.toString());
  return !!page.redirectTo && new URL(page.redirectTo).searchParams.has('code');
}

describe('sign-in through an upstream OIDC provider', () => {
  it('offers one button per connection beside the password form', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB);
    const page = await new BrowserSession().navigate(req.url.toString());
    expect(page.doc.querySelector('input[name=password]')).toBeTruthy();
    const button = page.doc.querySelector('button[name=connection][value=acme]');
    expect(button?.text).toContain('Acme Corp');
    // The password form keeps exactly one submit button (the contract).
    expect(page.doc.querySelectorAll('form')[0]!.querySelectorAll('button').length).toBe(1);
  });

  it('the button leads to the upstream and back, signed in with an Adieu sub of its own', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB);
    const browser = new BrowserSession();
    const login = await browser.navigate(req.url.toString());
    const toAcme = await browser.submit(login, { connection: 'acme' }, 'form.connections', both());
    const done = await atUpstream(browser, toAcme, 'carol');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.redirectTo!), {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toMatch(/^usr_/);
    expect(claims.sub).not.toBe('carol');
    expect(claims.sid).toBeTruthy();

    // Stable across sign-ins (another browser, the same upstream account).
    const again = await signInThroughAcme(new BrowserSession(), 'carol');
    expect(again.claims()!.sub).toBe(claims.sub);
    const info = await oidc.fetchUserInfo(config, again.access_token, claims.sub);
    expect(info.name).toBe('Carol Acme');
  });

  it('the account page and the sessions API say which connection each session came through', async () => {
    const browser = new BrowserSession();
    const tokens = await signInThroughAcme(browser, 'carol');
    const sub = tokens.claims()!.sub;
    const account = await browser.navigate(`${op.issuer}/account`);
    const row = account.doc.querySelector(`tr[data-sid="${tokens.claims()!.sid as string}"]`);
    expect(row?.text).toContain('signed in through Acme Corp');
    const sessions = (await (
      await fetch(`${op.issuer}/api/v1/users/${sub}/sessions`, {
        headers: { authorization: `Bearer ${ADMIN_SECRET}` },
      })
    ).json()) as { sid: string; connection: unknown }[];
    expect(sessions.find((x) => x.sid === tokens.claims()!.sid)?.connection).toEqual({
      id: 'acme',
      name: 'Acme Corp',
    });
    // A password session names none.
    const alice = await signIn(await rp(), new BrowserSession(), CB, ALICE);
    const mine = (await (
      await fetch(`${op.issuer}/api/v1/users/alice/sessions`, {
        headers: { authorization: `Bearer ${ADMIN_SECRET}` },
      })
    ).json()) as { sid: string; connection: unknown }[];
    expect(mine.find((x) => x.sid === alice.tokens.claims()!.sid)?.connection).toBeNull();
  });

  it('connection=<id> goes straight to the upstream; a login_hint of its domain too', async () => {
    const config = await rp();
    const direct = await authorizationRequest(config, CB, { connection: 'acme' });
    const a = await new BrowserSession().navigate(direct.url.toString(), {}, [new URL(op.issuer).origin]);
    expect(a.redirectTo?.startsWith(acme.issuer)).toBe(true);

    const hinted = await authorizationRequest(config, CB, { login_hint: 'carol@ACME.example' });
    const b = await new BrowserSession().navigate(hinted.url.toString(), {}, [new URL(op.issuer).origin]);
    expect(b.redirectTo?.startsWith(acme.issuer)).toBe(true);
    expect(new URL(b.redirectTo!).searchParams.get('login_hint')).toBe('carol@ACME.example');
  });

  it('an email typed into the password form goes to the connection of its domain', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB);
    const browser = new BrowserSession();
    const login = await browser.navigate(req.url.toString());
    const next = await browser.submit(login, { username: 'dave@acme.example', password: '' });
    expect(next.redirectTo?.startsWith(acme.issuer)).toBe(true);
  });

  it('an app that lists its connections offers only those', async () => {
    const partner = await discover({
      issuer: op.issuer,
      clientId: 'partner',
      clientSecret: 'partner-secret-0123456789',
      redirectUri: 'http://localhost:5001/partner/callback',
    });
    const req = await authorizationRequest(partner, 'http://localhost:5001/partner/callback');
    const page = await new BrowserSession().navigate(req.url.toString());
    expect(page.doc.querySelectorAll('button[name=connection]').map((b) => b.getAttribute('value'))).toEqual([
      'gh',
    ]);
    const direct = await authorizationRequest(partner, 'http://localhost:5001/partner/callback', {
      connection: 'acme',
    });
    const refused = await new BrowserSession().navigate(direct.url.toString());
    expect(refused.status).toBe(400);
    expect(refused.redirectTo).toBeUndefined();
    // Home-realm discovery stays within what the app offers.
    const hinted = await authorizationRequest(partner, 'http://localhost:5001/partner/callback', {
      login_hint: 'carol@acme.example',
    });
    const login = await new BrowserSession().navigate(hinted.url.toString());
    expect(login.redirectTo).toBeUndefined();
    expect(login.doc.querySelector('input[name=password]')).toBeTruthy();
  });

  it('an unknown connection is an error page, never a redirect', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'nope' });
    const page = await new BrowserSession().navigate(req.url.toString());
    expect(page.redirectTo).toBeUndefined();
    expect(page.status).toBe(400);
    expect(page.body).toContain('does not exist');
  });

  it('a callback replayed into another browser, or twice, is refused and creates nothing', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme' });
    const browser = new BrowserSession();
    const first = await browser.navigate(req.url.toString(), {}, both());
    // Stop where the upstream sends the browser back to Adieu's callback.
    let p: Page & { redirectTo?: string } = first;
    for (let i = 0; i < 4 && !p.redirectTo; i++) {
      p = p.doc.querySelector('input[name=login]')
        ? await browser.submit(p, { login: 'erin', password: 'x' }, 'form', [new URL(acme.issuer).origin])
        : await browser.submit(p, {}, 'form', [new URL(acme.issuer).origin]);
    }
    const callback = p.redirectTo!;
    expect(callback.startsWith(`${op.issuer}/connections/acme/callback`)).toBe(true);

    const thief = new BrowserSession();
    const stolen = await thief.navigate(callback);
    expect(stolen.status).toBe(400);
    expect(stolen.body).toContain('Acme Corp');
    // The trip was spent by the refused attempt: the right browser cannot complete it either.
    const late = await browser.navigate(callback);
    expect(late.status).toBe(400);
    expect(late.redirectTo).toBeUndefined();
  });

  it("a code from one connection sent to another connection's callback is a mix-up, refused", async () => {
    await op.provider.connections.save({
      id: 'other',
      name: 'Other Co',
      type: 'oidc',
      issuer: acme.issuer,
      client_id: UPSTREAM_CLIENT.client_id,
      client_secret: UPSTREAM_CLIENT.client_secret,
    });
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme' });
    const browser = new BrowserSession();
    let p: Page & { redirectTo?: string } = await browser.navigate(req.url.toString(), {}, both());
    for (let i = 0; i < 4 && !p.redirectTo; i++) {
      p = p.doc.querySelector('input[name=login]')
        ? await browser.submit(p, { login: 'frank', password: 'x' }, 'form', [new URL(acme.issuer).origin])
        : await browser.submit(p, {}, 'form', [new URL(acme.issuer).origin]);
    }
    const swapped = p.redirectTo!.replace('/connections/acme/', '/connections/other/');
    const page = await browser.navigate(swapped);
    expect(page.status).toBe(400);
    expect(page.body).toContain('wrong sign-in option');
    await op.provider.connections.remove('other');
  });
});

describe('account linking', () => {
  it('an unverified upstream email never reaches an existing account', async () => {
    const tokens = await signInThroughAcme(new BrowserSession(), 'mallory');
    const alice = await op.provider.store.users.findByUsername('alice');
    expect(tokens.claims()!.sub).not.toBe(alice!.id);
  });

  it('a verified email links only after the person proves the account is theirs', async () => {
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme' });
    const browser = new BrowserSession();
    const first = await browser.navigate(req.url.toString(), {}, both());
    const linkPage = await atUpstream(browser, first, 'alice-at-acme');
    expect(linkPage.redirectTo).toBeUndefined();
    expect(linkPage.body).toContain('You already have an account');

    const wrong = await browser.submit(linkPage, { password: 'not-hers' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('not correct');

    const right = await browser.submit(wrong, { password: ALICE.password });
    expect(right.redirectTo?.startsWith(CB)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(right.redirectTo!), {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    const alice = await op.provider.store.users.findByUsername('alice');
    expect(tokens.claims()!.sub).toBe(alice!.id);

    // From now on, the link holds without asking again.
    const again = await signInThroughAcme(new BrowserSession(), 'alice-at-acme');
    expect(again.claims()!.sub).toBe(alice!.id);
  });
});

describe('logout from the upstream (inward)', () => {
  it("the upstream's own back-channel logout ends the bound Adieu session and tells its apps", async () => {
    const browser = new BrowserSession();
    const tokens = await signInThroughAcme(browser, 'gina');
    const sid = tokens.claims()!.sid as string;
    expect(await sessionAlive(browser)).toBe(true);

    // Sign out at the upstream itself (its RP-initiated logout, confirmed in its own page).
    const endUrl = new URL(`${acme.issuer}/session/end`);
    endUrl.searchParams.set('client_id', UPSTREAM_CLIENT.client_id);
    const confirm = await browser.navigate(endUrl.toString(), {}, both());
    await browser.submit(confirm, { logout: 'yes' }, 'form', both());

    const [delivered] = await receiver.waitFor(1, 10_000);
    expect(delivered!.claims.sid).toBe(sid);
    expect(delivered!.claims.reason).toBe('upstream');
    expect(acme.errors).toEqual([]);
    expect(await sessionAlive(browser)).toBe(false);
  });

  // Front-Channel Logout 1.0 from the upstream's iframe (issue 13 §6): by `sid`, or the browser's own session.
  describe("the upstream's front-channel logout", () => {
    const frame = (browser: BrowserSession, q: Record<string, string>) =>
      browser.navigate(`${op.issuer}/connections/acme/frontchannel-logout?${new URLSearchParams(q)}`);

    it('with iss and sid: ends the Adieu sessions bound to that upstream session, and its apps are told', async () => {
      const browser = new BrowserSession();
      const tokens = await signInThroughAcme(browser, 'ivy');
      const sid = tokens.claims()!.sid as string;
      const binding = await op.provider.store.federation.findSessionBinding(sid);
      expect(binding?.upstream_sid).toBeTruthy();
      const before = receiver.received.length;
      // Another browser (the upstream's frame may come without Adieu's cookie): the sid alone names the session.
      const page = await frame(new BrowserSession(), { iss: acme.issuer, sid: binding!.upstream_sid! });
      expect(page.status).toBe(200);
      expect(await sessionAlive(browser)).toBe(false);
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThan(before);
      const told = receiver.received.slice(before).find((r) => r.claims.sid === sid);
      expect(told?.claims.reason).toBe('upstream');
    });

    it("without sid: ends only this browser's session that came through the upstream", async () => {
      const mine = new BrowserSession();
      const other = new BrowserSession();
      await signInThroughAcme(mine, 'jack');
      await signInThroughAcme(other, 'jack');
      const page = await frame(mine, { iss: acme.issuer });
      expect(page.status).toBe(200);
      expect(await sessionAlive(mine)).toBe(false);
      expect(await sessionAlive(other)).toBe(true);
    });

    it('a wrong iss, an unknown sid or an unknown connection ends nothing and is no error page', async () => {
      const browser = new BrowserSession();
      const tokens = await signInThroughAcme(browser, 'kim');
      const binding = await op.provider.store.federation.findSessionBinding(tokens.claims()!.sid as string);
      const wrongIss = await frame(browser, { iss: 'https://evil.example', sid: binding!.upstream_sid! });
      const unknownSid = await frame(browser, { iss: acme.issuer, sid: 'no-such-session' });
      const unknownConnection = await browser.navigate(
        `${op.issuer}/connections/nope/frontchannel-logout?${new URLSearchParams({ iss: acme.issuer })}`,
      );
      for (const r of [wrongIss, unknownSid, unknownConnection]) expect(r.status).toBeLessThan(500);
      expect(await sessionAlive(browser)).toBe(true);
    });
  });

  describe('refuses every bad logout token with 400, and nothing ends', () => {
    let browser: BrowserSession;
    let upstreamSub: string;
    beforeAll(async () => {
      browser = new BrowserSession();
      await signInThroughAcme(browser, 'hank');
      upstreamSub = 'hank';
    });

    const post = (token: string) =>
      fetch(`${op.issuer}/connections/acme/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
    const good = () => ({
      iss: acme.issuer,
      aud: UPSTREAM_CLIENT.client_id,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 120,
      jti: crypto.randomUUID(),
      sub: upstreamSub,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });

    const cases: [string, () => Promise<string>][] = [
      ['alg none', async () => new UnsecuredJWT(good()).encode()],
      ['wrong aud', async () => acme.sign({ ...good(), aud: 'someone-else' })],
      ['wrong iss', async () => acme.sign({ ...good(), iss: 'https://evil.example' })],
      [
        'a key that is not the upstream’s',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT(good()).setProtectedHeader({ alg: 'RS256', kid: 'x' }).sign(privateKey);
        },
      ],
      ['expired', async () => acme.sign({ ...good(), iat: 1_000_000, exp: 1_000_100 })],
      ['with nonce', async () => acme.sign({ ...good(), nonce: 'n' })],
      ['without events', async () => acme.sign({ ...good(), events: undefined })],
      ['without sid or sub', async () => acme.sign({ ...good(), sub: undefined })],
      ['an access token type', async () => acme.sign(good(), { typ: 'at+jwt' })],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const res = await post(await make());
        expect(res.status).toBe(400);
        expect((await res.json()).error).toBe('invalid_request');
        expect(await sessionAlive(browser)).toBe(true);
      });
    }

    it('a replayed jti: the first ends the session, the replay is refused', async () => {
      const token = await acme.sign(good());
      expect((await post(token)).status).toBe(200);
      expect(await sessionAlive(browser)).toBe(false);
      expect((await post(token)).status).toBe(400);
    });

    it('a valid token for nobody signed in answers 200', async () => {
      const res = await post(await acme.sign({ ...good(), sub: 'nobody-here' }));
      expect(res.status).toBe(200);
    });
  });
});

describe('sign-in through an OAuth 2.0 (GitHub-style) upstream', () => {
  it('maps the profile to claims and keeps a stable sub of its own', async () => {
    gh.nextUser = { id: 4242, login: 'octo', name: 'Octo Cat', email: 'octo@github.example' };
    const config = await rp();
    const signInGh = async () => {
      const req = await authorizationRequest(config, CB, { connection: 'gh' });
      const page = await new BrowserSession().navigate(req.url.toString(), {}, [
        new URL(op.issuer).origin,
        new URL(gh.base).origin,
      ]);
      expect(page.redirectTo?.startsWith(CB)).toBe(true);
      return oidc.authorizationCodeGrant(config, new URL(page.redirectTo!), {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      });
    };
    const first = await signInGh();
    const sub = first.claims()!.sub;
    expect(sub).toMatch(/^usr_/);
    const info = await oidc.fetchUserInfo(config, first.access_token, sub);
    expect(info.name).toBe('Octo Cat');
    // GitHub says nothing about verification: the address is kept, unverified.
    expect(info.email).toBe('octo@github.example');
    expect(info.email_verified).toBe(false);
    expect((await signInGh()).claims()!.sub).toBe(sub);
    // PKCE went upstream too.
    expect(gh.authorizeRequests.at(-1)!.get('code_challenge_method')).toBe('S256');
  });

  it('a refusal at the upstream is a readable page naming it, and nothing is created', async () => {
    gh.nextUser = 'deny';
    const before = (await op.provider.store.users.list(1000, 0)).length;
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'gh' });
    const page = await new BrowserSession().navigate(req.url.toString(), {}, [
      new URL(op.issuer).origin,
      new URL(gh.base).origin,
    ]);
    expect(page.status).toBe(403);
    expect(page.body).toContain('GitHub did not sign you in');
    expect((await op.provider.store.users.list(1000, 0)).length).toBe(before);
  });
});

describe('managing connections', () => {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${op.issuer}/api/v1${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${ADMIN_SECRET}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });

  it('the admin API lists, adds and removes connections, never shows secrets, and protects config ones', async () => {
    const list = (await (await api('/connections')).json()) as { id: string; source: string }[];
    expect(list.map((c) => c.id)).toEqual(expect.arrayContaining(['acme', 'gh']));
    expect(JSON.stringify(list)).not.toContain(UPSTREAM_CLIENT.client_secret);
    expect(list.find((c) => c.id === 'acme')!.source).toBe('config');

    const put = await api('/connections/partner', {
      method: 'PUT',
      body: JSON.stringify({
        name: 'Partner',
        type: 'oidc',
        issuer: acme.issuer,
        client_id: 'x',
        client_secret: 'y',
      }),
    });
    expect(put.status).toBe(200);
    const saved = (await put.json()) as { urls: { callback: string }; has_client_secret: boolean };
    expect(saved.urls.callback).toBe(`${op.issuer}/connections/partner/callback`);
    expect(saved.has_client_secret).toBe(true);
    expect((await op.provider.connections.get('partner'))?.name).toBe('Partner');

    const bad = await api('/connections/bad', {
      method: 'PUT',
      body: JSON.stringify({ name: 'B', type: 'oidc', client_id: 'c' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_description: string }).error_description).toMatch(/issuer/);

    expect((await api('/connections/acme', { method: 'DELETE' })).status).toBe(409);
    expect((await api('/connections/partner', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/connections/partner', { method: 'DELETE' })).status).toBe(404);
    const anonymous = await fetch(`${op.issuer}/api/v1/connections`);
    expect(anonymous.status).toBe(401);
  });
});

describe('an app that signs in through its connections only (password_login: false)', () => {
  const enterprise = () =>
    discover({
      issuer: op.issuer,
      clientId: 'enterprise',
      clientSecret: 'enterprise-secret-0123456789',
      redirectUri: ENTERPRISE_CB,
    });

  it('shows its connections and no password form; the upstream signs in', async () => {
    const browser = new BrowserSession();
    const req = await authorizationRequest(await enterprise(), ENTERPRISE_CB);
    const page = await browser.navigate(req.url.toString());
    expect(page.status).toBe(200);
    expect(page.doc.querySelector('input[name=password]')).toBeNull();
    expect(page.doc.querySelector('a[href$="/forgot"]')).toBeNull();
    expect(page.doc.querySelector('button[name=connection][value=acme]')?.text.trim()).toBe(
      'Continue with Acme Corp',
    );
    expect(page.doc.querySelector('button[name=connection][value=gh]')).toBeNull();
    const atAcme = await browser.submit(page, { connection: 'acme' }, 'form.connections', both());
    const done = await atUpstream(browser, atAcme, 'carol');
    const tokens = await oidc.authorizationCodeGrant(await enterprise(), new URL(done.redirectTo!), {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email: 'carol@acme.example' });
  });

  it('refuses a password posted anyway, and a password reset from its page, without a session', async () => {
    const browser = new BrowserSession();
    const req = await authorizationRequest(await enterprise(), ENTERPRISE_CB);
    const page = await browser.navigate(req.url.toString());
    const csrf = page.doc.querySelector('input[name=csrf]')!.getAttribute('value')!;
    const posted = await browser.navigate(`${page.url}/login`, {
      form: { csrf, username: ALICE.username, password: ALICE.password },
    });
    expect(posted.status).toBe(403);
    expect(posted.doc.querySelector('[role=alert]')?.text).toMatch(/does not take passwords/);
    const cookies = await browser.jar.getCookies(op.issuer);
    expect(cookies.some((c) => c.key.includes('adieu_session'))).toBe(false);
    expect((await browser.navigate(`${page.url}/forgot`)).status).toBe(403);
  });

  it('with no connection either, the page says so plainly', async () => {
    const config = await discover({
      issuer: op.issuer,
      clientId: 'locked',
      clientSecret: 'locked-secret-0123456789',
      redirectUri: 'http://localhost:5001/locked/callback',
    });
    const req = await authorizationRequest(config, 'http://localhost:5001/locked/callback');
    const page = await new BrowserSession().navigate(req.url.toString());
    expect(page.status).toBe(200);
    expect(page.doc.querySelector('form.connections')).toBeNull();
    expect(page.doc.querySelector('input[name=password]')).toBeNull();
    expect(page.doc.querySelector('[role=alert]')?.text).toMatch(/No way to sign in to Locked app is set up/);
  });

  it('other apps keep the password form (the contract)', async () => {
    const req = await authorizationRequest(await rp(), CB);
    const page = await new BrowserSession().navigate(req.url.toString());
    expect(page.doc.querySelectorAll('form input[name=username]')).toHaveLength(1);
    expect(page.doc.querySelector('input[name=password]')).toBeTruthy();
  });
});
