import { createServer, type Server } from 'node:https';
import { once } from 'node:events';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DemoCerts } from './certs.js';

/**
 * An HTTPS listener that can be stopped and started again around the same app (and its in-memory sessions):
 * the demo uses it to show that an app which was down during a logout is logged out once it is back.
 */
export class Listener {
  private server: Server | undefined;

  constructor(
    private readonly handler: RequestListener,
    private readonly certs: DemoCerts,
    readonly port: number,
  ) {}

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer({ cert: this.certs.cert, key: this.certs.key }, this.handler);
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A Fastify app whose request handler the demo serves on its own Listener (so it can be stopped and started
 * again): Fastify hands its handler over instead of listening itself.
 */
export function fastifyForListener(): { app: FastifyInstance; handler: () => RequestListener } {
  let handler: RequestListener | undefined;
  const app = Fastify({
    serverFactory: (h) => {
      handler = h;
      return createHttpServer();
    },
  });
  return {
    app,
    handler: () => {
      if (!handler) throw new Error('the Fastify app is not ready yet');
      return handler;
    },
  };
}
