import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, readClientCredentials } from '../../protocol/client-auth.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { introspect, revoke } from '../../protocol/token-inspection.js';
import { userinfo } from '../../protocol/userinfo.js';
import { invalidClient } from '../../protocol/errors.js';
import type { Client } from '../../domain/clients.js';
import { noStore, type HttpContext } from '../context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client that authenticated this request (token, revocation, introspection). */
    oauthClient: Client | undefined;
  }
}

/** Token, UserInfo, revocation and introspection endpoints: JSON in, JSON out. */
export async function tokenRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const grants = p.tokenEndpoint;
  app.decorateRequest('oauthClient', undefined);
  /** Client authentication runs before the CORS decision: SPAs read answers from their registered origins. */
  const authenticated = {
    config: { corsReaders: 'client-origins' as const },
    preValidation: async (req: FastifyRequest) => {
      const c = await authenticateClient(readClientCredentials(req.headers.authorization, req.body), (id) =>
        p.clients.get(id),
      );
      req.oauthClient = c;
      req.clientOrigins = c.origins;
    },
  };
  const client = (req: FastifyRequest): Client => req.oauthClient!;

  app.post('/token', authenticated, async (req, reply) =>
    noStore(reply).send(await grants.handle(client(req), req.body)),
  );

  const userinfoRoute = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(req.headers.authorization, req.method === 'POST' ? req.body : undefined);
    return noStore(reply).send(await userinfo(p, token));
  };
  app.get('/userinfo', { config: { corsReaders: 'any-origin' } }, userinfoRoute);
  app.post('/userinfo', { config: { corsReaders: 'any-origin' } }, userinfoRoute);

  app.post('/revoke', authenticated, async (req, reply) => {
    await revoke(p, client(req), req.body);
    return noStore(reply).code(200).send({});
  });

  app.post('/introspect', { preValidation: authenticated.preValidation }, async (req, reply) => {
    if (client(req).isPublic) throw invalidClient('introspection requires a confidential client');
    return noStore(reply).send(await introspect(p, req.body));
  });
}
