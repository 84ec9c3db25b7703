/* Lobby display: latest calls, windows, waiting per category, clock, notice ticker,
   and (on the hall's speaker screen) the voice. Rendered from the room's snapshot and
   kept current by events; the URL's categories/windows filter applies to both. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root) { return; }
  var cfg = OW.config();
  var t = OW.i18n();
  var clock = OW.clock();
  var flt = cfg.filter || { categories: [], windows: [] };
  var state = { calls: [], windows: [], waiting: {}, estimates: {}, categories: [] };
  var seen = {};            // calls already shown (so a fresh snapshot does not re-announce)
  var firstSnapshot = true;
  var blinkTimer = null;
  var BLINK_MS = 8000;
  var voice = cfg.speaker ? OW.Voice(Object.assign({ silence: cfg.silence }, cfg)) : null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text != null) { e.textContent = String(text); }
    return e;
  }
  function prefixOf(number) { var m = /^[A-Za-z]+/.exec(number || ""); return m ? m[0] : ""; }
  function callKey(c) { return c.number + "|" + c.called_at + "|" + (c.recall ? 1 : 0); }
  function windowLabel(n) { return t.window_n.replace("{n}", n); }

  function callPasses(c) {
    return (!flt.categories.length || flt.categories.indexOf(prefixOf(c.number)) >= 0) &&
      (!flt.windows.length || flt.windows.indexOf(c.window_number) >= 0);
  }
  function windowPasses(w) {
    if (flt.windows.length) { return flt.windows.indexOf(w.number) >= 0; }
    if (!flt.categories.length) { return true; }
    return (w.categories || []).some(function (p) { return flt.categories.indexOf(p) >= 0; });
  }
  function categoryPasses(p) { return !flt.categories.length || flt.categories.indexOf(p) >= 0; }

  // --- rendering ------------------------------------------------------------------------
  function renderCalls(blink) {
    var latest = state.calls[0];
    var box = $("call-latest");
    OW.text($("latest-number"), latest ? latest.number : "—");
    OW.text($("latest-window"), latest ? windowLabel(latest.window_number) : t.nobody);
    box.classList.toggle("is-empty", !latest);
    if (blink) {
      box.classList.remove("blink"); void box.offsetWidth; box.classList.add("blink");
      clearTimeout(blinkTimer);
      blinkTimer = setTimeout(function () { box.classList.remove("blink"); }, BLINK_MS);
    }
    var list = $("call-list");
    list.textContent = "";
    state.calls.slice(1, 8).forEach(function (c) {
      var li = el("li", "call-row");
      li.appendChild(el("span", "call-number", c.number));
      li.appendChild(el("span", "call-arrow", "→"));
      li.appendChild(el("span", "call-window", windowLabel(c.window_number)));
      list.appendChild(li);
    });
  }

  function renderWindows() {
    var grid = $("window-grid");
    grid.textContent = "";
    state.windows.forEach(function (w) {
      var li = el("li", "window-cell");
      li.setAttribute("data-status", w.status);
      li.setAttribute("data-window", w.number);
      li.appendChild(el("span", "window-no", w.number));
      li.appendChild(el("span", "window-name", w.name));
      var now;
      if (w.status === "paused") { now = t.status_paused; }
      else if (w.status === "closed") { now = t.status_closed; }
      else { now = w.current_number || t.idle; }
      li.appendChild(el("span", "window-now" + (w.current_number && w.status === "open" ? " is-number" : ""), now));
      grid.appendChild(li);
    });
    grid.setAttribute("data-count", state.windows.length);
  }

  function renderQueue() {
    var grid = $("queue-grid");
    grid.textContent = "";
    state.categories.forEach(function (c) {
      var li = el("li", "queue-cell");
      li.setAttribute("data-category", c.prefix);
      li.appendChild(el("span", "queue-prefix", c.prefix));
      li.appendChild(el("span", "queue-name", c.name));
      var n = state.waiting[c.prefix] != null ? state.waiting[c.prefix] : c.waiting;
      var m = state.estimates[c.prefix] != null ? state.estimates[c.prefix] : c.estimated_wait_minutes;
      var meta = el("span", "queue-meta");
      meta.appendChild(el("strong", "queue-count", n));
      meta.appendChild(document.createTextNode(" " + t.waiting + " · " + t.about_min.replace("{m}", m)));
      li.appendChild(meta);
      grid.appendChild(li);
    });
  }

  function renderNotice(text) {
    var ticker = $("ticker");
    OW.text($("ticker-text"), text || "");
    ticker.hidden = !text;
    document.body.classList.toggle("has-ticker", !!text);
  }

  function renderClock() {
    var d = clock.now();
    var lang = document.documentElement.lang || "zh-CN";
    var opts = { timeZone: "UTC" };
    OW.text($("clock-date"), d.toLocaleDateString(lang, Object.assign({ year: "numeric", month: "long", day: "numeric", weekday: "long" }, opts)));
    OW.text($("clock-time"), d.toLocaleTimeString(lang, Object.assign({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }, opts)));
  }

  // --- live ---------------------------------------------------------------------------------
  function announce(c) { if (voice) { voice.announce(c); } }

  function addCall(c, speak) {
    var key = callKey(c);
    if (seen[key]) { return false; }
    seen[key] = true;
    state.calls = [c].concat(state.calls.filter(function (x) {
      return !(x.number === c.number && x.window_number === c.window_number);
    })).slice(0, 10);
    if (speak) { announce(c); }
    return true;
  }

  function onSnapshot(s) {
    clock.sync(s.server_time);
    var calls = (s.recent_calls || []).filter(callPasses);
    var fresh = [];
    if (!firstSnapshot) {
      // calls made while this screen was away and newer than what it showed: announce
      var newest = state.calls[0] ? state.calls[0].called_at : "";
      fresh = calls.filter(function (c) { return !seen[callKey(c)] && c.called_at > newest; });
    }
    calls.forEach(function (c) { seen[callKey(c)] = true; });
    state.calls = calls.slice(0, 10);
    state.windows = (s.windows || []).filter(windowPasses);
    state.categories = (s.categories || []).filter(function (c) { return categoryPasses(c.prefix); });
    state.waiting = s.waiting || {};
    state.estimates = s.estimated_wait_minutes || {};
    renderCalls(fresh.length > 0);
    fresh.reverse().forEach(announce);
    renderWindows(); renderQueue(); renderNotice(s.notice);
    firstSnapshot = false;
    root.setAttribute("data-state", "live");
    root.setAttribute("data-seq", s.seq);
  }

  function onEvent(name, p) {
    if (name === "ticket_called") {
      if (!callPasses(p)) { return; }
      if (addCall(p, true)) { renderCalls(true); }
    } else if (name === "queue_changed") {
      state.waiting = p.waiting || state.waiting;
      state.estimates = p.estimated_wait_minutes || state.estimates;
      renderQueue();
    } else if (name === "window_changed") {
      state.windows = state.windows.map(function (w) {
        return w.number === p.number ? Object.assign({}, w, p) : w;
      });
      renderWindows();
    } else if (name === "notice_changed") {
      renderNotice(p.text);
    }
    root.setAttribute("data-seq", p.seq);
  }

  var sub = { room: "display", hall: cfg.hall, categories: flt.categories, windows: flt.windows };
  OW.live([sub], { snapshot: onSnapshot, event: onEvent });
  renderClock();
  setInterval(renderClock, 1000);

  // --- sound: one touch, once, on the speaker screen only --------------------------------------
  if (voice) {
    var overlay = $("sound-overlay");
    voice.tryAutoUnlock().then(function (ok) {
      if (ok) { voice.unlock(); } else { overlay.hidden = false; }
    });
    var enable = function () { overlay.hidden = true; voice.unlock(); };
    $("sound-enable").addEventListener("click", enable);
    overlay.addEventListener("click", enable);
  }
  window.OW.display = { state: state, voice: voice };
})();
