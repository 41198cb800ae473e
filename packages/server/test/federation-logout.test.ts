/**
 * Logout outward (issue 13 §5): after Adieu's single logout, the upstream session ends too when the connection's
 * policy says so or the app asks with `federated`; the person comes back to the app; the receipt tells the truth
 * about the upstream; an expired stored ID token is refreshed first; a dead upstream does not trap anyone; and on
 * a shared device the next sign-in through a connection that was not signed out asks the upstream again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc } from '../../../test/support/oidc.js';
import { startUpstream, type Upstream } from '../../../test/support/upstream-op.js';

const CB = 'http://localhost:5001/portal/callback';
const HOME = 'http://localhost:5001/portal/';
const ADMIN_SECRET = 'admin-secret-0123456789abcdef';
const AT_UPSTREAM = { client_id: 'adieu', client_secret: 'upstream-secret-0123456789abcdef' };

let op: TestProvider;
let acme: Upstream;
/** A second upstream with short-lived ID tokens, stopped by the last test. */
let brief: Upstream;

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const urls = (id: string) => ({
    redirect_uris: [`${issuer}/connections/${id}/callback`],
    post_logout_redirect_uris: [`${issuer}/connections/${id}/logged-out`],
  });
  const both = (a: string, b: string) => ({
    redirect_uris: [...urls(a).redirect_uris, ...urls(b).redirect_uris],
    post_logout_redirect_uris: [...urls(a).post_logout_redirect_uris, ...urls(b).post_logout_redirect_uris],
  });
  acme = await startUpstream({ client: { ...AT_UPSTREAM, ...both('acme', 'acme-local') } });
  brief = await startUpstream({ client: { ...AT_UPSTREAM, ...urls('brief') }, idTokenTtl: 2 });
  const conn = (id: string, up: Upstream, logout: 'upstream' | 'local', scope?: string) => ({
    id,
    name: id === 'brief' ? 'Brief Co' : 'Acme Corp',
    type: 'oidc' as const,
    issuer: up.issuer,
    ...AT_UPSTREAM,
    logout,
    ...(scope ? { scope } : {}),
  });
  op = await startTestProvider(
    {
      admin: { bearer_secret: ADMIN_SECRET },
      connections: [
        conn('acme', acme, 'upstream'),
        conn('acme-local', acme, 'local'),
        conn('brief', brief, 'upstream', 'openid email profile offline_access'),
      ],
      clients: [
        {
          client_id: 'portal',
          client_name: 'Portal',
          client_secret: 'portal-secret-0123456789',
          redirect_uris: [CB],
          post_logout_redirect_uris: [HOME],
        },
      ],
    },
    { port, issuer },
  );
});
afterAll(async () => {
  await op?.close();
  await acme?.close();
  await brief?.close();
});

const rp = () =>
  discover({
    issuer: op.issuer,
    clientId: 'portal',
    clientSecret: 'portal-secret-0123456789',
    redirectUri: CB,
  });
const origins = (...up: Upstream[]) => [
  new URL(op.issuer).origin,
  ...up.map((u) => new URL(u.issuer).origin),
];

/** Through the upstream's pages (its development login form, then any confirmation) until it leaves. */
async function throughUpstream(
  browser: BrowserSession,
  page: Page & { redirectTo?: string },
  up: Upstream,
  login?: string,
) {
  let p = page;
  for (let i = 0; i < 5 && !p.redirectTo; i++) {
    if (p.doc.querySelector('input[name=login]')) {
      if (!login) throw new Error('the upstream asked for a login');
      p = await browser.submit(p, { login, password: 'any' }, 'form', origins(up));
    } else if (p.doc.querySelector('form')) {
      p = await browser.submit(p, {}, 'form', origins(up));
    } else break;
  }
  return p;
}

async function signIn(browser: BrowserSession, connection: string, up: Upstream, login?: string) {
  const config = await rp();
  const req = await authorizationRequest(config, CB, { connection });
  const first = await browser.navigate(req.url.toString(), {}, origins(up));
  const done = await throughUpstream(browser, first, up, login);
  if (!done.redirectTo?.startsWith(CB))
    throw new Error(`not back at the app: ${done.status} ${done.body.slice(0, 300)}`);
  return oidc.authorizationCodeGrant(config, new URL(done.redirectTo), {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
  });
}

