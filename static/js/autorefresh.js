/*
 * Pages that follow a live state (the clocks, today's board, an exam room) reload
 * themselves every few seconds. <meta http-equiv="refresh"> did that with no way to stop
 * it, sending a screen reader back to the top of the page each time (WCAG 2.2.1, Timing
 * Adjustable). This reloads only while the user has not paused it, and never while they
 * are in a form field. The page loads it as
 *   <script src="…/autorefresh.js" data-seconds="30" data-pause="…" data-resume="…" defer>
 * (the two labels are the page's translated button texts).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var seconds = parseInt(script.getAttribute("data-seconds"), 10);
  var main = document.querySelector("main");
  if (!(seconds > 0) || !main) return;

  var key = "autorefresh-paused:" + window.location.pathname;
  var paused = window.sessionStorage.getItem(key) === "1";
  var timer = null;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "autorefresh";

  function show() {
    button.textContent = script.getAttribute(paused ? "data-resume" : "data-pause");
    button.setAttribute("aria-pressed", paused ? "true" : "false");
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!paused) timer = window.setTimeout(reload, seconds * 1000);
  }

  function reload() {
    var active = document.activeElement;
    // Someone typing (a reason on the exam monitor, a filter) keeps what they typed.
    if (active && active.form && active !== button) {
      schedule();
      return;
    }
    window.location.reload();
  }

  button.addEventListener("click", function () {
    paused = !paused;
    if (paused) window.sessionStorage.setItem(key, "1");
    else window.sessionStorage.removeItem(key);
    show();
    schedule();
  });

  show();
  var heading = main.querySelector("h1");
  if (heading) heading.insertAdjacentElement("afterend", button);
  else main.insertBefore(button, main.firstChild);
  schedule();
})();
