import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Provider } from '../provider.js';
import { OAuthError, invalidRequest, serverError, temporarilyUnavailable } from '../protocol/errors.js';
import { RedirectableError } from '../protocol/authorization-request.js';
import { errorResponse } from '../protocol/responses.js';
import { errorPage } from '../views/pages.js';
import { randomToken } from '../util/crypto.js';
import { cookieOptions } from './cookies.js';
import { corsPolicy } from './cors.js';
import { buildServices } from './services.js';
import { browserCookies } from './browser-cookies.js';
import { hstsHeader, securityHeaders, setSecurityHeaders } from './security-headers.js';
import { sendClientResponse, sendPage, type HttpContext } from './context.js';
import { discoveryRoutes } from './routes/discovery.js';
import { authorizeRoutes } from './routes/authorize.js';
import { tokenRoutes } from './routes/token.js';
import { registrationRoutes } from './routes/registration.js';
import { assetRoutes } from './routes/assets.js';
import { endSessionRoutes } from './routes/end-session.js';
import { sessionEventsRoutes } from './routes/session-events.js';
import { apiRoutes } from './routes/api.js';
import { accountRoutes } from './routes/account.js';
import { connectionRoutes } from './routes/connections.js';
import { adminApiRoutes } from './routes/admin-api.js';
import { connectionApiRoutes } from './routes/api-connections.js';
import { healthRoutes } from './routes/health.js';
import { observeRequests } from './observability.js';
import { isStoreUnavailable } from '../store/unavailable.js';
import { HashingBusyError } from '../domain/hashing-slots.js';
import { adminConsoleRoutes } from './routes/admin-console.js';
import { auditAdminRequests } from '../admin/audit.js';
import { accountFlowRoutes } from './routes/accounts.js';
import { secondFactorRoutes } from './routes/second-factor.js';
import { accountFactorRoutes } from './routes/account-factors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors on this route are rendered as an HTML page for a person, not JSON. */
    page?: boolean;
    /** Pages that other origins may frame (check_session_iframe). */
    framable?: boolean;
  }
  interface FastifyReply {
    /** The nonce of this answer's Content-Security-Policy, for its inline scripts and styles. */
    readonly cspNonce: string;
    /** cspNonce, once drawn. */
    drawnCspNonce: string;
  }
}

export interface AppOptions {
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string | Buffer; key: string | Buffer };
}

/** The routes' context plus what the app-wide error paths need. */
interface AppContext extends HttpContext {
  /** The Strict-Transport-Security value, when we terminate TLS. */
  hsts: string | undefined;
}

/** Largest request body we read: forms and registration JSON are small; anything bigger is refused with 413. */
const BODY_LIMIT = 64 * 1024;

