import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveConfig, type AdieuOptions, type ResolvedConfig } from './config.js';
import { ProviderConnection } from './provider.js';
import { CookieJar, readCookies, type HttpResult } from './http.js';
import { SessionPush, pushClientScript, serveSessionEvents } from './push.js';
import { beginLogin, completeLogin, type LoginOptions } from './login.js';
import { beginLogout, completeLogout, type LogoutOptions } from './rp-logout.js';
import { backchannelLogout } from './backchannel.js';
import { frontchannelLogout } from './frontchannel.js';
import { needsRefresh, refreshSession } from './refresh.js';
import { routeAllows, type LoadedSession, type RouteName, type RouteRequest } from './routes.js';
import type { SdkContext } from './sdk-context.js';
import type { AppSession, EndReason, SessionStore } from './session-store.js';

export { ROUTE_METHODS } from './routes.js';
export type { LoadedSession, RouteName, RouteRequest };

/**
 * The framework-neutral core of `@adieu/node`: configuration, the provider connection, the session store and
 * every route's logic. The Express middleware and the Fastify plugin are thin adapters over one `Adieu`.
 *
 * @example
 * ```ts
 * import { Adieu, RedisSessionStore } from '@adieu/node';
 * const adieu = new Adieu({
 *   issuer: 'https://id.example.com',
 *   clientId: 'portal',
 *   clientSecret: process.env.PORTAL_SECRET,
 *   baseUrl: 'https://portal.example.com',
 *   store: new RedisSessionStore({ url: process.env.REDIS_URL }),
 * });
 * ```
 */
export class Adieu implements SdkContext {
  readonly config: ResolvedConfig;
  readonly store: SessionStore;
  readonly provider: ProviderConnection;
  readonly cookies: CookieJar;
  readonly push: SessionPush;
  private readonly refreshing = new Map<string, Promise<AppSession | undefined>>();
  private readonly routesByPath = new Map<string, RouteName>();

  constructor(options: AdieuOptions) {
    this.config = resolveConfig(options);
    this.store = this.config.store;
    this.provider = new ProviderConnection(this.config);
    this.cookies = new CookieJar(this.config);
    this.push = new SessionPush(this.store);
    for (const [name, path] of Object.entries(this.config.routes) as [RouteName, string | false][]) {
      if (path !== false) this.routesByPath.set(path, name);
    }
  }

  now(): number {
    return this.config.now();
  }

  /**
   * Which SDK route a request is for (by method and path), if any.
   *
   * @example
   * ```ts
   * adieu.route('POST', '/backchannel-logout'); // 'backchannel'
   * ```
   */
  route(method: string, pathname: string): RouteName | undefined {
    const name = this.routesByPath.get(pathname);
    return name && routeAllows(name, method) ? name : undefined;
  }

  /**
   * The session of the request's cookie, with expired access tokens refreshed (when `refresh.auto`). A
   * refresh refused with `invalid_grant` ends the session: the provider's SSO session is gone.
   *
   * @example
   * ```ts
   * const { session, cookies } = await adieu.loadSession(req.headers.cookie);
   * if (!session) res.setHeader('set-cookie', cookies);
   * ```
   */
  async loadSession(cookieHeader: string | undefined): Promise<LoadedSession> {
    const id = readCookies(cookieHeader)[this.config.cookies.session];
    if (!id) return { cookies: [] };
    const gone = { cookies: [this.cookies.clear(this.config.cookies.session)] };
    let session = await this.store.get(id);
    if (!session) return gone;
    const now = this.now();
    if (this.config.refresh.auto && needsRefresh(session, now, this.config.refresh.leeway)) {
      try {
        session = await this.refresh(session);
      } catch (e) {
        // Provider unreachable: keep the session; the next request tries again.
        this.report(e, 'refresh');
      }
      if (!session) return gone;
    }
    const idleMs = this.config.session.idle * 1000;
    if (now - session.lastSeenAt >= Math.min(60_000, idleMs / 2)) {
      const touched = {
        ...session,
        lastSeenAt: now,
        expiresAt: Math.min(session.absoluteExpiresAt, now + idleMs),
      };
      if (!(await this.store.update(touched))) return gone;
      session = touched;
    }
    return { session, cookies: [] };
  }

  /**
   * Refresh the session's tokens now. Resolves to the updated session, or undefined if the session is over
   * (`invalid_grant`). At most one refresh per session runs at a time.
   *
   * @example
   * ```ts
   * const fresh = await adieu.refresh(session);
   * if (!fresh) res.redirect('/login');
   * ```
   */
  refresh(session: AppSession): Promise<AppSession | undefined> {
    let p = this.refreshing.get(session.id);
    if (!p) {
      p = refreshSession(this, session).finally(() => this.refreshing.delete(session.id));
      this.refreshing.set(session.id, p);
    }
    return p;
  }

