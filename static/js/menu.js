// The menu folds behind one button on a narrow screen (static/css/app.css, below 800 px).
// Without this script the menu simply stays open: the class "menu-js" is what folds it.
(function () {
  var header = document.querySelector("header.top");
  var button = header && header.querySelector(".menu-toggle");
  if (!button) return;
  header.classList.add("menu-js");

  function setOpen(open) {
    header.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
