/* Department inbox (/tasks): the missing-materials choice only matters for a supplement
   request, and a rejection (which ends the case) is confirmed once. Works without it. */
(function () {
  "use strict";
  var text = {};
  try { text = JSON.parse((document.getElementById("i18n") || {}).textContent || "{}"); } catch (e) { text = {}; }
  var form = document.getElementById("decision-form");
  if (!form) { return; }
  var missing = document.getElementById("missing-choice");

  function chosen() {
    var radio = form.querySelector('input[name="decision"]:checked');
    return radio ? radio.value : "";
  }
  function update() { if (missing) { missing.hidden = chosen() !== "supplement"; } }

  form.addEventListener("change", update);
  form.addEventListener("submit", function (ev) {
    if (chosen() === "reject" && text.confirm_reject && !window.confirm(text.confirm_reject)) {
      ev.preventDefault();
    }
  });
  // a refused supplement request comes back with its field error: keep the list visible
  if (!form.querySelector('.field-error[data-field="missing"]')) { update(); }
})();
