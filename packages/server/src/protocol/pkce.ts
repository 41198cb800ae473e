import { digest, safeEqual } from '../util/crypto.js';

/** RFC 7636 §4.1/§4.2: verifier and challenge are 43-128 characters of the unreserved set. */
export const PKCE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * RFC 7636 §4.2 S256: BASE64URL(SHA256(ASCII(verifier))). A verifier is ASCII by its pattern, so this is the same
 * SHA-256 as a stored digest.
 */
export function s256Challenge(verifier: string): string {
  return digest(verifier);
}

/** RFC 7636 §4.6 with S256, the only method we accept (plain gives no protection against a leaked code). */
export function verifyPkce(verifier: string, challenge: string): boolean {
  if (!PKCE_PATTERN.test(verifier)) return false;
  return safeEqual(s256Challenge(verifier), challenge);
}
