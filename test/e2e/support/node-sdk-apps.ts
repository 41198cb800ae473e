/**
 * Server-rendered Express apps over @adieu/node for browser tests, served over HTTPS on their own `.test`
 * host. The SDK reaches the provider (also on a `.test` host) through an undici-based fetch that maps the
 * test hosts to loopback and trusts the throw-away certificate, without touching TLS checks process-wide.
 */
import { createServer } from 'node:https';
import { once } from 'node:events';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import express from 'express';
import { Agent, fetch as undiciFetch } from 'undici';
import { Adieu, type AppSession, type EndReason, type FetchLike } from '../../../packages/node/src/index.js';
import { adieuExpress, requiresAuth } from '../../../packages/node/src/express.js';
import { html } from '../../../packages/server/src/views/html.js';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A fetch that resolves `hosts` to the given addresses and trusts `ca` (plus nothing else). */
export function testFetch(ca: string, hosts: Record<string, string>): FetchLike {
  const agent = new Agent({
    connect: {
      ca,
      lookup: (hostname: string, options: { all?: boolean }, cb: LookupCallback) => {
        const address = hosts[hostname];
        if (!address)
          return cb(Object.assign(new Error(`unknown test host ${hostname}`), { code: 'ENOTFOUND' }), []);
        const family = isIP(address) === 6 ? 6 : 4;
        return options.all ? cb(null, [{ address, family }]) : cb(null, address, family);
      },
    },
  });
  return (url, init) =>
    undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
    }) as unknown as Promise<Response>;
}

export interface SeedApp {
  name: string;
  url: string;
  adieu: Adieu;
  ended: { reason: EndReason; sessions: AppSession[] }[];
  close(): Promise<void>;
}

export interface SeedAppOptions {
  name: string;
  host: string;
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  tls: { cert: string; key: string };
  fetch: FetchLike;
  /** Another app to link to (the portal links to its services). */
  links?: { name: string; url: string }[];
  /** Every page needs a signed-in user (a service); otherwise the home page is public (the portal). */
  private?: boolean;
}

/** A tiny server-rendered app: a home page that says who is signed in, sign-in / sign-out, push snippet. */
export async function startSeedApp(o: SeedAppOptions): Promise<SeedApp> {
  const url = `https://${o.host}:${o.port}`;
  const ended: SeedApp['ended'] = [];
  const adieu = new Adieu({
    issuer: o.issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    baseUrl: url,
    fetch: o.fetch,
    hooks: { onSessionsEnded: (e) => ended.push(e) },
  });
  const app = express();
  app.use(adieuExpress(adieu));
  const page = (title: string, body: unknown) =>
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>${title}</title>
          <style>
            body {
              font:
                16px system-ui,
                sans-serif;
              margin: 2rem;
            }
            .who {
              font-size: 1.4rem;
            }
          </style>
        </head>
        <body>
          <h1>${o.name}</h1>
          ${body}
        </body>
      </html>`.toString();
  const home = (req: express.Request, res: express.Response) => {
    const user = req.adieu.user;
    if (!user) {
      res.send(
        page(
          o.name,
          html`<p class="who" id="who">Not signed in</p>
            <p><a id="sign-in" href="/login">Sign in</a></p>`,
        ),
      );
      return;
    }
    res.send(
      page(
        `${o.name}: ${user.name ?? user.sub}`,
        html`<p class="who" id="who">Signed in as <strong id="user">${user.name ?? user.sub}</strong></p>
          <ul>
            ${(o.links ?? []).map((l) => html`<li><a href="${l.url}/" target="_blank">${l.name}</a></li>`)}
          </ul>
          <p><a id="sign-out" href="/logout">Sign out</a></p>
          <script src="/session/events.js"></script>`,
      ),
    );
  };
  if (o.private) app.get('/', requiresAuth(), home);
  else app.get('/', home);

  const server = createServer(o.tls, app);
  server.listen(o.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    name: o.name,
    url,
    adieu,
    ended,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await adieu.close();
    },
  };
}
