import type { Client } from '../../domain/clients.js';

/** Where the browser may go after logout, or why it may not go where the app asked. */
export type PostLogoutRedirect =
  | { kind: 'none' }
  | { kind: 'allowed'; uri: string }
  /** `note` says why in plain words; the receipt shows it. The logout itself goes on. */
  | { kind: 'refused'; note: string };

/**
 * end_session must not redirect to an unregistered post_logout_redirect_uri (RP-Initiated Logout 1.0 §3,
 * RFC 9700 §4.1.1): only an exact match of the identified client's registered list is followed.
 *
 * A wrong or unidentifiable URI does not stop the logout (issue 12): the user asked to sign out, so they are
 * signed out (after confirmation when there is no proof of intent), the receipt says why they stay at the
 * provider, and nothing is ever sent to the URI.
 */
export function checkPostLogoutRedirectUri(
  uri: string | undefined,
  client: Client | undefined,
): PostLogoutRedirect {
  if (uri === undefined) return { kind: 'none' };
  if (!client) {
    return {
      kind: 'refused',
      note: 'The app that sent you here did not say which app it is, so you were not sent back to it.',
    };
  }
  if (!client.hasPostLogoutRedirectUri(uri)) {
    return {
      kind: 'refused',
      note: `${client.name} asked to send you back to an address it has not registered, so you stay here.`,
    };
  }
  return { kind: 'allowed', uri };
}
