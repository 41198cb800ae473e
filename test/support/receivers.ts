/**
 * Back-channel logout receivers for tests: real HTTP servers that record each POSTed logout token, verify it
 * against the provider's JWKS, and can be told to fail, hang or be down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface Received {
  token: string;
  header: Record<string, unknown>;
  claims: JWTPayload & { sid?: string; events?: Record<string, unknown>; reason?: string };
  contentType: string | undefined;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Answers counted as "delivered" (the response was fully written with this status). */
  succeeded: Received[];
  /** What the next requests get: a status code, or 'hang' (never answer). */
  respondWith: number | 'hang';
  /** Delay before answering (ms). */
  delayMs: number;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
  /** Start listening again on the same port after stop(). */
  restart(): Promise<void>;
}

export async function startReceiver(
  opts: { port?: number; path?: string; https?: { cert: string; key: string } } = {},
): Promise<Receiver> {
  const path = opts.path ?? '/backchannel-logout';
  const received: Received[] = [];
  const succeeded: Received[] = [];
  const waiters = new Set<() => void>();
  let server: Server;
  const r: Receiver = {
    url: '',
    port: opts.port ?? 0,
    received,
    succeeded,
    respondWith: 200,
    delayMs: 0,
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (succeeded.length < n) {
        if (Date.now() > deadline) {
          throw new Error(`receiver ${r.url}: ${succeeded.length}/${n} deliveries after ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.add(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return succeeded.slice(0, n);
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      server = make();
      server.listen(r.port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  const make = () => {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        const [h, p] = token.split('.');
        let item: Received | undefined;
        try {
          item = {
            token,
            header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as Record<string, unknown>,
            claims: JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Received['claims'],
            contentType: req.headers['content-type'],
            at: Date.now(),
          };
          received.push(item);
        } catch {
          res.writeHead(400).end('{"error":"invalid_request"}');
          return;
        }
        const answer = () => {
          if (r.respondWith === 'hang') return;
          const status = r.respondWith;
          res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(status === 200 ? '' : '{"error":"test"}', () => {
            if (status === 200 && item) succeeded.push(item);
            for (const w of waiters) w();
            waiters.clear();
          });
        };
        if (r.delayMs) setTimeout(answer, r.delayMs);
        else answer();
      });
    };
    return opts.https ? createHttpsServer(opts.https, handler) : createServer(handler);
  };
  server = make();
  server.listen(r.port, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  r.port = typeof addr === 'object' && addr ? addr.port : r.port;
  r.url = `${opts.https ? 'https' : 'http'}://127.0.0.1:${r.port}${path}`;
  return r;
}

/**
 * Verify a logout token as a strict RP would (Back-Channel Logout §2.6), with the provider's JWKS. `currentDate`:
 * the provider's clock, for tests that move it.
 */
export async function verifyLogoutToken(token: string, issuer: string, audience: string, currentDate?: Date) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    ...(currentDate ? { currentDate } : {}),
    issuer,
    audience,
    typ: 'logout+jwt',
    algorithms: ['RS256'],
    maxTokenAge: '2m',
    requiredClaims: ['iat', 'exp', 'jti', 'events'],
  });
  return { payload, protectedHeader };
}
