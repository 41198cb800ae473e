import type { FastifyInstance } from 'fastify';
import { Management } from '../../protocol/management.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { doctorDeps, runDoctor } from '../../admin/doctor/index.js';
import { noStore, type HttpContext } from '../context.js';

/** Admin APIs the console is built on (issue 16), beside the management API of api.ts. JSON only. */
export async function adminApiRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const m = new Management(p);
  const admin = (auth: string | undefined) => m.requireAdmin(bearerToken(auth));

  // The logout doctor: real requests to the client's registered logout URIs (a synthetic session), so it is a
  // POST, not a GET: it has effects at the app.
  app.post<{ Params: { client: string } }>('/api/v1/clients/:client/doctor', async (req, reply) => {
    await admin(req.headers.authorization);
    return noStore(reply).send(await runDoctor(doctorDeps(p), req.params.client));
  });
}
