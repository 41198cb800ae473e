import type { FastifyReply } from 'fastify';
import type { Config } from '../config/schema.js';

/**
 * The security headers of every answer, in one place: the app-wide onSend hook, the framework-error path (errors
 * Fastify raises before routing, where hooks do not run) and answers written straight to the socket all use
 * these, so no path answers with fewer.
 */

/**
 * `Strict-Transport-Security` (RFC 6797) for answers the provider sends over its own TLS, or undefined when it
 * does not terminate TLS (a proxy that does should send the header) or `hsts.max_age` is 0.
 */
export function hstsHeader(config: Pick<Config, 'hsts'>, tls: boolean): string | undefined {
  if (!tls || config.hsts.max_age === 0) return undefined;
  return `max-age=${config.hsts.max_age}${config.hsts.include_subdomains ? '; includeSubDomains' : ''}`;
}

/** Content-Security-Policy of our pages: only our own styles, scripts carrying this answer's nonce. */
export function pageCsp(nonce: string, framable: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    // Front-channel logout frames go to the apps' own origins.
    'frame-src https: http:',
    "base-uri 'none'",
    framable ? 'frame-ancestors *' : "frame-ancestors 'none'",
  ].join('; ');
}

export interface HeaderContext {
  /** The answer is an HTML page. */
  html: boolean;
  /** Other origins may frame it (check_session_iframe). */
  framable: boolean;
  nonce: string;
  hsts: string | undefined;
}

/** Set the security headers on a reply that has not been sent yet. */
export function setSecurityHeaders(reply: FastifyReply, h: HeaderContext): void {
  for (const [name, value] of securityHeaders(h)) reply.header(name, value);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
}

/** The same headers as name/value pairs, for answers written to the socket directly. */
export function securityHeaders(h: HeaderContext): [string, string][] {
  const out: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', 'no-referrer'],
  ];
  if (h.hsts) out.push(['strict-transport-security', h.hsts]);
  if (h.html) {
    out.push(['content-security-policy', pageCsp(h.nonce, h.framable)]);
    if (!h.framable) out.push(['x-frame-options', 'DENY']);
  }
  return out;
}
