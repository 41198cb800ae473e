import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Who may read an answer from a browser script on another origin:
 * - `any-origin`: public documents and bearer-token APIs (discovery, JWKS, UserInfo, the OpenAPI document);
 * - `client-origins`: answers for one client (token, revocation, session events), readable only from the origins
 *   of that client's registered redirect URIs, once the route has established which client it is.
 */
export type CorsReaders = 'any-origin' | 'client-origins';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Allow cross-origin reads of this route's answers (see CorsReaders); absent means same-origin only. */
    corsReaders?: CorsReaders;
  }
  interface FastifyRequest {
    /**
     * For `client-origins` routes: the origins of the client this request was established to come from. Set by a
     * route-level `preValidation` hook (the CORS decision runs in `preHandler`, after it).
     */
    clientOrigins: ReadonlySet<string> | undefined;
  }
}

/** Headers a browser may send cross-origin: bearer tokens, form or JSON bodies, SSE resumption. */
const ALLOWED_HEADERS = 'authorization, content-type, last-event-id';

const SAME_ORIGIN: FastifyCorsOptions = Object.freeze({ origin: false });
const ANY_ORIGIN: FastifyCorsOptions = Object.freeze({ origin: '*' });
const PREFLIGHT: FastifyCorsOptions = Object.freeze({
  methods: 'GET, POST',
  allowedHeaders: ALLOWED_HEADERS,
  maxAge: 600,
  strictPreflight: false,
});

/**
 * The one CORS policy, through @fastify/cors, for the routes registered in `app` after it. Preflights are
 * answered for every route that allows cross-origin reads and let any origin ask: whether the real answer may be
 * read is decided per request once the client is known, so the preflight reveals nothing.
 */
export async function corsPolicy(app: FastifyInstance): Promise<void> {
  /** Paths (with the issuer's prefix) that accept a preflight. */
  const preflightPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.config?.corsReaders && route.method !== 'OPTIONS') preflightPaths.add(route.url);
  });
  app.decorateRequest('clientOrigins', undefined);
  // A callback delegator handing back prebuilt options: it runs on every request, so no promise and no new
  // object per request (only a preflight's echoed origin is built on the spot).
  await app.register(fastifyCors, {
    // After route-level preValidation hooks, so client-origins routes can say which client is asking first.
    hook: 'preHandler',
    delegator: (req: FastifyRequest, done: (error: Error | null, options: FastifyCorsOptions) => void) => {
      const origin = req.headers.origin;
      if (req.method === 'OPTIONS') {
        if (!preflightPaths.has(req.url.split('?')[0] ?? '')) return done(null, SAME_ORIGIN);
        return done(null, { ...PREFLIGHT, origin: origin ?? '*' });
      }
      switch (req.routeOptions.config?.corsReaders) {
        case 'any-origin':
          return done(null, ANY_ORIGIN);
        case 'client-origins':
          return done(
            null,
            origin !== undefined && req.clientOrigins?.has(origin) ? { origin } : SAME_ORIGIN,
          );
        default:
          return done(null, SAME_ORIGIN);
      }
    },
  });
}
