// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Move focus to an error summary (or other marked element) so screen readers announce it, as GOV.UK does.
  function focusMarked(root) {
    var el = (root || document).querySelector('[data-autofocus]');
    if (el) el.focus();
  }
  document.addEventListener('DOMContentLoaded', function () { focusMarked(document); });
  document.addEventListener('htmx:after:swap', function (e) { focusMarked(e.target); });
})();
