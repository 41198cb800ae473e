/** The console's logout pages (issue 16): the search, one logout's report with its deliveries and timeline. */
import { html, type SafeHtml } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import { formatMs, timelineChart, type TimelineRow } from '../views/admin/svg.js';
import type { LogoutReport } from '../logout/report.js';
import type { DeliveryAttemptView } from '../logout/report-types.js';
import { LOGOUT_REASONS } from '../logout/logout-service.js';
import { type ConsoleContext, type ConsolePage } from './console-types.js';
import { enc, qs, statusBadge } from './console-format.js';

interface Delivery {
  id: string;
  client_id: string;
  uri: string;
  status: string;
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  token_claims: Record<string, unknown>;
  history: DeliveryAttemptView[];
}

export function logoutTable(c: ConsoleContext, items: readonly LogoutReport[]): SafeHtml {
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

export const logoutsPage: ConsolePage = {
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

export const logoutPage: ConsolePage = {
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
