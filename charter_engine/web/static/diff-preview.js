/* Live diff preview while editing a clause: the textarea with data-preview-url sends its text
   to the server (POST with the CSRF token) and shows the word diff it answers in the element
   named by data-preview-target. Without this script, the "Preview" button does the same. */
(function () {
  "use strict";

  function init() {
    var fields = document.querySelectorAll("textarea[data-preview-url]");
    Array.prototype.forEach.call(fields, function (field) {
      var target = document.getElementById(field.getAttribute("data-preview-target"));
      if (!target) return;
      var timer = null;
      var sent = 0;

      function refresh() {
        var body = new FormData();
        body.append("csrf_token", window.charterEngine ? window.charterEngine.csrfToken() : "");
        body.append("text", field.value);
        var clause = field.getAttribute("data-preview-clause");
        if (clause) body.append("clause", clause);
        var ticket = ++sent;
        fetch(field.getAttribute("data-preview-url"), {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) {
            // Answers may arrive out of order: only the latest request updates the preview.
            if (!data || ticket !== sent) return;
            target.innerHTML = data.html; // the server escapes every piece of user text
            target.setAttribute("data-changed", data.changed ? "true" : "false");
          })
          .catch(function () { /* the Preview button still works */ });
      }

      field.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 250);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
