import type { JWTPayload } from 'jose';
import { randomToken } from '../util/crypto.js';

/** The `events` member's one key (Back-Channel Logout 1.0 §2.4). */
export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The JWT `typ` of a logout token (Back-Channel Logout 1.0 §2.4, explicit typing per RFC 8725 §3.11). */
export const LOGOUT_TOKEN_TYP = 'logout+jwt';

/** Who and what a logout token speaks of. `reason` is Adieu's extension claim (docs/protocol-extensions.md). */
export interface LogoutTokenSubject {
  sub: string;
  aud: string;
  sid?: string | undefined;
  reason?: string | undefined;
}

/**
 * The claims of a logout token (Back-Channel Logout 1.0 §2.4), apart from iss/iat/exp which the signer adds: a
 * fresh `jti` for every attempt (receivers keep a replay store), the `events` member exactly `{ [LOGOUT_EVENT]:
 * {} }`, `sid` when the session is known, and never a `nonce` (§2.4 forbids it, so an ID token can never pass for
 * one).
 */
export function logoutTokenClaims(subject: LogoutTokenSubject): JWTPayload {
  const claims: JWTPayload = {
    sub: subject.sub,
    aud: subject.aud,
    jti: randomToken(16),
    events: { [LOGOUT_EVENT]: {} },
  };
  if (subject.sid) claims.sid = subject.sid;
  if (subject.reason) claims.reason = subject.reason;
  return claims;
}
