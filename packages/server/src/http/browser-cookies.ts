import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodeAccountList, encodeBrowserStates, mergeAccountCookies } from '../domain/browser-accounts.js';
import { browserId, type BrowserAccount } from '../domain/sessions.js';
import { endClosedBrowserSessions } from '../logout/closed-browser.js';
import { accountName } from '../logout/report-text.js';
import { digest, randomToken } from '../util/crypto.js';
import { BROWSER_COOKIE, BROWSER_STATE_COOKIE, KEPT_SESSION_COOKIE, SESSION_COOKIE } from './cookies.js';
import type { HttpContext } from './context.js';

/** Requests that arrived with the SSO cookie itself (not only the kept accounts): the browser was not closed. */
const withSessionCookie = new WeakSet<FastifyRequest>();

/**
 * Cookies that are about the browser rather than one route:
 * - the SSO cookies' wire names (`__Host-` prefixed on https) are mapped to one logical value for the routes: the
 *   browser's account list, current first (domain/browser-accounts.ts), merged from the cookie that dies with
 *   the browser and the one that keeps the "keep me signed in" accounts; the pre-prefix name is honoured once,
 *   for sessions from before the prefix, then replaced;
 * - the long-lived browser cookie is set on the first page visit, and a page visit that carries it without the
 *   SSO cookie ends the browser's non-persistent sessions (logout/closed-browser.ts).
 */
export function browserCookies(app: FastifyInstance, ctx: HttpContext): void {
  const { p, cookies } = ctx;
  const names = cookies.names;
  const max = p.config.session.max_accounts;

  app.addHook('onRequest', async (req, reply) => {
    const jar = req.cookies;
    // Routes read logical names only; a cookie sent under a logical name that is not the wire name is ignored.
    const wireSession = jar[names.session];
    const kept = jar[names.kept];
    const legacy = names.legacySession ? jar[names.legacySession] : undefined;
    delete jar[SESSION_COOKIE];
    delete jar[KEPT_SESSION_COOKIE];
    if (wireSession !== undefined) withSessionCookie.add(req);
    const merged = encodeAccountList(mergeAccountCookies(wireSession, kept, max));
    if (merged) jar[SESSION_COOKIE] = merged;
    else if (legacy !== undefined && wireSession === undefined) await migrateLegacySession(legacy);
    if (legacy !== undefined && names.legacySession) reply.clearCookie(names.legacySession, cookies.clear());
    const browser = jar[names.browser];
    delete jar[BROWSER_COOKIE];
    if (browser !== undefined) jar[BROWSER_COOKIE] = browser;

    /** Only a session that predates browser ids (so predates the prefix) may come in under the old name. */
    async function migrateLegacySession(value: string) {
      const found = await p.sessions.fromCookie(value);
      if (found.state !== 'live' || found.session.browser_id !== null) return;
      jar[SESSION_COOKIE] = value;
      withSessionCookie.add(req);
      setAccountCookies(ctx, reply, [
        { secret: value, userId: found.session.user_id, session: found.session },
      ]);
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
    if (!withSessionCookie.has(req)) {
      await endClosedBrowserSessions(
        {
          listNonPersistent: (bid) => p.sessions.liveNonPersistentInBrowser(bid),
          endSessions: (sessions, opts) => p.logout.endSessions(sessions, opts),
        },
        id,
      );
      // The kept accounts came back alone: the browser is open again, with them (current first, as it was).
      const keptOnly = req.cookies[SESSION_COOKIE];
      if (keptOnly !== undefined) {
        reply.setCookie(names.session, keptOnly, cookies.session());
        // The browser-state cookie died with the browser too; the kept accounts' apps should still see "unchanged".
        const digests = keptOnly.split('.').map((secret) => digest(secret));
        reply.setCookie(BROWSER_STATE_COOKIE, encodeBrowserStates(digests), cookies.browserState());
      }
    }
  });
}

/**
 * Write the browser's accounts (current first): every one in the SSO cookie that dies with the browser, the
 * "keep me signed in" ones also in the kept cookie, which lives as long as the longest of them, and each one's
 * Session Management browser state in the script-readable cookie the check_session iframe reads (so a sign-in
 * or sign-out changes the state of that account only). No accounts: every one of these cookies goes.
 */
export function setAccountCookies(
  ctx: HttpContext,
  reply: FastifyReply,
  accounts: readonly BrowserAccount[],
): void {
  const { cookies, p } = ctx;
  if (accounts.length === 0) {
    reply.clearCookie(cookies.names.session, cookies.clear());
    reply.clearCookie(cookies.names.kept, cookies.clear());
    reply.clearCookie(BROWSER_STATE_COOKIE, cookies.clear());
    return;
  }
  reply.setCookie(cookies.names.session, encodeAccountList(accounts.map((a) => a.secret)), cookies.session());
  reply.setCookie(
    BROWSER_STATE_COOKIE,
    encodeBrowserStates(accounts.map((a) => a.session.cookie_digest)),
    cookies.browserState(),
  );
  const kept = accounts.filter((a) => a.session.remember_me);
  if (kept.length === 0) {
    reply.clearCookie(cookies.names.kept, cookies.clear());
    return;
  }
  const until = Math.max(...kept.map((a) => a.session.absolute_expires_at));
  reply.setCookie(
    cookies.names.kept,
    encodeAccountList(kept.map((a) => a.secret)),
    cookies.kept(Math.max(1, Math.ceil((until - p.now()) / 1000))),
  );
}

/**
 * After sessions of this browser ended: keep the cookies pointing at the accounts still live, so signing one
 * account out never drops another from the browser.
 */
export async function keepLiveAccounts(
  ctx: HttpContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<BrowserAccount[]> {
  const { p } = ctx;
  const live = await p.sessions.accounts(req.cookies[SESSION_COOKIE], (s) => p.logout.endExpired(s));
  setAccountCookies(ctx, reply, live);
  return live;
}

/** The names of these accounts, current first, as a receipt says who is still signed in here (issue 19). */
export async function accountNames(ctx: HttpContext, accounts: readonly BrowserAccount[]): Promise<string[]> {
  const users = await Promise.all(accounts.map((a) => ctx.p.users.findCached(a.userId)));
  return users.flatMap((u) => accountName(u ?? null) ?? []);
}

/** The names of the accounts this request's browser still has signed in, read now (for a receipt). */
export async function liveAccountNames(ctx: HttpContext, req: FastifyRequest): Promise<string[]> {
  const { p } = ctx;
  return accountNames(
    ctx,
    await p.sessions.accounts(req.cookies[SESSION_COOKIE], (s) => p.logout.endExpired(s)),
  );
}
