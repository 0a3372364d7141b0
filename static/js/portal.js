/* 智改数转管理平台: the page behaviour that used to be inline handlers, so that the Content-Security-Policy
   can refuse every inline script (config/csp.py). Loaded once in templates/base.html; the listeners sit on
   the document, so they also serve the pages Turbo swaps in.

   data-confirm="…"   on a form: ask before it is submitted; on a button or link: ask before it acts.
   data-once          on a form: disable its buttons once it is submitted (no double submission).
   data-autosubmit    on a select: submit its form when the choice changes. */
(function () {
  "use strict";

  function confirmed(element) {
    var message = element.getAttribute("data-confirm");
    return !message || window.confirm(message);
  }

  // Capture phase: runs before Turbo's own submit listener, which leaves a prevented submission alone.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (form.hasAttribute("data-confirm") && !confirmed(form)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if (form.hasAttribute("data-once")) {
        form.querySelectorAll("button").forEach(function (button) {
          // After this event: the clicked button's name and value are still part of the submission.
          window.setTimeout(function () { button.disabled = true; }, 0);
        });
      }
    },
    true
  );

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target.closest("button[data-confirm], a[data-confirm]") : null;
      if (target && !confirmed(target)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      if (typeof select.form.requestSubmit === "function") select.form.requestSubmit();
      else select.form.submit();
    }
  });
})();
