/**
 * The console's user pages (issue 16): the list with search, one user with sessions, sign-in locks, second
 * factors and recent logouts, and the typed confirmation before resetting factors.
 */
import { html } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import type { LogoutReport } from '../logout/report.js';
import { ApiError, type ConsoleContext, type ConsolePage } from './console-types.js';
import { device, enc, qs } from './console-format.js';
import { logoutTable } from './console-logouts.js';

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
export const usersPage: ConsolePage = {
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

export async function findUser(c: ConsoleContext): Promise<UserItem> {
  const key = c.params.user ?? '';
  const r = await c.api<{ items: UserItem[] }>('GET', `/api/v1/users${qs({ q: key, limit: '100' })}`);
  const u = r.items.find((x) => x.username === key || x.id === key);
  if (!u) throw new ApiError(404, 'not_found', 'no such user');
  return u;
}

export const userPage: ConsolePage = {
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

export const resetFactorsPage: ConsolePage = {
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
