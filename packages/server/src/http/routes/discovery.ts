import type { FastifyInstance } from 'fastify';
import { discoveryDocument } from '../../protocol/discovery.js';
import { sendPage, type HttpContext } from '../context.js';
import { checkSessionPage } from '../../views/check-session.js';
import { BROWSER_STATE_COOKIE } from '../cookies.js';

export async function discoveryRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p } = ctx;
  const doc = JSON.stringify(discoveryDocument(p.config));
  const anyOrigin = { config: { corsReaders: 'any-origin' as const } };
  app.get('/.well-known/openid-configuration', anyOrigin, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').type('application/json').send(doc),
  );
  // Session Management 1.0: framed by relying parties, so this one page allows any frame ancestor.
  app.get('/check_session', { config: { page: true, framable: true } }, async (_req, reply) =>
    sendPage(reply, checkSessionPage(ctx.base, reply.cspNonce, BROWSER_STATE_COOKIE)),
  );

  app.get('/jwks', anyOrigin, async (_req, reply) => {
    await p.keys.maybeRefresh();
    return (
      reply
        // Shorter than keys.publish_ahead, so caches see a new key before it signs.
        .header(
          'cache-control',
          `public, max-age=${Math.min(300, Math.max(0, p.config.keys.publish_ahead - 60))}`,
        )
        .type('application/jwk-set+json')
        .send(p.keys.jwks())
    );
  });
}
