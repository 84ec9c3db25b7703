/* The applicant's live ticket: position and wait kept current, and a clear alert
   (sound where the phone allows it after one tap, vibration) when the number is called. */
(function () {
  "use strict";
  var root = document.getElementById("ticket");
  if (!root) { return; }
  var cfg = OW.config();
  var room = "ticket:" + cfg.token;
  var chime = new Audio(cfg.chime);
  var soundOn = false;
  var lastStatus = root.getAttribute("data-status");
  var lastCalledAt = null;
  var refresh = null;
  var link = null;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }

  function alertCalled() {
    if (soundOn) { try { chime.currentTime = 0; chime.play().catch(function () {}); } catch (e) { /* no sound */ } }
    if (navigator.vibrate) { try { navigator.vibrate([400, 150, 400, 150, 800]); } catch (e) { /* not allowed */ } }
  }

  function render(d) {
    root.setAttribute("data-status", d.status);
    OW.text($("t-ahead"), Math.max(0, (d.position || 0) - 1));
    OW.text($("t-wait"), d.estimated_wait_minutes);
    if (d.window) { OW.text($("t-window"), d.window.name); }
    show("state-waiting", d.status === "waiting");
    show("state-called", d.status === "called");
    show("state-serving", d.status === "serving");
    show("state-done", ["completed", "no_show", "cancelled"].indexOf(d.status) >= 0);
    var newCall = d.status === "called" && (lastStatus !== "called" || d.called_at !== lastCalledAt);
    if (newCall) { alertCalled(); }
    lastStatus = d.status;
    lastCalledAt = d.called_at;
  }

  // The hall's queue moving changes this ticket's position: re-read it, spread over a
  // few seconds so that hundreds of phones do not ask at the same instant.
  function refreshSoon() {
    if (refresh || lastStatus !== "waiting") { return; }
    refresh = setTimeout(function () { refresh = null; link.resubscribe(room); },
      300 + Math.random() * 2500);
  }

  link = OW.live([{ room: room }, { room: "display", hall: cfg.hall, light: true }], {
    snapshot: function (s, r) { if (r === room) { render(s); } },
    event: function (name, p) {
      if (name === "ticket_updated") { render(p); }
      else if (name === "queue_changed") { refreshSoon(); }
    }
  });

  $("t-sound").addEventListener("click", function () {
    soundOn = true;
    chime.volume = 1;
    chime.play().catch(function () {});
    this.disabled = true;
  });
})();
