/**
 * The route table of the SDK: every route it serves, the HTTP methods it answers and whether it needs the
 * app session loaded. The core and both framework adapters read this one table, so a route's rules live in
 * one place.
 */
import type { FormBody } from './backchannel.js';
import type { AppSession } from './session-store.js';

/** The SDK's own routes; see {@link Routes}. */
export type RouteName =
  'login' | 'callback' | 'logout' | 'postLogout' | 'backchannel' | 'frontchannel' | 'events' | 'eventsScript';

interface RouteRules {
  /** The HTTP methods the route answers (HEAD follows GET). */
  readonly methods: readonly ('GET' | 'POST')[];
  /**
   * Whether the app session is loaded for it. The provider's back-channel POST and the two callbacks carry no
   * session of ours worth loading (the callbacks read their own transaction cookies), and the events script
   * is public: loading a session there would only cost a store read, or refresh tokens for nothing.
   */
  readonly session: boolean;
}

export const ROUTE_TABLE: Readonly<Record<RouteName, RouteRules>> = {
  login: { methods: ['GET'], session: true },
  callback: { methods: ['GET'], session: false },
  logout: { methods: ['GET', 'POST'], session: true },
  postLogout: { methods: ['GET'], session: false },
  backchannel: { methods: ['POST'], session: false },
  frontchannel: { methods: ['GET'], session: true },
  events: { methods: ['GET'], session: true },
  eventsScript: { methods: ['GET'], session: false },
};

/** The HTTP methods each SDK route answers (the adapters register exactly these). */
export const ROUTE_METHODS: Readonly<Record<RouteName, readonly ('GET' | 'POST')[]>> = Object.fromEntries(
  Object.entries(ROUTE_TABLE).map(([name, r]) => [name, r.methods]),
) as Record<RouteName, readonly ('GET' | 'POST')[]>;

/** Does this route answer this method? */
export function routeAllows(route: RouteName, method: string): boolean {
  const m = method.toUpperCase();
  const methods = ROUTE_TABLE[route].methods as readonly string[];
  return methods.includes(m) || (m === 'HEAD' && methods.includes('GET'));
}

/** What a framework adapter hands the core for one request to an SDK route. */
export interface RouteRequest {
  /** The query string, with or without its leading `?`. */
  search: string;
  cookies: Record<string, string | undefined>;
  contentType?: string | undefined;
  body?: FormBody;
  /** The session loaded for this request, if any. */
  session?: AppSession | undefined;
}

export interface LoadedSession {
  session?: AppSession | undefined;
  /** Set-Cookie values to send (e.g. clearing the cookie of a session that no longer exists). */
  cookies: string[];
}

/**
 * The session for a request: loaded from the cookie, except on routes of the table that need none (and
 * where the SDK must not touch it).
 */
export function sessionForRoute(
  core: { loadSession(cookieHeader: string | undefined): Promise<LoadedSession> },
  route: RouteName | undefined,
  cookieHeader: string | undefined,
): Promise<LoadedSession> {
  return route && !ROUTE_TABLE[route].session
    ? Promise.resolve({ session: undefined, cookies: [] })
    : core.loadSession(cookieHeader);
}
