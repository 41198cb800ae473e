import type { CookieSerializeOptions } from '@fastify/cookie';

export const SESSION_COOKIE = 'adieu_session';
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
  return {
    session(rememberMe: boolean, maxAgeSeconds: number): CookieSerializeOptions {
      // "Keep me signed in" makes the cookie outlive the browser; otherwise it dies with the browser session.
      return { ...common, httpOnly: true, ...(rememberMe ? { maxAge: maxAgeSeconds } : {}) };
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
