import type { FastifyInstance } from 'fastify';
import { browserId } from '../domain/sessions.js';
import { endClosedBrowserSessions } from '../logout/closed-browser.js';
import { randomToken } from '../util/crypto.js';
import { BROWSER_COOKIE, SESSION_COOKIE } from './cookies.js';
import type { HttpContext } from './context.js';

/**
 * Cookies that are about the browser rather than one route:
 * - the SSO cookie's wire name (`__Host-` prefixed on https) is mapped to its logical name for the routes, and
 *   the pre-prefix name is honoured once, for sessions from before the prefix, then replaced;
 * - the long-lived browser cookie is set on the first page visit, and a page visit that carries it without a
 *   session cookie ends the browser's non-persistent sessions (logout/closed-browser.ts).
 */
export function browserCookies(app: FastifyInstance, ctx: HttpContext): void {
  const { p, cookies } = ctx;
  const names = cookies.names;

  app.addHook('onRequest', async (req, reply) => {
    const jar = req.cookies;
    // Routes read logical names only; a cookie sent under a logical name that is not the wire name is ignored.
    const wireSession = jar[names.session];
    const legacy = names.legacySession ? jar[names.legacySession] : undefined;
    delete jar[SESSION_COOKIE];
    if (wireSession !== undefined) jar[SESSION_COOKIE] = wireSession;
    else if (legacy !== undefined) await migrateLegacySession(legacy);
    if (legacy !== undefined && names.legacySession) reply.clearCookie(names.legacySession, cookies.clear());
    const browser = jar[names.browser];
    delete jar[BROWSER_COOKIE];
    if (browser !== undefined) jar[BROWSER_COOKIE] = browser;

    /** Only a session that predates browser ids (so predates the prefix) may come in under the old name. */
    async function migrateLegacySession(value: string) {
      const found = await p.sessions.fromCookie(value);
      if (found.state !== 'live' || found.session.browser_id !== null) return;
      jar[SESSION_COOKIE] = value;
      const s = found.session;
      const lifetime = Math.ceil((s.absolute_expires_at - p.now()) / 1000);
      reply.setCookie(names.session, value, cookies.session(s.remember_me === 1, lifetime));
    }
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.routeOptions.config?.page !== true) return;
    const value = req.cookies[BROWSER_COOKIE];
    const id = browserId(value);
    if (!id) {
      const fresh = randomToken(32);
      reply.setCookie(names.browser, fresh, cookies.browser());
      req.cookies[BROWSER_COOKIE] = fresh;
      return;
    }
    if (req.cookies[SESSION_COOKIE] === undefined) {
      await endClosedBrowserSessions(
        {
          listNonPersistent: (bid) => p.store.sessions.listLiveNonPersistentInBrowser(bid),
          endSessions: (sessions, opts) => p.logout.endSessions(sessions, opts),
        },
        id,
      );
    }
  });
}
