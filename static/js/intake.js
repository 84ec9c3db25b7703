/* Intake form (/cases/new) and printable notices: the live fee preview (same service as
   the server's, via /cases/new/fees), the list of unticked materials that will go on the
   one-time notice, and the Print button. The form works without this file. */
(function () {
  "use strict";
  var text = {};
  try { text = JSON.parse((document.getElementById("i18n") || {}).textContent || "{}"); } catch (e) { text = {}; }

  var printButton = document.querySelector("[data-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }

  var form = document.getElementById("intake-form");
  if (!form) { return; }

  function fen(n) { return "¥" + (n / 100).toFixed(2); }

  var summary = document.getElementById("missing-summary");
  function updateMissing() {
    if (!summary) { return; }
    var missing = [];
    form.querySelectorAll('input[name="materials"]').forEach(function (box) {
      if (!box.checked) { missing.push(box.value); }
    });
    summary.hidden = false;
    summary.className = missing.length ? "cases-missing" : "cases-missing is-complete";
    summary.textContent = missing.length ? (text.missing + " " + missing.join("、")) : text.none_missing;
    var accept = document.getElementById("btn-accept");
    if (accept) { accept.classList.toggle("is-muted", missing.length > 0); }
  }

  var preview = document.getElementById("fee-preview");
  var timer = null;
  function updateFees() {
    if (!preview) { return; }
    var params = new URLSearchParams({ item: form.dataset.item });
    form.querySelectorAll(".intake-param").forEach(function (input) {
      params.append(input.name, input.value.trim());
    });
    fetch(form.dataset.feesUrl + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var fees = data.fees;
        preview.textContent = "";
        if (!fees) {
          var p = document.createElement("p"); p.className = "muted"; p.textContent = text.enter_params;
          preview.appendChild(p); return;
        }
        var table = document.createElement("table"); table.className = "table cases-fees";
        var body = table.createTBody();
        fees.items.forEach(function (line) {
          var row = body.insertRow();
          row.insertCell().textContent = (line.name || line.code) + " · " + line.department;
          var cell = row.insertCell(); cell.className = "num"; cell.textContent = fen(line.amount_fen);
        });
        var foot = table.createTFoot().insertRow();
        var th = document.createElement("th"); th.textContent = text.total; foot.appendChild(th);
        var total = document.createElement("th"); total.className = "num"; total.id = "fee-total";
        total.textContent = fen(fees.total_fen); foot.appendChild(total);
        preview.appendChild(table);
        if (!fees.items.length) {
          var none = document.createElement("p"); none.className = "muted"; none.textContent = text.no_fee;
          preview.appendChild(none);
        }
      })
      .catch(function () { /* the server-side preview button still works */ });
  }

  form.addEventListener("change", function (ev) {
    if (ev.target.name === "materials") { updateMissing(); }
  });
  form.addEventListener("input", function (ev) {
    if (ev.target.classList.contains("intake-param")) {
      clearTimeout(timer); timer = setTimeout(updateFees, 300);
    }
  });
  updateMissing();
})();
