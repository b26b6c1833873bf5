// The guided flow: quick exit, focus on the new question, print. The flow works without this file.
(function () {
  "use strict";
  // "Exit now": leave at once and replace this page in history, so Back does not return here.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-exit-now]") : null;
    if (!link) { return; }
    event.preventDefault();
    var conversation = document.getElementById("conversation");
    if (conversation) { conversation.textContent = ""; }
    window.location.replace(link.href);
  });
  // Esc pressed twice also leaves (as GOV.UK's "Exit this page" does with Shift three times).
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1000) {
      var link = document.querySelector("[data-exit-now]");
      if (link) { window.location.replace(link.href); }
    }
    lastEscape = now;
  });
  // After htmx swaps in the next question, move focus to it so screen readers hear it.
  document.addEventListener("htmx:afterSettle", function () {
    var question = document.getElementById("current-question");
    if (question && document.activeElement !== question) {
      question.focus({ preventScroll: true });
      question.scrollIntoView({ block: "start" });
    }
  });
  // Print button on the counter view (hidden without JavaScript: the browser's own print works too).
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
