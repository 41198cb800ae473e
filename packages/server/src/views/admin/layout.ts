import { html, type SafeHtml } from '../html.js';

export interface ConsoleFrame {
  base: string;
  title: string;
  /** Path of the nav entry to mark as current. */
  current: string;
  nav: readonly { path: string; title: string }[];
  user: string;
  csrf: string;
  body: SafeHtml;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}

/**
 * The console's page frame: a skip link, a nav that wraps on a phone, the signed-in admin and a sign-out form.
 * No script at all: every action is a form POST with the console session's CSRF token.
 */
export function consolePage(f: ConsoleFrame): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${f.title} · Adieu console</title>
        <link rel="stylesheet" href="${f.base}/admin/assets/console.css" />
      </head>
      <body class="console">
        <a class="skip" href="#content">Skip to content</a>
        <header class="top">
          <a class="brand" href="${f.base}/admin">Adieu <span>console</span></a>
          <nav aria-label="Console">
            <ul>
              ${f.nav.map(
                (n) =>
                  html`<li>
                    <a href="${f.base}${n.path}" ${n.path === f.current ? html`aria-current="page"` : ''}
                      >${n.title}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <form class="who" method="post" action="${f.base}/admin/signout">
            <input type="hidden" name="csrf" value="${f.csrf}" />
            <span>${f.user}</span>
            <button type="submit" class="link">Sign out</button>
          </form>
        </header>
        <main id="content" tabindex="-1">
          <h1>${f.title}</h1>
          ${
            f.flash
              ? html`<div
                  class="flash ${f.flash.kind}"
                  role="${f.flash.kind === 'error' ? 'alert' : 'status'}"
                >
                  ${f.flash.text}
                </div>`
              : ''
          }
          ${f.body}
        </main>
      </body>
    </html>`;
}

/** A page outside the signed-in frame (refused, signed out, errors). */
export function consoleMessagePage(base: string, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Adieu console</title>
        <link rel="stylesheet" href="${base}/admin/assets/console.css" />
      </head>
      <body class="console">
        <main id="content" class="message">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** A POST form with the CSRF token: one button, e.g. "Revoke". */
export function actionForm(
  action: string,
  csrf: string,
  label: string,
  fields: Record<string, string> = {},
  kind: 'primary' | 'danger' | 'plain' = 'plain',
): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">
    <input type="hidden" name="csrf" value="${csrf}" />
    ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    <button type="submit" class="${kind}">${label}</button>
  </form>`;
}

export const when = (iso: string | null | undefined) =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`—`;
