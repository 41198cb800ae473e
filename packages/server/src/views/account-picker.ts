import { html, page, type SafeHtml } from './index.js';

/** One account of the browser on a picker: the value its button sends is the account's opaque login hint. */
export interface PickerAccount {
  value: string;
  name: string;
  username: string;
}

/** One button per account: a real button (keyboard, screen reader), its name and username as its label. */
function accountButtons(accounts: readonly PickerAccount[]): SafeHtml {
  return html`<ul class="accounts">
    ${accounts.map(
      (a) =>
        html`<li>
          <button type="submit" name="account" value="${a.value}" class="account">
            <span class="account-name">${a.name}</span>
            <span class="account-username">${a.username}</span>
          </button>
        </li>`,
    )}
  </ul>`;
}

export interface AccountPickerView {
  base: string;
  action: string;
  csrf: string;
  clientName: string;
  accounts: readonly PickerAccount[];
  /** The login page of the same request, to add an account. */
  anotherUrl: string;
  cancelUrl: string;
  error?: string | undefined;
  lang?: string | undefined;
}

/** prompt=select_account, or several accounts and no hint: which one continues to the app (issue 19). */
export function accountPickerPage(v: AccountPickerView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Choose an account',
    body: html`<h1>Choose an account</h1>
      <p class="lede">to continue to <strong>${v.clientName}</strong></p>
      ${v.error ? html`<div class="error" role="alert">${v.error}</div>` : ''}
      <form method="post" action="${v.action}" aria-label="Signed-in accounts">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        ${accountButtons(v.accounts)}
      </form>
      <p><a href="${v.anotherUrl}" class="button" data-adieu="another-account">Use another account</a></p>
      <p class="note"><a href="${v.cancelUrl}">Cancel and return to the app</a></p>`,
  });
}

export interface LogoutChooserView {
  base: string;
  interactionId: string;
  csrf: string;
  accounts: readonly (PickerAccount & { apps: readonly string[] })[];
  lang?: string | undefined;
}

/**
 * end_session without a hint while several accounts are signed in here (issue 19): which one to sign out, or
 * all. A form with the CSRF token of a stored interaction, so another site cannot pick for the user.
 */
export function logoutChooserPage(v: LogoutChooserView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Which account do you want to sign out?',
    body: html`<h1>Sign out</h1>
      <p class="lede">Several accounts are signed in on this device. Which one do you want to sign out?</p>
      <form method="post" action="${v.base}/end_session/confirm" aria-label="Accounts to sign out">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <input type="hidden" name="interaction" value="${v.interactionId}" />
        <input type="hidden" name="confirm" value="yes" />
        <ul class="accounts">
          ${v.accounts.map(
            (a) =>
              html`<li>
                <button type="submit" name="account" value="${a.value}" class="account">
                  <span class="account-name">${a.name}</span>
                  <span class="account-username">${a.username}</span>
                  <span class="account-apps"
                    >${a.apps.length ? `Also signs out of: ${a.apps.join(', ')}` : 'No apps use it right now'}</span
                  >
                </button>
              </li>`,
          )}
        </ul>
        <div class="actions">
          <button type="submit" name="account" value="all" class="primary" data-adieu="all-accounts">
            Sign out of all accounts
          </button>
        </div>
      </form>
      <form method="post" action="${v.base}/end_session/confirm">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <input type="hidden" name="interaction" value="${v.interactionId}" />
        <div class="actions"><button type="submit" name="confirm" value="no">Stay signed in</button></div>
      </form>`,
  });
}
