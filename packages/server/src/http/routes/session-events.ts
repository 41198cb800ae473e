import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SessionEventsAuth, type Subscription } from '../../protocol/session-events.js';
import { bearerToken } from '../../protocol/access-tokens.js';
import { OAuthError, tooManyStreams } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import type { SessionEndedEvent } from '../../logout/session-event-bus.js';
import { noStore, type HttpContext } from '../context.js';

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
  const auth = new SessionEventsAuth(p);
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

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      // CORS headers, decided by the app-wide policy before this handler ran.
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(res);
    res.write('retry: 3000\n\n');

    let done = false;
    // Events heard before the log was read wait here; then delivery is direct.
    let live = false;
    const queue: SessionEndedEvent[] = [];
    const send = (e: SessionEndedEvent) => {
      if (done) return;
      done = true;
      res.write(
        `id: ${e.id}\nevent: session_ended\ndata: ${JSON.stringify({ sid: e.sid, reason: e.reason })}\n\n`,
      );
      res.end();
      if (e.logoutId) {
        p.store.logouts
          .recordPush(e.logoutId, sub.client.id, 'an open page was told at once', p.now())
          .catch((err: unknown) => p.log.warn({ err }, 'could not record push delivery'));
      }
    };
    // Subscribe before reading the log, so an event landing between the two is not missed.
    const unsubscribe = p.events.subscribe((e) => {
      if (e.sid !== sub.sid) return;
      if (live) send(e);
      else queue.push(e);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const cleanup = () => {
      done = true;
      slot.close();
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    res.on('close', cleanup);

    const [past] = await p.store.sessionEvents.listAfter(lastId, [sub.sid], 1);
    if (past) {
      send({
        id: past.id,
        sid: past.sid,
        userId: past.user_id,
        reason: past.reason,
        logoutId: past.logout_id,
      });
      return;
    }
    const session = await p.store.sessions.findBySid(sub.sid);
    if (!session || session.ended_at !== null) {
      // Ended before the event log existed for it (or removed): still say so, with what we know.
      send({
        id: lastId,
        sid: sub.sid,
        userId: sub.userId,
        reason: session?.end_reason ?? 'unknown',
        logoutId: null,
      });
      return;
    }
    live = true;
    for (const e of queue.splice(0)) send(e);
  });
}
