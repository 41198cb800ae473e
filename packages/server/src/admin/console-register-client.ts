import { html } from '../views/html.js';
import { enc } from './console-format.js';
import { ApiError, type ConsoleAction, type ConsolePage } from './console-types.js';

/** One URI per line (or separated by spaces), as the API's array. */
const lines = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);

/** "Register a client": a form for `POST /api/v1/clients`, the same rules as `adieu client add`. */
export const registerClientPage: ConsolePage = {
  path: '/admin/new-client',
  title: 'Register a client',
  async render(c) {
    return html`<section class="panel">
      <p>
        Registers an app with the same rules as <code>adieu client add</code>. A confidential client's secret
        is generated and shown once, on the next page.
      </p>
      <form class="stack" method="post" action="${c.base}/admin/new-client">
        <input type="hidden" name="csrf" value="${c.csrf}" />
        <label
          >Client id (letters, digits and punctuation, no spaces)
          <input name="client_id" required maxlength="200" pattern="[!-~]+" autocomplete="off" />
        </label>
        <label>Name shown to people <input name="client_name" maxlength="200" /></label>
        <fieldset>
          <legend>Kind</legend>
          <label class="choice"
            ><input type="radio" name="kind" value="confidential" checked />
            <span>Confidential: a server-side app that keeps a secret (<code>@adieu/node</code>)</span></label
          >
          <label class="choice"
            ><input type="radio" name="kind" value="public" />
            <span>Public: a browser or native app, no secret (<code>@adieu/browser</code>)</span></label
          >
        </fieldset>
        <label
          >Redirect URIs (one per line)
          <textarea
            name="redirect_uris"
            required
            maxlength="8000"
            placeholder="https://app.example/callback"
          ></textarea>
        </label>
        <label
          >Post-logout redirect URIs (one per line; empty: what the SDKs send by default)
          <textarea name="post_logout_redirect_uris" maxlength="8000"></textarea>
        </label>
        <label
          >Back-channel logout URI
          <input
            type="url"
            name="backchannel_logout_uri"
            maxlength="2000"
            placeholder="https://app.example/logout/backchannel"
        /></label>
        <label
          >Front-channel logout URI <input type="url" name="frontchannel_logout_uri" maxlength="2000"
        /></label>
        <div class="actions">
          <button type="submit" class="primary">Register</button>
          <a href="${c.base}/admin/clients">Cancel</a>
        </div>
      </form>
    </section>`;
  },
};

export const registerClientAction: ConsoleAction = {
  path: '/admin/new-client',
  async run(c, form) {
    if (form.kind !== undefined && form.kind !== 'public' && form.kind !== 'confidential') {
      throw new ApiError(
        400,
        'invalid_request',
        'kind must be public or confidential; nothing was registered',
      );
    }
    const r = await c.api<{ client_id: string; client_name: string; client_secret?: string }>(
      'POST',
      '/api/v1/clients',
      {
        client_id: form.client_id ?? '',
        client_name: form.client_name || undefined,
        redirect_uris: lines(form.redirect_uris),
        post_logout_redirect_uris: form.post_logout_redirect_uris?.trim()
          ? lines(form.post_logout_redirect_uris)
          : undefined,
        backchannel_logout_uri: form.backchannel_logout_uri || undefined,
        frontchannel_logout_uri: form.frontchannel_logout_uri || undefined,
        token_endpoint_auth_method: form.kind === 'public' ? 'none' : 'client_secret_basic',
      },
    );
    const back = `/admin/clients/${enc(r.client_id)}`;
    if (!r.client_secret) return { redirect: back, flash: 'client_registered' };
    return {
      title: 'Client registered',
      page: html`<section class="panel">
        <p>
          <strong>${r.client_name}</strong> (<code>${r.client_id}</code>) is registered. Its secret is below.
          It is shown once; only a digest is stored. Put it in the app's configuration now.
        </p>
        <pre data-secret>${r.client_secret}</pre>
        <p><a href="${c.base}${back}">Go to the client</a></p>
      </section>`,
    };
  },
};
