import type { ErrorTarget, ResponseMode } from './authorization-request.js';
import type { OAuthError } from './errors.js';

/** How an authorization response reaches the client: a redirect (query/fragment) or an auto-posted form. */
export type ClientResponse =
  | { kind: 'redirect'; location: string }
  | { kind: 'form_post'; action: string; fields: Record<string, string> };

/** Build the authorization response; existing query parameters of the redirect URI are kept (RFC 6749 §3.1.2). */
export function clientResponse(
  redirectUri: string,
  mode: ResponseMode,
  params: Record<string, string | undefined>,
): ClientResponse {
  const fields = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  if (mode === 'form_post') return { kind: 'form_post', action: redirectUri, fields };
  const url = new URL(redirectUri);
  if (mode === 'fragment') {
    url.hash = new URLSearchParams(fields).toString();
  } else {
    for (const [k, v] of Object.entries(fields)) url.searchParams.append(k, v);
  }
  return { kind: 'redirect', location: url.toString() };
}

/** An error response to a validated redirect URI, with `state` echoed exactly and `iss` (RFC 9207). */
export function errorResponse(target: ErrorTarget, error: OAuthError, issuer: string): ClientResponse {
  return clientResponse(target.redirectUri, target.responseMode, {
    error: error.error,
    error_description: error.description,
    state: target.state,
    iss: issuer,
  });
}
