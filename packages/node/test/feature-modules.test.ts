/**
 * The feature modules take a narrow context (`SdkContext` slices), not the whole `Adieu`: their rules can be
 * checked with a memory store and a hand-made context, without a provider or a server.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore, resolveConfig, type AppSession, type EndReason } from '../src/index.js';
import { frontchannelLogout } from '../src/frontchannel.js';
import { CookieJar } from '../src/http.js';
import { beginLogout, completeLogout } from '../src/rp-logout.js';
import { ROUTE_TABLE, routeAllows, sessionForRoute } from '../src/routes.js';
import { session } from './support/store-contract.js';

const ISSUER = 'https://id.example';

function context() {
  const config = resolveConfig({
    issuer: ISSUER,
    clientId: 'portal',
    clientSecret: 's',
    baseUrl: 'https://portal.example',
    localLogout: true,
  });
  const store = new MemorySessionStore();
  const ended: { reason: EndReason; sessions: AppSession[] }[] = [];
  const errors: string[] = [];
  return {
    ended,
    errors,
    ctx: {
      config,
      store,
      cookies: new CookieJar(config),
      async destroySession(id: string, reason: EndReason) {
        const s = await store.destroy(id, reason);
        if (s) ended.push({ reason, sessions: [s] });
        return s;
      },
      sessionsEnded: (sessions: AppSession[], reason: EndReason) => void ended.push({ reason, sessions }),
      report: (_e: unknown, where: string) => void errors.push(where),
    },
  };
}

describe('front-channel logout, with a narrow context', () => {
  it('ends every app session of the sid, for our issuer only', async () => {
    const { ctx, ended } = context();
    const a = session({ sub: 'alice', sid: 's1' });
    const b = session({ sub: 'alice', sid: 's1' });
    const c = session({ sub: 'bob', sid: 's2' });
    for (const s of [a, b, c]) expect(await ctx.store.create(s)).toBe('created');

    const other = await frontchannelLogout(
      ctx,
      new URLSearchParams({ iss: 'https://evil', sid: 's1' }),
      undefined,
    );
    expect(other.status).toBe(400);
    expect(await ctx.store.get(a.id)).toBeDefined();

    const half = await frontchannelLogout(ctx, new URLSearchParams({ sid: 's1' }), undefined);
    expect(half.status).toBe(400);

    const r = await frontchannelLogout(ctx, new URLSearchParams({ iss: ISSUER, sid: 's1' }), undefined);
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain(`frame-ancestors ${new URL(ISSUER).origin}`);
    expect(ended).toEqual([{ reason: 'frontchannel', sessions: expect.arrayContaining([a, b]) }]);
    expect(await ctx.store.get(c.id)).toBeDefined();
  });
});

describe('RP-initiated logout, with a narrow context', () => {
  it('a local logout ends the app session and never visits the provider', async () => {
    const { ctx, ended } = context();
    const s = session({ sub: 'alice', sid: 's1' });
    await ctx.store.create(s);
    const r = await beginLogout({ ...ctx, provider: undefined as never }, s, { returnTo: '//evil.example' });
    expect(r.headers.location).toBe('/');
    expect(r.cookies[0]).toMatch(/^__Host-adieu_app=; Max-Age=0/);
    expect(ended).toEqual([{ reason: 'logout', sessions: [s] }]);
  });

  it('a return with a state this browser does not hold is refused', async () => {
    const { ctx } = context();
    await expect(
      completeLogout(ctx, new URLSearchParams({ state: 'abc' }), { '__Host-adieu_app_logout': 'xyz' }),
    ).rejects.toMatchObject({ code: 'logout_state_mismatch' });
  });
});

describe('the route table', () => {
  it('says which routes load the session and which methods they answer', async () => {
    expect(
      Object.entries(ROUTE_TABLE)
        .filter(([, r]) => !r.session)
        .map(([n]) => n),
    ).toEqual(['callback', 'postLogout', 'backchannel', 'eventsScript']);
    expect(routeAllows('logout', 'post')).toBe(true);
    expect(routeAllows('backchannel', 'GET')).toBe(false);
    expect(routeAllows('login', 'HEAD')).toBe(true);
    let loads = 0;
    const core = {
      loadSession: async () => {
        loads++;
        return { cookies: [] };
      },
    };
    await sessionForRoute(core, 'backchannel', 'x=1');
    expect(loads).toBe(0);
    await sessionForRoute(core, 'frontchannel', 'x=1');
    await sessionForRoute(core, undefined, 'x=1');
    expect(loads).toBe(2);
  });
});
