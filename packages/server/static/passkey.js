// The passkey button of the provider's pages (views/passkey-form.ts). It shows the form only where the browser
// can do WebAuthn, runs the ceremony with @simplewebauthn/browser (served as /assets/webauthn.js) on the options
// the page carries, and posts the browser's answer in the form's hidden `response` field: the server checks it
// and answers with a page. A cancelled or failed prompt stays on this page with a message.
//
// On the login page (data-autofill) the same ceremony also waits in the username field's autofill (conditional
// mediation), where the browser can offer passkeys beside saved usernames: picking one posts the same form, so
// the server verifies it exactly like the button's answer. Both share the page's one challenge; whichever answer
// is posted first spends it.
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
  var autofill = !register && form.hasAttribute('data-autofill');

  function explain(e) {
    var name = e && e.name;
    if (name === 'InvalidStateError' && register)
      return 'This passkey is already registered for your account.';
    if (name === 'NotAllowedError' || name === 'AbortError')
      return 'The passkey was not used (the prompt was cancelled or timed out). Try again.';
    if (name === 'SecurityError') return 'This browser refused passkeys for this site.';
    return 'The passkey did not work in this browser (' + (name || 'error') + '). Try again.';
  }

  function post(answer) {
    form.elements.namedItem('response').value = JSON.stringify(answer);
    form.submit();
  }

  function show(e) {
    error.textContent = explain(e);
    error.hidden = false;
    button.disabled = false;
  }

  // Passkeys in the username field's suggestions, where the browser has conditional mediation. The library
  // aborts this waiting request when the button starts its own (AbortError), and a request nobody answered
  // (NotAllowedError) asked the person nothing: neither is worth a message under the button.
  function offerInAutofill() {
    if (!autofill) return;
    lib.browserSupportsWebAuthnAutofill().then(function (yes) {
      if (!yes) return;
      lib.startAuthentication({ optionsJSON: options, useBrowserAutofill: true }).then(post, function (e) {
        var name = e && e.name;
        if (name !== 'AbortError' && name !== 'NotAllowedError') show(e);
      });
    });
  }

  button.addEventListener('click', function () {
    error.hidden = true;
    button.disabled = true;
    var run = register
      ? lib.startRegistration({ optionsJSON: options })
      : lib.startAuthentication({ optionsJSON: options });
    run.then(post, function (e) {
      show(e);
      // The challenge was not spent: the autofill can offer the passkeys again.
      offerInAutofill();
    });
  });
  offerInAutofill();
})();
