/* Small enhancements only: every page works without this file.
   - forms with data-confirm ask before they submit;
   - the error summary takes focus so screen reader users hear what to fix;
   - cells of tables that stack on a phone (table.stack) get their column's name as data-label. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) summary.focus();
    document.querySelectorAll("table.stack").forEach(labelCells);
  });

  function labelCells(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (names[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[i]);
      });
    });
  }

  /* For scripts of other pages: the CSRF token for fetch() POSTs. */
  window.charterEngine = {
    csrfToken: function () {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.getAttribute("content") : "";
    }
  };
})();
