// A countdown for an invitation's expiry. The page says the time without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-countdown]").forEach(function (element) {
    var ends = Date.parse(element.getAttribute("data-countdown"));
    if (isNaN(ends)) return;
    var label = element.textContent;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = String(left % 60).padStart(2, "0");
      element.textContent = left > 0
        ? label + " (" + minutes + ":" + seconds + " left)"
        : label + " (run out: make a new code)";
      if (left > 0) setTimeout(tick, 1000);
    }
    tick();
  });
});
