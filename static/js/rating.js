/* Rating buttons: the pad beside a window (polls for the just-finished ticket every 3 s)
   and the applicant's own rating page (/rate/<token>). */
(function () {
  "use strict";
  var T = OW.i18n();
  var pad = document.getElementById("pad");
  var page = document.getElementById("rate");
  var msg = document.getElementById("pad-message");
  var buttons = document.getElementById("pad-buttons");
  var current = null, hold = 0;

  function busy(on) {
    if (!buttons) { return; }
    Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) { b.disabled = on; });
  }

  function showTicket(t) {
    if (Date.now() < hold) { return; }   // keep the thank-you a moment
    current = t;
    document.getElementById("pad-ticket").hidden = !t;
    OW.text(document.getElementById("pad-number"), t ? t.number : "");
    buttons.hidden = !t;
    OW.text(msg, t ? "" : T.waiting);
    pad.setAttribute("data-ticket", t ? String(t.id) : "");
  }

  function poll() {
    OW.get(pad.getAttribute("data-state-url")).then(function (res) { showTicket(res.data.ticket); },
      function () { /* keep the last state; try again */ });
  }

  function send(score) {
    busy(true);
    var url, body;
    if (pad) {
      url = pad.getAttribute("data-rate-url"); body = { ticket_id: current && current.id, score: score };
    } else {
      url = page.getAttribute("data-rate-url");
      body = { ticket_token: page.getAttribute("data-token"), score: score };
      var comment = document.getElementById("rate-comment");
      if (comment && comment.value.trim()) { body.comment = comment.value.trim(); }
    }
    OW.post(url, body).then(function () {
      OW.text(msg, T.thanks);
      if (buttons) { buttons.hidden = true; }
      if (pad) {
        document.getElementById("pad-ticket").hidden = true;
        pad.setAttribute("data-ticket", "");
        hold = Date.now() + 4000; current = null;
      }
    }, function (e) {
      OW.text(msg, e.status === 409 ? T.rated : T.failed);
    }).then(function () { busy(false); });
  }

  if (buttons) {
    buttons.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-score]");
      if (b) { send(parseInt(b.getAttribute("data-score"), 10)); }
    });
  }
  if (pad) { poll(); setInterval(poll, 3000); }
})();
