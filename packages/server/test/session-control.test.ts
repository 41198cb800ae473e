import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import type { ConfigInput } from '../src/config/schema.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { hasPostgres } from '../../../test/support/env.js';
import { openSse } from '../../../test/support/sse.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const DAVE = { username: 'dave', password: 'dave-password' };
const apps = ['portal', 'bookings', 'expenses'] as const;
const cb = (n: string) => `http://localhost:5002/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

const clientsFor = (
  receivers: Record<string, Receiver>,
  extra: Record<string, Record<string, unknown>> = {},
): NonNullable<ConfigInput['clients']> => [
  ...apps.map((n) => ({
    client_id: n,
    client_name: n,
    client_secret: secret(n),
    redirect_uris: [cb(n), 'http://localhost:5002/'],
    backchannel_logout_uri: receivers[n]!.url,
    // The self-service API (me/...) needs the account scope (issue 11).
    scope: 'openid profile email offline_access account',
    ...extra[n],
  })),
  {
    client_id: 'ops',
    client_secret: secret('ops'),
    grant_types: ['client_credentials'],
    scope: 'admin',
  },
  {
    client_id: 'reports',
    client_secret: secret('reports'),
    grant_types: ['client_credentials'],
    scope: 'reports',
  },
];

async function receiversFor(): Promise<Record<string, Receiver>> {
  const r: Record<string, Receiver> = {};
  for (const n of apps) r[n] = await startReceiver();
  return r;
}

const rp = (op: TestProvider, n: string) =>
  discover({ issuer: op.issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });

async function adminToken(op: TestProvider, client = 'ops', scope = 'admin') {
  const res = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client}:${secret(client)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
}

async function sessionAcross(
  op: TestProvider,
  who = ALICE,
  names: readonly string[] = apps,
  extra: Record<string, string> = {},
) {
  const browser = new BrowserSession();
  const tokens: Record<string, Awaited<ReturnType<typeof signIn>>['tokens']> = {};
  for (const [i, n] of names.entries()) {
    tokens[n] = (await signIn(await rp(op, n), browser, cb(n), i === 0 ? who : undefined, extra)).tokens;
  }
  return { browser, tokens, sid: tokens[names[0]!]!.claims()!.sid as string };
}

describe('timeouts', () => {
  let op: TestProvider;
  let receivers: Record<string, Receiver>;
  beforeAll(async () => {
    receivers = await receiversFor();
    op = await startTestProvider({
      session: { idle: 2, absolute: 4, remember_me: 60, remember_me_idle: 30, sweep_interval: 1 },
      clients: clientsFor(receivers, { expenses: { session_idle_max: 1 } }),
      users: [ALICE, BOB],
    });
  });
  afterAll(async () => {
    await op?.close();
    for (const r of Object.values(receivers)) await r.stop();
  });

  it('idle expiry ends the session through the logout path: every participant is told, reason expired', async () => {
    const { sid, tokens } = await sessionAcross(op, ALICE, ['portal', 'bookings']);
    const [p, b] = await Promise.all([
      receivers.portal!.waitFor(1, 8000),
      receivers.bookings!.waitFor(1, 8000),
    ]);
    for (const [n, got] of [
      ['portal', p![0]!],
      ['bookings', b![0]!],
    ] as const) {
      const { payload } = await verifyLogoutToken(got.token, op.issuer, n);
      expect(payload).toMatchObject({ sid, reason: 'expired' });
    }
    await expect(
      oidc.refreshTokenGrant(await rp(op, 'portal'), tokens.portal!.refresh_token!),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const [logout] = await op.provider.store.logouts.listBySid(sid);
    expect(logout).toMatchObject({ reason: 'expired', initiator: 'system' });
  });

  it('the absolute lifetime holds under constant activity', async () => {
    receivers.portal!.succeeded.length = 0;
    const { tokens, sid } = await sessionAcross(op, BOB, ['portal']);
    const session = await op.provider.store.sessions.findBySid(sid);
    const config = await rp(op, 'portal');
    let refresh = tokens.portal!.refresh_token!;
    const started = Date.now();
    let endedAfter = 0;
    while (Date.now() - started < 7000) {
      try {
        refresh = (await oidc.refreshTokenGrant(config, refresh)).refresh_token!;
      } catch (e) {
        expect(e).toMatchObject({ error: 'invalid_grant' });
        endedAfter = Date.now() - session!.created_at;
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    // Activity every 300 ms kept it past the 2 s idle limit, but not past the 4 s absolute limit.
    expect(endedAfter).toBeGreaterThan(2500);
    expect(endedAfter).toBeLessThan(6000);
    const [got] = await receivers.portal!.waitFor(1, 8000);
    expect(got!.claims).toMatchObject({ sid, reason: 'expired' });
  });

  it('a client with a tighter idle maximum tightens the whole session', async () => {
    const { sid } = await sessionAcross(op, ALICE, ['portal', 'expenses']);
    const s = await op.provider.store.sessions.findBySid(sid);
    expect(s!.idle_seconds).toBe(1);
  });

  it('"keep me signed in" makes a persistent cookie with its own lifetime', async () => {
    const plain = new BrowserSession();
    await signIn(await rp(op, 'portal'), plain, cb('portal'), ALICE);
    const kept = new BrowserSession();
    const { tokens } = await signIn(await rp(op, 'portal'), kept, cb('portal'), { ...ALICE, remember: true });
    const cookie = (jar: BrowserSession, name = 'adieu_session') =>
      jar.jar.getCookiesSync(op.issuer).find((c) => c.key === name);
    // The SSO cookie dies with the browser; "keep me signed in" also lists the account in a cookie with Max-Age
    // (issue 19: each account keeps its own choice, so the kept ones travel apart).
    expect(cookie(plain)!.TTL()).toBe(Infinity);
    expect(cookie(plain, 'adieu_kept')).toBeUndefined();
    expect(cookie(kept)!.TTL()).toBe(Infinity);
    expect(cookie(kept, 'adieu_kept')!.TTL()).toBeGreaterThan(50_000);
    expect(cookie(kept, 'adieu_kept')!.TTL()).toBeLessThanOrEqual(60_000);
    const s = await op.provider.store.sessions.findBySid(tokens.claims()!.sid as string);
    expect(s!.absolute_expires_at - s!.created_at).toBe(60_000);
    expect(s!.remember_me).toBe(true);
  });
});

describe('revocation API and tokens after logout', () => {
  let op: TestProvider;
  let receivers: Record<string, Receiver>;
  beforeAll(async () => {
    receivers = await receiversFor();
    op = await startTestProvider({
      clients: clientsFor(receivers),
      users: [ALICE, BOB, { username: 'carol', password: 'carol-password' }, DAVE],
    });
  });
  afterAll(async () => {
    await op?.close();
    for (const r of Object.values(receivers)) await r.stop();
  });

  it('admin routes answer 401 without a token and 403 without the admin scope', async () => {
    const url = `${op.issuer}/api/v1/users/alice/revokeSignInSessions`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    const bad = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nonsense' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' });
    const reports = await adminToken(op, 'reports', 'reports');
    expect(reports.status).toBe(200);
    const forbidden = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${reports.body.access_token}` },
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: 'insufficient_scope' });
    // A client not configured for admin cannot even get the scope.
    expect((await adminToken(op, 'reports', 'admin')).body.error).toBe('invalid_scope');
    const { tokens } = await sessionAcross(op, ALICE, ['portal']);
    const userToken = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.portal!.access_token}` },
    });
    expect(userToken.status).toBe(403);
  });

  it('revokeSignInSessions for a user with 50 sessions across 3 clients tells every participant and answers 204', async () => {
    for (const r of Object.values(receivers)) r.succeeded.length = 0;
    const sessions: { sid: string; offline: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const { sid, tokens } = await sessionAcross(
        op,
        { username: 'carol', password: 'carol-password' },
        apps,
        i === 0 ? { scope: 'openid offline_access' } : {},
      );
      sessions.push({ sid, offline: tokens.portal!.refresh_token! });
    }
    const { body } = await adminToken(op);
    const res = await fetch(`${op.issuer}/api/v1/users/carol/revokeSignInSessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(204);
    for (const n of apps) {
      const got = await receivers[n]!.waitFor(50, 30_000);
      expect(new Set(got.map((g) => g.claims.sid))).toEqual(new Set(sessions.map((s) => s.sid)));
      for (const g of got.slice(0, 3)) {
        const { payload } = await verifyLogoutToken(g.token, op.issuer, n);
        expect(payload.reason).toBe('admin');
      }
    }
    // Even the offline_access refresh token dies.
    await expect(oidc.refreshTokenGrant(await rp(op, 'portal'), sessions[0]!.offline)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const list = await fetch(`${op.issuer}/api/v1/users/carol/sessions`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(await list.json()).toEqual([]);
  }, 120_000);

  it('offline_access refresh tokens survive the user signing out; introspection says inactive for the ended session', async () => {
    const { browser, tokens } = await sessionAcross(op, ALICE, ['portal'], {
      scope: 'openid offline_access',
    });
    const online = await sessionAcross(op, ALICE, ['bookings']);
    const config = await rp(op, 'portal');
    const before = await oidc.tokenIntrospection(config, tokens.portal!.access_token);
    expect(before.active).toBe(true);
    const end = new URL(`${op.issuer}/end_session`);
    end.searchParams.set('id_token_hint', tokens.portal!.id_token!);
    await browser.navigate(end.toString());
    expect((await oidc.tokenIntrospection(config, tokens.portal!.access_token)).active).toBe(false);
    const again = await oidc.refreshTokenGrant(config, tokens.portal!.refresh_token!);
    expect(again.access_token).toBeTruthy();
    expect(
      JSON.parse(Buffer.from(again.access_token.split('.')[1]!, 'base64url').toString()).sid,
    ).toBeUndefined();
    expect((await oidc.tokenIntrospection(config, again.access_token)).active).toBe(true);
    // The other (session-bound) sign-in of Alice is untouched by this logout...
    expect(
      (await oidc.refreshTokenGrant(await rp(op, 'bookings'), online.tokens.bookings!.refresh_token!))
        .access_token,
    ).toBeTruthy();
    // ...and invalidateAllRefreshTokens kills the offline one.
    const { body } = await adminToken(op);
    const res = await fetch(`${op.issuer}/api/v1/users/alice/invalidateAllRefreshTokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(res.status).toBe(204);
    await expect(oidc.refreshTokenGrant(config, again.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('a user disabled by another process is refused at userinfo and introspection at once, though this process has the user cached', async () => {
    // A token without a session (offline_access, after the sign-in ended): only the deny list and the user stand
    // behind it.
    const { browser, tokens } = await sessionAcross(op, DAVE, ['portal'], { scope: 'openid offline_access' });
    const end = new URL(`${op.issuer}/end_session`);
    end.searchParams.set('id_token_hint', tokens.portal!.id_token!);
    await browser.navigate(end.toString());
    const config = await rp(op, 'portal');
    const offline = await oidc.refreshTokenGrant(config, tokens.portal!.refresh_token!);
    const userinfo = () =>
      fetch(`${op.issuer}/userinfo`, { headers: { authorization: `Bearer ${offline.access_token}` } });
    expect((await userinfo()).status).toBe(200); // and the user row is now in this process's cache
    expect((await oidc.tokenIntrospection(config, offline.access_token)).active).toBe(true);
    // What another process's disabling writes (Management.setDisabled there), without this process's cache hearing.
    const dave = (await op.provider.store.users.findByIdOrUsername(DAVE.username))!;
    await op.provider.store.users.update(dave.id, { disabled: true, updated_at: Date.now() });
    await op.provider.logout.endUserSessions(dave.id, {
      reason: 'disabled',
      initiator: 'admin',
      revokeOffline: true,
      revokeUserTokens: { userId: dave.id },
    });
    const refused = await userinfo();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await oidc.tokenIntrospection(config, offline.access_token)).active).toBe(false);
  });

  it('me/ routes only ever touch the token\u2019s own user', async () => {
    const alice = await sessionAcross(op, ALICE, ['portal']);
    const bob = await sessionAcross(op, BOB, ['portal', 'bookings'], { scope: 'openid account' });
    const mine = await fetch(`${op.issuer}/api/v1/me/sessions`, {
      headers: { authorization: `Bearer ${bob.tokens.portal!.access_token}` },
    });
    const list = (await mine.json()) as { sid: string; current: boolean; clients: { client_id: string }[] }[];
    expect(list.find((s) => s.current)?.sid).toBe(bob.sid);
    expect(list.every((s) => s.sid !== alice.sid)).toBe(true);
    expect(
      list
        .find((s) => s.current)!
        .clients.map((c) => c.client_id)
        .sort(),
    ).toEqual(['bookings', 'portal']);
    const res = await fetch(`${op.issuer}/api/v1/me/revokeSignInSessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.tokens.portal!.access_token}` },
    });
    expect(res.status).toBe(204);
    expect((await op.provider.store.sessions.findBySid(bob.sid))!.ended_at).not.toBeNull();
    expect((await op.provider.store.sessions.findBySid(alice.sid))!.ended_at).toBeNull();
  });

  it('DELETE /sessions/{sid} ends one session; password change and disabling end them with their reason', async () => {
    const { body } = await adminToken(op);
    const auth = { authorization: `Bearer ${body.access_token}` };
    const one = await sessionAcross(op, ALICE, ['portal']);
    expect(
      (await fetch(`${op.issuer}/api/v1/sessions/${one.sid}`, { method: 'DELETE', headers: auth })).status,
    ).toBe(204);
    expect((await op.provider.store.sessions.findBySid(one.sid))!.end_reason).toBe('admin');
    expect(
      (await fetch(`${op.issuer}/api/v1/sessions/nope`, { method: 'DELETE', headers: auth })).status,
    ).toBe(404);

    const two = await sessionAcross(op, BOB, ['portal']);
    const pw = await fetch(`${op.issuer}/api/v1/users/bob/password`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a-new-password' }),
    });
    expect(pw.status).toBe(204);
    expect((await op.provider.store.sessions.findBySid(two.sid))!.end_reason).toBe('password_changed');

    const three = await sessionAcross(op, { username: 'bob', password: 'a-new-password' }, ['portal']);
    expect(
      (await fetch(`${op.issuer}/api/v1/users/bob/disable`, { method: 'POST', headers: auth })).status,
    ).toBe(204);
    expect((await op.provider.store.sessions.findBySid(three.sid))!.end_reason).toBe('disabled');
    const req = await authorizationRequest(await rp(op, 'portal'), cb('portal'));
    const fresh = new BrowserSession();
    const page = await fresh.navigate(req.url.toString());
    const retry = await fresh.submit(page, { username: 'bob', password: 'a-new-password' });
    expect(retry.status).toBe(401);
    expect(
      (await fetch(`${op.issuer}/api/v1/users/bob/enable`, { method: 'POST', headers: auth })).status,
    ).toBe(204);
  });

  it('bad input to every API route is a JSON 4xx, never a 500', async () => {
    const { body } = await adminToken(op);
    const auth = { authorization: `Bearer ${body.access_token}` };
    const cases: [string, string, RequestInit][] = [
      ['POST', '/api/v1/users/nobody/revokeSignInSessions', { headers: auth }],
      ['POST', '/api/v1/users/' + 'x'.repeat(300) + '/revokeSignInSessions', { headers: auth }],
      [
        'POST',
        '/api/v1/users/alice/password',
        { headers: { ...auth, 'content-type': 'application/json' }, body: '{bad json' },
      ],
      [
        'POST',
        '/api/v1/users/alice/password',
        { headers: { ...auth, 'content-type': 'application/json' }, body: '{"password": 5}' },
      ],
      [
        'POST',
        '/api/v1/users/alice/password',
        { headers: { ...auth, 'content-type': 'application/json' }, body: '{"password": "short"}' },
      ],
      [
        'POST',
        '/api/v1/users/alice/password',
        { headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' },
      ],
      ['GET', '/api/v1/users/nobody/sessions', { headers: auth }],
      ['DELETE', '/api/v1/sessions/x', { headers: { authorization: 'Basic abc' } }],
      ['GET', '/api/v1/logouts/nope', { headers: auth }],
      ['POST', '/api/v1/me/revokeSignInSessions', { headers: auth }],
      ['POST', '/api/v1/me/changePassword', { headers: { authorization: 'Bearer x.y.z' } }],
      ['GET', '/api/v1/me/sessions', {}],
      [
        'POST',
        '/api/v1/users/alice/revokeSignInSessions',
        { headers: { ...auth, 'content-type': 'application/json' }, body: 'x'.repeat(100_000) },
      ],
    ];
    for (const [method, path, init] of cases) {
      const res = await fetch(`${op.issuer}${path}`, { method, ...init });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const json = (await res.json()) as { error: string; error_description: string };
      expect(json.error, `${method} ${path} ${JSON.stringify(json)}`).toBeTruthy();
      expect(json.error_description).toBeTruthy();
    }
    const doc = await (await fetch(`${op.issuer}/api/v1/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/users/{user}/revokeSignInSessions',
        '/me/revokeSignInSessions',
        '/sessions/{sid}',
        '/logouts/{id}',
      ]),
    );
  });
});

