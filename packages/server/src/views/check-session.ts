import { html, jsonForScript, page, type SafeHtml } from './index.js';
import { NO_SESSION_BROWSER_STATE } from '../protocol/session-state.js';

/**
 * The OP iframe of Session Management 1.0 §3.3. It answers "client_id session_state" messages from its parent
 * with `unchanged`, `changed` or `error`, recomputing the session state from the script-readable browser-state
 * cookie. Messages from anything but the parent window (and, where the browser says, the parent's origin) are
 * ignored. It dies when third-party cookies are blocked; our SDKs use the push channel instead.
 */
export function checkSessionPage(base: string, nonce: string, cookieName: string): SafeHtml {
  return page({
    base,
    title: 'Session check',
    body: html`<p>Session check frame.</p>`,
    scriptNonce: nonce,
    script: html`(function () { 'use strict'; var COOKIE = ${jsonForScript(cookieName)}; var NONE =
    ${jsonForScript(NO_SESSION_BROWSER_STATE)}; function browserState() { var parts = document.cookie ?
    document.cookie.split('; ') : []; for (var i = 0; i < parts.length; i++) { var eq = parts[i].indexOf('=');
    if (parts[i].slice(0, eq) === COOKIE) return decodeURIComponent(parts[i].slice(eq + 1)); } return NONE; }
    function hex(buffer) { return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ('0'
    + b.toString(16)).slice(-2); }).join(''); } window.addEventListener('message', function (e) { if (e.source
    !== window.parent) return; var ancestors = window.location.ancestorOrigins; if (ancestors &&
    ancestors.length && ancestors[0] !== e.origin) return; var reply = function (answer) {
    e.source.postMessage(answer, e.origin); }; if (typeof e.data !== 'string') return reply('error'); var
    space = e.data.lastIndexOf(' '); var clientId = e.data.slice(0, space); var state = e.data.slice(space +
    1); var dot = state.lastIndexOf('.'); if (space < 1 || dot < 1) return reply('error'); var salt =
    state.slice(dot + 1); var input = new TextEncoder().encode(clientId + ' ' + e.origin + ' ' +
    browserState() + ' ' + salt); crypto.subtle.digest('SHA-256', input).then(function (digest) {
    reply(hex(digest) + '.' + salt === state ? 'unchanged' : 'changed'); }, function () { reply('error'); });
    }); })();`,
  });
}
