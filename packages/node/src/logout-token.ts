import { createHash } from 'node:crypto';
import { errors as jose, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AdieuError, type LogoutTokenErrorCode } from './errors.js';

/** The member of `events` that makes a JWT a logout token (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Signature algorithms a logout token may carry: asymmetric ones only (an HMAC or `none` proves no sender). */
const ASYMMETRIC_JWS = /^(?:(?:RS|PS|ES)(?:256|384|512)|EdDSA|Ed25519)$/;

/**
 * The algorithms the SDK accepts for a logout token. Back-Channel Logout 1.0 §2.6 validates its signature "in the
 * same way that an ID Token signature is validated", so unless the app lists its own (`logoutToken.algorithms`),
 * they are the ones its ID tokens are checked against: the provider's `id_token_signing_alg_values_supported`
 * (openid-client's rule for a client that names none), without any symmetric or `none` entry; RS256, OIDC's
 * default, when discovery lists none. An app registered for ES256 ID tokens thus takes its ES256 logout tokens
 * without a setting, and a provider that offers only RS256 gets nothing else accepted.
 *
 * @example
 * ```ts
 * logoutTokenAlgorithms(undefined, ['RS256', 'ES256', 'HS256']); // ['RS256', 'ES256']
 * logoutTokenAlgorithms(['ES256'], ['RS256', 'ES256']); // ['ES256']
 * ```
 */
export function logoutTokenAlgorithms(
  configured: readonly string[] | undefined,
  discovered: unknown,
): string[] {
  if (configured) return [...configured];
  const offered = Array.isArray(discovered)
    ? discovered.filter((alg): alg is string => typeof alg === 'string' && ASYMMETRIC_JWS.test(alg))
    : [];
  return offered.length ? offered : ['RS256'];
}

/** A logout token that passed every check. */
export interface LogoutTokenClaims extends JWTPayload {
  iss: string;
  iat: number;
  exp: number;
  jti: string;
  sid?: string;
  sub?: string;
  events: Record<string, unknown>;
  /** Adieu extension: why the SSO session ended (`user`, `rp`, `admin`, `expired`, ...). */
  reason?: string;
}

export interface LogoutTokenVerifyOptions {
  /** Expected `iss`: the provider's issuer, exactly. */
  issuer: string;
  /** Expected `aud`: this app's client_id. */
  audience: string;
  /** The provider's verification keys, e.g. `createRemoteJWKSet(new URL(jwks_uri))`. */
  keys: JWTVerifyGetKey;
  /** Allowed signature algorithms. Default `['RS256']`. */
  algorithms?: string[];
  /** Seconds after `iat` the token is still accepted. Default 120. */
  maxAge?: number;
  /** Seconds of clock difference tolerated. Default 10. */
  clockTolerance?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /**
   * The replay cache: remember a token id for `ttl` seconds, answering false if it was already remembered.
   * Every {@link SessionStore} has one (`rememberJti`). Without it replays are not detected.
   */
  replay?: { rememberJti(key: string, ttl: number): Promise<boolean> };
}

const fail = (code: LogoutTokenErrorCode, check: string, message: string, cause?: unknown, status = 400) =>
  new AdieuError(code, message, { check, cause, status });

/**
 * Validate a Back-Channel Logout token (§2.6) with jose, every check the spec asks for and the ones
 * incumbents skip: signature with the provider's keys and an algorithm allowlist, `typ: logout+jwt`, `iss`,
 * `aud`, `iat` (present, not in the future, not older than `maxAge`), `exp` (required), `jti` (required and
 * never seen before), `events` containing the back-channel event as an object, no `nonce`, and `sid` and/or
 * `sub`. Each failure throws an {@link AdieuError} with its own code and the check's name in `check`.
 *
 * @example
 * ```ts
 * import { createRemoteJWKSet } from 'jose';
 * import { verifyLogoutToken, MemorySessionStore } from '@adieu/node';
 *
 * const claims = await verifyLogoutToken(body.logout_token, {
 *   issuer: 'https://id.example.com',
 *   audience: 'portal',
 *   keys: createRemoteJWKSet(new URL('https://id.example.com/jwks')),
 *   replay: new MemorySessionStore(),
 * });
 * console.log(claims.sid, claims.sub);
 * ```
 */
