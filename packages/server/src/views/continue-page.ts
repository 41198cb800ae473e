import { html, page, type SafeHtml } from './index.js';

export interface ContinueAsView {
  base: string;
  clientName: string;
  /** The account the request would continue as. */
  name: string;
  username: string;
  csrf: string;
  /** POST: continue at once (the button). */
  continueAction: string;
  /** GET with the CSRF token: where the page goes by itself (script, or the refresh without scripts). */
  continueUrl: string;
  /** The login page of the same request: signing in adds an account. */
  anotherUrl: string;
  /** POST: sign this account out (the one logout path), then sign in. */
  signOutAction: string;
  seconds: number;
  nonce: string;
  lang?: string | undefined;
}

/**
 * Issue 19 point 6: an app that already had this account comes back (its own sign-in ended, the provider's did
 * not). Before it gets a code, the page names the account, so the next person at this browser sees whose it is
 * and can take another account or sign this one out. It goes on by itself after a visible countdown (a script
 * file, or the refresh without scripts), or at once on "Continue".
 */
export function continueAsPage(v: ContinueAsView): SafeHtml {
  return page({
    base: v.base,
    lang: v.lang,
    title: `Continuing as ${v.name}`,
    head: html`<noscript
      ><meta http-equiv="refresh" content="${v.seconds};url=${v.continueUrl}"
    /></noscript>`,
    body: html`<h1 data-adieu="continuing">Continuing as ${v.name} (${v.username})…</h1>
      <p class="lede">to <strong>${v.clientName}</strong></p>
      <p class="note" id="countdown" data-seconds="${v.seconds}" data-url="${v.continueUrl}">
        Continuing in ${v.seconds} seconds.
      </p>
      <form method="post" action="${v.continueAction}">
        <input type="hidden" name="csrf" value="${v.csrf}" />
        <div class="actions">
          <button type="submit" class="primary" data-adieu="continue">Continue as ${v.name}</button>
        </div>
      </form>
      <section class="not-you" aria-labelledby="not-you" data-adieu="not-you">
        <h2 id="not-you">Not you?</h2>
        <div class="actions">
          <a href="${v.anotherUrl}" class="button" data-adieu="another-account">Use another account</a>
          <form method="post" action="${v.signOutAction}">
            <input type="hidden" name="csrf" value="${v.csrf}" />
            <button type="submit" data-adieu="sign-out">Sign out ${v.name}</button>
          </form>
        </div>
      </section>
      <script src="${v.base}/assets/continue.js" nonce="${v.nonce}" defer></script>`,
  });
}
