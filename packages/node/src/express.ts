/**
 * Express adapter: one middleware that serves the SDK's routes and puts `req.adieu` on every request, plus
 * `requiresAuth()`. Express is a peer dependency; this module only uses its types.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { Adieu } from './adieu.js';
import { BACKCHANNEL_BODY_LIMIT, type FormBody } from './backchannel.js';
import type { AdieuOptions } from './config.js';
import { insufficientAuthentication, stepUpDecision } from './acr.js';
import { requestContext, wantsLoginRedirect, type AdieuRequestContext } from './context.js';
import { AdieuError } from './errors.js';
import { readCookies, type HttpResult } from './http.js';
import { sessionForRoute } from './routes.js';

declare global {
  // Express's own extension point for request properties (@types/express-serve-static-core).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the `@adieu/node` middleware. */
      adieu: AdieuRequestContext;
    }
  }
}

/** The middleware, with the core it runs on and `requiresAuth` bound to it. */
export interface AdieuExpress extends RequestHandler {
  readonly adieu: Adieu;
  requiresAuth(): RequestHandler;
}

/**
 * Create the Express middleware. Mount it once, before your routes, at the application root.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { adieuExpress, requiresAuth } from '@adieu/node/express';
 *
 * const app = express();
 * app.use(adieuExpress({ issuer, clientId: 'portal', clientSecret, baseUrl: 'https://portal.example.com' }));
 * app.get('/account', requiresAuth(), (req, res) => res.send(`Hello ${req.adieu.user?.name}`));
 * ```
 */
export function adieuExpress(options: AdieuOptions | Adieu): AdieuExpress {
  const core = options instanceof Adieu ? options : new Adieu(options);

  const run = async (req: Request, res: Response, next: NextFunction) => {
    const pathname = new URL(req.originalUrl, core.config.baseUrl).pathname;
    const route = core.route(req.method, pathname);
    const cookieHeader = req.headers.cookie;
    const loaded = await sessionForRoute(core, route, cookieHeader);
    if (loaded.cookies.length > 0) res.append('set-cookie', loaded.cookies);
    req.adieu = requestContext(core, loaded.session, (result) => send(res, result));
    if (!route) return next();
    if (route === 'events') return core.serveEvents(loaded.session, req, res);
    const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const result = await core.handle(route, {
      search,
      cookies: readCookies(cookieHeader),
      contentType: req.headers['content-type'],
      body: route === 'backchannel' ? await formBody(req) : undefined,
      session: loaded.session,
    });
    send(res, result);
  };

  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    run(req, res, next).catch(next);
  }) as AdieuExpress;
  Object.defineProperty(middleware, 'adieu', { value: core });
  middleware.requiresAuth = requiresAuth;
  return middleware;
}

/**
 * Let only signed-in users through. A browser page load without a session goes to the login (and comes back
 * to this URL afterwards); anything else gets `401 {"error":"unauthenticated"}`.
 *
 * @example
 * ```ts
 * app.get('/expenses', requiresAuth(), (req, res) => res.render('expenses', { user: req.adieu.user }));
 * ```
 */
export function requiresAuth(): RequestHandler {
  return (req, res, next) => {
    if (!req.adieu) return next(new Error('requiresAuth() needs the adieuExpress() middleware before it'));
    if (req.adieu.isAuthenticated()) return next();
    if (wantsLoginRedirect(req.method, req.headers.accept)) {
      req.adieu.login({ returnTo: req.originalUrl }).catch(next);
      return;
    }
    res.status(401).set('cache-control', 'no-store').json({ error: 'unauthenticated' });
  };
}

/**
 * Let through only users signed in at `acrValues` or stronger (docs/mfa.md: `urn:adieu:pwd` < `urn:adieu:mfa` <
 * `urn:adieu:phr`). A browser page load below the level starts a step-up: a sign-in with `acr_values`, where the
 * provider asks only for the missing step (same provider session), then back to this URL. Anything else — an
 * API call, a form post — gets RFC 9470's `401 insufficient_user_authentication` with `acr_values`; so does a
 * page whose latest sign-in already asked for the level and did not reach it (asking again would loop). Nobody
 * signed in: like {@link requiresAuth}, with the level asked at once.
 *
 * @example
 * ```ts
 * // Approving an expense needs a second factor; the page with the button does too, so the step-up happens
 * // when the page loads, and the form post only checks.
 * app.get('/expenses/:id/approve', requireAcr('urn:adieu:mfa'), (req, res) => res.render('approve'));
 * app.post('/expenses/:id/approve', requireAcr('urn:adieu:mfa'), approve);
 * ```
 */
export function requireAcr(acrValues: string | string[]): RequestHandler {
  const wanted = typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : acrValues;
  return (req, res, next) => {
    if (!req.adieu) return next(new Error('requireAcr() needs the adieuExpress() middleware before it'));
    const decision = stepUpDecision(req.adieu.session, wanted);
    if (decision === 'pass') return next();
    if (decision !== 'insufficient' && wantsLoginRedirect(req.method, req.headers.accept)) {
      req.adieu.login({ returnTo: req.originalUrl, params: { acr_values: wanted.join(' ') } }).catch(next);
      return;
    }
    const challenge = insufficientAuthentication(wanted);
    res.status(challenge.status).set(challenge.headers).json(challenge.body);
  };
}

function send(res: Response, result: HttpResult): void {
  res.status(result.status);
  for (const [name, value] of Object.entries(result.headers)) res.set(name, value);
  if (result.cookies.length > 0) res.append('set-cookie', result.cookies);
  if (result.body !== undefined) res.send(result.body);
  else res.end();
}

/** The form body: what a body parser already made of it, or the raw bytes (bounded), parsed by the core. */
async function formBody(req: Request): Promise<FormBody> {
  if (!req.readable || req.readableEnded) return req.body as FormBody;
  return readBody(req, BACKCHANNEL_BODY_LIMIT);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new AdieuError('malformed_request', 'the request body is too large', { status: 413 });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export { Adieu };
export type { AdieuRequestContext };
