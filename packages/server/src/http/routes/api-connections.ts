import type { FastifyInstance } from 'fastify';
import { Management } from '../../protocol/management.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { OAuthError, invalidRequest, notFound } from '../../protocol/errors.js';
import { connectionSchema, connectionUrls, type Connection } from '../../federation/connection-config.js';
import { ConnectionConflict } from '../../federation/connection-registry.js';
import { noStore, type HttpContext } from '../context.js';

type IdParams = { Params: { id: string } };

/** The admin API's view of a connection: never its secret. */
function publicView(issuer: string, c: Connection, source: 'config' | 'api') {
  const { client_secret, ...rest } = c;
  return {
    ...rest,
    has_client_secret: client_secret !== undefined,
    source,
    urls: connectionUrls(issuer, c.id),
  };
}

/** Upstream identity providers through the management API (admin token), beside `adieu connection`. */
export async function connectionApiRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const m = new Management(p);
  const admin = (auth: string | undefined) => m.requireAdmin(bearerToken(auth));

  app.get('/api/v1/connections', async (req, reply) => {
    await admin(req.headers.authorization);
    const list = await p.connections.list();
    return noStore(reply).send(
      list.map((c) => publicView(p.issuer, c, p.connections.isConfigured(c.id) ? 'config' : 'api')),
    );
  });

  app.put<IdParams>('/api/v1/connections/:id', async (req, reply) => {
    await admin(req.headers.authorization);
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidRequest('the body must be a JSON object describing the connection');
    }
    const parsed = connectionSchema.safeParse({ ...body, id: req.params.id });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalidRequest(`${issue.path.join('.') || 'connection'}: ${issue.message}`);
    }
    try {
      const saved = await p.connections.save(parsed.data);
      return noStore(reply).send(publicView(p.issuer, saved, 'api'));
    } catch (e) {
      if (e instanceof ConnectionConflict) throw new OAuthError('conflict', e.message, 409);
      throw e;
    }
  });

  app.delete<IdParams>('/api/v1/connections/:id', async (req, reply) => {
    await admin(req.headers.authorization);
    try {
      if (!(await p.connections.remove(req.params.id))) throw notFound('no such connection');
    } catch (e) {
      if (e instanceof ConnectionConflict) throw new OAuthError('conflict', e.message, 409);
      throw e;
    }
    return reply.code(204).send();
  });
}
