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
  // On small screens the main navigation folds behind a Menu button (the CSS hides the button on
  // wider screens). A boosted navigation replaces the header, so each new one is set up again.
  function setUpMenu() {
    var nav = document.getElementById("main-nav");
    var list = nav && nav.querySelector("ul");
    if (!list || nav.querySelector(".menu-toggle")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "menu-toggle";
    button.textContent = nav.getAttribute("data-menu-text") || "Menu";
    button.setAttribute("aria-controls", list.id);
    button.setAttribute("aria-expanded", "false");
    function show(open) {
      nav.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { show(!nav.classList.contains("is-open")); });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) { show(false); button.focus(); }
    });
    nav.insertBefore(button, list);
    nav.classList.add("js-menu");
  }
  document.addEventListener("DOMContentLoaded", setUpMenu);
  document.addEventListener("htmx:load", setUpMenu);
})();
