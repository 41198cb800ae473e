/**
 * Back-channel taps for tests: an HTTP server the provider delivers logout tokens to, which records each token
 * and either forwards the request to an app (and answers what the app answered) or just answers 200. The
 * recorded tokens are the real provider's, for replay and wrong-audience tests.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';

export interface Delivery {
  token: string;
  /** What the app (or the tap itself) answered. */
  status: number;
  cacheControl: string | null;
  body: string;
}

export interface Tap {
  url: string;
  deliveries: Delivery[];
  /** Resolves when `n` deliveries have been answered. */
  waitFor(n: number, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

export async function startTap(port: number, forwardTo?: () => string): Promise<Tap> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const token = new URLSearchParams(raw).get('logout_token') ?? '';
      const answer = (status: number, body: string, type: string, cacheControl: string | null = null) => {
        deliveries.push({ token, status, cacheControl, body });
        res.writeHead(status, { 'content-type': type }).end(body);
      };
      if (!forwardTo) return answer(200, '', 'text/plain');
      fetch(forwardTo(), {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: raw,
      }).then(
        async (r) =>
          answer(
            r.status,
            await r.text(),
            r.headers.get('content-type') ?? 'text/plain',
            r.headers.get('cache-control'),
          ),
        (e: unknown) => answer(502, String(e), 'text/plain'),
      );
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://localhost:${port}/backchannel-logout`,
    deliveries,
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (deliveries.length < n) {
        if (Date.now() > deadline)
          throw new Error(`tap: ${deliveries.length}/${n} deliveries after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return deliveries;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
