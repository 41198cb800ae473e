import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { sendPage, type HttpContext } from '../context.js';
import { homePage } from '../../views/home-page.js';
import type { Provider } from '../../provider.js';
import { invalidToken } from '../../protocol/errors.js';

const PROBE_TIMEOUT_MS = 2000;

type Check = 'ok' | string;

/** Readiness of this process: each check is `ok` or a short reason (never a secret, a host name or an error). */
export async function readiness(p: Provider): Promise<{ ready: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  const timeout = () =>
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref(),
    );
  try {
    await Promise.race([p.store.ops.ping(), timeout()]);
    checks.database = 'ok';
    try {
      const s = await Promise.race([p.store.schemaStatus(), timeout()]);
      checks.migrations =
        s.unknown.length > 0 ? 'schema newer than code' : s.pending.length > 0 ? 'migrations pending' : 'ok';
    } catch (e) {
      p.log.warn({ err: e }, 'readiness: cannot read the schema version');
      checks.migrations = 'unknown';
    }
  } catch (e) {
    p.log.warn({ err: e }, 'readiness: database unreachable');
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
  }
  try {
    p.keys.signingKey();
    checks.signing_keys = 'ok';
  } catch {
    checks.signing_keys = 'no active signing key';
  }
  checks.outbox_worker = p.outbox.active ? 'ok' : 'not running';
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

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
    const { ready, checks } = await readiness(p);
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
