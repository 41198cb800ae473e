import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * The SSO cookie's logical name. On https with the issuer at the root it is sent as `__Host-adieu_session`
 * (issue 11 §7: no sibling host can set or shadow it); `cookieOptions(...).names` has the wire names, and the
 * request hook in browser-cookies.ts maps the wire name back to this one for the routes.
 */
export const SESSION_COOKIE = 'adieu_session';
/**
 * The browser's accounts signed in with "keep me signed in" (issue 19): persistent, unlike the SSO cookie, which
 * lists every account and dies with the browser (domain/browser-accounts.ts).
 */
export const KEPT_SESSION_COOKIE = 'adieu_kept';
/** The long-lived browser cookie's logical name (issue 12 §1: recognise a browser whose session cookie is gone). */
export const BROWSER_COOKIE = 'adieu_browser';
export const BROWSER_STATE_COOKIE = 'adieu_bs';
export const INTERACTION_COOKIE = 'adieu_interaction';
/** Connections whose next sign-in from this browser must re-authenticate at the upstream (shared devices). */
export const REAUTH_COOKIE = 'adieu_reauth';

/**
 * Cookie attributes from the issuer's scheme. On https the SSO cookie is SameSite=None; Secure so that a
 * cross-site POST to end_session and front-channel frames carry it; on http (localhost development) browsers
 * refuse SameSite=None without Secure, so Lax is the best available.
 */
export function cookieOptions(issuer: string, base: string) {
  const secure = new URL(issuer).protocol === 'https:';
  const common: CookieSerializeOptions = {
    path: base || '/',
    secure,
    sameSite: secure ? 'none' : 'lax',
  };
  // RFC 6265bis §4.1.3.2: `__Host-` needs Secure, Path=/ and no Domain; our cookies have no Domain.
  const hostPrefix = secure && (base || '/') === '/';
  return {
    /** Wire names: prefixed where the rules allow it. `legacySession` is the pre-prefix name, honoured once. */
    names: {
      session: hostPrefix ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE,
      legacySession: hostPrefix ? SESSION_COOKIE : undefined,
      browser: hostPrefix ? `__Host-${BROWSER_COOKIE}` : BROWSER_COOKIE,
      kept: hostPrefix ? `__Host-${KEPT_SESSION_COOKIE}` : KEPT_SESSION_COOKIE,
    },
    /** Every account of the browser, current first; dies with the browser session. */
    session(): CookieSerializeOptions {
      return { ...common, httpOnly: true };
    },
    /** The accounts kept with "keep me signed in": outlives the browser, as long as the longest of them. */
    kept(maxAgeSeconds: number): CookieSerializeOptions {
      return { ...common, httpOnly: true, maxAge: maxAgeSeconds };
    },
    /**
     * Opaque and long-lived (400 days, the most browsers keep), separate from the session cookie: a visit that
     * carries it without the session cookie is a browser that was closed and reopened. It names no user.
     */
    browser(): CookieSerializeOptions {
      return { ...common, httpOnly: true, maxAge: 400 * 86_400 };
    },
    /** Session Management 1.0: script-readable by check_session_iframe; holds nothing identifying. */
    browserState(): CookieSerializeOptions {
      return { ...common, httpOnly: false };
    },
    interaction(): CookieSerializeOptions {
      return { ...common, httpOnly: true, maxAge: 30 * 60, sameSite: 'lax' };
    },
    /** Outlives the SSO session on purpose: it protects the next person at this browser. */
    reauth(): CookieSerializeOptions {
      return { ...common, httpOnly: true, maxAge: 30 * 86_400, sameSite: 'lax' };
    },
    clear(): CookieSerializeOptions {
      return { ...common };
    },
  };
}
