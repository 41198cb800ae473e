import { html, page, type SafeHtml } from './index.js';

const errorBox = (error: string | undefined) =>
  error ? html`<div class="error" id="code-error" role="alert">${error}</div>` : '';
const invalid = (error: string | undefined) =>
  error ? html` aria-invalid="true" aria-describedby="code-error"` : '';

/** The one-time-code field: digits from an app, or a recovery code (letters and a dash). */
function codeField(label: string, error: string | undefined) {
  return html`<label for="code">${label}</label>
    <input
      type="text"
      id="code"
      name="code"
      autocomplete="one-time-code"
      autocapitalize="none"
      spellcheck="false"
      maxlength="40"
      required
      autofocus${invalid(error)}
    />`;
}

export interface SecondFactorView {
  base: string;
  action: string;
  csrf: string;
  clientName: string;
  cancelUrl: string;
  error?: string | undefined;
  /** A step-up: the user is signed in already and only the app asks for more. */
  stepUp?: boolean | undefined;
}

/** The second step of a sign-in (or a step-up): a code from the authenticator app, or a recovery code. */
export function secondFactorPage(v: SecondFactorView): SafeHtml {
  return page({
    base: v.base,
    title: 'Two-step sign-in',
    body: html`<h1>Two-step sign-in</h1>
      <p class="lede">
        ${
          v.stepUp
            ? html`<strong>${v.clientName}</strong> asks you to confirm it is you.`
            : html`to continue to <strong>${v.clientName}</strong>.`
        }
        Open your authenticator app and enter the code it shows for this account.
      </p>
      ${errorBox(v.error)}
      <form method="post" action="${v.action}" novalidate>
        <input type="hidden" name="csrf" value="${v.csrf}" />
        ${codeField('Code', v.error)}
        <p class="note">No phone? Enter one of your recovery codes instead.</p>
        <div class="actions"><button type="submit" class="primary">Continue</button></div>
      </form>
      <p class="note"><a href="${v.cancelUrl}">Cancel and return to the app</a></p>`,
  });
}

export interface TotpEnrolView {
  base: string;
  action: string;
  csrf: string;
  /** The otpauth:// URI's QR code (SVG) and the same secret as text, for typing in. */
  qrSvg: string;
  secret: string;
  /** Why the user is here: set-up from the account page, or an app that requires a second factor. */
  lede: string;
  error?: string | undefined;
  cancelUrl: string;
  /** For the account page form: its interaction id field. */
  hidden?: Record<string, string> | undefined;
}

/** Set up an authenticator app: scan or type the secret, then prove it with one code. */
export function totpEnrolPage(v: TotpEnrolView): SafeHtml {
  const qr = `data:image/svg+xml;base64,${Buffer.from(v.qrSvg).toString('base64')}`;
  return page({
    base: v.base,
    title: 'Set up two-step sign-in',
    body: html`<h1>Set up two-step sign-in</h1>
      <p class="lede">${v.lede}</p>
      ${errorBox(v.error)}
      <ol>
        <li>
          Scan this code with an authenticator app (for example Google Authenticator, Microsoft Authenticator,
          1Password or Aegis).
          <img
            class="qr"
            src="${qr}"
            alt="QR code to scan with your authenticator app"
            width="192"
            height="192"
          />
        </li>
        <li>
          Can't scan it? Type this key into the app instead:<br /><code
            class="secret"
            data-adieu="totp-secret"
            >${v.secret.replace(/(.{4})/g, '$1 ').trim()}</code
          >
        </li>
        <li>Enter the 6-digit code the app shows.</li>
      </ol>
      <form method="post" action="${v.action}" novalidate>
        <input type="hidden" name="csrf" value="${v.csrf}" />
        ${Object.entries(v.hidden ?? {}).map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}" />`)}
        ${codeField('Code from the app', v.error)}
        <div class="actions"><button type="submit" class="primary">Turn on</button></div>
      </form>
      <p class="note"><a href="${v.cancelUrl}">Cancel</a></p>`,
  });
}

export interface RecoveryCodesView {
  base: string;
  codes: readonly string[];
  /** Where to go on: a form (continue the sign-in) or a link (back to the account page). */
  next: { action: string; csrf: string } | { href: string; label: string };
}

/** The recovery codes, shown this once. */
export function recoveryCodesPage(v: RecoveryCodesView): SafeHtml {
  return page({
    base: v.base,
    title: 'Save your recovery codes',
    body: html`<h1>Two-step sign-in is on</h1>
      <p class="lede">
        Save these recovery codes somewhere safe. Each one works once, in place of a code from your app, if
        you lose your phone. They are shown only now.
      </p>
      ${
        v.codes.length
          ? html`<ul class="codes" data-adieu="recovery-codes">
              ${v.codes.map((c) => html`<li>${c}</li>`)}
            </ul>`
          : html`<p class="note">Your recovery codes were shown on the previous page, once.</p>`
      }
      ${
        'action' in v.next
          ? html`<form method="post" action="${v.next.action}">
              <input type="hidden" name="csrf" value="${v.next.csrf}" />
              <div class="actions">
                <button type="submit" class="primary">I saved them, continue</button>
              </div>
            </form>`
          : html`<p><a class="button primary" href="${v.next.href}">${v.next.label}</a></p>`
      }`,
  });
}
