/** The console's operations pages (issue 16): signing keys, live sessions and deliveries, the logout doctor, the audit log. */
import { html } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import { barChart, deliveriesChart } from '../views/admin/svg.js';
import { type ConsolePage } from './console-types.js';
import { qs, statusBadge } from './console-format.js';
import type { ClientItem } from './console-clients.js';
import { SIGNING_ALGS } from '../keys/algorithms.js';

export const keysPage: ConsolePage = {
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
    // With keys.algorithms offering more than one, a rotation publishes one new key per algorithm; say so.
    const signing = new Set(keys.filter((k) => k.state === 'signing').map((k) => k.alg));
    const algs = SIGNING_ALGS.filter((alg) => signing.has(alg));
    const several = algs.length > 1;
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
          ${several ? `One new key per algorithm (${algs.join(', ')}) is` : 'A new key is'} published first
          and signs after <code>keys.publish_ahead</code>, so apps have its public half before they see it.
        </p>
        ${actionForm(
          `${c.base}/admin/keys/rotate`,
          c.csrf,
          several ? `Rotate: publish a new ${algs.join(' and ')} key` : 'Rotate: publish a new key',
          {},
          'primary',
        )}
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

export const livePage: ConsolePage = {
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

export const doctorPage: ConsolePage = {
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

export const auditPage: ConsolePage = {
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
