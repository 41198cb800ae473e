import { decodeProtectedHeader, type JWTPayload } from 'jose';
import { OAuthError } from '../errors.js';

/** Who a valid id_token_hint names: the subject, its session, and the app it was issued to. */
export interface IdTokenHint {
  sub: string;
  sid?: string | undefined;
  /** The client the ID token was issued to (`azp`, or a single `aud`). */
  clientId?: string | undefined;
}

/** Verifies a JWT signed with this provider's keys (signature, issuer, RS256; expiry ignored). */
export type VerifyOwnJwt = (token: string) => Promise<JWTPayload>;

/** The `typ` our ID tokens carry. Access tokens are `at+jwt` (RFC 9068), logout tokens `logout+jwt`. */
export const ID_TOKEN_TYP = 'JWT';

/**
 * RP-Initiated Logout 1.0 §2: id_token_hint is an ID token this provider issued; an expired one is still a
 * hint. A token that is not ours (forged signature, `alg: none`, garbage) is an error page.
 *
 * RFC 8725 §3.11 (explicit typing): a token we signed that is not an ID token — an access token (`at+jwt`) or a
 * logout token — is *no hint at all* (`undefined`), so the request is treated like one without proof of intent
 * and the user is asked. It must never end a session silently.
 */
export async function checkIdTokenHint(
  token: string | undefined,
  verify: VerifyOwnJwt,
): Promise<IdTokenHint | undefined> {
  if (token === undefined) return undefined;
  let claims: JWTPayload;
  try {
    claims = await verify(token);
  } catch {
    throw new OAuthError('invalid_request', 'id_token_hint is not an ID token issued by this provider', 400);
  }
  const { typ } = decodeProtectedHeader(token);
  if (typ !== ID_TOKEN_TYP || 'events' in claims || 'client_id' in claims) return undefined;
  if (typeof claims.sub !== 'string') {
    throw new OAuthError('invalid_request', 'id_token_hint has no subject', 400);
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  const clientId = typeof claims.azp === 'string' ? claims.azp : aud.length === 1 ? aud[0] : undefined;
  return { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined, clientId };
}
