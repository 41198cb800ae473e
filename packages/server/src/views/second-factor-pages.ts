import { html, page, type SafeHtml } from './index.js';
import { passkeyForm, type PasskeyFormView } from './passkey-form.js';

const errorBox = (error: string | undefined) =>
  error ? html`<div class="error" id="code-error" role="alert">${error}</div>` : '';
const invalid = (error: string | undefined) =>
  error ? html` aria-invalid="true" aria-describedby="code-error"` : '';

/** The one-time-code field: digits from an app, or a recovery code (letters and a dash). */
function codeField(label: string, error: string | undefined, autofocus = true) {
  return html`<label for="code">${label}</label>
    <input
      type="text"
      id="code"
      name="code"
      autocomplete="one-time-code"
      autocapitalize="none"
      spellcheck="false"
      maxlength="40"
      required${autofocus ? html` autofocus` : ''}${invalid(error)}
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
  /** "Use your passkey", for a user who has one. */
  passkey?: PasskeyFormView | undefined;
  /** What the code field takes: a code from the app or a recovery code, only a recovery code, or no field. */
  codes: 'totp' | 'recovery' | 'none';
}

/** The second step of a sign-in (or a step-up): a passkey, a code from the authenticator app, or a recovery code. */
export function secondFactorPage(v: SecondFactorView): SafeHtml {
  const how =
    v.passkey && v.codes === 'totp'
      ? 'Use your passkey, or enter the code your authenticator app shows for this account.'
      : v.passkey
        ? 'Use your passkey.'
        : 'Open your authenticator app and enter the code it shows for this account.';
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
        ${how}
      </p>
      ${errorBox(v.error)} ${v.passkey ? passkeyForm(v.passkey) : ''}
      ${
        v.codes === 'none'
          ? ''
          : html`<form
              method="post"
              action="${v.action}"
              class="${v.passkey ? 'after-passkey' : ''}"
              novalidate
            >
              <input type="hidden" name="csrf" value="${v.csrf}" />
              ${codeField(v.codes === 'totp' ? 'Code' : 'Recovery code', v.error, !v.passkey)}
              <p class="note">
                ${
                  v.codes === 'totp'
                    ? 'No phone? Enter one of your recovery codes instead.'
                    : 'Lost your passkey? Enter one of your recovery codes.'
                }
              </p>
              <div class="actions">
                <button type="submit" class="${v.passkey ? '' : 'primary'}">Continue</button>
              </div>
            </form>`
      }
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
  /**
   * "Add a passkey" instead of the app (a sign-in that must set up a factor, where the issuer allows passkeys):
   * a registration form, shown only to a browser that can make one.
   */
  passkey?: Omit<PasskeyFormView, 'fields' | 'label' | 'ceremony' | 'separated'> | undefined;
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
      ${
        v.passkey
          ? passkeyForm({
              ...v.passkey,
              ceremony: 'register',
              label: 'Add a passkey',
              separated: true,
              fields: html`<h2>Or add a passkey</h2>
                <p class="note">
                  Instead of the app: your fingerprint, face or screen lock, on this device. It also signs you
                  in without a password.
                </p>`,
            })
          : ''
      }
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
        Save these recovery codes somewhere safe. Each one works once, in place of your app's code or your
        passkey, if you lose your phone or device. They are shown only now.
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

export interface PasskeyEnrolView {
  base: string;
  /** The passkey form (a registration ceremony), with the name field. */
  passkey: Omit<PasskeyFormView, 'fields' | 'label' | 'ceremony'>;
  /** The name offered for the new passkey (this browser, e.g. "Chrome on macOS"). */
  suggestedName: string;
  error?: string | undefined;
  cancelUrl: string;
}

/** Add a passkey on the account page: name it, then the browser asks for the fingerprint, face or PIN. */
export function passkeyEnrolPage(v: PasskeyEnrolView): SafeHtml {
  return page({
    base: v.base,
    title: 'Add a passkey',
    body: html`<h1>Add a passkey</h1>
      <p class="lede">
        A passkey signs you in with your fingerprint, face or screen lock instead of a password, and only ever
        works on this site, so it cannot be phished. It also serves as your second step after a password.
      </p>
      ${errorBox(v.error)}
      <p class="note" data-adieu="passkey-unsupported">
        This browser cannot create passkeys (it needs JavaScript and passkey support).
      </p>
      ${passkeyForm({
        ...v.passkey,
        ceremony: 'register',
        label: 'Create a passkey',
        primary: true,
        fields: html`<label for="passkey-name">Name</label>
          <input
            type="text"
            id="passkey-name"
            name="name"
            value="${v.suggestedName}"
            maxlength="60"
            autocomplete="off"
          />
          <p class="note">To tell your passkeys apart on your account page.</p>`,
      })}
      <p class="note"><a href="${v.cancelUrl}">Cancel</a></p>`,
  });
}
