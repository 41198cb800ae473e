import { html, raw, type SafeHtml } from '@adieu/server/html';
import type { LogoutReport } from '@adieu/server';

export const DEMO_CSS = `
/* The hidden attribute must win over every display rule below (.row is flex). */
[hidden] { display: none !important; }
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --accent: #0b5cad; }
body { margin: 0; background: #f6f8fa; color: #1b1f24; line-height: 1.5; }
header { color: #fff; padding: 1rem 1.5rem; display: flex; justify-content: space-between; align-items: center; }
header h1 { margin: 0; font-size: 1.3rem; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; display: grid; gap: 1rem; grid-template-columns: 3fr 2fr; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 1.25rem; }
h2 { font-size: 1.05rem; margin-top: 0; }
button, .button { font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 8px; border: 1px solid #d0d7de; background: #fff; cursor: pointer; color: inherit; text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.row { display: flex; gap: .6rem; flex-wrap: wrap; margin: .8rem 0; }
.who { font-size: 1.4rem; font-weight: 700; }
.note { color: #57606a; font-size: .9rem; }
.pitfall { border-left: 4px solid #9a6700; padding-left: .8rem; }
.problem { border-left: 4px solid #cf222e; padding-left: .8rem; }
ul.apps { list-style: none; padding: 0; margin: .5rem 0; }
ul.apps li { display: flex; justify-content: space-between; gap: .8rem; padding: .45rem 0; border-bottom: 1px solid #eaeef2; }
.status.confirmed { color: #1a7f37; font-weight: 700; }
.status.pending { color: #9a6700; font-weight: 700; }
.status.not_confirmed { color: #cf222e; font-weight: 700; }
.channels { display: block; color: #57606a; font-size: .85rem; }
h3 { font-size: .95rem; margin: 1.2rem 0 .2rem; }
ul.accounts { list-style: none; padding: 0; margin: .3rem 0; }
ul.accounts li { display: flex; justify-content: space-between; align-items: center; gap: .8rem; padding: .45rem .6rem; border: 1px solid #eaeef2; border-radius: 8px; margin-bottom: .4rem; }
ul.accounts li[aria-current=true] { border-color: var(--accent); box-shadow: inset 4px 0 0 var(--accent); }
ul.accounts .actions { display: flex; gap: .4rem; align-items: center; }
ul.accounts button { padding: .3rem .7rem; }
nav a { color: #fff; margin-left: 1rem; }
@media (max-width: 50rem) { main { grid-template-columns: 1fr; } }
`;

const STATUS: Record<string, string> = {
  confirmed: 'Signed out',
  pending: 'Being notified…',
  told: 'Told',
  not_confirmed: 'Not confirmed',
};

/** Why a sign-in ended, in words, when "signed out at …" does not already say it. */
const WHY: Record<string, string> = {
  expired: 'the sign-in expired',
  password_changed: 'the password was changed',
  credentials_changed: 'the sign-in methods were changed',
  disabled: 'the account was disabled',
  replaced: 'another person signed in on the same browser',
  upstream: 'signed out at the service used to sign in',
  browser_closed: 'the browser was closed',
  account_deleted: 'the account was deleted',
};

/** The "last logout" panel: per app and channel, what the provider's logout record says. */
export function lastLogoutPanel(report: LogoutReport | undefined): SafeHtml {
  if (!report) return html`<p class="note">No logout yet.</p>`;
  const who = report.user ? (report.user.name ?? report.user.username) : 'someone';
  const by =
    report.initiator === 'rp'
      ? `signed out at ${report.participants.find((p) => p.client_id === report.initiator_client_id)?.client_name ?? report.initiator_client_id ?? 'an app'}`
      : report.initiator === 'user'
        ? 'signed out at the provider'
        : report.initiator === 'admin'
          ? 'signed out by an administrator'
          : 'ended by the provider';
  return html`<p>
      <strong>${who}</strong> · ${by}${WHY[report.reason] ? ` (${WHY[report.reason]})` : ''} ·
      <time>${report.created_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>
    </p>
    <ul class="apps">
      ${report.participants.map(
        (p) =>
          html`<li data-client="${p.client_id}">
            <span><strong>${p.client_name}</strong><span class="channels">${p.text}</span></span
            ><span class="status ${p.signed_out}">${STATUS[p.signed_out]}</span>
          </li>`,
      )}
      ${upstreamRow(report.upstream)}
    </ul>`;
}

/** What the record says of the upstream provider (Acme Corp) the person signed in through, when there was one. */
function upstreamRow(u: LogoutReport['upstream']): SafeHtml {
  if (!u) return html``;
  const [status, text] =
    u.status === 'ended'
      ? ['confirmed', `Signed out at ${u.name} too`]
      : u.status === 'pending'
        ? ['pending', `Signing out at ${u.name} next`]
        : ['not_confirmed', u.detail ?? `You may still be signed in at ${u.name}`];
  const label = { confirmed: 'Signed out', pending: 'Next…', not_confirmed: 'Still signed in?' }[status];
  return html`<li data-upstream="${u.connection_id}">
    <span><strong>${u.name}</strong><span class="channels">${text} (where you signed in)</span></span
    ><span class="status ${status}">${label}</span>
  </li>`;
}

