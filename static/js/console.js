/* Window console: the clerk's actions over the JSON API; the state refreshes after
   every action and every few seconds. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var number = root.getAttribute("data-window");
  var hall = root.getAttribute("data-hall");
  var base = "/api/v1/windows/" + number;
  var q = "?hall=" + encodeURIComponent(hall);
  var t = OW.i18n();
  var state = null;
  var $ = function (id) { return document.getElementById(id); };

  function error(msg) {
    var box = $("console-error");
    if (!msg) { box.hidden = true; return; }
    OW.text(box, msg); box.hidden = false;
  }

  function statusText(s) { return (t.status && t.status[s]) || s; }

  function render(s) {
    state = s;
    var ws = $("window-status");
    ws.setAttribute("data-status", s.status); OW.text(ws, statusText(s.status));
    var cur = s.current;
    $("current").hidden = !cur; $("current-empty").hidden = !!cur;
    if (cur) {
      OW.text($("current-number"), cur.number);
      var cs = $("current-status"); OW.text(cs, statusText(cur.status)); cs.setAttribute("data-status", cur.status);
      OW.text($("current-category"), cur.category + " · " + cur.category_name);
      $("current-priority").hidden = cur.priority !== "priority";
      OW.text($("current-issued"), (cur.issued_at || "").slice(11, 16));
      var waited = cur.called_at && cur.issued_at ? Math.round((Date.parse(cur.called_at) - Date.parse(cur.issued_at)) / 60000) : 0;
      OW.text($("current-waited"), waited);
      OW.text($("current-recalls"), cur.recall_count);
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
    var body = $("waiting-table").querySelector("tbody");
    body.textContent = "";
    s.waiting.forEach(function (w) {
      var tr = document.createElement("tr");
      [w.number, w.category, w.waited_minutes].forEach(function (v) {
        var td = document.createElement("td"); OW.text(td, v); tr.appendChild(td);
      });
      var tag = document.createElement("td");
      if (w.transferred) { var b = document.createElement("span"); b.className = "badge"; OW.text(b, t.transferred); tag.appendChild(b); }
      else if (w.priority) { var p = document.createElement("span"); p.className = "badge badge-priority"; OW.text(p, t.priority); tag.appendChild(p); }
      tr.appendChild(tag);
      body.appendChild(tr);
    });
    OW.text($("waiting-count"), s.waiting.length);
    $("waiting-empty").hidden = s.waiting.length > 0;
    OW.text($("today-served"), s.today.served);
    OW.text($("today-no-shows"), s.today.no_shows);
    OW.text($("today-avg"), s.today.avg_service_minutes == null ? "—" : s.today.avg_service_minutes);
  }

  function load() {
    return OW.get(base + q).then(function (r) { render(r.data); error(null); })
      .catch(function (e) { error(e.status ? e.message : t.error_network); });
  }

  function act(promise) {
    root.classList.add("busy");
    return promise.then(function (r) {
      error(null);
      if (r && r.status === 204) { error(t.nobody); }
      return load();
    }).catch(function (e) {
      error(e.status ? e.message : t.error_network);
      return load();
    }).then(function () { root.classList.remove("busy"); });
  }

  var ticketActions = { "start": 1, "complete": 1, "no-show": 1 };
  root.querySelectorAll("[data-action]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var a = btn.getAttribute("data-action");
      if (a === "transfer-open") { $("transfer-form").hidden = false; return; }
      if (ticketActions[a]) {
        if (!state || !state.current) { return; }
        act(OW.post("/api/v1/tickets/" + state.current.id + "/" + a));
      } else {
        act(OW.post(base + "/" + a + q));
      }
    });
  });

  $("btn-transfer-cancel").addEventListener("click", function () { $("transfer-form").hidden = true; });
  $("transfer-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!state || !state.current) { return; }
    var w = $("to-window").value, c = $("to-category").value, body = {};
    if (w) { body.to_window = parseInt(w, 10); } else if (c) { body.to_category = c; } else { error(t.pick_target); return; }
    $("transfer-form").hidden = true;
    act(OW.post("/api/v1/tickets/" + state.current.id + "/transfer", body));
  });

  load();
  setInterval(load, 4000);
})();
