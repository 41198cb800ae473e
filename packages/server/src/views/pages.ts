import { html, jsonForScript, page, raw, type SafeHtml } from './index.js';
import { connectionButtons, type ConnectionChoice } from './connection-pages.js';
import { passkeyForm, type PasskeyFormView } from './passkey-form.js';

export interface LoginView {
  base: string;
  action: string;
  csrf: string;
  clientName: string;
  username?: string | undefined;
  error?: string | undefined;
  lang?: string | undefined;
  cancelAction: string;
  /** The password form is offered (the app's `password_login`); without it, only the connections. */
  password: boolean;
  /** Upstream identity providers offered beside the password form. */
  connections?: { action: string; choices: readonly ConnectionChoice[] } | undefined;
  /**
   * After a failed POST: the page's GET address and the CSP nonce. The history entry is rewritten to it, so Back
   * or reload shows the sign-in page again instead of "Confirm form resubmission".
   */
  getAddress?: { url: string; nonce: string } | undefined;
  /** "Forgot password?" (always offered) and "Create account" (when sign-up is open). */
  forgotUrl?: string | undefined;
  signupUrl?: string | undefined;
  /**
   * "Sign in with a passkey" (passwordless), where the issuer allows passkeys; with `autofill`, the username
   * field also offers them (`autocomplete="username webauthn"`).
   */
  passkey?: PasskeyFormView | undefined;
}

/**
 * The sign-in form. Works without JavaScript; labels are tied to inputs; the error is announced (role=alert) and
 * linked to the fields it concerns. The contract relies on input[name=username], input[name=password] and one
 * submit button in this form.
 */
export function loginPage(v: LoginView): SafeHtml {
  const invalid = v.error ? html` aria-invalid="true" aria-describedby="login-error"` : '';
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Sign in',
    ...(v.getAddress
      ? {
          scriptNonce: v.getAddress.nonce,
          script: raw(`history.replaceState(null, '', ${jsonForScript(v.getAddress.url).value})`),
        }
      : {}),
    body: html`<h1>Sign in</h1>
      <p class="lede">to continue to <strong>${v.clientName}</strong></p>
      ${v.error ? html`<div class="error" id="login-error" role="alert">${v.error}</div>` : ''}
      ${v.password ? passwordForm(v, invalid) : ''} ${v.password && v.passkey ? passkeyForm(v.passkey) : ''}
      ${v.connections ? connectionButtons(v.connections.action, v.csrf, v.connections.choices) : ''}
      ${
        !v.password && !v.connections?.choices.length
          ? html`<p role="alert">
              No way to sign in to ${v.clientName} is set up yet. Ask the people who run it.
            </p>`
          : ''
      }
      <p class="note">
        <a href="${v.cancelAction}?csrf=${encodeURIComponent(v.csrf)}">Cancel and return to the app</a>
      </p>`,
  });
}

/** The username and password form, with its links to reset and sign-up (the contract's one submit button). */
function passwordForm(v: LoginView, invalid: SafeHtml | string): SafeHtml {
  return html`<form method="post" action="${v.action}" novalidate>
      <input type="hidden" name="csrf" value="${v.csrf}" />
      <label for="username">Username</label>
      <input
        type="text"
        id="username"
        name="username"
        value="${v.username ?? ''}"
        autocomplete="${v.passkey?.autofill ? 'username webauthn' : 'username'}"
        autocapitalize="none"
        spellcheck="false"
        required
        autofocus${invalid}
      />
      <label for="password">Password</label>
      <input
        type="password"
        id="password"
        name="password"
        autocomplete="current-password"
        required${invalid}
      />
      <label class="check"
        ><input type="checkbox" name="remember" value="yes" /> Keep me signed in on this device</label
      >
      <div class="actions"><button type="submit" class="primary">Sign in</button></div>
    </form>
    <p class="note links">
      ${v.forgotUrl ? html`<a href="${v.forgotUrl}">Forgot password?</a>` : ''}
      ${v.signupUrl ? html`<a href="${v.signupUrl}">Create account</a>` : ''}
    </p>`;
}

export interface ConsentView {
  base: string;
  action: string;
  csrf: string;
  clientName: string;
  username: string;
  scopes: string[];
  lang?: string | undefined;
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it (survives sign-out)',
  account: 'See where you are signed in, sign you out on every device, and change your password',
};

export function consentPage(v: ConsentView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: 'Allow access',
    body: html`<h1>Allow ${v.clientName}?</h1>
      <p class="lede">Signed in as <strong>${v.username}</strong>. ${v.clientName} asks to:</p>
      <ul>
        ${v.scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? s}</li>`)}
      </ul>
      <form method="post" action="${v.action}">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <div class="actions">
          <button type="submit" name="decision" value="allow" class="primary">Allow</button>
          <button type="submit" name="decision" value="deny">Deny</button>
        </div>
      </form>`,
  });
}

/** A readable error page: what happened and what to do, never a stack trace. */
export function errorPage(base: string, title: string, message: string, code?: string): SafeHtml {
  return page({
    base,
    title,
    body: html`<h1>${title}</h1>
      <p role="alert">${message}</p>
      ${code ? html`<p class="note">Error code: <code>${code}</code></p>` : ''}
      <p class="note">You can close this page and start again from the application.</p>`,
  });
}

/** OAuth 2.0 Form Post Response Mode: auto-submits with the page's script, a button when scripts are off. */
export function formPostPage(
  base: string,
  action: string,
  fields: Record<string, string>,
  nonce: string,
): SafeHtml {
  return page({
    base,
    title: 'Continue',
    body: html`<h1>Continuing…</h1>
      <form method="post" action="${action}" id="form-post">
        ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
        <noscript
          ><div class="actions">
            <button type="submit" class="primary">Continue to the app</button>
          </div></noscript
        >
      </form>`,
    scriptNonce: nonce,
    script: html`document.getElementById('form-post').submit();`,
  });
}
