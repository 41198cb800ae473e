import { html, page, type SafeHtml } from './index.js';
import type { SessionView } from '../protocol/management.js';

export interface AccountView {
  base: string;
  userName: string;
  csrf: string;
  interactionId: string;
  sessions: SessionView[];
}

/** A short, human description of a browser from its user agent (no parsing library: it is only a label). */
export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Chrome\//.test(userAgent)
      ? 'Chrome'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : userAgent.split(/[ /]/)[0] || 'Browser';
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function hidden(v: AccountView) {
  return html`<input type="hidden" name="csrf" value="${v.csrf}" /><input
      type="hidden"
      name="interaction"
      value="${v.interactionId}"
    />`;
}

/** The user's own account page: every live sign-in, its apps, and the ways to end them. */
export function accountPage(v: AccountView): SafeHtml {
  return page({
    base: v.base,
    title: 'Your sign-ins',
    body: html`<h1>Your sign-ins</h1>
      <p class="lede">
        Signed in as <strong>${v.userName}</strong>. These are the browsers and devices where you are signed
        in, and the apps using each.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Apps</th>
            <th scope="col">Activity</th>
            <th scope="col"><span class="sr-only">Action</span></th>
          </tr>
        </thead>
        <tbody>
          ${v.sessions.map(
            (s) =>
              html`<tr data-sid="${s.sid}">
                <td>
                  ${deviceLabel(s.user_agent)}${s.current ? html` <span class="tag">This device</span>` : ''}<br /><span
                    class="note"
                    >${s.ip ?? ''}${s.remember_me ? ' · kept signed in' : ''}</span
                  >
                </td>
                <td>
                  ${s.clients.length ? s.clients.map((c) => html`${c.client_name}<br />`) : html`<span class="note">none yet</span>`}
                </td>
                <td>
                  <span class="note"
                    >since ${when(s.created_at)}<br />last active ${when(s.last_active_at)}<br />expires
                    ${when(s.expires_at)}</span
                  >
                </td>
                <td>
                  ${
                    s.current
                      ? html`<form method="post" action="${v.base}/account/logout">
                          ${hidden(v)}<button type="submit">Sign out this device</button>
                        </form>`
                      : html`<form method="post" action="${v.base}/account/sessions/logout">
                          ${hidden(v)}<input type="hidden" name="sid" value="${s.sid}" /><button
                            type="submit"
                          >
                            Sign out
                          </button>
                        </form>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <form method="post" action="${v.base}/account/logout-everywhere">
        ${hidden(v)}
        <div class="actions"><button type="submit" class="primary">Sign out everywhere</button></div>
      </form>
      <p class="note">
        Signing out tells every app that uses that sign-in, and shows you which ones confirmed.
      </p>
      <p class="note"><a href="${v.base}/account/password">Change your password</a></p>`,
    wide: true,
  });
}