export async function verifyLogoutToken(
  token: unknown,
  options: LogoutTokenVerifyOptions,
): Promise<LogoutTokenClaims> {
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    throw fail('token_malformed', 'jwt', 'logout_token is not a signed JWT (JWS compact serialization)');
  }
  const now = (options.now ?? Date.now)();
  const maxAge = options.maxAge ?? 120;
  const clockTolerance = options.clockTolerance ?? 10;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: options.algorithms ?? ['RS256'],
      typ: 'logout+jwt',
      requiredClaims: ['iat', 'exp', 'jti'],
      maxTokenAge: maxAge,
      clockTolerance,
      currentDate: new Date(now),
    }));
  } catch (e) {
    throw fromJose(e);
  }

  if (typeof payload.jti !== 'string' || payload.jti === '') {
    throw fail('jti_invalid', 'jti', 'jti must be a non-empty string');
  }
  const events = payload.events;
  const event = isObject(events) ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (!isObject(event)) {
    throw fail(
      'events_invalid',
      'events',
      `events must be an object whose member ${BACKCHANNEL_LOGOUT_EVENT} is an object`,
    );
  }
  if ('nonce' in payload) throw fail('nonce_present', 'nonce', 'a logout token must not contain a nonce');
  const sid = payload.sid;
  const sub = payload.sub;
  if ((sid === undefined && sub === undefined) || (sid !== undefined && typeof sid !== 'string')) {
    throw fail('sid_sub_missing', 'sid', 'a logout token must carry sid and/or sub (as strings)');
  }
  if (sub !== undefined && typeof sub !== 'string') {
    throw fail('sid_sub_missing', 'sub', 'sub must be a string');
  }

  if (options.replay) {
    const iat = payload.iat!;
    const exp = payload.exp!;
    // After this the token fails the exp or iat check anyway, so the id need not be kept longer.
    const acceptedUntil = Math.min(exp, iat + maxAge) + clockTolerance;
    const ttl = Math.max(1, acceptedUntil - Math.floor(now / 1000) + 1);
    const key = createHash('sha256').update(`${options.issuer}\n${payload.jti}`).digest('base64url');
    if (!(await options.replay.rememberJti(key, ttl))) {
      throw fail('jti_replayed', 'jti', 'this logout token was already used (jti replay)');
    }
  }
  return payload as LogoutTokenClaims;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One jose failure -> one stable code naming the check. */
function fromJose(e: unknown): AdieuError {
  if (e instanceof jose.JOSEAlgNotAllowed) {
    return fail('alg_not_allowed', 'alg', 'the token is signed with an algorithm that is not allowed', e);
  }
  if (e instanceof jose.JWKSNoMatchingKey || e instanceof jose.JWKSMultipleMatchingKeys) {
    return fail('unknown_key', 'kid', "no single key in the provider's JWKS matches the token", e);
  }
  if (e instanceof jose.JWSSignatureVerificationFailed) {
    return fail('bad_signature', 'signature', "the signature does not verify with the provider's key", e);
  }
  if (e instanceof jose.JWTExpired) {
    return e.claim === 'iat'
      ? fail('iat_too_old', 'iat', 'the token was issued too long ago', e)
      : fail('expired', 'exp', 'the token has expired', e);
  }
  if (e instanceof jose.JWTClaimValidationFailed) {
    const claim = e.claim;
    if (claim === 'typ') return fail('typ_invalid', 'typ', 'the JWT header typ must be logout+jwt', e);
    if (claim === 'iss') return fail('iss_invalid', 'iss', 'iss is missing or not the expected issuer', e);
    if (claim === 'aud') return fail('aud_invalid', 'aud', 'aud is missing or does not name this client', e);
    if (claim === 'iat') {
      if (e.reason === 'missing') return fail('iat_missing', 'iat', 'iat is required', e);
      if (e.reason === 'invalid') return fail('iat_invalid', 'iat', 'iat must be a number', e);
      return fail('iat_in_future', 'iat', 'iat is in the future', e);
    }
    if (claim === 'exp') {
      return e.reason === 'missing'
        ? fail('exp_missing', 'exp', 'exp is required', e)
        : fail('exp_invalid', 'exp', 'exp must be a number', e);
    }
    if (claim === 'jti') return fail('jti_missing', 'jti', 'jti is required', e);
    if (claim === 'nbf') return fail('nbf_invalid', 'nbf', 'the token is not valid yet', e);
    return fail('token_malformed', claim, e.message, e);
  }
  if (e instanceof jose.JWKSTimeout || e instanceof jose.JWKSInvalid || !(e instanceof jose.JOSEError)) {
    // Not the token's fault: the provider's keys could not be read. 503 makes the provider retry later.
    return fail('jwks_unavailable', 'jwks', "could not load the provider's keys", e, 503);
  }
  return fail('token_malformed', 'jwt', `logout_token is not a valid JWT: ${e.message}`, e);
}
