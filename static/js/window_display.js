/* Window display above a counter: the number being served, the window's name, the
   clerk on duty, or "service paused". A fresh snapshot after every event keeps the
   clerk's name right as well (one small screen per window: cheap). */
(function () {
  "use strict";
  var root = document.getElementById("window-display");
  if (!root) { return; }
  var cfg = OW.config();
  var link = null;
  var again = null;

  function $(id) { return document.getElementById(id); }

  function render(w) {
    root.setAttribute("data-status", w.status);
    if (w.name) { OW.text($("window-name"), w.name); }
    var number = w.current_number || (w.current && w.current.number) || "—";
    OW.text($("counter-number"), w.status === "open" ? number : "");
    $("counter-label").hidden = w.status !== "open";
    $("counter-number").hidden = w.status !== "open";
    $("counter-paused").hidden = w.status !== "paused";
    $("counter-closed").hidden = w.status !== "closed";
    if ("staff" in w) {
      $("staff-line").hidden = !w.staff;
      if (w.staff) { OW.text($("staff-name"), w.staff.name); OW.text($("staff-no"), w.staff.staff_no || ""); }
    }
  }

  function blink() {
    var n = $("counter-number");
    n.classList.remove("blink"); void n.offsetWidth; n.classList.add("blink");
    setTimeout(function () { n.classList.remove("blink"); }, 8000);
  }

  function refreshSoon() {
    clearTimeout(again);
    again = setTimeout(function () { link.resubscribe("window:" + cfg.window); }, 400);
  }

  link = OW.live([{ room: "window:" + cfg.window, hall: cfg.hall }], {
    snapshot: function (s) { render(s); root.setAttribute("data-seq", s.seq); },
    event: function (name, p) {
      if (name === "window_changed") { render(p); }
      if (name === "ticket_called") { OW.text($("counter-number"), p.number); blink(); }
      root.setAttribute("data-seq", p.seq);
      refreshSoon();
    }
  });
})();
