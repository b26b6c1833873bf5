// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var script = document.currentScript;

  // Offline for home visits: a service worker served from the site root (see /sw.js), on every page.
  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
  }
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
