/**
 * Every failure the SDK reports is an {@link AdieuError} with a stable string `code` (the jose / openid-client
 * habit), so callers `switch` on the code instead of parsing messages. Codes are only ever added, never renamed.
 */

/** Why a logout token was refused. Each names exactly one check of Back-Channel Logout 1.0 §2.6. */
export type LogoutTokenErrorCode =
  /** The request is not a form POST with exactly one `logout_token`. */
  | 'malformed_request'
  /** Not a signed compact JWT (three base64url parts with JSON inside). */
  | 'token_malformed'
  /** The `alg` is not in the allowlist (e.g. `none`, HS256, or an algorithm the app did not enable). */
  | 'alg_not_allowed'
  /** No key in the provider's JWKS matches the token's `kid`/`alg`. */
  | 'unknown_key'
  /** The signature does not verify with the provider's key. */
  | 'bad_signature'
  /** The header `typ` is not `logout+jwt`. */
  | 'typ_invalid'
  | 'iss_invalid'
  | 'aud_invalid'
  | 'iat_missing'
  | 'iat_invalid'
  /** Issued longer ago than `logoutToken.maxAge` allows. */
  | 'iat_too_old'
  | 'iat_in_future'
  | 'exp_missing'
  | 'exp_invalid'
  | 'expired'
  | 'nbf_invalid'
  | 'jti_missing'
  | 'jti_invalid'
  /** This `jti` was already accepted once. */
  | 'jti_replayed'
  /** `events` is not an object containing the back-channel logout event (whose value must be an object). */
  | 'events_invalid'
  /** Logout tokens must never carry a `nonce` (§2.4), so an ID token cannot pass for one. */
  | 'nonce_present'
  /** Neither `sid` nor `sub` is present, or one is not a string. */
  | 'sid_sub_missing'
  /** The provider's keys could not be fetched; the provider should retry. */
  | 'jwks_unavailable';

export type AdieuErrorCode =
  | LogoutTokenErrorCode
  /** Options given to the SDK are invalid; the message names the option. */
  | 'invalid_config'
  /** The provider's discovery document could not be fetched or is unusable. */
  | 'discovery_failed'
  /** The callback arrived without the login transaction this browser started (expired, or a second use). */
  | 'login_transaction_missing'
  /** The provider answered the authorization request with an error, or the code exchange failed. */
  | 'login_failed'
  /** The SSO session behind a new login was logged out while the login was in flight. */
  | 'session_revoked'
  /** The return from the provider's logout does not carry the state this browser was given. */
  | 'logout_state_mismatch'
  /** Refreshing tokens failed for a reason other than `invalid_grant` (network, provider down). */
  | 'refresh_failed';

/**
 * The one error class of the SDK.
 *
 * @example
 * ```ts
 * try {
 *   await verifyLogoutToken(token, options);
 * } catch (e) {
 *   if (e instanceof AdieuError && e.code === 'jti_replayed') console.warn('replayed logout token');
 * }
 * ```
 */
export class AdieuError extends Error {
  override readonly name = 'AdieuError';

  constructor(
    readonly code: AdieuErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; check?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status ?? 400;
    this.check = options?.check;
  }

  /** The HTTP status an SDK route answers with for this error. */
  readonly status: number;
  /** For logout token errors: the claim or header that failed (`jti`, `aud`, `signature`, ...). */
  readonly check: string | undefined;
}

/**
 * Narrow an unknown thrown value to an AdieuError with one of the given codes.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (isAdieuError(err, 'login_transaction_missing', 'session_revoked')) return res.redirect('/login');
 *   next(err);
 * });
 * ```
 */
export function isAdieuError(e: unknown, ...codes: AdieuErrorCode[]): e is AdieuError {
  return e instanceof AdieuError && (codes.length === 0 || codes.includes(e.code));
}
