// Tsunagu's service worker: pages a social worker has opened, the consultation windows and the emergency
// numbers still show with no signal. Network first for pages (fresh when online), cache first for static
// files (their names carry versions). Never cached: anything but GET, member pages, the referral flow,
// and the referral API, whose answers can be sensitive.
"use strict";

var VERSION = "tsunagu-v3";
var PAGES = VERSION + "-pages";
var STATIC = VERSION + "-static";
var SHELL = [
  "/offline",
  "/windows",
  "/emergency",
  "/static/css/portal.css",
  "/static/css/print.css",
  "/static/css/directory.css",
  "/static/js/portal.js",
  "/static/js/directory.js",
  "/static/js/share.js",
  "/static/js/map.js",
  "/static/vendor/design-tokens-1.1.9/tokens.css",
  "/static/vendor/htmx-2.0.11/htmx.min.js",
  "/static/vendor/leaflet-1.9.4/leaflet.js",
  "/static/vendor/leaflet-1.9.4/leaflet.css",
  "/static/vendor/leaflet-1.9.4/images/marker-icon.png",
  "/static/vendor/leaflet-1.9.4/images/marker-icon-2x.png",
  "/static/vendor/leaflet-1.9.4/images/marker-shadow.png",
  "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
  "/static/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
  "/static/vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css"
];
var NEVER = [/^\/members(\/|$)/, /^\/referral(\/|$)/, /^\/consult(\/|$)/, /^\/api\/v1\/referral(\/|$)/, /^\/sw\.js$/];
var PAGES_KEPT = 60; // a day of home visits; oldest pages are dropped first

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf(VERSION) !== 0; }).map(function (key) {
      return caches.delete(key);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function never(url) {
  return NEVER.some(function (pattern) { return pattern.test(url.pathname); });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    if (keys.length > PAGES_KEPT) { return cache.delete(keys[0]).then(function () { return trim(cache); }); }
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    // Only whole pages are kept: an htmx fragment is not a page to show offline.
    if (response.ok && response.type === "basic" && !request.headers.get("HX-Request")) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(request, copy).then(function () { return trim(cache); }); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (cached) {
      if (cached) { return markOffline(cached); }
      if (request.mode === "navigate") { return caches.match("/offline", { ignoreVary: true }); }
      return Response.error();
    });
  });
}

// A saved page says so: its "you are offline, this may be out of date" notice is shown, even when the
// phone believes it is online (a captive portal, a dead server) and portal.js would not show it.
function markOffline(response) {
  var type = response.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) { return response; }
  return response.text().then(function (html) {
    var marked = html.replace(/(id="offline-notice"[^>]*?)\s+hidden(?=[\s>])/, "$1");
    return new Response(marked, { status: response.status, headers: response.headers });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (cached) {
    return cached || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || never(url)) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});
