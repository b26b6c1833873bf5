// The map: Leaflet + markercluster, the same filters as the list (which is always there as well).
// Tiles come from configuration; with none (tests, offline) the markers still show on a blank map.
(function () {
  "use strict";
  function tiles(map, el) {
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
  }

  function makeMap(el, options) {
    // maxZoom must be set: without a tile layer markercluster throws "Map has no maxZoom specified".
    var map = L.map(el, Object.assign({ maxZoom: 18, scrollWheelZoom: false }, options || {}));
    tiles(map, el);
    return map;
  }

  function smallMap(el) {
    var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
    el.hidden = false;
    // The address above says where it is; the small map is a picture of it, out of the keyboard's way.
    var map = makeMap(el, { keyboard: false, dragging: !L.Browser.mobile, tap: false });
    map.setView([lat, lng], 15);
    L.marker([lat, lng], { keyboard: false }).addTo(map);
  }

  var browseMap = null, cluster = null, loadedUrl = null;

  function pointsUrl(el) {
    var form = document.getElementById("filters");
    if (!form) { return el.dataset.points; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      // Only the filters: not the page, the order or the person's location, and nothing left at "any".
      if (value !== "" && ["page", "sort", "lat", "lng"].indexOf(key) === -1) { params.append(key, value); }
    });
    var query = params.toString();
    return el.dataset.pointsBase + (query ? "?" + query : "");
  }

  function load(el) {
    var url = pointsUrl(el);
    if (url === loadedUrl) { return; }
    loadedUrl = url;
    fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (data) {
      cluster.clearLayers();
      var markers = data.markers.map(function (m) {
        var link = document.createElement("a");
        link.href = data.url_template.replace("{id}", m[0]);
        link.textContent = m[3];
        var marker = L.marker([m[1], m[2]], { title: m[3], alt: m[3] });
        marker.bindPopup(link);
        return marker;
      });
      cluster.addLayers(markers);
      el.dataset.markers = String(markers.length);
      if (markers.length) {
        browseMap.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 15 });
      } else if (!browseMap._loaded) {
        browseMap.setView([35.08, 137.15], 11);
      }
    }).catch(function () { loadedUrl = null; });
  }

  function showBrowseMap(el, button) {
    var panel = document.getElementById("map-panel");
    var open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-pressed", open ? "true" : "false");
    button.textContent = open ? button.dataset.hide : button.dataset.show;
    if (!open) { return; }
    if (!browseMap) {
      browseMap = makeMap(el);
      browseMap.setView([35.08, 137.15], 11);
      cluster = L.markerClusterGroup();
      browseMap.addLayer(cluster);
    }
    browseMap.invalidateSize();
    load(el);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }
    var el = document.getElementById("map");
    if (!el) { return; }
    if (el.dataset.lat) { smallMap(el); return; }
    var button = document.getElementById("map-toggle");
    if (!button) { return; }
    button.dataset.show = button.textContent;
    button.dataset.hide = button.dataset.hideLabel || button.textContent;
    button.addEventListener("click", function () { showBrowseMap(el, button); });
  });
  document.addEventListener("htmx:afterSwap", function () {
    var el = document.getElementById("map");
    if (browseMap && el && !document.getElementById("map-panel").hidden) { load(el); }
  });
})();
