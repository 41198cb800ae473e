/**
 * Errors are values with an OAuth error code. One serializer at the edge turns them into
 * `{ error, error_description }` JSON (APIs), a readable page (browsers) or a redirect with `error=` (only once
 * the redirect URI has been validated). Anything that is not an OAuthError is a `server_error` whose details
 * never leave the process.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  /** Extra response headers, e.g. WWW-Authenticate. */
  headers: Record<string, string> = {};

  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${error}: ${description}`);
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

export const invalidRequest = (d: string) => new OAuthError('invalid_request', d);
export const invalidClient = (d: string, basic = false) => {
  const e = new OAuthError('invalid_client', d, 401);
  return basic ? e.withHeader('WWW-Authenticate', 'Basic realm="adieu"') : e;
};
export const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
export const unauthorizedClient = (d: string) => new OAuthError('unauthorized_client', d);
export const unsupportedGrantType = (d: string) => new OAuthError('unsupported_grant_type', d);
export const unsupportedResponseType = (d: string) => new OAuthError('unsupported_response_type', d);
export const invalidScope = (d: string) => new OAuthError('invalid_scope', d);
export const loginRequired = (d: string) => new OAuthError('login_required', d);
/** RFC 6750 §3: a bad or missing bearer token. */
export const invalidToken = (d: string) =>
  new OAuthError('invalid_token', d, 401).withHeader(
    'WWW-Authenticate',
    `Bearer error="invalid_token", error_description="${d.replace(/["\\]/g, '')}"`,
  );
export const insufficientScope = (d: string) =>
  new OAuthError('insufficient_scope', d, 403).withHeader(
    'WWW-Authenticate',
    'Bearer error="insufficient_scope"',
  );
/** Too many failed password checks for this account or address (RFC 6585 §4); a delay, never a denial. */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new OAuthError(
    'too_many_attempts',
    `too many failed attempts; try again in ${retryAfterSeconds} seconds`,
    429,
  ).withHeader('Retry-After', String(retryAfterSeconds));
/** Too many open session-event streams (RFC 6585 §4): close a page's stream, or retry later. */
export const tooManyStreams = (of: 'user' | 'ip', max: number) =>
  new OAuthError(
    'too_many_streams',
    `at most ${max} session event streams may be open at once ${of === 'user' ? 'for one user' : 'from one address'}; close one and try again`,
    429,
  ).withHeader('Retry-After', '30');
/** The service cannot take this request right now (the database is away, every hashing slot is taken). */
export const temporarilyUnavailable = (d: string, retryAfterSeconds: number) =>
  new OAuthError('temporarily_unavailable', d, 503).withHeader('retry-after', String(retryAfterSeconds));
export const notFound = (d: string) => new OAuthError('not_found', d, 404);
export const invalidClientMetadata = (d: string) => new OAuthError('invalid_client_metadata', d);
export const invalidRedirectUri = (d: string) => new OAuthError('invalid_redirect_uri', d);
export const serverError = () =>
  new OAuthError('server_error', 'the server could not complete the request', 500);
