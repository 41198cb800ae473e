/**
 * The console's page and action tables: every page and form action in one list, each page in the file of its
 * section (console-users.ts, console-clients.ts, console-connections.ts, console-logouts.ts,
 * console-operations.ts).
 */
import { html } from '../views/html.js';
import { doctorReportView } from '../views/admin/doctor-view.js';
import type { DoctorReport } from './doctor/index.js';
import { ApiError, type ConsoleAction, type ConsolePage } from './console-types.js';
import { enc } from './console-format.js';
import { registerClientAction, registerClientPage } from './console-register-client.js';
import { connectionPage, connectionsPage } from './console-connections.js';
import { resetFactorsPage, userPage, usersPage } from './console-users.js';
import { logoutPage, logoutsPage } from './console-logouts.js';
import { clientPage, clientsPage } from './console-clients.js';
import { auditPage, doctorPage, keysPage, livePage } from './console-operations.js';

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
      const { keys } = await c.api<{ keys: unknown[] }>('POST', '/api/v1/keys/rotate', {});
      return back('/admin/keys', keys.length > 1 ? 'keys_rotated' : 'key_rotated');
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
