/**
 * Issue 19 point 6, seed 003's pitfall: an app that already took part in this SSO session sends an interactive
 * authorization request. Its own session ended (a local-only sign-out, an expired app cookie) while the
 * provider's did not, so whoever is at the browser now may not be the person who signed in: a silent code would
 * hand them that person's account. The provider names the account first ("Continuing as Alice… Not you?").
 *
 * A first sign-in at an app (single sign-on from the portal) stays silent: the app never had this account, so
 * nobody can have signed out of it. `prompt=none` never shows a page (OIDC Core §3.1.2.1): the app asked for a
 * silent answer, and gets one.
 */

export interface ReturningAppRequest {
  prompt: ReadonlySet<string>;
  clientId: string;
}

/** Whether the request must show the account it would continue as before the app gets a code. */
export async function mustNameAccountFirst(
  request: ReturningAppRequest,
  sid: string,
  isParticipant: (sid: string, clientId: string) => Promise<boolean>,
): Promise<boolean> {
  // Checked first, so silent SSO (the hot path) never asks the store.
  if (request.prompt.has('none')) return false;
  return isParticipant(sid, request.clientId);
}
