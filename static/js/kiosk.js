/* Kiosk: one touch takes a number; the result stays on screen, then the kiosk resets.
   No keyboard, no mouse: every state (busy, result, error) is a full-screen overlay
   that the next touch or a timer clears. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var hall = root.getAttribute("data-hall");
  var t = OW.i18n();
  var RESULT_SECONDS = 20, ERROR_SECONDS = 12;
  var priority = false;
  var resetTimer = null, tickTimer = null;
  var busy = false;
  var toggle = document.getElementById("priority-toggle");
  var $ = function (id) { return document.getElementById(id); };

  function show(id, on) { $(id).hidden = !on; }

  function setPriority(on) {
    priority = on;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.classList.toggle("on", on);
  }

  toggle.addEventListener("click", function () { setPriority(!priority); });

  function reset() {
    clearTimeout(resetTimer); clearInterval(tickTimer);
    show("kiosk-result", false); show("kiosk-error", false); show("kiosk-busy", false);
    root.classList.remove("is-busy");
    setPriority(false);
    busy = false;
    refresh();
  }

  function resetIn(seconds, countdownId) {
    var left = seconds;
    var el = countdownId ? $(countdownId) : null;
    function tick() { if (el) { OW.text(el, OW.format(t.countdown, { seconds: left })); } left -= 1; }
    tick();
    tickTimer = setInterval(tick, 1000);
    resetTimer = setTimeout(reset, seconds * 1000);
  }

  function refresh() {
    OW.get("/api/v1/categories?hall=" + encodeURIComponent(hall)).then(function (r) {
      r.data.forEach(function (c) {
        var btn = root.querySelector('[data-category="' + c.prefix + '"]');
        if (!btn) { return; }
        OW.text(btn.querySelector(".js-waiting"), c.waiting);
        OW.text(btn.querySelector(".js-wait"), c.estimated_wait_minutes);
      });
    }).catch(function () { /* keep the last figures; the next refresh retries */ });
  }

  function issued(d) {
    show("kiosk-busy", false);
    OW.text($("result-number"), d.number);
    OW.text($("result-category"), d.category_name);
    OW.text($("result-ahead"), Math.max(0, d.position - 1));
    OW.text($("result-wait"), d.estimated_wait_minutes);
    var link = $("result-link");
    link.href = "/t/" + d.token;
    OW.text(link, window.location.origin + "/t/" + d.token);
    var print = $("result-print");  // the slip as PDF, for the browser's print dialog
    if (print) { print.href = "/api/v1/tickets/" + d.id + "/slip.pdf?token=" + encodeURIComponent(d.token); }
    lastIssued = d;
    printError(null);
    show("kiosk-result", true);
    resetIn(RESULT_SECONDS, "result-countdown");
  }

  // --- printing: fetch the slip first, so that a slip that cannot be had is reported (the
  // console shows it and staff reprint); the window opens within the touch, so no popup block
  var lastIssued = null;
  function printError(msg) {
    var el = $("result-print-error");
    if (!el) { return; }
    OW.text(el, msg || "");
    el.hidden = !msg;
  }
  function reportPrint(ticket, ok, error) {
    return OW.post("/api/v1/tickets/by-token/" + encodeURIComponent(ticket.token) + "/print-result",
                   { ok: ok, error: error || undefined }).catch(function () { /* best effort */ });
  }
  function printSlip(ev) {
    var ticket = lastIssued, link = ev.currentTarget;
    if (!ticket || !window.fetch || !window.URL || !URL.createObjectURL) { return; }  // plain link
    ev.preventDefault();
    var win = window.open("", "_blank");
    fetch(link.href, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      if (win) { win.location.href = url; } else { window.open(url, "_blank"); }
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    }).catch(function (e) {
      if (win) { win.close(); }
      printError(t.print_failed);
      reportPrint(ticket, false, (e && e.message ? e.message : "network").slice(0, 200));
    });
  }
  var printLink = $("result-print");
  if (printLink) { printLink.addEventListener("click", printSlip); }

  function failed(e) {
    show("kiosk-busy", false);
    var msg = !e.status ? t.error_network
      : (e.status >= 500 || !e.message) ? t.error_generic : e.message;
    OW.text($("error-text"), msg);
    show("kiosk-error", true);
    resetIn(ERROR_SECONDS, null);
  }

  root.querySelectorAll(".kiosk-cat").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (busy) { return; }
      busy = true;
      root.classList.add("is-busy");
      show("kiosk-busy", true);
      OW.post("/api/v1/tickets", {
        category: btn.getAttribute("data-category"), hall: hall,
        priority: priority ? "priority" : "normal"
      }).then(function (r) { issued(r.data); }, failed);
    });
  });
  $("result-done").addEventListener("click", reset);
  $("error-done").addEventListener("click", reset);
  // a long press must not open the browser's menu on a touch screen
  document.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });

  var clock = $("kiosk-clock");
  function showTime() {
    var d = new Date();
    OW.text(clock, ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2));
  }
  showTime();
  setInterval(showTime, 15000);
  setInterval(function () { if (!busy) { refresh(); } }, 10000);
})();
