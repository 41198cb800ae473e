import type { HttpResult } from './http.js';
import type { LoginOptions } from './login.js';
import type { LogoutOptions } from './rp-logout.js';
import type { AppSession, SessionTokens, UserClaims } from './session-store.js';

/**
 * What the SDK puts on every request (`req.adieu` in Express, `request.adieu` in Fastify): the signed-in user
 * and their tokens, and the actions that need the response.
 *
 * @example
 * ```ts
 * app.get('/', (req, res) => {
 *   res.send(req.adieu.isAuthenticated() ? `Hello ${req.adieu.user?.name}` : 'Hello stranger');
 * });
 * ```
 */
export interface AdieuRequestContext {
  /** The app session, or undefined when nobody is signed in. */
  readonly session: AppSession | undefined;
  /** The user's claims (from the ID token). */
  readonly user: UserClaims | undefined;
  /** Access, ID and refresh tokens (refreshed automatically when the access token expires). */
  readonly tokens: SessionTokens | undefined;
  isAuthenticated(): boolean;
  /** Redirect to the provider to sign in. */
  login(options?: LoginOptions): Promise<void>;
  /** Sign out (single logout through the provider; `{ local: true }` for this app only) and redirect. */
  logout(options?: LogoutOptions): Promise<void>;
  /** Refresh the tokens now; false if the session is over. */
  refresh(): Promise<boolean>;
}

/** The actions of the core a request context calls (an `Adieu` has them). */
export interface RequestActions {
  login(options?: LoginOptions): Promise<HttpResult>;
  logout(session: AppSession | undefined, options?: LogoutOptions): Promise<HttpResult>;
  refresh(session: AppSession): Promise<AppSession | undefined>;
}

/**
 * Build the per-request context; `send` writes an HttpResult with the framework's response object. The Express
 * and Fastify adapters use it; another framework's adapter would too.
 *
 * @example
 * ```ts
 * const { session } = await adieu.loadSession(req.headers.cookie);
 * const ctx = requestContext(adieu, session, (r) => res.writeHead(r.status, r.headers).end(r.body));
 * ```
 */
export function requestContext(
  core: RequestActions,
  session: AppSession | undefined,
  send: (result: HttpResult) => Promise<void> | void,
): AdieuRequestContext {
  let current = session;
  return {
    get session() {
      return current;
    },
    get user() {
      return current?.user;
    },
    get tokens() {
      return current?.tokens;
    },
    isAuthenticated: () => current !== undefined,
    login: async (options) => send(await core.login(options)),
    logout: async (options) => {
      const result = await core.logout(current, options);
      current = undefined;
      await send(result);
    },
    refresh: async () => {
      if (!current) return false;
      current = await core.refresh(current);
      return current !== undefined;
    },
  };
}

/** Should an unauthenticated request be sent to the login page (a browser page load) or get a 401? */
export function wantsLoginRedirect(method: string, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && /\btext\/html\b/.test(accept ?? '');
}
