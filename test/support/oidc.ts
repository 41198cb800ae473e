/**
 * Drive the provider with openid-client (a relying-party library nobody here wrote) plus BrowserSession for the
 * user's side of the redirects.
 */
import * as oidc from 'openid-client';
import type { BrowserSession } from './browser-session.js';
import { type Page } from './browser-session.js';

export { oidc };

export interface RpOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** client_secret_basic (default with a secret), client_secret_post, or none. */
  method?: 'client_secret_basic' | 'client_secret_post' | 'none';
  redirectUri: string;
}

export async function discover(o: RpOptions): Promise<oidc.Configuration> {
  const auth =
    o.method === 'client_secret_post'
      ? oidc.ClientSecretPost(o.clientSecret)
      : o.clientSecret && o.method !== 'none'
        ? oidc.ClientSecretBasic(o.clientSecret)
        : oidc.None();
  const options = o.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
  return oidc.discovery(
    new URL(o.issuer),
    o.clientId,
    o.clientSecret ? { client_secret: o.clientSecret } : undefined,
    auth,
    options,
  );
}

export interface AuthRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** The account a "Continuing as …" page names (issue 19 point 6), or undefined on any other page. */
export function continuingAs(page: Page): string | undefined {
  return page.doc.querySelector('[data-adieu=continuing]')?.text.replace(/\s+/g, ' ').trim();
}

/**
 * Open the authorization URL in the browser; sign in if the login page appears. An app that already took part
 * in the session gets "Continuing as …" first: like a person who reads the name and clicks "Continue", this
 * follows it and reports the name it showed (`continuedAs`). Returns the URL the provider finally redirected to
 * (the client's redirect_uri with code or error) and whether a login page was shown.
 */
export async function authorize(
  browser: BrowserSession,
  url: URL | string,
  credentials?: { username: string; password: string; remember?: boolean },
): Promise<{ callback: URL; loginShown: boolean; loginPage?: Page; continuedAs?: string }> {
  const first = await browser.navigate(url.toString());
  if (first.redirectTo) return { callback: new URL(first.redirectTo), loginShown: false };
  const named = continuingAs(first);
  if (named !== undefined) {
    const after = await browser.submit(first, {});
    if (!after.redirectTo)
      throw new Error(`"Continue" did not redirect (${after.status}): ${after.body.slice(0, 400)}`);
    return { callback: new URL(after.redirectTo), loginShown: false, continuedAs: named };
  }
  if (!first.doc.querySelector('input[name=password]')) {
    throw new Error(`expected a login page or a redirect, got ${first.status}: ${first.body.slice(0, 400)}`);
  }
  if (!credentials) return { callback: new URL(first.url), loginShown: true, loginPage: first };
  const after = await browser.submit(first, {
    username: credentials.username,
    password: credentials.password,
    ...(credentials.remember ? { remember: 'yes' } : {}),
  });
  if (!after.redirectTo)
    throw new Error(`login did not redirect (${after.status}): ${after.body.slice(0, 400)}`);
  return { callback: new URL(after.redirectTo), loginShown: true };
}

/** Full sign-in: authorization request, login if needed, code exchange. */
export async function signIn(
  config: oidc.Configuration,
  browser: BrowserSession,
  redirectUri: string,
  credentials?: { username: string; password: string; remember?: boolean },
  extra: Record<string, string> = {},
) {
  const req = await authorizationRequest(config, redirectUri, extra);
  const { callback, loginShown, continuedAs } = await authorize(browser, req.url, credentials);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
    idTokenExpected: true,
  });
  return { tokens, loginShown, continuedAs, callback, req };
}
