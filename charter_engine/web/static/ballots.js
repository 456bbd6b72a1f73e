/* The new-ballot form: show only the fields that apply to the kind of ballot chosen.
   Without this script every field is shown, with help text saying where it applies. */
(function () {
  "use strict";

  function update(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    if (!checked) return;
    var kind = checked.value;
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var kinds = el.getAttribute("data-kinds").split(" ");
      el.hidden = kinds.indexOf(kind) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.ballot-form");
    if (!form || !form.querySelector('input[name="kind"]')) return;
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "kind") update(form);
    });
    update(form);
  });
})();
