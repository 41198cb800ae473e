import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './context.js';

/**
 * Request metrics and spans, as one `onRequest` hook. The route template (not the raw path) labels them, so
 * their number stays bounded. A few outcomes are read off the response here rather than inside the protocol
 * code: a 200 from the token endpoint is a token issued (by its grant type), and the answer to the login form
 * tells a sign-in that worked (a redirect or the next page) from one that did not (a 4xx).
 */
export function observeRequests(app: FastifyInstance, ctx: HttpContext): void {
  const { p, base } = ctx;
  const tokenRoute = `${base}/token`;
  const loginRoute = `${base}/interaction/:id/login`;
  const streamRoute = `${base}/session/events`;
  app.addHook('onRequest', (req, reply, done) => {
    const started = performance.now();
    const route = req.routeOptions.url;
    const span = p.tracing.request(req.method, req.url, req.headers);
    const stream = route === streamRoute && req.method === 'GET';
    if (stream) p.metrics.sseOpened();
    // 'close' comes once the response is sent or the connection dropped, for hijacked streams (SSE) too.
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      p.metrics.request(req.method, route ?? 'unmatched', status, (performance.now() - started) / 1000);
      span.end(status, route);
      if (stream) p.metrics.sseClosed();
      else if (route === tokenRoute && status === 200) {
        p.metrics.tokenIssued((req.body as Record<string, unknown> | undefined)?.grant_type);
      } else if (route === loginRoute && req.method === 'POST' && status !== 503) {
        // 503: refused before any password was checked (no hashing slot free); neither a sign-in nor a failure.
        p.metrics.login(status < 400);
      }
    });
    span.enter(done);
  });
}
