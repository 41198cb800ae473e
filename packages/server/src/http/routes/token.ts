import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenGrants } from '../../protocol/token.js';
import { authenticateClient, readClientCredentials } from '../../protocol/client-auth.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { introspect, revoke, userinfo } from '../../protocol/token-inspection.js';
import { invalidClient } from '../../protocol/errors.js';
import type { Client } from '../../domain/clients.js';
import { corsPreflight, noStore, type HttpContext } from '../context.js';

/** Token, UserInfo, revocation and introspection endpoints: JSON in, JSON out. */
export async function tokenRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const grants = new TokenGrants(p);
  const client = (req: FastifyRequest) =>
    authenticateClient(readClientCredentials(req.headers.authorization, req.body), (id) => p.clients.get(id));

  /** Browsers may read the answer only from the client's own registered origins (SPAs use the token endpoint). */
  const allowOrigin = (req: FastifyRequest, reply: FastifyReply, c: Client) => {
    const origin = req.headers.origin;
    if (origin && c.origins.has(origin))
      reply.header('access-control-allow-origin', origin).header('vary', 'origin');
  };
  const preflight = corsPreflight('authorization, content-type');
  for (const path of ['/token', '/revoke', '/userinfo']) app.options(path, preflight);

  app.post('/token', async (req, reply) => {
    const c = await client(req);
    allowOrigin(req, reply, c);
    return noStore(reply).send(await grants.handle(c, req.body));
  });

  const userinfoRoute = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(req.headers.authorization, req.method === 'POST' ? req.body : undefined);
    reply.header('access-control-allow-origin', '*');
    return noStore(reply).send(await userinfo(p, token));
  };
  app.get('/userinfo', userinfoRoute);
  app.post('/userinfo', userinfoRoute);

  app.post('/revoke', async (req, reply) => {
    const c = await client(req);
    allowOrigin(req, reply, c);
    await revoke(p, c, req.body);
    return noStore(reply).code(200).send({});
  });

  app.post('/introspect', async (req, reply) => {
    const c = await client(req);
    if (c.isPublic) throw invalidClient('introspection requires a confidential client');
    return noStore(reply).send(await introspect(p, req.body));
  });
}
