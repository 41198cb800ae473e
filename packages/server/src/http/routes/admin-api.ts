import type { FastifyInstance } from 'fastify';
import { Management } from '../../protocol/management.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { invalidRequest, notFound } from '../../protocol/errors.js';
import { doctorDeps, runDoctor } from '../../admin/doctor/index.js';
import { ADMIN_ROLE, authenticateAdmin } from '../../admin/admin-auth.js';
import { AdminService, readInt } from '../../admin/admin-service.js';
import { readNewClient, registerClient } from '../../admin/client-registration.js';
import { readParams } from '../../protocol/params.js';
import { noStore, type HttpContext } from '../context.js';

type UserParams = { Params: { user: string } };
type ClientParams = { Params: { client: string } };

/**
 * Admin APIs the console is built on (issue 16), beside the management API of api.ts. JSON only; the console
 * calls exactly these (API parity), and every non-GET call lands in the audit log (admin/audit.ts).
 */
export async function adminApiRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const m = new Management(p);
  const s = new AdminService(p);
  const admin = (auth: string | undefined) => authenticateAdmin(p, bearerToken(auth));

  // The logout doctor: real requests to the client's registered logout URIs (a synthetic session), so it is a
  // POST, not a GET: it has effects at the app.
  app.post<ClientParams>('/api/v1/clients/:client/doctor', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await runDoctor(doctorDeps(p), req.params.client));
  });

  app.get('/api/v1/users', async (req, reply) => {
    await admin(req.headers.authorization);
    const q = readParams(req.query, ['q', 'after', 'limit'] as const, { q: 200, after: 200, limit: 3 });
    return noStore(reply).send(await s.listUsers(q.q, q.after, readInt(q.limit, 'limit', 1, 100, 25)));
  });

  app.get<UserParams>('/api/v1/users/:user/roles', async (req, reply) => {
    await admin(req.headers.authorization);
    const user = await m.findUser(req.params.user);
    return noStore(reply).send({ roles: await s.roles.list(user.id) });
  });

  app.put<{ Params: { user: string; role: string } }>(
    '/api/v1/users/:user/roles/:role',
    async (req, reply) => {
      const actor = await admin(req.headers.authorization);
      const role = checkRole(req.params.role);
      const user = await m.findUser(req.params.user);
      await s.roles.grant(user.id, role, actor);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { user: string; role: string } }>(
    '/api/v1/users/:user/roles/:role',
    async (req, reply) => {
      const actor = await admin(req.headers.authorization);
      const role = checkRole(req.params.role);
      const user = await m.findUser(req.params.user);
      await s.roles.revoke(user.id, role, actor);
      return reply.code(204).send();
    },
  );

  app.get<UserParams>('/api/v1/users/:user/security', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.userSecurity(req.params.user));
  });

  app.get('/api/v1/audit', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.audit(req.query));
  });

  app.get('/api/v1/logouts/search', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.searchLogouts(req.query));
  });

  app.get<{ Params: { id: string } }>('/api/v1/logouts/:id/deliveries', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.deliveries(req.params.id));
  });

  app.post<{ Params: { id: string } }>('/api/v1/deliveries/:id/retry', async (req, reply) => {
    await admin(req.headers.authorization);
    await s.retryDelivery(req.params.id);
    return reply.code(202).send();
  });

  app.get('/api/v1/clients', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.clients.list());
  });

  // Register a client (the console's "Register a client", the CLI's `client add`): one set of rules for all three.
  app.post('/api/v1/clients', async (req, reply) => {
    await admin(req.headers.authorization);
    const { metadata, client_secret } = await registerClient(p, readNewClient(req.body), 'admin');
    return noStore(reply)
      .code(201)
      .send({ ...(await s.clients.get(metadata.client_id)), ...(client_secret ? { client_secret } : {}) });
  });

  app.get<ClientParams>('/api/v1/clients/:client', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.clients.get(req.params.client));
  });

  app.patch<ClientParams>('/api/v1/clients/:client', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.clients.updateLogoutUris(req.params.client, req.body));
  });

  app.post<ClientParams>('/api/v1/clients/:client/secret', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.clients.rotateSecret(req.params.client));
  });

  app.get<{ Params: { id: string } }>('/api/v1/connections/:id/sessions', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.connectionSessions(req.params.id));
  });

  app.get('/api/v1/keys', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.listKeys());
  });

  app.post('/api/v1/keys/rotate', async (req, reply) => {
    await admin(req.headers.authorization);
    const { now } = readParams(req.body, ['now'] as const, { now: 5 });
    if (now !== undefined && now !== 'true' && now !== 'false')
      throw invalidRequest('now must be true or false');
    const r = await p.keys.rotate(now === 'true');
    // `kid` is the RS256 key's, as before there were several algorithms; `keys` lists one per algorithm.
    return noStore(reply).send({ kid: r.kid, sign_from: new Date(r.signFrom).toISOString(), keys: r.keys });
  });

  app.get('/api/v1/live', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await s.live());
  });
}

const ROLES = new Set([ADMIN_ROLE]);
function checkRole(role: string): string {
  if (!ROLES.has(role)) throw notFound(`no such role; roles are: ${[...ROLES].join(', ')}`);
  return role;
}
