// The passkey button of the provider's pages (views/passkey-form.ts). It shows the form only where the browser
// can do WebAuthn, runs the ceremony with @simplewebauthn/browser (served as /assets/webauthn.js) on the options
// the page carries, and posts the browser's answer in the form's hidden `response` field: the server checks it
// and answers with a page. A cancelled or failed prompt stays on this page with a message.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var form = document.querySelector('[data-adieu=passkey-form]');
  var data = document.getElementById('adieu-passkey');
  var unsupported = document.querySelector('[data-adieu=passkey-unsupported]');
  if (!form || !data || !lib || !lib.browserSupportsWebAuthn()) return;
  if (unsupported) unsupported.hidden = true;
  form.hidden = false;
  var options = JSON.parse(data.textContent);
  var button = form.querySelector('[data-adieu=passkey]');
  var error = form.querySelector('[data-adieu=passkey-error]');
  var register = form.getAttribute('data-ceremony') === 'register';

  function explain(e) {
    var name = e && e.name;
    if (name === 'InvalidStateError' && register)
      return 'This passkey is already registered for your account.';
    if (name === 'NotAllowedError' || name === 'AbortError')
      return 'The passkey was not used (the prompt was cancelled or timed out). Try again.';
    if (name === 'SecurityError') return 'This browser refused passkeys for this site.';
    return 'The passkey did not work in this browser (' + (name || 'error') + '). Try again.';
  }

  button.addEventListener('click', function () {
    error.hidden = true;
    button.disabled = true;
    var run = register
      ? lib.startRegistration({ optionsJSON: options })
      : lib.startAuthentication({ optionsJSON: options });
    run.then(
      function (answer) {
        form.elements.namedItem('response').value = JSON.stringify(answer);
        form.submit();
      },
      function (e) {
        error.textContent = explain(e);
        error.hidden = false;
        button.disabled = false;
      },
    );
  });
})();
