// Count down to a quiz attempt's deadline and submit the attempt just before it passes.
(function () {
  "use strict";
  var box = document.querySelector("[data-quiz-deadline]");
  if (!box) { return; }
  var deadline = Date.parse(box.getAttribute("data-quiz-deadline"));
  var out = box.querySelector("[data-quiz-remaining]");
  var submit = document.querySelector("[data-quiz-submit]");
  var sent = false;
  if (isNaN(deadline)) { return; }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    out.textContent = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    if (left <= 60) { box.setAttribute("aria-live", "polite"); }
    if (left <= 2 && !sent && submit) {
      sent = true;
      submit.click();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
