// Administrator pages: a busy state while a catalog file uploads (the server checks the
// whole file before answering, which can take a moment for a large catalog).
(function () {
  "use strict";
  var form = document.getElementById("catalog-upload");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = document.getElementById("upload");
    var busy = document.getElementById("upload-busy");
    // disable on the next tick so the browser still submits the form
    window.setTimeout(function () { if (button) button.disabled = true; }, 0);
    if (busy) busy.hidden = false;
    form.setAttribute("aria-busy", "true");
    document.body.classList.add("busy");
  });
})();
