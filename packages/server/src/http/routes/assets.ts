import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HttpContext } from '../context.js';

const STATIC_DIR = fileURLToPath(new URL('../../../static/', import.meta.url));

/** The few static files the pages use, read once at start. */
export async function assetRoutes(app: FastifyInstance, _ctx: HttpContext): Promise<void> {
  const files: Record<string, { type: string; body: Buffer }> = {
    'adieu.css': { type: 'text/css; charset=utf-8', body: readFileSync(`${STATIC_DIR}adieu.css`) },
    'logout.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(`${STATIC_DIR}logout.js`) },
  };
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const f = files[req.params.file];
    if (!f) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=3600').type(f.type).send(f.body);
  });
}
