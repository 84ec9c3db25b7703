/* Window console: the clerk's actions over the JSON API. The state is re-read after
   every action, on every live event of this window (Socket.IO /live), and by a slow
   poll as a fallback (fast while the live link is down). Keyboard: F1 call next,
   F2 call again, F3 start, F4 complete, F6 no-show, F7 transfer, F8 pause/resume. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var number = root.getAttribute("data-window");
  var hall = root.getAttribute("data-hall");
  var base = "/api/v1/windows/" + number;
  var q = "?hall=" + encodeURIComponent(hall);
  var t = OW.i18n();
  var POLL_LIVE_MS = 15000, POLL_OFFLINE_MS = 5000;
  var state = null, busy = false, live = false, pollTimer = null, reloadTimer = null;
  var $ = function (id) { return document.getElementById(id); };

  // --- messages ------------------------------------------------------------------------
  function error(msg, needLogin) {
    var box = $("console-error");
    if (!msg) { box.hidden = true; return; }
    OW.text($("console-error-text"), msg);
    $("console-login").hidden = !needLogin;
    box.hidden = false;
  }
  function notice(msg) {
    OW.text($("console-notice-text"), msg || "");
    $("console-notice").hidden = !msg;
  }
  function failure(e) {
    if (!e.status) { error(t.error_network); return; }
    error(e.message, e.status === 401);
  }
  $("console-error-close").addEventListener("click", function () { error(null); });

  function statusText(s) { return (t.status && t.status[s]) || s; }

  // --- rendering -----------------------------------------------------------------------
  function nextStep(s, cur) {
    if (s.status === "paused") { return { text: t.step_paused, button: "btn-resume" }; }
    if (cur && cur.status === "called") {
      return { text: OW.format(t.step_called, { number: cur.number }), button: "btn-start" };
    }
    if (cur && cur.status === "serving") {
      return { text: OW.format(t.step_serving, { number: cur.number }), button: "btn-complete" };
    }
    if (s.status === "closed") { return { text: t.step_closed, button: "btn-call-next" }; }
    return { text: OW.format(t.step_idle, { count: s.waiting.length }), button: "btn-call-next" };
  }

  function render(s) {
    state = s;
    root.setAttribute("data-status", s.status);
    root.classList.toggle("paused", s.status === "paused");
    var ws = $("window-status");
    ws.setAttribute("data-status", s.status); OW.text(ws, statusText(s.status));
    var cur = s.current;
    $("current").hidden = !cur; $("current-detail").hidden = !cur; $("current-empty").hidden = !!cur;
    if (cur) {
      OW.text($("current-number"), cur.number);
      var cs = $("current-status"); OW.text(cs, statusText(cur.status)); cs.setAttribute("data-status", cur.status);
      OW.text($("current-category"), cur.category + " · " + cur.category_name);
      $("current-priority").hidden = cur.priority !== "priority";
      OW.text($("current-issued"), (cur.issued_at || "").slice(11, 16));
      var waited = cur.called_at && cur.issued_at ? Math.round((Date.parse(cur.called_at) - Date.parse(cur.issued_at)) / 60000) : 0;
      OW.text($("current-waited"), Math.max(0, waited));
      OW.text($("current-recalls"), cur.recall_count);
      renderSlip(cur);
    }
    var st = cur ? cur.status : null;
    $("btn-call-next").disabled = s.status === "paused";
    $("btn-recall").disabled = st !== "called";
    $("btn-start").disabled = st !== "called";
    $("btn-complete").disabled = st !== "serving";
    $("btn-no-show").disabled = st !== "called";
    $("btn-transfer").disabled = !(st === "called" || st === "serving");
    $("btn-pause").disabled = s.status !== "open";
    $("btn-resume").disabled = s.status === "open";
    $("btn-close").disabled = s.status === "closed" || !!cur;
    if ($("btn-transfer").disabled) { $("transfer-form").hidden = true; }
    var step = nextStep(s, cur);
    OW.text($("next-step"), step.text);
    root.querySelectorAll(".is-next").forEach(function (b) { b.classList.remove("is-next"); });
    $(step.button).classList.add("is-next");

    var body = $("waiting-table").querySelector("tbody");
    body.textContent = "";
    s.waiting.forEach(function (w) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", w.number);
      if (w.transferred) { tr.className = "is-transferred"; }
      [w.number, w.category, w.waited_minutes].forEach(function (v) {
        var td = document.createElement("td"); OW.text(td, v); tr.appendChild(td);
      });
      var tag = document.createElement("td");
      function badge(cls, text) { var b = document.createElement("span"); b.className = cls; OW.text(b, text); tag.appendChild(b); tag.appendChild(document.createTextNode(" ")); }
      if (w.transferred) { badge("badge badge-transferred", t.transferred); }
      if (w.priority) { badge("badge badge-priority", t.priority); }
      tr.appendChild(tag);
      body.appendChild(tr);
    });
    OW.text($("waiting-count"), s.waiting.length);
    $("waiting-empty").hidden = s.waiting.length > 0;
    OW.text($("today-served"), s.today.served);
    OW.text($("today-no-shows"), s.today.no_shows);
    OW.text($("today-avg"), s.today.avg_service_minutes == null ? "—" : s.today.avg_service_minutes);
    OW.text($("updated-at"), new Date().toTimeString().slice(0, 8));
  }

  // the printed slip: printed / not printed / failed (reported by the kiosk), and a reprint
  function renderSlip(cur) {
    var slip = cur.slip || { state: "not_printed", prints: 0 };
    var el = $("current-slip"), labels = t.slip || {};
    el.setAttribute("data-slip", slip.state);
    OW.text(el, OW.format(labels[slip.state] || slip.state,
                          { n: slip.prints, error: slip.error || "?" }));
    $("btn-reprint").href = "/api/v1/tickets/" + cur.id + "/slip.pdf";
  }
  $("btn-reprint").addEventListener("click", function () { setTimeout(load, 1500); });

  function load() {
    return OW.get(base + q).then(function (r) {
      render(r.data);
      // a network error clears itself once the server answers again
      if (!$("console-error").hidden && $("console-error-text").textContent === t.error_network) { error(null); }
    }).catch(failure);
  }

  // several events arrive together for one action: read the state once
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 120);
  }

  // --- actions -------------------------------------------------------------------------
  function act(promise) {
    busy = true;
    root.classList.add("busy");
    return promise.then(function (r) {
      error(null);
      notice(r && r.status === 204 ? t.nobody : null);
      if (r && r.data && r.data.number && r.data.status === "called") {
        notice(OW.format(t.called, { number: r.data.number }));
      }
      return load();
    }).catch(function (e) {
      notice(null);
      failure(e);
      return load();
    }).then(function () { busy = false; root.classList.remove("busy"); });
  }

  var ticketActions = { "start": 1, "complete": 1, "no-show": 1 };
  function run(a) {
    if (busy) { return; }
    if (a === "transfer-open") {
      $("transfer-form").hidden = false;
      $("to-window").focus();
      return;
    }
    if (ticketActions[a]) {
      if (!state || !state.current) { return; }
      act(OW.post("/api/v1/tickets/" + state.current.id + "/" + a));
    } else {
      act(OW.post(base + "/" + a + q));
    }
  }

  root.querySelectorAll("[data-action]").forEach(function (btn) {
    btn.addEventListener("click", function () { run(btn.getAttribute("data-action")); });
  });

  $("btn-transfer-cancel").addEventListener("click", function () { $("transfer-form").hidden = true; });
  $("transfer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!state || !state.current || busy) { return; }
    var w = $("to-window").value, c = $("to-category").value, body = {};
    if (w) { body.to_window = parseInt(w, 10); } else if (c) { body.to_category = c; } else { error(t.pick_target); return; }
    $("transfer-form").hidden = true;
    $("to-window").value = ""; $("to-category").value = "";
    act(OW.post("/api/v1/tickets/" + state.current.id + "/transfer", body));
  });

  // --- keyboard: the same buttons, so a disabled action stays disabled --------------------
  var keys = { F1: "btn-call-next", F2: "btn-recall", F3: "btn-start", F4: "btn-complete",
               F6: "btn-no-show", F7: "btn-transfer" };
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (ev.key === "Escape") { $("transfer-form").hidden = true; error(null); notice(null); return; }
    var id = keys[ev.key];
    if (ev.key === "F8") { id = $("btn-pause").disabled ? "btn-resume" : "btn-pause"; }
    if (!id) { return; }
    ev.preventDefault();  // F1 would open the browser's help
    var btn = $(id);
    if (!btn.disabled) { btn.click(); }
  });

  // --- live updates, with polling as the fallback ---------------------------------------
  function setLive(on, label) {
    live = on;
    var el = $("live-state");
    el.setAttribute("data-live", label);
    OW.text(el, t[label] || label);
    schedulePoll();
  }
  function schedulePoll() {
    clearInterval(pollTimer);
    pollTimer = setInterval(load, live ? POLL_LIVE_MS : POLL_OFFLINE_MS);
  }

  function connectLive() {
    if (typeof window.io !== "function") { setLive(false, "offline"); return; }
    var socket = window.io("/live", { reconnectionDelayMax: 10000 });
    socket.on("connect", function () {
      // the server forgets rooms on disconnect: subscribe again on every connect
      socket.emit("subscribe", { room: "window:" + number, hall: hall });
      socket.emit("subscribe", { room: "display", hall: hall });  // queue_changed goes there
      setLive(true, "live");
      reloadSoon();
    });
    socket.on("disconnect", function () { setLive(false, "offline"); });
    socket.on("connect_error", function () { setLive(false, "offline"); });
    ["snapshot", "window_changed", "ticket_called", "queue_changed"].forEach(function (name) {
      socket.on(name, reloadSoon);
    });
  }

  load();
  setLive(false, "connecting");
  connectLive();
})();
