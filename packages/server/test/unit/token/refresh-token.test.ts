import { describe, expect, it } from 'vitest';
import {
  narrowScope,
  rejectEndedSession,
  rejectExpiredRefreshToken,
  rejectInactiveUser,
  rejectReusedRefreshToken,
  rejectRevokedRefreshToken,
  rejectUnknownRefreshToken,
  rotationWasReuse,
} from '../../../src/protocol/token/refresh-token.js';
import type { SessionRow } from '../../../src/domain/sessions.js';
import type { UserRow } from '../../../src/store/repos/users.js';
import { T0, client, oauthError, refreshToken } from '../support.js';

describe('refresh token rules (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  it('a token of another client is unknown', async () => {
    await oauthError(() => rejectUnknownRefreshToken(undefined, client()), 'invalid_grant', /invalid/);
    await oauthError(
      () => rejectUnknownRefreshToken(refreshToken({ client_id: 'other' }), client()),
      'invalid_grant',
    );
    expect(() => rejectUnknownRefreshToken(refreshToken(), client())).not.toThrow();
  });

  it('a revoked token grants nothing', async () => {
    await oauthError(
      () => rejectRevokedRefreshToken(refreshToken({ revoked_at: T0 })),
      'invalid_grant',
      /revoked/,
    );
    expect(() => rejectRevokedRefreshToken(refreshToken())).not.toThrow();
  });

  it('a reused refresh token revokes its family', async () => {
    const revoked: unknown[] = [];
    const tokens = {
      revokeRefresh: async (...args: unknown[]) => {
        revoked.push(args);
        return 1;
      },
    };
    await oauthError(
      () => rejectReusedRefreshToken(true, 'fam_1', tokens, T0),
      'invalid_grant',
      /already used; its whole family is now revoked/,
    );
    expect(revoked).toEqual([[{ family_id: 'fam_1' }, T0, 'refresh_reuse']]);
    await rejectReusedRefreshToken(false, 'fam_1', tokens, T0);
    expect(revoked).toHaveLength(1);
  });

  it('losing a rotation to another use or to a revocation counts as reuse', () => {
    expect(rotationWasReuse('rotated')).toBe(false);
    expect(rotationWasReuse('reused')).toBe(true);
    expect(rotationWasReuse('revoked')).toBe(true);
  });

  it('an expired token grants nothing', async () => {
    await oauthError(
      () => rejectExpiredRefreshToken(refreshToken({ expires_at: T0 }), T0),
      'invalid_grant',
      /expired/,
    );
    expect(() => rejectExpiredRefreshToken(refreshToken({ expires_at: T0 + 1 }), T0)).not.toThrow();
  });

  it('a token lives no longer than its SSO session unless it is offline (OIDC Core §11)', async () => {
    await oauthError(
      () => rejectEndedSession(refreshToken(), undefined),
      'invalid_grant',
      /session has ended/,
    );
    expect(() => rejectEndedSession(refreshToken({ offline: true }), undefined)).not.toThrow();
    expect(() => rejectEndedSession(refreshToken(), { sid: 'sid_1' } as SessionRow)).not.toThrow();
  });

  it('a disabled or deleted user gets nothing', async () => {
    await oauthError(() => rejectInactiveUser(undefined), 'invalid_grant', /no longer active/);
    await oauthError(() => rejectInactiveUser({ disabled: true } as UserRow), 'invalid_grant');
    expect(() => rejectInactiveUser({ disabled: false } as UserRow)).not.toThrow();
  });

  it('the requested scope may narrow the grant, never widen it', async () => {
    expect(narrowScope(['openid', 'profile'], undefined)).toEqual(['openid', 'profile']);
    expect(narrowScope(['openid', 'profile'], 'openid')).toEqual(['openid']);
    await oauthError(() => narrowScope(['openid'], 'openid email'), 'invalid_scope');
  });
});
