import { describe, expect, it } from 'vitest';
import { LOGOUT_EVENT, logoutTokenClaims } from '../../src/logout/logout-token.js';

describe('logout token claims (Back-Channel Logout 1.0 §2.4)', () => {
  it('carries sub, aud, a fresh jti, the events member exactly, sid and reason when known, never a nonce', () => {
    const a = logoutTokenClaims({ sub: 'u1', aud: 'portal', sid: 's1', reason: 'rp' });
    const b = logoutTokenClaims({ sub: 'u1', aud: 'portal', sid: 's1', reason: 'rp' });
    expect(a).toMatchObject({ sub: 'u1', aud: 'portal', sid: 's1', reason: 'rp' });
    expect(a.events).toEqual({ [LOGOUT_EVENT]: {} });
    expect(typeof a.jti).toBe('string');
    expect(a.jti).not.toBe(b.jti);
    expect(a).not.toHaveProperty('nonce');
  });

  it('leaves out sid and reason when there are none', () => {
    const c = logoutTokenClaims({ sub: 'u1', aud: 'portal' });
    expect(Object.keys(c).sort()).toEqual(['aud', 'events', 'jti', 'sub']);
  });
});
