import { html, type SafeHtml } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import { barChart, deliveriesChart, formatMs, timelineChart, type TimelineRow } from '../views/admin/svg.js';
import { doctorReportView } from '../views/admin/doctor-view.js';
import type { LogoutReport } from '../logout/report.js';
import { LOGOUT_REASONS } from '../logout/logout-service.js';
import type { DoctorReport } from './doctor/index.js';
import { ApiError, type ConsoleAction, type ConsoleContext, type ConsolePage } from './console-types.js';
import { device, enc, qs, statusBadge } from './console-format.js';
import { registerClientAction, registerClientPage } from './console-register-client.js';
import { connectionPage, connectionsPage } from './console-connections.js';

interface UserItem {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  disabled: boolean;
  roles: string[];
  created_at: string;
}
interface SessionItem {
  sid: string;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  connection: { id: string; name: string } | null;
  clients: { client_id: string; client_name: string; last_at: string }[];
}
interface UserSecurity {
  password_locked_until: string | null;
  second_factor_locked_until: string | null;
  factors: { kind: 'totp' | 'passkey'; label: string; created_at: string; last_used_at: string | null }[];
  recovery_codes_left: number;
}
interface ClientItem {
  client_id: string;
  client_name: string;
  source: string;
  public: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  frontchannel_logout_uri: string | null;
  updated_at: string;
}
interface Delivery {
  id: string;
  client_id: string;
  uri: string;
  status: string;
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  token_claims: Record<string, unknown>;
  history: {
    attempt: number;
    started_at: string;
    duration_ms: number;
    status_code: number | null;
    outcome: string;
    error: string | null;
  }[];
}

