// The mystery shopper's waiting-time timer: start/stop buttons write the seconds into the
// timer item's input (which works on its own without JavaScript: the shopper types them).
(function () {
  "use strict";

  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  document.querySelectorAll(".mission-timer").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-timer-input"));
    var display = box.querySelector(".timer-display");
    var buttons = box.querySelector(".timer-buttons");
    var startButton = box.querySelector("[data-timer-start]");
    var stopButton = box.querySelector("[data-timer-stop]");
    var form = box.closest("form");
    var started = form && form.querySelector("[data-timer-started]");
    var stopped = form && form.querySelector("[data-timer-stopped]");
    if (!input || !display || !startButton || !stopButton) { return; }
    var startedAt = null, tick = null;

    function show(seconds) { display.textContent = format(seconds); }
    function elapsed() { return Math.max(0, Math.round((Date.now() - startedAt) / 1000)); }

    buttons.hidden = false;
    show(parseInt(input.value, 10) || 0);

    startButton.addEventListener("click", function () {
      startedAt = Date.now();
      if (started) { started.value = new Date(startedAt).toISOString(); }
      if (stopped) { stopped.value = ""; }
      input.value = "0";
      show(0);
      box.classList.add("running");
      startButton.disabled = true;
      stopButton.disabled = false;
      stopButton.focus();
      tick = window.setInterval(function () { show(elapsed()); input.value = String(elapsed()); }, 250);
    });

    stopButton.addEventListener("click", function () {
      if (startedAt === null) { return; }
      window.clearInterval(tick);
      var seconds = elapsed();
      input.value = String(seconds);
      show(seconds);
      if (stopped) { stopped.value = new Date().toISOString(); }
      box.classList.remove("running");
      startButton.disabled = false;
      stopButton.disabled = true;
      startedAt = null;
    });

    input.addEventListener("input", function () { show(parseInt(input.value, 10) || 0); });
  });
})();
