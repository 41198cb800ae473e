/**
 * The same small server-rendered app built twice, on Express and on Fastify, over @adieu/node. The shared
 * suite drives either through HTTP only, so both must behave identically.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { once } from 'node:events';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Adieu, type AdieuOptions, type AppSession, type EndReason } from '../../src/index.js';
import { adieuExpress, requiresAuth as expressRequiresAuth } from '../../src/express.js';
import { adieuFastify, requiresAuth as fastifyRequiresAuth } from '../../src/fastify.js';

export type Framework = 'express' | 'fastify';

export interface TestApp {
  framework: Framework;
  url: string;
  port: number;
  adieu: Adieu;
  /** Every onSessionsEnded call, in order. */
  ended: { reason: EndReason; sessions: AppSession[] }[];
  errors: { where: string; error: unknown }[];
  close(): Promise<void>;
}

export interface AppOptions {
  port: number;
  options: Omit<AdieuOptions, 'baseUrl' | 'hooks'> & { baseUrl?: string };
  tls?: { cert: string; key: string };
}

function withHooks(app: Pick<TestApp, 'ended' | 'errors'>, o: AppOptions): AdieuOptions {
  const scheme = o.tls ? 'https' : 'http';
  return {
    baseUrl: `${scheme}://localhost:${o.port}`,
    ...o.options,
    hooks: {
      onSessionsEnded: (e) => app.ended.push(e),
      onError: (error, where) => app.errors.push({ where, error }),
    },
  };
}

/** What the pages show: enough for tests to tell who is signed in, and with which SSO session. */
function me(session: AppSession | undefined) {
  return session
    ? {
        authenticated: true,
        sub: session.sub,
        sid: session.sid,
        name: session.user.name,
        accessToken: session.tokens.accessToken,
        idToken: session.tokens.idToken,
      }
    : { authenticated: false };
}

export async function startExpressApp(o: AppOptions): Promise<TestApp> {
  const state: Pick<TestApp, 'ended' | 'errors'> = { ended: [], errors: [] };
  const adieu = new Adieu(withHooks(state, o));
  const app = express();
  app.use(adieuExpress(adieu));
  app.get('/', (req, res) => {
    res.json(me(req.adieu.session));
  });
  app.get('/me', expressRequiresAuth(), (req, res) => {
    res.json(me(req.adieu.session));
  });
  app.get('/local-logout', (req, _res, next) => {
    req.adieu.logout({ local: true, returnTo: '/' }).catch(next);
  });
  app.post('/refresh', (req, res, next) => {
    req.adieu
      .refresh()
      .then((alive) => res.json({ alive, ...me(req.adieu.session) }))
      .catch(next);
  });
  const server = o.tls ? createHttpsServer(o.tls, app) : createHttpServer(app);
  return listen('express', server, o, adieu, state);
}

export async function startFastifyApp(o: AppOptions): Promise<TestApp> {
  const state: Pick<TestApp, 'ended' | 'errors'> = { ended: [], errors: [] };
  const adieu = new Adieu(withHooks(state, o));
  const app: FastifyInstance<Server | HttpsServer> = o.tls ? Fastify({ https: o.tls }) : Fastify();
  await app.register(adieuFastify, { adieu });
  app.get('/', async (req) => me(req.adieu.session));
  app.get('/me', { preHandler: fastifyRequiresAuth() }, async (req) => me(req.adieu.session));
  app.get('/local-logout', async (req, reply) => {
    await req.adieu.logout({ local: true, returnTo: '/' });
    return reply;
  });
  app.post('/refresh', async (req) => {
    const alive = await req.adieu.refresh();
    return { alive, ...me(req.adieu.session) };
  });
  await app.listen({ port: o.port, host: '127.0.0.1' });
  return {
    framework: 'fastify',
    url: withHooks(state, o).baseUrl,
    port: o.port,
    adieu,
    ...state,
    async close() {
      await app.close();
      await adieu.close();
    },
  };
}

async function listen(
  framework: Framework,
  server: Server,
  o: AppOptions,
  adieu: Adieu,
  state: Pick<TestApp, 'ended' | 'errors'>,
): Promise<TestApp> {
  server.listen(o.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    framework,
    url: withHooks(state, o).baseUrl,
    port: o.port,
    adieu,
    ...state,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await adieu.close();
    },
  };
}

export const startApp = (framework: Framework, o: AppOptions) =>
  framework === 'express' ? startExpressApp(o) : startFastifyApp(o);
