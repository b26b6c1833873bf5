// The directory's progressive enhancements: every page works without this file.
(function () {
  "use strict";

  function revealJsOnly(root) {
    (root || document).querySelectorAll(".js-only[hidden]").forEach(function (el) { el.hidden = false; });
  }

  // Announce the result count after htmx swaps the results in place (the live region is outside the swap).
  function announce() {
    var count = document.getElementById("result-count");
    var status = document.getElementById("results-status");
    if (count && status) { status.textContent = count.textContent.trim(); }
  }

  function bindPrint(root) {
    (root || document).querySelectorAll(".print-button").forEach(function (button) {
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // "Near me": the location is asked for only on this tap, rounded to about 100 m, and only put in the
  // URL of this search; the server uses it to sort and never stores or logs it.
  function bindNearMe(root) {
    var button = (root || document).querySelector("#near-me");
    if (!button || !navigator.geolocation || button.dataset.bound) { return; }
    button.dataset.bound = "1";
    button.addEventListener("click", function () {
      var form = document.getElementById("filters");
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        setHidden(form, "lat", pos.coords.latitude.toFixed(3));
        setHidden(form, "lng", pos.coords.longitude.toFixed(3));
        var sort = form.querySelector("[name=sort]");
        var option = sort.querySelector("option[value=nearest]");
        if (!option) {
          option = document.createElement("option");
          option.value = "nearest";
          option.textContent = button.textContent;
          sort.appendChild(option);
        }
        sort.value = "nearest";
        button.disabled = false;
        form.requestSubmit();
      }, function () {
        button.disabled = false;
        var status = document.getElementById("results-status");
        if (status) { status.textContent = button.dataset.error; }
      }, { timeout: 15000, maximumAge: 600000 });
    });
  }

  function setHidden(form, name, value) {
    var input = form.querySelector("input[type=hidden][name=" + name + "]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function enhance(root) {
    revealJsOnly(root);
    bindPrint(root);
    bindNearMe(root);
  }

  // Keep pushed addresses short and readable: leave out filters left at "any" and the default sort.
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (!data || !event.detail.elt || event.detail.elt.id !== "filters") { return; }
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      var values = data.getAll(key).filter(function (value) { return value !== ""; });
      if (!values.length || (key === "sort" && values[0] === "name")) { data.delete(key); }
    });
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    announce();
  });
})();