/** RP-initiated logout with a hint; returns the receipt page and the URL its "Continue" leads to. */
async function logout(browser: BrowserSession, idToken: string, extra: Record<string, string> = {}) {
  const u = new URL(`${op.issuer}/end_session`);
  u.searchParams.set('id_token_hint', idToken);
  u.searchParams.set('post_logout_redirect_uri', HOME);
  u.searchParams.set('state', 'app-state');
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  const receipt = await browser.navigate(u.toString());
  const done = receipt.doc.querySelector('#done-link')?.getAttribute('href');
  if (!done) throw new Error(`no receipt: ${receipt.status} ${receipt.body.slice(0, 300)}`);
  return { receipt, done: new URL(done, receipt.url).toString() };
}

const adminReport = async (logoutId: string) =>
  (await (
    await fetch(`${op.issuer}/api/v1/logouts/${logoutId}`, {
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    })
  ).json()) as { upstream?: { status: string; detail: string | null } };

describe('logout outward', () => {
  it('policy "upstream": our logout, then the upstream\'s end_session with the ID token, then back to the app', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'acme', acme, 'ursula');
    const { receipt, done } = await logout(browser, tokens.id_token!);
    expect(receipt.body).toContain('Signing you out at Acme Corp next');

    // Continue: to the upstream's end_session, carrying the upstream ID token and Adieu's logged-out URI.
    const toUpstream = await browser.navigate(done, {}, origins());
    const endUrl = new URL(toUpstream.redirectTo!);
    expect(endUrl.origin).toBe(new URL(acme.issuer).origin);
    expect(endUrl.searchParams.get('id_token_hint')).toBeTruthy();
    expect(endUrl.searchParams.get('post_logout_redirect_uri')).toBe(
      `${op.issuer}/connections/acme/logged-out`,
    );

    // The upstream confirms and sends the browser back; Adieu goes on to the app with the app's own state.
    const atUpstream = await browser.navigate(endUrl.toString(), {}, origins(acme));
    const back = await throughUpstream(browser, atUpstream, acme);
    expect(back.redirectTo).toBe(`${HOME}?state=app-state`);

    const logoutId = new URL(done).pathname.split('/').pop()!;
    expect((await adminReport(logoutId)).upstream?.status).toBe('ended');
    // The upstream session is really gone: signing in through Acme asks for credentials again.
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme' });
    const again = await throughUpstream(
      browser,
      await browser.navigate(req.url.toString(), {}, origins(acme)),
      acme,
      'ursula',
    );
    expect(again.redirectTo?.startsWith(CB)).toBe(true);
  });

  // The return to logged-out proves nothing: an upstream may let the person decline ("stay signed in") and still
  // send the browser back. The next person at this browser must be asked by the upstream either way.
  it('coming back from the upstream is no proof it signed out: the next sign-in there still re-asks', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'acme', acme, 'yolanda');
    const { done } = await logout(browser, tokens.id_token!);
    const endUrl = new URL((await browser.navigate(done, {}, origins())).redirectTo!);
    // The upstream sends the browser straight back, its own session untouched.
    const back = await browser.navigate(
      `${op.issuer}/connections/acme/logged-out?${new URLSearchParams({ state: endUrl.searchParams.get('state')! })}`,
    );
    expect(back.redirectTo).toBe(`${HOME}?state=app-state`);

    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme' });
    const start = await browser.navigate(req.url.toString(), {}, origins());
    const asked = new URL(start.redirectTo!);
    expect(asked.searchParams.get('prompt')).toBe('login');
    expect(asked.searchParams.get('max_age')).toBe('0');
    // Once someone has signed in through Acme again, the protection has done its work and is lifted.
    const reauthCookie = async () => (await browser.jar.getCookieString(op.issuer)).includes('adieu_reauth=');
    expect(await reauthCookie()).toBe(true);
    await throughUpstream(
      browser,
      await browser.navigate(asked.toString(), {}, origins(acme)),
      acme,
      'yolanda',
    );
    expect(await reauthCookie()).toBe(false);
  });

  it('policy "local": the upstream is left alone, the receipt says so, and shared-device protection re-asks', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'acme-local', acme, 'victor');
    const { receipt, done } = await logout(browser, tokens.id_token!);
    expect(receipt.doc.querySelector('#upstream')?.text).toContain('you may still be signed in at Acme Corp');
    const next = await browser.navigate(done, {}, origins());
    expect(next.redirectTo).toBe(`${HOME}?state=app-state`);

    // The next person at this browser clicks "Continue with Acme": the upstream must ask for credentials.
    const config = await rp();
    const req = await authorizationRequest(config, CB, { connection: 'acme-local' });
    const start = await browser.navigate(req.url.toString(), {}, origins());
    const asked = new URL(start.redirectTo!);
    expect(asked.searchParams.get('prompt')).toBe('login');
    expect(asked.searchParams.get('max_age')).toBe('0');
    // A browser that never signed out there gets no such prompt.
    const other = await new BrowserSession().navigate(req.url.toString(), {}, origins());
    expect(new URL(other.redirectTo!).searchParams.get('prompt')).toBeNull();
  });

  it('`federated` on end_session reaches the upstream even under policy "local"', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'acme-local', acme, 'wanda');
    const { done } = await logout(browser, tokens.id_token!, { federated: '' });
    const toUpstream = await browser.navigate(done, {}, origins());
    expect(toUpstream.redirectTo?.startsWith(acme.issuer)).toBe(true);
  });

  it("Auth0's /v2/logout: returnTo checked like post_logout_redirect_uri, federated honoured", async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'acme-local', acme, 'xavier');
    const bad = await browser.navigate(
      `${op.issuer}/v2/logout?client_id=portal&returnTo=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(bad.redirectTo).toBeUndefined();
    expect(bad.body).not.toContain('evil.example');
    // Not proven by a hint: the person is asked first, like any end_session without one.
    const confirm = await browser.navigate(
      `${op.issuer}/v2/logout?client_id=portal&federated&returnTo=${encodeURIComponent(HOME)}`,
    );
    expect(confirm.doc.querySelector('button[name=confirm][value=yes]')).toBeTruthy();
    const receipt = await browser.submit(confirm, { confirm: 'yes' });
    const done = new URL(
      receipt.doc.querySelector('#done-link')!.getAttribute('href')!,
      receipt.url,
    ).toString();
    const toUpstream = await browser.navigate(done, {}, origins());
    expect(toUpstream.redirectTo?.startsWith(acme.issuer)).toBe(true);
  });

  it('an expired stored upstream ID token is refreshed before it is sent as id_token_hint', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'brief', brief, 'yara');
    const sid = tokens.claims()!.sid as string;
    const stored = await op.provider.store.federation.findSessionBinding(sid);
    expect(stored?.refresh_token).toBeTruthy();
    await new Promise((r) => setTimeout(r, 2_500));
    const { done } = await logout(browser, tokens.id_token!);
    const toUpstream = await browser.navigate(done, {}, origins());
    const hint = new URL(toUpstream.redirectTo!).searchParams.get('id_token_hint')!;
    expect(hint).not.toBe(stored!.id_token);
    const exp = JSON.parse(Buffer.from(hint.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(exp * 1000).toBeGreaterThan(Date.now());
  });

  it('an upstream that does not answer does not trap the person: a truthful page, then on to the app', async () => {
    const browser = new BrowserSession();
    const tokens = await signIn(browser, 'brief', brief, 'zed');
    await brief.close();
    const { done } = await logout(browser, tokens.id_token!);
    const page = await browser.navigate(done, {}, origins());
    expect(page.status).toBe(502);
    expect(page.body).toContain('Brief Co did not answer');
    const link = page.doc.querySelector('a.button')!.getAttribute('href')!;
    expect(link).toBe(`${HOME}?state=app-state`);
    const logoutId = new URL(done).pathname.split('/').pop()!;
    expect((await adminReport(logoutId)).upstream?.status).toBe('not_ended');
  });
});
