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
  // Copy buttons exist only where the clipboard does; without it the text area itself is selectable.
  function enableCopy(root) {
    if (!navigator.clipboard) return;
    var rows = (root || document).querySelectorAll('[data-copy-row]');
    for (var i = 0; i < rows.length; i++) rows[i].hidden = false;
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-copy]');
    if (!button) return;
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) return;
    var text = field.value;
    // The invitation's link always goes with the text, even if it was edited out.
    var link = button.getAttribute('data-copy-link');
    if (link && text.indexOf(link) === -1) text = text.replace(/\s+$/, '') + '\n\n' + link;
    navigator.clipboard.writeText(text).then(function () {
      var status = button.parentNode.querySelector('[data-copy-status]');
      if (status) status.textContent = button.getAttribute('data-copied');
    });
  });
  document.addEventListener('DOMContentLoaded', function () { focusMarked(document); enableCopy(document); });
  document.addEventListener('htmx:after:swap', function (e) { syncLang(); focusMarked(e.target); enableCopy(e.target); });
})();
