// The logout receipt page. It watches the front-channel iframes and reports what it saw to the provider:
// a frame's `load` means its sign-out page was reached (all a spec-only page can show), and the logout goes on at
// once; Adieu's acknowledgement message upgrades that to "confirmed", even after the first report. Only frames
// that neither load nor answer hold the page, for at most the front-channel timeout. It shows the live status of
// every channel and moves on when the provider says the receipt is ready.
//
// It runs from <head>, before the parser reaches the frames: a frame can load and answer in the time a deferred
// script takes to arrive, and an event nobody listened for is gone. So both listeners exist before any frame
// does, and what they hear before the page is parsed waits until it is.
(function () {
  'use strict';
  var early = [];
  var onFrameLoad = function (frame) {
    early.push(['load', frame]);
  };
  var onMessage = function (event) {
    early.push(['message', event]);
  };
  // `load` does not bubble, but it passes the document on its way to the frame: one listener for every frame.
  document.addEventListener(
    'load',
    function (event) {
      if (event.target instanceof HTMLIFrameElement) onFrameLoad(event.target);
    },
    true,
  );
  window.addEventListener('message', function (event) {
    onMessage(event);
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();

  function start() {
    var cfg = JSON.parse(document.getElementById('adieu-logout').textContent);
    var frames = Array.prototype.slice.call(document.querySelectorAll('.frames iframe'));
    // One entry per frame (index): with several accounts the same app may have a frame for each ended session.
    var results = {}; // frame index -> { status, detail }
    var reported = false;
    var started = Date.now();

    frames.forEach(function (frame, id) {
      results[id] = { status: 'pending', detail: null };
    });

    onFrameLoad = function (frame) {
      var id = frames.indexOf(frame);
      if (id < 0) return;
      if (results[id].status === 'pending') {
        results[id] = { status: 'reached', detail: 'page loaded, no acknowledgement' };
        if (reported) send([id]);
      }
      settleIfDone();
    };

    onMessage = function (event) {
      var data = event.data;
      if (!data || data.type !== 'adieu:frontchannel-logout') return;
      for (var i = 0; i < frames.length; i++) {
        var frame = frames[i];
        if (frame.contentWindow !== event.source || frame.getAttribute('data-origin') !== event.origin)
          continue;
        var id = i;
        results[id] = data.cleared
          ? { status: 'acknowledged', detail: data.detail ? String(data.detail).slice(0, 200) : null }
          : {
              status: 'failed',
              detail: String(data.detail || data.reason || 'the app could not clear its session').slice(
                0,
                200,
              ),
            };
        // An answer after the first report still counts: it upgrades the app's row.
        if (reported) send([id]);
        settleIfDone();
      }
    };

    /** Every frame loaded or answered: nothing left worth waiting for. */
    function allSettled() {
      return frames.every(function (f, i) {
        return results[i].status !== 'pending';
      });
    }

    /** Report frames to their own logout (each ended session has its own record). */
    function send(ids) {
      var byUrl = {};
      ids.forEach(function (id) {
        var frame = frames[id];
        var r = results[id];
        var url = frame.getAttribute('data-results') || cfg.resultsUrl;
        (byUrl[url] = byUrl[url] || []).push({
          client_id: frame.getAttribute('data-client'),
          status: r.status === 'pending' ? 'timeout' : r.status,
          detail: r.detail,
        });
      });
      return Promise.all(
        Object.keys(byUrl).map(function (url) {
          return fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ results: byUrl[url] }),
            keepalive: true,
            credentials: 'same-origin',
          }).catch(function () {});
        }),
      );
    }

    function report() {
      if (reported) return Promise.resolve();
      reported = true;
      return send(Object.keys(results));
    }

    function settleIfDone() {
      if (!reported && allSettled()) report().then(poll);
    }

    setTimeout(function () {
      report().then(poll);
    }, cfg.frontchannelTimeoutMs);

    var summary = document.getElementById('summary');
    var title = document.getElementById('title');
    var TEXT = {
      confirmed: 'Signed out',
      pending: 'Being notified\u2026',
      told: 'Told',
      not_confirmed: 'Not confirmed',
    };

    function render(section, r) {
      var root = document.querySelector('section[data-logout="' + CSS.escape(section.logoutId) + '"]');
      if (!root) return;
      r.participants.forEach(function (p) {
        var li = root.querySelector('li[data-client="' + CSS.escape(p.client_id) + '"]');
        if (!li) return;
        var status = li.querySelector('.status');
        status.className = 'status ' + p.signed_out;
        status.textContent = TEXT[p.signed_out];
        li.querySelector('.channels').textContent = p.text;
      });
    }

    function summarize(reports) {
      var all = [];
      reports.forEach(function (r) {
        if (r) all = all.concat(r.participants);
      });
      var count = function (state) {
        return all.filter(function (p) {
          return p.signed_out === state;
        }).length;
      };
      var confirmed = count('confirmed');
      var told = count('told');
      var note = document.getElementById('not-confirmed-note');
      if (note) note.hidden = confirmed === all.length;
      summary.textContent = all.length
        ? confirmed +
          ' of ' +
          all.length +
          ' apps confirmed the sign-out.' +
          (told ? ' ' + told + (told === 1 ? ' was' : ' were') + ' told without confirming.' : '')
        : 'No applications had used this sign-in.';
    }

    /** Who is still signed in on this browser, as the provider says now (another tab may have changed it). */
    function stillSignedIn(r) {
      var line = document.querySelector('[data-adieu="still-signed-in"]');
      if (!line || !r) return;
      line.textContent = r.still_signed_in ? r.still_signed_in.text : '';
      line.hidden = !r.still_signed_in;
    }

    var polling = false;
    function poll() {
      if (polling) return;
      polling = true;
      (function tick() {
        Promise.all(
          cfg.sections.map(function (section) {
            return fetch(section.statusUrl, { credentials: 'same-origin', cache: 'no-store' })
              .then(function (res) {
                return res.ok ? res.json() : null;
              })
              .then(function (r) {
                if (r) render(section, r);
                return r;
              })
              .catch(function () {
                return null;
              });
          }),
        ).then(function (reports) {
          summarize(reports);
          stillSignedIn(reports[0]);
          var ready = reports.every(function (r) {
            return r && r.receipt_ready;
          });
          var waited = Date.now() - started;
          if (ready || waited > cfg.frontchannelTimeoutMs + cfg.receiptWaitMs + 2000) {
            title.textContent = cfg.doneTitle || 'You are signed out';
            document.body.setAttribute('data-receipt', 'ready');
            if (cfg.next) countdown();
            return;
          }
          setTimeout(tick, 250);
        });
      })();
    }

    /**
     * Leave the result on screen long enough to read, saying where the browser goes next and when, then go. The
     * link goes at once. When there is nowhere to go the receipt is the last page and stays.
     */
    function countdown() {
      var note = document.getElementById('countdown');
      var left = Math.ceil(cfg.returnDelayMs / 1000);
      (function tickDown() {
        if (left <= 0) {
          window.location.replace(cfg.doneUrl);
          return;
        }
        note.textContent = cfg.next + ' in ' + left + (left === 1 ? ' second. ' : ' seconds. ');
        note.hidden = false;
        left -= 1;
        setTimeout(tickDown, 1000);
      })();
    }

    early.forEach(function (e) {
      if (e[0] === 'load') onFrameLoad(e[1]);
      else onMessage(e[1]);
    });
    early = [];
    if (!frames.length) report().then(poll);
  }
})();
