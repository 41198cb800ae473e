/**
 * Issue 19 §4: everything that reads "the current session" keeps two accounts of one browser apart.
 * - Session Management's `session_state` and the check_session iframe, per client: a sign-in or sign-out of
 *   account X changes what X's apps see, and Y's apps keep hearing "unchanged".
 * - The SSE push (`/session/events`): only the subscribers of the session that ended are told.
 * - Admin revocation (`revokeSignInSessions`) and idle expiry of one account leave the other alone.
 * The check_session answers come from the served iframe's own script, run against this browser's cookies.
 */
import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { openSse } from '../../../test/support/sse.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const CAROL = { username: 'carol', password: 'carol-password' };
const apps = ['portal', 'bookings'] as const;
const ORIGIN = 'http://localhost:5004';
const cb = (n: string) => `${ORIGIN}/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

describe('two accounts in one browser stay apart: session_state, check_session, push, revocation, expiry', () => {
  let op: TestProvider;
  const receivers: Record<string, Receiver> = {};

  beforeAll(async () => {
    for (const n of apps) receivers[n] = await startReceiver();
    op = await startTestProvider({
      logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
      clients: [
        ...apps.map((n) => ({
          client_id: n,
          client_secret: secret(n),
          redirect_uris: [cb(n)],
          backchannel_logout_uri: receivers[n]!.url,
          backchannel_logout_session_required: true,
        })),
        {
          client_id: 'ops',
          client_secret: secret('ops'),
          grant_types: ['client_credentials'],
          scope: 'admin',
        },
      ],
      users: [ALICE, BOB, CAROL],
    });
  });
  afterAll(async () => {
    await op?.close();
    for (const r of Object.values(receivers)) await r.stop();
  });
  beforeEach(() => {
    for (const r of Object.values(receivers)) r.received.length = 0;
  });

  const rp = (n: string) =>
    discover({ issuer: op.issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });
  const live = async (sid: string) => (await op.provider.store.sessions.findBySid(sid))!.ended_at === null;
  const heardOf = (app: string, sid: string) => receivers[app]!.received.some((r) => r.claims.sid === sid);

  /** Sign in at an app (prompt=login: a new account, or that user's again); what the app learns. */
  async function signInAt(browser: BrowserSession, app: string, who: typeof ALICE) {
    const r = await signIn(await rp(app), browser, cb(app), who, { prompt: 'login' });
    return {
      sid: r.tokens.claims()!.sid as string,
      hint: r.tokens.claims()!.login_hint as string,
      accessToken: r.tokens.access_token,
      sessionState: r.callback.searchParams.get('session_state')!,
    };
  }

  /** Silent SSO at an app for the account the hint names: the sid and session_state it gets, or the error. */
  async function silent(browser: BrowserSession, app: string, loginHint: string) {
    const req = await authorizationRequest(await rp(app), cb(app), { prompt: 'none', login_hint: loginHint });
    const { callback } = await authorize(browser, req.url);
    const error = callback.searchParams.get('error');
    if (error) return { error };
    const tokens = await oidc.authorizationCodeGrant(await rp(app), callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    return { sid: tokens.claims()!.sid as string, sessionState: callback.searchParams.get('session_state')! };
  }

  /**
   * What the provider's check_session iframe answers an app's "client_id session_state" message in this browser:
   * the served page's script, run with the cookies a script on the provider's origin reads.
   */
  async function checkSession(browser: BrowserSession, app: string, sessionState: string): Promise<string> {
    const page = await browser.navigate(`${op.issuer}/check_session`);
    const script = page.doc.querySelector('script')!.text;
    const cookie = (await browser.jar.getCookies(op.issuer))
      .filter((c) => !c.httpOnly)
      .map((c) => `${c.key}=${c.value}`)
      .join('; ');
    return new Promise((resolve, reject) => {
      let listener: ((e: unknown) => void) | undefined;
      const parent = { postMessage: (answer: string) => resolve(answer) };
      const window = {
        parent,
        location: {},
        addEventListener: (_type: string, f: (e: unknown) => void) => (listener = f),
      };
      vm.runInNewContext(script, { window, document: { cookie }, crypto, TextEncoder, Uint8Array });
      if (!listener) return reject(new Error('check_session registered no message listener'));
      listener({ source: parent, origin: ORIGIN, data: `${app} ${sessionState}` });
      setTimeout(() => reject(new Error('check_session did not answer')), 2000);
    });
  }

  /** A push subscriber for an app's access token; `heard` lists what it was told. */
  async function subscribe(accessToken: string) {
    const stream = await openSse(`${op.issuer}/session/events`, { authorization: `Bearer ${accessToken}` });
    return stream;
  }
  const silence = async (stream: Awaited<ReturnType<typeof subscribe>>, ms = 1200) =>
    stream.next(ms).then(
      (event) => event,
      () => 'nothing',
    );

  it('session_state per client: ending Alice changes what her app sees; Bob’s app keeps hearing "unchanged"', async () => {
    const browser = new BrowserSession();
    const alice = await signInAt(browser, 'portal', ALICE);
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('unchanged');
    // Adding an account is nothing Alice's app needs to react to.
    const bob = await signInAt(browser, 'bookings', BOB);
    expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('unchanged');
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('unchanged');
    // Silent SSO for either account gives a state that checks out, whichever account is current.
    const aliceAgain = await silent(browser, 'portal', alice.hint);
    expect(aliceAgain.sid).toBe(alice.sid);
    expect(await checkSession(browser, 'portal', aliceAgain.sessionState!)).toBe('unchanged');
    expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('unchanged');
    // A state forged for another client, or a damaged one, never passes.
    expect(await checkSession(browser, 'bookings', alice.sessionState)).toBe('changed');
    expect(await checkSession(browser, 'portal', 'nonsense')).toBe('error');

    const end = await browser.navigate(
      `${op.issuer}/end_session?${new URLSearchParams({ logout_hint: alice.hint, client_id: 'portal' })}`,
    );
    expect(end.status).toBe(200);
    expect(await live(alice.sid)).toBe(false);
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('changed');
    expect(await checkSession(browser, 'portal', aliceAgain.sessionState!)).toBe('changed');
    expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('unchanged');
    expect(await silent(browser, 'bookings', bob.hint)).toMatchObject({ sid: bob.sid });
  });

  it('session_state per client: signing in again as Bob changes Bob’s apps’ state only; the last account out changes all', async () => {
    const browser = new BrowserSession();
    const alice = await signInAt(browser, 'portal', ALICE);
    const bob = await signInAt(browser, 'bookings', BOB);
    const bobAgain = await signInAt(browser, 'bookings', BOB);
    expect(bobAgain.sid).toBe(bob.sid);
    // A new sign-in is a new browser state for that account (Session Management §3), not for the others.
    expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('changed');
    expect(await checkSession(browser, 'bookings', bobAgain.sessionState)).toBe('unchanged');
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('unchanged');
    // The chooser's "all accounts": nobody is left, every app sees "changed".
    const chooser = await browser.navigate(`${op.issuer}/end_session`);
    await browser.submit(chooser, { account: 'all', confirm: 'yes' });
    expect(await checkSession(browser, 'bookings', bobAgain.sessionState)).toBe('changed');
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('changed');
  });

  it('session_state per client: a closed browser changes the state of the account it ends, not the kept one’s', async () => {
    const browser = new BrowserSession();
    const alice = await signInAt(browser, 'portal', { ...ALICE, remember: true } as typeof ALICE);
    const bob = await signInAt(browser, 'bookings', BOB);
    // Close and reopen: the browser drops its session cookies (the browser-state cookie among them).
    for (const c of await browser.jar.getCookies(op.issuer)) {
      if (c.TTL() === Infinity) await browser.jar.store.removeCookie(c.domain!, c.path!, c.key);
    }
    // The first provider page it opens (here the check_session frame itself) ends Bob's session, which was not
    // kept, and brings the kept account back with its own state.
    expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('unchanged');
    expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('changed');
    expect(await live(bob.sid)).toBe(false);
    expect(await silent(browser, 'portal', alice.hint)).toMatchObject({ sid: alice.sid });
  });

  it('SSE push: Alice’s subscribers are told her session ended; Bob’s subscribers hear nothing', async () => {
    const browser = new BrowserSession();
    const alice = await signInAt(browser, 'portal', ALICE);
    const bob = await signInAt(browser, 'bookings', BOB);
    const bobAtPortal = await silent(browser, 'portal', bob.hint);
    expect(bobAtPortal.sid).toBe(bob.sid);
    const aliceStream = await subscribe(alice.accessToken);
    const bobStream = await subscribe(bob.accessToken);
    try {
      await browser.navigate(
        `${op.issuer}/end_session?${new URLSearchParams({ logout_hint: alice.hint, client_id: 'portal' })}`,
      );
      expect(await aliceStream.next(5000)).toMatchObject({
        event: 'session_ended',
        data: { sid: alice.sid },
      });
      expect(await silence(bobStream)).toBe('nothing');
      expect(await live(bob.sid)).toBe(true);
    } finally {
      await aliceStream.close();
      await bobStream.close();
    }
  });

  const ends = {
    'admin revocation of Alice (revokeSignInSessions)': async () => {
      const token = await fetch(`${op.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`ops:${secret('ops')}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const res = await fetch(`${op.issuer}/api/v1/users/alice/revokeSignInSessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(res.status).toBe(204);
    },
    'idle expiry of Alice (the sweeper)': async (aliceSid: string) => {
      await op.provider.store.sessions.touch(aliceSid, Date.now() - 60_000, Date.now() - 1);
      await op.provider.sweeper.sweep();
    },
  } as const;

  for (const [what, endAlice] of Object.entries(ends)) {
    it(`${what} leaves Bob alone: no logout token, no push, same sid silently, state unchanged`, async () => {
      const browser = new BrowserSession();
      const alice = await signInAt(browser, 'portal', ALICE);
      const bob = await signInAt(browser, 'bookings', BOB);
      const aliceStream = await subscribe(alice.accessToken);
      const bobStream = await subscribe(bob.accessToken);
      try {
        await endAlice(alice.sid);
        expect(await aliceStream.next(5000)).toMatchObject({
          event: 'session_ended',
          data: { sid: alice.sid },
        });
        await expect.poll(() => heardOf('portal', alice.sid), { timeout: 15_000 }).toBe(true);
        expect(await silence(bobStream)).toBe('nothing');
        expect(heardOf('bookings', bob.sid) || heardOf('portal', bob.sid)).toBe(false);
        expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('unchanged');
        expect(await silent(browser, 'bookings', bob.hint)).toMatchObject({ sid: bob.sid });
        // Alice is gone from this browser: her hint finds nobody, and prompt=none does not pick Bob for her.
        expect(await silent(browser, 'portal', alice.hint)).toEqual({ error: 'login_required' });
        expect(await live(bob.sid)).toBe(true);
      } finally {
        await aliceStream.close();
        await bobStream.close();
      }
    });
  }

  it('a third account signing in disturbs neither of the others', async () => {
    const browser = new BrowserSession();
    const alice = await signInAt(browser, 'portal', ALICE);
    const bob = await signInAt(browser, 'bookings', BOB);
    const bobStream = await subscribe(bob.accessToken);
    try {
      await signInAt(browser, 'portal', CAROL);
      expect(await checkSession(browser, 'portal', alice.sessionState)).toBe('unchanged');
      expect(await checkSession(browser, 'bookings', bob.sessionState)).toBe('unchanged');
      expect(await silence(bobStream, 700)).toBe('nothing');
      expect((await live(alice.sid)) && (await live(bob.sid))).toBe(true);
    } finally {
      await bobStream.close();
    }
  });
});
