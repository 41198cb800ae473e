import { describe, expect, it } from 'vitest';
import {
  Interactions,
  type InteractionsDeps,
  type LoadedInteraction,
} from '../../../src/protocol/interaction.js';
import type { InteractionPayload } from '../../../src/protocol/authorize.js';
import type { BrowserAccount, SessionRow } from '../../../src/domain/sessions.js';
import type { InteractionRow } from '../../../src/store/repos/interactions.js';
import type { UserRow } from '../../../src/store/repos/users.js';
import { T0, client, oauthError } from '../support.js';

// Interaction ids are what randomToken(24) makes: 32 base64url characters (protocol/pending-sign-ins.ts).
const ID = 'i'.repeat(32);
const browser = { sessionCookie: 'accounts', browserCookie: 'browser', ip: '192.0.2.1', userAgent: 'ua' };

function user(over: Partial<UserRow> = {}): UserRow {
  return {
    id: 'usr_1',
    username: 'alice',
    email: 'alice@example.com',
    email_verified: true,
    name: 'Alice',
    password_hash: 'hash',
    disabled: false,
    password_changed_at: T0,
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

function session(over: Partial<SessionRow> = {}): SessionRow {
  return {
    sid: 'sid_1',
    cookie_digest: 'cd',
    user_id: 'usr_1',
    auth_time: T0,
    created_at: T0,
    last_active_at: T0,
    idle_expires_at: T0 + 3_600_000,
    absolute_expires_at: T0 + 86_400_000,
    remember_me: false,
    idle_seconds: 3600,
    ended_at: null,
    end_reason: null,
    logout_id: null,
    ip: null,
    user_agent: null,
    browser_id: null,
    amr: 'pwd',
    ...over,
  };
}

/** The deps with in-memory fakes; `calls` records what the service asked them to do. */
function setup(
  opts: {
    kind?: string;
    payload?: InteractionPayload;
    expiresAt?: number;
    users?: UserRow[];
    factorsOf?: string[];
    throttled?: number;
    accounts?: BrowserAccount[];
    current?: SessionRow;
    unverifiedSignIn?: boolean;
    clients?: Record<string, ReturnType<typeof client>>;
  } = {},
) {
  let now = T0;
  const rows = new Map<string, InteractionRow>();
  rows.set(ID, {
    id: ID,
    kind: opts.kind ?? 'login',
    payload: opts.payload ?? { raw: { client_id: 'app', scope: 'openid' } },
    csrf: 'csrf-token',
    created_at: T0,
    expires_at: opts.expiresAt ?? T0 + 60_000,
  });
  const users = opts.users ?? [user()];
  const calls = {
    signIn: [] as unknown[],
    ended: [] as unknown[],
    grants: [] as unknown[],
  };
  const deps: InteractionsDeps = {
    interactions: {
      find: async <P>(id: string, at: number) => {
        const row = rows.get(id);
        return row && row.expires_at > at ? (structuredClone(row) as InteractionRow<P>) : undefined;
      },
      take: async (id) => rows.delete(id),
      update: async (id, payload) => {
        const row = rows.get(id);
        if (row) row.payload = structuredClone(payload);
      },
    },
    now: () => now,
    currentSession: async () => opts.current,
    browserSession: async (_cookie, sid) => opts.accounts?.find((a) => a.session.sid === sid)?.session,
    findClient: async (id) => (opts.clients ?? { app: client() })[id],
    throttle: {
      checkPassword: async <T>(
        _username: string,
        _ip: string,
        _now: number,
        check: () => Promise<T | undefined>,
      ) => {
        if (opts.throttled) return { outcome: 'throttled' as const, retryAfterSeconds: opts.throttled };
        const value = await check();
        return value === undefined ? { outcome: 'wrong' as const } : { outcome: 'ok' as const, value };
      },
    },
    users: {
      // As UserDirectory.authenticate: a disabled user never authenticates.
      authenticate: async (username, password) =>
        users.find((u) => u.username === username && password === 'right' && !u.disabled),
    },
    findUser: async (id) => users.find((u) => u.id === id),
    accounts: { maySignIn: (u) => !!opts.unverifiedSignIn || !u.email || u.email_verified },
    secondFactors: { hasAny: async (id) => (opts.factorsOf ?? []).includes(id) },
    sessions: {
      accounts: async () => opts.accounts ?? [],
      signIn: async (input, end) => {
        calls.signIn.push(input);
        const evicted = opts.accounts?.map((a) => a.session) ?? [];
        if (evicted.length) await end.evicted(evicted);
        const s = session({ user_id: input.userId, amr: input.amr?.join(' ') ?? null });
        return { session: s, cookie: 'new-cookie', rememberMe: input.rememberMe, accounts: [] };
      },
    },
    logout: {
      endExpired: async () => undefined,
      endSessions: async (sessions, o) => {
        calls.ended.push({ sids: sessions.map((s) => s.sid), ...o });
        return { logoutId: 'lo_1' } as never;
      },
    },
    consents: {
      grant: async (...args) => {
        calls.grants.push(args);
      },
    },
  };
  return {
    service: new Interactions(deps),
    rows,
    calls,
    tick: (ms: number) => (now += ms),
  };
}

const form = { username: 'alice', password: 'right', rememberMe: true };

async function loaded(s: ReturnType<typeof setup>, ...kinds: ('login' | 'consent')[]) {
  return s.service.load(ID, ID, ...(kinds.length ? kinds : (['login'] as const)));
}

describe('login and consent interactions (protocol/interaction.ts)', () => {
  it('loads an interaction of the asked kind, bound to this browser, with its typed payload', async () => {
    const s = setup();
    const it = await loaded(s);
    expect(it.row.kind).toBe('login');
    expect(it.payload.raw.client_id).toBe('app');
  });

  it('an expired interaction is refused', async () => {
    const s = setup({ expiresAt: T0 + 1000 });
    s.tick(1000);
    await oauthError(() => loaded(s), 'invalid_request', /expired or was already used/);
  });

  it('an interaction another browser opened is refused (its id is not in this browser cookie)', async () => {
    const s = setup();
    await oauthError(() => s.service.load(ID, 'o'.repeat(32), 'login'), 'invalid_request', /expired/);
    await oauthError(() => s.service.load(ID, undefined, 'login'), 'invalid_request', /expired/);
  });

  it('an interaction of another kind is refused', async () => {
    const s = setup({ kind: 'consent' });
    await oauthError(() => loaded(s, 'login'), 'invalid_request', /expired/);
    expect((await loaded(s, 'login', 'consent')).row.kind).toBe('consent');
  });

  it('a form without the page CSRF token is refused with 403', async () => {
    const s = setup();
    const it = await loaded(s);
    expect(() => s.service.checkCsrf(it, undefined)).toThrow(/CSRF/);
    expect(() => s.service.checkCsrf(it, 'other')).toThrow(/CSRF/);
    expect(() => s.service.checkCsrf(it, 'csrf-token')).not.toThrow();
  });

  it('single use: the second finish of the same interaction fails', async () => {
    const s = setup();
    const it = await loaded(s);
    await s.service.finish(it);
    await oauthError(() => s.service.finish(it), 'invalid_request', /already used/);
    await oauthError(() => loaded(s), 'invalid_request');
  });

  it('a right password signs in with amr pwd and uses up the interaction', async () => {
    const s = setup();
    const result = await s.service.login(await loaded(s), form, browser);
    expect(result.kind).toBe('authenticated');
    expect(s.calls.signIn).toEqual([
      expect.objectContaining({ userId: 'usr_1', amr: ['pwd'], rememberMe: true, ip: '192.0.2.1' }),
    ]);
    expect(s.rows.has(ID)).toBe(false);
  });

  it('a wrong password is a 401 retry; the interaction stays for the next try', async () => {
    const s = setup();
    const result = await s.service.login(await loaded(s), { ...form, password: 'wrong' }, browser);
    expect(result).toEqual({
      kind: 'retry',
      status: 401,
      message: 'The username or password is not correct.',
    });
    expect(s.rows.has(ID)).toBe(true);
    expect(s.calls.signIn).toEqual([]);
  });

  it('a throttled attempt is a 429 retry with its wait', async () => {
    const s = setup({ throttled: 30 });
    const result = await s.service.login(await loaded(s), form, browser);
    expect(result).toMatchObject({ kind: 'retry', status: 429, retryAfterSeconds: 30 });
    expect(s.calls.signIn).toEqual([]);
  });

  it('a disabled user does not sign in with a password', async () => {
    const s = setup({ users: [user({ disabled: true })] });
    const result = await s.service.login(await loaded(s), form, browser);
    expect(result).toMatchObject({ kind: 'retry', status: 401 });
    expect(s.calls.signIn).toEqual([]);
  });

  it('a user whose email is not confirmed does not sign in (unless unverified sign-in is allowed)', async () => {
    const unverified = [user({ email_verified: false })];
    const s = setup({ users: unverified });
    expect(await s.service.login(await loaded(s), form, browser)).toMatchObject({
      kind: 'retry',
      status: 403,
    });
    const allowed = setup({ users: unverified, unverifiedSignIn: true });
    expect((await allowed.service.login(await loaded(allowed), form, browser)).kind).toBe('authenticated');
  });

  it('a user with a second factor is asked for it: the first factor waits in the stored interaction', async () => {
    const s = setup({ factorsOf: ['usr_1'] });
    const result = await s.service.login(await loaded(s), form, browser);
    expect(result).toEqual({ kind: 'second_factor' });
    expect(s.calls.signIn).toEqual([]);
    expect((await loaded(s)).payload.secondFactor).toEqual({
      userId: 'usr_1',
      amr: ['pwd'],
      rememberMe: true,
    });
  });

  it('an app with mfa off skips the second factor of a user who has one', async () => {
    const s = setup({ factorsOf: ['usr_1'], clients: { app: client({ mfa: 'off' }) } });
    expect((await s.service.login(await loaded(s), form, browser)).kind).toBe('authenticated');
  });

  it('completing the second factor refuses a user disabled meanwhile', async () => {
    const s = setup({ users: [user({ disabled: true })] });
    const pending = { userId: 'usr_1', amr: ['pwd'], rememberMe: false };
    await oauthError(
      async () => s.service.completeSecondFactor(await loaded(s), pending, ['otp'], browser),
      'invalid_request',
      /expired/,
    );
    expect(s.calls.signIn).toEqual([]);
  });

  it('a step-up continues only in a session that is still one of this browser accounts', async () => {
    const pending = { userId: 'usr_1', amr: ['pwd'], rememberMe: false, sid: 'sid_gone' };
    const s = setup();
    await oauthError(
      async () => s.service.completeSecondFactor(await loaded(s), pending, ['otp'], browser),
      'invalid_request',
      /session changed/,
    );
    const here = { secret: 's', userId: 'usr_1', session: session({ sid: 'sid_gone' }) };
    const ok = setup({ accounts: [here] });
    const result = await ok.service.completeSecondFactor(await loaded(ok), pending, ['otp'], browser);
    expect(result.kind).toBe('authenticated');
    expect(ok.calls.signIn).toEqual([expect.objectContaining({ amr: ['pwd', 'otp', 'mfa'] })]);
  });

  it('a passkey of a disabled user signs nobody in and leaves the interaction', async () => {
    const s = setup({ users: [user({ disabled: true })] });
    const result = await s.service.signInWithPasskey(await loaded(s), 'usr_1', ['swk', 'user'], browser);
    expect(result).toMatchObject({ kind: 'retry', status: 403 });
    expect(s.rows.has(ID)).toBe(true);
  });

  it('sessions the account limit pushes out of the browser end as "replaced" through the logout path', async () => {
    const old = { secret: 's', userId: 'usr_2', session: session({ sid: 'sid_old', user_id: 'usr_2' }) };
    const s = setup({ accounts: [old] });
    await s.service.login(await loaded(s), form, browser);
    expect(s.calls.ended).toEqual([
      { sids: ['sid_old'], reason: 'replaced', initiator: 'user', browserPresent: false },
    ]);
  });

  it('a page whose user signed in meanwhile in another tab goes on; one signed in before it opened does not', async () => {
    const later = setup({ current: session({ auth_time: T0 + 5 }) });
    expect((await later.service.signedInMeanwhile(await loaded(later), browser))?.sid).toBe('sid_1');
    const before = setup({ current: session({ auth_time: T0 - 5 }) });
    expect(await before.service.signedInMeanwhile(await loaded(before), browser)).toBeUndefined();
    const picking = setup({ current: session({ auth_time: T0 + 5 }), payload: { raw: {}, pick: true } });
    expect(await picking.service.signedInMeanwhile(await loaded(picking), browser)).toBeUndefined();
  });

  it('an app that takes no passwords refuses the password form; the account page always takes one', async () => {
    const s = setup({ clients: { app: client({ password_login: false }) } });
    const it = await loaded(s);
    await oauthError(
      () => s.service.requirePasswordOffered(it),
      'invalid_request',
      /does not take passwords/,
    );
    const account: LoadedInteraction = {
      ...it,
      payload: { raw: { client_id: 'app' }, returnTo: '/account' },
    };
    expect(await s.service.passwordOffered(account)).toBe(true);
  });

  it('consent records the scopes for the app of the request, once', async () => {
    const s = setup({ kind: 'consent' });
    const it = await loaded(s, 'consent');
    await s.service.consent(it, session(), ['openid', 'profile']);
    expect(s.calls.grants).toEqual([['usr_1', 'app', ['openid', 'profile'], T0]]);
    await oauthError(() => s.service.consent(it, session(), ['openid']), 'invalid_request');
    expect(s.calls.grants).toHaveLength(1);
  });
});
