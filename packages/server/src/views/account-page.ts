import { html, page, type SafeHtml } from './index.js';
import type { BrowserAccountView, SessionView } from '../protocol/management.js';
import type { FactorView } from '../mfa/second-factors.js';

export interface AccountView {
  base: string;
  userName: string;
  csrf: string;
  interactionId: string;
  /** Every account signed in on this browser, current first (issue 19). */
  accounts: BrowserAccountView[];
  sessions: SessionView[];
  /** Second factors (docs/mfa.md). */
  twoStep: { factors: FactorView[]; recoveryCodesLeft: number; passkeys: boolean };
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
      ${browserAccounts(v)}
      <h2 id="devices">${v.userName}'s devices</h2>
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
                  >${s.connection ? html`<br /><span class="note">signed in through ${s.connection.name}</span>` : ''}
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
      <p class="note"><a href="${v.base}/account/password">Change your password</a></p>
      ${twoStepSection(v)}`,
    wide: true,
  });
}

/**
 * Every account signed in on this browser (issue 19), each with its apps and its own "Sign out": only that
 * account's session ends, the others stay.
 */
function browserAccounts(v: AccountView) {
  return html`<section aria-labelledby="this-browser" data-adieu="browser-accounts">
    <h2 id="this-browser">Signed in on this browser</h2>
    <ul class="accounts">
      ${v.accounts.map(
        (a) =>
          html`<li class="account-row" data-account="${a.username}">
            <span class="account-who">
              <span class="account-name"
                >${a.name}${a.current ? html` <span class="tag">In use</span>` : ''}</span
              >
              <span class="account-username">${a.username}</span>
              <span class="account-apps"
                >${a.apps.length ? `Apps: ${a.apps.join(', ')}` : 'No apps use it right now'}</span
              >
            </span>
            <form method="post" action="${v.base}/account/accounts/logout">
              ${hidden(v)}<input type="hidden" name="account" value="${a.value}" />
              <button type="submit" data-adieu="sign-out-account">
                Sign out<span class="sr-only"> ${a.name}</span>
              </button>
            </form>
          </li>`,
      )}
    </ul>
    <p class="note">Signing out one account here leaves the others signed in; only its apps are told.</p>
  </section>`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const kindNote = (f: FactorView) =>
  f.kind === 'totp' ? 'authenticator app' : f.synced ? 'passkey, synced' : 'passkey, this device only';

function twoStepNote(factors: readonly FactorView[], left: number): string {
  const passkey = factors.some((f) => f.kind === 'passkey');
  return `After your password, you confirm each sign-in with one of these${
    passkey ? '; a passkey also signs you in without one' : ''
  }. ${left} ${left === 1 ? 'recovery code is' : 'recovery codes are'} left.`;
}

/**
 * Two-step sign-in: the user's factors, each with "Remove", and ways to add an authenticator app or (where the
 * issuer allows them) a passkey.
 */
function twoStepSection(v: AccountView) {
  const { factors, recoveryCodesLeft, passkeys } = v.twoStep;
  const hasTotp = factors.some((f) => f.kind === 'totp');
  return html`<h2 id="two-step">Two-step sign-in and passkeys</h2>
    ${
      factors.length
        ? html`<p class="note">${twoStepNote(factors, recoveryCodesLeft)}</p>
            <ul class="apps" data-adieu="factors">
              ${factors.map(
                (f) =>
                  html`<li data-factor="${f.id}" data-kind="${f.kind}">
                    <span
                      >${f.label}<br /><span class="note"
                        >${kindNote(f)}, added
                        ${day(f.createdAt)}${f.lastUsedAt ? `, last used ${day(f.lastUsedAt)}` : ''}</span
                      ></span
                    >
                    <form method="post" action="${v.base}/account/two-step/remove">
                      ${hidden(v)}<input type="hidden" name="factor" value="${f.id}" /><button
                        type="submit"
                        aria-label="Remove ${f.label}"
                      >
                        Remove
                      </button>
                    </form>
                  </li>`,
              )}
            </ul>
            <p class="note">
              Removing one signs you out on every other device, and asks you to sign in again first if your
              sign-in here is not recent.
            </p>`
        : html`<p class="note">
            Off. Add a code from your phone to every sign-in, so a stolen password is not
            enough${passkeys ? ', or a passkey, which signs you in without a password' : ''}.
          </p>`
    }
    <p class="links">
      <a class="button" href="${v.base}/account/two-step/totp"
        >${hasTotp ? 'Add another authenticator app' : 'Set up an authenticator app'}</a
      >
      ${passkeys ? html`<a class="button" href="${v.base}/account/two-step/passkey">Add a passkey</a>` : ''}
    </p>`;
}
