import { OAuthError } from './errors.js';

/**
 * The scope a user grants an app to manage their own account through the self-service API
 * (`/api/v1/me/...`): list their sign-ins on every device, sign them out everywhere, change their password.
 * The consent page shows it in plain words; discovery lists it in `scopes_supported`.
 */
export const ACCOUNT_SCOPE = 'account';

/**
 * An access token reaches the self-service API only when it was issued for this provider's API (the audience is
 * the issuer) and carries the `account` scope the user granted. Any other token, even a valid one for the same
 * user, is refused with 403 insufficient_scope and the scope it lacks (RFC 6750 §3, §3.1): an app granted only
 * `openid` must not list the user's sessions or sign them out everywhere.
 */
export function requireAccountScope(
  claims: { aud?: string | string[] | undefined; scope: string },
  issuer: string,
): void {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.includes(issuer) && claims.scope.split(' ').includes(ACCOUNT_SCOPE)) return;
  const description = `this API needs an access token with the ${ACCOUNT_SCOPE} scope, granted by the user`;
  throw new OAuthError('insufficient_scope', description, 403).withHeader(
    'WWW-Authenticate',
    `Bearer error="insufficient_scope", error_description="${description}", scope="${ACCOUNT_SCOPE}"`,
  );
}
