import formbody from '@fastify/formbody';
import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '@adieu/server/html';
import { adieuFastify } from '@adieu/node/fastify';
import type { FetchLike } from '@adieu/node';
import type { DemoSites } from './sites.js';
import type { LastLogout } from './last-logout.js';
import { fastifyForListener } from './server-app.js';
import { approvalRoutes } from './expense-approval.js';
import {
  DEMO_CSS,
  lastLogoutPanel,
  serverAppPage,
  SIGN_OUT_FORMS,
  signInFailed,
  signInProblem,
  whoIsSignedIn,
} from './pages.js';

/** Expenses: server-rendered with Fastify (+ @adieu/node), to show the SDK's second adapter. */
export async function expensesApp(o: {
  sites: DemoSites;
  secret: string;
  fetch: FetchLike;
  lastLogout: LastLogout;
}) {
  // The demo serves this app on a listener it can stop and start again (see Listener); Fastify hands over its
  // request handler instead of listening itself.
  const { app, handler } = fastifyForListener();
  // A failed callback (the user cancelled, an expired sign-in, the provider refused): a plain page with a way to
  // try again, never Fastify's JSON error. Set before the SDK's plugin: its routes take the handler in force
  // when they are registered.
  app.setErrorHandler(async (err, req, reply) => {
    req.log.error({ err }, 'sign-in did not complete');
    const { statusCode, status = statusCode } = err as { statusCode?: unknown; status?: unknown };
    return reply
      .status(typeof status === 'number' && status >= 400 && status < 600 ? status : 500)
      .type('text/html')
      .send(
        serverAppPage({
          app: 'Expenses',
          color: '#6639ba',
          body: signInFailed(signInProblem(err)),
          panel: lastLogoutPanel(await o.lastLogout.latest('expenses').catch(() => undefined)),
          nav: [
            { label: 'Portal', href: `${o.sites.origin('portal')}/` },
            { label: 'Bookings', href: `${o.sites.origin('bookings')}/` },
          ],
          signedIn: false,
        }),
      );
  });
  await app.register(formbody);
  await app.register(adieuFastify, {
    issuer: o.sites.origin('idp'),
    clientId: 'expenses',
    clientSecret: o.secret,
    baseUrl: o.sites.origin('expenses'),
    fetch: o.fetch,
  });
  app.get('/demo.css', async (_req, reply) => reply.type('text/css').send(DEMO_CSS));
  app.get('/last-logout', async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type('text/html')
      .send(lastLogoutPanel(await o.lastLogout.latest('expenses')).value),
  );
  app.post('/signout-local', async (req) => {
    await req.adieu.logout({ local: true, returnTo: '/' });
  });
  const page = async (req: FastifyRequest, body: SafeHtml) => {
    const user = req.adieu.user;
    return serverAppPage({
      app: 'Expenses',
      color: '#6639ba',
      body,
      panel: lastLogoutPanel(await o.lastLogout.latest('expenses')),
      nav: [
        { label: 'Portal', href: `${o.sites.origin('portal')}/` },
        { label: 'Bookings', href: `${o.sites.origin('bookings')}/` },
      ],
      signedIn: Boolean(user),
    });
  };
  const expenseTable = approvalRoutes(app, page);
  app.get('/', async (req, reply) => {
    const user = req.adieu.user;
    const body = user
      ? html`${whoIsSignedIn(user)} ${expenseTable()}
          <p class="note">Approving asks for your second factor (a step-up at the provider).</p>
          ${SIGN_OUT_FORMS}`
      : html`<p class="who" id="who">Nobody</p>
          <div class="row"><a class="button primary" id="signin" href="/login">Sign in</a></div>`;
    return reply.type('text/html').send(await page(req, body));
  });
  await app.ready();
  return { app, handler: handler() };
}
