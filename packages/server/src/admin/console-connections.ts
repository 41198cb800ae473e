import { html } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import { device, enc, linkedName } from './console-format.js';
import { ApiError, type ConsoleContext, type ConsolePage } from './console-types.js';

/** `GET /api/v1/connections`: an upstream identity provider as the admin API shows it (never its secret). */
interface ConnectionItem {
  id: string;
  name: string;
  type: 'oidc' | 'oauth2';
  issuer?: string;
  authorization_endpoint?: string;
  client_id: string;
  logout: 'upstream' | 'local';
  domains: string[];
  reauthenticate_after_logout: boolean;
  scope: string;
  has_client_secret: boolean;
  source: 'config' | 'api';
  urls: { callback: string; loggedOut: string; backchannelLogout: string; frontchannelLogout: string };
}

interface ConnectionSession {
  sid: string;
  user: { id: string; username: string };
  created_at: string;
  last_active_at: string;
  ip: string | null;
  user_agent: string | null;
  upstream: { iss: string; sub: string; sid: string | null };
}

/** Where a connection's users are sent: the issuer, or the OAuth 2 server (GitHub style has no issuer). */
const issuerOf = (x: ConnectionItem) =>
  x.issuer ?? (x.authorization_endpoint ? new URL(x.authorization_endpoint).origin : '—');

const LOGOUT_MODE = {
  upstream: 'upstream: a single logout also ends the session there',
  local: 'local: only when the app asks for a federated logout',
} as const;

async function liveCounts(c: ConsoleContext): Promise<Map<string, number>> {
  const live = await c.api<{ sessions_per_connection: { connection_id: string; n: number }[] }>(
    'GET',
    '/api/v1/live',
  );
  return new Map(live.sessions_per_connection.map((x) => [x.connection_id, x.n]));
}

export const connectionsPage: ConsolePage = {
  path: '/admin/connections',
  title: 'Connections',
  nav: 'Connections',
  async render(c) {
    const list = await c.api<ConnectionItem[]>('GET', '/api/v1/connections');
    const counts = await liveCounts(c);
    return html`<section class="panel">
      ${
        list.length === 0
          ? html`<p class="muted">
              No upstream identity provider is configured. Add one in the config file
              (<code>connections</code>), with <code>adieu connection add</code> or
              <code>PUT /api/v1/connections/{id}</code>.
            </p>`
          : html`<table class="responsive">
              <thead>
                <tr>
                  <th>Connection</th>
                  <th>Type</th>
                  <th>Issuer</th>
                  <th>Logout</th>
                  <th>Live sessions</th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (x) =>
                    html`<tr>
                      <td data-label="Connection">
                        ${linkedName(`${c.base}/admin/connections/${enc(x.id)}`, x.name, x.id)}
                        <span class="muted">from ${x.source}</span>
                      </td>
                      <td data-label="Type">${x.type === 'oidc' ? 'OpenID Connect' : 'OAuth 2'}</td>
                      <td data-label="Issuer"><code>${issuerOf(x)}</code></td>
                      <td data-label="Logout">${x.logout}</td>
                      <td data-label="Live sessions">${counts.get(x.id) ?? 0}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  },
};

export const connectionPage: ConsolePage = {
  path: '/admin/connections/:id',
  title: (c) => `Connection ${c.params.id}`,
  async render(c) {
    const id = c.params.id ?? '';
    const x = (await c.api<ConnectionItem[]>('GET', '/api/v1/connections')).find((k) => k.id === id);
    if (!x) throw new ApiError(404, 'not_found', 'no such connection');
    const sessions = await c.api<ConnectionSession[]>('GET', `/api/v1/connections/${enc(x.id)}/sessions`);
    const back = `/admin/connections/${x.id}`;
    return html`<section class="panel">
        <p>
          <strong>${x.name}</strong> · <code>${x.id}</code> · from
          ${x.source === 'config' ? 'the config file' : 'the API'}
        </p>
        <dl class="facts">
          <dt>Type</dt>
          <dd>
            ${x.type === 'oidc' ? 'OpenID Connect (discovery from the issuer)' : 'OAuth 2 (GitHub style)'}
          </dd>
          <dt>Issuer</dt>
          <dd><code>${issuerOf(x)}</code></dd>
          <dt>Our client id there</dt>
          <dd><code>${x.client_id}</code> ${x.has_client_secret ? '(with a secret)' : '(no secret)'}</dd>
          <dt>Logout</dt>
          <dd>${LOGOUT_MODE[x.logout]}</dd>
          <dt>Shared-device protection</dt>
          <dd>
            ${x.reauthenticate_after_logout ? 'on: after a logout that could not end the session there, the next sign-in asks to re-authenticate' : 'off'}
          </dd>
          <dt>Email domains</dt>
          <dd>${x.domains.length ? x.domains.join(', ') : '—'}</dd>
          <dt>Scope</dt>
          <dd><code>${x.scope || '—'}</code></dd>
        </dl>
      </section>
      <h2>Register these at the upstream</h2>
      <section class="panel">
        <dl class="facts">
          <dt>Redirect URI</dt>
          <dd><code>${x.urls.callback}</code></dd>
          <dt>Post-logout redirect URI</dt>
          <dd><code>${x.urls.loggedOut}</code></dd>
          <dt>Back-channel logout URI</dt>
          <dd><code>${x.urls.backchannelLogout}</code></dd>
          <dt>Front-channel logout URI</dt>
          <dd><code>${x.urls.frontchannelLogout}</code></dd>
        </dl>
      </section>
      <h2>Sessions signed in through ${x.name}</h2>
      <section class="panel">
        ${
          sessions.length === 0
            ? html`<p class="muted">No live session was signed in through this connection.</p>`
            : html`<table class="responsive sessions">
                  <thead>
                    <tr>
                      <th>User</th>
                      <th>Device</th>
                      <th>Upstream subject</th>
                      <th>Since</th>
                      <th></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${sessions.map(
                      (s) =>
                        html`<tr data-sid="${s.sid}">
                          <td data-label="User">
                            <a href="${c.base}/admin/users/${enc(s.user.username)}">${s.user.username}</a>
                          </td>
                          <td data-label="Device">
                            ${device(s.user_agent)} <span class="muted">${s.ip ?? ''}</span>
                          </td>
                          <td data-label="Upstream subject">
                            <code>${s.upstream.sub}</code
                            >${s.upstream.sid ? html`<br /><span class="muted">sid ${s.upstream.sid}</span>` : ''}
                          </td>
                          <td data-label="Since">${when(s.created_at)}</td>
                          <td>
                            ${actionForm(`${c.base}/admin/sessions/${enc(s.sid)}/revoke`, c.csrf, 'Revoke', { back }, 'danger')}
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
                ${sessions.length === 100 ? html`<p class="muted">The newest 100 are shown.</p>` : ''}`
        }
      </section>`;
  },
};
