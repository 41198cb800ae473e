import type { PostLogoutRedirect } from './check-post-logout-redirect-uri.js';

/**
 * RP-Initiated Logout 1.0 §3: `state` goes back to the app only on the validated post_logout_redirect_uri, as a
 * query parameter, and the registered URI is used byte for byte (its own query kept). No URI, no state.
 */
export function postLogoutTarget(
  redirect: PostLogoutRedirect,
  state: string | undefined,
): string | undefined {
  if (redirect.kind !== 'allowed') return undefined;
  const uri = redirect.uri;
  if (state === undefined) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}`;
}
