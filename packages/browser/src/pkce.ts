/**
 * PKCE (RFC 7636) and the random values of a login, from WebCrypto. The verifier is 43 characters of
 * base64url (32 random bytes, §4.1 minimum entropy) and the challenge is always S256 (§4.2): `plain` is never
 * offered.
 */

/** base64url without padding (RFC 7636 Appendix A). */
export function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `n` bytes from the platform CSPRNG, base64url-encoded. */
export function randomString(n = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(n)));
}

/**
 * A fresh code verifier and its S256 challenge.
 *
 * @example
 * ```ts
 * const { verifier, challenge } = await createPkce();
 * url.searchParams.set('code_challenge', challenge);
 * url.searchParams.set('code_challenge_method', 'S256');
 * ```
 */
export async function createPkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomString(32);
  return { verifier, challenge: await s256(verifier) };
}

/** BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}
