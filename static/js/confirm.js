/*
 * Asks before an irreversible action. A form, or a button, carrying
 * data-confirm="question" submits only when the user agrees. Pages that have such a
 * form load this file instead of an inline onclick/onsubmit handler: the
 * Content-Security-Policy allows scripts from our own files only.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    var button = event.submitter;
    if (button && button.hasAttribute("data-confirm")) question = button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();
