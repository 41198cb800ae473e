/** The console's client pages (issue 16): the list, and one client with its logout URIs and secret. */
import { html } from '../views/html.js';
import { actionForm, when } from '../views/admin/layout.js';
import { type ConsolePage } from './console-types.js';
import { enc, linkedName } from './console-format.js';

/** A client as the admin API lists it. */
export interface ClientItem {
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
export const clientsPage: ConsolePage = {
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
                  ${linkedName(`${c.base}/admin/clients/${enc(x.client_id)}`, x.client_name, x.client_id)}
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

export const clientPage: ConsolePage = {
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
