import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Why an upstream logout token was refused; the words go into the 400 answer. */
export class LogoutTokenError extends Error {}

export interface LogoutTokenExpectations {
  /** The upstream's issuer. */
  issuer: string;
  /** Adieu's client_id at the upstream. */
  audience: string;
  /** The upstream's keys (a remote JWKS that refetches on an unknown kid, rate limited). */
  keys: JWTVerifyGetKey;
  /** Asymmetric algorithms the upstream signs with; `none` and HMAC never pass. */
  algorithms: readonly string[];
  /** Seconds since the epoch. */
  now: number;
  /** Tolerated clock difference, seconds. */
  clockTolerance?: number;
  /** Maximum age of `iat`, seconds. */
  maxAge?: number;
}

export interface ValidLogoutToken {
  jti: string;
  sid: string | undefined;
  sub: string | undefined;
  exp: number;
}

/**
 * Validate a Logout Token exactly as Back-Channel Logout 1.0 §2.6 says: signature with the upstream's keys
 * (never `none`), `iss`, `aud`, `iat` (and `exp`), `jti` present (replay is checked by the caller against the
 * store), the back-channel `events` member, no `nonce`, and `sid` and/or `sub`. Explicit typing (RFC 8725 §3.11)
 * is honoured when the upstream uses it.
 */
export async function verifyUpstreamLogoutToken(
  token: string,
  x: LogoutTokenExpectations,
): Promise<ValidLogoutToken> {
  const algorithms = x.algorithms.filter((a) => a !== 'none' && !a.startsWith('HS'));
  let payload: Record<string, unknown>;
  let typ: string | undefined;
  try {
    const r = await jwtVerify(token, x.keys, {
      issuer: x.issuer,
      audience: x.audience,
      algorithms,
      currentDate: new Date(x.now * 1000),
      clockTolerance: x.clockTolerance ?? 60,
      maxTokenAge: x.maxAge ?? 600,
      requiredClaims: ['iat', 'jti'],
    });
    payload = r.payload as Record<string, unknown>;
    typ = r.protectedHeader.typ;
  } catch (e) {
    throw new LogoutTokenError(describe(e), { cause: e });
  }
  if (
    typ !== undefined &&
    typ.toLowerCase() !== 'logout+jwt' &&
    typ.toLowerCase() !== 'application/logout+jwt'
  ) {
    throw new LogoutTokenError(`typ "${typ}" is not a logout token`);
  }
  const events = payload.events;
  if (
    typeof events !== 'object' ||
    events === null ||
    typeof (events as Record<string, unknown>)[BACKCHANNEL_EVENT] !== 'object'
  ) {
    throw new LogoutTokenError('events must contain the back-channel logout event');
  }
  if ('nonce' in payload) throw new LogoutTokenError('a logout token must not contain nonce');
  const sid = typeof payload.sid === 'string' && payload.sid ? payload.sid : undefined;
  const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
  if (!sid && !sub) throw new LogoutTokenError('a logout token must contain sid or sub');
  if (typeof payload.jti !== 'string' || !payload.jti) throw new LogoutTokenError('jti is missing');
  const iat = payload.iat as number;
  const exp = typeof payload.exp === 'number' ? payload.exp : iat + (x.maxAge ?? 600);
  return { jti: payload.jti, sid, sub, exp };
}

function describe(e: unknown): string {
  if (e instanceof errors.JWTClaimValidationFailed) return `claim "${e.claim}" is not valid: ${e.reason}`;
  if (e instanceof errors.JWTExpired) return 'the logout token has expired';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not accepted';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (e instanceof errors.JWKSNoMatchingKey) return 'no key of the upstream matches the token';
  if (e instanceof errors.JWKSTimeout) return "the upstream's keys could not be fetched in time";
  if (e instanceof errors.JOSEError) return `not a valid signed token (${e.code})`;
  return 'not a valid signed token';
}