  /**
   * End one app session (and tell the hooks).
   *
   * @example
   * ```ts
   * await adieu.destroySession(req.adieu.session!.id, 'logout');
   * ```
   */
  async destroySession(id: string, reason: EndReason): Promise<AppSession | undefined> {
    const ended = await this.store.destroy(id, reason);
    if (ended) this.sessionsEnded([ended], reason);
    return ended;
  }

  /** Run the `onSessionsEnded` hook; its errors never break a logout. */
  sessionsEnded(sessions: AppSession[], reason: EndReason): void {
    if (sessions.length === 0 || !this.config.hooks.onSessionsEnded) return;
    try {
      this.config.hooks.onSessionsEnded({ sessions, reason });
    } catch (e) {
      this.report(e, 'onSessionsEnded');
    }
  }

  /** Tell the `onError` hook. */
  report(error: unknown, where: string): void {
    try {
      this.config.hooks.onError?.(error, where);
    } catch {
      // A failing error hook must not turn a handled error into an unhandled one.
    }
  }

  /**
   * Start a login (a redirect to the provider).
   *
   * @example
   * ```ts
   * const r = await adieu.login({ returnTo: '/expenses', params: { prompt: 'login' } });
   * res.writeHead(r.status, r.headers).end();
   * ```
   */
  login(options: LoginOptions = {}): Promise<HttpResult> {
    return beginLogin(this, options);
  }

  /**
   * Sign out: the app session ends, then (unless `local`) the provider's end_session.
   *
   * @example
   * ```ts
   * const r = await adieu.logout(session, { returnTo: '/goodbye' }); // or { local: true }
   * ```
   */
  logout(session: AppSession | undefined, options: LogoutOptions = {}): Promise<HttpResult> {
    return beginLogout(this, session, options);
  }

  /**
   * Answer a request to one of the SDK's routes (except `events`, which streams; see {@link serveEvents}).
   * Errors of login and logout callbacks are thrown as {@link AdieuError}s for the framework's error handler.
   *
   * @example
   * ```ts
   * const route = adieu.route(req.method, url.pathname);
   * if (route && route !== 'events') {
   *   const r = await adieu.handle(route, { search: url.search, cookies, contentType, body });
   * }
   * ```
   */
  async handle(route: Exclude<RouteName, 'events'>, req: RouteRequest): Promise<HttpResult> {
    const query = new URLSearchParams(req.search);
    switch (route) {
      case 'login': {
        const params: Record<string, string> = {};
        for (const name of ['prompt', 'login_hint', 'ui_locales'] as const) {
          const v = query.get(name);
          if (v) params[name] = v;
        }
        return this.login({ returnTo: query.get('returnTo') ?? undefined, params });
      }
      case 'callback':
        return completeLogin(this, req.search, req.cookies);
      case 'logout':
        return this.logout(req.session, { returnTo: query.get('returnTo') ?? undefined });
      case 'postLogout':
        return completeLogout(this, query, req.cookies);
      case 'backchannel':
        return backchannelLogout(this, { contentType: req.contentType, body: req.body });
      case 'frontchannel':
        return frontchannelLogout(this, query, req.session);
      case 'eventsScript':
        return {
          status: 200,
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': 'public, max-age=300',
            'x-content-type-options': 'nosniff',
          },
          cookies: [],
          body: this.config.routes.events ? pushClientScript(this.config.routes.events) : '',
        };
    }
  }

  /**
   * Stream session events to one page (the `events` route), on Node's raw request and response.
   *
   * @example
   * ```ts
   * await adieu.serveEvents(session, req, res);
   * ```
   */
  serveEvents(session: AppSession | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = session?.id;
    return serveSessionEvents(
      this.push,
      async () => id !== undefined && (await this.store.get(id)) !== undefined,
      id,
      req,
      res,
    );
  }

  /**
   * Stop listening to the store and close it.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void adieu.close());
   * ```
   */
  async close(): Promise<void> {
    this.push.close();
    await this.store.close();
  }
}

/**
 * Create the SDK core.
 *
 * @example
 * ```ts
 * const adieu = createAdieu({ issuer, clientId: 'portal', clientSecret, baseUrl: 'https://portal.example.com' });
 * ```
 */
export function createAdieu(options: AdieuOptions): Adieu {
  return new Adieu(options);
}
