/**
 * Two small proxies for fault tests of several provider processes:
 *
 * - a round-robin HTTP front (what a load balancer does), which records every answer an upstream gave, so a test
 *   can tell a provider's own 5xx from a request that died with a killed process;
 * - a TCP proxy in front of PostgreSQL that can play "PostgreSQL restarts": every open connection is cut and new
 *   ones are refused until it comes back. Restarting the machine's real server would also break every other test
 *   running at the same time; cutting the wire is what the provider sees of a restart either way.
 */
import { createServer as createHttpServer, request, type IncomingHttpHeaders } from 'node:http';
import { createConnection, createServer as createTcpServer, type Socket } from 'node:net';
import { once } from 'node:events';

export interface UpstreamAnswer {
  at: number;
  upstream: number;
  method: string;
  path: string;
  status: number;
  retryAfter: string | undefined;
  /** From the request's arrival at the front to the upstream's response headers. */
  ms: number;
}

export interface ProxyFailure {
  at: number;
  upstream: number;
  method: string;
  path: string;
  error: string;
}

export interface RoundRobin {
  port: number;
  /** Every status a provider answered, in order. */
  answers: UpstreamAnswer[];
  /** Requests that reached a provider which then died before answering (the front answered 502). */
  failures: ProxyFailure[];
  close(): Promise<void>;
}

/**
 * Round-robin across `upstreams` (ports on 127.0.0.1). A refused connection moves on to the next upstream, as a
 * load balancer's passive health check does; a request already sent to a process that dies gets a 502.
 */
export async function startRoundRobin(upstreams: number[]): Promise<RoundRobin> {
  let next = 0;
  const answers: UpstreamAnswer[] = [];
  const failures: ProxyFailure[] = [];
  const server = createHttpServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // Each request tries every upstream at most once, starting from its round-robin turn.
      const first = next++;
      const forward = (tries: number) => {
        const upstream = upstreams[(first + tries - 1) % upstreams.length]!;
        const up = request(
          {
            host: '127.0.0.1',
            port: upstream,
            method: req.method,
            path: req.url,
            headers: req.headers as IncomingHttpHeaders,
            // A fresh connection per request: a pooled one the upstream closed while idle would fail with
            // ECONNRESET, an artefact of the front, not something the provider did.
            agent: false,
          },
          (upRes) => {
            const retryAfter = upRes.headers['retry-after'];
            answers.push({
              at: Date.now(),
              upstream,
              method: req.method!,
              path: req.url!.split('?')[0]!,
              status: upRes.statusCode!,
              retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
              ms: performance.now() - arrived,
            });
            res.writeHead(upRes.statusCode!, upRes.headers);
            upRes.pipe(res);
            upRes.on('error', () => res.destroy());
          },
        );
        up.on('error', (e: NodeJS.ErrnoException) => {
          // A refused connection never reached the process: nothing was sent, so trying the next one is safe.
          if (e.code === 'ECONNREFUSED' && tries < upstreams.length) return forward(tries + 1);
          failures.push({
            at: Date.now(),
            upstream,
            method: req.method!,
            path: req.url!.split('?')[0]!,
            error: e.code ?? e.message,
          });
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
          else res.destroy();
        });
        up.end(body);
      };
      forward(1);
    });
  });
  // SSE streams stay open; the proxy must not cut them.
  server.requestTimeout = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    answers,
    failures,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

export interface TcpFault {
  port: number;
  /** Cut every open connection and refuse new ones until `restore()` (a database restart, seen from outside). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpFault(target: { host: string; port: number }): Promise<TcpFault> {
  const open = new Set<Socket>();
  let down = false;
  const server = createTcpServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}
