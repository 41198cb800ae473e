import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpContext } from '../context.js';

const STATIC_DIR = fileURLToPath(new URL('../../../static/', import.meta.url));

/**
 * @simplewebauthn/browser's own minified bundle (it defines `SimpleWebAuthnBrowser`), served as a file so the
 * pages' CSP needs no inline script. The package exports only its modules, so the bundle is found beside them.
 */
function webauthnBundle(): Buffer {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js'));
}

/** The few static files the pages use, read once at start. */
export async function assetRoutes(app: FastifyInstance, _ctx: HttpContext): Promise<void> {
  const js = 'text/javascript; charset=utf-8';
  const files: Record<string, { type: string; body: Buffer }> = {
    'adieu.css': { type: 'text/css; charset=utf-8', body: readFileSync(`${STATIC_DIR}adieu.css`) },
    'logout.js': { type: js, body: readFileSync(`${STATIC_DIR}logout.js`) },
    'passkey.js': { type: js, body: readFileSync(`${STATIC_DIR}passkey.js`) },
    'webauthn.js': { type: js, body: webauthnBundle() },
    'continue.js': { type: js, body: readFileSync(`${STATIC_DIR}continue.js`) },
  };
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const f = files[req.params.file];
    if (!f) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=3600').type(f.type).send(f.body);
  });
}
