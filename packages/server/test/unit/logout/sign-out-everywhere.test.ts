import { describe, expect, it } from 'vitest';
import { signOutEverywhere } from '../../../src/logout/sign-out-everywhere.js';
import type { EndedLogout, LogoutOptions } from '../../../src/logout/logout-service.js';
import type { SessionRow } from '../../../src/domain/sessions.js';
import { T0 } from '../support.js';

function session(sid: string, over: Partial<SessionRow> = {}): SessionRow {
  return {
    sid,
    cookie_digest: `cd_${sid}`,
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
    user_agent: `agent of ${sid}`,
    browser_id: null,
    amr: 'pwd',
    ...over,
  };
}

/** A logout path that ends every session it is given, except those already ended elsewhere. */
function fakeLogout(alreadyEnded: string[] = []) {
  const calls: { sids: string[]; opts: LogoutOptions }[] = [];
  return {
    calls,
    logout: {
      endSessions: async (sessions: readonly SessionRow[], opts: LogoutOptions): Promise<EndedLogout[]> => {
        calls.push({ sids: sessions.map((s) => s.sid), opts });
        return sessions
          .filter((s) => !alreadyEnded.includes(s.sid))
          .map((s) => ({ logoutId: `lo_${s.sid}`, sid: s.sid, receiptToken: 'r' }) as EndedLogout);
      },
    },
  };
}

describe('sign out everywhere (logout/sign-out-everywhere.ts)', () => {
  const here = session('sid_here');
  const phone = session('sid_phone');
  const laptop = session('sid_laptop');

  it('ends the other devices first with no browser present, then this one with every refresh token', async () => {
    const { calls, logout } = fakeLogout();
    const result = await signOutEverywhere({ activeOfUser: async () => [phone, here, laptop], logout }, here);
    expect(calls).toEqual([
      {
        sids: ['sid_phone', 'sid_laptop'],
        opts: { reason: 'user', initiator: 'user', browserPresent: false },
      },
      {
        sids: ['sid_here'],
        opts: {
          reason: 'user',
          initiator: 'user',
          browserPresent: true,
          revokeOffline: true,
          revokeUserTokens: { userId: 'usr_1' },
        },
      },
    ]);
    expect(result.here?.sid).toBe('sid_here');
    expect(result.elsewhere.map((e) => [e.ended.sid, e.session?.user_agent])).toEqual([
      ['sid_phone', 'agent of sid_phone'],
      ['sid_laptop', 'agent of sid_laptop'],
    ]);
  });

  it('with no other device, still ends this one and revokes the user tokens', async () => {
    const { calls, logout } = fakeLogout();
    const result = await signOutEverywhere({ activeOfUser: async () => [here], logout }, here);
    expect(calls.map((c) => c.sids)).toEqual([[], ['sid_here']]);
    expect(result).toMatchObject({ here: { sid: 'sid_here' }, elsewhere: [] });
  });

  it('sessions another request ended meanwhile are not reported as ended here', async () => {
    const { logout } = fakeLogout(['sid_here', 'sid_laptop']);
    const result = await signOutEverywhere({ activeOfUser: async () => [here, phone, laptop], logout }, here);
    expect(result.here).toBeUndefined();
    expect(result.elsewhere.map((e) => e.ended.sid)).toEqual(['sid_phone']);
  });
});
