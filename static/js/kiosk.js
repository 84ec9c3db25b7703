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
    closeCode();
    if (busyText) { OW.text(busyText, issuingText); }
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
    var appt = $("result-appt");  // a check-in with a booking code: on time or late
    if (appt) {
      appt.hidden = !d.appointment;
      appt.setAttribute("data-priority", d.priority || "");
      OW.text(appt, !d.appointment ? "" : d.priority === "priority" ? t.appt_on_time : t.appt_late);
    }
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
  // --- "I have an appointment": the booking code on an on-screen keypad, then check-in
  var CODE_LENGTH = 8;
  var code = "";
  var codeBox = $("kiosk-code");

  function renderCode() {
    var out = $("code-display");
    out.textContent = "";
    for (var i = 0; i < CODE_LENGTH; i++) {
      var cell = document.createElement("span");
      cell.className = "code-cell" + (i < code.length ? " filled" : "");
      cell.textContent = code.charAt(i);
      out.appendChild(cell);
    }
    out.setAttribute("data-code", code);
    $("code-submit").disabled = code.length !== CODE_LENGTH || busy;
  }
  function codeError(msg, errorCode) {
    var el = $("code-error");
    OW.text(el, msg || "");
    el.hidden = !msg;
    el.setAttribute("data-code", errorCode || "");
  }
  function openCode() {
    if (busy) { return; }
    code = "";
    codeError(null);
    renderCode();
    codeBox.hidden = false;
    clearTimeout(resetTimer);
    resetTimer = setTimeout(reset, 90 * 1000);  // nobody finishing: back to the start
  }
  function closeCode() {
    if (codeBox) { codeBox.hidden = true; }
    code = "";
  }
  function localDay(d) {
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }
  function checkInError(e) {
    var d = e.details || {};
    if (!e.status) { return t.error_network; }
    if (e.code === "unknown_appointment") { return t.code_unknown; }
    if (e.code === "validation_failed" || e.status === 400) { return t.code_incomplete; }
    if (e.code === "already_checked_in") { return t.code_used; }
    if (e.code === "appointment_expired") { return t.code_expired; }
    if (e.code === "invalid_transition" && d.status === "cancelled") { return t.code_cancelled; }
    if (e.code === "invalid_transition" && d.status === "missed") { return t.code_missed; }
    if (e.code === "too_early" && d.opens_at) {
      var day = String(d.opens_at).slice(0, 10), time = String(d.opens_at).slice(11, 16);
      return day !== localDay(new Date()) ? OW.format(t.code_other_day, { day: day, time: time })
        : OW.format(t.code_too_early, { time: time });
    }
    return e.status >= 500 || !e.message ? t.error_generic : e.message;
  }
  function submitCode() {
    if (busy || code.length !== CODE_LENGTH) { return; }
    busy = true;
    root.classList.add("is-busy");
    codeError(null);
    OW.text($("kiosk-busy").querySelector(".busy-text"), t.code_checking);
    show("kiosk-busy", true);
    OW.post("/api/v1/tickets", { appointment_code: code, hall: hall }).then(function (r) {
      closeCode();
      r.data.appointment = true;
      issued(r.data);
    }, function (e) {
      show("kiosk-busy", false);
      busy = false;
      root.classList.remove("is-busy");
      codeError(checkInError(e), e.code || "network");
      renderCode();
    });
  }
  var busyText = $("kiosk-busy").querySelector(".busy-text");
  var issuingText = busyText ? busyText.textContent : "";
  if (codeBox) {
    $("appt-open").addEventListener("click", openCode);
    $("code-keys").addEventListener("click", function (ev) {
      var key = ev.target.closest ? ev.target.closest("[data-key]") : null;
      if (!key || code.length >= CODE_LENGTH) { return; }
      code += key.getAttribute("data-key");
      codeError(null);
      renderCode();
    });
    $("code-back").addEventListener("click", function () { code = code.slice(0, -1); codeError(null); renderCode(); });
    $("code-clear").addEventListener("click", function () { code = ""; codeError(null); renderCode(); });
    $("code-cancel").addEventListener("click", reset);
    $("code-submit").addEventListener("click", submitCode);
  }

  $("result-done").addEventListener("click", reset);
  $("error-done").addEventListener("click", reset);
  // a long press must not open the browser's menu on a touch screen
  document.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });

  // the center's wall-clock time (the page's server time and its UTC offset), whatever
  // the kiosk machine's own clock zone is: the UTC fields of `d` are the center's time
  var clock = $("kiosk-clock");
  var serverIso = root.getAttribute("data-server-time") || "";
  var skew = 0, offsetMin = -new Date().getTimezoneOffset();
  (function () {
    var t = Date.parse(serverIso);
    if (!isNaN(t)) { skew = t - Date.now(); }
    var m = /([+-])(\d\d):(\d\d)$/.exec(serverIso);
    if (m) { offsetMin = (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10)); }
  })();
  function showTime() {
    var d = new Date(Date.now() + skew + offsetMin * 60000);
    OW.text(clock, ("0" + d.getUTCHours()).slice(-2) + ":" + ("0" + d.getUTCMinutes()).slice(-2));
  }
  showTime();
  setInterval(showTime, 15000);
  setInterval(function () { if (!busy) { refresh(); } }, 10000);
})();
