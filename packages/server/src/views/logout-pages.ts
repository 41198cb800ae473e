import { html, jsonForScript, page, raw, type SafeHtml } from './index.js';
import type { LogoutReport, ParticipantReport } from '../logout/report.js';
import { upstreamText } from '../logout/receipt.js';
import { accountName, stillSignedInText } from '../logout/report-text.js';

export interface ConfirmView {
  base: string;
  csrf: string;
  interactionId: string;
  userName: string;
  apps: string[];
  lang?: string | undefined;
}

/** Logout confirmation: who is signing out and which apps will forget them. The contract relies on the button. */
export function confirmLogoutPage(v: ConfirmView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Sign out?',
    body: html`<h1>Sign out?</h1>
      <p class="lede">You are signed in as <strong>${v.userName}</strong>.</p>
      ${
        v.apps.length
          ? html`<p>Signing out will also sign you out of:</p>
              <ul class="apps">
                ${v.apps.map((a) => html`<li>${a}</li>`)}
              </ul>`
          : html`<p>No applications are using this sign-in right now.</p>`
      }
      <form method="post" action="${v.base}/end_session/confirm">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <input type="hidden" name="interaction" value="${v.interactionId}" />
        <div class="actions">
          <button type="submit" name="confirm" value="yes" class="primary">Sign out</button>
          <button type="submit" name="confirm" value="no">Stay signed in</button>
        </div>
      </form>`,
  });
}

const SIGNED_OUT_TEXT: Record<ParticipantReport['signed_out'], string> = {
  confirmed: 'Signed out',
  pending: 'Being notified…',
  told: 'Told',
  not_confirmed: 'Not confirmed',
};

/** One line per app: the truthful status, and what each channel said. Shared by the live and the final page. */
export function participantList(report: LogoutReport | undefined): SafeHtml {
  if (!report || report.participants.length === 0) {
    return html`<p>No applications had used this sign-in.</p>`;
  }
  return html`<ul class="apps" id="apps">
    ${report.participants.map(
      (p) =>
        html`<li data-client="${p.client_id}">
          <span><strong>${p.client_name}</strong><span class="channels">${p.text}</span></span>
          <span class="status ${p.signed_out}">${SIGNED_OUT_TEXT[p.signed_out]}</span>
        </li>`,
    )}
  </ul>`;
}

const notConfirmedNote = (show: boolean) =>
  html`<p class="note" id="not-confirmed-note" ${show ? '' : raw('hidden')}>
    "Told" means the app's sign-out page opened in this browser but the app did not confirm it. "Not
    confirmed" means the app did not answer in time, or gave the provider no way to tell it. Either way its
    access was revoked at the provider: it cannot renew your sign-in, and any app that can be told keeps being
    told in the background.
  </p>`;

/** Why the browser stays here instead of going back to the app that asked (an unusable redirect URI). */
const redirectNote = (note: string | undefined) =>
  note ? html`<p class="note" id="redirect-note">${note}</p>` : '';

const unconfirmed = (r: LogoutReport) => r.participants.some((p) => p.signed_out !== 'confirmed');

/** What became of the session at the upstream provider the person signed in through, when there was one. */
function upstreamList(report: LogoutReport | undefined): SafeHtml {
  const u = report?.upstream;
  if (!u) return UPSTREAM_NOTE;
  const cls = u.status === 'ended' ? 'confirmed' : u.status === 'pending' ? 'pending' : 'not_confirmed';
  return html`<ul class="apps upstream" id="upstream">
    <li data-upstream="${u.connection_id}">
      <span><strong>${u.name}</strong><span class="channels">${upstreamText(u)}</span></span>
      <span class="status ${cls}"
        >${u.status === 'ended' ? 'Signed out' : u.status === 'pending' ? 'Next' : 'Still signed in?'}</span
      >
    </li>
  </ul>`;
}

const UPSTREAM_NOTE = html`<p class="note">
  If you signed in through another service (your company or a social account), you may still be signed in
  there.
</p>`;

export interface ReceiptSection {
  /** Heading for this logout, e.g. "This device" or "Firefox on Windows, signed in 3 days ago". */
  title?: string | undefined;
  logoutId: string;
  report: LogoutReport;
}

export interface ReceiptView {
  base: string;
  sections: ReceiptSection[];
  /** Front-channel iframes: only for the logout of the session of this very browser. */
  frames: { clientId: string; url: string; origin: string; resultsUrl: string }[];
  config: Record<string, unknown>;
  doneUrl: string;
  refreshSeconds: number;
  nonce: string;
  lang?: string | undefined;
  /** Why the browser will not go back to the app (shown once, above the apps). */
  redirectNote?: string | undefined;
  /** The browser goes on by itself once the receipt is ready (to the app, or the upstream's sign-out). */
  continues: boolean;
  /** Who was signed out, named when other accounts stay signed in here (issue 19). */
  account?: string | undefined;
  /** The other device whose sign-in ended (the person stays signed in on this one). */
  device?: string | undefined;
  /** "Bob is still signed in on this browser.", or empty. */
  stillSignedIn?: string | undefined;
}

