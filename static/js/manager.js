/* The manager's live dashboard: subscribes to the hall's lobby stream (Socket.IO /live,
   room "display") and re-fetches the dashboard JSON on every event (debounced), with a
   15 s polling fallback while the link is down. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var T = OW.i18n();
  var url = root.getAttribute("data-url");
  var hall = root.getAttribute("data-hall");
  var liveMark = document.getElementById("live-state");
  var timer = null, inflight = false, again = false, connected = false;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function minutes(sec) { return sec == null ? "—" : (Math.round(sec / 6) / 10) + " " + T.minutes; }
  function pct(v) { return v == null ? "—" : (Math.round(v * 1000) / 10) + "%"; }
  function set(id, v) { OW.text(document.getElementById(id), v); }

  function render(d) {
    var waiting = 0;
    var cats = document.getElementById("categories");
    cats.textContent = "";
    d.categories.forEach(function (c) {
      waiting += c.waiting;
      var tr = el("tr");
      tr.setAttribute("data-category", c.prefix);
      tr.appendChild(el("td", c.prefix + " · " + c.name));
      tr.appendChild(el("td", c.waiting, "num"));
      tr.appendChild(el("td", c.waiting ? c.longest_wait_minutes + " " + T.minutes : "—", "num"));
      if (c.longest_wait_minutes >= d.wait_threshold_minutes && c.waiting) { tr.className = "is-alert"; }
      cats.appendChild(tr);
    });
    var wins = document.getElementById("windows");
    wins.textContent = "";
    d.windows.forEach(function (w) {
      var tr = el("tr");
      tr.setAttribute("data-window", w.number);
      tr.appendChild(el("td", w.number + " · " + w.name));
      var st = el("td");
      var badge = el("span", T[w.state] || w.state, "badge state-" + w.state);
      badge.setAttribute("data-state", w.state);
      st.appendChild(badge);
      tr.appendChild(st);
      tr.appendChild(el("td", w.current_number || "—", "current"));
      tr.appendChild(el("td", w.staff || "—"));
      tr.appendChild(el("td", w.categories.join(" › ")));
      wins.appendChild(tr);
    });
    var alerts = document.getElementById("alerts");
    alerts.textContent = "";
    if (!d.alerts.length) { alerts.appendChild(el("li", T.no_alerts, "muted")); }
    d.alerts.forEach(function (a) {
      var li = el("li", a.message, "alert-item alert-" + a.level);
      li.setAttribute("data-kind", a.kind);
      alerts.appendChild(li);
    });
    set("kpi-waiting", waiting);
    root.setAttribute("data-waiting", String(waiting));
    set("kpi-longest", d.longest_wait_minutes + " " + T.minutes);
    set("kpi-issued", d.today.tickets_issued);
    set("kpi-served", d.today.tickets_served);
    set("kpi-noshows", d.today.no_shows);
    set("kpi-avgwait", minutes(d.today.avg_wait_seconds));
    set("kpi-p90", minutes(d.today.p90_wait_seconds));
    set("kpi-satisfaction", pct(d.today.satisfaction_rate));
    set("dash-updated", new Date().toLocaleTimeString(document.documentElement.lang || "zh-CN", { hour12: false }));
  }

  function load() {
    if (inflight) { again = true; return; }
    inflight = true;
    OW.get(url).then(function (res) { render(res.data); }, function () {
      set("dash-updated", T.failed);
    }).then(function () {
      inflight = false;
      if (again) { again = false; load(); }
    });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(load, 250); }

  function mark(on) {
    connected = on;
    if (liveMark) {
      liveMark.setAttribute("data-live", on ? "live" : "offline");
      liveMark.textContent = on ? T.live : T.polling;
    }
  }

  if (window.io && OW.live) {
    OW.live([{ room: "display", hall: hall, light: true }], {
      snapshot: function () { soon(); },
      event: function () { soon(); },
      connection: mark
    });
  } else { mark(false); }
  setInterval(function () { if (!connected) { load(); } }, 15000);
  setInterval(load, 120000);  // waits grow even when nothing happens
  load();
})();
