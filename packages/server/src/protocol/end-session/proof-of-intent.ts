import type { IdTokenHint } from './check-id-token-hint.js';

/**
 * RP-Initiated Logout 1.0 §2-3: without proof that this browser's user meant to sign out, the provider asks. A
 * valid hint is proof only for the session it was issued in (or, when it names no session, for its user).
 */
export function hintProvesIntent(
  hint: IdTokenHint | undefined,
  session: { sid: string; user_id: string },
): boolean {
  if (!hint) return false;
  if (hint.sid !== undefined) return hint.sid === session.sid;
  return hint.sub === session.user_id;
}
