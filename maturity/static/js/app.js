// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function announce(text) {
    var region = document.getElementById("live-region");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 50); }
  }
  document.addEventListener("htmx:responseError", function () {
    announce(document.body.getAttribute("data-error-text") || "Error");
  });
  document.addEventListener("htmx:sendError", function () {
    announce(document.body.getAttribute("data-offline-text") || "Offline");
  });
  // After a boosted navigation, move focus to the new main content for screen readers.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
})();