/** Build the provider's HTTP app. Routes are mounted under the issuer's path. */
export async function buildApp(p: Provider, options: AppOptions = {}): Promise<FastifyInstance> {
  const base = new URL(p.issuer).pathname.replace(/\/$/, '');
  const ctx: AppContext = {
    p,
    base,
    cookies: cookieOptions(p.issuer, base),
    services: buildServices(p),
    hsts: hstsHeader(p.config, options.https !== undefined),
  };
  /** Paths of the routes that answer people with pages, for errors raised before a route is matched. */
  const pagePaths: RegExp[] = [];
  const app = Fastify({
    loggerInstance: p.log,
    logController: new LogController({ disableRequestLogging: process.env.ADIEU_LOG_REQUESTS !== '1' }),
    trustProxy: trustProxyOption(p.config.trust_proxy),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    // Errors from before routing (bad percent-encoding, an over-long path segment, unparseable HTTP) get our
    // shapes too, never Fastify's defaults.
    frameworkErrors: (error, req, reply) => {
      void earlyError(ctx, pagePaths, error, req, reply);
    },
    clientErrorHandler: (error, socket) => clientError(ctx, pagePaths, error, socket),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT });
  // A page's CSP nonce, drawn the first time the answer asks for it: JSON answers (most requests) never do.
  app.decorateReply('drawnCspNonce', '');
  app.decorateReply('cspNonce', {
    getter(this: FastifyReply) {
      return (this.drawnCspNonce ||= randomToken(16));
    },
  });
  observeRequests(app, ctx);
  app.addHook('onRoute', (route) => {
    if (route.config?.page) pagePaths.push(pathPattern(route.url));
  });
  // No protocol value may contain NUL (PostgreSQL cannot even store one). Parameters are checked where they are
  // read (readParams); path segments are checked here, for every route at once.
  app.addHook('onRequest', (req, _reply, done) => {
    if (/%00/.test(req.url.split('?')[0] ?? ''))
      return done(invalidRequest('the URL contains a NUL character'));
    done();
  });
  // APIs are often called with `content-type: application/json` and no body (Graph's revokeSignInSessions):
  // treat an empty body as absent instead of a 400, and keep Fastify's prototype-poisoning-safe parser otherwise.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    void parseJson(req, text, done);
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    setSecurityHeaders(reply, {
      html,
      framable: req.routeOptions.config?.framable === true,
      nonce: html ? reply.cspNonce : '',
      hsts: ctx.hsts,
    });
    done(null, payload);
  });

  app.addHook('onResponse', auditAdminRequests(p));
  app.setErrorHandler((error: FastifyError | Error, req, reply) => handleError(ctx, error, req, reply));
  app.setNotFoundHandler((req, reply) => {
    const e = new OAuthError('not_found', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`, 404);
    return wantsHtml(req)
      ? sendPage(reply, errorPage(base, 'Page not found', e.description), 404)
      : reply.code(404).send(e.toJSON());
  });

  browserCookies(app, ctx);
  await app.register(
    async (scoped) => {
      await assetRoutes(scoped, ctx);
      await authorizeRoutes(scoped, ctx);
      await secondFactorRoutes(scoped, ctx);
      await registrationRoutes(scoped, ctx);
      await endSessionRoutes(scoped, ctx);
      await accountRoutes(scoped, ctx);
      await accountFactorRoutes(scoped, ctx);
      await connectionRoutes(scoped, ctx);
      // Routes whose answers other origins may read, under the one CORS policy.
      await scoped.register(async (readable) => {
        await corsPolicy(readable);
        await discoveryRoutes(readable, ctx);
        await tokenRoutes(readable, ctx);
        await sessionEventsRoutes(readable, ctx);
        await apiRoutes(readable, ctx);
        await connectionApiRoutes(readable, ctx);
      });
      await adminApiRoutes(scoped, ctx);
      await healthRoutes(scoped, ctx);
      await adminConsoleRoutes(scoped, ctx);
      await accountFlowRoutes(scoped, ctx);
    },
    { prefix: base },
  );
  return app;
}

function wantsHtml(req: FastifyRequest): boolean {
  return req.routeOptions.config?.page === true || /text\/html/.test(req.headers.accept ?? '');
}

/** A route path such as `/interaction/:id/login` as a pattern that raw request paths can be tested against. */
function pathPattern(url: string): RegExp {
  const parts = url
    .split('/')
    .map((s) => (s.startsWith(':') ? '[^/]*' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}$`);
}

function isPagePath(pagePaths: readonly RegExp[], url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return pagePaths.some((r) => r.test(path));
}

/**
 * Errors Fastify raises before it has matched a route: a path that is not valid percent-encoding, or a path
 * segment longer than maxParamLength. Same shapes as handleError; the path decides between page and JSON.
 */
function earlyError(
  ctx: AppContext,
  pagePaths: readonly RegExp[],
  error: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const e = new OAuthError(
    'invalid_request',
    tooLong ? 'a part of the URL path is too long' : 'the URL path is not validly percent-encoded',
    tooLong ? 414 : 400,
  );
  const page = isPagePath(pagePaths, req.url) || /text\/html/.test(req.headers.accept ?? '');
  // No hook ran for this request: the headers are set here.
  setSecurityHeaders(reply, { html: page, framable: false, nonce: reply.cspNonce, hsts: ctx.hsts });
  if (page) {
    return sendPage(
      reply,
      errorPage(ctx.base, 'This request cannot be completed', e.description, e.error),
      e.status,
    );
  }
  return reply.code(e.status).header('cache-control', 'no-store').send(e.toJSON());
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a URL or headers beyond its 16 kB limit, broken
 * HTTP): written straight to the socket as Fastify's default does, but in our shapes, and as a page when the
 * request line names a page route.
 */
function clientError(
  ctx: AppContext,
  pagePaths: readonly RegExp[],
  error: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const e = new OAuthError(
    'invalid_request',
    status === 431
      ? 'the request URL or headers are too large'
      : status === 408
        ? 'the request was not received in time'
        : 'the request is not valid HTTP',
    status,
  );
  // Node hands over the bytes it read (typed otherwise by Fastify): the request line names the route.
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.subarray(0, 4096).toString('latin1') : '';
  const target = /^[A-Z]+ (\S+)/.exec(raw)?.[1] ?? '';
  const page = isPagePath(pagePaths, target);
  const body = page
    ? errorPage(ctx.base, 'This request cannot be completed', e.description, e.error).value
    : JSON.stringify(e.toJSON());
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    `Content-Type: ${page ? 'text/html' : 'application/json'}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...securityHeaders({ html: page, framable: false, nonce: randomToken(16), hsts: ctx.hsts }).map(
      ([name, value]) => `${name}: ${value}`,
    ),
    'Connection: close',
  ];
  if (socket.writable) socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  socket.destroy();
}

/**
 * The one error serializer. OAuth errors become `{error, error_description}` JSON or a readable page; errors
 * raised after the redirect URI was validated go back to the client; anything else is logged and answered as
 * `server_error` with no details. Fastify's own parsing errors are 4xx `invalid_request`.
 */
function handleError(
  ctx: HttpContext,
  error: FastifyError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof RedirectableError) {
    return sendClientResponse(ctx, reply, errorResponse(error.target, error.cause, ctx.p.issuer));
  }
  let e: OAuthError;
  if (error instanceof OAuthError) e = error;
  else {
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      e = new OAuthError('invalid_request', describeFastifyError(error as FastifyError), status);
    } else if (error instanceof HashingBusyError) {
      // Sign-up, password changes and resets outside the login form (which answers with its own page).
      e = temporarilyUnavailable(
        'many passwords are being checked right now; try again in a moment',
        error.retryAfterSeconds,
      );
    } else if (isStoreUnavailable(error)) {
      req.log.warn({ err: error }, 'database unavailable');
      e = temporarilyUnavailable('the service is briefly unavailable; try again in a moment', 2);
    } else {
      req.log.error({ err: error }, 'unexpected error');
      e = serverError();
    }
  }
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  if (wantsHtml(req)) {
    const title = e.status >= 500 ? 'Something went wrong' : 'This request cannot be completed';
    return sendPage(reply, errorPage(ctx.base, title, e.description, e.error), e.status);
  }
  return reply.code(e.status).header('cache-control', 'no-store').send(e.toJSON());
}

function describeFastifyError(e: FastifyError): string {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the JSON body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the body is not valid JSON';
    default:
      return e.message.replace(/^FST_\w+: /, '');
  }
}

/**
 * `trust_proxy` for Fastify: a hop count trusts that many proxies nearest to us (proxy-addr's rule, which Fastify's
 * types do not spell), a list trusts those addresses; `true` (every hop) is refused when the config is read.
 */
function trustProxyOption(
  setting: false | number | string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Read a PEM file pair for HTTPS. */
export function readTls(tls: { cert: string; key: string }) {
  return { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
}
