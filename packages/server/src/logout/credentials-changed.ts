import type { EndedLogout, LogoutService } from './logout-service.js';

/**
 * A second factor was removed (by the user on /account) or an admin reset the user's factors: whoever holds the
 * user's other sessions may have signed in with what was just taken away, so they end through the logout path
 * with reason `credentials_changed` (every participant app is told), with their refresh tokens. `keepSid` is the
 * session of the user who made the change (fresh, so it stays).
 */
export function endSessionsAfterCredentialChange(
  logout: Pick<LogoutService, 'endUserSessions'>,
  userId: string,
  o: { initiator: 'user' | 'admin'; keepSid?: string | undefined; adminClientId?: string | null | undefined },
): Promise<EndedLogout[]> {
  return logout.endUserSessions(userId, {
    reason: 'credentials_changed',
    initiator: o.initiator,
    initiatorClientId: o.adminClientId ?? undefined,
    keepSid: o.keepSid,
    revokeOffline: true,
    revokeUserTokens: { userId, keepSid: o.keepSid },
  });
}
