import type { FastifyInstance } from 'fastify';
import { discoveryDocument } from '../../protocol/discovery.js';
import type { HttpContext } from '../context.js';

export async function discoveryRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const doc = JSON.stringify(discoveryDocument(p.config));
  app.get('/.well-known/openid-configuration', async (_req, reply) =>
    reply
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .type('application/json')
      .send(doc),
  );
  app.get('/jwks', async (_req, reply) => {
    await p.keys.maybeRefresh();
    return (
      reply
        .header('access-control-allow-origin', '*')
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
