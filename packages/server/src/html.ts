/**
 * The escaping HTML template tag the provider's pages use, for apps that render pages without a framework
 * (the portal demo does). Exported as `adieu/html`.
 *
 * @example
 * ```ts
 * import { html } from '@adieu/server/html';
 * const page = html`<p>Hello ${user.name}</p>`; // user.name is escaped
 * res.type('html').send(page.value);
 * ```
 */
export { html, raw, jsonForScript, SafeHtml } from './views/html.js';
