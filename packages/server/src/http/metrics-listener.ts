import { createServer, type Server } from 'node:http';
import type { Provider } from '../provider.js';
import { listenOrExplain } from './listen.js';

/**
 * Metrics on a listener of their own (`metrics.port`): only the metrics path answers, without authentication,
 * so bind it to an address only the scraper reaches (default 127.0.0.1).
 */
export async function startMetricsListener(p: Provider): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port, path } = p.config.metrics;
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || url !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    p.metrics.expose().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (e: unknown) => {
        p.log.error({ err: e }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  await listenOrExplain(
    () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port ?? 0, host, () => resolve());
      }),
    port ?? 0,
    host,
    'metrics.port (or ADIEU_METRICS_PORT)',
  );
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; a scrape in progress still finishes.
        server.closeIdleConnections();
      }),
  };
}
