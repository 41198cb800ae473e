import type { FastifyInstance } from 'fastify';
import { Management } from '../../protocol/management.js';
import { openApiDocument } from '../../protocol/openapi.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { invalidRequest, notFound } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { noStore, type HttpContext } from '../context.js';

type UserParams = { Params: { user: string } };

/** Management (admin) and self-service APIs under /api/v1; JSON only, errors as {error, error_description}. */
export async function apiRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const m = new Management(p);
  const admin = (auth: string | undefined) => m.requireAdmin(bearerToken(auth));
  const me = (auth: string | undefined) => m.requireUser(bearerToken(auth));
  const doc = JSON.stringify(openApiDocument(p.issuer));

  app.get('/api/v1/openapi.json', { config: { corsReaders: 'any-origin' } }, async (_req, reply) =>
    reply.type('application/json').send(doc),
  );

  app.post('/api/v1/invitations', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply)
      .code(201)
      .send(await m.invite(req.body));
  });

  app.get<UserParams>('/api/v1/users/:user', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await m.getUser(req.params.user));
  });

  app.delete<UserParams>('/api/v1/users/:user', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    await m.deleteUser(await m.findUser(req.params.user), clientId);
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/revokeSignInSessions', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    await m.revokeSignInSessions(await m.findUser(req.params.user), 'admin', clientId);
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/invalidateAllRefreshTokens', async (req, reply) => {
    await admin(req.headers.authorization);
    await m.invalidateAllRefreshTokens(await m.findUser(req.params.user));
    return reply.code(204).send();
  });

  app.get<UserParams>('/api/v1/users/:user/sessions', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await m.listSessions(await m.findUser(req.params.user)));
  });

  app.post<UserParams>('/api/v1/users/:user/password', async (req, reply) => {
    await admin(req.headers.authorization);
    await m.setPassword(await m.findUser(req.params.user), req.body);
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/disable', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    await m.setDisabled(await m.findUser(req.params.user), true, clientId);
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/enable', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    await m.setDisabled(await m.findUser(req.params.user), false, clientId);
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/unlock', async (req, reply) => {
    await admin(req.headers.authorization);
    await m.unlock(await m.findUser(req.params.user));
    return reply.code(204).send();
  });

  app.post<UserParams>('/api/v1/users/:user/resetFactors', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    const reset = await p.secondFactors.resetAll((await m.findUser(req.params.user)).id, clientId);
    return noStore(reply).send({ factors_removed: reset.factors, sessions_ended: reset.endedSessions });
  });

  app.delete<{ Params: { sid: string } }>('/api/v1/sessions/:sid', async (req, reply) => {
    const { clientId } = await admin(req.headers.authorization);
    await m.endSession(req.params.sid, clientId);
    return reply.code(204).send();
  });

  app.get('/api/v1/logouts', async (req, reply) => {
    await admin(req.headers.authorization);
    const q = readParams(req.query, ['client_id', 'sid', 'limit'] as const, {
      client_id: 200,
      sid: 100,
      limit: 3,
    });
    const limit = q.limit && /^\d+$/.test(q.limit) ? Math.min(50, Math.max(1, Number(q.limit))) : 10;
    if (!q.client_id && !q.sid) throw invalidRequest('client_id or sid is required');
    return noStore(reply).send(
      await m.listLogouts(q.sid ? { sid: q.sid } : { clientId: q.client_id! }, limit),
    );
  });

  app.get<{ Params: { id: string } }>('/api/v1/logouts/:id', async (req, reply) => {
    await admin(req.headers.authorization);
    const report = req.params.id.length <= 100 ? await p.logout.report(req.params.id) : undefined;
    if (!report) throw notFound('no such logout');
    return noStore(reply).send(report);
  });

  app.get('/api/v1/me', async (req, reply) => {
    const { user, sid } = await me(req.headers.authorization);
    return noStore(reply).send(await m.exportMe(user, sid));
  });

  app.patch('/api/v1/me', async (req, reply) => {
    const { user } = await me(req.headers.authorization);
    return noStore(reply).send(await m.updateMe(user, req.body));
  });

  app.post('/api/v1/me/revokeSignInSessions', async (req, reply) => {
    const { user } = await me(req.headers.authorization);
    await m.revokeSignInSessions(user, 'user');
    return reply.code(204).send();
  });

  app.get('/api/v1/me/sessions', async (req, reply) => {
    const { user, sid } = await me(req.headers.authorization);
    return noStore(reply).send(await m.listSessions(user, sid ?? ''));
  });

  app.post('/api/v1/me/changePassword', async (req, reply) => {
    const { user, sid } = await me(req.headers.authorization);
    await m.changeOwnPassword(user, sid, req.body, req.ip);
    return reply.code(204).send();
  });
}