const usersPage: ConsolePage = {
  path: '/admin/users',
  title: 'Users',
  nav: 'Users',
  async render(c) {
    const r = await c.api<{ items: UserItem[]; next: string | null }>(
      'GET',
      `/api/v1/users${qs({ q: c.query.q, after: c.query.after, limit: '25' })}`,
    );
    return html`<form class="filters" method="get" action="${c.base}/admin/users" role="search">
        <label
          >Search
          <input
            type="search"
            name="q"
            value="${c.query.q ?? ''}"
            maxlength="200"
            placeholder="username, name or email"
        /></label>
        <button type="submit" class="primary">Search</button>
      </form>
      <section class="panel">
        <table class="responsive">
          <thead>
            <tr>
              <th>Username</th>
              <th>Name</th>
              <th>Email</th>
              <th>Roles</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            ${r.items.map(
              (u) =>
                html`<tr>
                  <td data-label="Username">
                    <a href="${c.base}/admin/users/${enc(u.username)}">${u.username}</a>
                  </td>
                  <td data-label="Name">${u.name ?? ''}</td>
                  <td data-label="Email">${u.email ?? ''}</td>
                  <td data-label="Roles">${u.roles.join(', ')}</td>
                  <td data-label="State">
                    ${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${r.items.length === 0 ? html`<p class="muted">No user matches.</p>` : ''}
        <p class="pager">
          ${c.query.after ? html`<a href="${c.base}/admin/users${qs({ q: c.query.q })}">First page</a> ` : ''}
          ${r.next ? html`<a href="${c.base}/admin/users${qs({ q: c.query.q, after: r.next })}">Next page →</a>` : ''}
        </p>
      </section>`;
  },
};

async function findUser(c: ConsoleContext): Promise<UserItem> {
  const key = c.params.user ?? '';
  const r = await c.api<{ items: UserItem[] }>('GET', `/api/v1/users${qs({ q: key, limit: '100' })}`);
  const u = r.items.find((x) => x.username === key || x.id === key);
  if (!u) throw new ApiError(404, 'not_found', 'no such user');
  return u;
}

const userPage: ConsolePage = {
  path: '/admin/users/:user',
  title: (c) => `User ${c.params.user}`,
  async render(c) {
    const u = await findUser(c);
    const base = `${c.base}/admin/users/${enc(u.username)}`;
    const sessions = await c.api<SessionItem[]>('GET', `/api/v1/users/${enc(u.id)}/sessions`);
    const logouts = await c.api<{ items: LogoutReport[] }>(
      'GET',
      `/api/v1/logouts/search${qs({ user: u.id, limit: '10' })}`,
    );
    const apps = [
      ...new Map(
        sessions.flatMap((s) => s.clients.map((x) => [x.client_id, x.client_name] as const)),
      ).entries(),
    ];
    const security = await c.api<UserSecurity>('GET', `/api/v1/users/${enc(u.id)}/security`);
    const isAdmin = u.roles.includes('admin');
    return html`<section class="panel">
        <p><strong>${u.name ?? u.username}</strong> · ${u.email ?? 'no email'} · id <code>${u.id}</code></p>
        <p>
          ${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}
          ${isAdmin ? html`<span class="badge">admin</span>` : ''}
        </p>
        <p>
          ${
            u.disabled
              ? actionForm(`${base}/enable`, c.csrf, 'Enable')
              : actionForm(`${base}/disable`, c.csrf, 'Disable and sign out everywhere', {}, 'danger')
          }
          ${actionForm(`${base}/revoke-all`, c.csrf, 'Revoke all sessions', {}, 'danger')}
          ${
            isAdmin
              ? actionForm(`${base}/roles/admin/revoke`, c.csrf, 'Take the admin role')
              : actionForm(`${base}/roles/admin/grant`, c.csrf, 'Grant the admin role')
          }
        </p>
      </section>
      <h2>Sign-in and second factors</h2>
      <section class="panel" aria-label="Sign-in and second factors">
        <p>
          ${
            security.password_locked_until
              ? html`<span class="badge bad">locked</span> after too many wrong passwords, until
                  ${when(security.password_locked_until)}`
              : html`<span class="badge ok">not locked</span>`
          }
          ${
            security.second_factor_locked_until
              ? html` · <span class="badge bad">second factor locked</span> after too many wrong codes, until
                  ${when(security.second_factor_locked_until)} (a factor reset lifts it at once)`
              : ''
          }
        </p>
        ${
          security.factors.length === 0
            ? html`<p class="muted">No second factor.</p>`
            : html`<ul class="factors">
                ${security.factors.map(
                  (f) =>
                    html`<li>
                      ${f.kind === 'totp' ? 'Authenticator app' : 'Passkey'} <strong>${f.label}</strong>
                      <span class="muted"
                        >· added ${when(f.created_at)} · last used
                        ${f.last_used_at ? when(f.last_used_at) : 'never'}</span
                      >
                    </li>`,
                )}
              </ul>`
        }
        ${security.recovery_codes_left ? html`<p class="muted">${security.recovery_codes_left} recovery codes left.</p>` : ''}
        <p>
          ${security.password_locked_until ? actionForm(`${base}/unlock`, c.csrf, 'Unlock sign-in', {}, 'primary') : ''}
          <a class="button danger" href="${base}/reset-factors">Reset second factors…</a>
        </p>
      </section>
      <h2>Sessions: devices × apps</h2>
      <section class="panel">
        ${
          sessions.length === 0
            ? html`<p class="muted">No live session.</p>`
            : html`<table class="responsive sessions">
                <thead>
                  <tr>
                    <th>Device</th>
                    ${apps.map(([, name]) => html`<th>${name}</th>`)}
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${sessions.map(
                    (s) =>
                      html`<tr data-sid="${s.sid}">
                        <td data-label="Device">
                          <strong>${device(s.user_agent)}</strong><br /><span class="muted"
                            >${s.ip ?? ''} · since ${when(s.created_at)}</span
                          >${
                            s.connection
                              ? html`<br /><span class="muted"
                                    >through
                                    <a href="${c.base}/admin/connections/${enc(s.connection.id)}"
                                      >${s.connection.name}</a
                                    ></span
                                  >`
                              : ''
                          }
                        </td>
                        ${apps.map(([id, name]) => {
                          const p = s.clients.find((x) => x.client_id === id);
                          return html`<td data-label="${name}">
                            ${p ? html`<span class="badge ok">signed in</span>` : html`<span class="muted">—</span>`}
                          </td>`;
                        })}
                        <td>
                          ${actionForm(`${c.base}/admin/sessions/${enc(s.sid)}/revoke`, c.csrf, 'Revoke', { user: u.username }, 'danger')}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      <h2>Recent logouts</h2>
      <section class="panel">${logoutTable(c, logouts.items)}</section>`;
  },
};

const resetFactorsPage: ConsolePage = {
  path: '/admin/users/:user/reset-factors',
  title: (c) => `Reset the second factors of ${c.params.user}`,
  async render(c) {
    const u = await findUser(c);
    const sessions = await c.api<SessionItem[]>('GET', `/api/v1/users/${enc(u.id)}/sessions`);
    const base = `${c.base}/admin/users/${enc(u.username)}`;
    return html`<section class="panel">
      <p>
        This removes every second factor of <strong>${u.username}</strong>: authenticator apps, passkeys and
        recovery codes.
        ${
          sessions.length === 0
            ? 'They have no live session.'
            : html`Their
                ${sessions.length === 1 ? 'live session ends' : `${sessions.length} live sessions end`} at
                once (reason <code>credentials_changed</code>) and their apps are told.`
        }
        They sign in next with their password and can set up a new factor.
      </p>
      <p>Do this only after you have checked who is asking, e.g. someone who lost their phone.</p>
      <form class="stack" method="post" action="${base}/reset-factors">
        <input type="hidden" name="csrf" value="${c.csrf}" />
        <label
          ><span>Type the username <code>${u.username}</code> to confirm</span>
          <input name="confirm" autocomplete="off" required maxlength="200" />
        </label>
        <div class="actions">
          <button type="submit" class="danger">Reset second factors and end the sessions</button>
          <a href="${base}">Cancel</a>
        </div>
      </form>
    </section>`;
  },
};

function logoutTable(c: ConsoleContext, items: readonly LogoutReport[]): SafeHtml {
  if (items.length === 0) return html`<p class="muted">No logout matches.</p>`;
  return html`<table class="responsive">
    <thead>
      <tr>
        <th>When</th>
        <th>User</th>
        <th>Reason</th>
        <th>Apps</th>
        <th>Outcome</th>
      </tr>
    </thead>
    <tbody>
      ${items.map((l) => {
        const failed = l.participants.some(
          (p) => p.channels.backchannel && ['failed', 'rejected'].includes(p.channels.backchannel.status),
        );
        return html`<tr>
          <td data-label="When"><a href="${c.base}/admin/logouts/${enc(l.id)}">${when(l.created_at)}</a></td>
          <td data-label="User">${l.user?.username ?? '—'}</td>
          <td data-label="Reason">${l.reason}</td>
          <td data-label="Apps">${l.participants.map((p) => p.client_name).join(', ') || '—'}</td>
          <td data-label="Outcome">
            ${failed ? statusBadge('failed') : l.complete ? statusBadge('delivered') : statusBadge('pending')}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

const logoutsPage: ConsolePage = {
  path: '/admin/logouts',
  title: 'Logouts',
  nav: 'Logouts',
  async render(c) {
    const f = {
      user: c.query.user,
      client_id: c.query.client_id,
      reason: c.query.reason,
      outcome: c.query.outcome,
      since: c.query.since,
      until: c.query.until,
    };
    const r = await c.api<{ items: LogoutReport[]; next: string | null }>(
      'GET',
      `/api/v1/logouts/search${qs({ ...f, before: c.query.before, limit: '20' })}`,
    );
    const opt = (name: string, values: readonly string[]) =>
      html`<select name="${name}">
        <option value="">any</option>
        ${values.map((v) => html`<option ${c.query[name] === v ? 'selected' : ''}>${v}</option>`)}
      </select>`;
    return html`<form class="filters" method="get" action="${c.base}/admin/logouts">
        <label>User <input name="user" value="${f.user ?? ''}" maxlength="200" /></label>
        <label>App (client_id) <input name="client_id" value="${f.client_id ?? ''}" maxlength="200" /></label>
        <label>Reason ${opt('reason', LOGOUT_REASONS)}</label>
        <label>Outcome ${opt('outcome', ['delivered', 'failed', 'pending'])}</label>
        <label
          >Since
          <input name="since" value="${f.since ?? ''}" placeholder="2026-12-01T00:00:00Z" maxlength="40"
        /></label>
        <label>Until <input name="until" value="${f.until ?? ''}" maxlength="40" /></label>
        <button type="submit" class="primary">Filter</button>
      </form>
      <section class="panel">
        ${logoutTable(c, r.items)}
        <p class="pager">
          ${r.next ? html`<a href="${c.base}/admin/logouts${qs({ ...f, before: r.next })}">Older →</a>` : ''}
        </p>
      </section>`;
  },
};

const logoutPage: ConsolePage = {
  path: '/admin/logouts/:id',
  title: 'Logout',
  async render(c) {
    const id = c.params.id ?? '';
    const report = await c.api<LogoutReport>('GET', `/api/v1/logouts/${enc(id)}`);
    const deliveries = await c.api<Delivery[]>('GET', `/api/v1/logouts/${enc(id)}/deliveries`);
    const start = Date.parse(report.created_at);
    const rows: TimelineRow[] = [];
    for (const p of report.participants) {
      const d = deliveries.find((x) => x.client_id === p.client_id);
      if (d) {
        rows.push({
          label: `${p.client_name} · back`,
          spans: d.history.map((a) => ({
            start: Date.parse(a.started_at) - start,
            duration: a.duration_ms,
            outcome:
              a.outcome === 'delivered'
                ? a.attempt > 1
                  ? 'retried'
                  : 'ok'
                : a.outcome === 'retry'
                  ? 'pending'
                  : 'bad',
            title: `attempt ${a.attempt}: ${a.status_code ?? a.error ?? a.outcome} in ${a.duration_ms} ms`,
          })),
          next: d.next_attempt_at ? Date.parse(d.next_attempt_at) - start : undefined,
        });
      }
      for (const ch of ['frontchannel', 'push'] as const) {
        const s = p.channels[ch];
        if (s)
          rows.push({
            label: `${p.client_name} · ${ch === 'frontchannel' ? 'front' : 'push'}`,
            spans: [
              {
                start: 0,
                duration: 0,
                outcome: ['acknowledged', 'reached', 'delivered'].includes(s.status)
                  ? 'ok'
                  : s.status === 'pending'
                    ? 'pending'
                    : 'bad',
                title: `${ch}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`,
              },
            ],
          });
      }
    }
    return html`<section class="panel">
        <p>
          ${when(report.created_at)} · reason <strong>${report.reason}</strong> · started by
          ${report.initiator}${report.initiator_client_id ? html` (${report.initiator_client_id})` : ''} ·
          user
          ${report.user ? html`<a href="${c.base}/admin/users/${enc(report.user.username)}">${report.user.username}</a>` : '—'}
          · session <code>${report.sid ?? '—'}</code>
        </p>
        <p>
          ${report.complete ? statusBadge('delivered') : statusBadge('pending')}
          <span class="muted">id ${report.id}</span>
        </p>
      </section>
      <h2>Timeline</h2>
      <section class="panel">
        ${timelineChart(`Timeline of logout ${report.id}`, rows)}
        <p class="legend">
          <span class="key ok"></span> delivered <span class="key retried"></span> delivered after retries
          <span class="key bad"></span> failed or rejected · a ring marks the next retry
        </p>
      </section>
      <h2>Per app and channel</h2>
      ${report.participants.map((p) => {
        const d = deliveries.find((x) => x.client_id === p.client_id);
        return html`<section class="panel" aria-label="${p.client_name}">
          <h3>${p.client_name} ${statusBadge(p.signed_out)}</h3>
          <p>${p.text}</p>
          ${p.channels.frontchannel ? html`<p>Front-channel: ${statusBadge(p.channels.frontchannel.status)} ${p.channels.frontchannel.detail ?? ''}</p>` : ''}
          ${p.channels.push ? html`<p>Push: ${statusBadge(p.channels.push.status)} ${p.channels.push.detail ?? ''}</p>` : ''}
          ${
            d
              ? html`<p>
                    Back-channel to <code>${d.uri}</code>: ${statusBadge(d.status)}
                    ${d.next_attempt_at ? html` · next retry ${when(d.next_attempt_at)}` : ''}
                    ${['failed', 'rejected'].includes(d.status) ? actionForm(`${c.base}/admin/deliveries/${enc(d.id)}/retry`, c.csrf, 'Retry now', { logout: report.id }, 'primary') : ''}
                  </p>
                  <table class="responsive">
                    <thead>
                      <tr>
                        <th>Attempt</th>
                        <th>Started</th>
                        <th>Status</th>
                        <th>Latency</th>
                        <th>Error</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${d.history.map(
                        (a) =>
                          html`<tr>
                            <td data-label="Attempt">${a.attempt}</td>
                            <td data-label="Started">${when(a.started_at)}</td>
                            <td data-label="Status">${a.status_code ?? '—'} ${statusBadge(a.outcome)}</td>
                            <td data-label="Latency">${formatMs(a.duration_ms)}</td>
                            <td data-label="Error">${a.error ?? ''}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                  <details>
                    <summary>Logout token claims</summary>
                    <pre>${JSON.stringify(d.token_claims, null, 2)}</pre>
                    <p class="muted">jti, iat and exp are new for every attempt.</p>
                  </details>`
              : ''
          }
        </section>`;
      })}`;
  },
};

const clientsPage: ConsolePage = {
  path: '/admin/clients',
  title: 'Clients',
  nav: 'Clients',
  async render(c) {
    const list = await c.api<ClientItem[]>('GET', '/api/v1/clients');
    return html`<section class="panel">
      <table class="responsive">
        <thead>
          <tr>
            <th>Client</th>
            <th>Source</th>
            <th>Back-channel</th>
            <th>Front-channel</th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (x) =>
              html`<tr>
                <td data-label="Client">
                  <a href="${c.base}/admin/clients/${enc(x.client_id)}">${x.client_name}</a><br /><code
                    >${x.client_id}</code
                  >
                </td>
                <td data-label="Source">${x.source}</td>
                <td data-label="Back-channel">${x.backchannel_logout_uri ?? '—'}</td>
                <td data-label="Front-channel">${x.frontchannel_logout_uri ?? '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p>
        <a class="button primary" href="${c.base}/admin/new-client">Register a client</a>
        <span class="muted">(or <code>adieu client add</code>, or dynamic registration)</span>
      </p>
    </section>`;
  },
};

const clientPage: ConsolePage = {
  path: '/admin/clients/:client',
  title: (c) => `Client ${c.params.client}`,
  async render(c) {
    const x = await c.api<ClientItem>('GET', `/api/v1/clients/${enc(c.params.client ?? '')}`);
    const action = `${c.base}/admin/clients/${enc(x.client_id)}`;
    const fromConfig = x.source === 'config';
    return html`<section class="panel">
        <p>
          <strong>${x.client_name}</strong> · <code>${x.client_id}</code> ·
          ${x.public ? 'public' : 'confidential'} · from ${x.source} · changed ${when(x.updated_at)}
        </p>
        <p>Redirect URIs: ${x.redirect_uris.map((u) => html`<code>${u}</code> `)}</p>
        <p>
          ${actionForm(`${c.base}/admin/doctor`, c.csrf, 'Test its logout endpoints', { client: x.client_id }, 'primary')}
          ${!x.public && !fromConfig ? actionForm(`${action}/secret`, c.csrf, 'Rotate the secret', {}, 'danger') : ''}
        </p>
      </section>
      <h2>Logout URIs</h2>
      <section class="panel">
        ${fromConfig ? html`<p class="muted">This client comes from the config file; change it there.</p>` : ''}
        <form class="stack" method="post" action="${action}">
          <input type="hidden" name="csrf" value="${c.csrf}" />
          <input type="hidden" name="if_updated_at" value="${x.updated_at}" />
          <label
            >Back-channel logout URI
            <input
              type="url"
              name="backchannel_logout_uri"
              value="${x.backchannel_logout_uri ?? ''}"
              maxlength="2000"
              ${fromConfig ? 'disabled' : ''}
          /></label>
          <label
            >Front-channel logout URI
            <input
              type="url"
              name="frontchannel_logout_uri"
              value="${x.frontchannel_logout_uri ?? ''}"
              maxlength="2000"
              ${fromConfig ? 'disabled' : ''}
          /></label>
          <label
            >Post-logout redirect URIs (one per line)
            <textarea name="post_logout_redirect_uris" maxlength="8000" ${fromConfig ? 'disabled' : ''}>
${x.post_logout_redirect_uris.join('\n')}</textarea>
          </label>
          <div><button type="submit" class="primary" ${fromConfig ? 'disabled' : ''}>Save</button></div>
        </form>
      </section>`;
  },
};

const keysPage: ConsolePage = {
  path: '/admin/keys',
  title: 'Signing keys',
  nav: 'Keys',
  async render(c) {
    const keys = await c.api<
      {
        kid: string;
        alg: string;
        state: string;
        created_at: string;
        sign_from: string;
        verify_until: string | null;
      }[]
    >('GET', '/api/v1/keys');
    return html`<section class="panel">
        <table class="responsive">
          <thead>
            <tr>
              <th>Key id</th>
              <th>Alg</th>
              <th>State</th>
              <th>Created</th>
              <th>Signs from</th>
              <th>Verifiable until</th>
            </tr>
          </thead>
          <tbody>
            ${keys.map(
              (k) =>
                html`<tr>
                  <td data-label="Key id"><code>${k.kid}</code></td>
                  <td data-label="Alg">${k.alg}</td>
                  <td data-label="State">
                    ${statusBadge(k.state === 'signing' ? 'ok' : k.state)}${k.state === 'signing' ? ' signing' : ''}
                  </td>
                  <td data-label="Created">${when(k.created_at)}</td>
                  <td data-label="Signs from">${when(k.sign_from)}</td>
                  <td data-label="Verifiable until">${when(k.verify_until)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section class="panel">
        <p>
          A new key is published first and signs after <code>keys.publish_ahead</code>, so apps have its
          public half before they see it.
        </p>
        ${actionForm(`${c.base}/admin/keys/rotate`, c.csrf, 'Rotate: publish a new key', {}, 'primary')}
      </section>`;
  },
};

interface Live {
  at: string;
  outbox_pending: number;
  failed_last_hour: number;
  sse_subscribers: number;
  sessions_per_client: { client_id: string; n: number }[];
  sessions_per_connection: { connection_id: string; n: number }[];
  deliveries_last_24h: { client_id: string; at: string; outcome: string }[];
}

const livePage: ConsolePage = {
  path: '/admin/live',
  title: 'Live',
  nav: 'Live',
  async render(c) {
    const l = await c.api<Live>('GET', '/api/v1/live');
    const now = Date.parse(l.at);
    const clients = [...new Set(l.deliveries_last_24h.map((d) => d.client_id))].sort();
    const series = clients.map((id) => {
      const buckets = Array.from({ length: 24 }, () => ({ delivered: 0, retried: 0, failed: 0 }));
      for (const d of l.deliveries_last_24h) {
        if (d.client_id !== id) continue;
        const i = 23 - Math.min(23, Math.floor((now - Date.parse(d.at)) / 3_600_000));
        const b = buckets[i]!;
        if (d.outcome === 'delivered') b.delivered++;
        else if (d.outcome === 'retried') b.retried++;
        else if (d.outcome === 'failed') b.failed++;
      }
      return { label: id, buckets };
    });
    return html`<div class="cards">
        <div class="figure"><strong>${l.outbox_pending}</strong> deliveries waiting in the outbox</div>
        <div class="figure"><strong>${l.failed_last_hour}</strong> deliveries failed in the last hour</div>
        <div class="figure"><strong>${l.sse_subscribers}</strong> push (SSE) subscribers on this process</div>
      </div>
      <h2>Sessions per app</h2>
      <section class="panel">
        ${barChart(
          'Live sessions per app',
          l.sessions_per_client.map((s) => ({ label: s.client_id, value: s.n })),
        )}
      </section>
      ${
        l.sessions_per_connection.length
          ? html`<h2>Sessions per connection</h2>
              <section class="panel">
                ${barChart(
                  'Live sessions signed in through each upstream connection',
                  l.sessions_per_connection.map((s) => ({ label: s.connection_id, value: s.n })),
                )}
              </section>`
          : ''
      }
      <h2>Back-channel deliveries per app, last 24 hours</h2>
      <section class="panel">
        ${deliveriesChart('Deliveries per app per hour, last 24 hours', series, 'one column per hour, newest on the right')}
      </section>
      <p class="muted">As of ${when(l.at)}. Reload for fresh figures.</p>`;
  },
};

const doctorPage: ConsolePage = {
  path: '/admin/doctor',
  title: 'Logout doctor',
  nav: 'Doctor',
  async render(c) {
    const list = await c.api<ClientItem[]>('GET', '/api/v1/clients');
    return html`<section class="panel">
      <p>
        Sends a test logout token for a synthetic session to the app's back-channel URI, then the conformance
        suite's bad tokens (each must get 400), and checks that the front-channel page can be framed. Nothing
        real is signed out.
      </p>
      <form class="filters" method="post" action="${c.base}/admin/doctor">
        <input type="hidden" name="csrf" value="${c.csrf}" />
        <label
          >Client
          <select name="client">
            ${list.map((x) => html`<option value="${x.client_id}">${x.client_name} (${x.client_id})</option>`)}
          </select></label
        >
        <button type="submit" class="primary">Run the checks</button>
      </form>
    </section>`;
  },
};

const auditPage: ConsolePage = {
  path: '/admin/audit',
  title: 'Audit log',
  nav: 'Audit',
  async render(c) {
    const f = {
      actor: c.query.actor,
      action: c.query.action,
      target: c.query.target,
      since: c.query.since,
      until: c.query.until,
    };
    const r = await c.api<{
      items: {
        id: string;
        at: string;
        actor: { type: string; id: string | null; name: string | null; client_id: string | null };
        action: string;
        target: { type: string; id: string } | null;
        status: number | null;
        ip: string | null;
        detail: unknown;
      }[];
      next: string | null;
    }>('GET', `/api/v1/audit${qs({ ...f, before: c.query.before, limit: '50' })}`);
    return html`<form class="filters" method="get" action="${c.base}/admin/audit">
        <label>Who <input name="actor" value="${f.actor ?? ''}" maxlength="200" /></label>
        <label
          >What
          <input
            name="action"
            value="${f.action ?? ''}"
            maxlength="100"
            placeholder="e.g. logout, user.disable"
        /></label>
        <label>Target <input name="target" value="${f.target ?? ''}" maxlength="200" /></label>
        <label
          >Since
          <input name="since" value="${f.since ?? ''}" maxlength="40" placeholder="2026-12-01T00:00:00Z"
        /></label>
        <label>Until <input name="until" value="${f.until ?? ''}" maxlength="40" /></label>
        <button type="submit" class="primary">Filter</button>
      </form>
      <section class="panel">
        <table class="responsive">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
              <th>From</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            ${r.items.map(
              (e) =>
                html`<tr>
                  <td data-label="When">${when(e.at)}</td>
                  <td data-label="Who">
                    ${e.actor.name ?? e.actor.id ?? e.actor.type}
                    <span class="muted"
                      >(${e.actor.type}${e.actor.client_id ? ` via ${e.actor.client_id}` : ''})</span
                    >
                  </td>
                  <td data-label="What">${e.action}</td>
                  <td data-label="Target">${e.target ? html`<code>${e.target.id}</code>` : '—'}</td>
                  <td data-label="From">${e.ip ?? '—'}</td>
                  <td data-label="Status">${e.status ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${r.items.length === 0 ? html`<p class="muted">Nothing recorded matches.</p>` : ''}
        <p class="pager">
          ${r.next ? html`<a href="${c.base}/admin/audit${qs({ ...f, before: r.next })}">Older →</a>` : ''}
        </p>
      </section>`;
  },
};

/** The console's pages. Adding a page = one object here (and a route is made for it). */
export const PAGES: readonly ConsolePage[] = [
  usersPage,
  userPage,
  resetFactorsPage,
  clientsPage,
  registerClientPage,
  clientPage,
  connectionsPage,
  connectionPage,
  keysPage,
  logoutsPage,
  logoutPage,
  livePage,
  doctorPage,
  auditPage,
];

const back = (path: string, flash: string) => ({ redirect: path, flash });

/** The console's form actions, each one call of the documented API. */
export const ACTIONS: readonly ConsoleAction[] = [
  {
    path: '/admin/sessions/:sid/revoke',
    async run(c, form) {
      await c.api('DELETE', `/api/v1/sessions/${enc(c.params.sid ?? '')}`);
      // Back to the page the button was on: a user's page, or a connection's (a console path, nothing else).
      const to = form.user
        ? `/admin/users/${enc(form.user)}`
        : form.back && /^\/admin\/connections\/[a-z0-9_-]{1,40}$/.test(form.back)
          ? form.back
          : '/admin/users';
      return back(to, 'revoked');
    },
  },
  {
    path: '/admin/users/:user/revoke-all',
    async run(c) {
      await c.api('POST', `/api/v1/users/${enc(c.params.user ?? '')}/revokeSignInSessions`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'revoked_all');
    },
  },
  {
    path: '/admin/users/:user/disable',
    async run(c) {
      await c.api('POST', `/api/v1/users/${enc(c.params.user ?? '')}/disable`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'disabled');
    },
  },
  {
    path: '/admin/users/:user/enable',
    async run(c) {
      await c.api('POST', `/api/v1/users/${enc(c.params.user ?? '')}/enable`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'enabled');
    },
  },
  {
    path: '/admin/users/:user/unlock',
    async run(c) {
      await c.api('POST', `/api/v1/users/${enc(c.params.user ?? '')}/unlock`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'unlocked');
    },
  },
  {
    path: '/admin/users/:user/reset-factors',
    async run(c, form) {
      const user = c.params.user ?? '';
      // The typed confirmation: a post that skipped the confirmation page (or named someone else) changes nothing.
      if (form.confirm?.trim() !== user) {
        throw new ApiError(
          400,
          'confirmation_mismatch',
          `type the username ${user.slice(0, 200)} exactly to confirm; nothing was reset`,
        );
      }
      await c.api('POST', `/api/v1/users/${enc(user)}/resetFactors`);
      return back(`/admin/users/${enc(user)}`, 'factors_reset');
    },
  },
  {
    path: '/admin/users/:user/roles/admin/grant',
    async run(c) {
      await c.api('PUT', `/api/v1/users/${enc(c.params.user ?? '')}/roles/admin`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'granted');
    },
  },
  {
    path: '/admin/users/:user/roles/admin/revoke',
    async run(c) {
      await c.api('DELETE', `/api/v1/users/${enc(c.params.user ?? '')}/roles/admin`);
      return back(`/admin/users/${enc(c.params.user ?? '')}`, 'role_revoked');
    },
  },
  {
    path: '/admin/deliveries/:id/retry',
    async run(c, form) {
      await c.api('POST', `/api/v1/deliveries/${enc(c.params.id ?? '')}/retry`);
      return back(form.logout ? `/admin/logouts/${enc(form.logout)}` : '/admin/logouts', 'retried');
    },
  },
  {
    path: '/admin/clients/:client',
    async run(c, form) {
      await c.api('PATCH', `/api/v1/clients/${enc(c.params.client ?? '')}`, {
        backchannel_logout_uri: form.backchannel_logout_uri ?? '',
        frontchannel_logout_uri: form.frontchannel_logout_uri ?? '',
        post_logout_redirect_uris: form.post_logout_redirect_uris ?? '',
        if_updated_at: form.if_updated_at ?? '',
      });
      return back(`/admin/clients/${enc(c.params.client ?? '')}`, 'client_saved');
    },
  },
  registerClientAction,
  {
    path: '/admin/clients/:client/secret',
    async run(c) {
      const r = await c.api<{ client_id: string; client_secret: string }>(
        'POST',
        `/api/v1/clients/${enc(c.params.client ?? '')}/secret`,
      );
      return {
        title: 'New client secret',
        page: html`<section class="panel">
          <p>
            The new secret of <code>${r.client_id}</code>. It is shown once; only a digest is stored. The old
            secret no longer works.
          </p>
          <pre>${r.client_secret}</pre>
          <p><a href="${c.base}/admin/clients/${enc(r.client_id)}">Back to the client</a></p>
        </section>`,
      };
    },
  },
  {
    path: '/admin/keys/rotate',
    async run(c) {
      await c.api('POST', '/api/v1/keys/rotate', {});
      return back('/admin/keys', 'key_rotated');
    },
  },
  {
    path: '/admin/doctor',
    async run(c, form) {
      const r = await c.api<DoctorReport>('POST', `/api/v1/clients/${enc(form.client ?? '')}/doctor`);
      return { title: `Logout doctor: ${r.client_name}`, page: doctorReportView(c.base, r) };
    },
  },
];
