// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Copy-to-clipboard buttons: data-copy="#element-id".
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.dataset.copied || button.textContent;
      });
    }
  });

  // Close an open menu when the focus or a click leaves it, or on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Filter forms marked data-autosubmit refresh their results as the person changes a filter.
  document.addEventListener("change", function (event) {
    const form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.requestSubmit();
  });
})();
