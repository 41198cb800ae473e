import { html, jsonForScript, type SafeHtml } from './index.js';

/** A passkey button and the form its answer is posted with (static/passkey.js runs the WebAuthn ceremony). */
export interface PasskeyFormView {
  base: string;
  action: string;
  /** CSP nonce of this answer: the page loads its two scripts as files, never inline. */
  nonce: string;
  ceremony: 'register' | 'authenticate';
  /** The stored challenge this ceremony's answer names, and the options the browser is given. */
  challengeId: string;
  options: unknown;
  /** Hidden fields of the form (csrf, interaction). */
  hidden: Record<string, string>;
  label: string;
  primary?: boolean | undefined;
  /** A section of its own under another form (a line above it). */
  separated?: boolean | undefined;
  /** More fields shown with the button (the name of a new passkey). */
  fields?: SafeHtml | undefined;
  /**
   * Also offer the passkeys in the username field's autofill (conditional mediation, on the login page whose
   * username field says `autocomplete="username webauthn"`).
   */
  autofill?: boolean | undefined;
}

/**
 * The form is hidden until the script has checked that this browser can do WebAuthn, so a browser without
 * JavaScript or passkeys never sees a button that cannot work. The browser's answer travels in a hidden field of
 * an ordinary form post; the server answers with a page, like every other form here.
 */
export function passkeyForm(v: PasskeyFormView): SafeHtml {
  return html`<form
      method="post"
      action="${v.action}"
      class="${v.separated ? 'passkey separated' : 'passkey'}"
      data-adieu="passkey-form"
      data-ceremony="${v.ceremony}"
      ${v.autofill ? html` data-autofill` : ''}
      hidden
    >
      ${Object.entries({ ...v.hidden, challenge: v.challengeId }).map(
        ([k, val]) => html`<input type="hidden" name="${k}" value="${val}" />`,
      )}
      <input type="hidden" name="response" value="" />
      ${v.fields ?? ''}
      <div class="error" role="alert" data-adieu="passkey-error" hidden></div>
      <button type="button" class="${v.primary ? 'passkey primary' : 'passkey'}" data-adieu="passkey">
        ${v.label}
      </button>
    </form>
    <script type="application/json" id="adieu-passkey">
      ${jsonForScript(v.options)}
    </script>
    <script src="${v.base}/assets/webauthn.js" nonce="${v.nonce}" defer></script>
    <script src="${v.base}/assets/passkey.js" nonce="${v.nonce}" defer></script>`;
}
