/**
 * Several accounts in one browser (issue 19): the rules about the list of SSO sessions a browser's cookies point
 * at. Pure functions; `SessionService` applies them to store rows, `http/browser-cookies.ts` to the wire.
 *
 * The list is the cookies' secrets (each one unlocks one session, see `SessionService`), current account first.
 * It travels in two cookies: one that dies with the browser (every account) and one that is kept (only the
 * accounts signed in with "keep me signed in"), so a closed browser still loses exactly the accounts that were not
 * kept, and the closed-browser rule keeps reading "the browser came back without its session cookie".
 */

import { digest } from '../util/crypto.js';

/** A cookie secret as `randomToken(32)` makes it: 43 base64url characters. Anything else is forged or damaged. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const SEPARATOR = '.';

/**
 * Longer than any list we write (the configurable limit is at most 20 accounts, 44 characters each): a cookie
 * past this is not ours and is ignored whole rather than read in part.
 */
export const MAX_ACCOUNT_COOKIE_CHARS = 20 * 44;

/** The secrets a cookie value lists, in order: malformed entries and repeats dropped, at most `max` kept. */
export function decodeAccountList(value: string | undefined, max: number): string[] {
  if (!value || value.length > MAX_ACCOUNT_COOKIE_CHARS) return [];
  const out: string[] = [];
  for (const entry of value.split(SEPARATOR)) {
    if (out.length >= max) break;
    if (SECRET.test(entry) && !out.includes(entry)) out.push(entry);
  }
  return out;
}

export function encodeAccountList(secrets: readonly string[]): string {
  return secrets.join(SEPARATOR);
}

/**
 * The browser's accounts from its two cookies: the one that dies with the browser holds the order (current
 * first); the kept one adds the remembered accounts it does not list (after a restart it is all there is).
 */
export function mergeAccountCookies(
  open: string | undefined,
  kept: string | undefined,
  max: number,
): string[] {
  const merged = decodeAccountList(open, max);
  for (const s of decodeAccountList(kept, max)) {
    if (merged.length >= max) break;
    if (!merged.includes(s)) merged.push(s);
  }
  return merged;
}

/** One account of the browser: the cookie secret and who it signs in (the session row's `user_id`). */
export interface AccountEntry {
  secret: string;
  userId: string;
}

/**
 * A sign-in puts its account first (it becomes current). The browser keeps at most one account per user: an
 * earlier entry of the same user is the session this sign-in re-authenticated, under its old secret. Past `max`,
 * the least recently current accounts fall off the end; the caller ends their sessions (`evicted`), so no session
 * outlives the last cookie that could reach it.
 */
export function addAccount<T extends AccountEntry>(
  accounts: readonly T[],
  signedIn: T,
  max: number,
): { accounts: T[]; evicted: T[] } {
  const rest = accounts.filter((a) => a.userId !== signedIn.userId && a.secret !== signedIn.secret);
  const all = [signedIn, ...rest];
  return { accounts: all.slice(0, max), evicted: all.slice(max) };
}

/** Choosing an account (the picker, a hint) makes it current; the others keep their order. */
export function makeCurrent<T extends AccountEntry>(accounts: readonly T[], secret: string): T[] {
  const chosen = accounts.find((a) => a.secret === secret);
  return chosen ? [chosen, ...accounts.filter((a) => a !== chosen)] : [...accounts];
}

/**
 * Session Management 1.0 §3's browser state, one per account (issue 19 §4): what an app's `session_state` is
 * computed from and what the check_session iframe compares it against. Derived from the account's session cookie
 * digest, which changes at every sign-in of that account and nowhere else, so signing account X in or out changes
 * what X's apps see and leaves the other accounts' apps "unchanged". A digest of a digest: it is script-readable
 * and reveals neither the cookie secret nor the row it looks up.
 */
export function accountBrowserState(cookieDigest: string): string {
  return digest(`browser_state\u0000${cookieDigest}`).slice(0, 22);
}

/** The script-readable browser-state cookie: every account's state (the iframe accepts any one of them). */
export function encodeBrowserStates(cookieDigests: readonly string[]): string {
  return cookieDigests.map(accountBrowserState).join(SEPARATOR);
}

/**
 * The `login_hint` claim of an account's ID tokens (issue 19, as Entra's): opaque, not the username, and stable
 * for this user in this browser (the browser cookie's digest, or the session for sessions from before it), so an
 * app can name the account at end_session (`logout_hint`) or authorize without a picker.
 */
export function loginHintFor(session: { browser_id: string | null; sid: string; user_id: string }): string {
  return digest(`login_hint\u0000${session.browser_id ?? session.sid}\u0000${session.user_id}`);
}
