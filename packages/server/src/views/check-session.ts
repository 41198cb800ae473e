import { html, jsonForScript, page, type SafeHtml } from './index.js';

/**
 * The OP iframe of Session Management 1.0 §3.3. It answers "client_id session_state" messages from its parent
 * with `unchanged`, `changed` or `error`, recomputing the session state from the script-readable browser-state
 * cookie. That cookie lists one state per account of the browser (issue 19, `accountBrowserState`): a session
 * state that matches any of them is "unchanged", so signing one account in or out leaves the other accounts' apps
 * undisturbed. Messages from anything but the parent window (and, where the browser says, the parent's origin)
 * are ignored. It dies when third-party cookies are blocked; our SDKs use the push channel instead.
 */
export function checkSessionPage(base: string, nonce: string, cookieName: string): SafeHtml {
  return page({
    base,
    title: 'Session check',
    body: html`<p>Session check frame.</p>`,
    scriptNonce: nonce,
    // One statement per line, unformatted: reflowing the script once put line breaks after `return` (ASI).
    // prettier-ignore
    script: html`(function () { 'use strict'; var COOKIE = ${jsonForScript(cookieName)};
    function browserStates() {
      var parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf('=');
        if (parts[i].slice(0, eq) === COOKIE) return decodeURIComponent(parts[i].slice(eq + 1)).split('.');
      }
      return [];
    }
    function hex(buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return ('0' + b.toString(16)).slice(-2);
      }).join('');
    }
    function stateFor(clientId, origin, browserState, salt) {
      var input = new TextEncoder().encode(clientId + ' ' + origin + ' ' + browserState + ' ' + salt);
      return crypto.subtle.digest('SHA-256', input).then(function (d) { return hex(d) + '.' + salt; });
    }
    window.addEventListener('message', function (e) {
      if (e.source !== window.parent) return;
      var ancestors = window.location.ancestorOrigins;
      if (ancestors && ancestors.length && ancestors[0] !== e.origin) return;
      var reply = function (answer) { e.source.postMessage(answer, e.origin); };
      if (typeof e.data !== 'string') return reply('error');
      var space = e.data.lastIndexOf(' ');
      var clientId = e.data.slice(0, space);
      var state = e.data.slice(space + 1);
      var dot = state.lastIndexOf('.');
      if (space < 1 || dot < 1) return reply('error');
      var salt = state.slice(dot + 1);
      var states = browserStates().map(function (bs) { return stateFor(clientId, e.origin, bs, salt); });
      Promise.all(states).then(function (all) {
        reply(all.indexOf(state) >= 0 ? 'unchanged' : 'changed');
      }, function () { reply('error'); });
    });
  })();`,
  });
}
