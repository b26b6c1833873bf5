// The share sheet: listings ticked while browsing, kept in this browser only (localStorage), never sent
// anywhere except as the ids in the share page's address when the person opens it.
(function () {
  "use strict";
  var KEY = "tsunagu.share";

  function read() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return /^\d+$/.test(String(id)); }).map(String) : [];
    } catch (e) { return []; }
  }

  function write(ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* private mode: no sheet */ }
  }

  function refresh() {
    var ids = read();
    document.querySelectorAll(".share-tick").forEach(function (box) { box.checked = ids.indexOf(box.value) !== -1; });
    var bar = document.getElementById("share-bar");
    var link = document.getElementById("share-link");
    var count = document.getElementById("share-count");
    if (count) { count.textContent = String(ids.length); }
    if (link) {
      var base = link.getAttribute("href").split("?")[0];
      link.setAttribute("href", ids.length ? base + "?ids=" + ids.join(",") : base);
    }
    if (bar) { bar.hidden = ids.length === 0; }
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("share-tick")) { return; }
    event.stopPropagation(); // ticking is not a filter change: do not resubmit the filters form
    var ids = read().filter(function (id) { return id !== box.value; });
    if (box.checked) { ids.push(box.value); }
    write(ids);
    refresh();
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "share-clear") { write([]); refresh(); }
  });

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSwap", refresh);
})();
