import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../provider.js';
import type { BrowserContext } from '../protocol/authorize.js';
import { BROWSER_COOKIE, SESSION_COOKIE, type cookieOptions } from './cookies.js';
import type { SafeHtml } from '../views/html.js';
import type { ClientResponse } from '../protocol/responses.js';
import { formPostPage } from '../views/pages.js';
import type { Services } from './services.js';
import { afterResponseOf, type AfterResponse } from '../util/after-response.js';

/** What every route needs: the provider, the issuer's base path and cookie settings. */
export interface HttpContext {
  p: Provider;
  base: string;
  cookies: ReturnType<typeof cookieOptions>;
  /** Narrow dependencies of the logout-side services (see services.ts). */
  services: Services;
}

export function browserContext(req: FastifyRequest): BrowserContext {
  return {
    sessionCookie: req.cookies[SESSION_COOKIE],
    browserCookie: req.cookies[BROWSER_COOKIE],
    ip: req.ip ?? null,
    userAgent: req.headers['user-agent'] ?? null,
  };
}

/**
 * For a page that ends sessions and renders their receipt: hand this to the logout path (`deliverAfter`) and the
 * back-channel deliveries it causes start once the page is out, so a fan-out to many apps never holds the
 * person's receipt (util/after-response.ts).
 */
export function afterPageSent(reply: FastifyReply): AfterResponse {
  return afterResponseOf(reply.raw);
}

/** Send an HTML page; security headers are added by the app-wide hook. */
export function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** Standard OAuth JSON answer headers (RFC 6749 §5.1). */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** Send an authorization response (success or error) to a validated redirect URI. */
export function sendClientResponse(ctx: HttpContext, reply: FastifyReply, r: ClientResponse): FastifyReply {
  if (r.kind === 'redirect') return reply.redirect(r.location, 303);
  return sendPage(reply, formPostPage(ctx.base, r.action, r.fields, reply.cspNonce));
}
