import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../../protocol/access-tokens.js';
import { noStore, type HttpContext } from '../context.js';

export async function registrationRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const registration = p.registration;
  app.post('/register', async (req, reply) => {
    registration.checkInitialAccessToken(bearerToken(req.headers.authorization));
    return noStore(reply)
      .code(201)
      .send(await registration.register(req.body));
  });
  app.get<{ Params: { clientId: string } }>('/register/:clientId', async (req, reply) =>
    noStore(reply).send(await registration.read(req.params.clientId, bearerToken(req.headers.authorization))),
  );
  app.delete<{ Params: { clientId: string } }>('/register/:clientId', async (req, reply) => {
    await registration.delete(req.params.clientId, bearerToken(req.headers.authorization));
    return reply.code(204).send();
  });
}
