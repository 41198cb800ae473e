export { html, raw, jsonForScript, SafeHtml } from './html.js';
export { page, pageLang } from './layout.js';
