import { html, page, type SafeHtml } from './index.js';
import type { PasswordPolicy } from '../domain/password-policy.js';

/** A field-level problem: the message is shown above the form and tied to its field. */
export interface FieldError {
  field: string;
  message: string;
}

interface FormBase {
  base: string;
  action: string;
  csrf?: string | undefined;
  error?: FieldError | undefined;
}

/** Attributes that mark a field invalid and point at the message, when the error is about this field. */
function invalid(e: FieldError | undefined, field: string) {
  return e?.field === field ? html` aria-invalid="true" aria-describedby="form-error"` : '';
}

function errorBox(e: FieldError | undefined) {
  return e ? html`<div class="error" id="form-error" role="alert">${e.message}</div>` : '';
}

const csrfField = (csrf: string | undefined) =>
  csrf ? html`<input type="hidden" name="csrf" value="${csrf}" />` : '';

/** The email field of the forms that start from an address (forgot password, sign-up); it takes the focus. */
function emailField(value: string | undefined, e: FieldError | undefined) {
  return html`<label for="email">Email</label>
    <input
      type="email"
      id="email"
      name="email"
      value="${value ?? ''}"
      autocomplete="email"
      autocapitalize="none"
      spellcheck="false"
      required
      autofocus${invalid(e, 'email')}
    />`;
}

function policyHint(policy: PasswordPolicy) {
  return html`<p class="note" id="password-hint">
    At least ${policy.minLength} characters. Long phrases are good; commonly used passwords are refused.
  </p>`;
}

function newPasswordFields(e: FieldError | undefined, policy: PasswordPolicy) {
  return html`<label for="password">New password</label>
    <input
      type="password"
      id="password"
      name="password"
      autocomplete="new-password"
      minlength="${policy.minLength}"
      maxlength="${policy.maxLength}"
      required
      aria-describedby="password-hint"
      ${invalid(e, 'password')}
    />
    ${policyHint(policy)}
    <label for="confirm">Repeat the new password</label>
    <input
      type="password"
      id="confirm"
      name="confirm"
      autocomplete="new-password"
      required${invalid(e, 'confirm')}
    />`;
}

export interface ForgotView extends FormBase {
  email?: string | undefined;
  backUrl: string;
}

/** "Forgot password": one email field. */
export function forgotPasswordPage(v: ForgotView): SafeHtml {
  return page({
    base: v.base,
    title: 'Reset your password',
    body: html`<h1>Reset your password</h1>
      <p class="lede">
        Enter the email address of your account. We will send you a link to choose a new password.
      </p>
      ${errorBox(v.error)}
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)} ${emailField(v.email, v.error)}
        <div class="actions"><button type="submit" class="primary">Send the link</button></div>
      </form>
      <p class="note"><a href="${v.backUrl}">Back to sign in</a></p>`,
  });
}

export interface CheckEmailView {
  base: string;
  email: string;
  /** What was sent, in a sentence that does not reveal whether the address has an account. */
  message: string;
  resend?: { action: string; csrf: string } | undefined;
  notice?: string | undefined;
  backUrl: string;
}

/** The same answer for registered and unknown addresses. */
export function checkEmailPage(v: CheckEmailView): SafeHtml {
  return page({
    base: v.base,
    title: 'Check your email',
    body: html`<h1>Check your email</h1>
      <p class="lede">${v.message}</p>
      <p><strong data-adieu="email">${v.email}</strong></p>
      <p class="note">The message may take a minute to arrive. Look in your spam folder too.</p>
      ${v.notice ? html`<div class="notice" role="status">${v.notice}</div>` : ''}
      ${
        v.resend
          ? html`<form method="post" action="${v.resend.action}">
              ${csrfField(v.resend.csrf)}<input type="hidden" name="email" value="${v.email}" />
              <div class="actions"><button type="submit">Send the link again</button></div>
            </form>`
          : ''
      }
      <p class="note"><a href="${v.backUrl}">Back to sign in</a></p>`,
  });
}

