/**
 * Reading and checking ID tokens. The browser receives them straight from the token endpoint over TLS, so, as
 * OIDC Core §3.1.3.7 item 6 allows for the code flow, the signature is not verified here (the provider checks
 * its own signature again whenever the token comes back as `id_token_hint`). Every claim rule of §3.1.3.7 that
 * does not need the signature is enforced.
 */
import { AdieuError } from './errors.js';

/** The ID token claims the SDK relies on; everything else the provider sent is kept as is. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  azp?: string;
  nonce?: string;
  sid?: string;
  auth_time?: number;
  name?: string;
  preferred_username?: string;
  email?: string;
  login_hint?: string;
  /** Adieu: whether the provider session outlives the browser ("keep me signed in"); see docs/protocol-extensions.md. */
  session_persistent?: boolean;
  [claim: string]: unknown;
}

function base64UrlDecode(part: string): string {
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a compact JWT, without verifying anything. */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AdieuError('invalid_id_token', 'the ID token is not a compact JWT');
  try {
    const payload: unknown = JSON.parse(base64UrlDecode(parts[1]!));
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('not an object');
    return payload as Record<string, unknown>;
  } catch (cause) {
    throw new AdieuError('invalid_id_token', 'the ID token payload is not JSON', { cause });
  }
}

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce sent in the authorization request (logins); absent for refreshes. */
  nonce?: string | undefined;
  /** The subject the token must have (refreshes: OIDC Core §12.2 says it must not change). */
  sub?: string | undefined;
  nowSeconds: number;
  /** Clock skew tolerated, in seconds. */
  skew?: number;
}

const fail = (what: string) => new AdieuError('invalid_id_token', `the ID token ${what}`);

/**
 * Decode an ID token and check its claims (OIDC Core §3.1.3.7 items 2-4, 9-11; §12.2 for refreshes).
 *
 * @example
 * ```ts
 * const claims = checkIdToken(tokens.id_token, { issuer, clientId: 'spa', nonce, nowSeconds: Date.now() / 1000 });
 * ```
 */
export function checkIdToken(token: string, x: IdTokenExpectations): IdTokenClaims {
  const c = decodeJwtPayload(token);
  const skew = x.skew ?? 120;
  if (c.iss !== x.issuer) throw fail(`was issued by ${String(c.iss)}, not ${x.issuer}`);
  if (typeof c.sub !== 'string' || !c.sub) throw fail('has no subject');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(x.clientId)) throw fail(`is not meant for client ${x.clientId}`);
  if (aud.length > 1 && c.azp !== x.clientId) throw fail('has several audiences and another azp');
  if (c.azp !== undefined && c.azp !== x.clientId) throw fail(`was issued to ${String(c.azp)} (azp)`);
  if (typeof c.exp !== 'number' || c.exp + skew < x.nowSeconds) throw fail('has expired');
  if (typeof c.iat !== 'number') throw fail('has no iat');
  if (x.nonce !== undefined && c.nonce !== x.nonce) throw fail('does not carry the nonce of this login');
  if (x.sub !== undefined && c.sub !== x.sub) throw fail('names another user than the account it refreshes');
  return c as IdTokenClaims;
}
