/* The incident page: keep "due in 12 min" / "overdue by 3 min" of the next update fresh.
 * <span class="countdown" data-due="ISO">: the server's text, recomputed every 15 s. */
(function () {
  "use strict";

  function text(due) {
    var minutes = (due.getTime() - Date.now()) / 60000;
    if (minutes >= 0) { return "due in " + Math.ceil(minutes) + " min"; }
    return "overdue by " + Math.ceil(-minutes) + " min";
  }

  function refresh() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = new Date(el.getAttribute("data-due"));
      if (isNaN(due.getTime())) { return; }
      el.textContent = text(due);
      var overdue = due.getTime() < Date.now();
      el.classList.toggle("overdue", overdue);
    });
  }

  function start() { refresh(); setInterval(refresh, 15000); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
