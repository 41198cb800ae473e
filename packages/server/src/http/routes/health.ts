import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { sendPage, type HttpContext } from '../context.js';
import { homePage } from '../../views/home-page.js';
import { invalidToken } from '../../protocol/errors.js';

/** Constant-time comparison of a presented bearer token with the configured one. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `/healthz` (alive), `/readyz` (able to serve), the provider's home page, and the Prometheus endpoint when it is
 * served on the main port (then behind a bearer token). Health answers carry no authentication and no secrets.
 */
export async function healthRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p } = ctx;
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const { ready, checks } = await p.readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/', { config: { page: true } }, async (_req, reply) =>
    sendPage(reply, homePage({ base: ctx.base, issuer: p.issuer })),
  );

  const m = p.config.metrics;
  if (m.enabled && m.port === undefined && m.bearer_token) {
    const expected = m.bearer_token;
    app.get(m.path, async (req: FastifyRequest, reply: FastifyReply) => {
      const auth = req.headers.authorization ?? '';
      const presented = /^Bearer (.+)$/i.exec(auth)?.[1] ?? '';
      if (!presented || !sameSecret(presented, expected))
        throw invalidToken('a valid metrics bearer token is required');
      const { contentType, body } = await p.metrics.expose();
      return reply.type(contentType).send(body);
    });
  }
}
