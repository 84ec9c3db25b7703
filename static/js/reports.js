/* The report page: fetches /api/v1/reports/summary for the chosen range (with a progress
   mark while it loads), fills the tables, draws the by-hour chart (Chart.js) and keeps the
   CSV link on the same range. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var T = OW.i18n();
  var chart = null;
  var deptChart = null;
  var RATES = /(_rate|_compression)$/;
  var SECONDS = /_seconds$/;

  function fmt(key, v) {
    if (v == null) { return "—"; }
    if (RATES.test(key)) { return (Math.round(v * 1000) / 10) + "%"; }
    if (SECONDS.test(key)) { return String(Math.round(v / 6) / 10); }
    if (key === "hour") { return (v < 10 ? "0" : "") + v + ":00"; }
    return String(v);
  }

  function params() {
    var q = new URLSearchParams();
    ["from", "to", "hall", "department"].forEach(function (name) {
      var input = form.elements[name];
      if (input && input.value) { q.set(name, input.value); }
    });
    return q;
  }

  function fillTable(table, rows) {
    var cols = Array.prototype.map.call(table.querySelectorAll("th"), function (th) {
      return th.getAttribute("data-col");
    });
    var body = table.querySelector("tbody");
    body.textContent = "";
    if (!rows.length) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = cols.length; td.className = "muted"; td.textContent = T.none;
      tr.appendChild(td); body.appendChild(tr); return;
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      cols.forEach(function (c) {
        var td = document.createElement("td");
        td.textContent = fmt(c, row[c]);
        if (typeof row[c] === "number") { td.className = "num"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function drawChart(rows) {
    var canvas = document.getElementById("hour-chart");
    if (!window.Chart || !canvas) { return; }
    var data = {
      labels: rows.map(function (r) { return fmt("hour", r.hour); }),
      datasets: [
        { type: "bar", label: T.issued, data: rows.map(function (r) { return r.tickets_issued; }),
          backgroundColor: "#8fb3d9", yAxisID: "y" },
        { type: "bar", label: T.served, data: rows.map(function (r) { return r.tickets_served; }),
          backgroundColor: "#2f6db5", yAxisID: "y" },
        { type: "line", label: T.avg_wait, yAxisID: "y1", borderColor: "#c0392b",
          backgroundColor: "#c0392b",
          data: rows.map(function (r) { return r.avg_wait_seconds == null ? null : Math.round(r.avg_wait_seconds / 6) / 10; }) }
      ]
    };
    if (chart) { chart.destroy(); }
    chart = new Chart(canvas, {
      data: data,
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, position: "left" },
                  y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } }
    });
    canvas.setAttribute("data-drawn", "1");
  }

  function drawDepartments(rows) {
    var canvas = document.getElementById("dept-chart");
    if (!window.Chart || !canvas) { return; }
    if (deptChart) { deptChart.destroy(); }
    deptChart = new Chart(canvas, {
      data: {
        labels: rows.map(function (r) { return r.name || r.code; }),
        datasets: [
          { type: "bar", label: T.accepted, backgroundColor: "#8fb3d9",
            data: rows.map(function (r) { return r.cases_accepted; }) },
          { type: "bar", label: T.completed, backgroundColor: "#2f6db5",
            data: rows.map(function (r) { return r.cases_completed; }) },
          { type: "bar", label: T.late, backgroundColor: "#c0392b",
            data: rows.map(function (r) { return r.completed_late; }) }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    canvas.setAttribute("data-drawn", "1");
  }

  function render(d) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-kpi]"), function (el) {
      el.textContent = fmt(el.getAttribute("data-kpi"), d[el.getAttribute("data-kpi")]);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-table]"), function (t) {
      fillTable(t, d[t.getAttribute("data-table")] || []);
    });
    var defs = document.getElementById("definitions");
    defs.textContent = "";
    Object.keys(d.definitions).forEach(function (k) {
      var li = document.createElement("li"); li.textContent = d.definitions[k]; defs.appendChild(li);
    });
    document.getElementById("report").hidden = false;
    // a department's report has no queue tickets: no by-hour chart and no ticket tables
    var ticketsApply = !d.department;
    Array.prototype.forEach.call(document.querySelectorAll("[data-tickets]"), function (el) {
      el.hidden = !ticketsApply;
    });
    if (ticketsApply) { drawChart(d.by_hour); }
    drawDepartments(d.by_department);
  }

  function load() {
    var q = params();
    var progress = document.getElementById("report-progress");
    var error = document.getElementById("report-error");
    progress.hidden = false; error.hidden = true;
    form.classList.add("busy");
    document.getElementById("csv-link").href = form.getAttribute("data-csv") + "?" + q.toString();
    OW.get(form.getAttribute("data-api") + "?" + q.toString()).then(function (res) {
      render(res.data);
    }, function (e) {
      error.textContent = (e && e.message) || T.failed; error.hidden = false;
    }).then(function () { progress.hidden = true; form.classList.remove("busy"); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    history.replaceState(null, "", "?" + params().toString());
    load();
  });
  load();
})();
