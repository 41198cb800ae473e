import { hash } from 'node:crypto';
import { safeEqual } from '../util/crypto.js';

/** RFC 7636 §4.1/§4.2: verifier and challenge are 43-128 characters of the unreserved set. */
export const PKCE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.6 with S256, the only method we accept (plain gives no protection against a leaked code). */
export function verifyPkce(verifier: string, challenge: string): boolean {
  if (!PKCE_PATTERN.test(verifier)) return false;
  return safeEqual(hash('sha256', verifier, 'base64url'), challenge);
}
