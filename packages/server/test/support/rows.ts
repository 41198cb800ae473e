import type { RefreshTokenRow } from '../../src/store/repos/refresh-tokens.js';

/** An unused offline refresh token of client `app`, valid for an hour from `now`; `over` changes any column. */
export function refreshTokenRow(
  digest: string,
  now: number,
  over: Partial<RefreshTokenRow> = {},
): RefreshTokenRow {
  return {
    token_digest: digest,
    family_id: 'family',
    client_id: 'app',
    user_id: 'user',
    sid: null,
    scope: 'openid offline_access',
    offline: true,
    auth_time: Math.floor(now / 1000),
    created_at: now,
    expires_at: now + 3_600_000,
    used_at: null,
    revoked_at: null,
    revoke_reason: null,
    access_jti: null,
    access_expires_at: null,
    amr: null,
    ...over,
  };
}
