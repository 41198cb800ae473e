/**
 * Fastify adapter: a plugin that serves the SDK's routes and puts `request.adieu` on every request, plus a
 * `requiresAuth()` preHandler. Fastify is a peer dependency; this module only uses its types.
 */
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { Adieu } from './adieu.js';
import { BACKCHANNEL_BODY_LIMIT, type FormBody } from './backchannel.js';
import type { AdieuOptions } from './config.js';
import { insufficientAuthentication, stepUpDecision } from './acr.js';
import { requestContext, wantsLoginRedirect, type AdieuRequestContext } from './context.js';
import { readCookies, type HttpResult } from './http.js';
import { ROUTE_METHODS, sessionForRoute, type RouteName } from './routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `@adieu/node` plugin on every request. */
    adieu: AdieuRequestContext;
  }
  interface FastifyInstance {
    /** The SDK core the plugin runs on. */
    adieu: Adieu;
  }
}

/** Plugin options: SDK options, or an existing core (`{ adieu }`) to share with other code. */
export type AdieuFastifyOptions = AdieuOptions | { adieu: Adieu };

const plugin: FastifyPluginAsync<AdieuFastifyOptions> = async (fastify, options) => {
  const owned = !('adieu' in options);
  const core = 'adieu' in options ? options.adieu : new Adieu(options);
  fastify.decorate('adieu', core);
  fastify.decorateRequest('adieu', null as unknown as AdieuRequestContext);
  if (owned) fastify.addHook('onClose', () => core.close());

  fastify.addHook('onRequest', async (request, reply) => {
    const pathname = new URL(request.url, core.config.baseUrl).pathname;
    const route = core.route(request.method, pathname);
    const loaded = await sessionForRoute(core, route, request.headers.cookie);
    for (const c of loaded.cookies) void reply.header('set-cookie', c);
    request.adieu = requestContext(core, loaded.session, (result) => {
      send(reply, result);
    });
  });

  // Routes live in their own context so the form parser they need does not leak into the app.
  await fastify.register(async (routes: FastifyInstance) => {
    if (!routes.hasContentTypeParser('application/x-www-form-urlencoded')) {
      routes.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: BACKCHANNEL_BODY_LIMIT },
        (_request, body, done) => done(null, body),
      );
    }
    for (const [name, path] of Object.entries(core.config.routes) as [RouteName, string | false][]) {
      if (path === false) continue;
      routes.route({
        method: [...ROUTE_METHODS[name]],
        url: path,
        handler: async (request, reply) => {
          if (name === 'events') {
            reply.hijack();
            await core.serveEvents(request.adieu.session, request.raw, reply.raw);
            return reply;
          }
          const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
          const result = await core.handle(name, {
            search,
            cookies: readCookies(request.headers.cookie),
            contentType: request.headers['content-type'],
            body: name === 'backchannel' ? (request.body as FormBody) : undefined,
            session: request.adieu.session,
          });
          return send(reply, result);
        },
      });
    }
  });
};

// Like fastify-plugin: the decorators and the onRequest hook apply to the whole app, not only inside the plugin.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@adieu/node',
});

/**
 * The Fastify plugin. Register it (with `await`) before your routes.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { adieuFastify, requiresAuth } from '@adieu/node/fastify';
 *
 * const app = Fastify();
 * await app.register(adieuFastify, { issuer, clientId: 'portal', clientSecret, baseUrl: 'https://portal.example.com' });
 * app.get('/account', { preHandler: requiresAuth() }, async (req) => `Hello ${req.adieu.user?.name}`);
 * ```
 */
export const adieuFastify = plugin;

/**
 * A preHandler that lets only signed-in users through. A browser page load without a session goes to the
 * login (and comes back afterwards); anything else gets `401 {"error":"unauthenticated"}`.
 *
 * @example
 * ```ts
 * app.get('/expenses', { preHandler: requiresAuth() }, async (req) => ({ user: req.adieu.user }));
 * ```
 */
export function requiresAuth(): preHandlerAsyncHookHandler {
  return async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    if (!request.adieu) throw new Error('requiresAuth() needs the adieuFastify plugin registered before it');
    if (request.adieu.isAuthenticated()) return;
    if (wantsLoginRedirect(request.method, request.headers.accept)) {
      await request.adieu.login({ returnTo: request.url });
      return reply;
    }
    return reply.code(401).header('cache-control', 'no-store').send({ error: 'unauthenticated' });
  };
}

/**
 * A preHandler that lets through only users signed in at `acrValues` or stronger (docs/mfa.md). A browser page
 * load below the level starts a step-up (a sign-in with `acr_values`: the provider asks only for the missing
 * step, in the same provider session) and comes back to this URL; anything else, or a page whose latest sign-in
 * already asked for the level and did not reach it, gets RFC 9470's `401 insufficient_user_authentication`.
 *
 * @example
 * ```ts
 * app.get('/expenses/:id/approve', { preHandler: requireAcr('urn:adieu:mfa') }, showApproval);
 * app.post('/expenses/:id/approve', { preHandler: requireAcr('urn:adieu:mfa') }, approve);
 * ```
 */
export function requireAcr(acrValues: string | string[]): preHandlerAsyncHookHandler {
  const wanted = typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : acrValues;
  return async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    if (!request.adieu) throw new Error('requireAcr() needs the adieuFastify plugin registered before it');
    const decision = stepUpDecision(request.adieu.session, wanted);
    if (decision === 'pass') return;
    if (decision !== 'insufficient' && wantsLoginRedirect(request.method, request.headers.accept)) {
      await request.adieu.login({ returnTo: request.url, params: { acr_values: wanted.join(' ') } });
      return reply;
    }
    const challenge = insufficientAuthentication(wanted);
    return reply.code(challenge.status).headers(challenge.headers).send(challenge.body);
  };
}

function send(reply: FastifyReply, result: HttpResult): FastifyReply {
  void reply.code(result.status);
  for (const [name, value] of Object.entries(result.headers)) void reply.header(name, value);
  for (const c of result.cookies) void reply.header('set-cookie', c);
  return reply.send(result.body ?? '');
}

export { Adieu };
export type { AdieuRequestContext };
