/**
 * The sign-in pages this browser has open (issue 12): the interaction cookie holds several ids, newest first, so a
 * second tab that starts a sign-in does not turn the first tab's page into "expired". Bounded, so the cookie stays
 * small and an old page does drop out eventually.
 */
import { safeEqual } from '../util/crypto.js';

/** How many sign-in pages one browser may have open at once; the oldest drops out beyond it. */
export const MAX_PENDING_SIGN_INS = 5;

const SEPARATOR = '.';
// randomToken(24) is 32 base64url characters; anything else in the cookie is not ours and is ignored.
const ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The ids the cookie holds, newest first; a forged or oversized value yields only the well-formed ids it has. */
export function pendingSignIns(cookie: string | undefined): string[] {
  if (!cookie || cookie.length > (64 + 1) * MAX_PENDING_SIGN_INS) return [];
  return cookie
    .split(SEPARATOR)
    .filter((id) => ID.test(id))
    .slice(0, MAX_PENDING_SIGN_INS);
}

/** Is `id` one of the pages this browser opened? (Constant-time per comparison.) */
export function isPendingSignIn(cookie: string | undefined, id: string): boolean {
  return pendingSignIns(cookie).some((bound) => safeEqual(id, bound));
}

/** The cookie after opening page `id`: first in the list, the oldest dropped past the bound. */
export function withPendingSignIn(cookie: string | undefined, id: string): string {
  const rest = pendingSignIns(cookie).filter((bound) => bound !== id);
  return [id, ...rest].slice(0, MAX_PENDING_SIGN_INS).join(SEPARATOR);
}

/** The cookie after page `id` finished (or was cancelled); undefined when no page is left open. */
export function withoutPendingSignIn(cookie: string | undefined, id: string): string | undefined {
  const rest = pendingSignIns(cookie).filter((bound) => bound !== id);
  return rest.length > 0 ? rest.join(SEPARATOR) : undefined;
}