/** The line naming the accounts that stay signed in here; kept (hidden) when empty so the page can fill it. */
const stillSignedInLine = (text: string | undefined) =>
  html`<p class="lede" data-adieu="still-signed-in" ${text ? '' : raw('hidden')}>${text ?? ''}</p>`;

/** Whose sign-out the receipt shows: one of this browser's accounts or another device, by name; else "you". */
const receiptHeading = (v: ReceiptView) => {
  const named = v.account || v.device;
  return named ? `Signing out ${named}…` : 'Signing you out…';
};

const receiptLede = (v: ReceiptView) =>
  v.device
    ? 'That sign-in has ended. Telling its apps now.'
    : `${v.account ? 'This sign-in has ended' : 'Your sign-in has ended'}. Telling your apps now.`;

/**
 * The logout receipt, live: one hidden iframe per front-channel participant, all at once, and the status of
 * every app. With scripts it updates itself and moves on when the provider says it may; without scripts the
 * meta refresh takes the browser to the final page after the front-channel deadline.
 */
export function receiptPage(v: ReceiptView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Signing out',
    // Without scripts nothing updates the page: the refresh takes the browser to the final page after the
    // front-channel deadline. With scripts the page itself decides (and stays when it is the last page).
    // The script is in <head> and not deferred so that it listens before any frame exists (see logout.js).
    head: html`<noscript
        ><meta http-equiv="refresh" content="${v.refreshSeconds};url=${v.doneUrl}"
      /></noscript>
      <script src="${v.base}/assets/logout.js" nonce="${v.nonce}"></script>`,
    body: html`<h1 id="title">${receiptHeading(v)}</h1>
      <p class="lede" role="status" aria-live="polite" id="summary">${receiptLede(v)}</p>
      ${stillSignedInLine(v.stillSignedIn || (v.device ? 'You stay signed in on this device.' : undefined))}
      ${redirectNote(v.redirectNote)}
      ${v.sections.map(
        (s) =>
          html`<section data-logout="${s.logoutId}">
            ${s.title ? html`<h2>${s.title}</h2>` : ''}${participantList(s.report)}
          </section>`,
      )}
      ${notConfirmedNote(v.sections.some((s) => unconfirmed(s.report)))}
      ${upstreamList(v.sections[0]?.report)}
      <p class="note">
        <span id="countdown" aria-live="polite" hidden></span>
        <a href="${v.doneUrl}" id="done-link">${v.continues ? 'Continue now' : 'Continue'}</a>
      </p>
      <div class="frames" aria-hidden="true">
        ${v.frames.map(
          (f) =>
            html`<iframe
              title="sign-out of ${f.clientId}"
              data-client="${f.clientId}"
              data-results="${f.resultsUrl}"
              data-origin="${f.origin}"
              src="${f.url}"
              tabindex="-1"
            ></iframe>`,
        )}
      </div>
      <script type="application/json" id="adieu-logout">
        ${jsonForScript(v.config)}
      </script>`,
  });
}

/** The final page when no app asked to be returned to. */
export function signedOutPage(
  base: string,
  report: LogoutReport | undefined,
  lang?: string,
  note?: string,
  stillSignedIn: readonly string[] = [],
): SafeHtml {
  const account = stillSignedIn.length ? accountName(report?.user ?? null) : undefined;
  return page({
    base,
    lang,
    title: 'Signed out',
    body: html`<h1>${account ? `Signed out ${account}` : 'You are signed out'}</h1>
      <p class="lede">
        ${report?.user ? html`<strong>${report.user.name ?? report.user.username}</strong> is no longer signed in on this browser.` : 'There is no sign-in on this browser.'}
      </p>
      ${stillSignedIn.length ? stillSignedInLine(stillSignedInText(stillSignedIn)) : ''} ${redirectNote(note)}
      ${report ? participantList(report) : ''} ${report ? notConfirmedNote(unconfirmed(report)) : ''}
      ${upstreamList(report)}
      <p class="note">You can close this window.</p>`,
  });
}

export function stillSignedInPage(base: string, userName: string): SafeHtml {
  return page({
    base,
    title: 'Still signed in',
    body: html`<h1>You are still signed in</h1>
      <p class="lede">
        Nothing was changed: <strong>${userName}</strong> is still signed in at the provider, so apps can sign
        you in again without a password.
      </p>
      <p class="note">You can close this window.</p>`,
  });
}
