// "Continuing as Alice… Not you?" (issue 19 point 6). The page goes on by itself after a visible countdown; a
// person who starts using the page (a key, a click, a tap) gets it paused, so the time never runs out on someone
// reading or reaching for "Use another account". Without scripts the <noscript> refresh goes on instead.
(function () {
  'use strict';
  var note = document.getElementById('countdown');
  if (!note) return;
  var left = Number(note.getAttribute('data-seconds')) || 5;
  var url = note.getAttribute('data-url');
  var timer = null;

  function show() {
    note.textContent = 'Continuing in ' + left + (left === 1 ? ' second.' : ' seconds.');
  }

  function tick() {
    if (left <= 0) {
      window.location.replace(url);
      return;
    }
    show();
    left -= 1;
    timer = setTimeout(tick, 1000);
  }

  function pause() {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    note.textContent = 'Paused. Continue when you are ready.';
    document.removeEventListener('keydown', pause, true);
    document.removeEventListener('pointerdown', pause, true);
  }

  document.addEventListener('keydown', pause, true);
  document.addEventListener('pointerdown', pause, true);
  tick();
})();
