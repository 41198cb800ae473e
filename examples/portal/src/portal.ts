import express from 'express';
import { html } from '@adieu/server/html';
import { adieuExpress } from '@adieu/node/express';
import type { FetchLike } from '@adieu/node';
import type { DemoSites } from './sites.js';
import type { LastLogout } from './last-logout.js';
import {
  DEMO_CSS,
  lastLogoutPanel,
  serverAppPage,
  SIGN_OUT_FORMS,
  signInFailed,
  signInProblem,
  whoIsSignedIn,
} from './pages.js';

/** Portal: server-rendered (Express + @adieu/node). The user starts here and signs out here. */
export function portalApp(o: { sites: DemoSites; secret: string; fetch: FetchLike; lastLogout: LastLogout }) {
  const app = express();
  app.use(
    adieuExpress({
      issuer: o.sites.origin('idp'),
      clientId: 'portal',
      clientSecret: o.secret,
      baseUrl: o.sites.origin('portal'),
      fetch: o.fetch,
    }),
  );
  app.get('/demo.css', (_req, res) => res.type('css').send(DEMO_CSS));
  app.get('/last-logout', async (_req, res) => {
    res
      .set('cache-control', 'no-store')
      .type('html')
      .send(lastLogoutPanel(await o.lastLogout.latest('portal')).value);
  });
  app.post('/signout-local', express.urlencoded({ extended: false }), async (req) => {
    await req.adieu.logout({ local: true, returnTo: '/' });
  });
  app.get('/', async (req, res) => {
    const user = req.adieu.user;
    // The services open as this same person even when several are signed in in the browser: the ID token's
    // opaque login_hint names this account to the provider (and to Bookings, which may already hold it).
    const hint: Record<string, string> =
      typeof user?.login_hint === 'string' ? { login_hint: user.login_hint } : {};
    const bookings = `${o.sites.origin('bookings')}/?${new URLSearchParams({ login: '1', ...hint })}`;
    const expenses = `${o.sites.origin('expenses')}/login?${new URLSearchParams({ returnTo: '/', ...hint })}`;
    const body = user
      ? html`${whoIsSignedIn(user)}
          <p>Open a service — you are signed in there too (single sign-on):</p>
          <div class="row">
            <a class="button" id="open-bookings" href="${bookings}">Bookings</a>
            <a class="button" id="open-expenses" href="${expenses}">Expenses</a>
          </div>
          ${SIGN_OUT_FORMS}
          <p class="note">
            Someone else at this computer?
            <a id="switch-account" href="/login?prompt=select_account">Switch account</a>: the provider lists
            everyone signed in in this browser, and "Use another account" adds one without signing anybody
            out.
          </p>
          <p class="note">
            Your sign-ins, and "sign out everywhere" on every device:
            <a href="${o.sites.origin('idp')}/account">your account at the provider</a>.
          </p>`
      : html`<p class="who" id="who">Nobody</p>
          <div class="row"><a class="button primary" id="signin" href="/login">Sign in</a></div>
          <p class="note">
            Demo users: <code>alice</code> / <code>alice</code> and <code>bob</code> / <code>bob</code>; or
            <strong>Continue with Acme Corp</strong> as <code>dave</code> / <code>dave</code> (Acme's own
            account).
          </p>`;
    res.type('html').send(
      serverAppPage({
        app: 'Portal',
        color: '#0b5cad',
        body,
        panel: lastLogoutPanel(await o.lastLogout.latest('portal')),
        nav: [
          { label: 'Bookings', href: `${o.sites.origin('bookings')}/` },
          { label: 'Expenses', href: `${o.sites.origin('expenses')}/` },
        ],
        signedIn: Boolean(user),
      }),
    );
  });
  // A failed callback (the user cancelled, an expired sign-in, the provider refused): a plain page with a way to
  // try again, never Express's stack trace.
  app.use(async (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    console.error('portal: sign-in did not complete:', err);
    const status = (err as { status?: unknown }).status;
    res
      .status(typeof status === 'number' && status >= 400 && status < 600 ? status : 500)
      .type('html')
      .send(
        serverAppPage({
          app: 'Portal',
          color: '#0b5cad',
          body: signInFailed(signInProblem(err)),
          panel: lastLogoutPanel(await o.lastLogout.latest('portal').catch(() => undefined)),
          nav: [],
          signedIn: false,
        }),
      );
  });
  return app;
}
