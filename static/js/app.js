// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Move focus to an error summary (or other marked element) so screen readers announce it, as GOV.UK does.
  function focusMarked(root) {
    var el = (root || document).querySelector('[data-autofocus]');
    if (el) el.focus();
  }
  // A boosted page swaps only <body>'s content: carry its language up to <html> (WCAG 3.1.1).
  function syncLang() {
    var page = document.getElementById('page');
    if (page && page.lang) document.documentElement.lang = page.lang;
  }
  document.addEventListener('DOMContentLoaded', function () { focusMarked(document); });
  document.addEventListener('htmx:after:swap', function (e) { syncLang(); focusMarked(e.target); });
})();
