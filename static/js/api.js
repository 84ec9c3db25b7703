/* One small fetch wrapper for every page: JSON in, JSON out, CSRF header for the
   session cookie, and errors as {status, code, message, details}. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function i18n() {
    var el = document.getElementById("i18n");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  function request(method, url, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRFToken"] = csrf; }
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      if (res.status === 204) { return { status: 204, data: null }; }
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) {
          var err = (data && data.error) || {};
          var e = new Error(err.message || res.statusText);
          e.status = res.status; e.code = err.code; e.details = err.details || {};
          throw e;
        }
        return { status: res.status, data: data };
      });
    });
  }

  window.OW = {
    get: function (url) { return request("GET", url); },
    post: function (url, body) { return request("POST", url, body === undefined ? {} : body); },
    i18n: i18n,
    text: function (el, value) { if (el) { el.textContent = value == null ? "" : String(value); } },
  };
})();
