/**
 * Plain HTTPS "relying party" sites for provider-page browser tests: one server per host name, serving fixed
 * pages. The front-channel page here is what any app can do by hand: clear its own storage for the given sid
 * and post the acknowledgement of docs/protocol-extensions.md §1 — or say that it could not.
 */
import { createServer, type Server } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { testCert } from './certs.js';

export interface Site {
  origin: string;
  port: number;
  close(): Promise<void>;
}

export type Routes = Record<
  string,
  (url: URL) => { status?: number; type?: string; body: string; headers?: Record<string, string> }
>;

export async function startSite(host: string, routes: Routes): Promise<Site> {
  const { cert, key } = testCert();
  const server: Server = createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${host}`);
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const r = route(url);
    res.writeHead(r.status ?? 200, {
      'content-type': r.type ?? 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...r.headers,
    });
    res.end(r.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A front-channel logout page written by hand: clear localStorage, then acknowledge (or report partitioning). */
export function frontchannelPage(issuerOrigin: string) {
  return () => ({
    body: `<!doctype html><title>front-channel logout</title><script>
const q = new URLSearchParams(location.search);
let cleared = true, detail;
try { localStorage.removeItem('session'); } catch (e) { cleared = false; detail = 'storage-partitioned'; }
parent.postMessage({ type: 'adieu:frontchannel-logout', iss: q.get('iss'), sid: q.get('sid'), cleared, detail }, ${JSON.stringify(issuerOrigin)});
</script>`,
    headers: { 'content-security-policy': `frame-ancestors ${issuerOrigin}` },
  });
}

export const textPage = (text: string) => () => ({
  body: `<!doctype html><title>${text}</title><p id="text">${text}</p>`,
});
