// Role-play player: keeps the latest line in view, counts reply characters, blocks double submits.
(function () {
  "use strict";
  var latest = document.getElementById("latest");
  if (latest && latest.scrollIntoView && window.location.hash === "#latest") {
    latest.scrollIntoView({ block: "end" });
  }
  var reply = document.getElementById("reply");
  var count = document.getElementById("reply-count");
  if (reply && count) {
    var max = parseInt(reply.getAttribute("data-max") || "5000", 10);
    var update = function () {
      count.textContent = reply.value.length + " / " + max;
    };
    reply.addEventListener("input", update);
    update();
    if (!reply.value && window.location.hash === "#latest") { reply.focus(); }
  }
  var forms = document.querySelectorAll("form.step-form");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        // A disabled button is not sent, so carry its value in a hidden field.
        var carry = document.createElement("input");
        carry.type = "hidden"; carry.name = submitter.name; carry.value = submitter.value;
        form.appendChild(carry);
      }
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
        b.setAttribute("aria-busy", "true");
        b.disabled = true;
      });
    });
  });
})();
