import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { SessionEventsAuth, type Subscription } from '../../protocol/session-events.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { OAuthError, tooManyStreams } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { noStore, type HttpContext } from '../context.js';
import { SseWriter } from '../sse.js';

const HEARTBEAT_MS = 15_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The subscription a session-events request was authenticated for. */
    subscription: Subscription | undefined;
  }
}

/**
 * Session events push: Server-Sent Events telling an app the moment its SSO session ends, for any reason, from
 * any provider process. This is how SPAs learn of logout when third-party cookies are blocked.
 */
export async function sessionEventsRoutes(app: FastifyInstance, { p }: HttpContext): Promise<void> {
  const auth = new SessionEventsAuth({
    tokens: p,
    findClient: (id) => p.clients.get(id),
    interactions: p.interactions,
  });
  const open = new Set<ServerResponse>();

  // Open streams would hold a graceful shutdown forever; clients reconnect with Last-Event-ID.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.decorateRequest('subscription', undefined);
  /**
   * Who is subscribing, established before the CORS decision: only the subscribing client's own registered
   * origins may read its session's events, and any other origin is refused outright.
   */
  const subscriber = (resolve: (req: FastifyRequest) => Promise<Subscription>) => ({
    config: { corsReaders: 'client-origins' as const },
    preValidation: async (req: FastifyRequest) => {
      const sub = await resolve(req);
      const origin = req.headers.origin;
      if (origin && !sub.client.origins.has(origin)) {
        throw new OAuthError(
          'access_denied',
          `origin ${origin} is not registered for client ${sub.client.id}`,
          403,
        );
      }
      req.subscription = sub;
      req.clientOrigins = sub.client.origins;
    },
  });
  const subscription = (req: FastifyRequest): Subscription => req.subscription!;

  const byAccessToken = subscriber((req) => auth.fromAccessToken(bearerToken(req.headers.authorization)));
  app.post('/session/events/ticket', byAccessToken, async (req, reply) =>
    noStore(reply).send(await auth.issueTicket(subscription(req))),
  );

  const readQuery = (req: FastifyRequest) =>
    readParams(req.query, ['ticket', 'last_event_id'] as const, { ticket: 64, last_event_id: 20 });
  const byTicketOrToken = subscriber((req) => {
    const q = readQuery(req);
    return q.ticket
      ? auth.redeemTicket(q.ticket)
      : auth.fromAccessToken(bearerToken(req.headers.authorization));
  });
  app.get('/session/events', byTicketOrToken, async (req, reply) => {
    const q = readQuery(req);
    const sub = subscription(req);
    const lastHeader = req.headers['last-event-id'];
    const lastRaw = (Array.isArray(lastHeader) ? lastHeader[0] : lastHeader) ?? q.last_event_id ?? '';
    const lastId = /^\d{1,15}$/.test(lastRaw) ? Number(lastRaw) : 0;
    const slot = p.streamLimit.tryOpen(sub.userId, req.ip);
    if (!slot.ok) throw tooManyStreams(slot.limit, slot.max);

    const sse = new SseWriter(reply);
    open.add(sse.res);
    sse.retry(3000);
    const watch = p.sessionEventStreams.watch(
      { sid: sub.sid, userId: sub.userId, clientId: sub.client.id },
      lastId,
      (e) => {
        sse.event(e.id, 'session_ended', { sid: e.sid, reason: e.reason });
        sse.end();
      },
    );
    const heartbeat = setInterval(() => sse.comment('ping'), HEARTBEAT_MS);
    heartbeat.unref();
    sse.res.on('close', () => {
      watch.stop();
      slot.close();
      clearInterval(heartbeat);
      open.delete(sse.res);
    });
    await watch.replayed;
  });
}
