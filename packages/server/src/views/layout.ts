import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Base path of the issuer (for asset URLs when the issuer has a path). */
  base: string;
  lang?: string | undefined;
  /** Nonce for the page's own inline script, if it has one. */
  scriptNonce?: string | undefined;
  script?: SafeHtml | undefined;
  head?: SafeHtml | undefined;
  /** A wider card, for tables. */
  wide?: boolean;
}

/** The one page frame: accessible defaults (lang, viewport, a main landmark), no third-party resources. */
export function page(o: PageOptions): SafeHtml {
  return html`<!doctype html>
    <html lang="${o.lang ?? 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${o.title} · Adieu</title>
        <link rel="stylesheet" href="${o.base}/assets/adieu.css" />
        ${o.head}
      </head>
      <body>
        <main class="${o.wide ? 'card wide' : 'card'}">${o.body}</main>
        ${
          o.script
            ? html`<script nonce="${o.scriptNonce}">
                ${o.script};
              </script>`
            : ''
        }
      </body>
    </html>`;
}

/** A language tag from ui_locales we can honour; only English ships today, so this keeps `lang` truthful. */
export function pageLang(_uiLocales: string | undefined): string {
  return 'en';
}