export interface AppPageOptions {
  app: string;
  color: string;
  nonce?: string;
  body: SafeHtml;
  panel: SafeHtml;
  nav: { label: string; href: string }[];
  scripts?: SafeHtml;
}

/** The frame shared by the three demo apps: who is signed in on the left, the last logout on the right. */
export function appPage(o: AppPageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.app} · Adieu demo</title>
        <link rel="stylesheet" href="/demo.css" />
      </head>
      <body>
        <header style="background:${o.color}">
          <h1>${o.app}</h1>
          <nav>${o.nav.map((n) => html`<a href="${n.href}">${n.label}</a>`)}</nav>
        </header>
        <main>
          <section aria-labelledby="who-title">
            <h2 id="who-title">Who is signed in here</h2>
            ${o.body}
          </section>
          <section aria-labelledby="last-title">
            <h2 id="last-title">Last logout (from the provider's record, live)</h2>
            <div id="last-logout">${o.panel}</div>
          </section>
        </main>
        ${o.scripts}
      </body>
    </html>`.value;
}

/** Refreshes the panel every second from the app's own /last-logout fragment. */
export const PANEL_SCRIPT = `setInterval(async () => {
  try { const r = await fetch('/last-logout', { cache: 'no-store' }); if (r.ok) document.getElementById('last-logout').innerHTML = await r.text(); } catch {}
}, 1000);`;

export const PITFALL = html`<p class="note pitfall">
  <strong>"Sign out of this app only"</strong> ends the app's own session but leaves you signed in at the
  provider. Signing in again asks no password: the provider only says "Continuing as you… Not you?" for a few
  seconds, so the next person at this computer who does not read it gets in as you. To really leave, use "Sign
  out everywhere".
</p>`;

/** A page of a server-rendered demo app: the panel refreshes itself, and signed-in pages listen for a killed session. */
export function serverAppPage(o: Omit<AppPageOptions, 'scripts'> & { signedIn: boolean }): string {
  return appPage({
    ...o,
    scripts: html`<script>
        ${raw(PANEL_SCRIPT)};
      </script>
      ${o.signedIn ? html`<script src="/session/events.js"></script>` : ''}`,
  });
}

/** The signed-in user of a server-rendered app. */
export function whoIsSignedIn(user: { name?: unknown; preferred_username?: unknown }): SafeHtml {
  const username = typeof user.preferred_username === 'string' ? user.preferred_username : '';
  const name = typeof user.name === 'string' ? user.name : username;
  return html`<p class="who" id="who">${name}</p>
    <p class="note">username <code>${username}</code></p>`;
}

/** The two ways out of a server-rendered demo app, and why the second one is a trap (the next sign-in asks no password). */
export const SIGN_OUT_FORMS = html`<div class="row">
    <form method="post" action="/logout">
      <button class="primary" id="signout">Sign out everywhere</button>
    </form>
    <form method="post" action="/signout-local">
      <button id="signout-local">Sign out of this app only</button>
    </form>
  </div>
  ${PITFALL}`;

/**
 * What a person reads when a sign-in did not complete. The SDKs' errors carry stable codes; the provider's OAuth
 * error (access_denied when the user pressed "Cancel and return to the app") is in the message or `error`.
 */
export function signInProblem(e: unknown): string {
  const err = (e ?? {}) as { code?: unknown; error?: unknown; message?: unknown };
  const text = `${String(err.error ?? '')} ${String(err.message ?? '')}`;
  if (/access_denied/.test(text)) return 'You cancelled the sign-in, so nobody is signed in here.';
  if (/login_required|interaction_required/.test(text)) return 'You need to sign in again.';
  switch (err.code) {
    case 'login_transaction_missing':
      return 'This sign-in had expired or was already finished.';
    case 'session_revoked':
      return 'A sign-out happened while you were signing in, so this sign-in was stopped.';
    case 'network_error':
    case 'discovery_failed':
      return 'The sign-in service could not be reached.';
    default:
      return 'The sign-in did not complete.';
  }
}

/** Shown instead of the user when a sign-in did not complete: a plain message and a way to try again. */
export function signInFailed(message: string): SafeHtml {
  return html`<p class="who" id="who">Nobody</p>
    <p class="problem" id="problem" role="alert">${message}</p>
    <div class="row">
      <a class="button primary" id="signin" href="/login">Try again</a>
      <a class="button" id="home" href="/">Continue without signing in</a>
    </div>`;
}
