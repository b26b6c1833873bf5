// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !visible; }
  }
  // A bad signal: say so instead of waiting forever (htmx timeout is set in the htmx-config meta).
  document.addEventListener("htmx:sendError", function () { show("connection-error", true); });
  document.addEventListener("htmx:timeout", function () { show("connection-error", true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) { show("connection-error", false); }
  });
  window.addEventListener("offline", function () { show("offline-notice", true); });
  window.addEventListener("online", function () { show("offline-notice", false); });
  if (navigator.onLine === false) { show("offline-notice", true); }
})();
