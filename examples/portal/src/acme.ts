/**
 * "Acme Corp": the demo's upstream identity provider, an employer's own OpenID provider that Adieu signs people in
 * through (issue 13). It is node-oidc-provider (a real, certified OpenID provider, the one Adieu's tests use as an
 * upstream), with its own users and passwords, its own sign-in and sign-out pages, end_session and back-channel
 * logout towards Adieu. The demo runs it in a process of its own (acme-main.ts), as a separate company's server
 * would be.
 */
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import express from 'express';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { html, raw, type SafeHtml } from '@adieu/server/html';
import type { FetchLike } from '@adieu/node';
import { ACME_CONNECTION, ACME_USERS } from './acme-people.js';

export interface AcmeOptions {
  issuer: string;
  /** Adieu's issuer: Acme's client "adieu" is registered with Adieu's connection URLs there. */
  adieuIssuer: string;
  /** The client secret Adieu uses at Acme. */
  clientSecret: string;
  /** Where Acme keeps its signing key and cookie key across restarts. */
  dataDir: string;
  /** How Acme reaches Adieu's back-channel logout endpoint (the demo's CA and host names). */
  fetch: FetchLike;
}

interface AcmeKeys {
  jwk: Record<string, unknown>;
  cookieKey: string;
}

/** Acme's signing key and cookie key, made once: a restart keeps the ID tokens Adieu stored verifiable. */
function acmeKeys(dataDir: string): AcmeKeys {
  const file = join(dataDir, 'acme-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as AcmeKeys;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: AcmeKeys = {
    jwk: {
      ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: randomBytes(8).toString('hex'),
      alg: 'RS256',
      use: 'sig',
    },
    cookieKey: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

/** Compare over digests so that neither the length nor the content leaks through timing. */
function samePassword(given: string, expected: string): boolean {
  const d = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(d(given), d(expected));
}

const ACME_CSS = `
:root { color-scheme: light dark; font-family: Georgia, "Times New Roman", serif; --acme: #b3261e;
  --bg: #fbf7f2; --card: #fff; --text: #231f1c; --muted: #6b625b; --line: #e3d9cf; }
@media (prefers-color-scheme: dark) {
  :root { --acme: #ff8a80; --bg: #1d1a18; --card: #2a2623; --text: #f3ede7; --muted: #b9aea5; --line: #4a423c; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.5; }
header { background: var(--acme); color: #fff; padding: 1rem 1.5rem; font-size: 1.3rem; font-weight: 700; letter-spacing: .04em; }
@media (prefers-color-scheme: dark) { header { color: #1d1a18; } }
main { max-width: 26rem; margin: 2rem auto; padding: 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1.5rem; }
h1 { font-size: 1.25rem; margin: 0 0 .5rem; }
p { margin: .4rem 0 1rem; }
.note { color: var(--muted); font-size: .9rem; font-family: system-ui, sans-serif; }
label { display: block; font-weight: 700; margin: .8rem 0 .3rem; font-family: system-ui, sans-serif; }
input { width: 100%; font: inherit; font-family: system-ui, sans-serif; padding: .6rem; border: 1px solid var(--line);
  border-radius: 4px; background: var(--bg); color: var(--text); }
input:focus, button:focus-visible, a:focus-visible { outline: 3px solid var(--acme); outline-offset: 2px; }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; margin-top: 1.2rem; }
button { font: inherit; font-family: system-ui, sans-serif; font-weight: 600; padding: .6rem 1.1rem; border-radius: 4px;
  border: 1px solid var(--line); background: var(--card); color: var(--text); cursor: pointer; }
button.primary { background: var(--acme); border-color: var(--acme); color: #fff; }
@media (prefers-color-scheme: dark) { button.primary { color: #1d1a18; } }
.error { color: var(--acme); font-weight: 700; font-family: system-ui, sans-serif; }
a { color: var(--acme); }
`;

function acmePage(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Acme Corp</title>
        <style>
          ${ACME_CSS}
        </style>
      </head>
      <body>
        <header>ACME CORP</header>
        <main><div class="card">${body}</div></main>
      </body>
    </html>`.value;
}

function loginForm(uid: string, clientName: string, username: string, error?: string): string {
  return acmePage(
    'Sign in',
    html`<h1 id="acme-title">Sign in to Acme Corp</h1>
      <p class="note">${clientName} asks who you are. Use your Acme account.</p>
      ${error ? html`<p class="error" role="alert" id="acme-error">${error}</p>` : ''}
      <form method="post" action="/interaction/${uid}/login" autocomplete="on">
        <label for="acme-username">Acme username</label>
        <input
          id="acme-username"
          name="username"
          value="${username}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="acme-password">Password</label>
        <input id="acme-password" name="password" type="password" autocomplete="current-password" required />
        <div class="actions"><button class="primary" type="submit" id="acme-signin">Sign in</button></div>
      </form>
      <p class="note">Demo: <code>dave</code> / <code>dave</code>.</p>`,
  );
}

/**
 * Acme as a request handler: node-oidc-provider for the protocol, and an Express app in front of it for Acme's own
 * sign-in page (interactions) and home page.
 */
export async function acmeApp(o: AcmeOptions): Promise<{ handler: RequestListener; provider: Provider }> {
  const keys = acmeKeys(o.dataDir);
  const conn = `${o.adieuIssuer}/connections/${ACME_CONNECTION.id}`;
  const users = new Map(ACME_USERS.map((u) => [u.username, u]));
  const provider = new Provider(o.issuer, {
    clients: [
      {
        client_id: 'adieu',
        client_name: 'Adieu (the demo apps)',
        client_secret: o.clientSecret,
        redirect_uris: [`${conn}/callback`],
        post_logout_redirect_uris: [`${conn}/logged-out`],
        backchannel_logout_uri: `${conn}/backchannel-logout`,
        backchannel_logout_session_required: true,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [keys.jwk] },
    cookies: { keys: [keys.cookieKey] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, sub) => {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: user.name, email: user.email, email_verified: true }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Acme asks before it signs someone out, as most enterprise providers do. There is no "stay signed in"
        // button: node-oidc-provider would still send the browser back to Adieu, which cannot tell a refusal from
        // a sign-out and would record "signed out at Acme Corp too". Leaving the page is the way to say no.
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          ctx.body = acmePage(
            'Sign out',
            html`<h1 id="acme-title">Sign out of Acme Corp?</h1>
              <p>You are leaving the demo apps. Sign out of your Acme account on this browser too?</p>
              ${rawForm(form)}
              <div class="actions">
                <button
                  class="primary"
                  type="submit"
                  form="op.logoutForm"
                  name="logout"
                  value="yes"
                  id="acme-signout"
                  autofocus
                >
                  Yes, sign me out of Acme
                </button>
              </div>`,
          );
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = acmePage(
            'Signed out',
            html`<h1 id="acme-title">You are signed out of Acme Corp</h1>
              <p>Apps you signed in to through Acme were told.</p>`,
          );
        },
      },
    },
    // Adieu asks for offline_access so that it can refresh an expired Acme ID token before a federated logout.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Acme's own app (Adieu) needs no consent screen: node-oidc-provider's documented recipe.
    loadExistingGrant: async (ctx) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    // The default fetch refuses loopback addresses; in the demo Adieu is on loopback behind the demo's CA.
    fetch: ((url: string | URL, init: RequestInit) =>
      o.fetch(String(url), init)) as unknown as typeof globalThis.fetch,
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = acmePage(
        'Something went wrong',
        html`<h1 id="acme-title">Acme Corp could not do that</h1>
          <p class="error">${String(out.error_description ?? out.error)}</p>`,
      );
    },
  });
  // Acme runs behind nothing: it sees the TLS connection itself.
  provider.proxy = false;

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.type('html').send(
      acmePage(
        'Home',
        html`<h1 id="acme-title">Acme Corp sign-in service</h1>
          <p>The demo apps offer <strong>Continue with Acme Corp</strong> on their sign-in page.</p>
          <p>
            <a href="/session/end" id="acme-end">Sign out of Acme Corp</a> (the demo apps are told too).
          </p>`,
      ),
    );
  });
  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        const client = await provider.Client.find(String(details.params.client_id));
        const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
        res
          .type('html')
          .set('cache-control', 'no-store')
          .send(loginForm(details.uid, client?.clientName ?? 'An app', hint.replace(/@acme\.example$/, '')));
        return;
      }
      // Consent is never needed (see loadExistingGrant); finish with what was asked.
      await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    } catch (e) {
      next(e);
    }
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const body = req.body as { username?: unknown; password?: unknown };
      const username = typeof body.username === 'string' ? body.username.trim() : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const user = users.get(username);
      if (!user || !samePassword(password, user.password)) {
        const client = await provider.Client.find(String(details.params.client_id));
        res
          .status(401)
          .type('html')
          .set('cache-control', 'no-store')
          .send(
            loginForm(details.uid, client?.clientName ?? 'An app', username, 'Wrong username or password.'),
          );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.username, amr: ['pwd'] } },
        { mergeWithLastSubmission: false },
      );
    } catch (e) {
      next(e);
    }
  });
  app.use(provider.callback());
  return { handler: app as unknown as RequestListener, provider };
}

/** node-oidc-provider's own hidden logout form (it carries its xsrf token); our buttons submit it. */
function rawForm(form: string): SafeHtml {
  // The form is node-oidc-provider's markup, built by it with its own escaping; it is inserted as it is.
  return html`<div hidden>${raw(form)}</div>`;
}
