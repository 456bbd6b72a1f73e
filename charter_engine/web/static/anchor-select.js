/* Quote a passage of a clause by selecting it: the selection inside the clause's text
   (#clause-current) fills the comment form's hidden start/end/quote fields and the visible
   "passage" field. Without this script the reader pastes the passage instead; the server
   finds it. Offsets count characters of the clause's text, exactly as the server stores it. */
(function () {
  "use strict";

  function offsetWithin(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function init() {
    var clause = document.getElementById("clause-current");
    var start = document.getElementById("anchor-start");
    var end = document.getElementById("anchor-end");
    var quote = document.getElementById("anchor-quote");
    var passage = document.getElementById("passage");
    var status = document.getElementById("anchor-status");
    if (!clause || !start || !end || !quote) return;

    function clear() {
      start.value = "";
      end.value = "";
      quote.value = "";
    }

    function capture() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
      var range = selection.getRangeAt(0);
      if (!clause.contains(range.startContainer) || !clause.contains(range.endContainer)) return;
      var from = offsetWithin(clause, range.startContainer, range.startOffset);
      var to = offsetWithin(clause, range.endContainer, range.endOffset);
      var text = clause.textContent.slice(from, to);
      // Leave out the spaces a selection often picks up at its edges.
      var lead = text.length - text.replace(/^\s+/, "").length;
      var trail = text.length - text.replace(/\s+$/, "").length;
      from += lead;
      to -= trail;
      if (to <= from) return;
      start.value = String(from);
      end.value = String(to);
      quote.value = clause.textContent.slice(from, to);
      if (passage) passage.value = quote.value;
      if (status) status.textContent = "Quoting: \u201c" + quote.value + "\u201d";
    }

    clause.addEventListener("mouseup", capture);
    clause.addEventListener("keyup", capture);
    document.addEventListener("selectionchange", function () {
      var selection = window.getSelection();
      if (selection && !selection.isCollapsed && clause.contains(selection.anchorNode)) capture();
    });
    if (passage) {
      // Typing a passage by hand replaces the selection: the server then locates it.
      passage.addEventListener("input", function () {
        if (passage.value !== quote.value) {
          clear();
          if (status) status.textContent = "";
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
