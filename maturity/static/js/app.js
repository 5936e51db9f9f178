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
  // After a boosted navigation, move focus to the new main content for screen readers. This runs
  // on the swap itself, in the same task: on the settle (20 ms later) it took back the focus from
  // someone who had already pressed Tab on the new page, and their next key went nowhere.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.boosted) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
})();
