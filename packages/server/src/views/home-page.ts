import { html, page, type SafeHtml } from './index.js';

export interface HomeView {
  base: string;
  issuer: string;
}

/**
 * What a person who opens the provider's address sees: what this is and where to go. It names no users and no
 * clients, so it tells a stranger nothing the discovery document does not.
 */
export function homePage(v: HomeView): SafeHtml {
  return page({
    base: v.base,
    title: 'Sign-in service',
    body: html`<h1>Sign-in service</h1>
      <p class="lede">
        This is an OpenID Connect provider. Applications send you here to sign in; there is nothing to do on
        this page itself.
      </p>
      <ul class="apps">
        <li>
          <a href="${v.base}/account">Your account</a>: the devices you are signed in on, and signing out
          everywhere.
        </li>
        <li>
          <a href="${v.base}/.well-known/openid-configuration">Discovery document</a>, for developers: issuer
          <code>${v.issuer}</code>.
        </li>
      </ul>`,
  });
}
