import { AdieuError } from './errors.js';
import { MemorySessionStore } from './memory-store.js';
import type { AppSession, EndReason, SessionStore } from './session-store.js';

/** A `fetch` the SDK uses for every call to the provider (discovery, JWKS, token, userinfo). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Paths the SDK serves on the app. `false` turns a route off (callback and postLogout cannot be). */
export interface Routes {
  /** Starts a login. `?returnTo=/path` says where to land afterwards. Default `/login`. */
  login: string | false;
  /** The registered redirect_uri's path. Default `/callback`. */
  callback: string;
  /** Signs the user out (GET or POST). Default `/logout`. */
  logout: string | false;
  /** The registered post_logout_redirect_uri's path. Default `/logout/callback`. */
  postLogout: string;
  /** The registered backchannel_logout_uri's path (POST). Default `/backchannel-logout`. */
  backchannel: string | false;
  /** The registered frontchannel_logout_uri's path (GET, framed by the provider). Default `/frontchannel-logout`. */
  frontchannel: string | false;
  /** Server-Sent Events telling open pages that their session ended. Default `/session/events`. */
  events: string | false;
  /** The < 1 kB script that listens to `events`. Default `/session/events.js`. */
  eventsScript: string | false;
}

export interface AdieuOptions {
  /** The provider's issuer URL; its discovery document is fetched on first use. */
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** Default: client_secret_basic with a secret, none without. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none' | undefined;
  /** The app's public origin, e.g. `https://portal.example.com` (no path). Redirect URIs are built from it. */
  baseUrl: string;
  /** Default `openid profile email`. Add `offline_access` only if the app must outlive the SSO session. */
  scope?: string | undefined;
  /** Extra authorization request parameters (e.g. `{ ui_locales: 'fr' }`). */
  authorizationParams?: Record<string, string> | undefined;
  /** Where sessions live. Default: a {@link MemorySessionStore} (one process only). */
  store?: SessionStore | undefined;
  routes?: Partial<Routes> | undefined;
  cookie?:
    | {
        /** Default `adieu_app` (distinct from the provider's own cookies, which share a host in development), with the `__Host-` prefix on https. */
        name?: string;
        /** Default: true when baseUrl is https. */
        secure?: boolean;
        /** Default `lax` (the login callback is a cross-site navigation). */
        sameSite?: 'lax' | 'strict' | 'none';
        domain?: string;
      }
    | undefined;
  session?:
    | {
        /** Seconds a session lives at most, whatever the activity. Default 1 day. */
        absolute?: number;
        /** Seconds without a request after which the session ends. Default 2 hours. */
        idle?: number;
      }
    | undefined;
  logoutToken?:
    | {
        /**
         * Signature algorithms accepted. Default: those the app's ID tokens are checked against, i.e. the provider's
         * `id_token_signing_alg_values_supported` without HMAC or `none` (RS256 if it lists none), as
         * Back-Channel Logout §2.6 asks. `none` and HMAC are never accepted.
         */
        algorithms?: string[];
        /** Seconds after `iat` a logout token is still accepted. Default 120. */
        maxAge?: number;
        /** Seconds of clock difference tolerated for iat/exp. Default 10. */
        clockTolerance?: number;
      }
    | undefined;
  /** The logout route ends only the app session and never visits the provider. Default false. */
  localLogout?: boolean | undefined;
  refresh?:
    | {
        /** Refresh expired access tokens while loading the session. Default true. */
        auto?: boolean;
        /** Refresh this many seconds before the access token expires. Default 30. */
        leeway?: number;
      }
    | undefined;
  /** Also fetch the userinfo endpoint at login and merge its claims into the user. Default false. */
  fetchUserinfo?: boolean | undefined;
  /** Let the SDK talk to an `http:` issuer. For local development only; named so it is never an accident. */
  allowInsecureRequests?: boolean | undefined;
  /** Use this fetch for every call to the provider (custom CAs, proxies, tests). */
  fetch?: FetchLike | undefined;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock?: (() => number) | undefined;
  hooks?:
    | {
        /** App sessions ended (any channel). Runs after the store destroyed them; errors are ignored. */
        onSessionsEnded?: (event: { sessions: AppSession[]; reason: EndReason }) => void;
        /** Something went wrong that the SDK handled (a refused logout token, a failed refresh, ...). */
        onError?: (error: unknown, where: string) => void;
      }
    | undefined;
}

/** Options after validation and defaults; frozen. */
export interface ResolvedConfig {
  issuer: string;
  issuerOrigin: string;
  clientId: string;
  clientSecret: string | undefined;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  baseUrl: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  scope: string;
  authorizationParams: Readonly<Record<string, string>>;
  store: SessionStore;
  routes: Readonly<Routes>;
  cookies: {
    session: string;
    transaction: string;
    logout: string;
    secure: boolean;
    sameSite: 'lax' | 'strict' | 'none';
    domain: string | undefined;
  };
  session: { absolute: number; idle: number };
  /** `algorithms` is undefined unless the app set it: the provider's discovery then decides (provider.ts). */
  logoutToken: { algorithms: string[] | undefined; maxAge: number; clockTolerance: number };
  localLogout: boolean;
  refresh: { auto: boolean; leeway: number };
  fetchUserinfo: boolean;
  allowInsecureRequests: boolean;
  fetch: FetchLike | undefined;
  now: () => number;
  hooks: NonNullable<AdieuOptions['hooks']>;
}

