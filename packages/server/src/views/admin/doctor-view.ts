import { html, type SafeHtml } from '../html.js';
import type { DoctorReport } from '../../admin/doctor/index.js';

const badge = (ok: boolean, yes: string, no: string) =>
  html`<span class="badge ${ok ? 'ok' : 'bad'}">${ok ? yes : no}</span>`;

/** The doctor's report as the console shows it: problems first, by name; then each check. */
export function doctorReportView(base: string, r: DoctorReport): SafeHtml {
  const b = r.backchannel;
  const f = r.frontchannel;
  return html`<section class="panel" aria-label="Problems">
      <p>${badge(r.ok, 'no errors', 'problems found')} <span class="muted">checked ${r.checked_at}</span></p>
      ${
        r.problems.length === 0
          ? html`<p>No problems found.</p>`
          : html`<ul class="problems">
              ${r.problems.map(
                (p) =>
                  html`<li data-check="${p.check}">
                    <span class="badge ${p.severity === 'error' ? 'bad' : 'warn'}">${p.severity}</span>
                    <code>${p.check}</code>: ${p.message}
                  </li>`,
              )}
            </ul>`
      }
    </section>
    <h2>Back-channel</h2>
    <section class="panel">
      ${
        !b
          ? html`<p class="muted">No back-channel logout URI registered.</p>`
          : html`<p>
                <code>${b.uri}</code> · TLS: ${b.transport.tls.replace('_', ' ')}
                ${b.transport.redirects.length ? html` · redirects to ${b.transport.redirects[0]!.location}` : ''}
              </p>
              <p>
                Test token:
                ${
                  b.test.answer
                    ? html`HTTP ${b.test.answer.status} in ${b.test.answer.latency_ms} ms
                      ${badge(b.test.ok, 'accepted', 'not accepted')}`
                    : html`${badge(false, '', 'failed')} ${b.test.error}`
                }
              </p>
              ${
                b.test.answer
                  ? html`<details>
                      <summary>Response headers and body</summary>
                      <pre>
${Object.entries(b.test.answer.headers)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join('\n')}</pre>
                      <pre>${b.test.answer.body_excerpt || '(empty body)'}</pre>
                    </details>`
                  : ''
              }
              <table class="responsive">
                <thead>
                  <tr>
                    <th>Bad token</th>
                    <th>Status</th>
                    <th>Verdict</th>
                  </tr>
                </thead>
                <tbody>
                  ${b.negatives.map(
                    (n) =>
                      html`<tr data-case="${n.name}">
                        <td data-label="Bad token">${n.label}</td>
                        <td data-label="Status">${n.status ?? '—'}</td>
                        <td data-label="Verdict">
                          ${
                            n.verdict === 'rejected'
                              ? badge(true, 'refused (400)', '')
                              : n.verdict === 'accepted'
                                ? badge(false, '', 'wrongly accepted')
                                : html`<span class="badge warn">${n.verdict.replace('_', ' ')}</span>`
                          }
                          <span class="muted">${n.detail}</span>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>
    <h2>Front-channel</h2>
    <section class="panel">
      ${
        !f
          ? html`<p class="muted">No front-channel logout URI registered.</p>`
          : html`<p><code>${f.uri}</code> · TLS: ${f.transport.tls.replace('_', ' ')}</p>
              <p>
                ${f.answer ? html`HTTP ${f.answer.status} in ${f.answer.latency_ms} ms` : html`failed: ${f.error}`}
              </p>
              ${
                f.framing
                  ? html`<p>
                      Framing: ${badge(!f.framing.blocked, 'the provider can frame it', 'blocked')}
                      ${f.framing.reason}
                    </p>`
                  : ''
              }
              ${
                f.cookies.length
                  ? html`<p>
                      Cookies:
                      ${f.cookies.map(
                        (c) =>
                          html`<code>${c.name}</code>
                            SameSite=${c.same_site ?? '(unset)'}${c.secure ? '; Secure' : ''} `,
                      )}
                    </p>`
                  : html`<p class="muted">The page sets no cookie.</p>`
              }`
      }
    </section>
    <p><a href="${base}/admin/doctor">Test another client</a></p>`;
}