describe('session events push', () => {
  it('tells a subscriber with the reason, resumes with Last-Event-ID, and refuses other origins', async () => {
    const receivers = await receiversFor();
    const op = await startTestProvider({ clients: clientsFor(receivers), users: [ALICE] });
    try {
      const { browser, tokens, sid } = await sessionAcross(op, ALICE, ['portal', 'bookings']);
      const origin = 'http://localhost:5002';
      const denied = await fetch(`${op.issuer}/session/events`, {
        headers: { authorization: `Bearer ${tokens.bookings!.access_token}`, origin: 'https://evil.example' },
      });
      expect(denied.status).toBe(403);
      const stream = await openSse(`${op.issuer}/session/events`, {
        authorization: `Bearer ${tokens.bookings!.access_token}`,
        origin,
      });
      expect(stream.headers.get('access-control-allow-origin')).toBe(origin);
      const end = new URL(`${op.issuer}/end_session`);
      end.searchParams.set('id_token_hint', tokens.portal!.id_token!);
      const t0 = Date.now();
      await browser.navigate(end.toString());
      const event = await stream.next(5000);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(event).toMatchObject({ event: 'session_ended', data: { sid, reason: 'rp' } });
      // Reconnecting later (the token's session is gone) still says why, at once.
      const late = await openSse(`${op.issuer}/session/events`, {
        authorization: `Bearer ${tokens.bookings!.access_token}`,
      });
      expect(await late.next(2000)).toMatchObject({ event: 'session_ended', data: { sid, reason: 'rp' } });
      // With Last-Event-ID past that event, nothing is replayed for a live session; tickets are single use.
      const other = await sessionAcross(op, ALICE, ['bookings'], { scope: 'openid account' });
      const ticket = await (
        await fetch(`${op.issuer}/session/events/ticket`, {
          method: 'POST',
          headers: { authorization: `Bearer ${other.tokens.bookings!.access_token}` },
        })
      ).json();
      const viaTicket = await openSse(`${op.issuer}/session/events?ticket=${ticket.ticket}`, {
        'last-event-id': String(event.id),
      });
      expect((await fetch(`${op.issuer}/session/events?ticket=${ticket.ticket}`)).status).toBe(401);
      const api = await adminlessRevoke(op, other.tokens.bookings!.access_token);
      expect(api).toBe(204);
      expect(await viaTicket.next(3000)).toMatchObject({
        event: 'session_ended',
        data: { sid: other.sid, reason: 'user' },
      });
      const [logout] = await op.provider.store.logouts.listBySid(other.sid);
      await expect
        .poll(
          async () => (await op.provider.logout.report(logout!.id))!.participants[0]!.channels.push?.status,
        )
        .toBe('delivered');
    } finally {
      await op.close();
      for (const r of Object.values(receivers)) await r.stop();
    }
  });

  async function adminlessRevoke(op: TestProvider, accessToken: string) {
    const res = await fetch(`${op.issuer}/api/v1/me/revokeSignInSessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return res.status;
  }

  it.each(['sqlite', 'postgres'] as const)(
    'reaches a subscriber on another provider process within 1 s (%s)',
    async (engine) => {
      if (engine === 'postgres' && !hasPostgres()) return;
      const receivers = await receiversFor();
      const first = await startTestProvider({ clients: clientsFor(receivers), users: [ALICE] }, { engine });
      const second = await startTestProvider(
        { clients: clientsFor(receivers), users: [ALICE] },
        { database: first.database, issuer: first.issuer },
      );
      try {
        const { browser, tokens, sid } = await sessionAcross(first, ALICE, ['portal']);
        const stream = await openSse(`${second.url}/session/events`, {
          authorization: `Bearer ${tokens.portal!.access_token}`,
        });
        const end = new URL(`${first.issuer}/end_session`);
        end.searchParams.set('id_token_hint', tokens.portal!.id_token!);
        const t0 = Date.now();
        await browser.navigate(end.toString());
        expect(await stream.next(3000)).toMatchObject({
          event: 'session_ended',
          data: { sid, reason: 'rp' },
        });
        expect(Date.now() - t0).toBeLessThan(1000);
      } finally {
        await second.close();
        await first.close();
        for (const r of Object.values(receivers)) await r.stop();
      }
    },
  );
});
