import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { html, jsonForScript, raw } from '@adieu/server/html';
import type { DemoSites } from './sites.js';
import type { LastLogout } from './last-logout.js';
import { fastifyForListener } from './server-app.js';
import { appPage, DEMO_CSS, lastLogoutPanel, PANEL_SCRIPT, PITFALL } from './pages.js';

const PUBLIC = fileURLToPath(new URL('../public/bookings/', import.meta.url));

/** The SDK's single ESM file, exactly what an app without a bundler serves (`@adieu/browser/bundle`). */
function sdkBundle(): Buffer {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('@adieu/browser/bundle'));
}

/**
 * Bookings: a single-page app (@adieu/browser, no framework, no bundler). The server only serves files and the
 * "last logout" panel; everything about sign-in happens in the browser.
 */
export async function bookingsApp(o: { sites: DemoSites; lastLogout: LastLogout }) {
  const { app, handler } = fastifyForListener();
  const sdk = sdkBundle();
  const appJs = readFileSync(`${PUBLIC}app.js`);
  const frontchannel = readFileSync(`${PUBLIC}frontchannel-logout.html`, 'utf8');
  const config = {
    auth: {
      clientId: 'bookings',
      authority: o.sites.origin('idp'),
      redirectUri: `${o.sites.origin('bookings')}/`,
      postLogoutRedirectUri: `${o.sites.origin('bookings')}/`,
    },
    cache: { cacheLocation: 'localStorage' },
    system: { allowRedirectInIframe: true },
  };
  const configScript = html`<script type="application/json" id="adieu-config">
    ${jsonForScript(config)}
  </script>`;

  app.get('/demo.css', async (_req, reply) => reply.type('text/css').send(DEMO_CSS));
  app.get('/sdk/adieu-browser.js', async (_req, reply) => reply.type('text/javascript').send(sdk));
  app.get('/app.js', async (_req, reply) => reply.type('text/javascript').send(appJs));
  app.get('/last-logout', async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type('text/html')
      .send(lastLogoutPanel(await o.lastLogout.latest('bookings')).value),
  );
  // The registered frontchannel_logout_uri: framed by the provider's logout page; only the provider may frame it.
  app.get('/frontchannel-logout.html', async (_req, reply) =>
    reply
      .header('content-security-policy', `frame-ancestors ${o.sites.origin('idp')}`)
      .header('cache-control', 'no-store')
      .type('text/html')
      .send(frontchannel.replace('<!--CONFIG-->', configScript.value)),
  );
  app.get('/', async (_req, reply) =>
    reply.type('text/html').send(
      appPage({
        app: 'Bookings',
        color: '#1a7f37',
        body: html`<p class="who" id="who">…</p>
          <p class="note" id="details"></p>
          <p class="problem" id="problem" role="alert" hidden></p>
          <div class="row" id="signed-in" hidden>
            <button class="primary" id="signout">Sign out everywhere</button>
            <button id="signout-local">Sign out of this app only</button>
          </div>
          <div class="row" id="signed-out" hidden><button class="primary" id="signin">Sign in</button></div>
          <div id="accounts-box" hidden>
            <h3 id="accounts-title">People signed in to Bookings in this browser</h3>
            <ul class="accounts" id="accounts" aria-labelledby="accounts-title"></ul>
            <div class="row">
              <button id="add-account">Use another account</button>
            </div>
            <p class="note">
              "Sign out" next to a person signs out only that person, everywhere; the others stay signed in.
            </p>
          </div>
          ${PITFALL}
          <p class="note">
            This page learns about a logout elsewhere at once through the provider's push channel, even with
            third-party cookies blocked. Events: <span id="events"></span>
          </p>`,
        panel: lastLogoutPanel(await o.lastLogout.latest('bookings')),
        nav: [
          { label: 'Portal', href: `${o.sites.origin('portal')}/` },
          { label: 'Expenses', href: `${o.sites.origin('expenses')}/` },
        ],
        scripts: html`${configScript}
          <script>
            ${raw(PANEL_SCRIPT)};
          </script>
          <script type="module" src="/app.js"></script>`,
      }),
    ),
  );
  await app.ready();
  return { app, handler: handler() };
}
