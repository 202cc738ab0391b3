// A countdown for an invitation's expiry (the page says the time without it), and the time
// zone a registration proposes.
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

// The registration form proposes this device's time zone, when the service knows it; the
// person can choose another. Without the script the form says UTC.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) {
        select.value = zone;
        return;
      }
    }
  });
});
