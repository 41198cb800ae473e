import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leftHalfHash } from '../../../src/protocol/jwt.js';
import { s256Challenge, verifyPkce } from '../../../src/protocol/pkce.js';
import { sessionState } from '../../../src/protocol/session-state.js';
import { digest } from '../../../src/util/crypto.js';

/** The SHA-256 values the protocol defines, computed the long way (a Hash object) to check the one-shot form. */
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

describe('SHA-256 values on the wire and in the store', () => {
  it('PKCE S256: the RFC 7636 appendix B pair matches, a changed verifier does not', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(s256Challenge(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(verifyPkce(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(verifyPkce(`${verifier.slice(0, -1)}j`, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(
      false,
    );
  });

  it('at_hash is the base64url of the left 16 bytes of the access token’s SHA-256 (OIDC Core §3.1.3.6)', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    expect(leftHalfHash(token)).toBe(sha256(token).subarray(0, 16).toString('base64url'));
    expect(leftHalfHash(token)).toHaveLength(22);
  });

  it('a stored digest is the base64url SHA-256 of the secret, UTF-8 encoded (so rows written before still match)', () => {
    for (const secret of ['', 'k3J9xQ', 'login_hint\u0000browser\u0000user', 'ünï']) {
      expect(digest(secret)).toBe(sha256(secret).toString('base64url'));
    }
  });

  it('session_state is hex SHA-256 of "client_id origin browser_state salt", then the salt (Session Management §3)', () => {
    const value = sessionState('portal', 'https://portal.example/cb?x=1', 'state-1', 'salt');
    expect(value).toBe(`${sha256('portal https://portal.example state-1 salt').toString('hex')}.salt`);
  });
});
