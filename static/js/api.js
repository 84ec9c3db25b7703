/* One small fetch wrapper for every page: JSON in, JSON out, CSRF header for the
   session cookie, a timeout (a hung server must not leave a kiosk spinning), and
   errors as {status, code, message, details}; status 0 means the network failed. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var TIMEOUT_MS = 15000;

  function i18n() {
    var el = document.getElementById("i18n");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  function networkError(cause) {
    var e = new Error(cause && cause.message ? cause.message : "network");
    e.status = 0; e.code = "network"; e.details = {};
    return e;
  }

  function request(method, url, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRFToken"] = csrf; }
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    var timer = null;
    if (window.AbortController) {
      var ctl = new AbortController();
      opts.signal = ctl.signal;
      timer = setTimeout(function () { ctl.abort(); }, TIMEOUT_MS);
    }
    return fetch(url, opts).then(function (res) {
      clearTimeout(timer);
      if (res.status === 204) { return { status: 204, data: null }; }
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) {
          var err = (data && data.error) || {};
          var e = new Error(err.message || res.statusText || String(res.status));
          e.status = res.status; e.code = err.code; e.details = err.details || {};
          throw e;
        }
        return { status: res.status, data: data };
      });
    }, function (cause) {
      clearTimeout(timer);
      throw networkError(cause);
    });
  }

  /* "Called {number}" + {number: "A001"} → "Called A001" (the templates render the
     msgids with {name} placeholders for the scripts to fill). */
  function format(template, values) {
    return String(template == null ? "" : template).replace(/\{(\w+)\}/g, function (m, k) {
      return values && values[k] != null ? String(values[k]) : m;
    });
  }

  window.OW = {
    get: function (url) { return request("GET", url); },
    post: function (url, body) { return request("POST", url, body === undefined ? {} : body); },
    i18n: i18n,
    format: format,
    text: function (el, value) { if (el) { el.textContent = value == null ? "" : String(value); } },
  };
})();
