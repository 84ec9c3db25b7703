/* Kiosk: one touch takes a number; the result stays on screen, then the kiosk resets. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var hall = root.getAttribute("data-hall");
  var t = OW.i18n();
  var priority = false;
  var resetTimer = null;
  var busy = false;
  var toggle = document.getElementById("priority-toggle");

  function show(id, on) { document.getElementById(id).hidden = !on; }

  toggle.addEventListener("click", function () {
    priority = !priority;
    toggle.setAttribute("aria-pressed", priority ? "true" : "false");
    toggle.classList.toggle("on", priority);
  });

  function reset() {
    clearTimeout(resetTimer);
    show("kiosk-result", false); show("kiosk-error", false); show("kiosk-busy", false);
    priority = false; toggle.setAttribute("aria-pressed", "false"); toggle.classList.remove("on");
    busy = false;
    refresh();
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

  root.querySelectorAll(".kiosk-cat").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (busy) { return; }
      busy = true;
      show("kiosk-busy", true);
      OW.post("/api/v1/tickets", {
        category: btn.getAttribute("data-category"), hall: hall,
        priority: priority ? "priority" : "normal"
      }).then(function (r) {
        var d = r.data;
        show("kiosk-busy", false);
        OW.text(document.getElementById("result-number"), d.number);
        OW.text(document.getElementById("result-category"), d.category_name);
        OW.text(document.getElementById("result-ahead"), Math.max(0, d.position - 1));
        OW.text(document.getElementById("result-wait"), d.estimated_wait_minutes);
        var link = document.getElementById("result-link");
        var url = window.location.origin + "/t/" + d.token;
        link.href = "/t/" + d.token; OW.text(link, url);
        show("kiosk-result", true);
        resetTimer = setTimeout(reset, 20000);
      }).catch(function (e) {
        show("kiosk-busy", false);
        OW.text(document.getElementById("error-text"), e.status ? (e.message || t.error_generic) : t.error_network);
        show("kiosk-error", true);
        resetTimer = setTimeout(reset, 10000);
      });
    });
  });
  document.getElementById("result-done").addEventListener("click", reset);
  document.getElementById("error-done").addEventListener("click", reset);
  setInterval(function () { if (!busy) { refresh(); } }, 10000);
})();
