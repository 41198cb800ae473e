import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

export interface ConnectionChoice {
  id: string;
  name: string;
}

/**
 * "Continue with …" buttons beside the password form: their own form, so the password form keeps exactly one
 * submit button (CONTRACT.md). Each is `button[name=connection][value=<id>]`.
 */
export function connectionButtons(
  action: string,
  csrf: string,
  choices: readonly ConnectionChoice[],
): SafeHtml {
  if (choices.length === 0) return html``;
  return html`<form method="post" action="${action}" class="connections" aria-label="Other ways to sign in">
    <input type="hidden" name="csrf" value="${csrf}" />
    ${choices.map(
      (c) =>
        html`<button type="submit" name="connection" value="${c.id}" class="connection">
          Continue with ${c.name}
        </button>`,
    )}
  </form>`;
}

export interface LinkView {
  base: string;
  action: string;
  csrf: string;
  connectionName: string;
  username: string;
  email: string;
  error?: string | undefined;
}

/**
 * The upstream says this email is verified and an account with it exists: linking needs proof that the person
 * owns that account too, never a silent merge.
 */
export function linkAccountPage(v: LinkView): SafeHtml {
  const invalid = v.error ? html` aria-invalid="true" aria-describedby="link-error"` : '';
  return page({
    base: v.base,
    title: 'Link your account',
    body: html`<h1>You already have an account</h1>
      <p class="lede">
        An account with <strong>${v.email}</strong> exists. To sign in with ${v.connectionName} from now on,
        confirm it is yours with its password once.
      </p>
      ${v.error ? html`<div class="error" id="link-error" role="alert">${v.error}</div>` : ''}
      <form method="post" action="${v.action}" novalidate>
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <label for="username">Username</label>
        <input type="text" id="username" name="username" value="${v.username}" readonly />
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          autofocus${invalid}
        />
        <div class="actions"><button type="submit" class="primary">Link and continue</button></div>
      </form>
      <p class="note">Not yours? Close this page; nothing was linked or created.</p>`,
  });
}

/**
 * The upstream could not be reached to end its session: say so, and never trap the person there. Our own
 * sign-out is complete either way.
 */
export function upstreamUnreachablePage(base: string, connectionName: string, next: string): SafeHtml {
  return page({
    base,
    title: `${connectionName} did not answer`,
    body: html`<h1>You are signed out here</h1>
      <p class="lede" role="alert">
        ${connectionName} did not answer, so you may still be signed in there. On a shared computer, sign out
        at ${connectionName} yourself or close the browser.
      </p>
      <div class="actions"><a class="button primary" href="${next}">Continue</a></div>`,
  });
}

/** An upstream sign-in that failed: name the connection and say what the person can do. */
export function upstreamErrorPage(base: string, connectionName: string, message: string): SafeHtml {
  return page({
    base,
    title: `Sign-in with ${connectionName} failed`,
    body: html`<h1>Sign-in with ${connectionName} did not work</h1>
      <p role="alert">${message}.</p>
      <p class="note">
        Nothing was created. Go back to the application and try again, or choose another way to sign in.
      </p>`,
  });
}
