/**
 * Every failure the SDK reports is an {@link AdieuError} with a stable string `code` (the jose / openid-client
 * habit), so callers `switch` on the code instead of parsing messages. Codes are only ever added, never renamed.
 * `errorCode` and `errorMessage` mirror MSAL.js's `AuthError` so code written for MSAL keeps working.
 */
export type AdieuErrorCode =
  /** The configuration given to `new AdieuClient()` is invalid; the message names the option. */
  | 'invalid_config'
  /** A method that needs `initialize()` was called before it resolved. */
  | 'uninitialized_public_client_application'
  /** The provider's discovery document could not be fetched, or names another issuer. */
  | 'discovery_failed'
  /** A request to the provider failed at the network level (offline, CORS refused, TLS). */
  | 'network_error'
  /** The provider answered with an OAuth error (`error` and `error_description` are on the error). */
  | 'server_error'
  /** Another interactive call (popup or redirect) of this client is still running in this tab. */
  | 'interaction_in_progress'
  /** No account was given and none is active. */
  | 'no_account_error'
  /** The browser refused to open the popup (no user gesture, or a popup blocker). */
  | 'popup_window_error'
  /** The user closed the popup before the provider answered. */
  | 'user_cancelled'
  /** The popup did not come back within `system.windowHashTimeout`. */
  | 'monitor_window_timeout'
  /** The ID token does not belong to this login (issuer, audience, nonce, expiry or subject is wrong). */
  | 'invalid_id_token'
  /** A redirect API was called inside an iframe without `system.allowRedirectInIframe`. */
  | 'redirect_in_iframe'
  /** Signing in again is the only way on (session ended, refresh token dead, scope not granted). */
  | 'interaction_required'
  /** The front-channel page runs in a partitioned (third-party) context and cannot reach the app's storage. */
  | 'storage_partitioned';

/**
 * The one error class of the SDK.
 *
 * @example
 * ```ts
 * try {
 *   await client.acquireTokenSilent({ scopes: ['api'] });
 * } catch (e) {
 *   if (e instanceof AdieuError && e.code === 'interaction_required') await client.loginRedirect();
 * }
 * ```
 */
export class AdieuError extends Error {
  override name = 'AdieuError';
  /** For `server_error`: the OAuth `error` the provider sent (e.g. `invalid_grant`). */
  readonly error: string | undefined;
  /** For `server_error`: the provider's `error_description`. */
  readonly errorDescription: string | undefined;

  constructor(
    readonly code: AdieuErrorCode,
    message: string,
    options?: { cause?: unknown; error?: string | undefined; errorDescription?: string | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.error = options?.error;
    this.errorDescription = options?.errorDescription;
  }

  /** MSAL.js name of {@link AdieuError.code}. */
  get errorCode(): string {
    return this.code;
  }

  /** MSAL.js name of `message`. */
  get errorMessage(): string {
    return this.message;
  }
}

/**
 * Thrown when only an interactive sign-in can help: MSAL.js's `InteractionRequiredAuthError`, with the same
 * name so `instanceof` checks ported from MSAL read naturally.
 *
 * @example
 * ```ts
 * const result = await client.acquireTokenSilent({ scopes: ['api'] }).catch(async (e) => {
 *   if (e instanceof InteractionRequiredAuthError) return client.acquireTokenPopup({ scopes: ['api'] });
 *   throw e;
 * });
 * ```
 */
export class InteractionRequiredAuthError extends AdieuError {
  override name = 'InteractionRequiredAuthError';

  constructor(message: string, options?: { cause?: unknown; error?: string; errorDescription?: string }) {
    super('interaction_required', message, options);
  }
}

/** Narrow an unknown thrown value to an AdieuError with one of the given codes. */
export function isAdieuError(e: unknown, ...codes: AdieuErrorCode[]): e is AdieuError {
  return e instanceof AdieuError && (codes.length === 0 || codes.includes(e.code));
}

/** OAuth errors that mean "only a new interactive sign-in helps" (OIDC Core §3.1.2.6, RFC 6749 §5.2). */
const INTERACTION_ERRORS = new Set([
  'invalid_grant',
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** Turn a provider's OAuth error into the SDK error a caller should see. */
export function fromOAuthError(error: string, description: string | undefined): AdieuError {
  const message = description ? `${error}: ${description}` : error;
  return INTERACTION_ERRORS.has(error)
    ? new InteractionRequiredAuthError(message, { error, errorDescription: description })
    : new AdieuError('server_error', message, { error, errorDescription: description });
}
