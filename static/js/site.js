// Every page: the phone menu and the copy buttons. Loaded in <head> without defer, so the "js"
// class is on <html> before the first paint: without JavaScript the menu simply stays open and
// the text to copy stays selectable.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // Where the Clipboard API is missing (plain HTTP on another machine), the text is selected
  // and the button says to press Ctrl+C / Cmd+C.
  function selectText(element) {
    if (element.select) {
      element.focus();
      element.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value !== undefined ? source.value : source.textContent;
    var status = button.parentNode.querySelector(".copy-status");
    function say(message) {
      if (status) status.textContent = message;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { say(button.getAttribute("data-copied")); },
        function () { selectText(source); say(button.getAttribute("data-select")); }
      );
    } else {
      selectText(source);
      say(button.getAttribute("data-select"));
    }
  }

  function setUpCopyButtons(root) {
    var buttons = root.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].hasAttribute("data-ready")) continue;
      buttons[i].setAttribute("data-ready", "");
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpCopyButtons(document);
  });
  // A new token arrives in a fragment swapped in by htmx.
  document.addEventListener("htmx:afterSettle", function (event) {
    setUpCopyButtons(event.target);
  });
})();
