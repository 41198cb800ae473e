import { hash } from 'node:crypto';
import {
  SignJWT,
  jwtVerify,
  createLocalJWKSet,
  errors as joseErrors,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import type { KeyStore } from '../keys/keystore.js';
import { digest, randomToken } from '../util/crypto.js';
import { DEFAULT_SIGNING_ALG, SIGNING_ALGS, type SigningAlg } from '../keys/algorithms.js';

import { LOGOUT_TOKEN_TYP, logoutTokenClaims, type LogoutTokenSubject } from '../logout/logout-token.js';

export { LOGOUT_EVENT } from '../logout/logout-token.js';

/**
 * OIDC Core §3.1.3.6: at_hash is the base64url of the left half of the hash of the access token, with the hash of
 * the ID token's alg: SHA-256 for both RS256 and ES256 (keys/algorithms.ts).
 */
export function leftHalfHash(value: string): string {
  const full = hash('sha256', value, 'buffer');
  return full.subarray(0, full.length / 2).toString('base64url');
}

/** Verified access tokens a process remembers at most (about 0.5 KB each); past it, it starts over. */
const VERIFIED_ACCESS_TOKENS_MAX = 10_000;

type VerifiedClaims = Readonly<JWTPayload & { iss: string }>;

export class TokenSigner {
  constructor(
    private readonly keys: KeyStore,
    private readonly issuer: string,
    /** `keys.access_token_alg`: access tokens go to resource servers, not to one client, so one alg for all. */
    private readonly accessTokenAlg: SigningAlg = DEFAULT_SIGNING_ALG,
  ) {}

  /** Whether tokens can be signed with `alg` here (`keys.algorithms`). */
  offers(alg: string): boolean {
    return this.keys.offers(alg);
  }

  private async sign(
    payload: JWTPayload,
    typ: string,
    nowMs: number,
    ttlSeconds: number,
    signingAlg: SigningAlg,
  ): Promise<string> {
    // A rotation made by another process (or `adieu keys rotate`) must reach this one even if it never serves
    // the JWKS: the key set is reloaded on use once it is older than keys.refresh_interval.
    await this.keys.maybeRefresh();
    const { kid, alg, key } = this.keys.signingKey(signingAlg);
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid, typ })
      .setIssuer(this.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(key);
  }

  /**
   * ID Token (OIDC Core §2). `claims` carries sub, aud, auth_time, sid, nonce and profile claims; `alg` is the
   * client's `id_token_signed_response_alg`.
   */
  idToken(
    claims: JWTPayload & { sub: string; aud: string },
    nowMs: number,
    ttl: number,
    accessToken?: string,
    alg: SigningAlg = DEFAULT_SIGNING_ALG,
  ) {
    const payload: JWTPayload = { ...claims };
    if (accessToken) payload.at_hash = leftHalfHash(accessToken);
    return this.sign(payload, 'JWT', nowMs, ttl, alg);
  }

  /** Access token as a JWT (RFC 9068 §2): typ at+jwt, jti, client_id, scope; `sid` ties it to the SSO session. */
  async accessToken(
    claims: {
      sub: string;
      aud: string | string[];
      client_id: string;
      scope: string;
      sid?: string;
      auth_time?: number;
      acr?: string;
      amr?: string[];
    },
    nowMs: number,
    ttl: number,
  ): Promise<{ token: string; jti: string; expiresAt: number }> {
    const jti = randomToken(16);
    const token = await this.sign({ ...claims, jti }, 'at+jwt', nowMs, ttl, this.accessTokenAlg);
    return { token, jti, expiresAt: Math.floor(nowMs / 1000) * 1000 + ttl * 1000 };
  }

  /**
   * A logout token (its claims: logout/logout-token.ts), valid for `ttl` seconds, signed as the client's ID tokens
   * are (Back-Channel Logout §2.4: the same keys as for ID tokens), so `alg` is its `id_token_signed_response_alg`.
   */
  logoutToken(subject: LogoutTokenSubject, nowMs: number, alg: SigningAlg = DEFAULT_SIGNING_ALG, ttl = 120) {
    return this.sign(logoutTokenClaims(subject), LOGOUT_TOKEN_TYP, nowMs, ttl, alg);
  }

  /**
   * Verify a JWT we issued. Only the algorithms Adieu signs with and our own keys are accepted (never `alg: none`,
   * never a key named in the token; jose takes a key from our JWKS only for the alg it was made for).
   * `allowExpired` serves id_token_hint, for which an expired token is still a valid hint.
   */
  async verifyOwn(
    token: string,
    opts: { typ?: string; allowExpired?: boolean; nowMs: number },
  ): Promise<JWTPayload & { iss: string }> {
    const options: JWTVerifyOptions = {
      issuer: this.issuer,
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(opts.nowMs),
      ...(opts.typ ? { typ: opts.typ } : {}),
      ...(opts.allowExpired ? { clockTolerance: Number.MAX_SAFE_INTEGER / 1000 } : {}),
    };
    try {
      return (await jwtVerify(token, this.keySet().jwks, options)).payload as JWTPayload & { iss: string };
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
      // Another process may have rotated keys since we last looked; look once more.
      await this.keys.refresh();
      return (await jwtVerify(token, this.keySet().jwks, options)).payload as JWTPayload & { iss: string };
    }
  }

  /**
   * An access token of ours (typ at+jwt), verified as {@link verifyOwn} does. A resource server presents the same
   * token on every call it makes until the token expires, and the RSA verification (on libuv's pool, through
   * WebCrypto) is the costliest step of userinfo and introspection (bench/README.md, nineteenth session), so the
   * claims of a token that verified are remembered, by its digest, until its `exp`, and forgotten when the key set
   * changes, as the JWKS is. Nothing else is remembered: whether the token is revoked, its session live and its
   * user enabled is the caller's to ask the store on every call. The claims are frozen: callers share them.
   */
  async verifyAccessToken(token: string, nowMs: number): Promise<VerifiedClaims> {
    const key = digest(token);
    // The key set as it is now: a token verified below is remembered in it, so if the set changes meanwhile (a key
    // removed), the token goes with the old set instead of being carried into the new one.
    const { verified } = this.keySet();
    const known = verified.get(key);
    // Its signature, issuer, typ and times were checked when it was first seen; since then only the clock moved,
    // and jose's own rule for exp is this one (expired once exp <= now in whole seconds).
    if (known && Math.floor(nowMs / 1000) < known.exp!) return known;
    const claims = Object.freeze(await this.verifyOwn(token, { typ: 'at+jwt', nowMs }));
    // A token without exp is not ours to issue; it is verified every time rather than kept forever.
    if (typeof claims.exp === 'number') {
      if (verified.size >= VERIFIED_ACCESS_TOKENS_MAX) verified.clear();
      verified.set(key, claims);
    }
    return claims;
  }

  /**
   * What holds only as long as the key set does: jose's JWKS object (it caches the imported keys) and the access
   * tokens verified against it. Both start over when the key set changes.
   */
  private current:
    | {
        generation: number;
        jwks: ReturnType<typeof createLocalJWKSet>;
        verified: Map<string, VerifiedClaims>;
      }
    | undefined;
  private keySet() {
    if (this.current?.generation !== this.keys.generation) {
      this.current = {
        generation: this.keys.generation,
        jwks: createLocalJWKSet(this.keys.verificationJwks()),
        verified: new Map(),
      };
    }
    return this.current;
  }
}