export interface SetPasswordView extends FormBase {
  title: string;
  lede: string;
  policy: PasswordPolicy;
  username?: string | undefined;
}

/** The new-password form a reset or invitation link leads to. */
export function setPasswordPage(v: SetPasswordView): SafeHtml {
  return page({
    base: v.base,
    title: v.title,
    body: html`<h1>${v.title}</h1>
      <p class="lede">${v.lede}</p>
      ${errorBox(v.error)}
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)}
        ${
          v.username
            ? html`<input type="text" name="username" value="${v.username}" autocomplete="username" hidden />`
            : ''
        }
        ${newPasswordFields(v.error, v.policy)}
        <div class="actions"><button type="submit" class="primary">Save the new password</button></div>
      </form>`,
  });
}

export interface MessageView {
  base: string;
  title: string;
  message: string;
  links?: { href: string; label: string }[] | undefined;
  alert?: boolean;
}

/** A short result page: what happened and where to go next. */
export function messagePage(v: MessageView): SafeHtml {
  return page({
    base: v.base,
    title: v.title,
    body: html`<h1>${v.title}</h1>
      <p ${v.alert ? html`role="alert"` : html`role="status"`}>${v.message}</p>
      ${(v.links ?? []).map((l) => html`<p><a href="${l.href}">${l.label}</a></p>`)}`,
  });
}

export interface SignupView extends FormBase {
  values: { email?: string | undefined; name?: string | undefined };
  nameMode: 'required' | 'optional' | 'off';
  domains: readonly string[];
  policy: PasswordPolicy;
  backUrl: string;
}

/** Self-service sign-up: email, name (as configured) and a password under the policy. */
export function signupPage(v: SignupView): SafeHtml {
  return page({
    base: v.base,
    title: 'Create your account',
    body: html`<h1>Create your account</h1>
      <p class="lede">
        We will send a link to your email address to confirm
        it.${v.domains.length ? html` Open to addresses at ${v.domains.join(', ')}.` : ''}
      </p>
      ${errorBox(v.error)}
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)} ${emailField(v.values.email, v.error)}
        ${
          v.nameMode === 'off'
            ? ''
            : html`<label for="name"
                  >Name${v.nameMode === 'optional' ? html` <span class="note">(optional)</span>` : ''}</label
                >
                <input
                  type="text"
                  id="name"
                  name="name"
                  value="${v.values.name ?? ''}"
                  autocomplete="name"
                  maxlength="200"
                  ${v.nameMode === 'required' ? html`required` : ''}${invalid(v.error, 'name')}
                />`
        }
        ${newPasswordFields(v.error, v.policy)}
        <div class="actions"><button type="submit" class="primary">Create account</button></div>
      </form>
      <p class="note">Already have an account? <a href="${v.backUrl}">Sign in</a></p>`,
  });
}

export interface ChangePasswordView extends FormBase {
  policy: PasswordPolicy;
  username: string;
}

/** Change the password from the account page: the current one, then the new one twice. */
export function changePasswordPage(v: ChangePasswordView): SafeHtml {
  return page({
    base: v.base,
    title: 'Change your password',
    body: html`<h1>Change your password</h1>
      <p class="lede">
        Every other device signed in to your account will be signed out, and its apps told. This device stays
        signed in.
      </p>
      ${errorBox(v.error)}
      <form method="post" action="${v.action}" novalidate>
        ${csrfField(v.csrf)}
        <input type="text" name="username" value="${v.username}" autocomplete="username" hidden />
        <label for="current">Current password</label>
        <input
          type="password"
          id="current"
          name="current"
          autocomplete="current-password"
          required
          autofocus${invalid(v.error, 'current')}
        />
        ${newPasswordFields(v.error, v.policy)}
        <div class="actions"><button type="submit" class="primary">Change password</button></div>
      </form>
      <p class="note"><a href="${v.base}/account">Back to your sign-ins</a></p>`,
  });
}
