import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import type { KeyStore } from '../../keys/keystore.js';
import type { SigningAlg } from '../../keys/algorithms.js';
import type { TokenSigner } from '../../protocol/jwt.js';
import { randomToken } from '../../util/crypto.js';

/**
 * The logout tokens the OpenID conformance suite sends to a relying party's back-channel endpoint (its
 * "RP back-channel logout" plan). Each one is wrong in exactly one way and must be answered 400
 * (Back-Channel Logout 1.0 §2.6, §2.8); the well-formed one, built by the provider's own signer, must get 200.
 */
export const NEGATIVE_CASES = [
  { name: 'alg_none', label: 'alg: none (unsigned)' },
  { name: 'wrong_aud', label: 'wrong aud' },
  { name: 'wrong_iss', label: 'wrong iss' },
  { name: 'bad_signature', label: 'bad signature' },
  { name: 'expired', label: 'expired' },
  { name: 'with_nonce', label: 'with nonce' },
  { name: 'missing_events', label: 'missing events' },
  { name: 'replayed_jti', label: 'replayed jti' },
] as const;

export type NegativeCase = (typeof NEGATIVE_CASES)[number]['name'];

export interface TestSubject {
  sub: string;
  sid: string;
}

/** A synthetic session: ids no real session can have, so an app that acts on the token ends nothing real. */
export function syntheticSubject(): TestSubject {
  return { sub: `adieu-doctor-${randomToken(9)}`, sid: `adieu-doctor-${randomToken(9)}` };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Builds the well-formed token and each negative one for one client, all with the provider's current key. */
export class LogoutTokenMatrix {
  constructor(
    private readonly signer: TokenSigner,
    private readonly keys: KeyStore,
    private readonly issuer: string,
    /** The client's `id_token_signed_response_alg`, which its logout tokens are signed with. */
    private readonly alg: SigningAlg,
  ) {}

  /** The token the provider itself would send: signed by the provider's signer, unchanged. */
  wellFormed(clientId: string, subject: TestSubject, nowMs: number): Promise<string> {
    return this.signer.logoutToken({ sub: subject.sub, aud: clientId, sid: subject.sid }, nowMs, this.alg);
  }

  /**
   * One negative token. Each starts from a fresh well-formed token (a new jti, so a replay check cannot be what
   * refuses it) and changes one thing. `replayed_jti` is the very token `original` sent again.
   */
  async negative(
    name: NegativeCase,
    clientId: string,
    subject: TestSubject,
    nowMs: number,
    original: string,
  ): Promise<string> {
    if (name === 'replayed_jti') return original;
    const good = await this.wellFormed(clientId, subject, nowMs);
    const claims = decodeJwt(good);
    switch (name) {
      case 'alg_none':
        return `${b64({ alg: 'none', typ: 'logout+jwt' })}.${b64(claims)}.`;
      case 'bad_signature': {
        const [h, p, s] = good.split('.') as [string, string, string];
        const sig = Buffer.from(s, 'base64url');
        sig[0] = sig[0]! ^ 0xff;
        sig[sig.length - 1] = sig[sig.length - 1]! ^ 0xff;
        return `${h}.${p}.${sig.toString('base64url')}`;
      }
      case 'wrong_aud':
        return this.resign({ ...claims, aud: `not-${clientId}` });
      case 'wrong_iss':
        return this.resign({ ...claims, iss: `${this.issuer.replace(/\/$/, '')}/not-the-issuer` });
      case 'expired': {
        const iat = Math.floor(nowMs / 1000) - 3600;
        return this.resign({ ...claims, iat, exp: iat + 120 });
      }
      case 'with_nonce':
        return this.resign({ ...claims, nonce: randomToken(12) });
      case 'missing_events': {
        const { events: _events, ...rest } = claims;
        return this.resign(rest);
      }
    }
  }

  /** Sign changed claims with the provider's own current key and header, so only the change is wrong. */
  private async resign(claims: JWTPayload): Promise<string> {
    const { kid, alg, key } = this.keys.signingKey(this.alg);
    return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'logout+jwt' }).sign(key);
  }
}