const DEFAULT_ROUTES: Routes = {
  login: '/login',
  callback: '/callback',
  logout: '/logout',
  postLogout: '/logout/callback',
  backchannel: '/backchannel-logout',
  frontchannel: '/frontchannel-logout',
  events: '/session/events',
  eventsScript: '/session/events.js',
};

const bad = (path: string, problem: string) => new AdieuError('invalid_config', `options.${path} ${problem}`);

function absoluteUrl(path: string, value: unknown): URL {
  if (typeof value !== 'string') throw bad(path, 'is required (a URL)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(path, `is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(path, 'must be an http(s) URL');
  return url;
}

function positive(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw bad(path, 'must be > 0');
  return value;
}

/**
 * Validate options once, at construction, and throw an {@link AdieuError} `invalid_config` naming the exact
 * option that is wrong.
 *
 * @example
 * ```ts
 * resolveConfig({ issuer: 'http://localhost:3000', clientId: 'app', baseUrl: 'http://localhost:4000' });
 * // throws AdieuError invalid_config: options.issuer uses http; set allowInsecureRequests: true ...
 * ```
 */
export function resolveConfig(o: AdieuOptions): ResolvedConfig {
  if (!o || typeof o !== 'object') throw bad('', 'must be an object');
  const issuer = absoluteUrl('issuer', o.issuer);
  if (issuer.search || issuer.hash) throw bad('issuer', 'must not have a query or fragment');
  const allowInsecureRequests = o.allowInsecureRequests === true;
  if (issuer.protocol === 'http:' && !allowInsecureRequests) {
    throw bad('issuer', 'uses http; set allowInsecureRequests: true for local development');
  }
  if (typeof o.clientId !== 'string' || o.clientId === '') throw bad('clientId', 'is required');
  const method = o.tokenEndpointAuthMethod ?? (o.clientSecret ? 'client_secret_basic' : 'none');
  if (method !== 'none' && !o.clientSecret) throw bad('clientSecret', `is required for ${method}`);

  const base = absoluteUrl('baseUrl', o.baseUrl);
  if ((base.pathname !== '/' && base.pathname !== '') || base.search || base.hash) {
    throw bad('baseUrl', 'must be an origin such as https://app.example.com (no path, query or fragment)');
  }
  const baseUrl = base.origin;

  const routes: Routes = { ...DEFAULT_ROUTES, ...o.routes };
  for (const [name, value] of Object.entries(routes) as [keyof Routes, string | false][]) {
    if (value === false && name !== 'callback' && name !== 'postLogout') continue;
    if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[?#]/.test(value)) {
      throw bad(`routes.${name}`, 'must be a path starting with / (no query or fragment)');
    }
  }

  const secure = o.cookie?.secure ?? base.protocol === 'https:';
  const sameSite = o.cookie?.sameSite ?? 'lax';
  if (sameSite === 'none' && !secure) throw bad('cookie.sameSite', "'none' needs secure cookies");
  const domain = o.cookie?.domain;
  // __Host- cookies are bound to this exact origin: no Domain, Path=/, Secure (RFC 6265bis §4.1.3.2).
  const prefix = secure && !domain ? '__Host-' : '';
  const name = o.cookie?.name ?? 'adieu_app';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw bad('cookie.name', 'is not a valid cookie name');

  const algorithms = o.logoutToken?.algorithms;
  if (algorithms !== undefined) {
    if (!Array.isArray(algorithms) || algorithms.length === 0)
      throw bad('logoutToken.algorithms', 'is empty');
    for (const alg of algorithms) {
      // A symmetric or unsigned logout token proves nothing about who sent it.
      if (alg === 'none' || /^HS/.test(alg)) throw bad('logoutToken.algorithms', `must not include ${alg}`);
    }
  }

  return Object.freeze({
    issuer: o.issuer,
    issuerOrigin: issuer.origin,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    tokenEndpointAuthMethod: method,
    baseUrl,
    redirectUri: baseUrl + routes.callback,
    postLogoutRedirectUri: baseUrl + routes.postLogout,
    scope: o.scope ?? 'openid profile email',
    authorizationParams: Object.freeze({ ...o.authorizationParams }),
    store: o.store ?? new MemorySessionStore(o.clock ? { clock: o.clock } : {}),
    routes: Object.freeze(routes),
    cookies: {
      session: prefix + name,
      transaction: `${prefix}${name}_tx`,
      logout: `${prefix}${name}_logout`,
      secure,
      sameSite,
      domain,
    },
    session: {
      absolute: positive('session.absolute', o.session?.absolute, 86_400),
      idle: positive('session.idle', o.session?.idle, 7_200),
    },
    logoutToken: {
      algorithms: algorithms && [...algorithms],
      maxAge: positive('logoutToken.maxAge', o.logoutToken?.maxAge, 120),
      clockTolerance: o.logoutToken?.clockTolerance ?? 10,
    },
    localLogout: o.localLogout === true,
    refresh: {
      auto: o.refresh?.auto ?? true,
      leeway: o.refresh?.leeway ?? 30,
    },
    fetchUserinfo: o.fetchUserinfo === true,
    allowInsecureRequests,
    fetch: o.fetch,
    now: o.clock ?? Date.now,
    hooks: { ...o.hooks },
  });
}
